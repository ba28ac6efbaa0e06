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
from baomi.devices import rules, selectors, services
from baomi.devices.models import Anomaly, Device, InputApproval, MediumReuse, ScanReport
from baomi.errors import Invalid, NotFound, Refused

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


# ---------------------------------------------------------------- SYS-08/10/13/15/17


class TaskOut(Schema):
    id: int
    status: str
    approval_id: int | None


class InputIn(Schema):
    material: str
    level: int
    purpose: str


class SanitiseIn(Schema):
    method: str
    witness_id: int
    specialist: str = ""
    note: str = ""


class ReuseIn(Schema):
    new_level: int
    new_purpose: str


class AnomalyIn(Schema):
    kind: str
    description: str
    important: bool = False


class AnomalyOut(Schema):
    id: int
    device_id: int
    kind: str
    important: bool
    handled: bool


class HandleIn(Schema):
    handling: str


class DevicesReviewIn(Schema):
    unit_id: int
    note: str
    done_on: datetime.date | None = None


class ReviewDueOut(Schema):
    unit_id: int
    unit: str
    last: datetime.date | None
    due_on: datetime.date


def _task(task: InputApproval | MediumReuse) -> TaskOut:
    return TaskOut(id=task.pk, status=task.status, approval_id=task.approval_id)


def _anomaly(row: Anomaly) -> AnomalyOut:
    return AnomalyOut(id=row.pk, device_id=row.device_id, kind=row.kind, important=row.important,
                      handled=row.handled_at is not None)


@router.post("/{device_id}/inputs", response={201: TaskOut}, summary="涉密信息录入计算机审批申请（SYS-08）")
def input_request(request: HttpRequest, device_id: int, body: InputIn) -> Status:
    actor = _actor(request)
    task = rules.input_request(actor=actor, device=selectors.device_for(actor, device_id), material=body.material,
                               level=body.level, purpose=body.purpose)
    return Status(201, _task(task))


@router.post("/{device_id}/inputs/{input_id}/sanitise", response={201: TaskOut},
             summary="登记处理完毕后的删除与技术处理（SYS-10）")
def input_sanitise(request: HttpRequest, device_id: int, input_id: int, body: SanitiseIn) -> Status:
    actor = _actor(request)
    device = selectors.device_for(actor, device_id)
    task = InputApproval.objects.filter(pk=input_id, device=device).first()
    if task is None:
        raise NotFound(_("对象不存在"))
    rules.input_sanitise(actor=actor, task=task, method=body.method, note=body.note,
                         witness=people.person_for(actor, body.witness_id))
    task.refresh_from_db()
    return Status(201, _task(task))


@router.post("/{device_id}/reuses", response={201: TaskOut}, summary="涉密介质改作他用审批申请（SYS-13）")
def reuse_request(request: HttpRequest, device_id: int, body: ReuseIn) -> Status:
    actor = _actor(request)
    reuse = rules.medium_reuse_request(actor=actor, medium=selectors.device_for(actor, device_id),
                                       new_level=body.new_level, new_purpose=body.new_purpose)
    return Status(201, _task(reuse))


@router.post("/{device_id}/reuses/{reuse_id}/sanitise", response={201: TaskOut},
             summary="专业人员保密技术处理后调整介质密级（SYS-13）")
def reuse_sanitise(request: HttpRequest, device_id: int, reuse_id: int, body: SanitiseIn) -> Status:
    actor = _actor(request)
    medium = selectors.device_for(actor, device_id)
    reuse = MediumReuse.objects.filter(pk=reuse_id, medium=medium).first()
    if reuse is None:
        raise NotFound(_("对象不存在"))
    rules.medium_reuse_sanitise(actor=actor, reuse=reuse, specialist=body.specialist, method=body.method,
                                witness=people.person_for(actor, body.witness_id), note=body.note)
    reuse.refresh_from_db()
    return Status(201, _task(reuse))


@router.post("/{device_id}/anomalies", response={201: AnomalyOut},
             summary="报告文件、数据无故修改、移动、删除（SYS-17）")
def anomaly_report(request: HttpRequest, device_id: int, body: AnomalyIn) -> Status:
    actor = _actor(request)
    row = rules.anomaly_report(actor=actor, device=selectors.device_for(actor, device_id), kind=body.kind,
                               description=body.description, important=body.important)
    return Status(201, _anomaly(row))


@router.post("/anomalies/{anomaly_id}/handle", response=AnomalyOut, summary="登记异常处理情况（系统管理员、保密办）")
def anomaly_handle(request: HttpRequest, anomaly_id: int, body: HandleIn) -> AnomalyOut:
    actor = _actor(request)
    if not rules.may_handle_anomalies(actor):
        raise Refused(_("只有系统管理员或保密办可以登记异常处理情况"))
    row = Anomaly.objects.filter(pk=anomaly_id).first()
    if row is None:
        raise NotFound(_("对象不存在"))
    return _anomaly(rules.anomaly_handle(actor=actor, anomaly=row, handling=body.handling))


@router.get("/reviews/due", response=list[ReviewDueOut], summary="待开展的输入数据定期审查（SYS-15）")
def reviews_due(request: HttpRequest) -> list[ReviewDueOut]:
    actor = _actor(request)
    return [ReviewDueOut(unit_id=d.unit.pk, unit=d.unit.name, last=d.last, due_on=d.due_on)
            for d in rules.reviews_due() if rules.may_review(actor, d.unit)]


class DevicesReviewOut(Schema):
    id: int
    unit_id: int
    done_on: datetime.date


@router.post("/reviews", response={201: DevicesReviewOut}, summary="登记本单位输入数据定期审查（SYS-15）")
def review_record(request: HttpRequest, body: DevicesReviewIn) -> Status:
    actor = _actor(request)
    unit = people.unit_for(actor, body.unit_id)
    review = rules.data_review_record(actor=actor, unit=unit, note=body.note, done_on=body.done_on)
    return Status(201, DevicesReviewOut(id=review.pk, unit_id=review.unit_id, done_on=review.done_on))
