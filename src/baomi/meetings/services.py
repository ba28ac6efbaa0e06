"""Every change to meetings: 会场登记, 筹备, 报批, 签到, 开始, 材料发放与收回, 会议记录, 结束, 取消.

Each service checks policy, locks the meeting row, writes the change and its audit event in one
transaction (`atomic_action`). Audit summaries name the meeting number, never its title.

Materials are numbered copies of registered carriers handed out through the carriers module's
传阅 (`copy_circulate`, due at the meeting's end) and taken back with `copy_return`; the minutes
are registered with `carrier_register` at the meeting's level, need-to-know = the attendees.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import marking, policy
from baomi.accounts.models import Unit, User
from baomi.approvals import registry
from baomi.approvals.models import ApprovalRequest
from baomi.approvals.services import request_submit
from baomi.audit.services import atomic_action, record
from baomi.carriers import services as carriers
from baomi.carriers.models import Carrier, Copy, Direction, StorageClass
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Level
from baomi.meetings.models import Attendee, Material, Meeting, MeetingStatus, PhoneDeposit, Reminder, Venue

HOLD = "meetings.hold"
REMIND_BEFORE_DAYS = 3

#: The rules each attendee acknowledges before entry (MEET-02, MEET-05, MEET-09; S5, S13).
ENTRY_RULES = (
    _("不得携带手机等无线通信设备进入会场（手机存放登记）"),
    _("会场不使用无线话筒"),
    _("未经批准不得录音、录像、拍照；规定不准记录的内容不得记录"),
    _("会议材料不得带离会场，会议结束时全部交回"),
    _("会议内容未正式公布前不得向外透露"),
)


def _name(person: User) -> str:
    return person.full_name or person.username


def _lock(meeting: Meeting) -> Meeting:
    found = Meeting.objects.select_for_update(of=("self",)).filter(pk=meeting.pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def _require_runner(actor: User, meeting: Meeting) -> None:
    reason = policy.reason_may_run_meeting(actor, meeting)
    if reason:
        raise Refused(reason)


def _require_status(meeting: Meeting, allowed: Sequence[str], doing: str) -> None:
    if meeting.status not in allowed:
        raise Conflict(_("会议当前状态为“%(status)s”，不能%(doing)s") % {
            "status": meeting.get_status_display(), "doing": doing})


def _venue_refusal(venue: Venue, level: int) -> str | None:
    if venue.max_level is None or venue.max_level < level:
        return _("会场“%(venue)s”未核准召开%(level)s级会议") % {"venue": venue.name, "level": Level(level).zh}
    return None


def _attendee_refusal(person: User, meeting: Meeting) -> str | None:
    """Clearance for the meeting's level, and need-to-know of every material already listed."""
    name = _name(person)
    if not person.is_active or person.admin_role:
        return _("%(name)s 不能参加涉密会议") % {"name": name}
    if not policy.may_know(person, Level(meeting.level)):
        return _("%(name)s 的涉密类别不能知悉%(level)s级事项，不能参加本次会议") % {
            "name": name, "level": Level(meeting.level).zh}
    for carrier in Carrier.objects.filter(pk__in=_material_carriers(meeting)):
        reason = policy.reason_may_hold_carrier(person, carrier)
        if reason:
            return _("%(name)s 不在会议材料 %(no)s 的知悉范围内，不能参加本次会议") % {
                "name": name, "no": carrier.register_no}
    return None


def _material_carriers(meeting: Meeting) -> set[int]:
    issued = Material.objects.filter(meeting=meeting).values_list("copy__carrier_id", flat=True)
    return set(issued) | set(meeting.papers.values_list("pk", flat=True))


# ---------------------------------------------------------------- 会场 (venue register)


def venue_register(*, actor: User, name: str, max_level: int | None, shielded: bool = False,
                   checked_on: datetime.date | None = None, note: str = "") -> Venue:
    """The 保密办 keeps the venue register: which rooms may hold classified meetings, up to which level."""
    with atomic_action(actor, "meetings.venue_register"):
        if actor.admin_role or "secrecy_officer" not in policy.business_roles(actor):
            raise Refused(_("只有保密办可以登记会场"))
        name = name.strip()
        if not name:
            raise Invalid(_("请填写会场名称"))
        if max_level is not None and max_level not in [int(v) for v in Level if v >= Level.INTERNAL]:
            raise Invalid(_("未知的密级"))
        if Venue.objects.filter(name=name).exists():
            raise Conflict(_("会场 %(name)s 已登记") % {"name": name})
        venue = Venue.objects.create(name=name[:100], max_level=max_level, shielded=shielded, checked_on=checked_on,
                                     note=note.strip()[:200])
        level = Level(max_level).zh if max_level else "不得召开涉密会议"
        record(actor=actor, action="meetings.venue_register", obj=venue, summary=f"登记会场 {venue.name}（{level}）",
               details={"max_level": max_level, "shielded": shielded})
    return venue


# ---------------------------------------------------------------- 筹备 (plan)


def meeting_plan(*, actor: User, title: str, level: int, venue: Venue, starts_at: datetime.datetime,
                 ends_at: datetime.datetime, unit: Unit | None = None, clerk: User | None = None,
                 no_record: bool = False, recording_approved: bool = False) -> Meeting:
    """筹备会议 (MEET-01): level, an approved venue for that level, time; the planner organises."""
    with atomic_action(actor, "meetings.plan"):
        if actor.admin_role or not actor.is_active:
            raise Refused(_("三员分立：您的角色无权执行此操作"))
        title = title.strip()
        if not title:
            raise Invalid(_("请填写会议名称"))
        if level not in (int(Level.INTERNAL), int(Level.WORK_SECRET), int(Level.CONFIDENTIAL),
                         int(Level.SECRET), int(Level.TOP_SECRET)):
            raise Invalid(_("未知的密级"))
        if not policy.may_know(actor, Level(level)):
            raise Refused(_("您的涉密类别不能知悉%(level)s级事项") % {"level": Level(level).zh})
        if ends_at <= starts_at:
            raise Invalid(_("结束时间须晚于开始时间"))
        refusal = _venue_refusal(venue, level)
        if refusal:
            raise Refused(refusal, details={"venue": venue.pk, "level": level})
        if clerk is not None and (not policy.is_carrier_keeper(clerk) or not policy.may_know(clerk, Level(level))):
            raise Invalid(_("%(name)s 不是机要员，不能负责会议材料") % {"name": _name(clerk)})
        if no_record and recording_approved:
            raise Invalid(_("不准记录的会议不能批准录音录像"))
        unit = unit or actor.unit
        if unit is None:
            raise Invalid(_("请选择主办单位"))
        meeting = Meeting.objects.create(
            title=title[:200], level=level, venue=venue, starts_at=starts_at, ends_at=ends_at,
            unit=unit, organiser=actor, clerk=clerk, no_record=no_record,
            recording_approved=recording_approved, created_by=actor)
        Attendee.objects.create(meeting=meeting, person=actor)
        record(actor=actor, action="meetings.plan", obj=meeting,
               summary=f"筹备涉密会议 #{meeting.pk}（{Level(level).zh}，{venue.name}）",
               details={"level": level, "venue": venue.pk, "starts_at": starts_at.isoformat(),
                        "clerk": clerk.pk if clerk else None, "no_record": no_record})
    return meeting


def attendee_add(*, actor: User, meeting: Meeting, person: User) -> Attendee:
    """参会人员 (MEET-03): cleared for the level and inside the materials' need-to-know."""
    with atomic_action(actor, "meetings.attendee_add", obj=meeting):
        meeting = _lock(meeting)
        _require_runner(actor, meeting)
        _require_status(meeting, [MeetingStatus.PLANNED], _("调整参会名单"))
        refusal = _attendee_refusal(person, meeting)
        if refusal:
            raise Refused(refusal, details={"person": person.pk})
        if meeting.attendees.filter(person=person).exists():
            raise Conflict(_("%(name)s 已在参会名单中") % {"name": _name(person)})
        attendee = Attendee.objects.create(meeting=meeting, person=person)
        record(actor=actor, action="meetings.attendee_add", obj=meeting,
               summary=f"会议 #{meeting.pk} 参会名单增加 {person.username}", details={"person": person.pk})
    return attendee


def paper_add(*, actor: User, meeting: Meeting, register_no: str) -> Carrier:
    """列入会议材料: a registered carrier the organiser may see, not above the meeting's level;
    every colleague on the list must be inside its need-to-know (refused naming the first who is not)."""
    with atomic_action(actor, "meetings.paper_add", obj=meeting):
        meeting = _lock(meeting)
        _require_runner(actor, meeting)
        _require_status(meeting, [MeetingStatus.PLANNED], _("列入会议材料"))
        carrier = Carrier.objects.filter(policy.carriers_visible_to(actor), register_no=register_no.strip()).first()
        if carrier is None:
            raise NotFound(_("对象不存在"))
        if carrier.level > meeting.level:
            raise Refused(_("%(no)s 的密级高于会议密级") % {"no": carrier.register_no})
        for attendee in meeting.attendees.select_related("person").filter(person__isnull=False):
            assert attendee.person is not None
            reason = policy.reason_may_hold_carrier(attendee.person, carrier)
            if reason:
                raise Refused(_("%(name)s 不在会议材料 %(no)s 的知悉范围内，不能参加本次会议") % {
                    "name": attendee.name, "no": carrier.register_no}, details={"person": attendee.person_id})
        meeting.papers.add(carrier)
        record(actor=actor, action="meetings.paper_add", obj=meeting,
               summary=f"会议 #{meeting.pk} 列入会议材料 {carrier.register_no}", details={"carrier": carrier.pk})
    return carrier


def attendee_add_external(*, actor: User, meeting: Meeting, name: str, unit_name: str, letter: str,
                          cleared_level: int) -> Attendee:
    """外单位人员: by introduction letter stating the level they may know."""
    with atomic_action(actor, "meetings.attendee_add", obj=meeting):
        meeting = _lock(meeting)
        _require_runner(actor, meeting)
        _require_status(meeting, [MeetingStatus.PLANNED], _("调整参会名单"))
        name, unit_name, letter = name.strip(), unit_name.strip(), letter.strip()
        if not (name and unit_name and letter):
            raise Invalid(_("外单位人员须填写姓名、单位和介绍信编号"))
        if cleared_level < meeting.level:
            raise Refused(_("%(name)s 的介绍信载明的知悉密级低于会议密级，不能参加本次会议") % {"name": name})
        attendee = Attendee.objects.create(meeting=meeting, external_name=name[:50], external_unit=unit_name[:100],
                                           introduction_letter=letter[:100], external_level=cleared_level)
        record(actor=actor, action="meetings.attendee_add", obj=meeting,
               summary=f"会议 #{meeting.pk} 参会名单增加外单位人员（介绍信 {letter}）",
               details={"external": attendee.pk, "level": cleared_level})
    return attendee


def attendee_remove(*, actor: User, attendee: Attendee) -> None:
    meeting = attendee.meeting
    with atomic_action(actor, "meetings.attendee_remove", obj=meeting):
        meeting = _lock(meeting)
        _require_runner(actor, meeting)
        _require_status(meeting, [MeetingStatus.PLANNED], _("调整参会名单"))
        if attendee.person_id == meeting.organiser_id:
            raise Invalid(_("组织人不能移出参会名单"))
        record(actor=actor, action="meetings.attendee_remove", obj=meeting,
               summary=f"会议 #{meeting.pk} 参会名单移除 {attendee.pk}", details={"attendee": attendee.pk})
        attendee.delete()


# ---------------------------------------------------------------- 报批 (approval)


def meeting_submit(*, actor: User, meeting: Meeting) -> ApprovalRequest:
    """The attendee list and venue go to the unit's leader for approval (MEET-03: 严格控制参加
    会议人员的范围); approved, the meeting may start."""
    with atomic_action(actor, "meetings.submit", obj=meeting):
        meeting = _lock(meeting)
        _require_runner(actor, meeting)
        _require_status(meeting, [MeetingStatus.PLANNED], _("报批"))
        refusal = _venue_refusal(meeting.venue, meeting.level)
        if refusal:
            raise Refused(refusal)
        request = request_submit(
            actor=actor, request_type=HOLD, subject=meeting, title=f"召开涉密会议 #{meeting.pk}",
            reason=f"{Level(meeting.level).zh}级会议，{meeting.attendees.count()} 人参加，会场 {meeting.venue.name}",
            level=meeting.level, unit=meeting.unit)
        meeting.status, meeting.approval = MeetingStatus.SUBMITTED, request
        meeting.save(update_fields=["status", "approval"])
        record(actor=actor, action="meetings.submit", obj=meeting, summary=f"会议 #{meeting.pk} 报批",
               details={"request": request.pk})
    return request


def _meeting_of(request: ApprovalRequest) -> Meeting:
    found = Meeting.objects.select_for_update().filter(pk=int(request.subject_id)).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def _approved(request: ApprovalRequest, decider: User) -> None:
    meeting = _meeting_of(request)
    if meeting.status == MeetingStatus.SUBMITTED:
        meeting.status = MeetingStatus.APPROVED
        meeting.save(update_fields=["status"])
        record(actor=decider, action="meetings.approved", obj=meeting, summary=f"会议 #{meeting.pk} 经批准召开")


def _rejected(request: ApprovalRequest, decider: User | None) -> None:
    meeting = _meeting_of(request)
    if meeting.status == MeetingStatus.SUBMITTED:
        meeting.status = MeetingStatus.PLANNED
        meeting.save(update_fields=["status"])
        record(actor=decider, actor_username="" if decider else "system", action="meetings.returned", obj=meeting,
               summary=f"会议 #{meeting.pk} 未获批准，退回筹备")


def _may_decide(request: ApprovalRequest, person: User) -> str | None:
    if request.requester_id == person.pk:
        return _("不能审批本人提出的申请")
    if request.level is not None and not policy.may_know(person, Level(request.level)):
        return _("您的涉密类别不能知悉%(level)s级事项，不能审批") % {"level": Level(request.level).zh}
    return None


def register_request_types() -> None:
    registry.register(registry.RequestType(
        code=HOLD, label="召开涉密会议", on_approved=_approved, on_rejected=_rejected, may_decide=_may_decide,
        default_steps=(("approver", "requester_unit"),),
        default_route={None: (("approver", "requester_unit"),), int(Level.TOP_SECRET): (("approver", "top_unit"),)}))


# ---------------------------------------------------------------- 开始, 签到 (start, sign-in)


def meeting_start(*, actor: User, meeting: Meeting, no_wireless_mics: bool, rules_announced: bool) -> Meeting:
    """开始 (MEET-02, MEET-04): no wireless microphones confirmed, the secrecy rules announced."""
    with atomic_action(actor, "meetings.start", obj=meeting):
        meeting = _lock(meeting)
        _require_runner(actor, meeting)
        _require_status(meeting, [MeetingStatus.APPROVED], _("开始"))
        if not no_wireless_mics:
            raise Refused(_("涉密会议不得使用无线话筒：请确认会场未使用无线话筒"))
        if not rules_announced:
            raise Refused(_("会议开始前须向与会人员宣布保密纪律"))
        refusal = _venue_refusal(meeting.venue, meeting.level)
        if refusal:
            raise Refused(refusal)
        meeting.status, meeting.started_at = MeetingStatus.IN_PROGRESS, timezone.now()
        meeting.no_wireless_mics = meeting.rules_announced = True
        meeting.save(update_fields=["status", "started_at", "no_wireless_mics", "rules_announced"])
        record(actor=actor, action="meetings.start", obj=meeting, summary=f"会议 #{meeting.pk} 开始（已宣布保密纪律）")
    return meeting


def attendee_check_in(*, actor: User, meeting: Meeting, person: User | None = None, attendee: Attendee | None = None,
                      phone: str, rules_acknowledged: bool) -> Attendee:
    """签到 (MEET-03): only people on the approved list; each acknowledges the entry rules and
    their phone is deposited (or they carry none)."""
    with atomic_action(actor, "meetings.check_in", obj=meeting):
        meeting = _lock(meeting)
        _require_runner(actor, meeting)
        _require_status(meeting, [MeetingStatus.APPROVED, MeetingStatus.IN_PROGRESS], _("签到"))
        if attendee is None:
            if person is None:
                raise Invalid(_("请选择签到人员"))
            attendee = meeting.attendees.filter(person=person).first()
            if attendee is None:
                raise Refused(_("%(name)s 不在经批准的参会名单中，不得入场") % {"name": _name(person)},
                              details={"person": person.pk})
        elif attendee.meeting_id != meeting.pk:
            raise NotFound(_("对象不存在"))
        if attendee.checked_in_at is not None:
            raise Conflict(_("%(name)s 已签到") % {"name": attendee.name})
        if phone not in PhoneDeposit.values:
            raise Invalid(_("请登记手机存放情况"))
        if not rules_acknowledged:
            raise Refused(_("%(name)s 未确认会议保密纪律，不得入场") % {"name": attendee.name})
        attendee.checked_in_at, attendee.checked_in_by = timezone.now(), actor
        attendee.phone, attendee.rules_acknowledged = phone, True
        attendee.save(update_fields=["checked_in_at", "checked_in_by", "phone", "rules_acknowledged"])
        who = attendee.person.username if attendee.person else attendee.external_name
        record(actor=actor, action="meetings.check_in", obj=meeting,
               summary=f"会议 #{meeting.pk} 签到：{who}（{PhoneDeposit(phone).label}）",
               details={"attendee": attendee.pk, "phone": phone})
    return attendee


# ---------------------------------------------------------------- 材料 (materials)


def material_issue(*, actor: User, meeting: Meeting, copy: Copy, attendee: Attendee) -> Material:
    """发放 (MEET-08): a numbered copy to a signed-in colleague, through 传阅 due at the meeting's
    end; the keeper (机要员) hands it out. Outsiders read materials only in the room."""
    with atomic_action(actor, "meetings.material_issue", obj=meeting):
        meeting = _lock(meeting)
        if not (meeting.clerk_id == actor.pk or policy.reason_may_run_meeting(actor, meeting) is None):
            raise Refused(_("只有会议组织人、保密办或负责材料的机要员可以发放会议材料"))
        _require_status(meeting, [MeetingStatus.IN_PROGRESS], _("发放材料"))
        if attendee.meeting_id != meeting.pk:
            raise NotFound(_("对象不存在"))
        if attendee.person is None:
            raise Refused(_("外单位人员不领取会议材料，只在会场内阅看"))
        if attendee.checked_in_at is None:
            raise Refused(_("%(name)s 尚未签到，不能领取会议材料") % {"name": attendee.name})
        if copy.level > meeting.level:
            raise Refused(_("%(copy)s 的密级高于会议密级") % {"copy": copy.label})
        end = max(meeting.ends_at, timezone.now() + datetime.timedelta(minutes=5))
        due_at = min(end, carriers.same_working_day_end()) if copy.level == Level.TOP_SECRET else end
        copy = carriers.copy_circulate(actor=actor, copy=copy, reader=attendee.person, due_at=due_at,
                                       note=f"会议 #{meeting.pk} 材料")
        material = Material.objects.create(meeting=meeting, copy=copy, attendee=attendee, issued_at=timezone.now(),
                                           issued_by=actor)
        record(actor=actor, action="meetings.material_issue", obj=meeting,
               summary=f"会议 #{meeting.pk} 发放 {copy.label} 给 {attendee.person.username}",
               details={"copy": copy.pk, "attendee": attendee.pk})
    return material


def material_collect(*, actor: User, material: Material) -> Material:
    """收回 (MEET-09): the copy goes back to the register through 退回."""
    meeting = material.meeting
    with atomic_action(actor, "meetings.material_collect", obj=meeting):
        meeting = _lock(meeting)
        material = Material.objects.select_for_update().select_related("copy__carrier").get(pk=material.pk)
        if material.returned_at is not None:
            raise Conflict(_("%(copy)s 已收回") % {"copy": material.copy.label})
        carriers.copy_return(actor=actor, copy=material.copy, note=f"会议 #{meeting.pk} 收回")
        material.returned_at = timezone.now()
        material.save(update_fields=["returned_at"])
        record(actor=actor, action="meetings.material_collect", obj=meeting,
               summary=f"会议 #{meeting.pk} 收回 {material.copy.label}", details={"copy": material.copy_id})
    return material


def outstanding(meeting: Meeting) -> list[Material]:
    return list(Material.objects.filter(meeting=meeting, returned_at__isnull=True).select_related("copy__carrier"))


# ---------------------------------------------------------------- 会议记录 (minutes)


def minutes_register(*, actor: User, meeting: Meeting, title: str, mark: str, storage: str = StorageClass.COMBINATION,
                     location: str = "") -> Carrier:
    """会议记录 (MEET-06): registered as a carrier at the meeting's level, need-to-know = the
    colleagues on the list; the registering keeper holds it."""
    with atomic_action(actor, "meetings.minutes", obj=meeting):
        meeting = _lock(meeting)
        if not (meeting.clerk_id == actor.pk or policy.reason_may_run_meeting(actor, meeting) is None):
            raise Refused(_("只有会议组织人、保密办或负责材料的机要员可以登记会议记录"))
        _require_status(meeting, [MeetingStatus.IN_PROGRESS, MeetingStatus.CLOSED], _("登记会议记录"))
        if meeting.minutes_id is not None:
            raise Conflict(_("本次会议的会议记录已登记"))
        parsed = marking.parse(mark or "")
        if parsed is None or int(parsed.level) != meeting.level:
            raise Invalid(_("会议记录的密级须与会议密级（%(level)s）一致") % {"level": Level(meeting.level).zh})
        people = [a.person for a in meeting.attendees.select_related("person") if a.person is not None]
        carrier = carriers.carrier_register(
            actor=actor, direction=Direction.MADE, title=title.strip() or f"会议记录 #{meeting.pk}", mark=mark,
            copies=1, storage=storage, location=location, need_to_know_people=people, unit=meeting.unit,
            note=f"涉密会议 #{meeting.pk} 的会议记录")
        meeting.minutes = carrier
        meeting.save(update_fields=["minutes"])
        record(actor=actor, action="meetings.minutes", obj=meeting,
               summary=f"会议 #{meeting.pk} 会议记录登记为 {carrier.register_no}", details={"carrier": carrier.pk})
    return carrier


# ---------------------------------------------------------------- 结束, 取消 (close, cancel)


def meeting_close(*, actor: User, meeting: Meeting) -> Meeting:
    """结束 (MEET-09): refused while any copy handed out is not back; lists the 份号 only."""
    with atomic_action(actor, "meetings.close", obj=meeting):
        meeting = _lock(meeting)
        _require_runner(actor, meeting)
        _require_status(meeting, [MeetingStatus.IN_PROGRESS], _("结束"))
        out = outstanding(meeting)
        if out:
            numbers = "、".join(m.copy.label for m in out)
            raise Refused(_("会议材料尚未全部收回：%(copies)s") % {"copies": numbers},
                          details={"copies": [m.copy_id for m in out]})
        meeting.status, meeting.closed_at = MeetingStatus.CLOSED, timezone.now()
        meeting.save(update_fields=["status", "closed_at"])
        record(actor=actor, action="meetings.close", obj=meeting, summary=f"会议 #{meeting.pk} 结束，材料已全部收回")
    return meeting


def meeting_cancel(*, actor: User, meeting: Meeting, reason: str) -> Meeting:
    with atomic_action(actor, "meetings.cancel", obj=meeting):
        meeting = _lock(meeting)
        _require_runner(actor, meeting)
        _require_status(meeting, [MeetingStatus.PLANNED, MeetingStatus.SUBMITTED, MeetingStatus.APPROVED],
                        _("取消"))
        if not reason.strip():
            raise Invalid(_("请填写取消原因"))
        if meeting.status == MeetingStatus.SUBMITTED and meeting.approval is not None:
            from baomi.approvals.services import request_cancel

            meeting.status = MeetingStatus.CANCELLED  # _rejected is not called by request_cancel
            request_cancel(request=meeting.approval, reason="会议已取消")
        meeting.status, meeting.cancel_reason = MeetingStatus.CANCELLED, reason.strip()[:200]
        meeting.save(update_fields=["status", "cancel_reason"])
        record(actor=actor, action="meetings.cancel", obj=meeting, summary=f"会议 #{meeting.pk} 取消",
               details={"reason": meeting.cancel_reason})
    return meeting


# ---------------------------------------------------------------- reminders (jobs.tick)


def _remind(key: str, meeting: Meeting, person: User, text: str) -> bool:
    _reminder, created = Reminder.objects.get_or_create(
        key=key[:80], defaults={"meeting": meeting, "person": person, "text": text[:200]})
    if created:
        record(actor=None, actor_username="system", action="meetings.remind", obj=meeting,
               summary=f"提醒 {person.username}：{text}"[:300])
    return created


def reminders_send(*, today: datetime.date | None = None) -> list[str]:
    """Before a meeting: the organiser checks the attendee list and the venue. After it: the
    organiser and the clerk collect the copies not yet back (MEET-09), and file the minutes
    (MEET-07). One reminder per cause (idempotent)."""
    day = today or timezone.localdate()
    sent = 0
    with atomic_action(None, "meetings.remind", actor_username="system"):
        horizon = day + datetime.timedelta(days=REMIND_BEFORE_DAYS)
        upcoming = Meeting.objects.filter(
            status__in=[MeetingStatus.PLANNED, MeetingStatus.SUBMITTED, MeetingStatus.APPROVED],
            starts_at__date__gte=day, starts_at__date__lte=horizon).select_related("organiser")
        for meeting in upcoming:
            sent += _remind(f"meeting-before-{meeting.pk}", meeting, meeting.organiser,
                            f"会议 #{meeting.pk} 将于 {timezone.localtime(meeting.starts_at):%m-%d %H:%M} 召开："
                            f"请核对参会名单和会场保密条件")
        over = Q(ends_at__lt=timezone.now()) | Q(ends_at__date__lt=day)
        for meeting in Meeting.objects.filter(over, status=MeetingStatus.IN_PROGRESS).select_related(
                "organiser", "clerk"):
            out = outstanding(meeting)
            if not out:
                continue
            text = f"会议 #{meeting.pk} 已结束，尚有 {len(out)} 份材料未收回"
            for person in {p.pk: p for p in [meeting.organiser, meeting.clerk] if p is not None}.values():
                sent += _remind(f"meeting-after-{meeting.pk}-{person.pk}", meeting, person, text)
        for meeting in Meeting.objects.filter(status=MeetingStatus.CLOSED, minutes__isnull=True,
                                              closed_at__date__lt=day).select_related("organiser"):
            sent += _remind(f"meeting-minutes-{meeting.pk}", meeting, meeting.organiser,
                            f"会议 #{meeting.pk} 的会议记录尚未登记归档")
    return [f"meeting reminders: {sent}"] if sent else []


def url_of(meeting: Meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])
