"""Devices and media over the API. Thin handlers: parse, call one service or selector,
serialise. A device the caller may not see answers 404."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from baomi import policy
from baomi.accounts import selectors as people
from baomi.accounts.models import User
from baomi.devices import selectors, services
from baomi.devices.models import Device, ScanReport
from baomi.errors import Invalid

router = Router(tags=["devices"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class DeviceOut(Schema):
    id: int
    asset_no: str
    kind: str
    network: str
    level: int
    content_level: int
    name: str
    custodian_id: int
    unit_id: int
    location: str
    serial_no: str
    disk_serial: str
    status: str
    purchased_on: datetime.date | None


class DeviceIn(Schema):
    asset_no: str
    kind: str
    network: str
    level: int
    custodian_id: int
    unit_id: int | None = None
    location: str = ""
    name: str = ""
    serial_no: str = ""
    disk_serial: str = ""
    purchased_on: datetime.date | None = None
    content_level: int = 0


class ReportOut(Schema):
    id: int
    device_id: int
    files: int
    files_with_findings: int
    highest_level: int | None
    alerts: int


def _report(report: ScanReport) -> ReportOut:
    return ReportOut(id=report.pk, device_id=report.device_id, files=report.files,
                     files_with_findings=report.files_with_findings, highest_level=report.highest_level,
                     alerts=report.alerts.count())


@router.get("", response=list[DeviceOut], summary="设备与介质台账（本人可见部分）")
def device_list(request: HttpRequest) -> list[Device]:
    return list(selectors.devices_visible_to(_actor(request))[:500])


@router.post("", response={201: DeviceOut}, summary="登记设备或介质")
def device_register(request: HttpRequest, body: DeviceIn) -> Status:
    actor = _actor(request)
    policy.require(actor, policy.Perm.MANAGE_DEVICES)
    custodian = people.person_for(actor, body.custodian_id)
    unit = people.unit_for(actor, body.unit_id) if body.unit_id else custodian.unit
    if unit is None:
        raise Invalid(_("请选择使用单位"))
    device = services.device_register(
        actor=actor, asset_no=body.asset_no, kind=body.kind, network=body.network, level=body.level,
        custodian=custodian, unit=unit, location=body.location, name=body.name, serial_no=body.serial_no,
        disk_serial=body.disk_serial, purchased_on=body.purchased_on, content_level=body.content_level)
    return Status(201, device)


@router.get("/{device_id}", response=DeviceOut, summary="设备详情")
def device_detail(request: HttpRequest, device_id: int) -> Device:
    return selectors.device_for(_actor(request), device_id)


@router.post("/{device_id}/scan-reports", response={201: ReportOut},
             summary="导入 baomi scan --json 检查报告（JSON Lines）")
def scan_import(request: HttpRequest, device_id: int, file: File[UploadedFile]) -> Status:
    actor = _actor(request)
    device = selectors.device_for(actor, device_id)
    if file.size and file.size > services.scan_max_bytes():
        raise Invalid(_("扫描报告过大（上限 %(n)s 字节）") % {"n": services.scan_max_bytes()})
    report = services.scan_import(actor=actor, device=device, data=file.read(services.scan_max_bytes() + 1))
    return Status(201, _report(report))
