"""出国境 approval routes (PERS-19): unit leader → secrecy office; 核心 people and people in a
脱密期 also need the unit head. Carriers abroad (EXT-04) need their own approval."""

from __future__ import annotations

import sys

import pytest

from baomi.approvals.models import Status
from baomi.errors import Conflict, Invalid, Refused
from baomi.travel import services
from baomi.travel.models import CarrierApproval, Trip, TripStatus
from tests.factories import PASSWORD
from tests.travel.conftest import apply, approve, days, events


def route(trip: Trip) -> list[tuple[str, int | None]]:
    assert trip.approval is not None
    return [(s.approver_role, s.unit_id) for s in trip.approval.steps.order_by("order")]


def test_normal_route_unit_leader_then_secrecy_office(office):
    trip = apply(office.zhoujing)
    assert trip.status == TripStatus.PENDING and not trip.strict_route
    assert trip.approval is not None and trip.approval.request_type == services.TRIP
    assert route(trip) == [("approver", office.units["planning"].pk), ("secrecy_officer", None)]
    approve(trip.approval, office.sunwei)
    trip.refresh_from_db()
    assert trip.status == TripStatus.PENDING  # the secrecy office has not decided yet
    approve(trip.approval, office.lijianhua)
    trip.refresh_from_db()
    assert trip.status == TripStatus.APPROVED
    assert events("travel.trip.approved").count() == 1


def test_core_person_needs_the_unit_head(office):
    trip = apply(office.wangfang)  # 核心
    assert trip.strict_route and trip.strict_reason == "核心涉密人员"
    assert trip.approval is not None and trip.approval.request_type == services.TRIP_STRICT
    assert route(trip) == [("approver", office.units["secretariat"].pk), ("secrecy_officer", None),
                           ("approver", None)]
    approve(trip.approval, office.liumin, office.lijianhua)
    trip.refresh_from_db()
    assert trip.status == TripStatus.PENDING
    # A unit leader below the top may not take the unit head's step.
    with pytest.raises(Refused, match="不是此审批步骤的审批人"):
        approve(trip.approval, office.sunwei)
    approve(trip.approval, office.chen)
    trip.refresh_from_db()
    assert trip.status == TripStatus.APPROVED


def test_person_in_separation_period_needs_the_unit_head(office, monkeypatch):
    def period(person, on):  # 周静's 脱密期 runs on the departure day (it starts tomorrow)
        return object() if person.username == "zhoujing" and on >= days(1) else None

    monkeypatch.setattr(services, "separation_period", period)
    trip = apply(office.zhoujing)  # 一般, but in a 脱密期 when she leaves
    assert trip.strict_route and trip.strict_reason == "脱密期内人员"
    assert len(route(trip)) == 3 and route(trip)[-1] == ("approver", None)
    assert not apply(office.wutao).strict_route


def test_separation_period_module_missing_means_none(office, monkeypatch):
    monkeypatch.undo()  # the real lookup, with the personnel module not importable
    monkeypatch.setitem(sys.modules, "baomi.personnel.selectors", None)
    assert services.separation_period(office.zhoujing, on=days(0)) is None


def test_rejection_and_withdrawal_close_the_trip(office):
    trip = apply(office.zhoujing)
    from baomi.approvals import services as approvals

    assert trip.approval is not None
    approvals.request_decide(actor=office.sunwei, request=trip.approval, approve=False, comment="工作安排冲突",
                             password=PASSWORD)
    trip.refresh_from_db()
    assert trip.status == TripStatus.REJECTED
    other = apply(office.zhoujing, depart_on=days(20), return_on=days(25))
    assert other.approval is not None
    approvals.request_withdraw(actor=office.zhoujing, request=other.approval)
    other.refresh_from_db()
    assert other.status == TripStatus.WITHDRAWN


def test_invalid_applications(office):
    with pytest.raises(Invalid, match="出境日期不能早于今天"):
        apply(office.zhoujing, depart_on=days(-1))
    with pytest.raises(Invalid, match="入境日期须在出境日期之后"):
        apply(office.zhoujing, return_on=days(1))
    with pytest.raises(Invalid, match="不能晚于"):
        apply(office.zhoujing, depart_on=days(1000), return_on=days(1001))
    with pytest.raises(Refused, match="管理员"):
        apply(office.secadmin)
    assert not Trip.objects.exists()


def test_carriers_abroad_refused_by_default(office):
    """EXT-04: without the 保密局's approval number, and on a private trip, refused outright."""
    with pytest.raises(Refused, match="所在地保密局"):
        apply(office.sunwei, carriers_planned=True, carrier_items="机密★ 谈判方案 1 份")
    with pytest.raises(Refused, match="因私出国境一律不得携带"):
        apply(office.sunwei, kind="private", carriers_planned=True, carrier_items="x", bureau_doc_no="示保〔2026〕1号")
    assert not Trip.objects.exists()
    assert events("travel.trip.apply").filter(outcome="denied").count() == 2


def test_carriers_abroad_have_their_own_strict_approval(office):
    trip = apply(office.sunwei, carriers_planned=True, carrier_items="机密★ 谈判方案 第1份",
                 bureau_doc_no="示保〔2026〕7号")
    assert trip.carrier_status == CarrierApproval.PENDING and trip.carrier_approval is not None
    steps = [(s.approver_role, s.unit_id) for s in trip.carrier_approval.steps.order_by("order")]
    assert trip.carrier_approval.request_type == services.CARRIER_ABROAD
    assert steps == [("approver", office.units["planning"].pk), ("secrecy_officer", None), ("approver", None)]
    approve(trip.carrier_approval, office.chen, office.lijianhua)
    trip.refresh_from_db()
    assert trip.carrier_status == CarrierApproval.PENDING
    approve(trip.carrier_approval, office.chen)
    trip.refresh_from_db()
    assert trip.carrier_status == CarrierApproval.APPROVED


def test_briefing_needs_the_travellers_password(office):
    trip = apply(office.zhoujing)
    with pytest.raises(Conflict, match="批准后"):
        services.trip_acknowledge_briefing(actor=office.zhoujing, trip=trip, password=PASSWORD)
    assert trip.approval is not None
    approve(trip.approval, office.sunwei, office.lijianhua)
    with pytest.raises(Refused, match="只有出行人本人"):
        services.trip_acknowledge_briefing(actor=office.lijianhua, trip=trip, password=PASSWORD)
    with pytest.raises(Refused, match="确认密码不正确"):
        services.trip_acknowledge_briefing(actor=office.zhoujing, trip=trip, password="wrong")
    services.trip_acknowledge_briefing(actor=office.zhoujing, trip=trip, password=PASSWORD)
    trip.refresh_from_db()
    assert trip.briefed_at is not None


def test_post_trip_report_late_and_approach(office, time_machine_days):
    trip = apply(office.zhoujing, depart_on=days(0), return_on=days(2))
    assert trip.approval is not None
    approve(trip.approval, office.sunwei, office.lijianhua)
    with pytest.raises(Refused, match="只有出行人本人"):
        services.trip_report(actor=office.sunwei, trip=trip, text="x")
    time_machine_days(12)  # report due 7 days after return: late
    trip = services.trip_report(actor=office.zhoujing, trip=trip, text="按计划参会，无异常。", approaches=True,
                                approach_detail="会后有自称咨询公司人员打听规划编制进展，已拒绝。")
    assert trip.status == TripStatus.REPORTED and trip.report_late
    report = trip.major_reports.get()
    assert report.kind == "approach" and report.reporter_id == office.zhoujing.pk
    assert report.event_on == trip.return_on and report.late  # 1 working day after the event has passed
    assert trip.approval is not None and trip.approval.status == Status.APPROVED
