"""The 我的待办 providers as they were before the inbox was made cheap (commit 6b07b4c), kept
verbatim as the reference the cheaper ones must agree with (tests/test_inbox_gates.py): every
provider then ran every query for everyone, with no gate. Providers that did not change are
called as they are now, straight, without their gates. When a provider's meaning changes on
purpose, change its copy here in the same commit: this file states what 我的待办 must list."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User


def approvals_decide(person: User) -> list[inbox.Item]:
    from baomi.approvals import registry
    from baomi.approvals.selectors import inbox_for

    hours = datetime.timedelta(hours=settings.BAOMI_APPROVAL_REMIND_HOURS)
    labels = {t.code: t.label for t in registry.all_types()}
    items = []
    for step in inbox_for(person):
        since = step.activated_at or step.request.created_at
        label = labels.get(step.request.request_type, step.request.request_type)
        items.append(inbox.Item(
            kind=_("审批"), title=f"{label}：{step.request.title}",
            url=reverse("approvals:detail", args=[step.request_id]), due=since + hours, is_decision=True,
        ))
    return items


def devices(person: User) -> list[inbox.Item]:
    from baomi.devices.models import Scrap, ScrapStatus
    from baomi.devices.selectors import devices_held_by, repairs_open

    items: list[inbox.Item] = []
    if policy.may(person, policy.Perm.MANAGE_DEVICES):
        for repair in repairs_open()[:50]:
            items.append(inbox.Item(kind=_("维修"), title=_("%(device)s 维修中（%(unit)s）") % {
                "device": repair.device.label, "unit": repair.repairer_unit},
                url=reverse("devices:detail", args=[repair.device_id])))
        for scrap in Scrap.objects.filter(status=ScrapStatus.APPROVED).select_related("device")[:50]:
            items.append(inbox.Item(kind=_("销毁"), title=_("%(device)s 已批准报废，待监销销毁") % {
                "device": scrap.device.label}, url=reverse("devices:detail", args=[scrap.device_id])))
    items.extend(_device_rule_items(person))
    from baomi.personnel.selectors import open_departure

    if open_departure(person) is not None:
        for device in devices_held_by(person)[:50]:
            items.append(inbox.Item(kind=_("交回"), title=_("离岗前交回 %(device)s") % {"device": device.label},
                                    url=reverse("devices:detail", args=[device.pk])))
    return items


def _device_rule_items(person: User) -> list[inbox.Item]:
    from django.db.models import Q

    from baomi.accounts.models import RoleAssignment
    from baomi.devices import rules
    from baomi.devices.models import Anomaly, InputApproval, InputStatus, MediumReuse, ReuseStatus

    items: list[inbox.Item] = []
    manager = policy.may(person, policy.Perm.MANAGE_DEVICES)
    for task in (InputApproval.objects.filter(status=InputStatus.APPROVED)
                 .filter(Q(device__custodian=person) | Q(requested_by=person)).select_related("device")[:50]):
        items.append(inbox.Item(kind=_("技术处理"), title=_(
            "%(device)s：%(material)s 处理完毕后须删除并进行技术处理") % {
            "device": task.device.label, "material": task.material},
            url=reverse("devices:detail", args=[task.device_id]), due=task.approved_at))
    if manager:
        for reuse in MediumReuse.objects.filter(status=ReuseStatus.APPROVED).select_related("medium")[:50]:
            items.append(inbox.Item(kind=_("技术处理"), title=_("%(device)s 已批准改作他用，待专业人员保密技术处理") % {
                "device": reuse.medium.label}, url=reverse("devices:detail", args=[reuse.medium_id])))
    officer = RoleAssignment.objects.filter(user=person, role="secrecy_officer")
    if officer.exists():
        org_wide = officer.filter(unit__isnull=True).exists()
        mine = set(officer.values_list("unit_id", flat=True))
        for due in rules.reviews_due():
            if org_wide or mine & {due.unit.pk, *(u.pk for u in due.unit.ancestors())}:
                items.append(inbox.Item(kind=_("数据审查"), title=_(
                    "%(unit)s 须定期整理、审查输入计算机的文件和数据") % {
                    "unit": due.unit.name}, url=reverse("devices:reviews"), due=due.due_on))
    keeper = RoleAssignment.objects.filter(user=person, role="confidential_secretary").exists()
    if manager or keeper:
        open_ = Anomaly.objects.filter(handled_at__isnull=True).select_related("device")
        if not manager:
            open_ = open_.filter(important=True)
        for row in open_[:50]:
            items.append(inbox.Item(kind=_("异常"), title=_("%(device)s 文件、数据%(kind)s") % {
                "device": row.device.label, "kind": row.get_kind_display()}, url=reverse("devices:anomalies")))
    return items


def inspections(person: User) -> Iterable[inbox.Item]:
    from baomi.inspections.models import Inspection, InspectionStatus, Rectification, RectStatus
    from baomi.inspections.selectors import rectifications_visible_to, reminders_open

    url = reverse("inspections:index")
    items: list[inbox.Item] = []
    for rect in Rectification.objects.filter(owner=person, status=RectStatus.OPEN).order_by("due_on")[:50]:
        items.append(inbox.Item(kind=_("整改"), title=rect.title, url=reverse("inspections:rect", args=[rect.pk]),
                                due=rect.due_on))
    waiting = rectifications_visible_to(person).filter(status=RectStatus.REPORTED).exclude(owner=person)
    for rect in waiting.order_by("due_on")[:50]:
        items.append(inbox.Item(kind=_("复查"), title=rect.title, url=reverse("inspections:rect", args=[rect.pk]),
                                due=rect.due_on, is_decision=True))
    for insp in Inspection.objects.filter(inspector=person).exclude(status=InspectionStatus.DONE)[:20]:
        items.append(inbox.Item(kind=_("检查"), title=insp.title, url=reverse("inspections:detail", args=[insp.pk]),
                                due=insp.planned_on))
    for reminder in reminders_open(person)[:50]:
        items.append(inbox.Item(kind=_("提醒"), title=reminder.message, url=url, due=reminder.due_on))
    return items


def meetings(person: User) -> Iterable[inbox.Item]:
    from baomi.meetings.models import Material, Meeting, MeetingStatus, Reminder

    items: list[inbox.Item] = []
    if not person.is_active or person.admin_role:
        return items
    visible = Meeting.objects.filter(policy.meetings_visible_to(person))
    for reminder in Reminder.objects.filter(person=person, meeting__in=visible).select_related("meeting"):
        meeting = reminder.meeting
        if reminder.key.startswith("meeting-before-") and meeting.status not in (
                MeetingStatus.PLANNED, MeetingStatus.SUBMITTED, MeetingStatus.APPROVED):
            continue
        if reminder.key.startswith("meeting-after-") and (
                meeting.status != MeetingStatus.IN_PROGRESS
                or not meeting.materials.filter(returned_at__isnull=True).exists()):
            continue
        if reminder.key.startswith("meeting-minutes-") and meeting.minutes_id is not None:
            continue
        items.append(inbox.Item(_("会议"), reminder.text, reverse("meetings:detail", args=[meeting.pk]),
                                due=meeting.starts_at if reminder.key.startswith("meeting-before-") else None))
    for material in Material.objects.filter(attendee__person=person, returned_at__isnull=True,
                                            meeting__in=visible).select_related("copy__carrier", "meeting"):
        items.append(inbox.Item(_("归还"), _("会议结束时交回 %(copy)s") % {"copy": material.copy.label},
                                reverse("meetings:detail", args=[material.meeting_id]), due=material.meeting.ends_at))
    return items


def personnel_tasks(person: User) -> list[inbox.Item]:
    from baomi.personnel.models import AnnualReport, Commitment, Departure, DepartureStatus
    from baomi.personnel.selectors import checklist_for, open_departure, report_due, report_window, reporting_year

    items: list[inbox.Item] = []
    own = reverse("personnel:person", args=[person.pk])
    for c in Commitment.objects.filter(person=person, signed_at__isnull=True):
        items.append(inbox.Item(kind=_("承诺"), title=_("签署%(kind)s") % {"kind": c.get_kind_display()},
                                url=reverse("personnel:commitment", args=[c.pk])))
    today = timezone.localdate()
    year = reporting_year(today)
    if (person.clearance > 0 and report_window(today)
            and not AnnualReport.objects.filter(person=person, year=year).exists()):
        items.append(inbox.Item(kind=_("报告"), title=_("提交 %(year)s 年度保密自查报告") % {"year": year},
                                url=reverse("personnel:report"), due=report_due(year)))
    departure = open_departure(person)
    if departure is not None and departure.status == DepartureStatus.OPEN:
        for reason in checklist_for(departure).blockers():
            items.append(inbox.Item(kind=_("离岗"), title=reason, url=own))
    for d in Departure.objects.filter(handover_to=person, handover_at__isnull=False,
                                      handover_confirmed_at__isnull=True,
                                      status__in=[DepartureStatus.OPEN, DepartureStatus.PENDING]):
        items.append(inbox.Item(kind=_("交接"), title=_("确认接收 %(name)s 的工作交接") % {
            "name": d.person.full_name or d.person.username}, url=reverse("personnel:departure", args=[d.pk])))
    return items


def training(person: User) -> list[inbox.Item]:
    from baomi.levels import Clearance
    from baomi.training.models import Attempt, AttemptStatus
    from baomi.training.selectors import concentrated_count, standing_of
    from baomi.training.services import today

    if not person.is_active or person.admin_role:
        return []
    day = today()
    items: list[inbox.Item] = []
    url = reverse("training:index")
    for attempt in Attempt.objects.filter(person=person, status=AttemptStatus.IN_PROGRESS).select_related("exam"):
        items.append(inbox.Item(kind=_("考试"), title=_("未交卷：%(t)s") % {"t": attempt.exam.title},
                                url=reverse("training:attempt", args=[attempt.pk]), due=attempt.deadline_at))
    if person.clearance >= int(Clearance.GENERAL):
        year_end = datetime.date(day.year, 12, 31)
        for text in standing_of(person, day.year).overdue:
            items.append(inbox.Item(kind=_("培训"), title=text, url=url, due=year_end))
    if policy.is_training_office(person):
        from baomi.training.services import CONCENTRATED_DUE

        held = concentrated_count(day.year)
        expected = max((n for month, n in CONCENTRATED_DUE if day.month >= month), default=0)
        if held < expected:
            items.append(inbox.Item(
                kind=_("培训"), title=_("%(y)s 年集中保密教育已举办 %(h)s 次，应举办 %(e)s 次") % {
                    "y": day.year, "h": held, "e": expected},
                url=reverse("training:courses"),
                due=datetime.date(day.year, 6, 30) if expected == 1 else datetime.date(day.year, 12, 31)))
    return items


REFERENCE = {
    "approvals.decide": approvals_decide,
    "devices": devices,
    "inspections": inspections,
    "meetings": meetings,
    "personnel.tasks": personnel_tasks,
    "training": training,
}


def items_for(person: User) -> list[inbox.Item]:
    """`inbox.items_for` as it was: every provider, no gate."""
    if not person.is_active or person.admin_role:
        return []
    return inbox.in_order(item for code, provider in sorted(inbox._PROVIDERS.items())
                          for item in REFERENCE.get(code, provider)(person))
