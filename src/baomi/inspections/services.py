"""保密检查与整改 (INSP), 要害部位 (SITE), 保密委员会 (ORG-01/02) and 风险评估 (INSP-07).

Every change runs in `atomic_action` (audit chain lock first) and is recorded. A rectification
closes only when someone other than its owner verifies the reported fix (INSP-05); the database
refuses a closed row without a verifier, or verified by its owner (model constraints)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import RoleAssignment, Unit, User
from baomi.approvals import registry
from baomi.audit.services import atomic_action, record
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.inspections.models import (
    Answer,
    ChecklistTemplate,
    CommitteeMeeting,
    Drill,
    DutyShift,
    EntryApproval,
    EntryLog,
    Finding,
    Inspection,
    InspectionStatus,
    KeySite,
    PlanKind,
    Rectification,
    RectStatus,
    Reminder,
    Result,
    Risk,
    RiskAssessment,
    Severity,
    SiteKind,
    StudySession,
    TemplateItem,
)
from baomi.periods import add_months

CHECKLIST_FILE = Path(__file__).with_name("checklist.yaml")
DEFAULT_DUE_DAYS = 30
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# INSP-01: the holiday inspections are planned this many days before the holiday and created by
# jobs.tick once the holiday is this near.
LEAD_DAYS = 10
CREATE_AHEAD_DAYS = 150
SITE_ENTRY = "inspections.site_entry"

# 春节 (正月初一) by year: the lunar calendar is not computed, it is looked up (INSP-01).
SPRING_FESTIVAL: dict[int, datetime.date] = {
    2024: datetime.date(2024, 2, 10),
    2025: datetime.date(2025, 1, 29),
    2026: datetime.date(2026, 2, 17),
    2027: datetime.date(2027, 2, 6),
    2028: datetime.date(2028, 1, 26),
    2029: datetime.date(2029, 2, 13),
    2030: datetime.date(2030, 2, 3),
    2031: datetime.date(2031, 1, 23),
    2032: datetime.date(2032, 2, 11),
    2033: datetime.date(2033, 1, 31),
    2034: datetime.date(2034, 2, 19),
    2035: datetime.date(2035, 2, 8),
}


def holiday_date(kind: str, year: int) -> datetime.date | None:
    """The holiday an inspection comes before; None for a 春节 outside the table."""
    if kind == PlanKind.MAY_DAY:
        return datetime.date(year, 5, 1)
    if kind == PlanKind.NATIONAL_DAY:
        return datetime.date(year, 10, 1)
    if kind == PlanKind.SPRING_FESTIVAL:
        return SPRING_FESTIVAL.get(year)
    return None


# ---------------------------------------------------------------- access


def _require_office(actor: User | None) -> User:
    policy.require(actor, policy.Perm.MANAGE_INSPECTIONS)
    assert actor is not None
    return actor


def unit_secrecy_officer(unit: Unit) -> User | None:
    """The unit's 保密员: the nearest one up the unit tree, else an organisation-wide one."""
    for node in [unit, *unit.ancestors()]:
        found = (RoleAssignment.objects.filter(role="secrecy_officer", unit=node, user__is_active=True)
                 .select_related("user").order_by("id").first())
        if found:
            return found.user
    found = (RoleAssignment.objects.filter(role="secrecy_officer", unit__isnull=True, user__is_active=True)
             .select_related("user").order_by("id").first())
    return found.user if found else None


def _active_person(person: User | None, what: str) -> User:
    if person is None or not person.is_active or person.admin_role:
        raise Invalid(_("%(what)s须为在职业务人员") % {"what": what})
    return person


# ---------------------------------------------------------------- rectifications (INSP-05)


def rectification_open(
    *, actor: User | None, title: str, description: str, unit: Unit, owner: User | None,
    due_on: datetime.date | None, source: str, source_ref: str,
) -> Rectification:
    """Open a rectification not tied to an inspection (public interface for devices, incidents…).
    The owner defaults to the unit's 保密员, the deadline to 30 days from today."""
    title = (title or "").strip()
    with atomic_action(actor, "inspections.rectification_open"):
        if actor is not None and not actor.is_active:
            raise Refused(_("账户已停用"))
        if not title:
            raise Invalid(_("请填写整改事项"))
        if owner is None:
            owner = unit_secrecy_officer(unit)
            if owner is None:
                raise Invalid(_("单位“%(unit)s”没有保密员，请指定整改责任人") % {"unit": unit.name})
        _active_person(owner, _("整改责任人"))
        due = due_on or timezone.localdate() + datetime.timedelta(days=DEFAULT_DUE_DAYS)
        rect = Rectification.objects.create(
            title=title[:200], description=description or "", unit=unit, owner=owner, due_on=due,
            source=(source or "")[:40], source_ref=(source_ref or "")[:100],
            created_by=actor if actor is not None and actor.pk else None)
        record(actor=actor, action="inspections.rectification_open", obj=rect,
               summary=_("开具整改事项：%(title)s，责任人%(owner)s，期限%(due)s") % {
                   "title": rect.title, "owner": owner.full_name or owner.username, "due": due.isoformat()},
               details={"source": rect.source, "source_ref": rect.source_ref, "owner": owner.pk})
        return rect


def _lock_rect(rect: Rectification) -> Rectification:
    found = Rectification.objects.select_for_update().filter(pk=rect.pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def may_verify(actor: User, rect: Rectification) -> bool:
    """The secrecy office, or the inspector of the rectification's inspection."""
    if policy.may(actor, policy.Perm.MANAGE_INSPECTIONS):
        return True
    return bool(rect.finding_id and rect.finding and rect.finding.inspection.inspector_id == actor.pk)


def rectification_report(*, actor: User, rect: Rectification, note: str) -> Rectification:
    """The owner reports the fix done; it then waits for verification."""
    with atomic_action(actor, "inspections.rectification_report", obj=rect):
        rect = _lock_rect(rect)
        if rect.owner_id != actor.pk:
            raise Refused(_("只有整改责任人可以报告整改完成"))
        if rect.status != RectStatus.OPEN:
            raise Conflict(_("该整改事项不在整改中"))
        if not (note or "").strip():
            raise Invalid(_("请填写整改情况"))
        rect.status, rect.report_note, rect.reported_at = RectStatus.REPORTED, note.strip(), timezone.now()
        rect.save(update_fields=["status", "report_note", "reported_at"])
        record(actor=actor, action="inspections.rectification_report", obj=rect,
               summary=_("报告整改完成：%(title)s") % {"title": rect.title})
        return rect


def rectification_verify(*, actor: User, rect: Rectification, accepted: bool, note: str = "") -> Rectification:
    """复查: accepted closes it; not accepted sends it back to the owner. Never by the owner,
    never before the owner reported it done."""
    with atomic_action(actor, "inspections.rectification_verify", obj=rect):
        rect = _lock_rect(rect)
        if rect.owner_id == actor.pk:
            raise Refused(_("整改责任人不能复查本人的整改事项"))
        if not may_verify(actor, rect):
            raise Refused(_("只有保密办或检查人可以复查整改"))
        if rect.status == RectStatus.CLOSED:
            raise Conflict(_("该整改事项已关闭"))
        if rect.status != RectStatus.REPORTED:
            raise Refused(_("责任人尚未报告整改完成，未经复查不能关闭"))
        if accepted:
            rect.status, rect.verifier, rect.verified_at = RectStatus.CLOSED, actor, timezone.now()
        else:
            rect.status = RectStatus.OPEN
        rect.verify_note = (note or "").strip()
        rect.save(update_fields=["status", "verifier", "verified_at", "verify_note"])
        record(actor=actor, action="inspections.rectification_verify", obj=rect,
               summary=(_("复查通过，整改关闭：%(title)s") if accepted else _("复查未通过，退回整改：%(title)s"))
               % {"title": rect.title}, details={"accepted": accepted})
        return rect


# ---------------------------------------------------------------- plans (INSP-01, INSP-08)


def plans_ensure(*, today: datetime.date | None = None) -> list[str]:
    """jobs.tick: this year's annual plan, and each holiday inspection once its holiday is
    within CREATE_AHEAD_DAYS (next year's 春节 included). Idempotent."""
    today = today or timezone.localdate()
    done: list[str] = []
    wanted: list[tuple[PlanKind, int, datetime.date, datetime.date | None]] = [
        (PlanKind.ANNUAL, today.year, datetime.date(today.year, 1, 1), None)]
    for year in (today.year, today.year + 1):
        for kind in (PlanKind.SPRING_FESTIVAL, PlanKind.MAY_DAY, PlanKind.NATIONAL_DAY):
            day = holiday_date(kind, year)
            if day is not None and today <= day <= today + datetime.timedelta(days=CREATE_AHEAD_DAYS):
                wanted.append((kind, year, day - datetime.timedelta(days=LEAD_DAYS), day))
    for kind, year, planned_on, holiday in wanted:  # kind: a PlanKind value
        if Inspection.objects.filter(kind=kind, year=year).exists():
            continue
        title = f"{year}年{PlanKind(kind).label}"
        with atomic_action(None, "inspections.plan_create"):
            if Inspection.objects.filter(kind=kind, year=year).exists():
                continue
            insp = Inspection.objects.create(kind=kind, year=year, title=title, planned_on=planned_on,
                                             holiday_on=holiday, template=default_template())
            record(actor=None, action="inspections.plan_create", obj=insp,
                   summary=_("生成检查计划：%(title)s（计划%(on)s）") % {"title": title, "on": planned_on.isoformat()})
            if holiday is not None:  # INSP-08: units check themselves ahead of the inspection
                _remind(f"selfcheck-{kind}-{year}", _("请各单位在%(title)s前完成保密自查") % {"title": title},
                        planned_on)
        done.append(f"inspection plan {kind} {year}")
    return done


def inspection_create(*, actor: User, title: str, unit: Unit | None, planned_on: datetime.date,
                      inspector: User | None = None, template: ChecklistTemplate | None = None) -> Inspection:
    """A unit self-inspection (自查), created by hand (INSP-08)."""
    with atomic_action(actor, "inspections.create"):
        _require_office(actor)
        if not (title or "").strip():
            raise Invalid(_("请填写检查名称"))
        if inspector is not None:
            _active_person(inspector, _("检查人"))
        insp = Inspection.objects.create(kind=PlanKind.SELF, year=planned_on.year, title=title.strip()[:120],
                                         unit=unit, planned_on=planned_on, inspector=inspector or actor,
                                         template=template or default_template(), created_by=actor)
        record(actor=actor, action="inspections.create", obj=insp, summary=_("新建保密自查：%(t)s") % {"t": insp.title})
        return insp


def inspection_assign(*, actor: User, inspection: Inspection, inspector: User) -> Inspection:
    with atomic_action(actor, "inspections.assign", obj=inspection):
        _require_office(actor)
        _active_person(inspector, _("检查人"))
        inspection.inspector = inspector
        inspection.save(update_fields=["inspector"])
        record(actor=actor, action="inspections.assign", obj=inspection,
               summary=_("指定检查人：%(p)s") % {"p": inspector.full_name})
        return inspection


def _require_inspector(actor: User, inspection: Inspection) -> None:
    if inspection.inspector_id != actor.pk and not policy.may(actor, policy.Perm.MANAGE_INSPECTIONS):
        raise Refused(_("只有检查人或保密办可以填写检查结果"))
    if inspection.status == InspectionStatus.DONE:
        raise Conflict(_("检查已完成，不能再更改"))


def inspection_answer(*, actor: User, inspection: Inspection, item: TemplateItem, result: str,
                      note: str = "") -> Answer:
    """One checklist item answered 符合/不符合/不适用 (INSP-03)."""
    with atomic_action(actor, "inspections.answer", obj=inspection):
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _require_inspector(actor, inspection)
        if result not in Result.values:
            raise Invalid(_("请选择符合、不符合或不适用"))
        if item.template_id != inspection.template_id:
            raise Invalid(_("该检查项不属于本次检查所用的检查表"))
        answer, _created = Answer.objects.update_or_create(
            inspection=inspection, item=item, defaults={"result": result, "note": (note or "")[:500]})
        if inspection.status == InspectionStatus.PLANNED:
            inspection.status = InspectionStatus.IN_PROGRESS
            inspection.save(update_fields=["status"])
        record(actor=actor, action="inspections.answer", obj=inspection,
               summary=_("检查项 %(item)s：%(r)s") % {"item": item.text[:60], "r": Result(result).label},
               details={"item": item.pk, "result": result})
        return answer


def finding_record(*, actor: User, inspection: Inspection, text: str, severity: str, owner: User | None,
                   due_on: datetime.date | None = None, evidence: bytes | None = None,
                   evidence_name: str = "") -> Finding:
    """A problem found, with its rectification (owner, deadline) opened at once."""
    with atomic_action(actor, "inspections.finding", obj=inspection):
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _require_inspector(actor, inspection)
        if not (text or "").strip():
            raise Invalid(_("请填写发现的问题"))
        if severity not in Severity.values:
            raise Invalid(_("请选择严重程度"))
        if evidence is not None and len(evidence) > EVIDENCE_MAX_BYTES:
            raise Invalid(_("证据文件不能超过 5 MB"))
        unit = inspection.unit or (owner.unit if owner else None) or actor.unit
        if unit is None:
            raise Invalid(_("请指定受检单位"))
        finding = Finding.objects.create(inspection=inspection, text=text.strip(), severity=severity,
                                         evidence=evidence, evidence_name=(evidence_name or "")[:200],
                                         recorded_by=actor)
        rect = rectification_open(actor=actor, title=text.strip()[:200], description="", unit=unit, owner=owner,
                                  due_on=due_on, source="inspections", source_ref=str(inspection.pk))
        rect.finding = finding
        rect.save(update_fields=["finding"])
        record(actor=actor, action="inspections.finding", obj=inspection,
               summary=_("检查发现（%(sev)s）：%(t)s") % {"sev": Severity(severity).label, "t": text.strip()[:80]},
               details={"finding": finding.pk, "rectification": rect.pk})
        return finding


def inspection_complete(*, actor: User, inspection: Inspection, summary: str = "") -> Inspection:
    with atomic_action(actor, "inspections.complete", obj=inspection):
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _require_inspector(actor, inspection)
        inspection.status, inspection.done_on = InspectionStatus.DONE, timezone.localdate()
        inspection.summary = (summary or "").strip()
        inspection.save(update_fields=["status", "done_on", "summary"])
        # The units' self-checks ahead of this inspection are past their point once it is done.
        Reminder.objects.filter(key=f"selfcheck-{inspection.kind}-{inspection.year}", done=False).update(done=True)
        record(actor=actor, action="inspections.complete", obj=inspection,
               summary=_("检查完成：%(t)s") % {"t": inspection.title})
        return inspection


# ---------------------------------------------------------------- checklist templates (INSP-03)


def catalogue_items() -> list[dict[str, str]]:
    data = yaml.safe_load(CHECKLIST_FILE.read_text(encoding="utf-8"))
    return [{"rule_id": str(i["rule"]), "text": str(i["text"]), "category": str(i["category"])}
            for i in data["items"]]


DEFAULT_TEMPLATE_NAME = "保密检查表（规则目录）"


def default_template() -> ChecklistTemplate:
    """The catalogue's CHECKLIST rows copied into the database once (then editable)."""
    template, created = ChecklistTemplate.objects.get_or_create(name=DEFAULT_TEMPLATE_NAME)
    if created:
        TemplateItem.objects.bulk_create([
            TemplateItem(template=template, sort_order=n, **item) for n, item in enumerate(catalogue_items(), 1)])
    return template


def template_copy(*, actor: User, name: str, source: ChecklistTemplate | None = None) -> ChecklistTemplate:
    """A new template, copied from another (default: the catalogue), to be edited."""
    with atomic_action(actor, "inspections.template_copy"):
        _require_office(actor)
        name = (name or "").strip()
        if not name:
            raise Invalid(_("请填写检查表名称"))
        if ChecklistTemplate.objects.filter(name=name).exists():
            raise Conflict(_("已有同名检查表"))
        source = source or default_template()
        template = ChecklistTemplate.objects.create(name=name[:120])
        TemplateItem.objects.bulk_create([
            TemplateItem(template=template, rule_id=i.rule_id, category=i.category, text=i.text,
                         sort_order=i.sort_order) for i in source.items.all()])
        record(actor=actor, action="inspections.template_copy", obj=template,
               summary=_("新建检查表：%(n)s") % {"n": name})
        return template


def template_item_save(*, actor: User, template: ChecklistTemplate, text: str, category: str,
                       rule_id: str = "", item: TemplateItem | None = None) -> TemplateItem:
    with atomic_action(actor, "inspections.template_item", obj=template):
        _require_office(actor)
        if not (text or "").strip() or not (category or "").strip():
            raise Invalid(_("请填写检查内容和类别"))
        if item is None:
            item = TemplateItem(template=template, sort_order=template.items.count() + 1)
        elif item.template_id != template.pk:
            raise NotFound(_("对象不存在"))
        item.text, item.category, item.rule_id = text.strip()[:300], category.strip()[:40], rule_id.strip()[:20]
        item.save()
        record(actor=actor, action="inspections.template_item", obj=template,
               summary=_("编辑检查项：%(t)s") % {"t": item.text[:80]})
        return item


# ---------------------------------------------------------------- 保密委员会 (ORG-01/02)


def meeting_record(*, actor: User, held_on: datetime.date, attendees: str, topics: str, minutes: str = "",
                   decisions: str = "") -> CommitteeMeeting:
    with atomic_action(actor, "inspections.committee_meeting"):
        _require_office(actor)
        if not (attendees or "").strip() or not (topics or "").strip():
            raise Invalid(_("请填写出席人员和议题"))
        meeting = CommitteeMeeting.objects.create(held_on=held_on, attendees=attendees.strip(), topics=topics.strip(),
                                                  minutes=minutes or "", decisions=decisions or "", recorded_by=actor)
        Reminder.objects.filter(key__startswith=f"committee-{held_on.year}-", done=False).update(done=True)
        record(actor=actor, action="inspections.committee_meeting", obj=meeting,
               summary=_("记录保密委员会会议（%(on)s）") % {"on": held_on.isoformat()})
        return meeting


def study_record(*, actor: User, held_on: datetime.date, document: str, participants: str,
                 notes: str = "") -> StudySession:
    """传达学习 of a secrecy directive or law (ORG-09)."""
    with atomic_action(actor, "inspections.study"):
        _require_office(actor)
        if not (document or "").strip() or not (participants or "").strip():
            raise Invalid(_("请填写学习文件和参加人员"))
        study = StudySession.objects.create(held_on=held_on, document=document.strip()[:200],
                                            participants=participants.strip(), notes=notes or "", recorded_by=actor)
        record(actor=actor, action="inspections.study", obj=study,
               summary=_("传达学习：%(d)s（%(on)s）") % {"d": study.document, "on": held_on.isoformat()})
        return study


# ---------------------------------------------------------------- reminders (jobs.tick)


def _remind(key: str, message: str, due_on: datetime.date | None) -> bool:
    _obj, created = Reminder.objects.get_or_create(key=key, defaults={"message": message[:300], "due_on": due_on})
    if created:
        record(actor=None, action="inspections.remind", summary=message[:200], details={"key": key})
    return created


def reminder_dismiss(*, actor: User, reminder: Reminder) -> None:
    with atomic_action(actor, "inspections.reminder_dismiss"):
        _require_office(actor)
        Reminder.objects.filter(pk=reminder.pk).update(done=True)
        record(actor=actor, action="inspections.reminder_dismiss",
               summary=_("处理提醒：%(m)s") % {"m": reminder.message})


def reminders_issue(*, today: datetime.date | None = None) -> list[str]:
    """jobs.tick: plans, committee meetings (ORG-02), plan/mid-year/year-end (ORG-07), risk
    assessment due (INSP-07), overdue rectifications (INSP-05). Idempotent (one row per key)."""
    today = today or timezone.localdate()
    done = plans_ensure(today=today)
    year = today.year
    pending: list[tuple[str, str, datetime.date]] = []
    meetings = CommitteeMeeting.objects.filter(held_on__year=year).count()
    if today >= datetime.date(year, 6, 1) and meetings < 1:
        pending.append((f"committee-{year}-1", _("上半年尚未召开保密委员会会议（每年不少于2次）"),
                        datetime.date(year, 6, 30)))
    if today >= datetime.date(year, 11, 1) and meetings < 2:
        pending.append((f"committee-{year}-2", _("本年保密委员会会议不足2次，请在年底前召开"),
                        datetime.date(year, 12, 31)))
    pending.append((f"org07-plan-{year}", _("请制定本年度保密工作计划（年初有计划）"), datetime.date(year, 1, 31)))
    if today >= datetime.date(year, 7, 1):
        pending.append((f"org07-mid-{year}", _("请完成保密工作半年小结"), datetime.date(year, 7, 31)))
    if today >= datetime.date(year, 12, 1):
        pending.append((f"org07-end-{year}", _("请完成保密工作年终总结"), datetime.date(year, 12, 31)))
    latest = RiskAssessment.objects.order_by("-held_on", "-id").first()
    if latest is None:
        pending.append((f"risk-first-{year}", _("尚未开展保密风险评估，请组织评估"), today))
    else:
        due = add_months(latest.held_on, latest.period_months)
        if today >= due:
            pending.append((f"risk-{latest.pk}-due", _("保密风险评估已到期（上次 %(on)s），请组织新一轮评估") % {
                "on": latest.held_on.isoformat()}, due))
    for key, message, due_on in pending:
        if Reminder.objects.filter(key=key).exists():
            continue
        with atomic_action(None, "inspections.remind"):
            if _remind(key, message, due_on):
                done.append(f"inspections reminder {key}")
    overdue = Rectification.objects.filter(status=RectStatus.OPEN, due_on__lt=today).select_related("owner")
    for rect in overdue:
        key = f"rect-{rect.pk}-overdue"
        if Reminder.objects.filter(key=key).exists():
            continue
        with atomic_action(None, "inspections.remind", obj=rect):
            if _remind(key, _("整改逾期：%(t)s（责任人%(o)s，期限%(d)s）") % {
                    "t": rect.title[:100], "o": rect.owner.full_name, "d": rect.due_on.isoformat()}, rect.due_on):
                done.append(f"inspections reminder {key}")
    return done


# ---------------------------------------------------------------- 要害部位 (SITE)


def site_register(*, actor: User, name: str, kind: str, location: str, unit: Unit, responsible: User,
                  leader: User, allowed: list[User] | None = None, emergency_plan: str = "") -> KeySite:
    with atomic_action(actor, "inspections.site_register"):
        _require_office(actor)
        if not (name or "").strip() or kind not in SiteKind.values:
            raise Invalid(_("请填写要害部位名称和类型"))
        _active_person(responsible, _("责任人"))
        _active_person(leader, _("责任领导"))
        if KeySite.objects.filter(name=name.strip()).exists():
            raise Conflict(_("已有同名要害部位"))
        site = KeySite.objects.create(name=name.strip()[:60], kind=kind, location=(location or "")[:100], unit=unit,
                                      responsible=responsible, leader=leader, emergency_plan=emergency_plan or "")
        people = [_active_person(p, _("准入人员")) for p in (allowed or [])]
        site.allowed.set([responsible, *people])
        record(actor=actor, action="inspections.site_register", obj=site,
               summary=_("登记要害部位：%(n)s，责任人%(r)s，责任领导%(l)s") % {
                   "n": site.name, "r": responsible.full_name, "l": leader.full_name},
               details={"allowed": sorted(p.pk for p in site.allowed.all())})
        return site


def site_allow(*, actor: User, site: KeySite, person: User, allow: bool = True) -> KeySite:
    with atomic_action(actor, "inspections.site_allow", obj=site):
        _require_office(actor)
        _active_person(person, _("准入人员"))
        if allow:
            site.allowed.add(person)
        else:
            if person.pk == site.responsible_id:
                raise Refused(_("责任人不能从准入名单中移除"))
            site.allowed.remove(person)
        record(actor=actor, action="inspections.site_allow", obj=site,
               summary=(_("%(p)s 列入 %(s)s 准入名单") if allow else _("%(p)s 移出 %(s)s 准入名单")) % {
                   "p": person.full_name, "s": site.name})
        return site


def site_plan_set(*, actor: User, site: KeySite, plan: str) -> KeySite:
    with atomic_action(actor, "inspections.site_plan", obj=site):
        _require_office(actor)
        site.emergency_plan = plan or ""
        site.save(update_fields=["emergency_plan"])
        record(actor=actor, action="inspections.site_plan", obj=site,
               summary=_("更新突发事件处置预案：%(s)s") % {"s": site.name})
        return site


def entry_request(*, actor: User, site: KeySite, on_date: datetime.date, purpose: str) -> EntryApproval:
    """Someone not on the list asks the 单位领导 to enter (SITE-03), through the approval engine."""
    from baomi.approvals.services import request_submit

    with atomic_action(actor, "inspections.entry_request", obj=site):
        if not actor.is_active or actor.admin_role:
            raise Refused(_("管理员不进入要害部位办理业务"))
        if not (purpose or "").strip():
            raise Invalid(_("请填写进入事由"))
        if on_date < timezone.localdate():
            raise Invalid(_("进入日期不能早于今天"))
        entry = EntryApproval.objects.create(site=site, person=actor, on_date=on_date, purpose=purpose.strip()[:200])
        req = request_submit(actor=actor, request_type=SITE_ENTRY, subject=entry,
                             title=_("进入要害部位：%(s)s（%(d)s）") % {"s": site.name, "d": on_date.isoformat()},
                             reason=purpose.strip(), unit=site.unit, payload={"entry": entry.pk})
        entry.request_id = req.pk
        entry.save(update_fields=["request_id"])
        record(actor=actor, action="inspections.entry_request", obj=site,
               summary=_("申请进入要害部位：%(s)s") % {"s": site.name}, details={"entry": entry.pk})
        return entry


def _entry_approved(request: Any, decider: User) -> None:
    EntryApproval.objects.filter(pk=int(request.payload["entry"])).update(approved=True)


SITE_ENTRY_TYPE = registry.RequestType(
    code=SITE_ENTRY, label="进入要害部位", on_approved=_entry_approved,
    default_steps=(("approver", "requester_unit"),))


def entry_log(*, actor: User, site: KeySite, person: User, purpose: str,
              at: datetime.datetime | None = None) -> EntryLog:
    """Logged by the site's 责任人 (or the secrecy office): only the listed or the approved."""
    with atomic_action(actor, "inspections.entry_log", obj=site):
        if actor.pk != site.responsible_id and not policy.may(actor, policy.Perm.MANAGE_INSPECTIONS):
            raise Refused(_("只有要害部位责任人或保密办可以登记进出"))
        at = at or timezone.now()
        approval = None
        if not site.allowed.filter(pk=person.pk).exists():
            approval = EntryApproval.objects.filter(site=site, person=person, approved=True,
                                                    on_date=timezone.localdate(at)).first()
            if approval is None:
                raise Refused(_("%(p)s 不在 %(s)s 准入名单内，且无当日经批准的进入申请，不得进入") % {
                    "p": person.full_name, "s": site.name})
        if not (purpose or "").strip():
            raise Invalid(_("请填写进入事由"))
        log = EntryLog.objects.create(site=site, person=person, entered_at=at, purpose=purpose.strip()[:200],
                                      approval=approval, logged_by=actor)
        record(actor=actor, action="inspections.entry_log", obj=site,
               summary=_("%(p)s 进入 %(s)s：%(w)s") % {"p": person.full_name, "s": site.name, "w": log.purpose},
               details={"person": person.pk, "approval": approval.pk if approval else None})
        return log


def shift_record(*, actor: User, site: KeySite, on_date: datetime.date, person: User) -> DutyShift:
    with atomic_action(actor, "inspections.shift", obj=site):
        if actor.pk != site.responsible_id and not policy.may(actor, policy.Perm.MANAGE_INSPECTIONS):
            raise Refused(_("只有要害部位责任人或保密办可以排班"))
        if not site.allowed.filter(pk=person.pk).exists():
            raise Refused(_("值班人须在准入名单内"))
        shift = DutyShift.objects.create(site=site, on_date=on_date, person=person)
        record(actor=actor, action="inspections.shift", obj=site,
               summary=_("%(s)s %(d)s 值班：%(p)s") % {"s": site.name, "d": on_date.isoformat(), "p": person.full_name})
        return shift


def shift_handover(*, actor: User, shift: DutyShift, to: User, note: str) -> DutyShift:
    with atomic_action(actor, "inspections.handover", obj=shift.site):
        shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
        if shift.person_id != actor.pk:
            raise Refused(_("只有当班人可以交班"))
        if shift.handed_over_at is not None:
            raise Conflict(_("已交班"))
        if not shift.site.allowed.filter(pk=to.pk).exists():
            raise Refused(_("接班人须在准入名单内"))
        if not (note or "").strip():
            raise Invalid(_("请填写交接情况"))
        shift.handover_to, shift.handover_note, shift.handed_over_at = to, note.strip(), timezone.now()
        shift.save(update_fields=["handover_to", "handover_note", "handed_over_at"])
        record(actor=actor, action="inspections.handover", obj=shift.site,
               summary=_("%(s)s 交接班：%(a)s → %(b)s") % {
                   "s": shift.site.name, "a": actor.full_name, "b": to.full_name})
        return shift


def drill_record(*, actor: User, site: KeySite, held_on: datetime.date, scenario: str, participants: str,
                 findings: str = "") -> Drill:
    with atomic_action(actor, "inspections.drill", obj=site):
        _require_office(actor)
        if not site.emergency_plan.strip():
            raise Refused(_("%(s)s 尚无突发事件处置预案，请先制定预案") % {"s": site.name})
        if not (scenario or "").strip() or not (participants or "").strip():
            raise Invalid(_("请填写演练情景和参加人员"))
        drill = Drill.objects.create(site=site, held_on=held_on, scenario=scenario.strip()[:200],
                                     participants=participants.strip(), findings=findings or "", recorded_by=actor)
        record(actor=actor, action="inspections.drill", obj=site,
               summary=_("%(s)s 预案演练：%(c)s") % {"s": site.name, "c": drill.scenario})
        return drill


# ---------------------------------------------------------------- 风险评估 (INSP-07)


def assessment_record(*, actor: User, title: str, held_on: datetime.date, period_months: int = 12,
                      summary: str = "") -> RiskAssessment:
    with atomic_action(actor, "inspections.assessment"):
        _require_office(actor)
        if not (title or "").strip():
            raise Invalid(_("请填写评估名称"))
        if not 1 <= period_months <= 60:
            raise Invalid(_("评估周期须为 1 至 60 个月"))
        assessment = RiskAssessment.objects.create(title=title.strip()[:120], held_on=held_on,
                                                   period_months=period_months, summary=summary or "",
                                                   recorded_by=actor)
        Reminder.objects.filter(Q(key__startswith="risk-"), done=False).update(done=True)
        record(actor=actor, action="inspections.assessment", obj=assessment,
               summary=_("保密风险评估：%(t)s") % {"t": assessment.title})
        return assessment


def risk_add(*, actor: User, title: str, likelihood: int, impact: int, owner: User, measures: str = "",
             due_on: datetime.date | None = None, assessment: RiskAssessment | None = None,
             finding: Finding | None = None) -> Risk:
    with atomic_action(actor, "inspections.risk"):
        _require_office(actor)
        if not (title or "").strip():
            raise Invalid(_("请填写风险"))
        if not (1 <= int(likelihood) <= 5 and 1 <= int(impact) <= 5):
            raise Invalid(_("可能性和影响须为 1 至 5"))
        _active_person(owner, _("责任人"))
        risk = Risk.objects.create(title=title.strip()[:200], likelihood=int(likelihood), impact=int(impact),
                                   owner=owner, measures=measures or "", due_on=due_on, assessment=assessment,
                                   finding=finding)
        record(actor=actor, action="inspections.risk", obj=risk,
               summary=_("登记风险：%(t)s（%(l)s×%(i)s）") % {"t": risk.title, "l": likelihood, "i": impact},
               details={"finding": finding.pk if finding else None})
        return risk


def risk_from_finding(*, actor: User, finding: Finding, likelihood: int, impact: int,
                      measures: str = "") -> Risk:
    """Promote an inspection finding to the risk register."""
    rect = getattr(finding, "rectification", None)
    owner = rect.owner if rect is not None else actor
    return risk_add(actor=actor, title=finding.text[:200], likelihood=likelihood, impact=impact, owner=owner,
                    measures=measures, due_on=rect.due_on if rect else None, finding=finding,
                    assessment=RiskAssessment.objects.order_by("-held_on", "-id").first())

