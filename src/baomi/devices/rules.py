"""SYS-08/10/13/15/17 on devices and media: 涉密信息录入计算机审批 and the deletion/sanitisation
that closes it, 介质改作他用 (approval, specialist sanitisation, then the level may go down),
each unit's periodic review of the data it entered, and unexplained changes to files reported.

Every change runs in `atomic_action`, locks the device row and records an audit event;
refusals are in Chinese and audited. Approvals go through the generic engine."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import RoleAssignment, Unit, User
from baomi.approvals import registry
from baomi.approvals.models import ApprovalRequest
from baomi.approvals.services import request_submit
from baomi.audit.services import atomic_action, record
from baomi.devices.models import (
    COMPUTER_KINDS,
    MEDIA_KINDS,
    NON_CLASSIFIED_KINDS,
    Anomaly,
    AnomalyKind,
    DataReview,
    Device,
    DeviceStatus,
    InputApproval,
    InputStatus,
    MediumReuse,
    ReuseStatus,
    Sanitisation,
    SanitiseMethod,
)
from baomi.devices.services import may_decide_by_level
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Level
from baomi.periods import add_months

INPUT = "devices.input"  # SYS-08
REUSE = "devices.reuse"  # SYS-13
DEFAULT_REVIEW_MONTHS = 3  # SYS-15: the seed says only "定期"; quarterly unless configured


def review_months() -> int:
    return max(1, int(getattr(settings, "BAOMI_DATA_REVIEW_MONTHS", DEFAULT_REVIEW_MONTHS)))


def _name(person: User) -> str:
    return person.full_name or person.username


def _lock(device: Device) -> Device:
    found = Device.objects.select_for_update().filter(pk=device.pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def _may_handle(actor: User, device: Device) -> bool:
    return device.custodian_id == actor.pk or policy.may(actor, policy.Perm.MANAGE_DEVICES)


def _witness(witness: User | None, actor: User, level: Level) -> User:
    if witness is None:
        raise Invalid(_("请选择监督人"))
    if witness.pk == actor.pk:
        raise Invalid(_("操作人不能兼任监督人"))
    if not witness.is_active or witness.admin_role or not policy.may_know(witness, level):
        raise Refused(_("监督人 %(name)s 的涉密类别不能知悉%(level)s级事项") % {
            "name": _name(witness), "level": level.zh})
    return witness


def _level(value: int) -> Level:
    try:
        return Level(int(value))
    except ValueError:
        raise Invalid(_("未知的密级")) from None


# ---------------------------------------------------------------- SYS-08 / SYS-10


def input_request(*, actor: User, device: Device, material: str, level: int, purpose: str) -> InputApproval:
    """涉密信息录入计算机审批: only onto an in-use classified computer of at least the material's
    level, approved by the 主管领导 (default route: the approver of the device's unit)."""
    with atomic_action(actor, "device.input_request", obj=device):
        device = _lock(device)
        if not _may_handle(actor, device):
            raise Refused(_("只有设备责任人或保密办可以申请涉密信息录入"))
        lvl = _level(level)
        if not lvl.is_state_secret:
            raise Invalid(_("只有秘密、机密、绝密材料录入计算机须经审批"))
        if not (material or "").strip() or not (purpose or "").strip():
            raise Invalid(_("请填写录入材料和事由"))
        if (device.kind not in COMPUTER_KINDS or device.kind in NON_CLASSIFIED_KINDS
                or not device.is_classified or device.level < lvl):
            raise Refused(_("%(device)s 不是%(level)s级及以上的涉密计算机，不得录入%(level)s级材料") % {
                "device": device.label, "level": lvl.zh})
        if device.status != DeviceStatus.IN_USE:
            raise Conflict(_("%(device)s 当前状态为“%(status)s”，不能录入") % {
                "device": device.label, "status": device.get_status_display()})
        if not policy.may_know(actor, lvl):
            raise Refused(_("您的涉密类别不能知悉%(level)s级材料") % {"level": lvl.zh})
        task = InputApproval.objects.create(device=device, material=material.strip()[:200], level=int(lvl),
                                            purpose=purpose.strip(), requested_by=actor)
        task.approval = request_submit(
            actor=actor, request_type=INPUT, subject=task, title=f"涉密信息录入计算机：{device.label}",
            reason=purpose.strip(), level=int(lvl), unit=device.unit, payload={"input": task.pk})
        task.save(update_fields=["approval"])
        record(actor=actor, action="device.input_request", obj=device,
               summary=f"申请在 {device.label} 上录入{lvl.zh}级材料：{task.material}",
               details={"input": task.pk, "level": int(lvl)})
    return task


def _input_approved(request: ApprovalRequest, decider: User) -> None:
    task = InputApproval.objects.select_for_update().get(pk=int(request.payload["input"]))
    if task.status != InputStatus.PENDING:
        raise Conflict(_("该录入申请不在审批中"))
    task.status, task.approved_at = InputStatus.APPROVED, timezone.now()
    task.save(update_fields=["status", "approved_at"])
    record(actor=decider, action="device.input_approve", obj=task.device,
           summary=f"批准在 {task.device.label} 上录入：{task.material}；处理完毕须删除并技术处理")


def _input_closed(request: ApprovalRequest, decider: User | None) -> None:
    task = InputApproval.objects.select_for_update().get(pk=int(request.payload["input"]))
    if task.status == InputStatus.PENDING:
        task.status = InputStatus.REJECTED
        task.save(update_fields=["status"])
        record(actor=decider, action="device.input_reject", obj=task.device,
               summary=f"{task.device.label} 录入申请未获批准：{task.material}")


def input_sanitise(*, actor: User, task: InputApproval, method: str, witness: User | None,
                   done_at: datetime.datetime | None = None, note: str = "") -> Sanitisation:
    """SYS-10: after processing, the files deleted and the machine technically sanitised; this
    closes the approved input task (until then it is reminded in 我的待办)."""
    with atomic_action(actor, "device.sanitise", obj=task.device):
        device = _lock(task.device)
        task = InputApproval.objects.select_for_update().get(pk=task.pk)
        if not _may_handle(actor, device):
            raise Refused(_("只有设备责任人或保密办可以登记删除与技术处理"))
        if task.status != InputStatus.APPROVED:
            raise Conflict(_("该录入申请未获批准或已处理完毕"))
        if method not in SanitiseMethod.values:
            raise Invalid(_("请选择处理方式"))
        _witness(witness, actor, Level(task.level))
        assert witness is not None
        done_at = done_at or timezone.now()
        if done_at < (task.approved_at or task.requested_at) or done_at > timezone.now():
            raise Invalid(_("处理时间须在批准之后、不晚于现在"))
        row = Sanitisation.objects.create(device=device, input=task, method=method, operator=actor, witness=witness,
                                          done_at=done_at, note=(note or "").strip(), recorded_by=actor)
        task.status = InputStatus.CLOSED
        task.save(update_fields=["status"])
        record(actor=actor, action="device.sanitise", obj=device,
               summary=f"{device.label} 处理完毕已删除并技术处理（{SanitiseMethod(method).label}，"
                       f"监督人 {_name(witness)}）：{task.material}",
               details={"input": task.pk, "sanitisation": row.pk, "method": method, "witness": witness.pk})
    return row


# ---------------------------------------------------------------- SYS-13


def medium_reuse_request(*, actor: User, medium: Device, new_level: int, new_purpose: str) -> MediumReuse:
    """介质改作他用: approved by the 办公室领导 (default route: the top unit's approver)."""
    with atomic_action(actor, "device.reuse_request", obj=medium):
        policy.require(actor, policy.Perm.MANAGE_DEVICES)
        medium = _lock(medium)
        if medium.kind not in MEDIA_KINDS:
            raise Invalid(_("只有移动存储介质办理改作他用"))
        if medium.status != DeviceStatus.IN_USE:
            raise Conflict(_("介质须处于在用状态"))
        if not medium.is_classified and not Level(medium.content_level).is_state_secret:
            raise Invalid(_("非涉密介质改作他用无需审批"))
        lvl = _level(new_level)
        if lvl > medium.level:
            raise Invalid(_("改作他用后的密级不得高于现密级（提高密级请直接调整）"))
        if not (new_purpose or "").strip():
            raise Invalid(_("请填写改作何用"))
        if medium.reuses.filter(status__in=[ReuseStatus.PENDING, ReuseStatus.APPROVED]).exists():
            raise Conflict(_("该介质已有改作他用申请"))
        reuse = MediumReuse.objects.create(medium=medium, new_level=int(lvl), new_purpose=new_purpose.strip()[:200],
                                           requested_by=actor)
        reuse.approval = request_submit(
            actor=actor, request_type=REUSE, subject=reuse, title=f"涉密介质改作他用：{medium.label}",
            reason=new_purpose.strip(), level=medium.level, unit=medium.unit, payload={"reuse": reuse.pk})
        reuse.save(update_fields=["approval"])
        record(actor=actor, action="device.reuse_request", obj=medium,
               summary=f"申请 {medium.label} 改作他用：{reuse.new_purpose}（改为{lvl.zh}）",
               details={"reuse": reuse.pk, "new_level": int(lvl)})
    return reuse


def _reuse_approved(request: ApprovalRequest, decider: User) -> None:
    reuse = MediumReuse.objects.select_for_update().get(pk=int(request.payload["reuse"]))
    if reuse.status != ReuseStatus.PENDING:
        raise Conflict(_("该改作他用申请不在审批中"))
    reuse.status = ReuseStatus.APPROVED
    reuse.save(update_fields=["status"])
    record(actor=decider, action="device.reuse_approve", obj=reuse.medium,
           summary=f"批准 {reuse.medium.label} 改作他用，待专业人员保密技术处理")


def _reuse_closed(request: ApprovalRequest, decider: User | None) -> None:
    reuse = MediumReuse.objects.select_for_update().get(pk=int(request.payload["reuse"]))
    if reuse.status == ReuseStatus.PENDING:
        reuse.status = ReuseStatus.REJECTED
        reuse.save(update_fields=["status"])
        record(actor=decider, action="device.reuse_reject", obj=reuse.medium,
               summary=f"{reuse.medium.label} 改作他用申请未获批准")


def medium_reuse_sanitise(*, actor: User, reuse: MediumReuse, specialist: str, method: str,
                          witness: User | None, note: str = "") -> Sanitisation:
    """After approval, the 专业人员 named here sanitises the medium; only then its level and the
    highest level of content it held are reset to the approved new level (the one way down)."""
    with atomic_action(actor, "device.reuse_sanitise", obj=reuse.medium):
        policy.require(actor, policy.Perm.MANAGE_DEVICES)
        medium = _lock(reuse.medium)
        reuse = MediumReuse.objects.select_for_update().get(pk=reuse.pk)
        if reuse.status != ReuseStatus.APPROVED:
            raise Refused(_("介质改作他用未经办公室领导批准，不得降低密级"))
        if not (specialist or "").strip():
            raise Invalid(_("保密技术处理须由专业人员进行，请填写专业人员"))
        if method not in SanitiseMethod.values:
            raise Invalid(_("请选择处理方式"))
        _witness(witness, actor, Level(medium.level))
        assert witness is not None
        if medium.bindings.filter(unbound_at__isnull=True).exists():
            raise Conflict(_("请先解除该介质的使用登记"))
        row = Sanitisation.objects.create(device=medium, reuse=reuse, method=method, operator=actor,
                                          specialist=specialist.strip()[:100], witness=witness,
                                          done_at=timezone.now(), note=(note or "").strip(), recorded_by=actor)
        before = medium.level
        # The medium is no longer the carrier it was registered as (the register keeps that one).
        medium.level, medium.content_level, medium.carrier = reuse.new_level, 0, None
        medium.save(update_fields=["level", "content_level", "carrier"])
        reuse.status = ReuseStatus.DONE
        reuse.save(update_fields=["status"])
        record(actor=actor, action="device.reuse_sanitise", obj=medium,
               summary=f"{medium.label} 经专业人员 {row.specialist} 保密技术处理（{SanitiseMethod(method).label}，"
                       f"监督人 {_name(witness)}），密级 {Level(before).zh} → {Level(reuse.new_level).zh}，"
                       f"改作：{reuse.new_purpose}",
               details={"reuse": reuse.pk, "sanitisation": row.pk, "before": before, "after": reuse.new_level})
    return row


# ---------------------------------------------------------------- SYS-15


@dataclass(frozen=True)
class ReviewDue:
    unit: Unit
    last: datetime.date | None
    due_on: datetime.date


def reviews_due(*, today: datetime.date | None = None) -> list[ReviewDue]:
    """Units with computers in use whose data review is due: never done, or its period passed."""
    today = today or timezone.localdate()
    unit_ids = set(Device.objects.filter(kind__in=COMPUTER_KINDS, status__in=[DeviceStatus.IN_USE,
                                                                             DeviceStatus.REPAIR])
                   .values_list("unit_id", flat=True))
    last = dict(DataReview.objects.filter(unit_id__in=unit_ids).values("unit_id")
                .annotate(last=Max("done_on")).values_list("unit_id", "last"))
    due: list[ReviewDue] = []
    for unit in Unit.objects.filter(pk__in=unit_ids).order_by("sort_order", "pk"):
        done = last.get(unit.pk)
        due_on = add_months(done, review_months()) if done else today
        if due_on <= today:
            due.append(ReviewDue(unit=unit, last=done, due_on=due_on))
    return due


def may_review(actor: User, unit: Unit) -> bool:
    """The 保密办, the unit's own 保密员 (or one above it), or a member of the unit."""
    if policy.may(actor, policy.Perm.MANAGE_DEVICES) and RoleAssignment.objects.filter(
            Q(unit__isnull=True) | Q(unit__in=[unit, *unit.ancestors()]), user=actor,
            role="secrecy_officer").exists():
        return True
    return actor.unit_id == unit.pk and actor.is_active and not actor.admin_role


def data_review_record(*, actor: User, unit: Unit, note: str, done_on: datetime.date | None = None) -> DataReview:
    with atomic_action(actor, "device.data_review"):
        if not may_review(actor, unit):
            raise Refused(_("只有本单位人员或保密员可以登记本单位的数据审查"))
        if not (note or "").strip():
            raise Invalid(_("请填写审查情况"))
        done_on = done_on or timezone.localdate()
        if done_on > timezone.localdate():
            raise Invalid(_("审查日期不能晚于今天"))
        review = DataReview.objects.create(unit=unit, done_on=done_on, note=note.strip(), done_by=actor)
        record(actor=actor, action="device.data_review", obj=review,
               summary=f"{unit.name} 完成输入计算机文件、数据的定期整理审查（{done_on.isoformat()}）",
               details={"unit": unit.pk})
    return review


# ---------------------------------------------------------------- SYS-17


def anomaly_report(*, actor: User, device: Device, kind: str, description: str, important: bool = False) -> Anomaly:
    """文件、数据被无故修改、移动、删除: logged and shown to the 系统管理员 and the 保密办; when
    important, also to the 机要员 (秘书股文书机要室)."""
    with atomic_action(actor, "device.anomaly", obj=device):
        if not _may_handle(actor, device):
            raise Refused(_("只有设备责任人或保密办可以报告该设备的异常"))
        if kind not in AnomalyKind.values:
            raise Invalid(_("请选择异常类型"))
        if not (description or "").strip():
            raise Invalid(_("请填写异常情况"))
        row = Anomaly.objects.create(device=device, kind=kind, description=description.strip(),
                                     important=bool(important), reported_by=actor)
        record(actor=actor, action="device.anomaly", obj=device,
               summary=f"{device.label} 发现文件、数据{AnomalyKind(kind).label}，已告知系统管理员"
                       + ("、秘书股文书机要室" if important else ""),
               details={"anomaly": row.pk, "kind": kind, "important": bool(important)})
    return row


def may_handle_anomalies(actor: User) -> bool:
    return actor.is_active and (actor.admin_role == policy.SYSTEM or policy.may(actor, policy.Perm.MANAGE_DEVICES))


def anomaly_handle(*, actor: User, anomaly: Anomaly, handling: str) -> Anomaly:
    with atomic_action(actor, "device.anomaly_handle", obj=anomaly.device):
        if not may_handle_anomalies(actor):
            raise Refused(_("只有系统管理员或保密办可以登记异常处理情况"))
        anomaly = Anomaly.objects.select_for_update().get(pk=anomaly.pk)
        if anomaly.handled_at is not None:
            raise Conflict(_("该异常已登记处理"))
        if not (handling or "").strip():
            raise Invalid(_("请填写处理情况"))
        anomaly.handled_by, anomaly.handled_at, anomaly.handling = actor, timezone.now(), handling.strip()
        anomaly.save(update_fields=["handled_by", "handled_at", "handling"])
        record(actor=actor, action="device.anomaly_handle", obj=anomaly.device,
               summary=f"{anomaly.device.label} 异常已处理：{anomaly.handling[:80]}", details={"anomaly": anomaly.pk})
    return anomaly


# ---------------------------------------------------------------- approval types


def register_request_types() -> None:
    # 主管领导: the approver of the device's unit (or above); 办公室领导: the top unit's approver.
    # Both can be re-routed as data (approval routing rules).
    registry.register(registry.RequestType(
        code=INPUT, label="涉密信息录入计算机审批", on_approved=_input_approved, on_rejected=_input_closed,
        may_decide=may_decide_by_level, default_steps=(("approver", "requester_unit"),)))
    registry.register(registry.RequestType(
        code=REUSE, label="涉密介质改作他用审批", on_approved=_reuse_approved, on_rejected=_reuse_closed,
        may_decide=may_decide_by_level, default_steps=(("approver", "top_unit"),)))
