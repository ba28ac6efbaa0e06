"""设备与介质: computers, office equipment and removable media, their usage bindings, repairs,
scrapping and imported scan reports. Data only: every change goes through services.py.

SYS-12: a medium that ever held classified content is managed at that level (`content_level`
never goes down, and the medium's level never drops below it). SYS-14: the network type caps
the level (an internet or non-classified computer never processes state secrets).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.levels import Level

LEVEL_CHOICES = [
    (int(Level.PUBLIC), _("公开")),
    (int(Level.INTERNAL), _("内部")),
    (int(Level.WORK_SECRET), _("工作秘密")),
    (int(Level.CONFIDENTIAL), _("秘密")),
    (int(Level.SECRET), _("机密")),
    (int(Level.TOP_SECRET), _("绝密")),
]


class DeviceKind(models.TextChoices):
    CLASSIFIED_PC = "classified_pc", _("涉密计算机")
    PLAIN_PC = "plain_pc", _("非涉密计算机")
    BRIDGE_PC = "bridge_pc", _("中间机")
    INTERNET_PC = "internet_pc", _("互联网计算机")
    SERVER = "server", _("服务器")
    PRINTER = "printer", _("打印机")
    COPIER = "copier", _("复印机")
    SCANNER = "scanner", _("扫描仪")
    FAX = "fax", _("传真机")
    USB = "usb", _("U盘")
    PORTABLE_DISK = "portable_disk", _("移动硬盘")
    OPTICAL_DISC = "optical_disc", _("光盘")


MEDIA_KINDS = (DeviceKind.USB, DeviceKind.PORTABLE_DISK, DeviceKind.OPTICAL_DISC)
COMPUTER_KINDS = (DeviceKind.CLASSIFIED_PC, DeviceKind.PLAIN_PC, DeviceKind.BRIDGE_PC, DeviceKind.INTERNET_PC,
                  DeviceKind.SERVER)
# Kinds that are never classified equipment, whatever network they sit on (SYS-14).
NON_CLASSIFIED_KINDS = (DeviceKind.PLAIN_PC, DeviceKind.INTERNET_PC)


class Network(models.TextChoices):
    CLASSIFIED = "classified", _("涉密网")
    INTRANET = "intranet", _("内网")
    INTERNET = "internet", _("互联网")
    STANDALONE = "standalone", _("单机")


# The highest level each network may carry (SYS-14: 上网微机不办公; 内网 is the non-classified
# office network: work secrets at most; SYS-09: classified processing on 涉密网 or 单机).
NETWORK_CAP = {
    Network.INTERNET: Level.PUBLIC,
    Network.INTRANET: Level.WORK_SECRET,
    Network.CLASSIFIED: Level.TOP_SECRET,
    Network.STANDALONE: Level.TOP_SECRET,
}


class DeviceStatus(models.TextChoices):
    IN_USE = "in_use", _("在用")
    REPAIR = "repair", _("维修中")
    SCRAPPED = "scrapped", _("已报废")
    DESTROYED = "destroyed", _("已销毁")


class Device(models.Model):
    """One registered device or removable medium and who answers for it."""

    asset_no = models.CharField(_("资产编号"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DeviceKind.choices)
    network = models.CharField(_("网络类型"), max_length=12, choices=Network.choices)
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)
    # SYS-12: the highest level of content the medium ever held, recorded by keepers.
    content_level = models.PositiveSmallIntegerField(_("存储内容最高密级"), choices=LEVEL_CHOICES, default=0)
    name = models.CharField(_("名称型号"), max_length=120, blank=True)
    custodian = models.ForeignKey("accounts.User", verbose_name=_("责任人"), on_delete=models.PROTECT,
                                  related_name="held_devices")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("使用单位"), on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("存放位置"), max_length=100, blank=True)
    serial_no = models.CharField(_("设备序列号"), max_length=80, blank=True)
    disk_serial = models.CharField(_("硬盘序列号"), max_length=80, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DeviceStatus.choices, default=DeviceStatus.IN_USE)
    purchased_on = models.DateField(_("购置日期"), null=True, blank=True)
    # COMM-08: imported secure communication devices are used only after a technical inspection.
    imported = models.BooleanField(_("进口设备"), default=False)
    inspected_on = models.DateField(_("技术检查日期"), null=True, blank=True)
    # The same medium in the carriers' register (a USB drive registered as 秘密 media).
    carrier = models.ForeignKey("carriers.Carrier", verbose_name=_("载体登记"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("设备与介质")
        verbose_name_plural = _("设备与介质")
        ordering = ["asset_no"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=0, level__lte=5), name="device_level_valid"),
            models.CheckConstraint(condition=Q(level__gte=models.F("content_level")),
                                   name="device_level_covers_content"),
            models.CheckConstraint(condition=~Q(network="internet") | Q(level__lte=0),
                                   name="device_internet_not_classified"),
            models.CheckConstraint(condition=~Q(kind__in=["plain_pc", "internet_pc"]) | Q(level__lte=2),
                                   name="device_plain_not_classified"),
        ]
        indexes = [models.Index(fields=["custodian", "status"], name="device_custodian_idx")]

    def __str__(self) -> str:
        return self.asset_no

    @property
    def is_medium(self) -> bool:
        return self.kind in MEDIA_KINDS

    @property
    def is_classified(self) -> bool:
        return Level(self.level).is_state_secret

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def label(self) -> str:
        """What audit events and reminders show."""
        return f"{self.get_kind_display()} {self.asset_no}"


class Binding(models.Model):
    """A medium registered as used on a device (介质使用登记)."""

    medium = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="bindings")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="media_bindings")
    bound_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    bound_at = models.DateTimeField(auto_now_add=True)
    unbound_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["medium", "device"], condition=Q(unbound_at__isnull=True),
                                               name="binding_open_once")]

    def __str__(self) -> str:
        return f"{self.medium_id}@{self.device_id}"


class Repair(models.Model):
    """维修记录: who repairs, who supervises, whether the disk left (never for classified ones)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="repairs")
    repairer_unit = models.CharField(_("维修单位"), max_length=200)
    outside = models.BooleanField(_("外单位维修"), default=False)
    supervisor = models.ForeignKey("accounts.User", verbose_name=_("现场监修人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    disk_removed = models.BooleanField(_("硬盘带离"), default=False)
    note = models.TextField(_("故障说明"), blank=True)
    started_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("维修结果"), blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"repair {self.pk}"


class ScrapMethod(models.TextChoices):
    SHRED = "shred", _("物理粉碎")
    DEGAUSS = "degauss", _("消磁")
    CENTRE = "centre", _("送销毁中心")


class ScrapStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    DONE = "done", _("已销毁")


class Scrap(models.Model):
    """报废与销毁: approved for classified devices; method and witness recorded."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="scraps")
    method = models.CharField(_("销毁方式"), max_length=10, choices=ScrapMethod.choices)
    witness = models.ForeignKey("accounts.User", verbose_name=_("监销人"), on_delete=models.PROTECT,
                                related_name="+")
    reason = models.TextField(_("报废原因"))
    status = models.CharField(_("状态"), max_length=10, choices=ScrapStatus.choices, default=ScrapStatus.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"scrap {self.pk}"


class ScanReport(models.Model):
    """An imported `baomi scan --json` report: per-file summary with masked snippets only."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="scan_reports")
    imported_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    files = models.PositiveIntegerField(_("文件数"), default=0)
    files_with_findings = models.PositiveIntegerField(_("有发现的文件数"), default=0)
    highest_level = models.PositiveSmallIntegerField(_("最高密级"), choices=LEVEL_CHOICES, null=True, blank=True)
    summary = models.JSONField(_("发现摘要"), default=list)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"scan report {self.pk}"


class AlertStatus(models.TextChoices):
    PENDING = "pending", _("待整改")
    OPENED = "opened", _("已转整改")


class ScanAlert(models.Model):
    """A classified finding on a non-classified device: rectification (and incident) opened,
    or kept here 待整改 when those modules are not available."""

    report = models.ForeignKey(ScanReport, on_delete=models.CASCADE, related_name="alerts")
    path = models.CharField(_("文件"), max_length=500)
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)
    fingerprint = models.BooleanField(_("载体指纹命中"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.PENDING)
    rectification_ref = models.CharField(max_length=80, blank=True)
    incident_ref = models.CharField(max_length=80, blank=True)

    def __str__(self) -> str:
        return self.path


# ---------------------------------------------------------------- SYS-08/10/13/15/17


class SanitiseMethod(models.TextChoices):
    DELETE_OVERWRITE = "overwrite", _("删除并覆写（多次擦除）")
    FORMAT = "format", _("低级格式化")
    DEGAUSS = "degauss", _("消磁")
    TOOL = "tool", _("专用保密技术处理工具")


class InputStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准，待删除处理")
    REJECTED = "rejected", _("未批准")
    CLOSED = "closed", _("已删除并技术处理")


class InputApproval(models.Model):
    """SYS-08: classified material put into a computer only with the 主管领导's approval; SYS-10:
    the task stays open until the machine's deletion and sanitisation is logged."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="input_approvals")
    material = models.CharField(_("录入材料"), max_length=200)
    level = models.PositiveSmallIntegerField(_("材料密级"), choices=LEVEL_CHOICES)
    purpose = models.TextField(_("录入事由"))
    status = models.CharField(_("状态"), max_length=10, choices=InputStatus.choices, default=InputStatus.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.CheckConstraint(condition=Q(level__gte=3, level__lte=5), name="input_level_secret")]

    def __str__(self) -> str:
        return f"input {self.pk}"


class ReuseStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准，待专业人员处理")
    REJECTED = "rejected", _("未批准")
    DONE = "done", _("已技术处理，密级已调整")


class MediumReuse(models.Model):
    """SYS-13: a classified medium reused for another purpose — approved by the 办公室领导,
    sanitised by a named specialist; only then its level may go down."""

    medium = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="reuses")
    new_level = models.PositiveSmallIntegerField(_("改作他用后的密级"), choices=LEVEL_CHOICES)
    new_purpose = models.CharField(_("改作何用"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=ReuseStatus.choices, default=ReuseStatus.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"reuse {self.pk}"


class Sanitisation(models.Model):
    """删除与保密技术处理记录 (SYS-10, SYS-13): who, when, how, in front of whom."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="sanitisations")
    input = models.ForeignKey(InputApproval, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="sanitisations")
    reuse = models.ForeignKey(MediumReuse, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="sanitisations")
    method = models.CharField(_("处理方式"), max_length=10, choices=SanitiseMethod.choices)
    operator = models.ForeignKey("accounts.User", verbose_name=_("操作人"), on_delete=models.PROTECT,
                                 related_name="+")
    # SYS-13: the 专业人员 (a technician of the unit or of a qualified company) named on the record.
    specialist = models.CharField(_("专业人员"), max_length=100, blank=True)
    witness = models.ForeignKey("accounts.User", verbose_name=_("监督人"), on_delete=models.PROTECT,
                                related_name="+")
    done_at = models.DateTimeField(_("处理时间"))
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-done_at"]

    def __str__(self) -> str:
        return f"sanitisation {self.pk}"


class DataReview(models.Model):
    """SYS-15: a unit's periodic review of the files and data it entered into its computers."""

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("审查日期"))
    note = models.TextField(_("审查情况"))
    done_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-done_on", "-id"]

    def __str__(self) -> str:
        return f"review {self.unit_id} {self.done_on}"


class AnomalyKind(models.TextChoices):
    MODIFIED = "modified", _("无故修改")
    MOVED = "moved", _("无故移动")
    DELETED = "deleted", _("无故删除")


class Anomaly(models.Model):
    """SYS-17: files or data changed, moved or deleted without explanation — reported to the
    系统管理员 and logged; important ones also to the 秘书股文书机要室 (the 机要员)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="anomalies")
    kind = models.CharField(_("异常类型"), max_length=10, choices=AnomalyKind.choices)
    description = models.TextField(_("异常情况"))
    important = models.BooleanField(_("涉及重要文电资料"), default=False)
    reported_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    handling = models.TextField(_("处理情况"), blank=True)

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"anomaly {self.pk}"
