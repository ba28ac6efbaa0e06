"""Every change to carriers and copies: 登记, 传阅, 签收, 退回, 借阅, 复制, 发出, 清退, 归档,
销毁, 丢失.

Each service checks policy, locks the copy row (`select_for_update`), checks the copy's
current status, writes the ledger entry and the audit event, all in one transaction
(`atomic_action`): two people acting on the same copy at once get one success and one
`Conflict`. Audit summaries name register numbers and 份号, never titles.

Lending, reproducing and destroying go through the one approval engine: the request types
are registered in `CarriersConfig.ready()` and their effects (`_lend_approved`, ...) run in
the transaction that records the final approval.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import marking, policy
from baomi.accounts.models import Role, Unit, User
from baomi.approvals import registry
from baomi.approvals.models import ApprovalRequest
from baomi.approvals.services import request_submit
from baomi.audit.services import atomic_action, record
from baomi.carriers.models import (
    CLASSIFIED_CHANNELS,
    HELD_STATUSES,
    ISSUE_KINDS,
    OUT_STATUSES,
    SHELVED_STATUSES,
    Carrier,
    CarrierKind,
    Channel,
    Copy,
    CopyStatus,
    Counter,
    DestructionList,
    DestructionMethod,
    DestructionStatus,
    Direction,
    Movement,
    MovementKind,
    Notice,
    NoticeKind,
    PrintJob,
    PrintJobStatus,
    SecretType,
    StorageClass,
    WasteBatch,
)
from baomi.classification.models import Decision, DecisionStatus, Review, ReviewOutcome
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Level

MAX_COPIES = 999
MAX_REPRODUCE = 50
MAX_LEND_DAYS = 30  # CARRIER-17: individuals do not keep secret documents; the seed says only "及时"
# A 保密本 is the holder's working notebook (CARRIER-32): issued for up to a year, then returned
# for checking, archiving or destruction like any carrier.
MAX_NOTEBOOK_DAYS = 366
CIRCULATION_DAYS = 3  # default reading time for copies below 绝密

LEND = "carriers.lend"
REPRODUCE = "carriers.reproduce"
DESTROY = "carriers.destroy"
TAKE_OUT = "carriers.take_out"
NEED_TO_KNOW = "carriers.need_to_know"
EXCERPT = "carriers.excerpt"

_PREFIX = {Direction.INCOMING: "收", Direction.OUTGOING: "发", Direction.MADE: "制", Direction.MEETING: "会"}


# ---------------------------------------------------------------- helpers


def _next_number(key: str) -> int:
    """The next value of a yearly sequence; the counter row stays locked until commit."""
    counter, _created = Counter.objects.select_for_update().get_or_create(key=key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def _workday_end(day: datetime.date) -> datetime.datetime:
    hours, minutes = (int(part) for part in settings.BAOMI_WORKDAY_END.split(":"))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hours, minutes)))


def same_working_day_end(now: datetime.datetime | None = None) -> datetime.datetime:
    """随阅随退 (CARRIER-06): the end of today's working day, or midnight if that has passed."""
    now = timezone.localtime(now or timezone.now())
    end = _workday_end(now.date())
    if now < end:
        return end
    return timezone.make_aware(datetime.datetime.combine(now.date(), datetime.time(23, 59, 59)))


def _lock(copy: Copy) -> Copy:
    """The copy, re-read under a row lock (the lock holds until the transaction ends; the
    audit chain head is locked before it by `atomic_action`, one lock order for all)."""
    found = (Copy.objects.select_for_update(of=("self",)).select_related("carrier")
             .filter(pk=copy.pk).first())
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def _require_status(copy: Copy, allowed: Iterable[str], doing: str) -> None:
    if copy.status not in allowed:
        raise Conflict(_("%(copy)s 当前状态为“%(status)s”，不能%(doing)s") % {
            "copy": copy.label, "status": copy.get_status_display(), "doing": doing})


def _require_keeper(actor: User, carrier: Carrier) -> None:
    reason = policy.reason_may_keep_carrier(actor, carrier.level, carrier.unit_id)
    if reason:
        raise Refused(reason, details={"perm": str(policy.Perm.KEEP_CARRIERS)})


def _require_holder_allowed(person: User, carrier: Carrier) -> None:
    reason = policy.reason_may_hold_carrier(person, carrier)
    if reason:
        raise Refused(reason)


def _require_storage(level: int, storage: str) -> None:
    if storage not in StorageClass.values:
        raise Invalid(_("未知的存放设施"))
    if level == Level.TOP_SECRET and storage != StorageClass.SAFE:
        raise Refused(_("绝密载体只能存放在保险柜中"))


def _move(copy: Copy, *, kind: str, actor: User, status_before: str, at: datetime.datetime,
          from_person: User | None = None, to_person: User | None = None, **fields: Any) -> Movement:
    return Movement.objects.create(
        copy=copy, kind=kind, actor=actor, from_person=from_person, to_person=to_person,
        status_before=status_before, status_after=copy.status, at=at, **fields)


def _save(copy: Copy, *fields: str) -> None:
    copy.save(update_fields=list(fields))


def _name(person: User | None) -> str:
    return person.username if person is not None else "—"


def _root_unit(unit: Unit | None) -> Unit | None:
    chain = unit.ancestors() if unit is not None else []
    return chain[-1] if chain else unit


# ---------------------------------------------------------------- link to 定密 (classification)

#: How a carrier is named on `Decision.carrier_type` (the audit `describe` name, so that
#: `classification.services.release_check(item=carrier)` finds the same link).
CARRIER_LINK_TYPE = "carrier"
#: CLASS-07 before 归档: a linked decision whose period ends within this many days needs
#: this year's review first.
ARCHIVE_REVIEW_DAYS = 365


def linked_decisions(carrier: Carrier) -> Any:
    """Decisions naming this carrier (`carrier_type`/`carrier_id`), unfiltered: callers that
    show them filter by what the reader may see."""
    return Decision.objects.filter(carrier_type=CARRIER_LINK_TYPE, carrier_id=str(carrier.pk))


def _check_decision_link(actor: User, decision: Decision, level: int) -> Decision:
    """The decision named at registration: visible to the registering person, in force, not
    yet linked to another carrier, and no higher than the carrier's mark (no write-down)."""
    found = (Decision.objects.select_for_update(of=("self",))
             .filter(policy.decisions_visible_to(actor), pk=decision.pk).first())
    if found is None:
        raise NotFound(_("对象不存在"))
    if found.status != DecisionStatus.IN_FORCE:
        raise Conflict(_("定密事项 %(code)s 不在有效状态，不能关联") % {"code": found.code})
    if found.carrier_type or found.carrier_id:
        raise Conflict(_("定密事项 %(code)s 已关联其他载体") % {"code": found.code})
    if level < found.level:
        raise Refused(_("载体密级不得低于所关联定密事项的密级（%(code)s：%(mark)s），不得擅自降低密级")
                      % {"code": found.code, "mark": found.current_mark},
                      details={"decision": found.pk, "decision_level": found.level, "level": level})
    return found


def _require_review_before_archive(carrier: Carrier, today: datetime.date) -> None:
    """CLASS-07 before 归档: a linked decision in force whose period ends within the year, or
    that is provisional and not yet reported, must have been reviewed this year (kept or
    changed; a lifting is still pending, so it does not count)."""
    due = linked_decisions(carrier).filter(status=DecisionStatus.IN_FORCE).filter(
        Q(expires_on__lte=today + datetime.timedelta(days=ARCHIVE_REVIEW_DAYS))
        | Q(provisional=True, reported_on__isnull=True))
    reviewed = Review.objects.filter(year=today.year, outcome__in=[ReviewOutcome.KEEP, ReviewOutcome.CHANGE])
    pending = list(due.exclude(pk__in=reviewed.values("decision_id")).order_by("pk"))
    if pending:
        raise Refused(_("归档前须对定密事项进行复审"),
                      details={"decisions": [d.pk for d in pending], "year": today.year})


# ---------------------------------------------------------------- 登记 (register)


def carrier_register(
    *,
    actor: User,
    direction: str,
    title: str,
    mark: str,
    copies: int,
    storage: str,
    location: str = "",
    kind: str = CarrierKind.PAPER,
    doc_number: str = "",
    source_unit: str = "",
    destination_unit: str = "",
    need_to_know_people: Sequence[User] = (),
    need_to_know_units: Sequence[Unit] = (),
    unit: Unit | None = None,
    dated_on: datetime.date | None = None,
    return_by: datetime.date | None = None,
    note: str = "",
    decision: Decision | None = None,
    register_no: str = "",
    registered_on: datetime.date | None = None,
    custodian: User | None = None,
    first_serial: int = 1,
    sources: Sequence[Carrier] = (),
    meeting_name: str = "",
    brought_by: User | None = None,
) -> Carrier:
    """收文登记 / 发文登记 / 自制登记 (CARRIER-01): the carrier, its numbered copies 000001…,
    each signed for by the registering 机要员, who becomes their custodian.

    Taking over a paper ledger (`ledger_import`): `register_no`, `registered_on` and the copies'
    first 份号 keep the ledger's own; `custodian` names the keeper who signs for the copies
    (another keeper allowed to keep this carrier; default the registering person).

    `decision` links the carrier to a 定密 decision the registering person may see (CLASS-02):
    the carrier's level may not be below the decision's; the link is stored on the decision
    (`carrier_type`/`carrier_id`).

    `sources`: the carriers this one is derived from (汇编, 摘抄), each visible to the
    registering person; the carrier's level may not be below the highest of theirs (no
    write-down). 会议带回 (CARRIER-09): `meeting_name` and `brought_by` (the person who
    brought it back) are required; it is then kept and lent like any other carrier."""
    meeting_name = meeting_name.strip()
    title, doc_number, source_unit, destination_unit = (
        title.strip(), doc_number.strip(), source_unit.strip(), destination_unit.strip())
    unit = unit or actor.unit
    parsed = marking.parse(mark or "")
    with atomic_action(actor, "carrier.register"):
        if parsed is None:
            raise Invalid(_("无法识别的密级标志：%(mark)s（例如 机密★5年、秘密★6个月、内部）") % {"mark": mark})
        level = int(parsed.level)
        reason = policy.reason_may_keep_carrier(actor, level, unit.pk if unit else None)
        if reason:
            raise Refused(reason, details={"perm": str(policy.Perm.KEEP_CARRIERS)})
        if unit is None:
            raise Invalid(_("请选择登记单位"))
        if direction not in Direction.values or kind not in CarrierKind.values:
            raise Invalid(_("未知的来源或载体类型"))
        if not title:
            raise Invalid(_("请填写标题"))
        if not 1 <= copies <= MAX_COPIES:
            raise Invalid(_("份数须在 1 到 %(n)s 之间") % {"n": MAX_COPIES})
        if direction == Direction.INCOMING and not source_unit:
            raise Invalid(_("收文须填写来文单位"))
        if direction == Direction.OUTGOING and not destination_unit:
            raise Invalid(_("发文须填写发往单位"))
        if direction == Direction.MEETING:
            if not meeting_name:
                raise Invalid(_("会议带回的文件须填写会议名称"))
            if brought_by is None or not brought_by.is_active or brought_by.admin_role:
                raise Invalid(_("会议带回的文件须填写带回人"))
        elif meeting_name or brought_by is not None:
            raise Invalid(_("只有会议带回的文件才填写会议名称和带回人"))
        if return_by is not None and direction != Direction.INCOMING:
            raise Invalid(_("只有收文才有清退期限"))
        _require_storage(level, storage)
        if level == Level.TOP_SECRET and need_to_know_units:
            # CARRIER-05: top-secret documents are read only by named people.
            raise Invalid(_("绝密载体的知悉范围须具体到人，不能按单位确定"))
        for person in need_to_know_people:
            if not person.is_active or person.admin_role or not policy.may_know(person, Level(level)):
                raise Invalid(_("%(name)s 不能列入%(level)s级载体的知悉范围（涉密类别不足或账户不可用）")
                              % {"name": person.full_name or person.username, "level": Level(level).zh})
        if decision is not None:
            decision = _check_decision_link(actor, decision, level)
        source_list = _check_sources(actor, sources, level)
        keeper = custodian or actor
        if keeper.pk != actor.pk:
            refusal = policy.reason_may_keep_carrier(keeper, level, unit.pk)
            if refusal:
                raise Refused(_("责任人 %(name)s 不能保管该载体：%(reason)s")
                              % {"name": keeper.full_name or keeper.username, "reason": refusal})
        if not 1 <= first_serial <= 999999 - copies + 1:
            raise Invalid(_("份号须在 000001 到 999999 之间"))
        now = timezone.now()
        today = timezone.localdate(now)
        if registered_on is not None and registered_on > today:
            raise Invalid(_("登记日期不能晚于今天"))
        register_no = register_no.strip()
        if register_no:
            if len(register_no) > 30:
                raise Invalid(_("登记号不能超过 30 个字符"))
            if Carrier.objects.filter(register_no=register_no).exists():
                raise Conflict(_("登记号 %(no)s 已被使用") % {"no": register_no})
        else:
            while True:  # skip numbers taken by a ledger imported with its own numbers
                number = _next_number(f"{direction}-{today.year}")
                register_no = f"{_PREFIX[Direction(direction)]}{today.year}-{number:04d}"
                if not Carrier.objects.filter(register_no=register_no).exists():
                    break
        carrier = Carrier.objects.create(
            register_no=register_no, direction=direction, kind=kind,
            title=title[:300], doc_number=doc_number[:100], source_unit=source_unit[:200],
            destination_unit=destination_unit[:200], level=level, marking=str(parsed),
            period_stated=parsed.period_stated or not parsed.is_state_secret,
            secret_type=SecretType.STATE if parsed.is_state_secret else SecretType.WORK, unit=unit,
            dated_on=dated_on, registered_on=registered_on or today, return_by=return_by, note=note.strip(),
            created_by=actor,
            meeting_name=meeting_name[:200], brought_by=brought_by if direction == Direction.MEETING else None,
        )
        carrier.sources.set(source_list)
        carrier.need_to_know_people.set(need_to_know_people)
        carrier.need_to_know_units.set(need_to_know_units)
        made = Copy.objects.bulk_create([
            Copy(carrier=carrier, serial=serial, level=level, custodian=keeper, location=location.strip()[:100],
                 storage=storage, status=CopyStatus.IN_CUSTODY)
            for serial in range(first_serial, first_serial + copies)
        ])
        if any(c.pk is None for c in made):  # databases that do not return ids from bulk inserts
            made = list(carrier.copies.order_by("serial"))
        Movement.objects.bulk_create([
            Movement(copy=c, kind=MovementKind.REGISTER, actor=actor, to_person=keeper, status_before="",
                     status_after=CopyStatus.IN_CUSTODY, at=now,
                     to_unit="", note=_("%(dir)s登记，签收") % {"dir": Direction(direction).label})
            for c in made
        ])
        if decision is not None:
            decision.carrier_type, decision.carrier_id = CARRIER_LINK_TYPE, str(carrier.pk)
            decision.save(update_fields=["carrier_type", "carrier_id"])
            record(actor=actor, action="classification.link_carrier", obj=decision,
                   summary=f"定密事项 {decision.code} 关联载体 {carrier.register_no}",
                   details={"carrier": carrier.pk})
        record(actor=actor, action="carrier.register", obj=carrier,
               summary=f"{Direction(direction).label}登记 {carrier.register_no}（{carrier.marking}，{copies} 份）",
               # No 文号 in the log: the auditors read every event, and a 文号 identifies a classified
               # document to those outside its need-to-know (DESIGN rule 4; tests/leaks).
               details={"direction": direction, "kind": kind, "copies": copies,
                        "unit": unit.pk, "custodian": keeper.pk,
                        "need_to_know_people": [p.pk for p in need_to_know_people],
                        "need_to_know_units": [u.pk for u in need_to_know_units],
                        "decision": decision.pk if decision is not None else None,
                        "sources": [c.pk for c in source_list],
                        "brought_by": brought_by.pk if brought_by is not None else None})
    return carrier


def _check_sources(actor: User, sources: Sequence[Carrier], level: int) -> list[Carrier]:
    """The carriers a new one is derived from: visible to the registering person (else "not
    found"), and none above the new carrier's level (no write-down; the refusal names only
    register numbers and marks)."""
    wanted = {c.pk for c in sources}
    if not wanted:
        return []
    found = list(Carrier.objects.filter(policy.carriers_visible_to(actor), pk__in=wanted).order_by("pk"))
    if len(found) != len(wanted):
        raise NotFound(_("对象不存在"))
    highest = max(found, key=lambda c: c.level)
    if level < highest.level:
        raise Refused(_("派生载体的密级不得低于其来源载体的最高密级（%(no)s：%(mark)s），不得擅自降低密级")
                      % {"no": highest.register_no, "mark": highest.marking},
                      details={"sources": [c.pk for c in found], "source_level": highest.level, "level": level})
    return found


# ---------------------------------------------------------------- 传阅 (circulate), 签收, 退回


def copy_circulate(
    *, actor: User, copy: Copy, reader: User, due_at: datetime.datetime | None = None, note: str = ""
) -> Copy:
    """传阅: the 机要员 hands a copy from the register to one reader inside its need-to-know.

    No sideways passing (CARRIER-07): only a keeper circulates, and only a copy in the
    register; a reader gives it back with `copy_return`. A 绝密 copy is due back the same
    working day (CARRIER-06)."""
    with atomic_action(actor, "copy.circulate", obj=copy):
        copy = _lock(copy)
        carrier = copy.carrier
        if copy.custodian_id == actor.pk and copy.status in OUT_STATUSES:
            raise Refused(_("不得横传：阅毕请退回机要员，由机要员再行分送"))
        _require_keeper(actor, carrier)
        _require_status(copy, [CopyStatus.IN_CUSTODY], _("传阅"))
        if reader.pk == actor.pk:
            raise Invalid(_("不能传阅给本人"))
        _require_holder_allowed(reader, carrier)
        now = timezone.now()
        latest = same_working_day_end(now) if copy.level == Level.TOP_SECRET else None
        if due_at is None:
            due_at = latest or _workday_end(timezone.localdate(now) + datetime.timedelta(days=CIRCULATION_DAYS))
        if due_at <= now:
            raise Invalid(_("应还时间须晚于现在"))
        if latest is not None and due_at > latest:
            raise Refused(_("绝密载体随阅随退，须当日阅毕退回"))
        before, holder = copy.status, copy.custodian
        copy.status, copy.custodian, copy.due_at = CopyStatus.CIRCULATING, reader, due_at
        _save(copy, "status", "custodian", "due_at")
        _move(copy, kind=MovementKind.CIRCULATE, actor=actor, status_before=before, at=now, from_person=holder,
              to_person=reader, due_at=due_at, note=note.strip()[:300])
        record(actor=actor, action="copy.circulate", obj=copy,
               summary=f"传阅 {copy.label} 给 {reader.username}，应还 {timezone.localtime(due_at):%Y-%m-%d %H:%M}",
               details={"reader": reader.pk, "due_at": due_at.isoformat()})
    return copy


def copy_acknowledge(*, actor: User, copy: Copy) -> Copy:
    """签收: the reader or borrower signs for the copy they now hold (once per hand-over)."""
    with atomic_action(actor, "copy.acknowledge", obj=copy):
        copy = _lock(copy)
        if copy.custodian_id != actor.pk or copy.status not in OUT_STATUSES:
            raise Refused(_("只有当前持有人可以签收"))
        issued = copy.movements.filter(kind__in=ISSUE_KINDS).latest("at", "id")
        if copy.movements.filter(kind=MovementKind.ACKNOWLEDGE, id__gt=issued.pk).exists():
            raise Conflict(_("已签收"))
        _move(copy, kind=MovementKind.ACKNOWLEDGE, actor=actor, status_before=copy.status, at=timezone.now(),
              to_person=actor)
        record(actor=actor, action="copy.acknowledge", obj=copy, summary=f"{actor.username} 签收 {copy.label}")
    return copy


def copy_return(*, actor: User, copy: Copy, note: str = "") -> Copy:
    """退回/归还: the holder gives the copy back to the 机要员 — never to anyone else
    (CARRIER-07) — or a keeper records receiving it. It goes back where it came from
    (the register or the archive)."""
    with atomic_action(actor, "copy.return", obj=copy):
        copy = _lock(copy)
        carrier = copy.carrier
        keeper = policy.reason_may_keep_carrier(actor, carrier.level, carrier.unit_id) is None
        _require_status(copy, OUT_STATUSES, _("退回"))
        if copy.custodian_id != actor.pk and not keeper:
            raise Refused(_("只有持有人或机要员可以办理退回"))
        issued = copy.movements.filter(kind__in=ISSUE_KINDS).select_related("from_person").latest("at", "id")
        receiver = actor if keeper else (issued.from_person or carrier.created_by)
        now = timezone.now()
        overdue = copy.due_at is not None and copy.due_at < now
        before, holder = copy.status, copy.custodian
        copy.status = issued.status_before if issued.status_before in SHELVED_STATUSES else CopyStatus.IN_CUSTODY
        copy.custodian, copy.due_at = receiver, None
        _save(copy, "status", "custodian", "due_at")
        _move(copy, kind=MovementKind.RETURN, actor=actor, status_before=before, at=now, from_person=holder,
              to_person=receiver, note=(note.strip() or (_("逾期退回") if overdue else ""))[:300])
        late = "（逾期）" if overdue else ""
        record(actor=actor, action="copy.return", obj=copy,
               summary=f"{holder.username} 退回 {copy.label}，由 {receiver.username} 接收{late}",
               details={"from": holder.pk, "to": receiver.pk, "overdue": overdue})
    return copy


# ---------------------------------------------------------------- 借阅 (lend, by approval)


def copy_lend_request(*, actor: User, copy: Copy, due_on: datetime.date, reason: str) -> ApprovalRequest:
    """借阅申请 (CARRIER-10): refused above the borrower's clearance or outside the need-to-know
    (CARRIER-12). 绝密 goes to the unit's leadership (CARRIER-11); archived files are lent only
    through the archive's loan flow (`baomi.archives`, ARCH-07/09)."""
    with atomic_action(actor, "copy.lend_request", obj=copy):
        copy = _lock(copy)
        _require_holder_allowed(actor, copy.carrier)
        if copy.status == CopyStatus.ARCHIVED:
            # ARCH-07/09: files are not lent out of the archive except in special cases a
            # leader approves — the archive's own loan flow, with its own route and record.
            raise Refused(_("已归档的案卷概不外借；确有特殊情况，请在“档案 → 案卷外借”提出申请"))
        _require_status(copy, SHELVED_STATUSES, _("借阅"))
        today = timezone.localdate()
        longest = MAX_NOTEBOOK_DAYS if copy.carrier.kind == CarrierKind.NOTEBOOK else MAX_LEND_DAYS
        if not today <= due_on <= today + datetime.timedelta(days=longest):
            raise Invalid(_("归还日期须在今天到 %(n)s 天之内") % {"n": longest})
        top = copy.level == Level.TOP_SECRET
        return request_submit(
            actor=actor, request_type=LEND, subject=copy, title=f"借阅 {copy.label}", reason=reason,
            level=copy.level, unit=_root_unit(actor.unit) if top else None,
            payload={"copy": copy.pk, "due_on": due_on.isoformat()},
        )


def _lend_approved(request: ApprovalRequest, decider: User) -> None:
    """The final approval issues the copy to the borrower, due back at the end of the due day."""
    borrower = request.requester
    copy = _lock(Copy(pk=int(request.payload["copy"])))
    _require_status(copy, SHELVED_STATUSES, _("借出"))
    _require_holder_allowed(borrower, copy.carrier)
    now = timezone.now()
    due_at = _workday_end(datetime.date.fromisoformat(request.payload["due_on"]))
    if due_at <= now:
        raise Conflict(_("申请的归还日期已过，请申请人重新申请"))
    before, holder = copy.status, copy.custodian
    copy.status, copy.custodian, copy.due_at = CopyStatus.LENT, borrower, due_at
    _save(copy, "status", "custodian", "due_at")
    _move(copy, kind=MovementKind.LEND, actor=decider, status_before=before, at=now, from_person=holder,
          to_person=borrower, due_at=due_at, approval=request)
    record(actor=decider, action="copy.lend", obj=copy,
           summary=f"借出 {copy.label} 给 {borrower.username}（审批 #{request.pk}），"
                   f"应还 {timezone.localtime(due_at):%Y-%m-%d %H:%M}",
           details={"borrower": borrower.pk, "approval": request.pk, "due_at": due_at.isoformat()})


# ---------------------------------------------------------------- 复制 (reproduce, by approval)


def copy_reproduce_request(*, actor: User, copy: Copy, count: int, reason: str) -> ApprovalRequest:
    """复制申请 (CARRIER-13): by the 机要员 who will make the copies, approved by the leadership."""
    with atomic_action(actor, "copy.reproduce_request", obj=copy):
        copy = _lock(copy)
        _require_keeper(actor, copy.carrier)
        _require_status(copy, SHELVED_STATUSES, _("复制"))
        if not 1 <= count <= MAX_REPRODUCE:
            raise Invalid(_("复制份数须在 1 到 %(n)s 之间") % {"n": MAX_REPRODUCE})
        top = copy.level == Level.TOP_SECRET
        return request_submit(
            actor=actor, request_type=REPRODUCE, subject=copy, title=f"复制 {copy.label} {count} 份", reason=reason,
            level=copy.level, unit=_root_unit(actor.unit) if top else None,
            payload={"copy": copy.pk, "count": count},
        )


def _reproduce_approved(request: ApprovalRequest, decider: User) -> None:
    """New copies numbered after the last one, same mark and management, linked to the
    original (CARRIER-14), in the requesting 机要员's custody."""
    original = _lock(Copy(pk=int(request.payload["copy"])))
    _require_status(original, SHELVED_STATUSES, _("复制"))
    maker = request.requester
    _require_keeper(maker, original.carrier)
    carrier = Carrier.objects.select_for_update().get(pk=original.carrier_id)  # serialises numbering
    last = carrier.copies.aggregate(last=Max("serial"))["last"] or 0
    count = int(request.payload["count"])
    now = timezone.now()
    made = []
    for serial in range(last + 1, last + count + 1):
        new = Copy.objects.create(carrier=carrier, serial=serial, level=original.level, custodian=maker,
                                  location=original.location, storage=original.storage, origin=original)
        _move(new, kind=MovementKind.REPRODUCE, actor=maker, status_before="", at=now, to_person=maker,
              approval=request, note=_("复制自第%(n)s份") % {"n": original.number})
        made.append(new.number)
    record(actor=decider, action="copy.reproduce", obj=original,
           summary=f"复制 {original.label} {count} 份：{'、'.join(made)}（审批 #{request.pk}）",
           details={"approval": request.pk, "new_serials": made, "maker": maker.pk})


# ---------------------------------------------------------------- 发出, 清退, 归档, 丢失


def copy_dispatch(
    *, actor: User, copy: Copy, recipient_unit: str, channel: str, courier: str = "", note: str = ""
) -> Copy:
    """发文 (CARRIER-01): sent out through the 机要 channel or a named courier; ordinary post,
    e-mail and fax are refused for state secrets."""
    recipient_unit, courier = recipient_unit.strip(), courier.strip()
    with atomic_action(actor, "copy.dispatch", obj=copy):
        copy = _lock(copy)
        _require_keeper(actor, copy.carrier)
        _require_status(copy, [CopyStatus.IN_CUSTODY], _("发出"))
        if not recipient_unit:
            raise Invalid(_("请填写收件单位"))
        if channel not in Channel.values:
            raise Invalid(_("未知的传递方式"))
        if Level(copy.level).is_state_secret and channel not in CLASSIFIED_CHANNELS:
            raise Refused(_("涉密载体只能通过机要渠道或指定专人传递，不得普通邮寄、电子邮件或传真"))
        if channel == Channel.COURIER and not courier:
            raise Invalid(_("指定专人送达须填写递送人姓名"))
        if channel == Channel.COURIER and Level(copy.level).is_state_secret:
            courier = _confidential_courier(courier, Level(copy.level)).full_name
        before = copy.status
        copy.status, copy.custodian = CopyStatus.SENT, actor
        _save(copy, "status", "custodian")
        _move(copy, kind=MovementKind.DISPATCH, actor=actor, status_before=before, at=timezone.now(),
              from_person=actor, to_unit=recipient_unit[:200], channel=channel, courier=courier[:60],
              note=note.strip()[:300])
        record(actor=actor, action="copy.dispatch", obj=copy,
               summary=f"发出 {copy.label}（{Channel(channel).label}）",
               details={"recipient": recipient_unit, "channel": channel, "courier": courier})
    return copy


def _confidential_courier(name: str, level: Level) -> User:
    """COMM-06: a classified item carried by hand goes with a registered 机要通信员 in person,
    named by login or full name, cleared for its level; never a colleague asked to take it along."""
    found = list(User.objects.filter(Q(username=name) | Q(full_name=name), is_active=True,
                                     role_assignments__role=Role.COURIER).distinct()[:2])
    if len(found) != 1:
        raise Refused(_("机要信件必须由机要通信人员亲自投送，不得委托他人捎带：“%(name)s”不是登记的机要通信员")
                      % {"name": name})
    if not policy.may_know(found[0], level):
        raise Refused(_("机要通信员 %(name)s 的涉密类别不能投送%(level)s级载体") % {
            "name": found[0].full_name, "level": level.zh})
    return found[0]


def copies_hand_back(*, actor: User, copies: Sequence[Copy], note: str = "") -> list[Copy]:
    """清退 (CARRIER-16): return incoming copies to their issuing unit, as one 清退清单."""
    done: list[Copy] = []
    with atomic_action(actor, "copy.hand_back", obj=copies[0] if copies else None):
        if not copies:
            raise Invalid(_("请选择要清退的载体"))
        now = timezone.now()
        for given in copies:
            copy = _lock(given)
            _require_keeper(actor, copy.carrier)
            _require_status(copy, SHELVED_STATUSES, _("清退"))
            if copy.carrier.direction != Direction.INCOMING:
                raise Invalid(_("%(copy)s 不是收文，没有可清退的来文单位") % {"copy": copy.label})
            before = copy.status
            copy.status, copy.custodian = CopyStatus.RETURNED, actor
            _save(copy, "status", "custodian")
            _move(copy, kind=MovementKind.HAND_BACK, actor=actor, status_before=before, at=now, from_person=actor,
                  to_unit=copy.carrier.source_unit, note=note.strip()[:300])
            record(actor=actor, action="copy.hand_back", obj=copy,
                   summary=f"清退 {copy.label} 至来文单位", details={"to_unit": copy.carrier.source_unit})
            done.append(copy)
    return done


def copy_archive(*, actor: User, copy: Copy, location: str, storage: str) -> Copy:
    """归档 (ARCH-01): into the archive, kept by the 秘书股; lent out afterwards only with approval."""
    with atomic_action(actor, "copy.archive", obj=copy):
        copy = _lock(copy)
        _require_keeper(actor, copy.carrier)
        _require_status(copy, [CopyStatus.IN_CUSTODY], _("归档"))
        if not location.strip():
            raise Invalid(_("请填写档案存放位置"))
        _require_review_before_archive(copy.carrier, timezone.localdate())
        _require_storage(copy.level, storage)
        before = copy.status
        copy.status, copy.custodian, copy.location, copy.storage = (
            CopyStatus.ARCHIVED, actor, location.strip()[:100], storage)
        _save(copy, "status", "custodian", "location", "storage")
        _move(copy, kind=MovementKind.ARCHIVE, actor=actor, status_before=before, at=timezone.now(),
              to_person=actor, note=copy.location)
        record(actor=actor, action="copy.archive", obj=copy, summary=f"归档 {copy.label}",
               details={"storage": storage})
    return copy


def copy_report_lost(*, actor: User, copy: Copy, note: str) -> Copy:
    """丢失: recorded at once, the secrecy office alerted and an incident draft (待核实) opened in
    `baomi.incidents`. A lost copy takes no further movement."""
    with atomic_action(actor, "copy.lost", obj=copy):
        copy = _lock(copy)
        keeper = policy.reason_may_keep_carrier(actor, copy.carrier.level, copy.carrier.unit_id) is None
        if copy.custodian_id != actor.pk and not keeper:
            raise Refused(_("只有持有人或机要员、保密员可以报告丢失"))
        _require_status(copy, HELD_STATUSES, _("报告丢失"))
        if not note.strip():
            raise Invalid(_("请说明丢失经过"))
        before, holder = copy.status, copy.custodian
        copy.status, copy.due_at = CopyStatus.LOST, None
        _save(copy, "status", "due_at")
        now = timezone.now()
        _move(copy, kind=MovementKind.LOSE, actor=actor, status_before=before, at=now, from_person=holder,
              note=note.strip()[:300])
        Notice.objects.create(kind=NoticeKind.LOST, copy=copy, person=holder, due_at=now)
        record(actor=actor, action="copy.lost", obj=copy,
               summary=f"报告丢失 {copy.label}（责任人 {holder.username}），已通知保密办",
               details={"holder": holder.pk})
        from baomi.incidents.services import incident_draft  # 泄密事件 待核实 (INC-01)

        incident_draft(actor=actor, title=f"载体丢失：{copy.label}", level=copy.level, kind="lost",
                       circumstances=note.strip(), source="carriers.lost", source_ref=str(copy.pk),
                       people=[holder], carrier_copies=[copy])
    return copy


# ---------------------------------------------------------------- 销毁 (destroy: approval, witnesses)


def destruction_create(
    *, actor: User, copies: Sequence[Copy], method: str, site: str, witnesses: Sequence[User], reason: str
) -> DestructionList:
    """销毁清单 (CARRIER-19, CARRIER-20): drawn up by a keeper, sent for approval, destroyed
    later in front of two named witnesses."""
    with atomic_action(actor, "destruction.create"):
        if not copies:
            raise Invalid(_("请选择要销毁的载体"))
        if method not in DestructionMethod.values:
            raise Invalid(_("未知的销毁方式"))
        if not site.strip():
            raise Invalid(_("请填写销毁地点"))
        if len(witnesses) != 2 or witnesses[0].pk == witnesses[1].pk:
            raise Invalid(_("须指定两名不同的监销人"))
        locked = [_lock(c) for c in copies]
        for copy in locked:
            _require_keeper(actor, copy.carrier)
            _require_status(copy, SHELVED_STATUSES, _("列入销毁清单"))
        open_lists = DestructionList.objects.filter(
            copies__in=locked, status__in=[DestructionStatus.PENDING, DestructionStatus.APPROVED])
        if open_lists.exists():
            raise Conflict(_("所选载体已在其他待销毁清单中"))
        level = max(c.level for c in locked)
        for witness in witnesses:
            if witness.pk == actor.pk:
                raise Invalid(_("经办人不能兼任监销人"))
            if not witness.is_active or witness.admin_role or not policy.may_know(witness, Level(level)):
                raise Refused(_("监销人 %(name)s 的涉密类别不能知悉%(level)s级载体")
                              % {"name": witness.full_name or witness.username, "level": Level(level).zh})
        year = timezone.localdate().year
        dlist = DestructionList.objects.create(
            number=f"销{year}-{_next_number(f'destruction-{year}'):04d}", level=level, method=method,
            site=site.strip()[:200], reason=reason.strip(), witness_1=witnesses[0], witness_2=witnesses[1],
            created_by=actor)
        dlist.copies.set(locked)
        dlist.approval = request_submit(
            actor=actor, request_type=DESTROY, subject=dlist, title=f"销毁清单 {dlist.number}（{len(locked)} 份）",
            reason=reason, level=level, payload={"list": dlist.pk})
        dlist.save(update_fields=["approval"])
        record(actor=actor, action="destruction.create", obj=dlist,
               summary=f"提交销毁清单 {dlist.number}：{'、'.join(c.label for c in locked)}"[:300],
               details={"copies": [c.pk for c in locked], "method": method,
                        "witnesses": [w.pk for w in witnesses]})
    return dlist


def _lock_list(pk: int) -> DestructionList:
    return DestructionList.objects.select_for_update().get(pk=pk)


def _destruction_approved(request: ApprovalRequest, decider: User) -> None:
    dlist = _lock_list(int(request.payload["list"]))
    if dlist.status != DestructionStatus.PENDING:
        raise Conflict(_("该销毁清单不在审批中"))
    dlist.status = DestructionStatus.APPROVED
    dlist.save(update_fields=["status"])
    record(actor=decider, action="destruction.approve", obj=dlist, summary=f"销毁清单 {dlist.number} 已批准，待监销")


def _destruction_closed(request: ApprovalRequest, decider: User) -> None:
    dlist = _lock_list(int(request.payload["list"]))
    if dlist.status == DestructionStatus.PENDING:
        dlist.status = DestructionStatus.REJECTED
        dlist.save(update_fields=["status"])
        record(actor=decider, action="destruction.reject", obj=dlist, summary=f"销毁清单 {dlist.number} 未获批准")


def destruction_sign(*, actor: User, destruction: DestructionList, password: str) -> DestructionList:
    """A named witness (监销人) signs, re-entering their password as the signature."""
    with atomic_action(actor, "destruction.sign", obj=destruction):
        dlist = _lock_list(destruction.pk)
        if actor.pk not in (dlist.witness_1_id, dlist.witness_2_id):
            raise Refused(_("您不是该销毁清单的监销人"))
        if dlist.status != DestructionStatus.APPROVED:
            raise Conflict(_("销毁清单尚未批准或已办结"))
        field = "witness_1_signed_at" if actor.pk == dlist.witness_1_id else "witness_2_signed_at"
        if getattr(dlist, field) is not None:
            raise Conflict(_("您已签字"))
        if not actor.check_password(password):
            raise Refused(_("签字密码不正确"))
        setattr(dlist, field, timezone.now())
        dlist.save(update_fields=[field])
        record(actor=actor, action="destruction.sign", obj=dlist,
               summary=f"{actor.username} 作为监销人在销毁清单 {dlist.number} 上签字（{dlist.signatures}/2）")
    return dlist


def destruction_execute(*, actor: User, destruction: DestructionList) -> DestructionList:
    """销毁: approved and signed by both witnesses, the keeper destroys every copy on the list
    and a certificate number is issued. A destroyed copy never changes again (the database
    refuses it too)."""
    with atomic_action(actor, "destruction.execute", obj=destruction):
        dlist = _lock_list(destruction.pk)
        if dlist.status != DestructionStatus.APPROVED:
            raise Conflict(_("销毁清单尚未批准或已办结"))
        if dlist.signatures < 2:
            raise Refused(_("须两名监销人签字后方可销毁"))
        now = timezone.now()
        copies = [_lock(c) for c in dlist.copies.order_by("pk")]
        for copy in copies:
            _require_keeper(actor, copy.carrier)
            _require_status(copy, SHELVED_STATUSES, _("销毁"))
        for copy in copies:
            # The ledger entry first: once the copy is destroyed the database takes no more.
            Movement.objects.create(
                copy=copy, kind=MovementKind.DESTROY, actor=actor, from_person=copy.custodian,
                status_before=copy.status, status_after=CopyStatus.DESTROYED, at=now, destruction=dlist,
                note=f"{DestructionMethod(dlist.method).label}，{dlist.site}"[:300])
            copy.status, copy.due_at = CopyStatus.DESTROYED, None
            _save(copy, "status", "due_at")
            record(actor=actor, action="copy.destroy", obj=copy,
                   summary=f"销毁 {copy.label}（清单 {dlist.number}）", details={"list": dlist.pk})
        year = timezone.localdate(now).year
        dlist.status, dlist.destroyed_at, dlist.destroyed_by = DestructionStatus.DONE, now, actor
        dlist.certificate_no = f"销证{year}-{_next_number(f'certificate-{year}'):04d}"
        dlist.save(update_fields=["status", "destroyed_at", "destroyed_by", "certificate_no"])
        record(actor=actor, action="destruction.execute", obj=dlist,
               summary=f"销毁清单 {dlist.number} 已销毁 {len(copies)} 份，证明编号 {dlist.certificate_no}",
               details={"method": dlist.method, "site": dlist.site})
    return dlist


# ---------------------------------------------------------------- 携带外出 (take out, by approval)

# CARRIER-30 (never home), CARRIER-31 (no sightseeing, visits, social events or public places),
# EXT-03 (no foreign-affairs events): a 事由 naming one of these is refused outright.
FORBIDDEN_TAKE_OUT = (
    ("回家", "CARRIER-30"), ("带回家", "CARRIER-30"), ("家中", "CARRIER-30"),
    ("游览", "CARRIER-31"), ("旅游", "CARRIER-31"), ("参观", "CARRIER-31"), ("探亲", "CARRIER-31"),
    ("访友", "CARRIER-31"), ("公共场所", "CARRIER-31"), ("社交", "CARRIER-31"),
    ("涉外", "EXT-03"), ("外事", "EXT-03"),
)
MAX_TAKE_OUT_DAYS = MAX_LEND_DAYS  # the seed names no period, only that it comes back


def _take_out_refusal(*texts: str) -> str | None:
    joined = " ".join(texts)
    for word, rule in FORBIDDEN_TAKE_OUT:
        if word in joined:
            return _("涉密载体不得因“%(word)s”携带外出（%(rule)s）：只可因会议等工作需要，由本人或指定专人保管"
                     ) % {"word": word, "rule": rule}
    return None


def copy_take_out_request(
    *, actor: User, copy: Copy, reason: str, destination: str, due_at: datetime.datetime
) -> ApprovalRequest:
    """携带外出申请 (CARRIER-30): the person who will carry the copy and answer for it asks;
    the 事由 must be work (a meeting and the like) — home, sightseeing, visits, social events,
    public places and foreign-affairs events are refused (CARRIER-31, EXT-03). The carrier must
    be inside their clearance and need-to-know. 绝密 goes to the unit's leadership."""
    reason, destination = reason.strip(), destination.strip()
    with atomic_action(actor, "copy.take_out_request", obj=copy):
        copy = _lock(copy)
        _require_holder_allowed(actor, copy.carrier)
        _require_status(copy, [CopyStatus.IN_CUSTODY], _("携带外出"))
        if not destination:
            raise Invalid(_("请填写携带前往的地点"))
        refusal = _take_out_refusal(reason, destination)
        if refusal:
            raise Refused(refusal)
        now = timezone.now()
        if not now < due_at <= now + datetime.timedelta(days=MAX_TAKE_OUT_DAYS):
            raise Invalid(_("带回时间须在现在到 %(n)s 天之内") % {"n": MAX_TAKE_OUT_DAYS})
        top = copy.level == Level.TOP_SECRET
        return request_submit(
            actor=actor, request_type=TAKE_OUT, subject=copy, title=f"携带外出 {copy.label}", reason=reason,
            level=copy.level, unit=_root_unit(actor.unit) if top else None,
            payload={"copy": copy.pk, "destination": destination[:200], "due_at": due_at.isoformat()},
        )


def _take_out_approved(request: ApprovalRequest, decider: User) -> None:
    """The final approval hands the copy to the requester, who answers for it until it is back."""
    carrier_person = request.requester
    copy = _lock(Copy(pk=int(request.payload["copy"])))
    _require_status(copy, [CopyStatus.IN_CUSTODY], _("携带外出"))
    _require_holder_allowed(carrier_person, copy.carrier)
    now = timezone.now()
    due_at = datetime.datetime.fromisoformat(request.payload["due_at"])
    if due_at <= now:
        raise Conflict(_("申请的带回时间已过，请申请人重新申请"))
    destination = str(request.payload.get("destination", ""))
    before, holder = copy.status, copy.custodian
    copy.status, copy.custodian, copy.due_at = CopyStatus.TAKEN_OUT, carrier_person, due_at
    _save(copy, "status", "custodian", "due_at")
    _move(copy, kind=MovementKind.TAKE_OUT, actor=decider, status_before=before, at=now, from_person=holder,
          to_person=carrier_person, to_unit=destination[:200], due_at=due_at, approval=request,
          note=request.reason[:300])
    record(actor=decider, action="copy.take_out", obj=copy,
           summary=f"{carrier_person.username} 携带 {copy.label} 外出（审批 #{request.pk}），"
                   f"应于 {timezone.localtime(due_at):%Y-%m-%d %H:%M} 前带回",
           details={"holder": carrier_person.pk, "approval": request.pk, "due_at": due_at.isoformat(),
                    "destination": destination})


def copy_bring_back(*, actor: User, copy: Copy, note: str = "") -> Copy:
    """带回: a copy taken out comes back to the keeper who handed it over (or the keeper
    recording it), who confirms its return (CARRIER-30)."""
    with atomic_action(actor, "copy.bring_back", obj=copy):
        copy = _lock(copy)
        carrier = copy.carrier
        keeper = policy.reason_may_keep_carrier(actor, carrier.level, carrier.unit_id) is None
        _require_status(copy, [CopyStatus.TAKEN_OUT], _("带回"))
        if copy.custodian_id != actor.pk and not keeper:
            raise Refused(_("只有携带人或机要员可以办理带回"))
        issued = (copy.movements.filter(kind=MovementKind.TAKE_OUT).select_related("from_person")
                  .latest("at", "id"))
        receiver = actor if keeper else (issued.from_person or carrier.created_by)
        now = timezone.now()
        overdue = copy.due_at is not None and copy.due_at < now
        before, holder = copy.status, copy.custodian
        copy.status, copy.custodian, copy.due_at = CopyStatus.IN_CUSTODY, receiver, None
        _save(copy, "status", "custodian", "due_at")
        _move(copy, kind=MovementKind.RETURN, actor=actor, status_before=before, at=now, from_person=holder,
              to_person=receiver, note=(note.strip() or (_("逾期带回") if overdue else _("携带外出带回")))[:300])
        late = "（逾期）" if overdue else ""
        record(actor=actor, action="copy.bring_back", obj=copy,
               summary=f"{holder.username} 携带外出的 {copy.label} 已带回，由 {receiver.username} 接收{late}",
               details={"from": holder.pk, "to": receiver.pk, "overdue": overdue})
    return copy


# ---------------------------------------------------------------- 知悉范围 (need-to-know: widen by approval)


def _ntk_check(carrier: Carrier, people: Sequence[User], units: Sequence[Unit]) -> None:
    if carrier.level == Level.TOP_SECRET and units:
        raise Invalid(_("绝密载体的知悉范围须具体到人，不能按单位确定"))
    for person in people:
        if not person.is_active or person.admin_role or not policy.may_know(person, carrier.level_enum):
            raise Refused(_("%(name)s 不能列入%(level)s级载体的知悉范围（涉密类别不足或账户不可用）")
                          % {"name": person.full_name or person.username, "level": carrier.level_enum.zh})


def carrier_need_to_know_add_request(
    *, actor: User, carrier: Carrier, people: Sequence[User] = (), units: Sequence[Unit] = (), reason: str
) -> ApprovalRequest:
    """扩大知悉范围 (CARRIER-04: "不经批准，不许随意扩大范围"): a keeper asks; people whose
    clearance is below the carrier's level are refused at once; the rest are added only when
    the request is approved."""
    with atomic_action(actor, "carrier.need_to_know_request", obj=carrier):
        carrier = Carrier.objects.select_for_update().get(pk=carrier.pk)
        _require_keeper(actor, carrier)
        if not people and not units:
            raise Invalid(_("请选择要加入知悉范围的人员或单位"))
        _ntk_check(carrier, people, units)
        new_people = [p for p in people if not carrier.need_to_know_people.filter(pk=p.pk).exists()]
        new_units = [u for u in units if not carrier.need_to_know_units.filter(pk=u.pk).exists()]
        if not new_people and not new_units:
            raise Invalid(_("所选人员和单位已在知悉范围内"))
        top = carrier.level == Level.TOP_SECRET
        return request_submit(
            actor=actor, request_type=NEED_TO_KNOW, subject=carrier,
            title=f"扩大 {carrier.register_no} 知悉范围（{len(new_people)} 人，{len(new_units)} 个单位）",
            reason=reason, level=carrier.level, unit=_root_unit(actor.unit) if top else carrier.unit,
            payload={"carrier": carrier.pk, "people": [p.pk for p in new_people],
                     "units": [u.pk for u in new_units]},
        )


def _need_to_know_approved(request: ApprovalRequest, decider: User) -> None:
    carrier = Carrier.objects.select_for_update().get(pk=int(request.payload["carrier"]))
    people = list(User.objects.filter(pk__in=request.payload.get("people", [])).order_by("pk"))
    units = list(Unit.objects.filter(pk__in=request.payload.get("units", [])).order_by("pk"))
    _ntk_check(carrier, people, units)  # clearances may have changed while it waited
    carrier.need_to_know_people.add(*people)
    carrier.need_to_know_units.add(*units)
    record(actor=decider, action="carrier.need_to_know_add", obj=carrier,
           summary=f"扩大 {carrier.register_no} 知悉范围：{'、'.join(p.username for p in people) or '—'}"
                   f"；单位 {'、'.join(u.name for u in units) or '—'}（审批 #{request.pk}）"[:300],
           details={"people": [p.pk for p in people], "units": [u.pk for u in units], "approval": request.pk,
                    "requester": request.requester_id})


def carrier_need_to_know_remove(
    *, actor: User, carrier: Carrier, people: Sequence[User] = (), units: Sequence[Unit] = (), reason: str = ""
) -> Carrier:
    """缩小知悉范围: a keeper may narrow it without approval (audited), but not while someone
    who would fall outside it still holds a copy — take it back first."""
    with atomic_action(actor, "carrier.need_to_know_remove", obj=carrier):
        carrier = Carrier.objects.select_for_update().get(pk=carrier.pk)
        _require_keeper(actor, carrier)
        people = [p for p in people if carrier.need_to_know_people.filter(pk=p.pk).exists()]
        units = [u for u in units if carrier.need_to_know_units.filter(pk=u.pk).exists()]
        if not people and not units:
            raise Invalid(_("所选人员和单位不在知悉范围内"))
        carrier.need_to_know_people.remove(*people)
        carrier.need_to_know_units.remove(*units)
        for copy in carrier.copies.filter(status__in=OUT_STATUSES).select_related("custodian"):
            if policy.reason_may_hold_carrier(copy.custodian, carrier):
                raise Conflict(_("%(name)s 仍持有 %(copy)s，须先收回再缩小知悉范围")
                               % {"name": copy.custodian.full_name or copy.custodian.username, "copy": copy.label})
        record(actor=actor, action="carrier.need_to_know_remove", obj=carrier,
               summary=f"缩小 {carrier.register_no} 知悉范围：{'、'.join(p.username for p in people) or '—'}"
                       f"；单位 {'、'.join(u.name for u in units) or '—'}"[:300],
               details={"people": [p.pk for p in people], "units": [u.pk for u in units],
                        "reason": reason.strip()[:200]})
    return carrier


# ---------------------------------------------------------------- reminders (jobs.tick)


def notices_issue(*, now: datetime.datetime | None = None) -> list[str]:
    """Overdue copies (CARRIER-06, CARRIER-17) and incoming copies whose 清退 deadline is within
    the month (CARRIER-16): one notice per copy and due time, so running it again adds nothing."""
    now = now or timezone.now()
    done: list[str] = []
    current_issue = Movement.objects.filter(copy=OuterRef("pk"), kind__in=ISSUE_KINDS).order_by("-at", "-id")
    overdue = (Copy.objects.filter(status__in=OUT_STATUSES, due_at__lt=now)
               .annotate(issue_id=Subquery(current_issue.values("pk")[:1]))
               .select_related("carrier", "custodian").order_by("due_at"))
    soon = timezone.localdate(now) + datetime.timedelta(days=30)
    hand_back = (Copy.objects.filter(status__in=SHELVED_STATUSES, carrier__direction=Direction.INCOMING,
                                     carrier__return_by__isnull=False, carrier__return_by__lte=soon)
                 .select_related("carrier", "custodian").order_by("carrier__return_by"))
    for kind, copies in ((NoticeKind.OVERDUE, overdue), (NoticeKind.HAND_BACK_DUE, hand_back)):
        for copy in copies:
            issue = getattr(copy, "issue_id", None)
            due = copy.due_at if kind == NoticeKind.OVERDUE else _workday_end(copy.carrier.return_by)  # type: ignore[arg-type]
            assert due is not None  # both querysets filter on it
            if Notice.objects.filter(kind=kind, copy=copy, due_at=due, issue_id=issue).exists():
                continue
            try:
                with transaction.atomic():
                    Notice.objects.create(kind=kind, copy=copy, person=copy.custodian, due_at=due, issue_id=issue)
                    label = NoticeKind(kind).label
                    record(actor=None, actor_username="scheduler", action=f"copy.remind_{kind}", obj=copy,
                           summary=f"提醒 {copy.custodian.username}：{copy.label} {label}"
                                   f"（{timezone.localtime(due):%Y-%m-%d %H:%M}）",
                           details={"person": copy.custodian_id, "due_at": due.isoformat()})
            except IntegrityError:  # another tick issued it at the same moment
                continue
            done.append(f"{NoticeKind(kind).label}: {copy.label}")
    return done


# ---------------------------------------------------------------- approval types


def _may_decide(request: ApprovalRequest, person: User) -> str | None:
    """Whoever decides must be cleared for the level they decide about."""
    if request.level is not None and not policy.may_know(person, Level(request.level)):
        return _("您的涉密类别不能知悉%(level)s级事项，不能审批") % {"level": Level(request.level).zh}
    return None


def register_request_types() -> None:
    # Default routes (the security administrator overrides them with routing rules):
    # borrowing → the borrower's unit leader (绝密: the unit's leadership, CARRIER-11, by routing
    # the request to the top unit); copying → the unit's leadership (CARRIER-13, the strictest
    # section); destruction → the keeper's unit leader, then the secrecy office (CARRIER-19).
    registry.register(registry.RequestType(
        code=LEND, label="借阅涉密载体", on_approved=_lend_approved, may_decide=_may_decide,
        default_steps=(("approver", "requester_unit"),)))
    registry.register(registry.RequestType(
        code=REPRODUCE, label="复制涉密载体", on_approved=_reproduce_approved, may_decide=_may_decide,
        default_steps=(("approver", "org"),)))
    registry.register(registry.RequestType(
        code=DESTROY, label="销毁涉密载体", on_approved=_destruction_approved,
        on_rejected=_destruction_closed, may_decide=_may_decide,
        default_steps=(("approver", "requester_unit"), ("secrecy_officer", "org"))))
    # Taking out (CARRIER-30): the holder's unit leader, then the secrecy office; widening the
    # need-to-know (CARRIER-04): the carrier's unit leader (绝密: the unit's leadership).
    registry.register(registry.RequestType(
        code=TAKE_OUT, label="携带涉密载体外出", on_approved=_take_out_approved, may_decide=_may_decide,
        default_steps=(("approver", "requester_unit"), ("secrecy_officer", "org"))))
    registry.register(registry.RequestType(
        code=NEED_TO_KNOW, label="扩大知悉范围", on_approved=_need_to_know_approved, may_decide=_may_decide,
        default_steps=(("approver", "requester_unit"),)))
    # 摘抄 (CARRIER-15): approved like copying, by the unit's leadership.
    registry.register(registry.RequestType(
        code=EXCERPT, label="摘抄涉密载体", on_approved=_excerpt_approved, may_decide=_may_decide,
        default_steps=(("approver", "org"),)))


# ---------------------------------------------------------------- 摘抄 (excerpt, by approval, CARRIER-15)

# "不准为个人摘抄秘密文件": a 事由 naming a personal purpose is refused outright.
PERSONAL_EXCERPT_WORDS = ("个人", "自用", "私用", "私人", "自留", "留存", "备忘", "学习笔记")


def copy_excerpt_request(*, actor: User, copy: Copy, title: str, reason: str) -> ApprovalRequest:
    """摘抄申请 (CARRIER-15): someone inside the carrier's clearance and need-to-know (or its
    keeper) asks to excerpt from a copy in the register, for work; approved by the leadership
    like copying (CARRIER-13). The excerpt becomes a registered carrier (摘抄件) at the same
    level and management, linked to its source. Personal excerpts are refused."""
    title, reason = title.strip(), reason.strip()
    with atomic_action(actor, "copy.excerpt_request", obj=copy):
        copy = _lock(copy)
        carrier = copy.carrier
        if policy.reason_may_keep_carrier(actor, carrier.level, carrier.unit_id) is not None:
            _require_holder_allowed(actor, carrier)
        _require_status(copy, SHELVED_STATUSES, _("摘抄"))
        if not title:
            raise Invalid(_("请填写摘抄件的标题（摘抄内容）"))
        if not reason:
            raise Invalid(_("请填写摘抄事由"))
        for word in PERSONAL_EXCERPT_WORDS:
            if word in reason or word in title:
                raise Refused(_("不准为个人摘抄秘密文件（“%(word)s”）：摘抄只能因工作需要，经批准后登记为摘抄件")
                              % {"word": word}, details={"rule": "CARRIER-15"})
        top = copy.level == Level.TOP_SECRET
        return request_submit(
            actor=actor, request_type=EXCERPT, subject=copy, title=f"摘抄 {copy.label}", reason=reason,
            level=copy.level, unit=_root_unit(actor.unit) if top else None,
            payload={"copy": copy.pk, "title": title[:300]},
        )


def _excerpt_approved(request: ApprovalRequest, decider: User) -> None:
    """The excerpt is registered as a new carrier (摘抄件): the source's mark, level, unit and
    need-to-know, one copy in the custody of the keeper holding the source, linked to it."""
    source = _lock(Copy(pk=int(request.payload["copy"])))
    _require_status(source, SHELVED_STATUSES, _("摘抄"))
    origin = source.carrier
    requester = request.requester
    if policy.reason_may_keep_carrier(requester, origin.level, origin.unit_id) is not None:
        _require_holder_allowed(requester, origin)
    keeper = source.custodian
    now = timezone.now()
    today = timezone.localdate(now)
    while True:
        number = _next_number(f"{Direction.MADE}-{today.year}")
        register_no = f"{_PREFIX[Direction.MADE]}{today.year}-{number:04d}"
        if not Carrier.objects.filter(register_no=register_no).exists():
            break
    excerpt = Carrier.objects.create(
        register_no=register_no, direction=Direction.MADE, kind=CarrierKind.PAPER,
        title=str(request.payload.get("title", ""))[:300] or _("摘抄件"), level=origin.level, marking=origin.marking,
        period_stated=origin.period_stated, secret_type=origin.secret_type, unit=origin.unit, registered_on=today,
        note=_("摘抄自 %(copy)s（审批 #%(n)s）") % {"copy": source.label, "n": request.pk}, created_by=keeper,
        excerpt_of=source,
    )
    excerpt.sources.set([origin])
    excerpt.need_to_know_people.set(origin.need_to_know_people.all())
    excerpt.need_to_know_units.set(origin.need_to_know_units.all())
    new = Copy.objects.create(carrier=excerpt, serial=1, level=origin.level, custodian=keeper,
                              location=source.location, storage=source.storage)
    _move(new, kind=MovementKind.EXCERPT, actor=requester, status_before="", at=now, to_person=keeper,
          approval=request, note=_("摘抄自 %(copy)s") % {"copy": source.label})
    record(actor=decider, action="copy.excerpt", obj=excerpt,
           summary=f"摘抄 {source.label}，登记为摘抄件 {excerpt.register_no}（审批 #{request.pk}）",
           details={"approval": request.pk, "source_copy": source.pk, "requester": requester.pk,
                    "keeper": keeper.pk})


# ---------------------------------------------------------------- 印制 (printing, CARRIER-21..25)

#: CARRIER-24 "定时烧毁": waste pages not destroyed after this many days are reminded.
def waste_days() -> int:
    return int(getattr(settings, "BAOMI_WASTE_DESTROY_DAYS", 7))


PRINTABLE_DIRECTIONS = (Direction.MADE, Direction.OUTGOING)


def print_job_create(
    *, actor: User, carrier: Carrier, computer: str, copies: int, proofreader: User | None = None, note: str = ""
) -> PrintJob:
    """印制 (CARRIER-22, CARRIER-23): a keeper (the designated printer) prints copies of a
    carrier made here on a named 涉密计算机. The authorised number is the carrier's registered
    copies (as approved); the copies printed take their 份号 in order, and printing beyond the
    authorised number is refused (不得多印自留). Each printed copy gets a ledger entry."""
    computer, note = computer.strip(), note.strip()
    with atomic_action(actor, "printing.create", obj=carrier):
        carrier = Carrier.objects.select_for_update().get(pk=carrier.pk)  # serialises the numbering
        _require_keeper(actor, carrier)
        if carrier.direction not in PRINTABLE_DIRECTIONS:
            raise Invalid(_("只有本单位制作或发文的载体在本单位印制"))
        if not computer:
            raise Invalid(_("请填写所用的涉密计算机"))
        if proofreader is not None and (proofreader.pk == actor.pk or not proofreader.is_active
                                        or proofreader.admin_role
                                        or not policy.may_know(proofreader, carrier.level_enum)):
            raise Refused(_("校对、装订经办人须为打印人以外、涉密类别能够知悉%(level)s级的人员")
                          % {"level": carrier.level_enum.zh})
        originals = list(carrier.copies.filter(origin__isnull=True).order_by("serial"))
        authorised = len(originals)
        done = sum(j.copies_printed for j in carrier.print_jobs.all())
        if copies < 1:
            raise Invalid(_("印制份数至少为 1"))
        if done + copies > authorised:
            raise Refused(_("不得多印自留：核定 %(n)s 份，已印制 %(done)s 份，本次最多还可印制 %(left)s 份")
                          % {"n": authorised, "done": done, "left": authorised - done},
                          details={"authorised": authorised, "printed": done, "asked": copies, "rule": "CARRIER-23"})
        batch = originals[done:done + copies]
        now = timezone.now()
        year = timezone.localdate(now).year
        job = PrintJob.objects.create(
            number=f"印{year}-{_next_number(f'print-{year}'):04d}", carrier=carrier, level=carrier.level,
            authorised=authorised, first_serial=batch[0].serial, last_serial=batch[-1].serial,
            computer=computer[:100], printed_by=actor, proofreader=proofreader, printed_at=now, note=note[:300])
        for given in batch:
            copy = _lock(given)
            _require_status(copy, [CopyStatus.IN_CUSTODY], _("印制"))
            _move(copy, kind=MovementKind.PRINT, actor=actor, status_before=copy.status, at=now, to_person=actor,
                  note=_("印制单 %(no)s，涉密计算机 %(pc)s") % {"no": job.number, "pc": job.computer})
        record(actor=actor, action="printing.create", obj=job,
               summary=f"印制 {carrier.register_no} 第{batch[0].number}—{batch[-1].number}份（{copies} 份，"
                       f"核定 {authorised} 份），印制单 {job.number}",
               details={"carrier": carrier.pk, "computer": job.computer, "copies": copies, "authorised": authorised,
                        "proofreader": proofreader.pk if proofreader else None})
    return job


def _lock_job(pk: int) -> PrintJob:
    found = PrintJob.objects.select_for_update(of=("self",)).select_related("carrier").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def print_job_close(
    *, actor: User, job: PrintJob, waste_pages: int, waste_description: str = "", drafts_locked: bool
) -> PrintJob:
    """结束印制: the waste pages are counted and put in the 待销毁废页 queue (CARRIER-21,
    CARRIER-24), and the end-of-day checklist is confirmed — unfinished drafts locked away
    (CARRIER-25); without that confirmation the job is not closed."""
    waste_description = waste_description.strip()
    with atomic_action(actor, "printing.close", obj=job):
        job = _lock_job(job.pk)
        _require_keeper(actor, job.carrier)
        if job.status != PrintJobStatus.OPEN:
            raise Conflict(_("印制单 %(no)s 已结束") % {"no": job.number})
        if waste_pages < 0:
            raise Invalid(_("废页张数不能为负数"))
        if waste_pages and not waste_description:
            raise Invalid(_("请说明废页内容（如 校样、错页）"))
        if not drafts_locked:
            raise Refused(_("须确认未打印完的密件文稿已妥善入柜保管，方可结束印制（CARRIER-25）"))
        now = timezone.now()
        if waste_pages:
            WasteBatch.objects.create(print_job=job, level=job.level, pages=waste_pages,
                                      description=waste_description[:300], recorded_at=now, recorded_by=actor)
        job.status, job.closed_at, job.closed_by, job.drafts_locked = PrintJobStatus.CLOSED, now, actor, True
        job.save(update_fields=["status", "closed_at", "closed_by", "drafts_locked"])
        record(actor=actor, action="printing.close", obj=job,
               summary=f"印制单 {job.number} 结束：废页 {waste_pages} 张待销毁，下班前文稿已入柜",
               details={"waste_pages": waste_pages, "drafts_locked": True})
    return job


def waste_destroy(*, actor: User, batches: Sequence[WasteBatch], witness: User, method: str) -> list[WasteBatch]:
    """废页定时销毁 (CARRIER-24): a keeper destroys the waste pages in the queue in front of a
    witness cleared for their level; each batch is recorded with method, time and witness."""
    done: list[WasteBatch] = []
    with atomic_action(actor, "printing.waste_destroy", obj=batches[0] if batches else None):
        if not batches:
            raise Invalid(_("请选择要销毁的废页"))
        if method not in DestructionMethod.values:
            raise Invalid(_("未知的销毁方式"))
        if witness.pk == actor.pk:
            raise Invalid(_("经办人不能兼任监销人"))
        now = timezone.now()
        locked = list(WasteBatch.objects.select_for_update(of=("self",)).select_related("print_job__carrier")
                      .filter(pk__in=[b.pk for b in batches]).order_by("pk"))
        if len(locked) != len({b.pk for b in batches}):
            raise NotFound(_("对象不存在"))
        level = max(b.level for b in locked)
        if not witness.is_active or witness.admin_role or not policy.may_know(witness, Level(level)):
            raise Refused(_("监销人 %(name)s 的涉密类别不能知悉%(level)s级载体")
                          % {"name": witness.full_name or witness.username, "level": Level(level).zh})
        for batch in locked:
            _require_keeper(actor, batch.print_job.carrier)
            if batch.destroyed_at is not None:
                raise Conflict(_("印制单 %(no)s 的废页已销毁") % {"no": batch.print_job.number})
            batch.destroyed_at, batch.destroyed_by, batch.witness, batch.method = now, actor, witness, method
            batch.save(update_fields=["destroyed_at", "destroyed_by", "witness", "method"])
            record(actor=actor, action="printing.waste_destroy", obj=batch.print_job,
                   summary=f"销毁印制单 {batch.print_job.number} 废页 {batch.pages} 张"
                           f"（{DestructionMethod(method).label}，监销人 {witness.username}）",
                   details={"waste": batch.pk, "pages": batch.pages, "method": method, "witness": witness.pk})
            done.append(batch)
    return done


def waste_remind(*, now: datetime.datetime | None = None) -> list[str]:
    """Waste pages kept longer than `BAOMI_WASTE_DESTROY_DAYS` (default 7) and not destroyed:
    one reminder each (recorded; the keepers see them in 我的待办 until destroyed)."""
    now = now or timezone.now()
    done: list[str] = []
    stale = (WasteBatch.objects.filter(destroyed_at__isnull=True, reminded_at__isnull=True,
                                       recorded_at__lt=now - datetime.timedelta(days=waste_days()))
             .select_related("print_job").order_by("recorded_at", "pk"))
    for batch in stale:
        with transaction.atomic():
            if not WasteBatch.objects.filter(pk=batch.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue  # another tick reminded it
            record(actor=None, actor_username="scheduler", action="printing.remind_waste", obj=batch.print_job,
                   summary=f"提醒：印制单 {batch.print_job.number} 的废页 {batch.pages} 张超过 {waste_days()} 天未销毁",
                   details={"waste": batch.pk, "recorded_at": batch.recorded_at.isoformat()})
        done.append(f"废页待销毁: {batch.print_job.number}")
    return done


# ---------------------------------------------------------------- 年度清理 (annual clean-up, CARRIER-18)

CLEANUP_MONTH = 12  # "年终": the reminder comes in December


def cleanup_remind(*, today: datetime.date | None = None) -> list[str]:
    """Once a year, in December, the keepers are reminded to go through the clean-up list
    (the reminder is recorded once; the list itself is on the 年度清理 page and in 我的待办)."""
    today = today or timezone.localdate()
    if today.month != CLEANUP_MONTH:
        return []
    with transaction.atomic():
        counter, _created = Counter.objects.select_for_update().get_or_create(key=f"cleanup-remind-{today.year}")
        if counter.value:
            return []
        counter.value = 1
        counter.save(update_fields=["value"])
        record(actor=None, actor_username="scheduler", action="carriers.cleanup_remind",
               object_type="carrier_cleanup", object_id=str(today.year),
               summary=f"提醒机要员、保密员：开展 {today.year} 年度文件清理（清退、归档、销毁须登记、审批）",
               details={"year": today.year})
    return [f"年度清理提醒: {today.year}"]
