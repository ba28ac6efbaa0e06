"""知悉范围 (CARRIER-04): widening it needs approval; nobody below the carrier's level is
admitted; narrowing by the keeper needs none; every change is audited (never with the title)."""

from __future__ import annotations

import json

import pytest

from baomi.approvals import services as approvals
from baomi.approvals.models import Status
from baomi.carriers import selectors, services
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Clearance
from tests.carriers.conftest import approve_all, events, first_copy, register
from tests.carriers.test_services import assert_refused
from tests.factories import PASSWORD, make_person


def test_widening_needs_approval_then_the_reader_may_be_given_a_copy(office):
    carrier = register(office.wangfang, people=[office.sunwei])
    copy = first_copy(carrier)
    with pytest.raises(Refused, match="不在该载体的知悉范围内"):
        services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.liumin)
    request = services.carrier_need_to_know_add_request(
        actor=office.wangfang, carrier=carrier, people=[office.liumin], units=[office.units["finance"]],
        reason="办公室牵头落实")
    assert request.level == carrier.level and carrier.title not in request.title
    assert [(s.approver_role, s.unit_id) for s in request.steps.all()] == [("approver", office.units["secretariat"].pk)]
    assert not carrier.need_to_know_people.filter(pk=office.liumin.pk).exists()  # not before the approval
    assert_refused(lambda: services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.liumin),
                   "不在该载体的知悉范围内", "copy.circulate")
    with pytest.raises(Refused):
        approve_all(request, office.wangfang)  # the requester does not decide (and holds no approver role)
    approve_all(request, office.liumin)  # leader of 办公室 (and the units below it)
    assert set(carrier.need_to_know_people.values_list("username", flat=True)) == {"sunwei", "liumin"}
    assert list(carrier.need_to_know_units.all()) == [office.units["finance"]]
    event = events("carrier.need_to_know_add").get()
    assert "liumin" in event.summary and carrier.register_no in event.summary and carrier.title not in event.summary
    assert json.loads(event.details)["approval"] == request.pk
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.liumin)
    accountant = make_person("qianjin", unit=office.units["finance"], clearance="IMPORTANT")
    assert carrier.pk in {c.pk for c in selectors.carriers_visible_to(accountant)}  # finance now sees it


def test_widening_refused_below_the_level_or_by_non_keepers(office):
    carrier = register(office.wangfang, people=[office.sunwei])
    assert_refused(lambda: services.carrier_need_to_know_add_request(
        actor=office.wangfang, carrier=carrier, people=[office.zhoujing], reason="工作需要"),
        "不能列入机密级载体的知悉范围", "carrier.need_to_know_request")
    assert_refused(lambda: services.carrier_need_to_know_add_request(
        actor=office.sunwei, carrier=carrier, people=[office.liumin], reason="工作需要"),
        "只有机要员或保密员", "carrier.need_to_know_request")
    with pytest.raises(Invalid, match="已在知悉范围内"):
        services.carrier_need_to_know_add_request(actor=office.wangfang, carrier=carrier, people=[office.sunwei],
                                                  reason="工作需要")
    top = register(office.wangfang, mark="绝密★长期", people=[office.chen])
    with pytest.raises(Invalid, match="具体到人"):
        services.carrier_need_to_know_add_request(actor=office.wangfang, carrier=top,
                                                  units=[office.units["planning"]], reason="工作需要")
    request = services.carrier_need_to_know_add_request(actor=office.wangfang, carrier=top,
                                                        people=[office.wangfang], reason="机要员经管")
    assert request.steps.get().unit_id == office.units["root"].pk  # 绝密: the unit's leadership


def test_a_clearance_lowered_while_waiting_refuses_the_approval(office):
    carrier = register(office.wangfang, people=[office.sunwei])
    request = services.carrier_need_to_know_add_request(actor=office.wangfang, carrier=carrier,
                                                        people=[office.liumin],
                                                        reason="工作需要")
    type(office.liumin).objects.filter(username="liumin").update(clearance=Clearance.GENERAL)
    with pytest.raises(Refused, match="不能列入"):
        approvals.request_decide(actor=office.chen, request=request, approve=True, comment="同意", password=PASSWORD)
    request.refresh_from_db()
    assert request.status == Status.PENDING and not carrier.need_to_know_people.filter(username="liumin").exists()


def test_narrowing_by_the_keeper_needs_no_approval_but_is_audited(office):
    accountant = make_person("qianjin", unit=office.units["finance"], clearance="IMPORTANT")
    carrier = register(office.wangfang, people=[office.sunwei, office.chen], units=[office.units["finance"]])
    assert carrier.pk in {c.pk for c in selectors.carriers_visible_to(accountant)}
    copy = first_copy(carrier)
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.sunwei)
    assert_refused(lambda: services.carrier_need_to_know_remove(actor=office.sunwei, carrier=carrier,
                                                                people=[office.chen]),
                   "只有机要员或保密员", "carrier.need_to_know_remove")
    with pytest.raises(Conflict, match="仍持有"):  # take the copy back first
        services.carrier_need_to_know_remove(actor=office.wangfang, carrier=carrier, people=[office.sunwei])
    assert carrier.need_to_know_people.filter(pk=office.sunwei.pk).exists()
    services.carrier_need_to_know_remove(actor=office.wangfang, carrier=carrier, people=[office.chen],
                                         units=[office.units["finance"]], reason="范围调整")
    assert list(carrier.need_to_know_people.values_list("username", flat=True)) == ["sunwei"]
    assert not carrier.need_to_know_units.exists()
    event = events("carrier.need_to_know_remove").get()
    assert "chen" in event.summary and carrier.title not in event.summary
    assert carrier.pk not in {c.pk for c in selectors.carriers_visible_to(accountant)}
    with pytest.raises(Invalid, match="不在知悉范围内"):
        services.carrier_need_to_know_remove(actor=office.wangfang, carrier=carrier, people=[office.chen])


def test_need_to_know_through_the_api_and_the_page(office):
    from django.test import Client

    from baomi.approvals.models import ApprovalRequest
    from tests.carriers.test_api import call
    from tests.conftest import login

    carrier = register(office.wangfang, people=[office.sunwei])
    status, body = call(office.wangfang, "post", f"/{carrier.pk}/need-to-know-requests",
                        {"people": [office.zhoujing.pk], "reason": "工作需要"})
    assert status == 403 and "不能列入" in str(body)
    status, body = call(office.wangfang, "post", f"/{carrier.pk}/need-to-know-requests",
                        {"people": [office.liumin.pk], "reason": "工作需要"})
    assert status == 201
    approve_all(ApprovalRequest.objects.get(pk=body["approval_id"]), office.liumin)
    assert carrier.need_to_know_people.filter(pk=office.liumin.pk).exists()
    status, body = call(office.wangfang, "post", f"/{carrier.pk}/need-to-know/remove",
                        {"people": [office.liumin.pk], "reason": "工作结束"})
    assert status == 200 and not carrier.need_to_know_people.filter(pk=office.liumin.pk).exists()
    # The page: the keeper's form; adding goes to approval, removing is immediate.
    client = login(Client(), office.wangfang)
    assert 'data-testid="need-to-know"' in client.get(f"/carriers/{carrier.pk}/").content.decode()
    response = client.post(f"/carriers/{carrier.pk}/need-to-know/add/",
                           {"people": [office.chen.pk], "reason": "领导阅知"})
    request = ApprovalRequest.objects.filter(request_type=services.NEED_TO_KNOW).latest("pk")
    assert response.status_code == 302 and response.url == f"/approvals/{request.pk}/"
    client.post(f"/carriers/{carrier.pk}/need-to-know/remove/", {"people": [office.sunwei.pk]})
    assert not carrier.need_to_know_people.filter(pk=office.sunwei.pk).exists()
    assert events("carrier.need_to_know_remove").count() == 2
    assert login(Client(), office.sunwei).get(f"/carriers/{carrier.pk}/").status_code == 404  # outside it now
