"""Every change to devices and media: 登记, 密级调整, 介质内容登记, 介质使用登记, 维修,
报废与销毁, and importing scan reports. Each runs in `atomic_action`, locks the device row and
records an audit event; refusals are in Chinese and audited.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import Unit, User
from baomi.approvals import registry
from baomi.approvals.models import ApprovalRequest
from baomi.approvals.services import request_submit
from baomi.audit.services import atomic_action, record
from baomi.devices.models import (
    MEDIA_KINDS,
    NETWORK_CAP,
    NON_CLASSIFIED_KINDS,
    AlertStatus,
    Binding,
    Device,
    DeviceKind,
    DeviceStatus,
    Network,
    Repair,
    ScanAlert,
    ScanReport,
    Scrap,
    ScrapMethod,
    ScrapStatus,
)
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Level

SCRAP = "devices.scrap"
SCAN_STATUSES = ("ok", "error", "unsupported", "skipped")
FINDING_KINDS = ("mark", "keyword", "fingerprint")
MAX_FINDINGS_KEPT = 50


def scan_max_bytes() -> int:
    return int(getattr(settings, "BAOMI_DEVICE_SCAN_MAX_BYTES", 5 * 1024 * 1024))


# ---------------------------------------------------------------- helpers


def _require_manager(actor: User) -> None:
    policy.require(actor, policy.Perm.MANAGE_DEVICES)


def _lock(device: Device) -> Device:
    found = Device.objects.select_for_update().filter(pk=device.pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def _name(person: User) -> str:
    return person.full_name or person.username


def _level_refusal(kind: str, network: str, level: Level) -> str | None:
    """SYS-14 / SYS-09: what the kind and network allow."""
    if level.is_state_secret and (network == Network.INTERNET or kind in NON_CLASSIFIED_KINDS):
        return _("上网微机不办公，办公微机不上网：互联网设备和非涉密设备不得用于处理国家秘密")
    cap = NETWORK_CAP[Network(network)]
    if level > cap:
        return _("%(network)s设备的密级不得高于%(cap)s") % {"network": Network(network).label, "cap": cap.zh}
    if kind == DeviceKind.CLASSIFIED_PC and not level.is_state_secret:
        return _("涉密计算机须按所处理国家秘密的最高密级登记（秘密及以上）")
    if kind == DeviceKind.INTERNET_PC and network != Network.INTERNET:
        return _("互联网计算机只能登记在互联网上")
    return None


def _require_custodian(person: User, level: Level) -> None:
    if not person.is_active or person.admin_role:
        raise Refused(_("%(name)s 不能担任设备责任人") % {"name": _name(person)})
    if not policy.may_know(person, level):
        raise Refused(_("责任人 %(name)s 的涉密类别不能知悉%(level)s级设备的信息") % {
            "name": _name(person), "level": level.zh})


# ---------------------------------------------------------------- register


def device_register(
    *, actor: User, asset_no: str, kind: str, network: str, level: int, custodian: User, unit: Unit,
    location: str = "", name: str = "", serial_no: str = "", disk_serial: str = "",
    purchased_on: datetime.date | None = None, content_level: int = 0, imported: bool = False,
    inspected_on: datetime.date | None = None, carrier: Any = None,
) -> Device:
    with atomic_action(actor, "device.register"):
        _require_manager(actor)
        asset_no = asset_no.strip()
        if not asset_no:
            raise Invalid(_("请填写资产编号"))
        if kind not in DeviceKind.values:
            raise Invalid(_("未知的设备类型"))
        if network not in Network.values:
            raise Invalid(_("未知的网络类型"))
        try:
            lvl, content = Level(int(level)), Level(int(content_level))
        except ValueError:
            raise Invalid(_("未知的密级")) from None
        if Device.objects.filter(asset_no=asset_no).exists():
            raise Conflict(_("资产编号 %(no)s 已登记") % {"no": asset_no})
        refusal = _level_refusal(kind, network, lvl)
        if refusal:
            raise Refused(refusal)
        if kind in MEDIA_KINDS and content > lvl:
            raise Refused(_("介质密级不得低于其存储内容的最高密级（%(level)s）") % {"level": content.zh})
        if kind not in MEDIA_KINDS and content:
            content = Level.PUBLIC
        if imported and inspected_on is None:
            raise Refused(_("进口设备未经技术检查，不得登记为在用（COMM-08）"))
        _require_custodian(custodian, lvl)
        if carrier is not None and carrier.level != int(lvl):
            raise Refused(_("介质密级须与其载体登记的密级一致"))
        device = Device.objects.create(
            asset_no=asset_no[:40], kind=kind, network=network, level=int(lvl), content_level=int(content),
            custodian=custodian, unit=unit, location=location.strip()[:100], name=name.strip()[:120],
            serial_no=serial_no.strip()[:80], disk_serial=disk_serial.strip()[:80], purchased_on=purchased_on,
            imported=imported, inspected_on=inspected_on, carrier=carrier, registered_by=actor)
        record(actor=actor, action="device.register", obj=device,
               summary=f"登记{device.label}（{Network(network).label}，{lvl.zh}），责任人 {_name(custodian)}",
               details={"kind": kind, "network": network, "level": int(lvl), "custodian": custodian.pk})
    return device


def device_set_level(*, actor: User, device: Device, level: int, network: str | None = None) -> Device:
    """密级/网络调整: the same caps as registration; a medium never below its content."""
    with atomic_action(actor, "device.set_level", obj=device):
        _require_manager(actor)
        device = _lock(device)
        lvl = Level(int(level))
        network = network or device.network
        if network not in Network.values:
            raise Invalid(_("未知的网络类型"))
        refusal = _level_refusal(device.kind, network, lvl)
        if refusal:
            raise Refused(refusal)
        if lvl < device.content_level:
            raise Refused(_("介质曾存储%(level)s级内容，密级不得低于%(level)s（存储过涉密文件的介质按涉密载体管理）")
                          % {"level": Level(device.content_level).zh})
        if device.kind in MEDIA_KINDS and lvl < device.level:
            # SYS-12/13: the one way down is 改作他用 (approval, then a specialist's sanitisation).
            raise Refused(_("介质密级不得直接降低：改作他用须经办公室领导批准并由专业人员进行保密技术处理"))
        _require_custodian(device.custodian, lvl)
        if lvl < device.level and device.media_bindings.filter(
                unbound_at__isnull=True, medium__level__gt=int(lvl)).exists():
            raise Refused(_("该设备上登记使用的介质密级高于新密级，请先解除使用登记"))
        before = device.level
        device.level, device.network = int(lvl), network
        device.save(update_fields=["level", "network"])
        record(actor=actor, action="device.set_level", obj=device,
               summary=f"{device.label} 密级 {Level(before).zh} → {lvl.zh}（{Network(network).label}）",
               details={"before": before, "after": int(lvl), "network": network})
    return device


def medium_record_content(*, actor: User, medium: Device, level: int) -> Device:
    """SYS-12: the keeper records the highest level the medium now holds; it never goes down,
    and the medium is raised to it."""
    with atomic_action(actor, "device.content", obj=medium):
        _require_manager(actor)
        medium = _lock(medium)
        if medium.kind not in MEDIA_KINDS:
            raise Invalid(_("只有移动存储介质登记存储内容密级"))
        lvl = Level(int(level))
        if lvl < medium.content_level:
            raise Refused(_("介质曾存储%(level)s级内容，存储内容最高密级不得降低") % {
                "level": Level(medium.content_level).zh})
        if lvl > medium.level:
            _require_custodian(medium.custodian, lvl)
            if medium.bindings.filter(unbound_at__isnull=True, device__level__lt=int(lvl)).exists():
                raise Refused(_("该介质登记使用的设备密级低于%(level)s，不能存储该级内容") % {"level": lvl.zh})
        medium.content_level = int(lvl)
        medium.level = max(medium.level, int(lvl))
        medium.save(update_fields=["content_level", "level"])
        record(actor=actor, action="device.content", obj=medium,
               summary=f"{medium.label} 存储内容最高密级登记为{lvl.zh}", details={"level": int(lvl)})
    return medium


def custodian_change(*, actor: User, device: Device, custodian: User) -> Device:
    with atomic_action(actor, "device.custodian", obj=device):
        _require_manager(actor)
        device = _lock(device)
        _require_custodian(custodian, Level(device.level))
        before = device.custodian_id
        device.custodian = custodian
        device.save(update_fields=["custodian"])
        record(actor=actor, action="device.custodian", obj=device,
               summary=f"{device.label} 责任人改为 {_name(custodian)}",
               details={"before": before, "after": custodian.pk})
    return device


# ---------------------------------------------------------------- media usage bindings


def medium_bind(*, actor: User, medium: Device, device: Device) -> Binding:
    """介质使用登记: a medium is used only on devices of at least its level (no 秘密 USB drive on
    an internet computer: SYS-11, SYS-14)."""
    with atomic_action(actor, "device.bind", obj=medium):
        _require_manager(actor)
        medium, device = _lock(medium), _lock(device)
        if medium.kind not in MEDIA_KINDS:
            raise Invalid(_("请选择移动存储介质"))
        if device.kind in MEDIA_KINDS:
            raise Invalid(_("介质只能登记在计算机等设备上使用"))
        if medium.status != DeviceStatus.IN_USE or device.status != DeviceStatus.IN_USE:
            raise Conflict(_("介质和设备都须处于在用状态"))
        if medium.level > device.level or (medium.is_classified and not device.is_classified):
            raise Refused(_("%(medium)s 为%(ml)s级介质，不得在%(dl)s级设备 %(device)s 上使用"
                            "（涉密介质不得接入非涉密设备）") % {
                "medium": medium.label, "ml": medium.level_enum.zh, "dl": device.level_enum.zh,
                "device": device.label})
        if Binding.objects.filter(medium=medium, device=device, unbound_at__isnull=True).exists():
            raise Conflict(_("已登记"))
        binding = Binding.objects.create(medium=medium, device=device, bound_by=actor)
        record(actor=actor, action="device.bind", obj=medium,
               summary=f"{medium.label} 登记在 {device.label} 上使用", details={"device": device.pk})
    return binding


def medium_unbind(*, actor: User, binding: Binding) -> Binding:
    with atomic_action(actor, "device.unbind", obj=binding.medium):
        _require_manager(actor)
        binding = Binding.objects.select_for_update().get(pk=binding.pk)
        if binding.unbound_at is not None:
            raise Conflict(_("使用登记已解除"))
        binding.unbound_at = timezone.now()
        binding.save(update_fields=["unbound_at"])
        record(actor=actor, action="device.unbind", obj=binding.medium,
               summary=f"解除 {binding.medium.label} 在 {binding.device.label} 上的使用登记")
    return binding


# ---------------------------------------------------------------- repair


def repair_start(
    *, actor: User, device: Device, repairer_unit: str, outside: bool, supervisor: User | None,
    disk_removed: bool, note: str = "",
) -> Repair:
    """维修: outside repairers only with a supervisor recorded; a classified device's hard disk
    never leaves."""
    with atomic_action(actor, "device.repair_start", obj=device):
        _require_manager(actor)
        device = _lock(device)
        if device.status != DeviceStatus.IN_USE:
            raise Conflict(_("%(device)s 当前状态为“%(status)s”，不能送修") % {
                "device": device.label, "status": device.get_status_display()})
        if not repairer_unit.strip():
            raise Invalid(_("请填写维修单位"))
        if outside and supervisor is None:
            raise Refused(_("外单位人员维修须有本单位人员现场监修，请登记监修人"))
        if supervisor is not None and (not supervisor.is_active or supervisor.admin_role
                                       or not policy.may_know(supervisor, device.level_enum)):
            raise Refused(_("监修人 %(name)s 的涉密类别不能知悉%(level)s级设备的信息") % {
                "name": _name(supervisor), "level": device.level_enum.zh})
        if disk_removed and device.is_classified:
            raise Refused(_("涉密设备的硬盘不得带离，维修时须拆下留存本单位"))
        repair = Repair.objects.create(device=device, repairer_unit=repairer_unit.strip()[:200], outside=outside,
                                       supervisor=supervisor, disk_removed=disk_removed, note=note.strip(),
                                       started_by=actor)
        device.status = DeviceStatus.REPAIR
        device.save(update_fields=["status"])
        record(actor=actor, action="device.repair_start", obj=device,
               summary=f"{device.label} 送修：{repair.repairer_unit}"
                       + (f"，监修人 {_name(supervisor)}" if supervisor else ""),
               details={"repair": repair.pk, "outside": outside, "disk_removed": disk_removed})
    return repair


def repair_finish(*, actor: User, device: Device, result: str = "") -> Repair:
    with atomic_action(actor, "device.repair_finish", obj=device):
        _require_manager(actor)
        device = _lock(device)
        repair = device.repairs.filter(finished_at__isnull=True).first()
        if device.status != DeviceStatus.REPAIR or repair is None:
            raise Conflict(_("%(device)s 不在维修中") % {"device": device.label})
        repair.finished_at, repair.result = timezone.now(), result.strip()
        repair.save(update_fields=["finished_at", "result"])
        device.status = DeviceStatus.IN_USE
        device.save(update_fields=["status"])
        record(actor=actor, action="device.repair_finish", obj=device, summary=f"{device.label} 维修完毕，恢复在用",
               details={"repair": repair.pk})
    return repair


# ---------------------------------------------------------------- scrapping and destruction


def scrap_request(*, actor: User, device: Device, method: str, witness: User, reason: str) -> Scrap:
    """报废: classified devices by approval (unit leader, then 保密办), others at once; the
    method and witness are recorded for the destruction, as for carriers."""
    with atomic_action(actor, "device.scrap", obj=device):
        _require_manager(actor)
        device = _lock(device)
        if device.status not in (DeviceStatus.IN_USE, DeviceStatus.REPAIR):
            raise Conflict(_("%(device)s 当前状态为“%(status)s”，不能报废") % {
                "device": device.label, "status": device.get_status_display()})
        if method not in ScrapMethod.values:
            raise Invalid(_("未知的销毁方式"))
        if not reason.strip():
            raise Invalid(_("请填写报废原因"))
        if witness.pk == actor.pk:
            raise Invalid(_("经办人不能兼任监销人"))
        if not witness.is_active or witness.admin_role or not policy.may_know(witness, device.level_enum):
            raise Refused(_("监销人 %(name)s 的涉密类别不能知悉%(level)s级设备的信息") % {
                "name": _name(witness), "level": device.level_enum.zh})
        if device.scraps.filter(status__in=[ScrapStatus.PENDING, ScrapStatus.APPROVED]).exists():
            raise Conflict(_("该设备已有报废申请"))
        scrap = Scrap.objects.create(device=device, method=method, witness=witness, reason=reason.strip(),
                                     requested_by=actor)
        if device.is_classified:
            scrap.approval = request_submit(
                actor=actor, request_type=SCRAP, subject=scrap, title=f"报废{device.label}",
                reason=reason, level=device.level, unit=device.unit, payload={"scrap": scrap.pk})
            scrap.save(update_fields=["approval"])
        else:
            _scrap_approved_now(scrap, actor)
        record(actor=actor, action="device.scrap", obj=device,
               summary=f"申请报废 {device.label}（{ScrapMethod(method).label}，监销人 {_name(witness)}）",
               details={"scrap": scrap.pk, "method": method, "witness": witness.pk})
    return scrap


def _scrap_approved_now(scrap: Scrap, decider: User) -> None:
    device = _lock(scrap.device)
    scrap.status = ScrapStatus.APPROVED
    scrap.save(update_fields=["status"])
    device.status = DeviceStatus.SCRAPPED
    device.save(update_fields=["status"])
    Binding.objects.filter(medium=device, unbound_at__isnull=True).update(unbound_at=timezone.now())
    Binding.objects.filter(device=device, unbound_at__isnull=True).update(unbound_at=timezone.now())
    record(actor=decider, action="device.scrap_approve", obj=device, summary=f"{device.label} 已报废，待监销")


def _scrap_approved(request: ApprovalRequest, decider: User) -> None:
    scrap = Scrap.objects.select_for_update().get(pk=int(request.payload["scrap"]))
    if scrap.status != ScrapStatus.PENDING:
        raise Conflict(_("该报废申请不在审批中"))
    _scrap_approved_now(scrap, decider)


def _scrap_closed(request: ApprovalRequest, decider: User | None) -> None:
    scrap = Scrap.objects.select_for_update().get(pk=int(request.payload["scrap"]))
    if scrap.status == ScrapStatus.PENDING:
        scrap.status = ScrapStatus.REJECTED
        scrap.save(update_fields=["status"])
        record(actor=decider, action="device.scrap_reject", obj=scrap.device,
               summary=f"{scrap.device.label} 报废申请未获批准")


def device_destroy(*, actor: User, device: Device, witness_password: str) -> Scrap:
    """销毁: after approval, in front of the recorded witness, who signs with their password."""
    with atomic_action(actor, "device.destroy", obj=device):
        _require_manager(actor)
        device = _lock(device)
        scrap = device.scraps.select_for_update().filter(status=ScrapStatus.APPROVED).first()
        if scrap is None or device.status != DeviceStatus.SCRAPPED:
            raise Refused(_("设备报废未经批准，不能销毁"))
        if not scrap.witness.check_password(witness_password):
            raise Refused(_("监销人签字密码不正确"))
        now = timezone.now()
        scrap.status, scrap.destroyed_at = ScrapStatus.DONE, now
        scrap.save(update_fields=["status", "destroyed_at"])
        device.status = DeviceStatus.DESTROYED
        device.save(update_fields=["status"])
        record(actor=actor, action="device.destroy", obj=device,
               summary=f"销毁 {device.label}（{scrap.get_method_display()}，监销人 {_name(scrap.witness)}）",
               details={"scrap": scrap.pk, "method": scrap.method, "witness": scrap.witness_id})
    return scrap


def may_decide_by_level(request: ApprovalRequest, person: User) -> str | None:
    if request.level is not None and not policy.may_know(person, Level(request.level)):
        return _("您的涉密类别不能知悉%(level)s级事项，不能审批") % {"level": Level(request.level).zh}
    return None


def register_request_types() -> None:
    # Default route: the device's unit leader, then the secrecy office (as carriers' destruction).
    registry.register(registry.RequestType(
        code=SCRAP, label="报废涉密设备", on_approved=_scrap_approved, on_rejected=_scrap_closed,
        may_decide=may_decide_by_level, default_steps=(("approver", "requester_unit"), ("secrecy_officer", "org"))))


# ---------------------------------------------------------------- scan reports


def _parse_report(data: bytes) -> list[dict[str, Any]]:
    """Every line checked before anything is written; the first bad line is named."""
    if len(data) > scan_max_bytes():
        raise Invalid(_("扫描报告过大（上限 %(n)s 字节）") % {"n": scan_max_bytes()})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("扫描报告须为 UTF-8 编码的 JSON Lines（baomi scan --json 的输出）")) from None
    files: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise Invalid(_("第 %(n)s 行不是有效的 JSON") % {"n": n}) from None
        if not isinstance(obj, dict) or obj.get("v") != 1:
            raise Invalid(_("第 %(n)s 行不是 baomi scan --json 的记录（v 须为 1）") % {"n": n})
        if not isinstance(obj.get("path"), str) or obj.get("status") not in SCAN_STATUSES:
            raise Invalid(_("第 %(n)s 行缺少 path 或 status") % {"n": n})
        findings = obj.get("findings") or []
        if not isinstance(findings, list):
            raise Invalid(_("第 %(n)s 行的 findings 须为数组") % {"n": n})
        for f in findings:
            if not isinstance(f, dict) or f.get("kind") not in FINDING_KINDS:
                raise Invalid(_("第 %(n)s 行含有无法识别的发现") % {"n": n})
            if "text" in f:
                raise Invalid(_("第 %(n)s 行含有未遮蔽的原文（--show），报告本身可能涉密，不予导入") % {"n": n})
            try:
                Level.parse(f.get("level") or "")
            except ValueError:
                raise Invalid(_("第 %(n)s 行的发现密级无法识别") % {"n": n}) from None
        if not _valid_levels(obj.get("levels", {})):
            raise Invalid(_("第 %(n)s 行的 levels 须为 {密级: {类型: 数量}}") % {"n": n})
        files.append(obj)
    if not files:
        raise Invalid(_("扫描报告为空"))
    return files


def _valid_levels(levels: object) -> bool:
    """The record's `levels` ({"SECRET": {"mark": 1}}), absent from reports of older scanners."""
    if not isinstance(levels, dict):
        return False
    for name, kinds in levels.items():
        try:
            Level.parse(name)
        except ValueError:
            return False
        if not isinstance(kinds, dict) or not all(
                kind in FINDING_KINDS and isinstance(n, int) and n >= 0 for kind, n in kinds.items()):
            return False
    return True


def _highest_by_kind(obj: dict[str, Any]) -> dict[str, int]:
    """The highest level of each kind found in a file: from `levels`, which counts findings
    beyond the listing limit too (a 机密 mark after 1,000 keywords), and from the listed
    findings (reports without `levels`)."""
    highest: dict[str, int] = {}
    seen = [(kind, Level.parse(name)) for name, kinds in (obj.get("levels") or {}).items()
            for kind, n in kinds.items() if n]
    seen += [(f["kind"], Level.parse(f["level"])) for f in obj.get("findings") or [] if not f.get("simulated")]
    for kind, level in seen:
        highest[kind] = max(highest.get(kind, 0), int(level))
    return highest


def _file_summary(obj: dict[str, Any]) -> dict[str, Any]:
    findings = [f for f in obj.get("findings") or [] if not f.get("simulated")]
    highest = _highest_by_kind(obj)
    return {
        "path": str(obj["path"])[:500], "status": obj["status"],
        "level": Level(max(highest.values())).name if highest else None,
        "highest": highest, "counts": obj.get("counts") or {}, "error": obj.get("error"),
        "findings": [{"kind": f["kind"], "level": str(f.get("level")), "level_zh": str(f.get("level_zh", "")),
                      "rule": str(f.get("rule", ""))[:80], "snippet": str(f.get("snippet", ""))[:120],
                      "part": str((f.get("location") or {}).get("part", ""))[:40]}
                     for f in findings[:MAX_FINDINGS_KEPT]],
    }


def _alert_of(summary: dict[str, Any]) -> tuple[Level, bool] | None:
    """A mark of 秘密+ or a carrier fingerprint: (highest such level, fingerprint?)."""
    mark, fingerprint = summary["highest"].get("mark"), summary["highest"].get("fingerprint")
    levels = [level for level in (fingerprint, mark if mark and Level(mark).is_state_secret else None) if level]
    if not levels:
        return None
    return Level(max(levels)), fingerprint is not None


def scan_import(*, actor: User, device: Device, data: bytes) -> ScanReport:
    """Import a `baomi scan --json` report onto a device. On a non-classified device, a 秘密+
    mark or a carrier fingerprint opens a rectification item, and for state secrets an
    incident draft (kept here 待整改 when those modules are not available)."""
    with atomic_action(actor, "device.scan_import", obj=device):
        _require_manager(actor)
        device = _lock(device)
        files = _parse_report(data)
        summaries = [_file_summary(obj) for obj in files]
        with_findings = [s for s in summaries if s["highest"]]
        levels = [level for s in with_findings for level in s["highest"].values()]
        report = ScanReport.objects.create(
            device=device, imported_by=actor, files=len(files), files_with_findings=len(with_findings),
            highest_level=max(levels) if levels else None, summary=with_findings)
        record(actor=actor, action="device.scan_import", obj=device,
               summary=f"导入 {device.label} 的检查报告：{len(files)} 个文件，{len(with_findings)} 个有发现",
               details={"report": report.pk})
        if not device.is_classified:
            for s in with_findings:
                alert = _alert_of(s)
                if alert is not None:
                    _open_alert(actor, device, report, s["path"], *alert)
    return report


def _open_alert(actor: User, device: Device, report: ScanReport, path: str, level: Level, fingerprint: bool) -> None:
    alert = ScanAlert.objects.create(report=report, path=path, level=int(level), fingerprint=fingerprint)
    what = _("涉密载体内容") if fingerprint else _("%(level)s级密级标志") % {"level": level.zh}
    title = _("非涉密设备 %(device)s 上发现%(what)s") % {"device": device.asset_no, "what": what}
    description = _("检查报告 #%(report)s：文件 %(path)s") % {"report": report.pk, "path": path}
    ref = f"devices.scan:{report.pk}:{alert.pk}"
    opened = False
    try:
        from baomi.inspections.services import rectification_open

        item = rectification_open(actor=actor, title=title, description=description, unit=device.unit,
                                  owner=device.custodian, due_on=None, source="devices.scan", source_ref=ref)
        alert.rectification_ref = str(getattr(item, "pk", item))[:80]
        opened = True
    except (ImportError, AttributeError):
        pass
    if level.is_state_secret:
        try:
            from baomi.incidents.services import incident_draft

            incident = incident_draft(actor=actor, title=title, level=int(level), circumstances=description,
                                      source="devices.scan", source_ref=ref, people=[device.custodian])
            alert.incident_ref = str(getattr(incident, "pk", incident))[:80]
        except (ImportError, AttributeError):
            opened = False
    alert.status = AlertStatus.OPENED if opened else AlertStatus.PENDING
    alert.save(update_fields=["status", "rectification_ref", "incident_ref"])
    record(actor=actor, action="device.scan_alert", obj=device,
           summary=f"{device.label} 检查发现{level.zh}级内容，" + ("已转整改" if opened else "待整改"),
           details={"alert": alert.pk, "rectification": alert.rectification_ref, "incident": alert.incident_ref})
