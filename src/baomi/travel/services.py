"""出国境 (PERS-19), 出入境证件 custody (PERS-18), 携带涉密载体出境 (EXT-04) and 重大事项报告
(PERS-20, PERS-21).

Every change runs in `atomic_action` with its audit event; state transitions lock the row.
Approvals go through the one engine: a trip is approved by the unit leader then the secrecy
office, and by the unit head as well for 核心 people and people in a 脱密期; taking carriers
abroad is a separate approval type on a stricter route that needs the 所在地保密局's approval
document number first. Audit summaries name ids and kinds, never destinations' details or
report contents (sensitive personal data).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from baomi import policy
from baomi.accounts.models import User
from baomi.approvals import registry
from baomi.approvals.models import ApprovalRequest, Status
from baomi.approvals.services import request_submit
from baomi.audit.services import atomic_action, record
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.periods import working_days_after
from baomi.travel.models import (
    CarrierApproval,
    DocumentIssue,
    DocumentKind,
    DocumentStatus,
    FollowUp,
    MajorReport,
    Reminder,
    ReportKind,
    ReportStatus,
    TravelDocument,
    Trip,
    TripKind,
    TripStatus,
)

TRIP = "travel.trip"
TRIP_STRICT = "travel.trip_strict"
CARRIER_ABROAD = "travel.carrier_abroad"

MAX_TRIP_DAYS = 366
MAX_ADVANCE_DAYS = 730  # an application more than two years ahead is a typing error
# 行前保密教育 (PERS-19 with the 十条保密守则 and 涉密人员须知 of the seed): what the traveller confirms.
BRIEFING_POINTS = (
    _lazy("不携带涉密载体出境；确因工作需要携带的，须经专门审批并采取严格保密措施。"),
    _lazy("不在境外谈论、处理涉密事项，不使用境外网络、电话和宾馆设施传递涉密信息。"),
    _lazy("不接受可能影响公正履职的馈赠，不参与可能危害国家安全的活动。"),
    _lazy("遇有利诱、胁迫、渗透、策反等情况，立即脱离并尽快向组织报告。"),
    _lazy("境外期间妥善保管证件，回国后按期交回出入境证件并提交回国报告。"),
)
# 重大事项 deadlines: the seed says only "及时报告". Our rule (docs/travel.md): an approach
# (利诱、胁迫、渗透、策反) or a lost carrier within 1 working day after the event; the family
# matters within 10 working days. A late report is accepted and flagged late.
REPORT_WORKING_DAYS = {
    ReportKind.APPROACH: 1, ReportKind.CARRIER_LOSS: 1, ReportKind.FOREIGN_MARRIAGE: 10,
    ReportKind.RELATIVE_FOREIGN: 10, ReportKind.OTHER: 10,
}
# The secrecy office takes its first follow-up action within this many working days.
FOLLOW_UP_WORKING_DAYS = {ReportKind.APPROACH: 1, ReportKind.CARRIER_LOSS: 1}
DEFAULT_FOLLOW_UP_WORKING_DAYS = 5


def document_return_days() -> int:
    """PERS-18 says only that the documents are held centrally: after return they come back
    within this many days (BAOMI_TRAVEL_DOCUMENT_RETURN_DAYS, default 7)."""
    return int(getattr(settings, "BAOMI_TRAVEL_DOCUMENT_RETURN_DAYS", 7))


def report_days() -> int:
    """回国报告 within this many days after return (BAOMI_TRAVEL_REPORT_DAYS, default 7)."""
    return int(getattr(settings, "BAOMI_TRAVEL_REPORT_DAYS", 7))


def expiry_warning_days() -> int:
    return int(getattr(settings, "BAOMI_TRAVEL_EXPIRY_WARNING_DAYS", 180))


def today() -> datetime.date:
    return timezone.localdate()


def separation_period(person: User, on: datetime.date) -> Any:
    """The person's active 脱密期 on that day, from the personnel module (None when that module
    is not installed yet or the person is not in one)."""
    try:
        from baomi.personnel.selectors import separation_period_for
    except ImportError:
        return None
    return separation_period_for(person, on=on)


def _lock_trip(trip: Trip | int) -> Trip:
    pk = trip if isinstance(trip, int) else trip.pk
    found = Trip.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def _require_office(actor: User, perm: policy.Perm) -> None:
    policy.require(actor, perm)


# ---------------------------------------------------------------- 出国境申请 (PERS-19, EXT-04)


def trip_apply(
    *, actor: User, kind: str, destinations: str, purpose: str, depart_on: datetime.date,
    return_on: datetime.date, companions: str = "", carriers_planned: bool = False, carrier_items: str = "",
    bureau_doc_no: str = "",
) -> Trip:
    """Apply to travel abroad. The route: unit leader → secrecy office, and the unit head too for
    核心 people and people in a 脱密期. Carriers abroad (EXT-04) are refused unless the trip is
    official and the 所在地保密局's approval document number is given; then they need their own
    approval on the stricter route, and the passport is not issued before it."""
    destinations, purpose = destinations.strip(), purpose.strip()
    carrier_items, bureau_doc_no = carrier_items.strip(), bureau_doc_no.strip()
    with atomic_action(actor, "travel.trip.apply"):
        if not actor.is_active or actor.admin_role:
            raise Refused(_("三员分立：管理员账户不办理出国境业务"))
        if kind not in TripKind.values:
            raise Invalid(_("请选择因公或因私"))
        if not destinations or not purpose:
            raise Invalid(_("请填写前往国家（地区）和事由"))
        now = today()
        if depart_on < now:
            raise Invalid(_("出境日期不能早于今天"))
        if depart_on > now + datetime.timedelta(days=MAX_ADVANCE_DAYS):
            raise Invalid(_("出境日期不能晚于 %(n)s 天之后") % {"n": MAX_ADVANCE_DAYS})
        if return_on < depart_on or (return_on - depart_on).days > MAX_TRIP_DAYS:
            raise Invalid(_("入境日期须在出境日期之后，且行程不超过 %(n)s 天") % {"n": MAX_TRIP_DAYS})
        if carriers_planned:
            if kind != TripKind.OFFICIAL:
                raise Refused(_("严禁携带涉密载体出境：因私出国境一律不得携带（EXT-04）"))
            if not carrier_items:
                raise Invalid(_("请列明拟携带的涉密载体"))
            if not bureau_doc_no:
                raise Refused(_("严禁携带涉密载体出境；确因工作需要的，须先经所在地保密局办理手续，"
                                "并填写其批准文号（EXT-04）"))
        in_period = any(separation_period(actor, on=day) is not None for day in (now, depart_on))
        strict = policy.travel_needs_unit_head(actor, in_period)
        trip = Trip.objects.create(
            traveller=actor, kind=kind, destinations=destinations[:200], purpose=purpose, depart_on=depart_on,
            return_on=return_on, companions=companions.strip()[:200], strict_route=strict is not None,
            strict_reason=strict or "", carriers_planned=carriers_planned,
            carrier_items=carrier_items if carriers_planned else "",
            bureau_doc_no=bureau_doc_no[:60] if carriers_planned else "",
            carrier_status=CarrierApproval.PENDING if carriers_planned else CarrierApproval.NONE,
            report_due_on=return_on + datetime.timedelta(days=report_days()),
        )
        record(actor=actor, action="travel.trip.apply", obj=trip,
               summary=f"提交{trip.get_kind_display()}出国境申请 #{trip.pk}"
                       + (f"（{strict}，须单位负责人审批）" if strict else ""),
               details={"depart_on": depart_on.isoformat(), "return_on": return_on.isoformat(),
                        "strict": strict or "", "carriers": carriers_planned})
        title = f"{trip.get_kind_display()}出国境 #{trip.pk}（{depart_on:%Y-%m-%d}—{return_on:%Y-%m-%d}）"
        trip.approval = request_submit(
            actor=actor, request_type=TRIP_STRICT if strict else TRIP, subject=trip, title=title,
            reason=f"{destinations}：{purpose}", payload={"trip": trip.pk})
        fields = ["approval"]
        if carriers_planned:
            trip.carrier_approval = request_submit(
                actor=actor, request_type=CARRIER_ABROAD, subject=trip, title=f"携带涉密载体出境（出国境 #{trip.pk}）",
                reason=f"{carrier_items}\n保密局批准文号：{bureau_doc_no}", payload={"trip": trip.pk})
            fields.append("carrier_approval")
        trip.save(update_fields=fields)
    return trip


def _trip_approved(request: ApprovalRequest, decider: User) -> None:
    trip = _lock_trip(int(request.payload["trip"]))
    if trip.status != TripStatus.PENDING:
        raise Conflict(_("该出国境申请已不在审批中"))
    trip.status = TripStatus.APPROVED
    trip.save(update_fields=["status"])
    record(actor=decider, action="travel.trip.approved", obj=trip, summary=f"出国境申请 #{trip.pk} 已批准",
           details={"approval": request.pk})


def _trip_closed(request: ApprovalRequest, decider: User) -> None:
    trip = _lock_trip(int(request.payload["trip"]))
    if trip.status != TripStatus.PENDING:
        return
    withdrawn = request.status == Status.WITHDRAWN
    trip.status = TripStatus.WITHDRAWN if withdrawn else TripStatus.REJECTED
    trip.save(update_fields=["status"])
    if trip.carrier_approval_id and trip.carrier_status == CarrierApproval.PENDING:
        from baomi.approvals.services import request_cancel

        assert trip.carrier_approval is not None
        request_cancel(request=trip.carrier_approval, reason="出国境申请未获批准或已撤回")
        trip.carrier_status = CarrierApproval.REJECTED
        trip.save(update_fields=["carrier_status"])
    record(actor=decider, action="travel.trip.closed", obj=trip,
           summary=f"出国境申请 #{trip.pk} {'已撤回' if withdrawn else '未获批准'}", details={"approval": request.pk})


def _carrier_decided(approved: bool) -> Any:
    def effect(request: ApprovalRequest, decider: User) -> None:
        trip = _lock_trip(int(request.payload["trip"]))
        if trip.carrier_status != CarrierApproval.PENDING:
            return
        trip.carrier_status = CarrierApproval.APPROVED if approved else CarrierApproval.REJECTED
        trip.save(update_fields=["carrier_status"])
        record(actor=decider, action="travel.carrier_abroad." + ("approved" if approved else "rejected"), obj=trip,
               summary=f"出国境 #{trip.pk} 携带涉密载体出境{'已批准' if approved else '未获批准'}",
               details={"approval": request.pk, "bureau_doc_no": trip.bureau_doc_no})
    return effect


def trip_acknowledge_briefing(*, actor: User, trip: Trip, password: str) -> Trip:
    """行前保密教育: the traveller confirms the briefing, re-entering the password."""
    with atomic_action(actor, "travel.trip.briefing", obj=trip):
        trip = _lock_trip(trip)
        if trip.traveller_id != actor.pk:
            raise Refused(_("只有出行人本人可以确认行前保密教育"))
        if trip.status != TripStatus.APPROVED:
            raise Conflict(_("出国境申请批准后才能确认行前保密教育"))
        if trip.briefed_at is not None:
            raise Conflict(_("已确认过行前保密教育"))
        if not actor.check_password(password):
            raise Refused(_("确认密码不正确"))
        trip.briefed_at = timezone.now()
        trip.save(update_fields=["briefed_at"])
        record(actor=actor, action="travel.trip.briefing", obj=trip,
               summary=f"出国境 #{trip.pk} 出行人确认已接受行前保密教育", details={"points": len(BRIEFING_POINTS)})
    return trip


def trip_report(
    *, actor: User, trip: Trip, text: str, returned_on: datetime.date | None = None,
    approaches: bool = False, approach_detail: str = "", approach_on: datetime.date | None = None,
) -> Trip:
    """回国报告 within the configured days after return; late ones are accepted and flagged. An
    approach abroad is also filed as a 重大事项报告 (PERS-21) to the secrecy office."""
    text = text.strip()
    with atomic_action(actor, "travel.trip.report", obj=trip):
        trip = _lock_trip(trip)
        if trip.traveller_id != actor.pk:
            raise Refused(_("只有出行人本人可以提交回国报告"))
        if trip.status != TripStatus.APPROVED:
            raise Conflict(_("该出国境申请不能提交回国报告（状态：%(s)s）") % {"s": trip.get_status_display()})
        now = today()
        if now < trip.depart_on:
            raise Conflict(_("尚未出境，不能提交回国报告"))
        if not text:
            raise Invalid(_("请填写回国报告"))
        if approaches and not approach_detail.strip():
            raise Invalid(_("请说明被接触、利诱、策反等情况"))
        returned = returned_on or trip.return_on
        if returned > now or returned < trip.depart_on:
            raise Invalid(_("实际入境日期须在出境日期与今天之间"))
        trip.status, trip.reported_at, trip.report_text = TripStatus.REPORTED, timezone.now(), text
        trip.returned_on, trip.approaches = returned, approaches
        trip.report_late = trip.report_due_on is not None and now > trip.report_due_on
        trip.save(update_fields=["status", "reported_at", "report_text", "returned_on", "approaches", "report_late"])
        record(actor=actor, action="travel.trip.report", obj=trip,
               summary=f"出国境 #{trip.pk} 提交回国报告{'（逾期）' if trip.report_late else ''}"
                       f"{'，报告有被接触情况' if approaches else ''}",
               details={"late": trip.report_late, "approaches": approaches})
        if approaches:
            _report_create(actor=actor, kind=ReportKind.APPROACH, event_on=approach_on or returned,
                           description=approach_detail.strip(), trip=trip)
    return trip


# ---------------------------------------------------------------- 出入境证件 (PERS-18)


def document_register(
    *, actor: User, holder: User, kind: str, number: str, expires_on: datetime.date, note: str = ""
) -> TravelDocument:
    """登记集中保管的证件 (custodians: the secrecy office)."""
    number = number.strip().upper()
    with atomic_action(actor, "travel.document.register"):
        _require_office(actor, policy.Perm.KEEP_TRAVEL_DOCUMENTS)
        if kind not in DocumentKind.values:
            raise Invalid(_("未知的证件类型"))
        if not (5 <= len(number) <= 30) or not number.isalnum():
            raise Invalid(_("证件号码格式不正确"))
        if holder.admin_role or not holder.is_active:
            raise Invalid(_("持证人须为在岗的业务人员"))
        if expires_on <= today():
            raise Invalid(_("证件已过有效期"))
        try:
            document = TravelDocument.objects.create(holder=holder, kind=kind, number=number, expires_on=expires_on,
                                                     registered_by=actor, note=note.strip()[:200])
        except IntegrityError:
            raise Conflict(_("该证件已登记")) from None
        record(actor=actor, action="travel.document.register", obj=document,
               summary=f"登记集中保管 {holder.username} 的{document.get_kind_display()} {document.masked_number}",
               details={"holder": holder.pk, "kind": kind, "expires_on": expires_on.isoformat()})
    return document


def _lock_document(document: TravelDocument) -> TravelDocument:
    found = TravelDocument.objects.select_for_update().filter(pk=document.pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def document_issue(*, actor: User, document: TravelDocument, trip: Trip) -> DocumentIssue:
    """领用: only for the holder's approved, current trip, after the briefing, and — when
    carriers go along — after the carrier-abroad approval (PERS-19, EXT-04)."""
    with atomic_action(actor, "travel.document.issue", obj=document):
        _require_office(actor, policy.Perm.KEEP_TRAVEL_DOCUMENTS)
        document = _lock_document(document)
        trip = _lock_trip(trip)
        if document.status != DocumentStatus.HELD:
            raise Conflict(_("该证件当前状态为“%(s)s”，不能领用") % {"s": document.get_status_display()})
        if trip.traveller_id != document.holder_id:
            raise Refused(_("证件只能为持证人本人的出国境申请领用"))
        if trip.status != TripStatus.APPROVED:
            raise Refused(_("未经审批批准，不得领用出入境证件（PERS-19）"))
        now = today()
        if now > trip.return_on:
            raise Refused(_("该出国境申请的行程已结束，不能领用证件"))
        if trip.briefed_at is None:
            raise Refused(_("出行人尚未确认行前保密教育，不能领用证件"))
        if trip.carriers_planned and trip.carrier_status == CarrierApproval.PENDING:
            # Refused by default: the carriers stay home unless their own approval says otherwise.
            raise Refused(_("拟携带涉密载体出境的专门审批尚未办结，不能领用证件（EXT-04）"))
        if document.expires_on <= trip.return_on:
            raise Refused(_("证件有效期（至 %(d)s）不足以覆盖行程") % {"d": document.expires_on.isoformat()})
        due = trip.return_on + datetime.timedelta(days=document_return_days())
        issue = DocumentIssue.objects.create(document=document, trip=trip, issued_by=actor, issued_at=timezone.now(),
                                             due_back_on=due)
        document.status = DocumentStatus.OUT
        document.save(update_fields=["status"])
        record(actor=actor, action="travel.document.issue", obj=document,
               summary=f"{document.holder.username} 领用{document.get_kind_display()} {document.masked_number}"
                       f"（出国境 #{trip.pk}），应于 {due:%Y-%m-%d} 前交回",
               details={"trip": trip.pk, "due_back_on": due.isoformat()})
    return issue


def document_return(*, actor: User, document: TravelDocument) -> DocumentIssue:
    """交回: the custodian records the return; a late one is flagged."""
    with atomic_action(actor, "travel.document.return", obj=document):
        _require_office(actor, policy.Perm.KEEP_TRAVEL_DOCUMENTS)
        document = _lock_document(document)
        if document.status != DocumentStatus.OUT:
            raise Conflict(_("该证件未领用，无需交回"))
        issue = document.issues.select_for_update().filter(returned_at__isnull=True).latest("issued_at", "id")
        issue.returned_at, issue.received_by = timezone.now(), actor
        issue.returned_late = today() > issue.due_back_on
        issue.save(update_fields=["returned_at", "received_by", "returned_late"])
        document.status = DocumentStatus.HELD
        document.save(update_fields=["status"])
        record(actor=actor, action="travel.document.return", obj=document,
               summary=f"{document.holder.username} 交回{document.get_kind_display()} {document.masked_number}"
                       f"{'（逾期）' if issue.returned_late else ''}",
               details={"trip": issue.trip_id, "late": issue.returned_late})
    return issue


def document_withdraw(*, actor: User, document: TravelDocument, note: str) -> TravelDocument:
    """注销 or hand back to the holder for good (expired, replaced, no longer cleared)."""
    with atomic_action(actor, "travel.document.withdraw", obj=document):
        _require_office(actor, policy.Perm.KEEP_TRAVEL_DOCUMENTS)
        document = _lock_document(document)
        if document.status != DocumentStatus.HELD:
            raise Conflict(_("只有在册保管的证件可以注销或退还"))
        if not note.strip():
            raise Invalid(_("请说明原因"))
        document.status, document.note = DocumentStatus.WITHDRAWN, note.strip()[:200]
        document.save(update_fields=["status", "note"])
        record(actor=actor, action="travel.document.withdraw", obj=document,
               summary=f"注销/退还 {document.holder.username} 的{document.get_kind_display()} {document.masked_number}")
    return document


# ---------------------------------------------------------------- 重大事项报告 (PERS-20, PERS-21)


def report_due_on(kind: str, event_on: datetime.date) -> datetime.date:
    return working_days_after(event_on, REPORT_WORKING_DAYS[ReportKind(kind)])


def _report_create(*, actor: User, kind: str, event_on: datetime.date, description: str,
                   trip: Trip | None = None) -> MajorReport:
    now = today()
    if kind not in ReportKind.values:
        raise Invalid(_("未知的事项类型"))
    if not description:
        raise Invalid(_("请填写情况说明"))
    if event_on > now:
        raise Invalid(_("发生日期不能晚于今天"))
    due = report_due_on(kind, event_on)
    follow = working_days_after(now, FOLLOW_UP_WORKING_DAYS.get(ReportKind(kind), DEFAULT_FOLLOW_UP_WORKING_DAYS))
    report = MajorReport.objects.create(
        reporter=actor, kind=kind, event_on=event_on, description=description, trip=trip, filed_at=timezone.now(),
        due_on=due, late=now > due, follow_up_due_on=follow)
    # The kind and the content are sensitive personal data: the log names the report only.
    record(actor=actor, action="travel.report.file", obj=report,
           summary=f"提交重大事项报告 #{report.pk}{'（逾期报告）' if report.late else ''}",
           details={"late": report.late, "due_on": due.isoformat()})
    return report


def report_file(*, actor: User, kind: str, event_on: datetime.date, description: str) -> MajorReport:
    """File a 重大事项报告 to the secrecy office. Late ones are accepted and flagged late."""
    with atomic_action(actor, "travel.report.file"):
        if not actor.is_active or actor.admin_role:
            raise Refused(_("三员分立：管理员账户不办理此业务"))
        return _report_create(actor=actor, kind=kind, event_on=event_on, description=description.strip())


def _lock_report(report: MajorReport) -> MajorReport:
    found = MajorReport.objects.select_for_update().filter(pk=report.pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def report_follow_up(
    *, actor: User, report: MajorReport, action: str, next_due_on: datetime.date | None = None
) -> FollowUp:
    """The secrecy office records what it did (谈话、核查、上报…) and, if more is to come, by when."""
    with atomic_action(actor, "travel.report.follow_up", obj=report):
        _require_office(actor, policy.Perm.FOLLOW_UP_REPORTS)
        report = _lock_report(report)
        if report.status != ReportStatus.OPEN:
            raise Conflict(_("该报告已办结"))
        if report.reporter_id == actor.pk:
            raise Refused(_("不能跟进本人提交的重大事项报告"))
        if not action.strip():
            raise Invalid(_("请填写跟进措施"))
        if next_due_on is not None and next_due_on < today():
            raise Invalid(_("下次跟进期限不能早于今天"))
        follow_up = FollowUp.objects.create(report=report, actor=actor, at=timezone.now(), action=action.strip(),
                                            next_due_on=next_due_on)
        report.follow_up_due_on = next_due_on
        report.save(update_fields=["follow_up_due_on"])
        record(actor=actor, action="travel.report.follow_up", obj=report,
               summary=f"跟进重大事项报告 #{report.pk}",
               details={"next_due_on": next_due_on.isoformat() if next_due_on else None})
    return follow_up


def report_close(*, actor: User, report: MajorReport, conclusion: str) -> MajorReport:
    with atomic_action(actor, "travel.report.close", obj=report):
        _require_office(actor, policy.Perm.FOLLOW_UP_REPORTS)
        report = _lock_report(report)
        if report.status != ReportStatus.OPEN:
            raise Conflict(_("该报告已办结"))
        if report.reporter_id == actor.pk:
            raise Refused(_("不能办结本人提交的重大事项报告"))
        if not conclusion.strip():
            raise Invalid(_("请填写办结意见"))
        if not report.follow_ups.exists():
            raise Refused(_("尚无跟进记录，不能办结"))
        report.status, report.closed_by, report.closed_at = ReportStatus.CLOSED, actor, timezone.now()
        report.conclusion, report.follow_up_due_on = conclusion.strip(), None
        report.save(update_fields=["status", "closed_by", "closed_at", "conclusion", "follow_up_due_on"])
        record(actor=actor, action="travel.report.close", obj=report, summary=f"办结重大事项报告 #{report.pk}")
    return report


# ---------------------------------------------------------------- reminders (jobs.tick)


def _remind(key: str, person: User, text: str, url: str) -> bool:
    reminder, created = Reminder.objects.get_or_create(key=key[:80], defaults={"person": person, "text": text[:200],
                                                                               "url": url[:200]})
    if created:
        record(actor=None, actor_username="system", action="travel.remind", obj=reminder,
               summary=f"提醒 {person.username}：{text}"[:300])
    return created


def reminders_send(*, on: datetime.date | None = None) -> list[str]:
    """Overdue passports and post-trip reports, passports expiring soon, follow-ups due. One
    reminder per cause (idempotent)."""
    from django.urls import reverse

    day = on or today()
    sent = 0
    with atomic_action(None, "travel.remind", actor_username="system"):
        offices = list(User.objects.filter(is_active=True, admin_role="",
                                           role_assignments__role__in=policy.TRAVEL_OFFICE_ROLES).distinct())
        for issue in DocumentIssue.objects.filter(returned_at__isnull=True, due_back_on__lt=day).select_related(
                "document__holder"):
            doc = issue.document
            text = f"{doc.get_kind_display()} {doc.masked_number} 应于 {issue.due_back_on:%Y-%m-%d} 交回，已逾期"
            for person in [doc.holder, *offices]:
                sent += _remind(f"doc-overdue-{issue.pk}-{person.pk}", person, text, reverse("travel:index"))
        for trip in Trip.objects.filter(status=TripStatus.APPROVED, report_due_on__lt=day).select_related("traveller"):
            url = reverse("travel:trip", args=[trip.pk])
            sent += _remind(f"trip-report-{trip.pk}", trip.traveller,
                            f"出国境 #{trip.pk} 的回国报告应于 {trip.report_due_on:%Y-%m-%d} 前提交，已逾期", url)
        horizon = day + datetime.timedelta(days=expiry_warning_days())
        for doc in TravelDocument.objects.exclude(status=DocumentStatus.WITHDRAWN).filter(
                expires_on__lte=horizon).select_related("holder"):
            text = f"{doc.get_kind_display()} {doc.masked_number} 将于 {doc.expires_on:%Y-%m-%d} 到期"
            for person in [doc.holder, *offices]:
                sent += _remind(f"doc-expiry-{doc.pk}-{person.pk}-{doc.expires_on}", person, text,
                                reverse("travel:index"))
        for report in MajorReport.objects.filter(status=ReportStatus.OPEN, follow_up_due_on__lte=day):
            for person in offices:
                if person.pk != report.reporter_id:
                    sent += _remind(f"report-follow-{report.pk}-{person.pk}-{report.follow_up_due_on}", person,
                                    f"重大事项报告 #{report.pk} 待跟进", reverse("travel:report", args=[report.pk]))
    return [f"travel reminders: {sent}"] if sent else []


# ---------------------------------------------------------------- approval types


def _may_decide(request: ApprovalRequest, person: User) -> str | None:
    if request.requester_id == person.pk:
        return _("不能审批本人提出的申请")
    return None


def register_request_types() -> None:
    # PERS-19: the unit leader, then the secrecy office (the seed's 组织人事部门); for 核心 people
    # and people in a 脱密期 the unit head as well (an organisation-wide 审批领导: 主任).
    # EXT-04: carriers abroad on the strictest route, after the 所在地保密局's approval.
    registry.register(registry.RequestType(
        code=TRIP, label="出国境", on_approved=_trip_approved, on_rejected=_trip_closed, may_decide=_may_decide,
        default_steps=(("approver", "requester_unit"), ("secrecy_officer", "org"))))
    registry.register(registry.RequestType(
        code=TRIP_STRICT, label="出国境（核心涉密人员/脱密期人员）", on_approved=_trip_approved,
        on_rejected=_trip_closed, may_decide=_may_decide,
        default_steps=(("approver", "requester_unit"), ("secrecy_officer", "org"), ("approver", "org"))))
    registry.register(registry.RequestType(
        code=CARRIER_ABROAD, label="携带涉密载体出境", on_approved=_carrier_decided(True),
        on_rejected=_carrier_decided(False), may_decide=_may_decide,
        default_steps=(("approver", "requester_unit"), ("secrecy_officer", "org"), ("approver", "org"))))
