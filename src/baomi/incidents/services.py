"""Every change to incidents (泄密事件, INC-01..12): report, drafts from other modules, remedial
measures, the report to the superior secrecy department, investigation, responsibility,
penalties, closure.

Each service checks policy, locks the incident row, records the audit event in the same
transaction (`atomic_action`). Audit summaries name the incident number, never its title.
Nothing here deletes: the database refuses it (migration 0002). A closed incident never
changes; notes (`incident_note_add`) may still be added to it, as a record.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.audit.services import atomic_action, record
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.incidents.models import (
    OPEN_STATUSES,
    Commendation,
    CommendationStatus,
    CopyOutcome,
    Entry,
    EntryKind,
    Incident,
    IncidentCopy,
    IncidentKind,
    IncidentStatus,
    Involvement,
    InvolvementRole,
    Liability,
    Penalty,
    PenaltyKind,
    Referral,
    Reminder,
    Severity,
)
from baomi.levels import Level

# INC-01 says 立即 / 及时 and names no hours: the report to the superior secrecy department is
# due 24 hours after the incident was discovered (documented in docs/incidents.md).
NOTIFY_HOURS = 24


def _lock(incident: Incident) -> Incident:
    locked = Incident.objects.select_for_update().filter(pk=incident.pk).first()
    if locked is None:
        raise NotFound(_("对象不存在"))
    return locked


def _require_office(actor: User) -> None:
    if not policy.is_incident_office(actor):
        raise Refused(_("只有保密办可以处理泄密事件"))


def _require_open(incident: Incident) -> None:
    if incident.is_closed:
        raise Conflict(_("事件已结案，不能再修改"))


def _level(level: int) -> Level:
    try:
        value = Level(int(level))
    except (TypeError, ValueError):
        raise Invalid(_("未知的密级")) from None
    if value < Level.INTERNAL:
        raise Invalid(_("请选择涉及的密级"))
    return value


def _link_people(incident: Incident, people: Iterable[User], role: str = InvolvementRole.PARTY) -> None:
    for person in people:
        if person.admin_role:
            raise Invalid(_("管理员账户不能列为事件相关人员"))
        Involvement.objects.get_or_create(incident=incident, person=person, defaults={"role": role})


def _link_copies(incident: Incident, copies: Iterable[Any], outcome: str) -> None:
    for copy in copies:
        link, created = IncidentCopy.objects.get_or_create(
            incident=incident, copy=copy, defaults={"level": copy.level, "outcome": outcome})
        if not created and outcome != CopyOutcome.INVOLVED and link.outcome != outcome:
            link.outcome = outcome
            link.save(update_fields=["outcome"])


def incident_draft(
    *, actor: User | None, title: str, level: int, circumstances: str, source: str, source_ref: str,
    people: Sequence[User] = (), carrier_copies: Sequence[Any] = (), kind: str = IncidentKind.SUSPECTED,
) -> Incident:
    """Opened by another module (a lost copy, a scan finding): 待核实 until the secrecy office
    confirms or dismisses it with a reason. Idempotent per (source, source_ref) while open, and a
    copy already linked to an open incident reuses it. Runs inside the caller's transaction."""
    if not title.strip():
        raise Invalid(_("请填写事件名称"))
    lvl = _level(level)
    existing = None
    if source_ref:
        existing = Incident.objects.filter(source=source, source_ref=source_ref, status__in=OPEN_STATUSES).first()
    if existing is None and carrier_copies:
        existing = Incident.objects.filter(copies__copy__in=list(carrier_copies),
                                           status__in=OPEN_STATUSES).first()
    outcome = CopyOutcome.LOST if kind == IncidentKind.LOST else CopyOutcome.INVOLVED
    if existing is not None:
        _link_people(existing, people)
        _link_copies(existing, carrier_copies, outcome)
        return existing
    reporter = actor if actor is not None and not actor.admin_role else None
    if reporter is None:
        raise Invalid(_("事件草稿须有报告人"))
    with atomic_action(actor, "incidents.draft"):
        now = timezone.now()
        incident = Incident.objects.create(
            title=title.strip()[:200], level=int(lvl), kind=kind, status=IncidentStatus.DRAFT,
            unit=reporter.unit, reporter=reporter, reported_at=now, discovered_at=now,
            description=circumstances.strip() or title.strip(), circumstances=circumstances.strip(),
            source=source[:40], source_ref=str(source_ref)[:60],
            notify_due_at=now + datetime.timedelta(hours=NOTIFY_HOURS))
        _link_people(incident, people)
        _link_copies(incident, carrier_copies, outcome)
        record(actor=actor, action="incidents.draft", obj=incident,
               summary=f"{incident.number} 待核实（来源 {source} {source_ref}）",
               details={"source": source, "source_ref": str(source_ref), "level": int(lvl)})
    return incident


def incident_report(
    *, actor: User, title: str, level: int, kind: str, description: str, discovered_at: datetime.datetime,
    occurred_at: datetime.datetime | None = None, circumstances: str = "", people: Sequence[User] = (),
    carrier_copies: Sequence[Any] = (),
) -> Incident:
    """报告 (INC-01, INC-03, INC-04): anyone reports what they found, at once; the 24-hour clock
    for the report to the superior department starts when it was discovered."""
    with atomic_action(actor, "incidents.report"):
        if not policy.may_report_incident(actor):
            raise Refused(_("三员分立：管理员不处理涉密事项"))
        if kind not in IncidentKind.values:
            raise Invalid(_("未知的事件类型"))
        if not title.strip() or not description.strip():
            raise Invalid(_("请填写事件名称和经过"))
        lvl = _level(level)
        if not policy.may_know(actor, lvl):
            raise Refused(_("所报密级超出您的涉密等级，请口头报告保密办"))
        now = timezone.now()
        if discovered_at > now + datetime.timedelta(minutes=5) or (occurred_at and occurred_at > discovered_at):
            raise Invalid(_("发现时间不能晚于现在，发生时间不能晚于发现时间"))
        incident = Incident.objects.create(
            title=title.strip()[:200], level=int(lvl), kind=kind, status=IncidentStatus.OPEN,
            unit=actor.unit, reporter=actor, reported_at=now, discovered_at=discovered_at,
            occurred_at=occurred_at, description=description.strip(), circumstances=circumstances.strip(),
            notify_due_at=discovered_at + datetime.timedelta(hours=NOTIFY_HOURS))
        _link_people(incident, people)
        outcome = {IncidentKind.LOST: CopyOutcome.LOST, IncidentKind.STOLEN: CopyOutcome.LOST,
                   IncidentKind.LEAK: CopyOutcome.LEAKED}.get(IncidentKind(kind), CopyOutcome.INVOLVED)
        _link_copies(incident, carrier_copies, outcome)
        record(actor=actor, action="incidents.report", obj=incident,
               summary=f"报告{incident.get_kind_display()} {incident.number}", details={"level": int(lvl)})
    return incident


def incident_confirm(*, actor: User, incident: Incident) -> Incident:
    """待核实 → 处理中."""
    with atomic_action(actor, "incidents.confirm", obj=incident):
        _require_office(actor)
        incident = _lock(incident)
        if incident.status != IncidentStatus.DRAFT:
            raise Conflict(_("只有待核实的事件可以确认"))
        incident.status = IncidentStatus.OPEN
        incident.save(update_fields=["status"])
        record(actor=actor, action="incidents.confirm", obj=incident, summary=f"确认立案 {incident.number}")
    return incident


def incident_close(*, actor: User, incident: Incident, reason: str) -> Incident:
    """结案 with a reason; a 待核实 draft closed this way is 不予立案. Never deleted."""
    with atomic_action(actor, "incidents.close", obj=incident):
        _require_office(actor)
        incident = _lock(incident)
        _require_open(incident)
        if not reason.strip():
            raise Invalid(_("请填写结案理由"))
        dismissed = incident.status == IncidentStatus.DRAFT
        if not dismissed:
            if incident.notified_at is None and incident.level >= Level.CONFIDENTIAL:
                raise Refused(_("涉及国家秘密的事件须先向上级保密工作部门报告，才能结案"))
            if not incident.finding:
                raise Refused(_("请先作出责任认定，才能结案"))
        incident.status = IncidentStatus.DISMISSED if dismissed else IncidentStatus.CLOSED
        incident.closed_at, incident.closed_by, incident.close_reason = timezone.now(), actor, reason.strip()
        incident.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
        record(actor=actor, action="incidents.close", obj=incident,
               summary=f"{'不予立案' if dismissed else '结案'} {incident.number}", details={"reason": reason.strip()})
    return incident


def _entry(actor: User, incident: Incident, kind: str, text: str, at: datetime.datetime | None) -> Entry:
    if not text.strip():
        raise Invalid(_("请填写内容"))
    when = at or timezone.now()
    if when > timezone.now() + datetime.timedelta(minutes=5):
        raise Invalid(_("时间不能晚于现在"))
    return Entry.objects.create(incident=incident, kind=kind, at=when, text=text.strip(), author=actor)


def measure_add(*, actor: User, incident: Incident, text: str, at: datetime.datetime | None = None) -> Entry:
    """补救措施 with the time it was taken (INC-01)."""
    with atomic_action(actor, "incidents.measure", obj=incident):
        _require_office(actor)
        incident = _lock(incident)
        _require_open(incident)
        entry = _entry(actor, incident, EntryKind.MEASURE, text, at)
        record(actor=actor, action="incidents.measure", obj=incident, summary=f"{incident.number} 补救措施",
               details={"at": entry.at.isoformat()})
    return entry


def investigation_add(*, actor: User, incident: Incident, text: str) -> Entry:
    """调查记录 (INC-02)."""
    with atomic_action(actor, "incidents.investigate", obj=incident):
        _require_office(actor)
        incident = _lock(incident)
        _require_open(incident)
        entry = _entry(actor, incident, EntryKind.INVESTIGATION, text, None)
        record(actor=actor, action="incidents.investigate", obj=incident, summary=f"{incident.number} 调查记录")
    return entry


def note_add(*, actor: User, incident: Incident, text: str) -> Entry:
    """A note, also after closure (it records; it changes nothing that was decided)."""
    with atomic_action(actor, "incidents.note", obj=incident):
        _require_office(actor)
        incident = _lock(incident)
        entry = _entry(actor, incident, EntryKind.NOTE, text, None)
        record(actor=actor, action="incidents.note", obj=incident, summary=f"{incident.number} 备注")
    return entry


def incident_notify(*, actor: User, incident: Incident, at: datetime.datetime, to: str, how: str) -> Incident:
    """向上级保密工作部门报告: when, to whom, how; late when after the deadline."""
    with atomic_action(actor, "incidents.notify", obj=incident):
        _require_office(actor)
        incident = _lock(incident)
        _require_open(incident)
        if incident.notified_at is not None:
            raise Conflict(_("已记录上报"))
        if not to.strip() or not how.strip():
            raise Invalid(_("请填写报告对象和方式"))
        if at > timezone.now() + datetime.timedelta(minutes=5) or at < incident.discovered_at:
            raise Invalid(_("上报时间须在发现之后、不晚于现在"))
        if incident.status == IncidentStatus.DRAFT:
            incident.status = IncidentStatus.OPEN
        incident.notified_at, incident.notified_to, incident.notified_how = at, to.strip()[:100], how.strip()[:100]
        incident.notify_late = at > incident.notify_due_at
        incident.save(update_fields=["status", "notified_at", "notified_to", "notified_how", "notify_late"])
        record(actor=actor, action="incidents.notify", obj=incident,
               summary=f"{incident.number} 已报告{incident.notified_to}" + ("（逾期）" if incident.notify_late else ""),
               details={"how": incident.notified_how, "late": incident.notify_late})
    return incident


def suggested_liability(incident: Incident, severity: str) -> str:
    """INC-08: 工作秘密 → 行政; 国家秘密 → 党纪政纪; grave state-secret cases → 刑事 (移送)."""
    if incident.level >= Level.CONFIDENTIAL:
        return Liability.CRIMINAL if severity == Severity.GRAVE else Liability.DISCIPLINE
    return Liability.ADMINISTRATIVE


def responsible_leaders(people: Sequence[User]) -> list[User]:
    """ORG-05 责任制 (INC-11): for each person, the nearest 分管领导 (an approver over their 科室 or a
    unit above it), else the 主任 (an approver for the whole organisation)."""
    from baomi.accounts.models import RoleAssignment

    found: list[User] = []
    for person in people:
        chain = policy.units_above(person.unit_id)
        rows = (RoleAssignment.objects.filter(role="approver", user__is_active=True)
                .filter(Q(unit_id__in=chain) | Q(unit__isnull=True)).exclude(user=person)
                .select_related("user"))
        ranked = sorted(rows, key=lambda r: chain.index(r.unit_id) if r.unit_id in chain else len(chain))
        if ranked and ranked[0].user not in found:
            found.append(ranked[0].user)
    return found


def responsibility_determine(
    *, actor: User, incident: Incident, finding: str, severity: str, liability: str = "",
    responsible: Sequence[User] = (), leaders: Sequence[User] | None = None,
) -> Incident:
    """责任认定 (INC-02, INC-06, INC-08, INC-11): the finding, 情节, 责任类型 and the people answerable.
    Without `leaders`, the responsible people's leaders come from the ORG-05 matrix."""
    if leaders is None:
        leaders = responsible_leaders(responsible)
    with atomic_action(actor, "incidents.determine", obj=incident):
        _require_office(actor)
        incident = _lock(incident)
        _require_open(incident)
        if incident.status == IncidentStatus.DRAFT:
            raise Refused(_("事件尚待核实，请先确认立案"))
        if severity not in Severity.values:
            raise Invalid(_("请选择情节轻重"))
        if liability and liability not in Liability.values:
            raise Invalid(_("未知的责任类型"))
        if not finding.strip():
            raise Invalid(_("请填写责任认定"))
        _link_people(incident, responsible, InvolvementRole.RESPONSIBLE)
        _link_people(incident, leaders, InvolvementRole.LEADER)
        for person in [*responsible, *leaders]:
            Involvement.objects.filter(incident=incident, person=person).update(
                role=InvolvementRole.LEADER if person in leaders else InvolvementRole.RESPONSIBLE)
        incident.finding, incident.severity = finding.strip(), severity
        incident.liability = liability or suggested_liability(incident, severity)
        incident.determined_at = timezone.now()
        incident.save(update_fields=["finding", "severity", "liability", "determined_at"])
        record(actor=actor, action="incidents.determine", obj=incident, summary=f"{incident.number} 责任认定",
               details={"severity": severity, "liability": incident.liability,
                        "responsible": [p.pk for p in responsible], "leaders": [p.pk for p in leaders]})
    return incident


def penalty_decide(
    *, actor: User, incident: Incident, person: User, kind: str, referral: str = "", basis: str = "",
    decided_on: datetime.date | None = None,
) -> Penalty:
    """处分 on the full scale (INC-06, INC-07, INC-09) and 移送 (INC-08); on the person's record (INC-05)."""
    with atomic_action(actor, "incidents.penalty", obj=incident):
        _require_office(actor)
        incident = _lock(incident)
        _require_open(incident)
        if not incident.finding:
            raise Refused(_("请先作出责任认定，再决定处分"))
        if kind not in PenaltyKind.values:
            raise Invalid(_("未知的处分种类"))
        if referral not in Referral.values:
            raise Invalid(_("未知的移送机关"))
        if not Involvement.objects.filter(incident=incident, person=person).exists():
            raise Refused(_("只能对认定的责任人或当事人决定处分"))
        if Penalty.objects.filter(incident=incident, person=person).exists():
            raise Conflict(_("已对此人作出处分决定"))
        penalty = Penalty.objects.create(incident=incident, person=person, kind=kind, referral=referral,
                                         basis=basis.strip()[:200], decided_on=decided_on or timezone.localdate(),
                                         decided_by=actor)
        record(actor=actor, action="incidents.penalty", obj=incident,
               summary=f"{incident.number} 对 {person.username} 决定{penalty.get_kind_display()}"
                       + (f"，{penalty.get_referral_display()}" if referral else ""),
               details={"person": person.pk, "kind": kind, "referral": referral})
    return penalty


def copy_mark_lost(*, actor: User, incident: Incident, copy: Any, note: str) -> Incident:
    """A copy named in the incident goes to 丢失 in the carrier register (the carriers service,
    which links it back here)."""
    from baomi.carriers.services import copy_report_lost

    with atomic_action(actor, "incidents.copy_lost", obj=incident):
        _require_office(actor)
        _require_open(incident)
        if not IncidentCopy.objects.filter(incident=incident, copy=copy).exists():
            raise Invalid(_("该载体未列入本事件"))
        copy_report_lost(actor=actor, copy=copy, note=note)
        IncidentCopy.objects.filter(incident=incident, copy=copy).update(outcome=CopyOutcome.LOST)
    return incident


def reminders_send(*, today: datetime.date | None = None) -> list[str]:
    """jobs.tick: an overdue report to the superior department reminds every secrecy officer,
    once per incident and officer (idempotent)."""
    from django.urls import reverse

    now = timezone.now()
    sent = 0
    overdue = list(Incident.objects.filter(status__in=OPEN_STATUSES, notified_at__isnull=True,
                                           notify_due_at__lt=now))
    if not overdue:
        return []
    with atomic_action(None, "incidents.remind", actor_username="system"):
        offices = [u for u in User.objects.filter(is_active=True, admin_role="",
                                                  role_assignments__role="secrecy_officer").distinct()
                   if policy.is_incident_office(u)]
        for incident in overdue:
            due = timezone.localtime(incident.notify_due_at)
            for person in offices:
                _, created = Reminder.objects.get_or_create(
                    key=f"notify-{incident.pk}-{person.pk}",
                    defaults={"person": person, "incident": incident,
                              "text": f"{incident.number} 应于 {due:%Y-%m-%d %H:%M} 前向上级保密工作部门报告，已逾期"})
                sent += int(created)
        if sent:
            record(actor=None, actor_username="system", action="incidents.remind", summary=f"上报逾期提醒 {sent} 条",
                   details={"url": reverse("incidents:list")})
    return [f"incident reminders: {sent}"] if sent else []



# ---------------------------------------------------------------- 表扬奖励 (INC-12)

COMMEND = "incidents.commend"


def commendation_propose(*, actor: User, reason: str, person: User | None = None, unit: Any = None) -> Commendation:
    """The 保密办 proposes a commendation of a person or an office to the 领导 (INC-12)."""
    from baomi.approvals.services import request_submit

    with atomic_action(actor, "incidents.commend"):
        _require_office(actor)
        if (person is None) == (unit is None):
            raise Invalid(_("请选择受表扬的个人或科室（二选一）"))
        if person is not None and person.admin_role:
            raise Invalid(_("管理员账户不参与涉密业务的表扬"))
        if not reason.strip():
            raise Invalid(_("请填写表扬事由"))
        commendation = Commendation.objects.create(person=person, unit=unit, reason=reason.strip(),
                                                   proposed_by=actor, proposed_at=timezone.now())
        name = (person.full_name or person.username) if person is not None else unit.name
        commendation.approval = request_submit(
            actor=actor, request_type=COMMEND, subject=commendation, title=f"表扬建议：{name}",
            reason=reason.strip(), payload={"commendation": commendation.pk})
        commendation.save(update_fields=["approval"])
        record(actor=actor, action="incidents.commend", obj=commendation, summary=f"建议表扬 {name}")
    return commendation


def _commendation_decided(approved: bool) -> Any:
    def apply(request: Any, decider: User | None) -> None:
        commendation = Commendation.objects.select_for_update().get(pk=int(request.payload["commendation"]))
        if commendation.status != CommendationStatus.PROPOSED:
            return
        commendation.status = CommendationStatus.APPROVED if approved else CommendationStatus.DECLINED
        commendation.decided_at = timezone.now()
        commendation.save(update_fields=["status", "decided_at"])
        record(actor=decider, actor_username="" if decider else "system", action="incidents.commend.decided",
               obj=commendation, summary=f"表扬 #{commendation.pk} {commendation.get_status_display()}")
    return apply


def register_request_types() -> None:
    from baomi.approvals import registry

    # INC-12: "建议领导给予表扬奖励": the organisation's 领导 (an approver for the whole unit) decides.
    registry.register(registry.RequestType(
        code=COMMEND, label="表扬建议", on_approved=_commendation_decided(True),
        on_rejected=_commendation_decided(False), default_steps=(("approver", "org"),), expires_after=None))
