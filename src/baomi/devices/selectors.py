"""Reading devices and media: what a person may see, and what a person still holds."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.devices.models import Device, DeviceStatus, Repair, ScanReport, Scrap, ScrapStatus
from baomi.errors import NotFound

HELD_STATUSES = (DeviceStatus.IN_USE, DeviceStatus.REPAIR)


def devices_visible_to(reader: User) -> QuerySet[Device]:
    return Device.objects.filter(policy.devices_visible_to(reader)).select_related("custodian", "unit")


def device_for(reader: User, device_id: int) -> Device:
    found = devices_visible_to(reader).filter(pk=device_id).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def devices_held_by(person: User) -> QuerySet[Device]:
    """Devices and media the person is custodian of and still in use (departure: PERS-13)."""
    return Device.objects.filter(custodian=person, status__in=HELD_STATUSES).order_by("asset_no")


def reports_for(reader: User, device: Device) -> QuerySet[ScanReport]:
    return ScanReport.objects.filter(device=device, device__in=devices_visible_to(reader)).prefetch_related("alerts")


def repairs_open() -> QuerySet[Repair]:
    return Repair.objects.filter(finished_at__isnull=True).select_related("device", "supervisor")


def inbox_items(person: User) -> list[inbox.Item]:
    """保密办: repairs in progress, scrapped devices awaiting destruction. A leaving custodian:
    the devices and media to hand back."""
    items: list[inbox.Item] = []
    if policy.may(person, policy.Perm.MANAGE_DEVICES):
        from django.urls import reverse

        for repair in repairs_open()[:50]:
            items.append(inbox.Item(kind=_("维修"), title=_("%(device)s 维修中（%(unit)s）") % {
                "device": repair.device.label, "unit": repair.repairer_unit},
                url=reverse("devices:detail", args=[repair.device_id])))
        for scrap in Scrap.objects.filter(status=ScrapStatus.APPROVED).select_related("device")[:50]:
            items.append(inbox.Item(kind=_("销毁"), title=_("%(device)s 已批准报废，待监销销毁") % {
                "device": scrap.device.label}, url=reverse("devices:detail", args=[scrap.device_id])))
    items.extend(_rule_items(person))
    from baomi.personnel.selectors import open_departures

    if open_departures(person).exists():
        from django.urls import reverse

        for device in devices_held_by(person)[:50]:
            items.append(inbox.Item(kind=_("交回"), title=_("离岗前交回 %(device)s") % {"device": device.label},
                                    url=reverse("devices:detail", args=[device.pk])))
    return items


def inbox_gate(person: User) -> bool | list[QuerySet[Any]]:
    """inbox_items: the secrecy office and the keepers from their roles; anyone else has items
    only with an approved input of theirs or an open departure."""
    from django.db.models import Q

    from baomi.devices.models import InputApproval, InputStatus
    from baomi.personnel.selectors import open_departures

    roles = {label.partition("@")[0] for label in policy.role_labels(person)}
    if roles & {"secrecy_officer", "confidential_secretary"} or policy.may(person, policy.Perm.MANAGE_DEVICES):
        return True
    return [InputApproval.objects.filter(status=InputStatus.APPROVED).filter(
                Q(device__custodian=person) | Q(requested_by=person)),
            open_departures(person)]


def _rule_items(person: User) -> list[inbox.Item]:
    """SYS-10 sanitisation owed after an approved input, SYS-13 approved reuses awaiting the
    specialist, SYS-15 unit data reviews due, SYS-17 unexplained changes not yet handled."""
    from django.db.models import Q
    from django.urls import reverse

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
    # The person's role assignments as policy read them once for the request ("role@unit", or
    # "role" for the whole organisation).
    roles = [label.partition("@") for label in policy.role_labels(person)]
    officer = [int(unit) if unit else None for role, _sep, unit in roles if role == "secrecy_officer"]
    if officer:
        org_wide = None in officer
        mine = set(officer)
        for due in rules.reviews_due():
            if org_wide or mine & {due.unit.pk, *(u.pk for u in due.unit.ancestors())}:
                items.append(inbox.Item(kind=_("数据审查"), title=_(
                    "%(unit)s 须定期整理、审查输入计算机的文件和数据") % {
                    "unit": due.unit.name}, url=reverse("devices:reviews"), due=due.due_on))
    keeper = any(role == "confidential_secretary" for role, _sep, _unit in roles)
    if manager or keeper:
        open_ = Anomaly.objects.filter(handled_at__isnull=True).select_related("device")
        if not manager:
            open_ = open_.filter(important=True)
        for row in open_[:50]:
            items.append(inbox.Item(kind=_("异常"), title=_("%(device)s 文件、数据%(kind)s") % {
                "device": row.device.label, "kind": row.get_kind_display()}, url=reverse("devices:anomalies")))
    return items
