"""Decisions (定密): the guide's proposal, the canonical mark, secret types, proposals and
confirmation, provisional classification and its 10-working-day deadline, work secrets,
derived classification, the release check, and the database's own constraints."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import IntegrityError, transaction

from baomi.classification import services
from baomi.classification.models import Decision, DecisionStatus, NeedToKnow, SecretType
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Level
from baomi.periods import Period, working_days_after
from tests.classification.conftest import events, last_event, ntk


def test_decision_takes_level_and_period_from_the_guide_and_gets_the_canonical_mark(planning_draft, sunwei,
                                                                                   designated, entries):
    d = planning_draft
    assert (d.secret_type, d.level, d.period, d.mark) == ("state", Level.SECRET, Period(years=10), "机密★10年")
    assert d.guide_entry == entries["1.1"] and d.authority == designated and d.decided_by == sunwei
    assert d.proposer == sunwei and d.status == DecisionStatus.IN_FORCE
    assert d.expires_on == d.decided_on.replace(year=d.decided_on.year + 10)
    event = events("classification.decide")[-1]
    assert event.object_id == str(d.pk) and event.object_level == int(Level.SECRET)
    assert "修编草案" not in event.summary, "audit summaries never carry the title"
    details = json.loads(event.details)
    assert details["mark"] == "机密★10年" and details["guide_entry"] == "1.1" and details["adjusted"] is False


def test_the_authority_adjusts_within_their_authority(designated, sunwei, entries, units):
    d = services.decision_create(actor=sunwei, title="选址方案", secret_type="state", guide_entry=entries["2"],
                                 level=Level.CONFIDENTIAL, period=Period(until=services.today().replace(
                                     year=services.today().year + 2)), need_to_know=ntk(sunwei),
                                 unit=units["planning"])
    assert d.mark.startswith("秘密★") and d.mark.endswith("日")
    assert json.loads(last_event().details)["adjusted"] is True
    cond = services.decision_create(actor=sunwei, title="选址方案二", secret_type="state", guide_entry=entries["2"],
                                    need_to_know=ntk(sunwei), unit=units["planning"])
    assert cond.mark == "机密★项目批复后" and cond.expires_on is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"secret_type": "secret"}, "秘密类型"),
    ({"guide_entry": None}, "定密依据"),
    ({"period": Period(years=25)}, "法定最长期限20年"),
    ({"period": Period.not_stated()}, "保密期限"),
    ({"title": "  "}, "事项名称"),
    ({"need_to_know": ntk()}, "知悉范围"),
    ({"level": Level.WORK_SECRET}, "密级须为"),
    ({"commercial_kind": "technical"}, "商业秘密"),
])
def test_bad_input_changes_nothing(designated, sunwei, entries, units, kwargs, message):
    args = {"actor": sunwei, "title": "某事项", "secret_type": "state", "guide_entry": entries["1.1"],
            "need_to_know": ntk(sunwei), "unit": units["planning"], **kwargs}
    before = events("classification.decide", "denied")
    with pytest.raises(Invalid, match=message):
        services.decision_create(**args)
    assert not Decision.objects.exists() and not NeedToKnow.objects.exists()
    assert events("classification.decide", "denied") == before, "bad input is not an event"


def test_a_person_in_the_need_to_know_must_be_cleared_for_the_level(designated, sunwei, zhoujing, entries, units):
    with pytest.raises(Invalid, match="周静 的涉密类别不能知悉机密级事项"):
        services.decision_create(actor=sunwei, title="规划", secret_type="state", guide_entry=entries["1.1"],
                                 need_to_know=ntk(zhoujing), unit=units["planning"])


def test_proposal_by_the_proposer_confirmed_by_the_authority(designated, sunwei, zhoujing, entries, units):
    proposal = services.decision_propose(actor=zhoujing, authority=designated, title="规划科内部测算表",
                                         secret_type="state", guide_entry=entries["1"], level=Level.CONFIDENTIAL,
                                         period=Period(years=3), need_to_know=ntk(zhoujing), unit=units["planning"])
    assert proposal.status == DecisionStatus.PROPOSED and proposal.decided_on is None
    assert events("classification.propose")
    with pytest.raises(Refused):  # only the named authority confirms
        services.decision_confirm(actor=zhoujing, decision=proposal)
    confirmed = services.decision_confirm(actor=sunwei, decision=proposal, period=Period(years=5))
    assert (confirmed.status, confirmed.mark, confirmed.proposer, confirmed.decided_by) == (
        DecisionStatus.IN_FORCE, "秘密★5年", zhoujing, sunwei)
    assert json.loads(events("classification.confirm")[-1].details)["adjusted"] is True
    with pytest.raises(Conflict):
        services.decision_confirm(actor=sunwei, decision=proposal)


def test_confirming_above_the_authoritys_level_is_refused(designated, sunwei, chen, head, entries, units):
    proposal = services.decision_propose(actor=chen, authority=designated, title="重大决策", secret_type="state",
                                         guide_entry=entries["1"], need_to_know=ntk(chen), unit=units["planning"])
    with pytest.raises(Refused, match="超出定密权限"):
        services.decision_confirm(actor=sunwei, decision=proposal, level=Level.TOP_SECRET)
    rejected = services.decision_reject(actor=sunwei, decision=proposal, comment="不属于国家秘密")
    assert rejected.status == DecisionStatus.REJECTED and events("classification.reject")


def test_provisional_classification_and_its_report_deadline(head, chen, units):
    decided = datetime.date(2026, 9, 25)  # a Friday, before the 国庆 week
    d = services.decision_create(actor=chen, title="范围未涵盖的新事项", secret_type="state", provisional=True,
                                 level=Level.CONFIDENTIAL, period=Period(years=2), need_to_know=ntk(chen),
                                 unit=units["planning"], decided_on=decided)
    assert d.provisional and d.guide_entry is None
    assert d.report_deadline == working_days_after(decided, 10) == datetime.date(2026, 10, 9)
    assert json.loads(events("classification.decide")[-1].details)["report_deadline"] == "2026-10-09"
    with pytest.raises(Invalid, match="报送文号"):
        services.decision_report_provisional(actor=chen, decision=d, reference=" ")
    reported = services.decision_report_provisional(actor=chen, decision=d, reference="示发改报〔2026〕3号",
                                                    reported_on=datetime.date(2026, 10, 12))
    assert reported.reported_on == datetime.date(2026, 10, 12)
    assert json.loads(events("classification.provisional.report")[-1].details)["late"] is True
    with pytest.raises(Conflict):
        services.decision_report_provisional(actor=chen, decision=d, reference="again")


def test_work_secret_cites_the_reference_list_and_carries_the_units_mark_never_a_star(designated, sunwei, zhengli,
                                                                                    reference, units):
    d = services.decision_create(actor=sunwei, title="市领导调研活动方案", secret_type="work",
                                 work_reference=reference, need_to_know=ntk(zhengli), unit=units["planning"])
    assert (d.level, d.mark, d.period, d.secret_type) == (
        Level.WORK_SECRET, "内部事项 注意保管", Period(months=6), "work")
    assert "★" not in d.mark and d.proposer == sunwei and d.decided_by == sunwei
    with pytest.raises(Invalid, match="参考范围"):
        services.decision_create(actor=sunwei, title="无依据", secret_type="work", need_to_know=ntk(zhengli),
                                 unit=units["planning"])
    with pytest.raises(Invalid, match="不划分"):
        services.decision_create(actor=sunwei, title="有密级", secret_type="work", level=Level.CONFIDENTIAL,
                                 work_reference=reference, need_to_know=ntk(zhengli), unit=units["planning"])
    with pytest.raises(Invalid, match="★"):
        services.decision_create(actor=sunwei, title="星标", secret_type="work", mark_label="内部★",
                                 work_reference=reference, need_to_know=ntk(zhengli), unit=units["planning"])
    with pytest.raises(Invalid, match="长期"):
        services.decision_create(actor=sunwei, title="长期", secret_type="work", period=Period(long_term=True),
                                 work_reference=reference, need_to_know=ntk(zhengli), unit=units["planning"])


def test_commercial_secret_records_its_kind_and_privacy_its_type(head, chen, units):
    c = services.decision_create(actor=chen, title="客户档案", secret_type="commercial", commercial_kind="business",
                                 commercial_scope="clients", need_to_know=ntk(chen), unit=units["finance"])
    assert (c.level, c.mark, c.get_commercial_kind_display(), c.get_commercial_scope_display()) == (
        Level.INTERNAL, "商业秘密", "经营信息", "客户档案资料")
    with pytest.raises(Invalid, match="技术信息或经营信息"):
        services.decision_create(actor=chen, title="工艺", secret_type="commercial", commercial_scope="clients",
                                 need_to_know=ntk(chen))
    with pytest.raises(Invalid, match="八项之一"):
        services.decision_create(actor=chen, title="工艺", secret_type="commercial", commercial_kind="technical",
                                 need_to_know=ntk(chen))
    p = services.decision_create(actor=chen, title="体检结果", secret_type="privacy", need_to_know=ntk(chen))
    assert p.mark == "个人隐私" and p.get_secret_type_display() == "个人隐私"


def test_a_company_secret_outside_the_eight_scopes_needs_the_unit_heads_declaration(designated, head, sunwei,
                                                                                     chen, units):
    with pytest.raises(Refused, match="须由单位负责人申明"):
        services.decision_create(actor=sunwei, title="新工艺参数", secret_type="commercial",
                                 commercial_kind="technical", commercial_scope="other", need_to_know=ntk(sunwei),
                                 unit=units["planning"])
    declared = services.decision_create(actor=chen, title="新工艺参数", secret_type="commercial",
                                        commercial_kind="technical", commercial_scope="other",
                                        need_to_know=ntk(sunwei), unit=units["planning"])
    assert declared.commercial_scope == "other" and declared.authority == head


def test_the_reference_list_has_the_four_categories_with_the_seeds_examples(officer):
    from baomi.classification.models import CATEGORY_HINTS, WorkSecretCategory

    labels = [label for _v, label in WorkSecretCategory.choices]
    assert labels == ["文件文稿类", "政务工作类", "专项业务类", "内部管理类"]
    assert "领导政务活动方案" in CATEGORY_HINTS[WorkSecretCategory.GOVERNMENT]
    assert "人事调整方案" in CATEGORY_HINTS[WorkSecretCategory.SPECIAL]
    with pytest.raises(Invalid, match="文件文稿类、政务工作类"):
        services.reference_create(actor=officer, category="other", code="X", title="其它")
    with pytest.raises(Invalid, match="★"):
        services.reference_create(actor=officer, category="internal", code="X", title="规定", mark_label="内部★")


# ---------------------------------------------------------------- derived classification


def test_derived_takes_the_highest_level_and_the_latest_expiry(planning_draft, budget, designated, sunwei, chen,
                                                               zhoujing, units):
    # 孙伟 sees both sources (his own and, as 规划科 authority, not the 财务科 one): use 陈国强, who covers both.
    derived = services.decision_derive(actor=chen, sources=[planning_draft, budget], title="规划与预算综合分析",
                                       need_to_know=ntk(chen), unit=units["leaders"])
    assert derived.derived and derived.level == Level.SECRET and derived.authority is None
    assert set(derived.sources.all()) == {planning_draft, budget}
    assert derived.expires_on == max(planning_draft.expires_on, budget.expires_on)
    assert derived.mark == "机密★" + Period(until=derived.expires_on).zh
    event = events("classification.derive")[-1]
    assert json.loads(event.details)["sources"] == sorted([planning_draft.pk, budget.pk])


def test_derivation_is_not_limited_by_the_derivers_authority(budget, zhoujing, units):
    # 周静 holds no authority, yet derives a 秘密 item from a source she may see.
    derived = services.decision_derive(actor=zhoujing, sources=[budget], title="预算摘要", need_to_know=ntk(zhoujing))
    assert derived.derived and derived.decided_by == zhoujing and derived.mark.startswith("秘密★")
    with pytest.raises(Refused, match="不得低于"):
        services.decision_derive(actor=zhoujing, sources=[budget], title="降级摘要", level=Level.INTERNAL,
                                 need_to_know=ntk(zhoujing))
    with pytest.raises(Refused, match="不是定密责任人"):  # above every source is original classification
        services.decision_derive(actor=zhoujing, sources=[budget], title="升级摘要", level=Level.SECRET,
                                 need_to_know=ntk(zhoujing))


def test_derivation_from_a_source_the_deriver_may_not_see_is_not_found(planning_draft, zhoujing):
    with pytest.raises(NotFound):
        services.decision_derive(actor=zhoujing, sources=[planning_draft], title="摘录", need_to_know=ntk(zhoujing))


def test_derived_from_a_long_term_source_is_long_term(head, chen, entries, units):
    wangfang_level = services.decision_create(actor=chen, title="决策", secret_type="state", guide_entry=entries["2"],
                                              level=Level.SECRET, period=Period(long_term=True),
                                              need_to_know=ntk(chen), unit=units["leaders"])
    derived = services.decision_derive(actor=chen, sources=[wangfang_level], title="摘要", need_to_know=ntk(chen))
    assert derived.mark == "机密★长期"


# ---------------------------------------------------------------- release check (CLASS-14)


def test_release_check_refuses_a_classified_item_or_a_work_secret(planning_draft, designated, sunwei, zhengli,
                                                                  reference, units):
    with pytest.raises(Refused, match="仍为国家秘密（机密★10年）") as caught:
        services.release_check(actor=sunwei, item=planning_draft, purpose="disclosure")
    assert caught.value.code == "still_secret"
    work = services.decision_create(actor=sunwei, title="方案", secret_type="work", work_reference=reference,
                                    need_to_know=ntk(zhengli), unit=units["planning"], carrier_type="user",
                                    carrier_id=str(zhengli.pk))
    with pytest.raises(Refused, match="仍属工作秘密"):
        services.release_check(actor=sunwei, item=work)
    # Another module's object linked as the carrier is refused the same way.
    with pytest.raises(Refused, match="仍属工作秘密"):
        services.release_check(actor=sunwei, item=zhengli, purpose="publication")
    denied = events("classification.release_check", "denied")
    assert len(denied) == 3 and json.loads(denied[-1].details)["purpose"] == "publication"


def test_release_check_passes_once_lifted(planning_draft, sunwei, chen, password):
    from baomi.approvals.services import request_decide

    change = services.change_request(actor=sunwei, decision=planning_draft, kind="lift", justification="规划已公布")
    request_decide(actor=chen, request=change.approval, approve=True, password=password)
    services.release_check(actor=sunwei, item=planning_draft)
    assert events("classification.release_check")[-1].outcome == "ok"


# ---------------------------------------------------------------- database constraints


def _violates(**changes) -> bool:
    try:
        with transaction.atomic():
            Decision.objects.filter(pk=changes.pop("pk")).update(**changes)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize("changes", [
    {"level": int(Level.WORK_SECRET)},  # a state secret with a work-secret level
    {"secret_type": SecretType.WORK},  # a work secret with a 机密 level
    {"period_years": None},  # a state secret without a period
    {"period_long_term": True},  # two periods at once
    {"period_months": 12, "period_years": None},
    {"status": DecisionStatus.LIFTED},  # lifted without a date
    {"provisional": True},  # provisional with a guide entry and no deadline
    {"authority": None},  # neither an authority nor derived
    {"secret_type": "other"},
])
def test_the_database_refuses_what_the_services_refuse(planning_draft, changes):
    assert _violates(pk=planning_draft.pk, **changes)


def test_the_database_accepts_a_consistent_lift(planning_draft):
    assert not _violates(pk=planning_draft.pk, status=DecisionStatus.LIFTED, ended_on=services.today())
