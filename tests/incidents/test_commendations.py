"""表扬奖励 (INC-12): the 保密办 proposes, the 领导 decides through the approval engine, the
approved ones are the register and appear on the person's page."""

from __future__ import annotations

import pytest
from django.test import Client

from baomi.approvals import services as approvals
from baomi.errors import Invalid, Refused
from baomi.incidents import selectors, services
from baomi.incidents.models import CommendationStatus
from tests.conftest import login
from tests.factories import PASSWORD


def test_proposed_to_the_leader_and_registered(office):
    c = services.commendation_propose(actor=office.lijianhua, person=office.zhoujing,
                                      reason="主动发现并报告复印机旁遗留的秘密文件")
    assert c.status == CommendationStatus.PROPOSED and c.approval is not None
    assert not selectors.commendations_visible_to(office.zhoujing).exists()  # not before the decision
    with pytest.raises(Refused):  # the 分管领导 of 规划科 is not the organisation's 领导
        approvals.request_decide(actor=office.sunwei, request=c.approval, approve=True, comment="同意",
                                 password=PASSWORD)
    approvals.request_decide(actor=office.chen, request=c.approval, approve=True, comment="同意",
                             password=PASSWORD)
    c.refresh_from_db()
    assert c.status == CommendationStatus.APPROVED
    assert list(selectors.commendations_visible_to(office.zhoujing)) == [c]
    section = selectors.profile_section(office.zhoujing, office.zhoujing)
    assert section is not None and "表扬" in section["rows"][0][0]
    unit = services.commendation_propose(actor=office.lijianhua, unit=office.units["planning"], reason="全年无失泄密")
    approvals.request_decide(actor=office.chen, request=unit.approval, approve=False, comment="年底统一评选",
                             password=PASSWORD)
    unit.refresh_from_db()
    assert unit.status == CommendationStatus.DECLINED


def test_only_the_secrecy_office_proposes(office):
    with pytest.raises(Refused):
        services.commendation_propose(actor=office.sunwei, person=office.zhoujing, reason="好")
    with pytest.raises(Invalid):
        services.commendation_propose(actor=office.lijianhua, reason="好")
    with pytest.raises(Invalid):
        services.commendation_propose(actor=office.lijianhua, person=office.zhoujing, reason=" ")


def test_page_and_api(office):
    client = login(Client(), office.lijianhua)
    response = client.post("/incidents/commendations/", {"person": "zhoujing", "reason": "及时报告隐患"})
    assert response.status_code == 302
    assert "及时报告隐患" in client.get("/incidents/").content.decode()
    assert client.post("/api/v1/incidents/commendations", data={"unit_id": office.units["finance"].pk,
                       "reason": "账务资料保管规范"}, content_type="application/json").status_code == 201
    assert len(client.get("/api/v1/incidents/commendations").json()) == 2
    other = login(Client(), office.wutao)
    assert other.get("/api/v1/incidents/commendations").json() == []
