"""The daily job (自行解密 on the exact day in Asia/Shanghai, reminders before deadlines) and the
annual review queue with its bulk keep / change / lift."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from baomi import jobs
from baomi.approvals.services import request_decide
from baomi.classification import selectors, services
from baomi.classification.models import DecisionStatus, Notice, NoticeKind, Review
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from baomi.periods import Period, working_days_after
from tests.classification.conftest import events, ntk
from tests.factories import PASSWORD


@pytest.fixture
def one_year(head, chen, zhoujing, wutao, entries, units):
    """秘密★1年 decided 2025-07-01: the period ends on 2026-07-01."""
    return services.decision_create(actor=chen, title="年度预算", secret_type="state", guide_entry=entries["3"],
                                    period=Period(years=1), need_to_know=ntk(zhoujing, wutao), unit=units["finance"],
                                    decided_on=datetime.date(2025, 7, 1))


def test_expiry_on_the_exact_day(one_year):
    assert one_year.expires_on == datetime.date(2026, 7, 1)
    jobs.tick(today=datetime.date(2026, 6, 30))
    one_year.refresh_from_db()
    assert one_year.status == DecisionStatus.IN_FORCE
    lines = jobs.tick(today=datetime.date(2026, 7, 1))
    one_year.refresh_from_db()
    assert "classification: 1 expired (自行解密)" in lines
    assert (one_year.status, one_year.ended_on, one_year.mark, one_year.previous_mark) == (
        DecisionStatus.EXPIRED, datetime.date(2026, 7, 1), "解密", "秘密★1年")
    event = events("classification.expire")[-1]
    assert event.actor_username == "cli" and json.loads(event.details)["notified"] == 2
    assert Notice.objects.filter(decision=one_year, kind=NoticeKind.EXPIRE).count() == 2
    # Idempotent: a second run the same day changes nothing.
    assert not any("expired" in line for line in jobs.tick(today=datetime.date(2026, 7, 1)))
    assert len(events("classification.expire")) == 1


@pytest.mark.parametrize(("utc", "expired"), [
    (datetime.datetime(2026, 6, 30, 15, 59, tzinfo=datetime.UTC), False),  # 23:59 on 30 June in Shanghai
    (datetime.datetime(2026, 6, 30, 16, 0, tzinfo=datetime.UTC), True),  # 00:00 on 1 July in Shanghai
])
def test_the_day_is_the_day_in_asia_shanghai(one_year, monkeypatch, utc, expired):
    assert str(timezone.get_current_timezone()) == "Asia/Shanghai"
    monkeypatch.setattr(timezone, "now", lambda: utc)
    jobs.tick()
    one_year.refresh_from_db()
    assert (one_year.status == DecisionStatus.EXPIRED) is expired


def test_a_pending_change_dies_with_the_period(one_year, chen, zhoujing):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "today", lambda: datetime.date(2026, 6, 20))
        change = services.change_request(actor=zhoujing, decision=one_year, kind="extend",
                                         new_period=Period(years=2), justification="仍需保密")
    services.decisions_expire(on=datetime.date(2026, 7, 1))
    change.refresh_from_db()
    assert change.status == "rejected"
    # ...and its request leaves the approvers' inboxes.
    change.approval.refresh_from_db()
    assert change.approval.status == "cancelled"


def test_reminders_before_the_end_and_before_the_report_deadline(one_year, head, chen, units):
    provisional = services.decision_create(actor=chen, title="新事项", secret_type="state", provisional=True,
                                           level=Level.CONFIDENTIAL, period=Period(years=2), need_to_know=ntk(chen),
                                           unit=units["planning"], decided_on=datetime.date(2026, 6, 10))
    assert provisional.report_deadline == working_days_after(datetime.date(2026, 6, 10), 10)
    assert services.reminders_send(on=datetime.date(2026, 5, 1)) == 0  # nothing within reach yet
    sent = services.reminders_send(on=datetime.date(2026, 6, 19))
    assert sent == 2
    kinds = {(n.kind, n.person, n.due_on) for n in Notice.objects.filter(kind__startswith="remind")}
    assert kinds == {(NoticeKind.REMIND_EXPIRY, chen, datetime.date(2026, 7, 1)),
                     (NoticeKind.REMIND_REPORT, chen, provisional.report_deadline)}
    assert services.reminders_send(on=datetime.date(2026, 6, 20)) == 0, "once per deadline"
    assert len(events("classification.remind")) == 2
    services.decision_report_provisional(actor=chen, decision=provisional, reference="报〔2026〕1号",
                                         reported_on=datetime.date(2026, 6, 19))
    due = selectors.due_for_review(chen, datetime.date(2026, 6, 19))
    assert list(due) == [one_year]


# ---------------------------------------------------------------- annual review


@pytest.fixture
def old_decisions(head, chen, designated, sunwei, zhoujing, entries, units):
    made = [
        services.decision_create(actor=sunwei, title=f"规划{i}", secret_type="state", guide_entry=entries["1.1"],
                                 need_to_know=ntk(sunwei), unit=units["planning"],
                                 decided_on=datetime.date(2024, 3, i + 1))
        for i in range(3)
    ]
    made.append(services.decision_create(actor=chen, title="预算", secret_type="state", guide_entry=entries["3"],
                                         need_to_know=ntk(zhoujing), unit=units["finance"],
                                         decided_on=datetime.date(2025, 5, 5)))
    return made


def test_review_queue_by_authority(old_decisions, planning_draft, sunwei, chen, zhoujing):
    year = services.today().year
    assert set(selectors.review_queue(sunwei, year)) == set(old_decisions[:3]), "his unit only, not this year's"
    assert set(selectors.review_queue(chen, year)) == set(old_decisions)
    assert not selectors.review_queue(zhoujing, year).exists(), "no authority, no queue"


def test_bulk_keep(old_decisions, sunwei):
    year = services.today().year
    reviews = services.review_record(actor=sunwei, decisions=old_decisions[:3], year=year, outcome="keep")
    assert len(reviews) == 3 and not selectors.review_queue(sunwei, year).exists()
    assert len(events("classification.review")) == 3
    with pytest.raises(Conflict, match="已复审"):
        services.review_record(actor=sunwei, decisions=old_decisions[:1], year=year, outcome="keep")


def test_review_outside_ones_authority_is_refused_and_nothing_recorded(old_decisions, sunwei):
    year = services.today().year
    with pytest.raises(Refused, match="不在您的定密权限范围内"):
        services.review_record(actor=sunwei, decisions=old_decisions, year=year, outcome="keep")
    assert not Review.objects.exists()
    assert events("classification.review", "denied")


def test_bulk_lift_and_change_go_through_approvals(old_decisions, sunwei, chen):
    year = services.today().year
    with pytest.raises(Invalid, match="书面理由"):
        services.review_record(actor=sunwei, decisions=old_decisions[:2], year=year, outcome="lift")
    lifted = services.review_record(actor=sunwei, decisions=old_decisions[:2], year=year, outcome="lift",
                                    note="规划已公布")
    assert all(r.change and r.change.kind == "lift" for r in lifted)
    for review in lifted:
        request_decide(actor=chen, request=review.change.approval, approve=True, password=PASSWORD)
        review.decision.refresh_from_db()
        assert review.decision.status == DecisionStatus.LIFTED
    changed = services.review_record(actor=sunwei, decisions=old_decisions[2:3], year=year, outcome="change",
                                     change_kind="lower", new_level=Level.CONFIDENTIAL, note="部分已公开")
    request_decide(actor=chen, request=changed[0].change.approval, approve=True, password=PASSWORD)
    old_decisions[2].refresh_from_db()
    assert old_decisions[2].mark == "秘密★10年"
