"""Every change to authorities, the guide, the reference list, decisions, changes, notices
and reviews.

Each service checks policy, changes state and appends its audit event in one transaction
(`atomic_action`); a refusal rolls the change back and is itself recorded. Audit summaries
name a decision by its code (DM000012) and mark, never by its title.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import marking, policy
from baomi.accounts.models import Role, RoleAssignment, Unit, User
from baomi.audit.services import CLI_ACTOR, atomic_action, describe, record
from baomi.classification.models import (
    DEFAULT_WORK_SECRET_MARK,
    ENDED,
    Authority,
    Change,
    ChangeKind,
    ChangeStatus,
    CommercialKind,
    CommercialScope,
    Decision,
    DecisionStatus,
    Guide,
    GuideEntry,
    NeedToKnow,
    Notice,
    NoticeKind,
    Review,
    ReviewOutcome,
    SecretType,
    WorkSecretCategory,
    WorkSecretReference,
)
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Level
from baomi.periods import Period, PeriodKind, expiry, working_days_after

Perm = policy.Perm

CHANGE_REQUEST_TYPE = "classification.change"
#: Working days within which a provisional classification is reported upward (定密管理规定).
PROVISIONAL_REPORT_WORKING_DAYS = 10
#: Reminders: this many days before a period ends, this many working days before a report is due.
EXPIRY_REMINDER_DAYS = 30
REPORT_REMINDER_WORKING_DAYS = 3
#: The scheduler (`baomi tick`, `baomi serve`) acts as the server's command line.
SCHEDULER = CLI_ACTOR

_NON_STATE_LABELS = {SecretType.COMMERCIAL: "商业秘密", SecretType.PRIVACY: "个人隐私"}


def today() -> datetime.date:
    """Today in the installation's time zone (Asia/Shanghai by default)."""
    return timezone.localdate()


@dataclass(frozen=True)
class NeedToKnowSpec:
    """知悉范围 as given: people, units (with the units below them) and business roles."""

    people: Sequence[User] = ()
    units: Sequence[Unit] = ()
    roles: Sequence[str] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not (self.people or self.units or self.roles)


# ---------------------------------------------------------------- periods


def period_from_text(text: str) -> Period:
    """A period as typed after ★ (5年, 6个月, 长期, 2030年6月30日, a condition), via baomi.marking."""
    text = (text or "").strip()
    if not text:
        return Period.not_stated()
    found = marking.parse(f"机密★{text}")
    if found is None or not found.period.is_stated:
        raise Invalid(_("无法识别的保密期限：%(text)s（应为“5年”“6个月”“长期”“2030年6月30日”或解密条件）")
                      % {"text": text[:40]})
    return found.period


def _expiry_checked(start: datetime.date, period: Period, level: Level) -> datetime.date | None:
    """periods.expiry with the reasons in the user's language."""
    if period.until is not None and period.until <= start:
        raise Invalid(_("解密日期须晚于定密日期"))
    if period.long_term and not level.is_state_secret:
        raise Invalid(_("“长期”仅适用于国家秘密"))
    try:
        return expiry(start, period, level)
    except ValueError:
        raise Invalid(_("保密期限超过%(level)s的法定最长期限%(years)s年")
                      % {"level": level.zh, "years": level.ceiling_years}) from None


def _later(a: datetime.date | None, b: datetime.date | None) -> bool:
    """Whether expiry `a` is later than `b` (None: no date, i.e. 长期 or a condition)."""
    if b is None:
        return False
    return a is None or a > b


# ---------------------------------------------------------------- authorities (定密责任人)


def authority_designate(
    *,
    actor: User,
    person: User,
    max_level: Level,
    unit: Unit | None = None,
    unit_head: bool = False,
    scope_codes: Iterable[str] = (),
    scope_text: str = "",
    basis_number: str = "",
    basis_date: datetime.date | None = None,
    designated_by: User | None = None,
) -> Authority:
    """Record a 定密责任人: the unit head by law, or another person designated in writing by
    the unit head, with the highest level (never above the designating head's) and scope.
    The person also gets the 定密责任人 role, which routes change approvals to them."""
    with atomic_action(actor, "classification.authority.designate", obj=person):
        policy.require(actor, Perm.DESIGNATE_AUTHORITY)
        level = Level(max_level)
        if not level.is_state_secret:
            raise Invalid(_("定密权限须为秘密、机密或绝密"))
        if not person.is_active or person.admin_role:
            raise Refused(_("三员及停用账户不能担任定密责任人"))
        if not policy.may_know(person, level):
            raise Refused(_("%(name)s 的涉密类别不能知悉%(level)s级事项，不能授予该定密权限")
                          % {"name": person.full_name, "level": level.zh})
        if Authority.objects.filter(person=person, revoked_at__isnull=True).exists():
            raise Conflict(_("该人员已是定密责任人，请先撤销原指定"))
        codes = sorted({c.strip() for c in scope_codes if c and c.strip()})
        if unit_head:
            if Authority.objects.filter(is_unit_head=True, revoked_at__isnull=True).exists():
                raise Conflict(_("已有法定定密责任人，请先撤销"))
            unit, codes, designated_by = None, [], None
            basis_number = basis_number.strip() or "法定（机关单位负责人）"
        else:
            head = Authority.objects.filter(is_unit_head=True, revoked_at__isnull=True).first()
            if designated_by is None or head is None or head.person_id != designated_by.pk:
                raise Refused(_("定密责任人须由机关单位负责人书面指定：请选择现任法定定密责任人为指定人"))
            if level > head.max_level:
                raise Refused(_("指定的定密权限不能超过本单位的定密权限（%(level)s）")
                              % {"level": Level(head.max_level).zh})
            if not basis_number.strip() or basis_date is None:
                raise Invalid(_("请填写书面指定的文号和日期"))
        authority = Authority.objects.create(
            person=person, is_unit_head=unit_head, max_level=int(level), unit=unit, scope_codes=codes,
            scope_text=scope_text.strip(), basis_number=basis_number.strip(), basis_date=basis_date,
            designated_by=designated_by, created_by=actor,
        )
        if not RoleAssignment.objects.filter(user=person, role=Role.CLASSIFICATION_AUTHORITY, unit=unit).exists():
            from baomi.accounts.services import role_grant

            role_grant(actor=actor, person=person, role=Role.CLASSIFICATION_AUTHORITY, unit=unit)
        record(actor=actor, action="classification.authority.designate", obj=authority,
               summary=f"指定 {person.username} 为定密责任人（≤{level.zh}）",
               details={"person": person.pk, "max_level": int(level), "unit": unit.pk if unit else None,
                        "unit_head": unit_head, "scope_codes": codes, "basis": authority.basis_number,
                        "designated_by": designated_by.pk if designated_by else None})
    return authority


def authority_revoke(*, actor: User, authority: Authority, reason: str) -> Authority:
    """Revoke a designation (its history stays); the 定密责任人 role for that scope goes with it."""
    with atomic_action(actor, "classification.authority.revoke", obj=authority):
        policy.require(actor, Perm.DESIGNATE_AUTHORITY)
        authority = Authority.objects.select_for_update().select_related("person").get(pk=authority.pk)
        if authority.revoked_at is not None:
            raise Conflict(_("该指定已撤销"))
        if not reason.strip():
            raise Invalid(_("请填写撤销理由"))
        authority.revoked_at, authority.revoked_by, authority.revoke_reason = timezone.now(), actor, reason.strip()
        authority.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        assignment = RoleAssignment.objects.filter(
            user=authority.person, role=Role.CLASSIFICATION_AUTHORITY, unit=authority.unit).first()
        if assignment is not None:
            from baomi.accounts.services import role_revoke

            role_revoke(actor=actor, assignment=assignment)
        record(actor=actor, action="classification.authority.revoke", obj=authority,
               summary=f"撤销 {authority.person.username} 的定密责任人指定", details={"reason": reason.strip()[:200]})
    return authority


# ---------------------------------------------------------------- the guide (保密事项范围)


def guide_create(
    *, actor: User, title: str, document_no: str = "", issued_on: datetime.date | None = None,
    copy_current: bool = True,
) -> Guide:
    """A new version of the guide, made current. Existing decisions keep citing the entries of
    the version they were decided under; by default the current entries are copied over."""
    with atomic_action(actor, "classification.guide.create"):
        policy.require(actor, Perm.MANAGE_GUIDE)
        guide = _new_guide(actor, title, document_no, issued_on)
        if copy_current:
            previous = Guide.objects.filter(is_current=False).exclude(pk=guide.pk).order_by("-version").first()
            if previous is not None:
                _copy_entries(previous, guide)
        record(actor=actor, action="classification.guide.create", obj=guide,
               summary=f"发布保密事项范围第 {guide.version} 版",
               details={"title": guide.title, "document_no": guide.document_no, "entries": guide.entries.count()})
    return guide


def _new_guide(actor: User, title: str, document_no: str, issued_on: datetime.date | None) -> Guide:
    if not title.strip():
        raise Invalid(_("请填写保密事项范围的名称"))
    last = Guide.objects.select_for_update().order_by("-version").first()
    Guide.objects.filter(is_current=True).update(is_current=False)
    return Guide.objects.create(title=title.strip(), version=(last.version + 1) if last else 1,
                                document_no=document_no.strip(), issued_on=issued_on, is_current=True,
                                created_by=actor)


def _copy_entries(source: Guide, target: Guide) -> None:
    by_code: dict[str, GuideEntry] = {}
    for entry in source.entries.select_related("parent").order_by("sort_order", "id"):
        parent_code = entry.parent.code if entry.parent is not None else None
        copy = GuideEntry(guide=target, parent=by_code.get(parent_code) if parent_code else None, code=entry.code,
                          title=entry.title, level=entry.level, need_to_know_hint=entry.need_to_know_hint,
                          keywords=entry.keywords, legal_basis=entry.legal_basis, sort_order=entry.sort_order)
        copy.set_period(entry.period)
        copy.save()
        by_code[entry.code] = copy


@dataclass(frozen=True)
class EntryData:
    code: str
    title: str
    level: Level
    period: Period
    parent_code: str = ""
    need_to_know_hint: str = ""
    keywords: str = ""
    legal_basis: str = ""


def entry_problems(data: EntryData) -> list[str]:
    """What is wrong with one guide entry, in the user's language ([] when nothing)."""
    problems: list[str] = []
    if not data.code.strip():
        problems.append(_("编号不能为空"))
    if not data.title.strip():
        problems.append(_("事项名称不能为空"))
    if not Level(data.level).is_state_secret:
        problems.append(_("密级须为秘密、机密或绝密"))
    elif data.period.is_stated:
        try:
            _expiry_checked(datetime.date(2000, 1, 1), data.period, Level(data.level))
        except Invalid as exc:
            problems.append(exc.message)
    if data.period.until is not None:
        problems.append(_("保密事项范围的期限应为年、月、“长期”或解密条件，不能是具体日期"))
    return problems


def _entry_from(guide: Guide, data: EntryData, sort_order: int) -> GuideEntry:
    parent = None
    if data.parent_code:
        parent = guide.entries.filter(code=data.parent_code).first()
        if parent is None:
            raise Invalid(_("上级编号 %(code)s 不存在") % {"code": data.parent_code})
    entry = GuideEntry(guide=guide, parent=parent, code=data.code.strip(), title=data.title.strip(),
                       level=int(data.level), need_to_know_hint=data.need_to_know_hint.strip(),
                       keywords=data.keywords.strip(), legal_basis=data.legal_basis.strip(), sort_order=sort_order)
    entry.set_period(data.period)
    return entry


def guide_entry_create(*, actor: User, guide: Guide, data: EntryData) -> GuideEntry:
    with atomic_action(actor, "classification.guide_entry.create", obj=guide):
        policy.require(actor, Perm.MANAGE_GUIDE)
        problems = entry_problems(data)
        if problems:
            raise Invalid("；".join(problems))
        if guide.entries.filter(code=data.code.strip()).exists():
            raise Invalid(_("编号已存在：%(code)s") % {"code": data.code.strip()})
        entry = _entry_from(guide, data, sort_order=guide.entries.count() + 1)
        entry.save()
        record(actor=actor, action="classification.guide_entry.create", obj=entry,
               summary=f"保密事项范围第 {guide.version} 版新增事项 {entry.code}（{entry.default_mark}）")
    return entry


def guide_entry_update(*, actor: User, entry: GuideEntry, data: EntryData) -> GuideEntry:
    """Edit an entry. Decisions that cite it keep their own level and period: nothing changes
    silently (`selectors.decisions_citing` lists them for review)."""
    with atomic_action(actor, "classification.guide_entry.update", obj=entry):
        policy.require(actor, Perm.MANAGE_GUIDE)
        problems = entry_problems(data)
        if problems:
            raise Invalid("；".join(problems))
        entry = GuideEntry.objects.select_for_update().get(pk=entry.pk)
        before = {"title": entry.title, "level": entry.level, "mark": entry.default_mark}
        entry.title, entry.level = data.title.strip(), int(data.level)
        entry.need_to_know_hint, entry.keywords = data.need_to_know_hint.strip(), data.keywords.strip()
        entry.legal_basis = data.legal_basis.strip()
        entry.set_period(data.period)
        entry.save(update_fields=["title", "level", "need_to_know_hint", "keywords", "legal_basis",
                                  *GuideEntry.PERIOD_FIELDS])
        citing = Decision.objects.filter(guide_entry__code=entry.code, status=DecisionStatus.IN_FORCE).count()
        record(actor=actor, action="classification.guide_entry.update", obj=entry,
               summary=f"修改保密事项 {entry.code}：{before['mark']} → {entry.default_mark}",
               details={"before": before, "after": {"title": entry.title, "level": entry.level,
                                                    "mark": entry.default_mark},
                        "decisions_in_force_citing": citing})
    return entry


def guide_import(
    *, actor: User, rows: Sequence[tuple[int, EntryData | None, list[str]]], title: str, document_no: str = "",
    issued_on: datetime.date | None = None, dry_run: bool = True,
) -> Guide | None:
    """Import a whole guide as a new version from parsed rows (row number, data, problems).

    All or nothing: with any problem in any row, nothing is written and Invalid carries every
    row's problems. A dry run checks the same and writes nothing."""
    problems = _import_problems(rows)
    if problems:
        raise Invalid(_("导入文件有 %(n)s 处错误，未导入任何内容") % {"n": len(problems)},
                      details={"rows": problems})
    if dry_run:
        policy.require(actor, Perm.MANAGE_GUIDE)
        return None
    with atomic_action(actor, "classification.guide.import"):
        policy.require(actor, Perm.MANAGE_GUIDE)
        guide = _new_guide(actor, title, document_no, issued_on)
        for order, (_row, data, _problems) in enumerate(rows, start=1):
            assert data is not None
            _entry_from(guide, data, sort_order=order).save()
        record(actor=actor, action="classification.guide.import", obj=guide,
               summary=f"导入保密事项范围第 {guide.version} 版（{len(rows)} 项）",
               details={"title": guide.title, "document_no": guide.document_no, "entries": len(rows)})
    return guide


def _import_problems(rows: Sequence[tuple[int, EntryData | None, list[str]]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    codes: dict[str, int] = {}
    for row, data, problems in rows:
        mine = list(problems)
        if data is not None:
            mine += entry_problems(data)
            code = data.code.strip()
            if code in codes:
                mine.append(_("编号 %(code)s 与第 %(row)s 行重复") % {"code": code, "row": codes[code]})
            codes.setdefault(code, row)
            if data.parent_code and data.parent_code not in codes:
                mine.append(_("上级编号 %(code)s 须出现在本行之前") % {"code": data.parent_code})
        found += [{"row": row, "message": m} for m in mine]
    if not rows:
        found.append({"row": 0, "message": _("文件中没有保密事项")})
    return found


# ---------------------------------------------------------------- work-secret reference list


def reference_create(
    *, actor: User, category: str, code: str, title: str, period: Period | None = None,
    mark_label: str = DEFAULT_WORK_SECRET_MARK,
) -> WorkSecretReference:
    """An entry of the 《工作秘密确定参考范围》 (CLASS-11), with the unit's period and mark."""
    with atomic_action(actor, "classification.reference.create"):
        policy.require(actor, Perm.MANAGE_GUIDE)
        if category not in WorkSecretCategory.values:
            raise Invalid(_("工作秘密类别须为文件文稿类、政务工作类、专项业务类或内部管理类"))
        if not code.strip() or not title.strip():
            raise Invalid(_("编号和事项不能为空"))
        period = period or Period.not_stated()
        if period.long_term:
            raise Invalid(_("“长期”仅适用于国家秘密"))
        label = mark_label.strip() or DEFAULT_WORK_SECRET_MARK
        if any(c in label for c in marking.STAR_CHARS) or "\n" in label:
            raise Invalid(_("工作秘密标志不得使用★"))
        if WorkSecretReference.objects.filter(code=code.strip()).exists():
            raise Invalid(_("编号已存在：%(code)s") % {"code": code.strip()})
        reference = WorkSecretReference(category=category, code=code.strip(), title=title.strip(), mark_label=label)
        reference.set_period(period)
        reference.save()
        record(actor=actor, action="classification.reference.create", obj=reference,
               summary=f"工作秘密参考范围新增 {reference.code}（{WorkSecretCategory(category).label}）")
    return reference


# ---------------------------------------------------------------- decisions (定密)


@dataclass
class _Checked:
    level: Level
    period: Period
    expires_on: datetime.date | None
    mark_label: str


def _check_need_to_know(spec: NeedToKnowSpec, level: Level, secret_type: str) -> None:
    if spec.empty and secret_type in (SecretType.STATE, SecretType.WORK):
        raise Invalid(_("请确定知悉范围（人员、单位或角色）"))
    for role in spec.roles:
        if role not in Role.values:
            raise Invalid(_("未知角色：%(role)s") % {"role": role})
    for person in spec.people:
        if person.admin_role:
            raise Invalid(_("三员不能列入知悉范围"))
        if not policy.may_know(person, level):
            raise Invalid(_("%(name)s 的涉密类别不能知悉%(level)s级事项，不能列入知悉范围")
                          % {"name": person.full_name, "level": level.zh})


def _check(
    *, secret_type: str, level: Level | None, period: Period | None, decided_on: datetime.date,
    guide_entry: GuideEntry | None, work_reference: WorkSecretReference | None, provisional: bool,
    commercial_kind: str, mark_label: str, commercial_scope: str = "",
) -> _Checked:
    """The level, period, expiry and label a decision gets, or Invalid with the reason."""
    if secret_type not in SecretType.values:
        raise Invalid(_("请选择秘密类型：国家秘密、工作秘密、商业秘密或个人隐私"))
    if secret_type != SecretType.COMMERCIAL and (commercial_kind or commercial_scope):
        raise Invalid(_("只有商业秘密区分技术信息和经营信息，并引用公司保密范围"))
    if secret_type == SecretType.STATE:
        if provisional and guide_entry is not None:
            raise Invalid(_("先行拟定的事项不引用保密事项范围"))
        if not provisional and guide_entry is None:
            raise Invalid(_("请选择定密依据（保密事项范围的条目）；范围未涵盖的事项请选择“先行拟定”"))
        if work_reference is not None:
            raise Invalid(_("国家秘密不引用工作秘密参考范围"))
        level = Level(level if level is not None else guide_entry.level if guide_entry else 0)
        if not level.is_state_secret:
            raise Invalid(_("国家秘密的密级须为绝密、机密或秘密"))
        if period is None and guide_entry is not None:
            period = guide_entry.period
        if period is None or not period.is_stated:
            raise Invalid(_("请写明保密期限、解密时间或解密条件"))
        return _Checked(level, period, _expiry_checked(decided_on, period, level), "")
    if provisional or guide_entry is not None:
        raise Invalid(_("保密事项范围和先行拟定只适用于国家秘密"))
    if level is not None and Level(level).is_state_secret:
        raise Invalid(_("工作秘密、商业秘密和个人隐私不划分绝密、机密、秘密三级"))
    label = mark_label.strip()
    if any(c in label for c in marking.STAR_CHARS) or "\n" in label:
        raise Invalid(_("工作秘密标志不得使用★"))
    if secret_type == SecretType.WORK:
        if work_reference is None or not work_reference.is_active:
            raise Invalid(_("确定工作秘密须引用《工作秘密确定参考范围》中的事项"))
        period = period if period is not None and period.is_stated else work_reference.period
        if not period.is_stated:
            raise Invalid(_("请确定工作秘密的期限"))
        level = Level.WORK_SECRET
        return _Checked(level, period, _expiry_checked(decided_on, period, level), label or work_reference.mark_label)
    if work_reference is not None:
        raise Invalid(_("只有工作秘密引用工作秘密参考范围"))
    if secret_type == SecretType.COMMERCIAL and commercial_kind not in (CommercialKind.TECHNICAL,
                                                                        CommercialKind.BUSINESS):
        raise Invalid(_("请选择商业秘密类别：技术信息或经营信息"))
    if secret_type == SecretType.COMMERCIAL and commercial_scope not in CommercialScope.values[1:]:
        raise Invalid(_("请选择商业秘密所属的公司保密范围（八项之一）"))
    period = period or Period.not_stated()
    level = Level.INTERNAL
    return _Checked(level, period, _expiry_checked(decided_on, period, level),
                    label or _NON_STATE_LABELS[SecretType(secret_type)])


def _store_need_to_know(decision: Decision, spec: NeedToKnowSpec) -> None:
    rows = [NeedToKnow(decision=decision, person=p) for p in dict.fromkeys(spec.people)]
    rows += [NeedToKnow(decision=decision, unit=u) for u in dict.fromkeys(spec.units)]
    rows += [NeedToKnow(decision=decision, role=r) for r in dict.fromkeys(spec.roles)]
    NeedToKnow.objects.bulk_create(rows)


def _need_to_know_details(spec: NeedToKnowSpec) -> dict[str, list[Any]]:
    return {"people": [p.pk for p in spec.people], "units": [u.pk for u in spec.units], "roles": list(spec.roles)}


def _decided_on(value: datetime.date | None) -> datetime.date:
    day = value or today()
    if day > today():
        raise Invalid(_("定密日期不能晚于今天"))
    return day


def decision_create(
    *,
    actor: User,
    title: str,
    secret_type: str,
    need_to_know: NeedToKnowSpec,
    level: Level | None = None,
    period: Period | None = None,
    unit: Unit | None = None,
    guide_entry: GuideEntry | None = None,
    work_reference: WorkSecretReference | None = None,
    reasons: str = "",
    proposer: User | None = None,
    provisional: bool = False,
    commercial_kind: str = "",
    commercial_scope: str = "",
    mark_label: str = "",
    carrier_type: str = "",
    carrier_id: str = "",
    decided_on: datetime.date | None = None,
) -> Decision:
    """定密 by a 定密责任人 on a proposal (承办人提出、定密责任人审核批准): within the authority's
    level, unit and matters, or refused with the reason. A matter the guide does not cover is
    classified provisionally and must be reported within 10 working days."""
    with atomic_action(actor, "classification.decide"):
        authority = policy.active_authority(actor)
        day = _decided_on(decided_on)
        checked = _check(secret_type=secret_type, level=level, period=period, decided_on=day,
                         guide_entry=guide_entry, work_reference=work_reference, provisional=provisional,
                         commercial_kind=commercial_kind, mark_label=mark_label, commercial_scope=commercial_scope)
        reason = policy.reason_may_classify(authority, checked.level, guide_entry,
                                            unit=unit if unit is not None else actor.unit, provisional=provisional)
        if reason is None:
            reason = _reason_other_scope(authority, commercial_scope)
        if reason:
            raise Refused(reason, details={"level": int(checked.level),
                                           "guide_entry": guide_entry.code if guide_entry else None})
        decision = _insert(
            actor=actor, title=title, secret_type=secret_type, checked=checked, need_to_know=need_to_know,
            unit=unit if unit is not None else actor.unit, guide_entry=guide_entry, work_reference=work_reference,
            reasons=reasons, proposer=proposer or actor, authority=authority, decided_by=actor, decided_on=day,
            status=DecisionStatus.IN_FORCE, provisional=provisional, commercial_kind=commercial_kind,
            commercial_scope=commercial_scope, carrier_type=carrier_type, carrier_id=carrier_id,
        )
        record(actor=actor, action="classification.decide", obj=decision,
               summary=f"定密 {decision.code}：{decision.current_mark}（{SecretType(secret_type).label}）",
               details=_decision_details(decision, need_to_know, adjusted=_adjusted(guide_entry, checked)))
    return decision


def decision_propose(
    *,
    actor: User,
    authority: Authority,
    title: str,
    secret_type: str,
    need_to_know: NeedToKnowSpec,
    level: Level | None = None,
    period: Period | None = None,
    unit: Unit | None = None,
    guide_entry: GuideEntry | None = None,
    work_reference: WorkSecretReference | None = None,
    reasons: str = "",
    provisional: bool = False,
    commercial_kind: str = "",
    commercial_scope: str = "",
    mark_label: str = "",
) -> Decision:
    """A 承办人's proposal, for the named 定密责任人 to confirm (`decision_confirm`) or reject."""
    with atomic_action(actor, "classification.propose"):
        if not policy.reads_classification_registers(actor):
            raise Refused(_("三员不能提出定密建议"))
        day = today()
        checked = _check(secret_type=secret_type, level=level, period=period, decided_on=day,
                         guide_entry=guide_entry, work_reference=work_reference, provisional=provisional,
                         commercial_kind=commercial_kind, mark_label=mark_label, commercial_scope=commercial_scope)
        if not policy.may_know(actor, checked.level):
            raise Refused(_("您的涉密类别不能知悉%(level)s级事项") % {"level": checked.level.zh})
        if authority.revoked_at is not None or authority.person_id == actor.pk:
            raise Invalid(_("请选择一位现任的定密责任人（不能是本人）审核"))
        decision = _insert(
            actor=actor, title=title, secret_type=secret_type, checked=checked, need_to_know=need_to_know,
            unit=unit if unit is not None else actor.unit, guide_entry=guide_entry, work_reference=work_reference,
            reasons=reasons, proposer=actor, authority=authority, decided_by=None, decided_on=None,
            status=DecisionStatus.PROPOSED, provisional=provisional, commercial_kind=commercial_kind,
            commercial_scope=commercial_scope,
        )
        record(actor=actor, action="classification.propose", obj=decision,
               summary=f"提出定密建议 {decision.code}：{decision.current_mark}，报 {authority.person.username} 审核",
               details=_decision_details(decision, need_to_know))
    return decision


def decision_confirm(
    *, actor: User, decision: Decision, level: Level | None = None, period: Period | None = None,
    reasons: str | None = None,
) -> Decision:
    """The named 定密责任人 confirms a proposal, adjusting level and period within their authority."""
    with atomic_action(actor, "classification.confirm", obj=decision):
        # Lock the decision row only (FOR UPDATE cannot reach the nullable side of a join).
        decision = Decision.objects.select_for_update(of=("self",)).select_related(
            "guide_entry", "work_reference", "unit", "authority__person").get(pk=decision.pk)
        if decision.status != DecisionStatus.PROPOSED:
            raise Conflict(_("该定密建议已处理"))
        authority = policy.active_authority(actor)
        if authority is None or authority.pk != decision.authority_id:
            raise Refused(_("只有建议所报的定密责任人可以审核批准"))
        day = today()
        checked = _check(secret_type=decision.secret_type,
                         level=level if level is not None else Level(decision.level),
                         period=period if period is not None else decision.period, decided_on=day,
                         guide_entry=decision.guide_entry, work_reference=decision.work_reference,
                         provisional=decision.provisional, commercial_kind=decision.commercial_kind,
                         mark_label=decision.mark_label, commercial_scope=decision.commercial_scope)
        reason = policy.reason_may_classify(authority, checked.level, decision.guide_entry, unit=decision.unit,
                                            provisional=decision.provisional)
        reason = reason or _reason_other_scope(authority, decision.commercial_scope)
        if reason:
            raise Refused(reason, details={"level": int(checked.level)})
        proposed = decision.current_mark
        decision.level, decision.expires_on, decision.mark_label = int(checked.level), checked.expires_on, \
            checked.mark_label
        decision.set_period(checked.period)
        decision.status, decision.decided_by, decision.decided_on = DecisionStatus.IN_FORCE, actor, day
        if reasons is not None and reasons.strip():
            decision.reasons = reasons.strip()
        if decision.provisional:
            decision.report_deadline = working_days_after(day, PROVISIONAL_REPORT_WORKING_DAYS)
        decision.save(update_fields=["level", "expires_on", "mark_label", "status", "decided_by", "decided_on",
                                     "reasons", "report_deadline", *Decision.PERIOD_FIELDS])
        record(actor=actor, action="classification.confirm", obj=decision,
               summary=f"审核批准定密 {decision.code}：{decision.current_mark}",
               details={"proposed": proposed, "decided": decision.current_mark,
                        "adjusted": proposed != decision.current_mark})
    return decision


def decision_reject(*, actor: User, decision: Decision, comment: str) -> Decision:
    with atomic_action(actor, "classification.reject", obj=decision):
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.status != DecisionStatus.PROPOSED:
            raise Conflict(_("该定密建议已处理"))
        authority = policy.active_authority(actor)
        if authority is None or authority.pk != decision.authority_id:
            raise Refused(_("只有建议所报的定密责任人可以审核"))
        if not comment.strip():
            raise Invalid(_("不予批准时须填写意见"))
        decision.status = DecisionStatus.REJECTED
        decision.save(update_fields=["status"])
        record(actor=actor, action="classification.reject", obj=decision,
               summary=f"不予批准定密建议 {decision.code}", details={"comment": comment.strip()[:200]})
    return decision


def _reason_other_scope(authority: Authority | None, commercial_scope: str) -> str | None:
    """CLASS-16: a company secret outside the eight scopes needs the unit head's declaration."""
    if commercial_scope == CommercialScope.OTHER and (authority is None or not authority.is_unit_head):
        return _("公司保密范围以外的“其它”事项须由单位负责人申明")
    return None


def _adjusted(guide_entry: GuideEntry | None, checked: _Checked) -> bool:
    return guide_entry is not None and (guide_entry.level != checked.level or guide_entry.period != checked.period)


def _insert(
    *, actor: User, title: str, secret_type: str, checked: _Checked, need_to_know: NeedToKnowSpec,
    unit: Unit | None, guide_entry: GuideEntry | None, work_reference: WorkSecretReference | None, reasons: str,
    proposer: User, authority: Authority | None, decided_by: User | None, decided_on: datetime.date | None,
    status: str, provisional: bool, commercial_kind: str, carrier_type: str = "", carrier_id: str = "",
    derived: bool = False, commercial_scope: str = "",
) -> Decision:
    if not title.strip():
        raise Invalid(_("请填写事项名称"))
    if len(title.strip()) > 200:
        raise Invalid(_("事项名称不能超过 200 字"))
    if bool(carrier_type) != bool(carrier_id):
        raise Invalid(_("载体类型和编号须同时填写"))
    _check_need_to_know(need_to_know, checked.level, secret_type)
    decision = Decision(
        title=title.strip(), secret_type=secret_type, level=int(checked.level), mark_label=checked.mark_label,
        expires_on=checked.expires_on, unit=unit, guide_entry=guide_entry, work_reference=work_reference,
        reasons=reasons.strip(), proposer=proposer, authority=authority, decided_by=decided_by,
        decided_on=decided_on, status=status, provisional=provisional, commercial_kind=commercial_kind,
        commercial_scope=commercial_scope,
        carrier_type=carrier_type, carrier_id=carrier_id, derived=derived,
        report_deadline=working_days_after(decided_on or today(), PROVISIONAL_REPORT_WORKING_DAYS)
        if provisional else None,
    )
    decision.set_period(checked.period)
    decision.save()
    _store_need_to_know(decision, need_to_know)
    return decision


def _decision_details(decision: Decision, spec: NeedToKnowSpec, **extra: Any) -> dict[str, Any]:
    return {
        "secret_type": decision.secret_type, "level": decision.level, "mark": decision.current_mark,
        "expires_on": decision.expires_on.isoformat() if decision.expires_on else None,
        "guide_entry": decision.guide_entry.code if decision.guide_entry_id else None,  # type: ignore[union-attr]
        "work_reference": decision.work_reference.code if decision.work_reference_id else None,  # type: ignore[union-attr]
        "proposer": decision.proposer_id, "authority": decision.authority_id, "provisional": decision.provisional,
        "report_deadline": decision.report_deadline.isoformat() if decision.report_deadline else None,
        "unit": decision.unit_id, "need_to_know": _need_to_know_details(spec), **extra,
    }


def decision_derive(
    *,
    actor: User,
    sources: Sequence[Decision],
    title: str,
    need_to_know: NeedToKnowSpec,
    unit: Unit | None = None,
    level: Level | None = None,
    reasons: str = "",
    carrier_type: str = "",
    carrier_id: str = "",
) -> Decision:
    """派生定密: the new item takes at least the highest level and the latest expiry of its
    sources. The deriving person need not be a 定密责任人 (2025 定密管理规定): the item is
    recorded as derived, with its sources, and without an approving authority. Only a level
    above every source is original classification, and needs an authority for it."""
    with atomic_action(actor, "classification.derive"):
        if not policy.reads_classification_registers(actor):
            raise Refused(_("三员不能派生定密"))
        if not sources:
            raise Invalid(_("请选择派生来源"))
        ids = sorted({s.pk for s in sources})
        from baomi.classification.selectors import decisions_visible_to

        found = list(decisions_visible_to(actor).filter(pk__in=ids).select_related("work_reference"))
        if len(found) != len(ids):
            raise NotFound(_("对象不存在"))
        if any(not s.in_force for s in found):
            raise Conflict(_("派生来源须为有效的定密事项"))
        top = max(Level(s.level) for s in found)
        wanted = Level(level) if level is not None else top
        if wanted < top:
            raise Refused(_("派生定密的密级不得低于来源的最高密级（%(level)s）") % {"level": top.zh})
        if wanted > top:
            reason = policy.reason_may_classify(policy.active_authority(actor), wanted, unit=unit or actor.unit)
            if reason:
                raise Refused(reason)
        secret_type = _derived_type(found)
        day = today()
        period = _latest_period(found, wanted, day)
        work_source = next((s for s in found if s.secret_type == SecretType.WORK), None)
        checked = _Checked(
            wanted, period, _expiry_checked(day, period, wanted) if period.is_stated else None,
            work_source.mark_label if secret_type == SecretType.WORK and work_source else
            _NON_STATE_LABELS.get(SecretType(secret_type), ""),  # type: ignore[call-overload]
        )
        decision = _insert(
            actor=actor, title=title, secret_type=secret_type, checked=checked, need_to_know=need_to_know,
            unit=unit if unit is not None else actor.unit, guide_entry=None,
            work_reference=work_source.work_reference if secret_type == SecretType.WORK and work_source else None,
            reasons=reasons or "派生自 " + "、".join(s.code for s in found), proposer=actor,
            authority=policy.active_authority(actor) if wanted > top else None, decided_by=actor, decided_on=day,
            status=DecisionStatus.IN_FORCE, provisional=False,
            commercial_kind=next((s.commercial_kind for s in found if s.commercial_kind), "")
            if secret_type == SecretType.COMMERCIAL else "",
            commercial_scope=next((s.commercial_scope for s in found if s.commercial_scope), "")
            if secret_type == SecretType.COMMERCIAL else "",
            carrier_type=carrier_type, carrier_id=carrier_id, derived=True,
        )
        decision.sources.set(found)
        record(actor=actor, action="classification.derive", obj=decision,
               summary=f"派生定密 {decision.code}：{decision.current_mark}，来源 " + "、".join(s.code for s in found),
               details={**_decision_details(decision, need_to_know), "sources": ids, "derived": True})
    return decision


def _derived_type(sources: Sequence[Decision]) -> str:
    for kind in (SecretType.STATE, SecretType.WORK, SecretType.COMMERCIAL, SecretType.PRIVACY):
        if any(s.secret_type == kind for s in sources):
            return kind
    return SecretType.STATE


def _latest_period(sources: Sequence[Decision], level: Level, day: datetime.date) -> Period:
    """The latest expiry of the sources, as a period: 长期 if any is 长期, the one shared
    condition if all are conditions, else the latest end date."""
    if any(s.period.long_term for s in sources):
        return Period(long_term=True)
    conditions = {s.period.condition for s in sources if s.period.condition}
    dates = [s.expires_on for s in sources if s.expires_on is not None]
    if conditions and (dates or len(conditions) > 1):
        raise Invalid(_("来源以不同的解密条件或期限确定，无法自动取最晚期限：请由定密责任人确定"))
    if conditions:
        return Period(condition=conditions.pop())
    if not dates:
        return Period.not_stated()
    return Period(until=max(dates))


def decision_report_provisional(
    *, actor: User, decision: Decision, reference: str, reported_on: datetime.date | None = None
) -> Decision:
    """Record that a provisional classification was reported to the superior secrecy department."""
    with atomic_action(actor, "classification.provisional.report", obj=decision):
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if not decision.provisional or decision.status != DecisionStatus.IN_FORCE:
            raise Conflict(_("该事项不是待报送的先行定密事项"))
        if decision.reported_on is not None:
            raise Conflict(_("已报送"))
        if policy.reason_may_decide_change(actor, decision, None) is not None and decision.decided_by_id != actor.pk:
            raise Refused(_("只有定密责任人可以登记报送"))
        if not reference.strip():
            raise Invalid(_("请填写报送文号"))
        day = reported_on or today()
        if day > today() or (decision.decided_on and day < decision.decided_on):
            raise Invalid(_("报送日期须在定密日期和今天之间"))
        decision.reported_on, decision.report_reference = day, reference.strip()
        decision.save(update_fields=["reported_on", "report_reference"])
        late = decision.report_deadline is not None and day > decision.report_deadline
        record(actor=actor, action="classification.provisional.report", obj=decision,
               summary=f"先行定密 {decision.code} 已报送上级保密行政管理部门" + ("（逾期）" if late else ""),
               details={"reference": decision.report_reference, "reported_on": day.isoformat(), "late": late})
    return decision


# ---------------------------------------------------------------- release (CLASS-14)


def release_check(*, actor: User | None, item: Any, purpose: str = "disclosure") -> None:
    """Before any disclosure or publication (信息公开, 对外发布), another module asks here.

    Refused (and recorded) while the item, or a decision linked to it as a carrier, is still
    classified or still a work secret: it must be lifted first (CLASS-13)."""
    if isinstance(item, Decision):
        linked = Decision.objects.filter(pk=item.pk)
        object_type, object_id = "decision", str(item.pk)
    else:
        object_type, object_id, _level = describe(item)
        linked = Decision.objects.filter(carrier_type=object_type, carrier_id=object_id)
    blocking = list(linked.filter(status=DecisionStatus.IN_FORCE).order_by("-level"))
    with atomic_action(actor, "classification.release_check", obj=item):
        if blocking:
            first = blocking[0]
            if first.secret_type == SecretType.WORK:
                message = _("该事项仍属工作秘密，须先解除工作秘密后方可公开或发布")
            elif first.is_state_secret:
                message = _("该事项仍为国家秘密（%(mark)s），须先解除定密后方可公开或发布") % {
                    "mark": first.current_mark}
            else:
                message = _("该事项仍属%(type)s，须先解除后方可公开或发布") % {
                    "type": SecretType(first.secret_type).label}
            raise Refused(message, code="still_secret",
                          details={"purpose": purpose, "decisions": [d.pk for d in blocking]})
        record(actor=actor, action="classification.release_check", object_type=object_type, object_id=object_id,
               summary=f"公开前保密审查通过：{object_type}#{object_id}", details={"purpose": purpose},
               actor_username="" if actor else SCHEDULER)


# ---------------------------------------------------------------- changes and lifting (变更 / 解除)


def change_request(
    *,
    actor: User,
    decision: Decision,
    kind: str,
    justification: str,
    new_level: Level | None = None,
    new_period: Period | None = None,
) -> Change:
    """Ask to raise or lower the level, extend or shorten the period, or lift a decision. The
    request goes through the approval engine to a 定密责任人 covering the decision (and the
    new level); it takes effect when approved. A written justification is required, and an
    extension must come before the period ends."""
    with atomic_action(actor, "classification.change.request", obj=decision):
        from baomi.approvals.services import request_submit
        from baomi.classification.selectors import decisions_visible_to

        if not decisions_visible_to(actor).filter(pk=decision.pk).exists():
            raise NotFound(_("对象不存在"))
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if not justification.strip():
            if kind in (ChangeKind.LOWER, ChangeKind.LIFT):
                raise Invalid(_("降低密级或解除定密须有书面理由"))
            raise Invalid(_("请填写变更理由"))
        change = Change(decision=decision, kind=kind, old_level=decision.level, old_mark=decision.current_mark,
                        justification=justification.strip(), requested_by=actor)
        level, period = _validate_change(decision, kind, new_level, new_period, today())
        change.new_level = int(level) if kind in (ChangeKind.RAISE, ChangeKind.LOWER) else None
        if kind in (ChangeKind.EXTEND, ChangeKind.SHORTEN):
            change.set_period(period)
        change.new_mark = "解密" if kind == ChangeKind.LIFT else _mark(decision, level, period)
        change.save()
        label = ChangeKind(kind).label
        approval = request_submit(
            actor=actor, request_type=CHANGE_REQUEST_TYPE, subject=decision,
            title=f"{decision.code} {label}：{change.old_mark} → {change.new_mark}", reason=change.justification,
            level=max(decision.level, change.new_level or 0), unit=decision.unit, payload={"change": change.pk},
        )
        change.approval = approval
        change.save(update_fields=["approval"])
        record(actor=actor, action="classification.change.request", obj=decision,
               summary=f"申请{label} {decision.code}：{change.old_mark} → {change.new_mark}",
               details={"change": change.pk, "kind": kind, "approval": approval.pk, "new_level": change.new_level,
                        "new_mark": change.new_mark})
    return change


def _mark(decision: Decision, level: Level, period: Period) -> str:
    if decision.is_state_secret:
        return marking.format_marking(level, period)
    return decision.current_mark


def _validate_change(
    decision: Decision, kind: str, new_level: Level | None, new_period: Period | None, day: datetime.date
) -> tuple[Level, Period]:
    """The level and period after the change, or why it cannot be made now."""
    if kind not in ChangeKind.values:
        raise Invalid(_("未知的变更类型"))
    if decision.status == DecisionStatus.EXPIRED or (decision.expires_on is not None and decision.expires_on <= day):
        raise Refused(_("保密期限已届满，事项已自行解密，不能再变更或延长；如仍需保密，须重新定密"),
                      code="expired")
    if decision.status != DecisionStatus.IN_FORCE:
        raise Conflict(_("只有有效的定密事项可以变更或解除"))
    level, period = Level(decision.level), decision.period
    if kind == ChangeKind.LIFT:
        return level, period
    if kind in (ChangeKind.RAISE, ChangeKind.LOWER):
        if not decision.is_state_secret:
            raise Invalid(_("工作秘密等不分密级，只能变更期限或解除"))
        if new_level is None or not Level(new_level).is_state_secret:
            raise Invalid(_("新密级须为秘密、机密或绝密；降为非国家秘密请选择解除"))
        new = Level(new_level)
        if kind == ChangeKind.RAISE and new <= level:
            raise Invalid(_("提高密级须高于原密级"))
        if kind == ChangeKind.LOWER and new >= level:
            raise Invalid(_("降低密级须低于原密级"))
        assert decision.decided_on is not None
        _expiry_checked(decision.decided_on, period, new)
        return new, period
    if new_period is None or not new_period.is_stated:
        raise Invalid(_("请填写新的保密期限"))
    assert decision.decided_on is not None
    new_expiry = _expiry_checked(decision.decided_on, new_period, level)
    if new_period.condition and not decision.period.condition:
        raise Invalid(_("以解密条件代替确定的期限须先解除后重新定密"))
    if kind == ChangeKind.EXTEND and not _later(new_expiry, decision.expires_on):
        raise Invalid(_("延长后的保密期限须晚于原期限（%(mark)s）") % {"mark": decision.current_mark})
    if kind == ChangeKind.SHORTEN:
        if not _later(decision.expires_on, new_expiry):
            raise Invalid(_("缩短后的保密期限须早于原期限（%(mark)s）") % {"mark": decision.current_mark})
        if new_expiry is not None and new_expiry <= day:
            raise Invalid(_("缩短后的期限已过：请选择解除"))
    return level, new_period


def _apply_change(request: Any, decider: User) -> None:
    """on_approved: runs inside the transaction that records the final approval."""
    change = Change.objects.select_for_update().get(pk=request.payload["change"])
    decision = Decision.objects.select_for_update().get(pk=change.decision_id)
    if change.status != ChangeStatus.PENDING:
        raise Conflict(_("该变更已处理"))
    day = today()
    level, period = _validate_change(decision, change.kind, Level(change.new_level) if change.new_level else None,
                                     change.period if change.kind in (ChangeKind.EXTEND, ChangeKind.SHORTEN)
                                     else None, day)
    before = decision.current_mark
    if change.kind == ChangeKind.LIFT:
        decision.status, decision.ended_on = DecisionStatus.LIFTED, day
        after = "解密"
    else:
        assert decision.decided_on is not None
        decision.level = int(level)
        decision.set_period(period)
        decision.expires_on = _expiry_checked(decision.decided_on, period, level)
        after = decision.current_mark
    decision.previous_mark = before
    decision.save(update_fields=["status", "ended_on", "level", "expires_on", "previous_mark",
                                 *Decision.PERIOD_FIELDS])
    change.status, change.decided_at, change.new_mark = ChangeStatus.APPLIED, timezone.now(), after
    change.save(update_fields=["status", "decided_at", "new_mark"])
    kind = NoticeKind.LIFT if change.kind == ChangeKind.LIFT else NoticeKind.CHANGE
    notified = _notify(decision, kind=kind, change=change, before=before, after=after)
    action = "classification.lift" if change.kind == ChangeKind.LIFT else "classification.change.apply"
    record(actor=decider, action=action, obj=decision,
           summary=f"{ChangeKind(change.kind).label} {decision.code}：{before} → {after}",
           details={"change": change.pk, "approval": request.pk, "kind": change.kind, "before": before,
                    "after": after, "notified": notified})


def _reject_change(request: Any, decider: User) -> None:
    change = Change.objects.select_for_update().filter(pk=request.payload.get("change")).first()
    if change is None or change.status != ChangeStatus.PENDING:
        return
    change.status, change.decided_at = ChangeStatus.REJECTED, timezone.now()
    change.save(update_fields=["status", "decided_at"])
    record(actor=decider, action="classification.change.reject", obj=change.decision,
           summary=f"{ChangeKind(change.kind).label} {change.decision.code} 未获批准",
           details={"change": change.pk, "approval": request.pk, "outcome": request.status})


def _may_decide_change(request: Any, person: User) -> str | None:
    change = Change.objects.select_related("decision__unit").filter(pk=request.payload.get("change")).first()
    if change is None:
        return _("对象不存在")
    return policy.reason_may_decide_change(person, change.decision, change.new_level)


def register_request_types() -> None:
    from baomi.approvals.registry import RequestType, register

    register(RequestType(
        code=CHANGE_REQUEST_TYPE, label="定密变更/解除", on_approved=_apply_change, on_rejected=_reject_change,
        may_decide=_may_decide_change, default_steps=((Role.CLASSIFICATION_AUTHORITY.value, "requester_unit"),),
    ))


# ---------------------------------------------------------------- notices


def holders(decision: Decision) -> QuerySet[User]:
    """The active people in a decision's need-to-know, resolved now."""
    entries = list(decision.need_to_know.values_list("person_id", "unit_id", "role"))
    people = [p for p, _u, _r in entries if p]
    units: set[int] = set()
    for _p, unit_id, _r in entries:
        if unit_id:
            units |= policy._covered_units(unit_id) or set()
    roles = [r for _p, _u, r in entries if r]
    condition = Q(pk__in=people) | Q(unit_id__in=units) | Q(role_assignments__role__in=roles)
    return User.objects.filter(condition, is_active=True, admin_role="").distinct()


def _notify(decision: Decision, *, kind: str, change: Change | None, before: str, after: str) -> int:
    recipients = list(holders(decision).values_list("pk", flat=True))
    Notice.objects.bulk_create([
        Notice(decision=decision, change=change, kind=kind, person_id=pk, mark_before=before, mark_after=after)
        for pk in recipients
    ])
    return len(recipients)


def notice_acknowledge(*, actor: User, notice: Notice) -> Notice:
    """The recipient confirms they have read a notice (and re-marked their copies)."""
    with atomic_action(actor, "classification.notice.ack", obj=notice.decision):
        notice = Notice.objects.select_for_update().select_related("decision").get(pk=notice.pk)
        if notice.person_id != actor.pk:
            raise NotFound(_("对象不存在"))
        if notice.acknowledged_at is not None:
            raise Conflict(_("已确认"))
        notice.acknowledged_at = timezone.now()
        notice.save(update_fields=["acknowledged_at"])
        record(actor=actor, action="classification.notice.ack", obj=notice.decision,
               summary=f"{actor.username} 确认{NoticeKind(notice.kind).label} {notice.decision.code}",
               details={"notice": notice.pk, "kind": notice.kind})
    return notice


# ---------------------------------------------------------------- daily job: expiry and reminders


def decisions_expire(*, on: datetime.date | None = None) -> list[Decision]:
    """自行解密: every decision whose period ends on or before `on` (today in the installation's
    time zone) is declassified, recorded and notified. Idempotent."""
    day = on or today()
    done: list[Decision] = []
    due = Decision.objects.filter(status=DecisionStatus.IN_FORCE, expires_on__lte=day).values_list("pk", flat=True)
    for pk in list(due):
        with atomic_action(None, "classification.expire", actor_username=SCHEDULER):
            decision = Decision.objects.select_for_update().get(pk=pk)
            if decision.status != DecisionStatus.IN_FORCE:
                continue
            before = decision.current_mark
            decision.status, decision.ended_on, decision.previous_mark = DecisionStatus.EXPIRED, day, before
            decision.save(update_fields=["status", "ended_on", "previous_mark"])
            pending = Change.objects.filter(decision=decision, status=ChangeStatus.PENDING)
            for change in pending:
                # A change still awaiting approval dies with the period it would have changed,
                # and so does its request in the approvers' inboxes.
                change.status, change.decided_at = ChangeStatus.REJECTED, timezone.now()
                change.save(update_fields=["status", "decided_at"])
                if change.approval is not None:
                    from baomi.approvals.services import request_cancel

                    request_cancel(request=change.approval, reason=f"{decision.code} 保密期限已届满")
            notified = _notify(decision, kind=NoticeKind.EXPIRE, change=None, before=before, after="解密")
            record(actor=None, actor_username=SCHEDULER, action="classification.expire", obj=decision,
                   summary=f"保密期限届满，{decision.code} 自行解密（原标志 {before}）",
                   details={"expires_on": decision.expires_on.isoformat() if decision.expires_on else None,
                            "on": day.isoformat(), "notified": notified})
            done.append(decision)
    return done


def reminders_send(*, on: datetime.date | None = None) -> int:
    """Remind the authority before a period ends (复审, 解密 or extend: CLASS-07) and before a
    provisional classification's report is due. Once per decision and deadline."""
    day = on or today()
    sent = 0
    expiring = Decision.objects.filter(status=DecisionStatus.IN_FORCE, expires_on__gt=day,
                                       expires_on__lte=day + datetime.timedelta(days=EXPIRY_REMINDER_DAYS))
    reporting = Decision.objects.filter(status=DecisionStatus.IN_FORCE, provisional=True, reported_on__isnull=True,
                                        report_deadline__lte=working_days_after(day, REPORT_REMINDER_WORKING_DAYS))
    for kind, queryset, due_field in ((NoticeKind.REMIND_EXPIRY, expiring, "expires_on"),
                                      (NoticeKind.REMIND_REPORT, reporting, "report_deadline")):
        for decision in queryset.select_related("authority"):
            person_id = decision.authority.person_id if decision.authority else decision.decided_by_id
            due = getattr(decision, due_field)
            if person_id is None or Notice.objects.filter(decision=decision, kind=kind, person_id=person_id,
                                                          due_on=due).exists():
                continue
            with atomic_action(None, "classification.remind", actor_username=SCHEDULER):
                try:
                    with transaction.atomic():
                        Notice.objects.create(decision=decision, kind=kind, person_id=person_id, due_on=due,
                                              mark_before=decision.current_mark)
                except IntegrityError:
                    continue  # another tick sent it
                record(actor=None, actor_username=SCHEDULER, action="classification.remind", obj=decision,
                       summary=f"提醒：{decision.code} {NoticeKind(kind).label}（{due.isoformat()}）",
                       details={"kind": kind, "person": person_id, "due_on": due.isoformat()})
            sent += 1
    return sent


def daily(*, on: datetime.date | None = None) -> list[str]:
    """The classification part of `jobs.tick()`."""
    expired = decisions_expire(on=on)
    reminded = reminders_send(on=on)
    lines = []
    if expired:
        lines.append(f"classification: {len(expired)} expired (自行解密)")
    if reminded:
        lines.append(f"classification: {reminded} reminders")
    return lines


# ---------------------------------------------------------------- annual review (复审)


def review_record(
    *,
    actor: User,
    decisions: Sequence[Decision],
    year: int,
    outcome: str,
    note: str = "",
    change_kind: str | None = None,
    new_level: Level | None = None,
    new_period: Period | None = None,
) -> list[Review]:
    """Record this year's review of decisions in force (bulk): keep them, or request a change
    or lifting through the approval engine (the note is the written justification)."""
    reviews: list[Review] = []
    with atomic_action(actor, "classification.review"):
        if outcome not in ReviewOutcome.values:
            raise Invalid(_("复审结论须为维持、变更或解除"))
        if not decisions:
            raise Invalid(_("请选择要复审的事项"))
        if outcome != ReviewOutcome.KEEP and not note.strip():
            raise Invalid(_("变更或解除须有书面理由"))
        if outcome == ReviewOutcome.CHANGE and change_kind not in (ChangeKind.RAISE, ChangeKind.LOWER,
                                                                   ChangeKind.EXTEND, ChangeKind.SHORTEN):
            raise Invalid(_("请选择变更的内容"))
        in_scope = Decision.objects.filter(policy.decisions_in_authority_scope(actor))
        for decision in decisions:
            if not in_scope.filter(pk=decision.pk).exists():
                raise Refused(_("%(code)s 不在您的定密权限范围内，不能复审") % {"code": decision.code})
            if decision.status != DecisionStatus.IN_FORCE:
                raise Conflict(_("%(code)s 已不在有效状态") % {"code": decision.code})
            if Review.objects.filter(decision=decision, year=year).exists():
                raise Conflict(_("%(code)s 本年度已复审") % {"code": decision.code})
            change = None
            if outcome == ReviewOutcome.LIFT:
                change = change_request(actor=actor, decision=decision, kind=ChangeKind.LIFT, justification=note)
            elif outcome == ReviewOutcome.CHANGE:
                assert change_kind is not None
                change = change_request(actor=actor, decision=decision, kind=change_kind, justification=note,
                                        new_level=new_level, new_period=new_period)
            review = Review.objects.create(decision=decision, year=year, outcome=outcome, note=note.strip(),
                                           change=change, reviewer=actor)
            record(actor=actor, action="classification.review", obj=decision,
                   summary=f"{year} 年度复审 {decision.code}：{ReviewOutcome(outcome).label}",
                   details={"year": year, "outcome": outcome, "change": change.pk if change else None})
            reviews.append(review)
    return reviews


__all__ = [
    "ENDED",
    "PeriodKind",
    "authority_designate",
    "authority_revoke",
    "change_request",
    "daily",
    "decision_confirm",
    "decision_create",
    "decision_derive",
    "decision_propose",
    "decision_reject",
    "decision_report_provisional",
    "decisions_expire",
    "guide_create",
    "guide_entry_create",
    "guide_entry_update",
    "guide_import",
    "notice_acknowledge",
    "reference_create",
    "release_check",
    "reminders_send",
    "review_record",
]
