"""Every change to the personnel register: posts and assignments, vetting, commitments,
departures with their 脱密期, employment reports, annual reports and reminders.

Each service checks policy, changes state and appends its audit event in one transaction
(`atomic_action`); a refusal rolls the change back and is itself recorded.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import Unit, User
from baomi.approvals import registry
from baomi.approvals.models import ApprovalRequest
from baomi.audit.services import atomic_action, record
from baomi.core.context import client_address
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Clearance, Level
from baomi.personnel import commitments, selectors
from baomi.personnel.models import (
    SEPARATION_RESTRICTIONS,
    AnnualReport,
    Assignment,
    Commitment,
    CommitmentKind,
    Departure,
    DepartureKind,
    DepartureStatus,
    EmploymentReport,
    Notice,
    NoticeKind,
    Post,
    SeparationPeriod,
    SignMethod,
    Vetting,
    VettingKind,
    VettingResult,
)

Perm = policy.Perm
DEPART = "personnel.departure"

# The duties a person ticks in the yearly self-report (PERS-11; S14's 须知, one per heading).
REPORT_DUTIES = [
    ("vetting", "如实提供个人信息，接受审查和复审"),
    ("training", "参加年度保密教育培训并通过考试"),
    ("carriers", "依法保管和使用涉密载体，按期清退，无私自复制、留存"),
    ("travel", "出入境证件集中保管，出国（境）经审批"),
    ("reports", "按规定报告个人重大事项和泄密隐患"),
    ("social", "社会交往和互联网使用中不涉及国家秘密"),
]
REPORT_DUTY_CODES = {code for code, _label in REPORT_DUTIES}


def _name(person: User) -> str:
    return person.full_name or person.username


# ---------------------------------------------------------------- posts and assignments


def post_create(
    *, actor: User, name: str, unit: Unit, level: Level | int, duties: str = "", is_leadership: bool = False
) -> Post:
    name = name.strip()
    with atomic_action(actor, "personnel.post.create"):
        policy.require(actor, Perm.MANAGE_POSTS)
        if not name:
            raise Invalid(_("请填写岗位名称"))
        level = Level(int(level))
        if level < Level.CONFIDENTIAL:
            raise Invalid(_("涉密岗位的涉密程度须为绝密、机密或秘密"))
        if Post.objects.filter(unit=unit, name=name).exists():
            raise Invalid(_("本单位已有同名岗位：%(name)s") % {"name": name})
        post = Post.objects.create(name=name, unit=unit, level=int(level), duties=duties.strip(),
                                   is_leadership=is_leadership)
        record(actor=actor, action="personnel.post.create", obj=post,
               summary=f"新建涉密岗位 {unit.name}·{name}（{level.zh}，{post.category.zh}涉密人员）",
               details={"unit": unit.pk, "level": int(level), "leadership": is_leadership})
    return post


def post_assign(
    *, actor: User, person: User, post: Post, starts_on: datetime.date | None = None, note: str = ""
) -> Assignment:
    """Put a person on a post. Their clearance follows the post's category through
    accounts.person_set_clearance: raising it passes the vetting/commitment gate there;
    lowering it takes effect at once (every list filters by the current category)."""
    from baomi.accounts.services import person_set_clearance

    day = starts_on or timezone.localdate()
    with atomic_action(actor, "personnel.assign", obj=person):
        policy.require(actor, Perm.GRANT_CLEARANCE, person)
        person = User.objects.select_for_update().get(pk=person.pk)
        if not person.is_active:
            raise Refused(_("账户已停用，不能安排涉密岗位"))
        if not post.is_active:
            raise Invalid(_("该岗位已停用"))
        if selectors.open_departure(person) is not None:
            raise Refused(_("%(name)s 正在办理离岗离职，不能安排新的涉密岗位") % {"name": _name(person)})
        current = selectors.current_assignment(person)
        if current is not None and current.post_id == post.pk:
            raise Conflict(_("%(name)s 已在该岗位") % {"name": _name(person)})
        if current is not None:
            if day < current.starts_on:
                raise Invalid(_("到岗日期早于原岗位的到岗日期"))
            Assignment.objects.filter(pk=current.pk).update(ends_on=day)
        assignment = Assignment.objects.create(person=person, post=post, starts_on=day, assigned_by=actor,
                                               note=note.strip()[:200])
        record(actor=actor, action="personnel.assign", obj=person,
               summary=f"{person.username} 到岗 {post.unit.name}·{post.name}（{Level(post.level).zh}）",
               details={"post": post.pk, "previous": current.post_id if current else None,
                        "starts_on": day.isoformat()})
        if Clearance(person.clearance) != post.category:
            person_set_clearance(actor=actor, person=person, clearance=post.category)
        if current is not None:
            # 调岗: the 在岗（调岗）承诺书 for the new post, to be signed by the person.
            _prepare(actor=actor, person=person, kind=CommitmentKind.CHANGE, post=post)
    return assignment


# ---------------------------------------------------------------- vetting (审查)


def vetting_record(
    *,
    actor: User,
    person: User,
    category: Clearance,
    result: str,
    kind: str = VettingKind.APPOINTMENT,
    vetted_on: datetime.date | None = None,
    notes: str = "",
    documents: Iterable[str] = (),
) -> Vetting:
    """Record a vetting (PERS-01) or re-vetting (PERS-02); valid for the configured interval."""
    day = vetted_on or timezone.localdate()
    with atomic_action(actor, "personnel.vetting", obj=person):
        policy.require(actor, Perm.MANAGE_PERSONNEL)
        if person.pk == actor.pk:
            raise Refused(_("不能审查本人"))
        if person.admin_role:
            raise Refused(_("三员分立：管理员不是涉密业务人员，不办理涉密人员审查"))
        if kind not in VettingKind.values or result not in VettingResult.values:
            raise Invalid(_("未知的审查类型或结论"))
        category = Clearance(int(category))
        if category == Clearance.NONE:
            raise Invalid(_("请选择审查对应的涉密人员类别"))
        if day > timezone.localdate():
            raise Invalid(_("审查日期不能晚于今天"))
        if result == VettingResult.FAIL and not notes.strip():
            raise Invalid(_("审查不通过须写明理由"))
        names = [d.strip()[:200] for d in documents if d and d.strip()]
        vetting = Vetting.objects.create(
            person=person, kind=kind, category=int(category), result=result, vetted_on=day,
            valid_until=selectors.add_years(day, selectors.vetting_interval_years()), reviewer=actor,
            notes=notes.strip(), documents=names)
        record(actor=actor, action="personnel.vetting", obj=person,
               summary=f"{VettingKind(kind).label} {person.username}（{category.zh}）：{VettingResult(result).label}",
               details={"vetting": vetting.pk, "result": result, "category": int(category),
                        "valid_until": vetting.valid_until.isoformat(), "documents": names})
    return vetting


# ---------------------------------------------------------------- commitments (保密承诺书)


def _prepare(*, actor: User, person: User, kind: str, post: Post | None = None) -> Commitment:
    assignment = selectors.current_assignment(person)
    post = post or (assignment.post if assignment else None)
    text = commitments.render_text(person, kind, post=f"{post.name}" if post else "",
                                   post_level=Level(post.level).zh if post else "", on=timezone.localdate())
    commitment = Commitment.objects.create(person=person, kind=kind, template_version=commitments.VERSION, text=text,
                                           text_sha256=commitments.digest(text), prepared_by=actor)
    record(actor=actor, action="personnel.commitment.prepare", obj=person,
           summary=f"为 {person.username} 准备{CommitmentKind(kind).label}",
           details={"commitment": commitment.pk, "kind": kind, "sha256": commitment.text_sha256})
    return commitment


def commitment_prepare(*, actor: User, person: User, kind: str) -> Commitment:
    with atomic_action(actor, "personnel.commitment.prepare", obj=person):
        policy.require(actor, Perm.MANAGE_PERSONNEL)
        if kind not in CommitmentKind.values:
            raise Invalid(_("未知的承诺书类型"))
        if person.admin_role:
            raise Refused(_("三员分立：管理员不是涉密业务人员"))
        if Commitment.objects.filter(person=person, kind=kind, signed_at__isnull=True).exists():
            raise Conflict(_("已有一份待签署的同类承诺书"))
        return _prepare(actor=actor, person=person, kind=kind)


def commitment_sign(*, actor: User, commitment: Commitment, password: str) -> Commitment:
    """Electronic signature: the person re-enters their password; time, IP and the SHA-256 of
    the exact text signed are recorded."""
    with atomic_action(actor, "personnel.commitment.sign", obj=commitment):
        commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if commitment.person_id != actor.pk:
            raise Refused(_("只能由承诺人本人签署"))
        if not actor.is_active:
            raise Refused(_("账户已停用"))
        if commitment.is_signed:
            raise Conflict(_("该承诺书已签署"))
        if not actor.check_password(password):
            raise Refused(_("密码不正确，签署未完成"))
        if commitments.digest(commitment.text) != commitment.text_sha256:
            raise Conflict(_("承诺书正文与准备时不一致，请保密办重新准备"))
        commitment.signed_at, commitment.sign_method = timezone.now(), SignMethod.ELECTRONIC
        commitment.signed_ip, commitment.recorded_by = client_address.get()[:64], actor
        commitment.save(update_fields=["signed_at", "sign_method", "signed_ip", "recorded_by"])
        record(actor=actor, action="personnel.commitment.sign", obj=commitment,
               summary=f"{actor.username} 电子签署{commitment.get_kind_display()}",
               details={"sha256": commitment.text_sha256, "ip": commitment.signed_ip})
    return commitment


_SCAN_MAGIC = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def commitment_upload_scan(*, actor: User, commitment: Commitment, name: str, data: bytes) -> Commitment:
    """The signed paper, scanned (PDF, PNG or JPEG), recorded by 保密办; kept in the database."""
    with atomic_action(actor, "personnel.commitment.scan", obj=commitment):
        policy.require(actor, Perm.MANAGE_PERSONNEL)
        commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
        if commitment.is_signed:
            raise Conflict(_("该承诺书已签署"))
        if not data:
            raise Invalid(_("请上传签字扫描件"))
        if len(data) > selectors.scan_max_bytes():
            raise Invalid(_("扫描件不能超过 %(mb)s MB") % {"mb": selectors.scan_max_bytes() // (1024 * 1024)})
        if not data.startswith(_SCAN_MAGIC):
            raise Invalid(_("扫描件须为 PDF、PNG 或 JPEG 文件"))
        commitment.scan, commitment.scan_name = data, (name.strip() or "scan")[:200]
        commitment.scan_sha256 = commitments.digest_bytes(data)
        commitment.signed_at, commitment.sign_method = timezone.now(), SignMethod.SCAN
        commitment.signed_ip, commitment.recorded_by = client_address.get()[:64], actor
        commitment.save(update_fields=["scan", "scan_name", "scan_sha256", "signed_at", "sign_method", "signed_ip",
                                       "recorded_by"])
        record(actor=actor, action="personnel.commitment.scan", obj=commitment,
               summary=f"登记 {commitment.person.username} 的{commitment.get_kind_display()}签字扫描件",
               details={"name": commitment.scan_name, "size": len(data), "sha256": commitment.scan_sha256})
    return commitment


# ---------------------------------------------------------------- departure (离岗离职) and 脱密期


def departure_open(*, actor: User, person: User, kind: str, reason: str) -> Departure:
    with atomic_action(actor, "personnel.departure.open", obj=person):
        policy.require(actor, Perm.MANAGE_PERSONNEL)
        if kind not in DepartureKind.values:
            raise Invalid(_("未知的离岗类型"))
        if not reason.strip():
            raise Invalid(_("请填写离岗事由"))
        if person.pk == actor.pk:
            raise Refused(_("不能为本人办理离岗离职"))
        person = User.objects.select_for_update().get(pk=person.pk)  # the category as it is now
        if person.admin_role:
            raise Refused(_("三员分立：管理员账户只能由服务器上的 baomi createadmin 命令管理"))
        if not person.is_active:
            raise Refused(_("账户已停用"))
        if selectors.open_departure(person) is not None:
            raise Conflict(_("%(name)s 已有办理中的离岗离职") % {"name": _name(person)})
        try:
            with transaction.atomic():
                departure = Departure.objects.create(person=person, kind=kind, reason=reason.strip(),
                                                     category=person.clearance, opened_by=actor)
        except IntegrityError:
            raise Conflict(_("%(name)s 已有办理中的离岗离职") % {"name": _name(person)}) from None
        record(actor=actor, action="personnel.departure.open", obj=departure,
               summary=f"为 {person.username} 办理{DepartureKind(kind).label}",
               details={"person": person.pk, "category": person.clearance})
        _prepare(actor=actor, person=person, kind=CommitmentKind.LEAVE)
    return departure


def _open_for_update(departure: Departure) -> Departure:
    departure = Departure.objects.select_for_update().get(pk=departure.pk)
    if departure.status != DepartureStatus.OPEN:
        raise Conflict(_("该离岗离职已提交审批或已办结"))
    return departure


def departure_handover(*, actor: User, departure: Departure, to: User, items: str) -> Departure:
    """The handover record (PERS-13): to whom, and what."""
    with atomic_action(actor, "personnel.departure.handover", obj=departure):
        policy.require(actor, Perm.MANAGE_PERSONNEL)
        departure = _open_for_update(departure)
        if not items.strip():
            raise Invalid(_("请填写交接内容"))
        if to.pk == departure.person_id:
            raise Invalid(_("交接人不能是离岗人员本人"))
        if not to.is_active or to.admin_role:
            raise Refused(_("交接人须为在岗的业务人员"))
        departure.handover_to, departure.handover_items = to, items.strip()
        departure.handover_at, departure.handover_confirmed_at = timezone.now(), None
        departure.save(update_fields=["handover_to", "handover_items", "handover_at", "handover_confirmed_at"])
        record(actor=actor, action="personnel.departure.handover", obj=departure,
               summary=f"{departure.person.username} 的工作交接给 {to.username}",
               details={"to": to.pk, "items": len(items.strip())})
    return departure


def departure_confirm_handover(*, actor: User, departure: Departure) -> Departure:
    with atomic_action(actor, "personnel.departure.accept", obj=departure):
        departure = Departure.objects.select_for_update().get(pk=departure.pk)
        if departure.handover_to_id != actor.pk:
            raise Refused(_("只有交接人可以确认接收"))
        if departure.handover_confirmed_at is not None:
            raise Conflict(_("已确认接收"))
        departure.handover_confirmed_at = timezone.now()
        departure.save(update_fields=["handover_confirmed_at"])
        record(actor=actor, action="personnel.departure.accept", obj=departure,
               summary=f"{actor.username} 确认接收 {departure.person.username} 的工作交接")
    return departure


def departure_submit(*, actor: User, departure: Departure, reason: str = "") -> Departure:
    """Ask for approval once the checklist is complete: no carrier outstanding (PERS-13), the
    handover recorded, the leaving commitment signed (PERS-16)."""
    from baomi.approvals.services import request_submit

    with atomic_action(actor, "personnel.departure.submit", obj=departure):
        policy.require(actor, Perm.MANAGE_PERSONNEL)
        departure = _open_for_update(departure)
        blockers = selectors.checklist_for(departure).blockers()
        if blockers:
            raise Refused(_("离岗手续未完成，不能提交审批：%(why)s") % {"why": "；".join(blockers)})
        person = departure.person
        request = request_submit(
            actor=actor, request_type=DEPART, subject=departure, unit=person.unit,
            title=f"{_name(person)} {departure.get_kind_display()}",
            reason=reason.strip() or departure.reason, payload={"person": person.pk})
        departure.status, departure.approval = DepartureStatus.PENDING, request
        departure.save(update_fields=["status", "approval"])
        record(actor=actor, action="personnel.departure.submit", obj=departure,
               summary=f"提交 {person.username} 的离岗离职审批 #{request.pk}")
    return departure


def _departure_of(request: ApprovalRequest) -> Departure:
    return Departure.objects.select_for_update().select_related("person").get(pk=int(request.subject_id))


def _departure_approved(request: ApprovalRequest, approver: User) -> None:
    """Runs inside the approval's transaction: re-check the carriers, release the person
    (clearance, roles, and on 离职 the account and its tokens), start the 脱密期."""
    from baomi.accounts.services import person_release

    departure = _departure_of(request)
    if departure.status != DepartureStatus.PENDING:
        raise Conflict(_("该离岗离职不在审批中"))
    blockers = selectors.checklist_for(departure).blockers()
    if blockers:
        raise Refused(_("离岗手续未完成，不能批准：%(why)s") % {"why": "；".join(blockers)})
    person = departure.person
    day = timezone.localdate(request.decided_at or timezone.now())
    Assignment.objects.filter(person=person, ends_on__isnull=True).update(ends_on=day)
    person_release(actor=approver, person=person, disable=departure.kind == DepartureKind.JOB,
                   reason=f"离岗离职审批 #{request.pk}")
    departure.status, departure.completed_on = DepartureStatus.COMPLETED, day
    departure.save(update_fields=["status", "completed_on"])
    record(actor=approver, action="personnel.departure.complete", obj=departure,
           summary=f"{person.username} {departure.get_kind_display()}办结（{day.isoformat()}）")
    category = Clearance(departure.category)
    years = selectors.separation_years(category)
    if category > Clearance.NONE and years > 0:
        period = SeparationPeriod.objects.create(
            person=person, departure=departure, category=int(category), starts_on=day,
            ends_on=selectors.add_years(day, years), restrictions=list(SEPARATION_RESTRICTIONS))
        record(actor=approver, action="personnel.separation.start", obj=period,
               summary=f"{person.username} 脱密期 {period.starts_on.isoformat()} 起，{period.ends_on.isoformat()} 期满"
                       f"（{category.zh}，{years} 年）",
               details={"person": person.pk, "years": years})


def _departure_closed(request: ApprovalRequest, actor: User) -> None:
    departure = _departure_of(request)
    if departure.status == DepartureStatus.PENDING:
        departure.status = DepartureStatus.OPEN
        departure.save(update_fields=["status"])


def employment_report_record(
    *, actor: User, period: SeparationPeriod, employer: str, position: str = "", note: str = "",
    reported_on: datetime.date | None = None,
) -> EmploymentReport:
    """去向报告 during a 脱密期: by 保密办, or by the person themself if they can still log in."""
    day = reported_on or timezone.localdate()
    with atomic_action(actor, "personnel.employment_report", obj=period):
        if actor.pk != period.person_id:
            policy.require(actor, Perm.MANAGE_PERSONNEL)
        if not employer.strip():
            raise Invalid(_("请填写就业单位"))
        if not period.active_on(day):
            raise Refused(_("去向报告只在脱密期内登记（%(start)s 至 %(end)s）") % {
                "start": period.starts_on.isoformat(), "end": period.ends_on.isoformat()})
        report = EmploymentReport.objects.create(period=period, reported_on=day, employer=employer.strip()[:120],
                                                 position=position.strip()[:80], note=note.strip(),
                                                 recorded_by=actor)
        record(actor=actor, action="personnel.employment_report", obj=period,
               summary=f"登记 {period.person.username} 脱密期去向报告", details={"report": report.pk})
    return report


# ---------------------------------------------------------------- annual self-report (PERS-11, PERS-12)


def annual_report_submit(
    *, actor: User, year: int, text: str, duties: Iterable[str], leader_section: str = ""
) -> AnnualReport:
    today = timezone.localdate()
    with atomic_action(actor, "personnel.annual_report", obj=actor):
        if not actor.is_active or actor.admin_role:
            raise Refused(_("三员分立：管理员不提交涉密人员年度报告"))
        if actor.clearance <= 0:
            raise Refused(_("只有涉密人员提交年度保密自查报告"))
        if year not in (today.year, today.year - 1):
            raise Invalid(_("只能提交本年度或上一年度的报告"))
        if year == today.year and today.month != 12:
            raise Invalid(_("本年度报告从 12 月起提交"))
        if not text.strip():
            raise Invalid(_("请填写履行保密职责情况"))
        chosen = sorted(set(duties))
        if set(chosen) - REPORT_DUTY_CODES:
            raise Invalid(_("未知的保密职责项"))
        leader = selectors.is_leader(actor)
        if leader and not leader_section.strip():
            raise Invalid(_("领导干部须填写履行保密工作责任制情况（述职保密部分）"))
        try:
            with transaction.atomic():
                report = AnnualReport.objects.create(person=actor, year=year, text=text.strip(), duties=chosen,
                                                     leader_section=leader_section.strip() if leader else "",
                                                     is_leader=leader)
        except IntegrityError:
            raise Conflict(_("%(year)s 年度报告已提交") % {"year": year}) from None
        record(actor=actor, action="personnel.annual_report", obj=report,
               summary=f"{actor.username} 提交 {year} 年度保密自查报告",
               details={"duties": chosen, "missing": sorted(REPORT_DUTY_CODES - set(chosen)), "leader": leader})
    return report


# ---------------------------------------------------------------- reminders (jobs.tick)


def notices_issue(*, today: datetime.date | None = None) -> list[str]:
    """Re-vetting falling due (PERS-02), 脱密期 ending (PERS-15), annual reports in December
    and January (PERS-11/12): one notice per person and occasion; running again adds nothing."""
    day = today or timezone.localdate()
    horizon = day + datetime.timedelta(days=selectors.remind_days())
    wanted: list[tuple[str, User, str, datetime.date | None, str]] = []
    for person in selectors.cleared_people():
        vetting = selectors.latest_vetting(person)
        if vetting is not None and vetting.passed and vetting.valid_until <= horizon:
            wanted.append((NoticeKind.VETTING_DUE, person, f"vetting:{vetting.pk}", vetting.valid_until,
                           f"复审到期 {vetting.valid_until.isoformat()}"))
    for period in SeparationPeriod.objects.filter(starts_on__lte=day, ends_on__gt=day, ends_on__lte=horizon):
        wanted.append((NoticeKind.SEPARATION_ENDING, period.person, f"separation:{period.pk}", period.ends_on,
                       f"脱密期 {period.ends_on.isoformat()} 期满"))
    if selectors.report_window(day):
        year = selectors.reporting_year(day)
        for person in selectors.reports_missing(year):
            wanted.append((NoticeKind.ANNUAL_REPORT, person, f"report:{year}", selectors.report_due(year),
                           f"{year} 年度保密自查报告待提交"))
    done: list[str] = []
    for kind, person, key, due, text in wanted:
        if Notice.objects.filter(kind=kind, person=person, key=key).exists():
            continue
        try:
            with transaction.atomic():
                Notice.objects.create(kind=kind, person=person, key=key, due_on=due)
                record(actor=None, actor_username="scheduler", action=f"personnel.remind_{kind}", obj=person,
                       summary=f"提醒 {person.username}：{text}", details={"key": key})
        except IntegrityError:
            continue
        done.append(f"{NoticeKind(kind).label}: {person.username}")
    return done


# ---------------------------------------------------------------- approval type


def _may_decide(request: ApprovalRequest, person: User) -> str | None:
    if str(person.pk) == str(request.payload.get("person")):
        return _("不能审批本人的离岗离职")
    return None


def register_request_types() -> None:
    # The leaving person's unit leader approves; 保密办 (who submitted) cannot approve its own request.
    registry.register(registry.RequestType(
        code=DEPART, label="离岗离职", on_approved=_departure_approved, on_rejected=_departure_closed,
        may_decide=_may_decide, default_steps=(("approver", "requester_unit"),)))

