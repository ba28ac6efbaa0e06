"""涉密载体 ↔ 定密: registering a carrier under a decision (CLASS-02, no write-down) and the
review before 归档 (CLASS-07), through the services, the pages and the API."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from baomi.carriers import services
from baomi.carriers.models import Carrier, CopyStatus, StorageClass
from baomi.classification import services as classification
from baomi.classification.models import Decision, GuideEntry, Review
from baomi.classification.services import EntryData, NeedToKnowSpec
from baomi.errors import Conflict, NotFound, Refused
from baomi.levels import Level
from baomi.periods import Period
from tests.carriers.conftest import Office, events, first_copy, fresh, register
from tests.carriers.test_api import call
from tests.conftest import login


@dataclass
class Cls:
    entries: dict[str, GuideEntry]


@pytest.fixture
def cls(office: Office) -> Cls:
    classification.authority_designate(actor=office.secadmin, person=office.chen, max_level=Level.SECRET,
                                       unit_head=True)
    guide = classification.guide_create(actor=office.lijianhua, title="保密事项范围")
    rows = [EntryData("1", "规划编制", Level.SECRET, Period(years=10)),
            EntryData("2", "临时事项", Level.SECRET, Period(months=6)),
            EntryData("3", "预算执行明细", Level.CONFIDENTIAL, Period(years=5))]
    return Cls({d.code: classification.guide_entry_create(actor=office.lijianhua, guide=guide, data=d)
                for d in rows})


def decide(office: Office, cls: Cls, code: str = "1", *people, **kwargs) -> Decision:
    people = people or (office.wangfang,)
    return classification.decision_create(
        actor=office.chen, title=f"事项 {code}", secret_type="state",
        guide_entry=cls.entries[code] if code else None, unit=office.units["planning"],
        need_to_know=NeedToKnowSpec(people=list(people), units=[], roles=[]), **kwargs)


def provisional(office: Office) -> Decision:
    return classification.decision_create(
        actor=office.chen, title="先行定密事项", secret_type="state", level=Level.SECRET, period=Period(years=5),
        provisional=True, unit=office.units["planning"],
        need_to_know=NeedToKnowSpec(people=[office.wangfang], units=[], roles=[]))


def archive(office: Office, carrier: Carrier):
    return services.copy_archive(actor=office.wangfang, copy=first_copy(carrier), location="档案室 2号柜",
                                 storage=StorageClass.SAFE)


# ---------------------------------------------------------------- registering under a decision


def test_register_links_the_decision(office, cls):
    decision = decide(office, cls)
    carrier = register(office.wangfang, mark="机密★10年", decision=decision)
    decision.refresh_from_db()
    assert (decision.carrier_type, decision.carrier_id) == ("carrier", str(carrier.pk))
    assert list(services.linked_decisions(carrier)) == [decision]
    assert json.loads(events("carrier.register")[0].details)["decision"] == decision.pk
    assert events("classification.link_carrier").count() == 1


def test_a_higher_mark_than_the_decision_is_allowed(office, cls):
    decision = decide(office, cls, "3")  # 秘密★5年
    carrier = register(office.wangfang, mark="机密★5年", decision=decision)
    assert carrier.level == Level.SECRET


def test_write_down_is_refused_and_audited(office, cls):
    decision = decide(office, cls)  # 机密★10年
    with pytest.raises(Refused) as caught:
        register(office.wangfang, mark="秘密★10年", decision=decision)
    assert "载体密级不得低于所关联定密事项的密级" in caught.value.message
    assert not Carrier.objects.exists()
    decision.refresh_from_db()
    assert decision.carrier_id == ""
    denied = events("carrier.register", "denied")
    assert denied.count() == 1 and "不得低于" in denied[0].summary


def test_a_decision_the_registrar_cannot_see_is_not_found(office, cls):
    hidden = decide(office, cls, "1", office.sunwei)
    with pytest.raises(NotFound):
        register(office.wangfang, mark="机密★10年", decision=hidden)
    assert not Carrier.objects.exists()


def test_a_decision_already_linked_or_not_in_force_is_refused(office, cls):
    decision = decide(office, cls)
    register(office.wangfang, mark="机密★10年", decision=decision)
    with pytest.raises(Conflict, match="已关联其他载体"):
        register(office.wangfang, mark="机密★10年", decision=decision)
    Decision.objects.filter(pk=decision.pk).update(status="lifted", ended_on=timezone.localdate(),
                                                   carrier_type="", carrier_id="")
    with pytest.raises(Conflict, match="不在有效状态"):
        register(office.wangfang, mark="机密★10年", decision=decision)
    assert Carrier.objects.count() == 1


def test_release_check_sees_the_linked_carrier(office, cls):
    carrier = register(office.wangfang, mark="机密★10年", decision=decide(office, cls))
    with pytest.raises(Refused, match="仍为国家秘密"):
        classification.release_check(actor=office.wangfang, item=carrier)


# ---------------------------------------------------------------- review before 归档 (CLASS-07)


def test_archive_without_a_link_or_with_a_distant_period_needs_no_review(office, cls):
    plain = register(office.wangfang, mark="机密★10年")
    assert archive(office, plain).status == CopyStatus.ARCHIVED
    linked = register(office.wangfang, mark="机密★10年", decision=decide(office, cls))
    assert archive(office, linked).status == CopyStatus.ARCHIVED


def test_archive_refused_when_the_period_ends_within_the_year(office, cls):
    decision = decide(office, cls, "2")  # 机密★6个月
    carrier = register(office.wangfang, mark="机密★6个月", decision=decision)
    with pytest.raises(Refused) as caught:
        archive(office, carrier)
    assert caught.value.message == "归档前须对定密事项进行复审"
    assert fresh(first_copy(carrier)).status == CopyStatus.IN_CUSTODY
    denied = events("copy.archive", "denied")
    assert denied.count() == 1 and json.loads(denied[0].details)["decisions"] == [decision.pk]
    assert "归档前须对定密事项进行复审" in denied[0].summary


def test_archive_refused_for_an_unreported_provisional_decision(office, cls):
    carrier = register(office.wangfang, mark="机密★5年", decision=provisional(office))
    with pytest.raises(Refused, match="归档前须对定密事项进行复审"):
        archive(office, carrier)


def test_archive_allowed_after_this_years_review(office, cls):
    decision = decide(office, cls, "2")
    carrier = register(office.wangfang, mark="机密★6个月", decision=decision)
    classification.review_record(actor=office.chen, decisions=[decision], year=timezone.localdate().year,
                                 outcome="keep")
    assert archive(office, carrier).status == CopyStatus.ARCHIVED


def test_last_years_review_or_a_pending_lifting_does_not_count(office, cls):
    decision = decide(office, cls, "2")
    carrier = register(office.wangfang, mark="机密★6个月", decision=decision)
    Review.objects.create(decision=decision, year=timezone.localdate().year - 1, outcome="keep",
                          reviewer=office.chen)
    with pytest.raises(Refused, match="归档前须对定密事项进行复审"):
        archive(office, carrier)
    # A lifting requested at this year's review is still pending approval: the decision is in force.
    Review.objects.create(decision=decision, year=timezone.localdate().year, outcome="lift", note="事项已公开",
                          reviewer=office.chen)
    with pytest.raises(Refused, match="归档前须对定密事项进行复审"):
        archive(office, carrier)


def test_archive_allowed_once_the_decision_is_no_longer_in_force(office, cls):
    decision = decide(office, cls, "2")
    carrier = register(office.wangfang, mark="机密★6个月", decision=decision)
    Decision.objects.filter(pk=decision.pk).update(status="lifted", ended_on=timezone.localdate())
    assert archive(office, carrier).status == CopyStatus.ARCHIVED


def test_expiry_exactly_a_year_ahead_is_within_the_year(office, cls):
    decision = decide(office, cls, "2")
    carrier = register(office.wangfang, mark="机密★6个月", decision=decision)
    Decision.objects.filter(pk=decision.pk).update(
        expires_on=timezone.localdate() + datetime.timedelta(days=services.ARCHIVE_REVIEW_DAYS))
    with pytest.raises(Refused):
        archive(office, carrier)
    Decision.objects.filter(pk=decision.pk).update(
        expires_on=timezone.localdate() + datetime.timedelta(days=services.ARCHIVE_REVIEW_DAYS + 1))
    assert archive(office, carrier).status == CopyStatus.ARCHIVED


# ---------------------------------------------------------------- pages and API


def _register_form(decision: str, mark: str = "机密★10年") -> dict[str, str]:
    return {"direction": "incoming", "kind": "paper", "title": "关于规划的通知", "mark": mark,
            "source_unit": "省发展改革委", "copies": "1", "storage": "safe", "location": "机要室",
            "decision": decision}


def test_register_page_takes_the_decision_code(office, cls):
    decision = decide(office, cls)
    client = login(Client(), office.wangfang)
    response = client.post("/carriers/register/", _register_form(decision.code))
    assert response.status_code == 302, response.content.decode()[:2000]
    decision.refresh_from_db()
    carrier = Carrier.objects.get()
    assert decision.carrier_id == str(carrier.pk)
    response = client.post("/carriers/register/", _register_form(str(decide(office, cls).pk), mark="秘密★10年"))
    assert response.status_code == 200 and "载体密级不得低于" in response.content.decode()
    response = client.post("/carriers/register/", _register_form("XYZ"))
    assert response.status_code == 200 and "定密事项编号格式不对" in response.content.decode()
    assert Carrier.objects.count() == 1


def test_detail_pages_show_the_link_only_to_those_who_may_see_both(office, cls):
    decision = decide(office, cls, "1", office.wangfang, office.sunwei)
    carrier = register(office.wangfang, mark="机密★10年", decision=decision, people=[office.sunwei])
    keeper = login(Client(), office.wangfang)
    assert decision.code in keeper.get(f"/carriers/{carrier.pk}/").content.decode()
    assert carrier.register_no in keeper.get(f"/classification/{decision.pk}/").content.decode()
    other = decide(office, cls, "1", office.wangfang)  # not in 孙伟's need-to-know
    second = register(office.wangfang, mark="机密★10年", decision=other, people=[office.sunwei])
    reader = login(Client(), office.sunwei)
    page = reader.get(f"/carriers/{second.pk}/")
    assert page.status_code == 200 and other.code not in page.content.decode()
    Decision.objects.filter(pk=other.pk).update(carrier_id=str(carrier.pk))  # carrier not visible to chen
    page = login(Client(), office.chen).get(f"/classification/{other.pk}/")
    assert page.status_code == 200 and carrier.register_no not in page.content.decode()


def test_api_register_with_decision_and_write_down(office, cls):
    decision = decide(office, cls)
    body = {"direction": "incoming", "title": "x", "mark": "机密★10年", "source_unit": "省委",
            "decision_id": decision.pk}
    status, created = call(office.wangfang, "post", "", body)
    assert status == 201 and created["decision_id"] == decision.pk
    status, shown = call(office.wangfang, "get", f"/{created['id']}")
    assert status == 200 and shown["decision_id"] == decision.pk
    status, refused = call(office.wangfang, "post", "", {**body, "mark": "秘密★10年",
                                                         "decision_id": decide(office, cls).pk})
    assert status == 403 and "载体密级不得低于" in refused["error"]["message"]
    status, _body = call(office.wangfang, "post", "", {**body, "decision_id": decide(office, cls, "1",
                                                                                       office.sunwei).pk})
    assert status == 404
