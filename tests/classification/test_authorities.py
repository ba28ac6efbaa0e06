"""定密责任人: designation in writing, the unit head by law, revocation, and the limits of an
authority's level, unit and matters (refused with the reason, recorded as denied)."""

from __future__ import annotations

import datetime
import json

import pytest

from baomi.accounts.models import RoleAssignment
from baomi.classification import services
from baomi.classification.models import Authority, Decision
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from baomi.periods import Period
from tests.classification.conftest import events, last_event, ntk
from tests.factories import make_person


def test_unit_head_and_written_designation(head, designated, chen, sunwei, units):
    assert head.is_unit_head and head.basis_number == "法定（机关单位负责人）" and head.unit is None
    assert (designated.designated_by, designated.max_level, designated.unit) == (chen, Level.SECRET, units["planning"])
    assert designated.scope_codes == ["1", "2"]
    # The role routes change approvals to them.
    assert RoleAssignment.objects.filter(user=sunwei, role="classification_authority", unit=units["planning"]).exists()
    event = events("classification.authority.designate")[-1]
    assert json.loads(event.details)["basis"] == "示发改〔2025〕12号"
    assert event.actor_username == "fengxue"


def test_only_the_security_administrator_records_designations(sysadmin, officer, chen):
    for actor in (sysadmin, officer, chen):
        with pytest.raises(Refused):
            services.authority_designate(actor=actor, person=chen, max_level=Level.SECRET, unit_head=True)
    assert not Authority.objects.exists()
    assert len(events("classification.authority.designate", "denied")) == 3


def test_designation_limits(secadmin, head, chen, sunwei, zhoujing, auditor, units):
    with pytest.raises(Refused, match="书面指定"):  # designated by someone other than the unit head
        services.authority_designate(actor=secadmin, person=sunwei, max_level=Level.SECRET, designated_by=zhoujing,
                                     basis_number="1号", basis_date=datetime.date(2025, 1, 1))
    wangfang = make_person("wangfang", unit=units["leaders"], clearance="CORE")
    with pytest.raises(Refused, match="不能超过本单位的定密权限"):  # the unit cannot fix 绝密
        services.authority_designate(actor=secadmin, person=wangfang, max_level=Level.TOP_SECRET, designated_by=chen,
                                     basis_number="1号", basis_date=datetime.date(2025, 1, 1))
    with pytest.raises(Refused, match="涉密类别"):  # 一般 may not know 机密
        services.authority_designate(actor=secadmin, person=zhoujing, max_level=Level.SECRET, designated_by=chen,
                                     basis_number="1号", basis_date=datetime.date(2025, 1, 1))
    with pytest.raises(Refused, match="三员"):
        services.authority_designate(actor=secadmin, person=auditor, max_level=Level.CONFIDENTIAL,
                                     designated_by=chen, basis_number="1号", basis_date=datetime.date(2025, 1, 1))
    with pytest.raises(Invalid, match="文号"):
        services.authority_designate(actor=secadmin, person=sunwei, max_level=Level.SECRET, designated_by=chen)
    with pytest.raises(Conflict):
        services.authority_designate(actor=secadmin, person=sunwei, max_level=Level.SECRET, unit_head=True)
    assert Authority.objects.count() == 1


def test_revocation_keeps_history_and_ends_the_power(secadmin, designated, sunwei, entries, units):
    services.authority_revoke(actor=secadmin, authority=designated, reason="岗位调整")
    designated.refresh_from_db()
    assert designated.revoked_at is not None and designated.revoke_reason == "岗位调整"
    assert not RoleAssignment.objects.filter(user=sunwei, role="classification_authority").exists()
    assert events("classification.authority.revoke")
    with pytest.raises(Refused, match="不是定密责任人"):
        services.decision_create(actor=sunwei, title="某规划", secret_type="state", guide_entry=entries["1.1"],
                                 need_to_know=ntk(sunwei), unit=units["planning"])
    with pytest.raises(Conflict):
        services.authority_revoke(actor=secadmin, authority=designated, reason="再次")


def test_decision_above_the_authoritys_level_is_refused_with_the_reason(designated, sunwei, entries, units):
    with pytest.raises(Refused, match="超出定密权限：您最高可确定机密级事项，不能确定为绝密"):
        services.decision_create(actor=sunwei, title="重大决策", secret_type="state", guide_entry=entries["1.1"],
                                 level=Level.TOP_SECRET, period=Period(years=20), need_to_know=ntk(sunwei),
                                 unit=units["planning"])
    assert not Decision.objects.exists()
    denied = last_event()
    assert (denied.action, denied.outcome) == ("classification.decide", "denied")
    assert "超出定密权限" in denied.summary and json.loads(denied.details)["level"] == int(Level.TOP_SECRET)


def test_decision_outside_the_authoritys_matters_or_unit_is_refused(designated, sunwei, entries, units):
    with pytest.raises(Refused, match="保密事项 3 不在您的定密事项范围内"):
        services.decision_create(actor=sunwei, title="预算", secret_type="state", guide_entry=entries["3"],
                                 need_to_know=ntk(sunwei), unit=units["planning"])
    with pytest.raises(Refused, match="单位范围"):
        services.decision_create(actor=sunwei, title="财务规划", secret_type="state", guide_entry=entries["1.1"],
                                 need_to_know=ntk(sunwei), unit=units["finance"])
    with pytest.raises(Refused, match="先行拟定"):  # a restricted authority may not classify outside the guide
        services.decision_create(actor=sunwei, title="新事项", secret_type="state", provisional=True,
                                 level=Level.CONFIDENTIAL, period=Period(years=2), need_to_know=ntk(sunwei),
                                 unit=units["planning"])
    assert not Decision.objects.exists()
    assert len(events("classification.decide", "denied")) == 3


def test_the_unit_head_covers_every_matter_and_unit_up_to_the_units_level(head, chen, entries, units):
    decision = services.decision_create(actor=chen, title="预算", secret_type="state", guide_entry=entries["3"],
                                        need_to_know=ntk(chen), unit=units["finance"])
    assert decision.authority == head and decision.mark == "秘密★5年"
    with pytest.raises(Refused, match="超出定密权限"):
        services.decision_create(actor=chen, title="决策", secret_type="state", guide_entry=entries["4"],
                                 need_to_know=ntk(chen), unit=units["leaders"])


def test_a_person_who_is_no_authority_cannot_classify(zhoujing, entries, units):
    with pytest.raises(Refused, match="不是定密责任人"):
        services.decision_create(actor=zhoujing, title="预算", secret_type="state", guide_entry=entries["3"],
                                 need_to_know=ntk(zhoujing), unit=units["planning"])
