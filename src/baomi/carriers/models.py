"""涉密载体: carriers, their numbered copies, the custody ledger, destruction lists and
reminders. Data only: every change goes through services.py.

Invariants held by the database as well as by the services:

- a copy has exactly one custodian (one non-null column) and one status;
- a 绝密 copy is kept only in a safe;
- a copy that is out (circulating, lent, taken out) has a due time, any other has none;
- the ledger is append-only, and a destroyed copy never changes again nor gets another
  ledger entry (triggers, migration 0002).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.classification.models import SecretType
from baomi.levels import Level

# Literal strings so that makemessages finds them; values follow levels.Level. 公开 carries no mark.
LEVEL_CHOICES = [
    (int(Level.INTERNAL), _("内部")),
    (int(Level.WORK_SECRET), _("工作秘密")),
    (int(Level.CONFIDENTIAL), _("秘密")),
    (int(Level.SECRET), _("机密")),
    (int(Level.TOP_SECRET), _("绝密")),
]


class CarrierKind(models.TextChoices):
    PAPER = "paper", _("纸质文件")
    ELECTRONIC = "electronic", _("电子文件")
    DISC = "disc", _("光盘")
    USB = "usb", _("U盘/移动硬盘")
    HARD_DISK = "hard_disk", _("硬盘")
    # CARRIER-32: secrets are written down only in a registered 保密本, issued to its holder.
    NOTEBOOK = "notebook", _("保密本")
    OTHER = "other", _("其他")


class Direction(models.TextChoices):
    INCOMING = "incoming", _("收文")
    OUTGOING = "outgoing", _("发文")
    MADE = "made", _("本单位制作")
    # CARRIER-09: brought back from a meeting by a leader or staff member, handed to the 机要员.
    MEETING = "meeting", _("会议带回")


# The 定密 module's secret types; a carrier's type follows from its mark, so only the two
# that marks express (★ for state secrets, the unit's mark for work secrets) are allowed.
CARRIER_SECRET_TYPES = [(value, label) for value, label in SecretType.choices if value in ("state", "work")]


class Carrier(models.Model):
    """A registered document or medium. Its title is shown only to those allowed to see it."""

    register_no = models.CharField(_("登记号"), max_length=30, unique=True)
    direction = models.CharField(_("来源"), max_length=10, choices=Direction.choices)
    kind = models.CharField(_("载体类型"), max_length=12, choices=CarrierKind.choices, default=CarrierKind.PAPER)
    title = models.CharField(_("标题"), max_length=300)
    doc_number = models.CharField(_("文号"), max_length=100, blank=True)
    source_unit = models.CharField(_("来文单位"), max_length=200, blank=True)
    destination_unit = models.CharField(_("发往单位"), max_length=200, blank=True)
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)
    marking = models.CharField(_("密级标志"), max_length=60)
    period_stated = models.BooleanField(_("已标明保密期限"), default=True)
    secret_type = models.CharField(_("秘密类型"), max_length=6, choices=CARRIER_SECRET_TYPES)
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("登记单位"), on_delete=models.PROTECT, related_name="+")
    need_to_know_people = models.ManyToManyField(
        "accounts.User", verbose_name=_("知悉范围（人员）"), blank=True, related_name="known_carriers"
    )
    need_to_know_units = models.ManyToManyField(
        "accounts.Unit", verbose_name=_("知悉范围（单位）"), blank=True, related_name="known_carriers"
    )
    dated_on = models.DateField(_("成文日期"), null=True, blank=True)
    registered_on = models.DateField(_("登记日期"))
    return_by = models.DateField(_("清退期限"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey("accounts.User", verbose_name=_("登记人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Derived from other carriers (汇编, 摘抄): at least their highest level (no write-down).
    sources = models.ManyToManyField("self", verbose_name=_("来源载体"), symmetrical=False, blank=True,
                                     related_name="derived")
    # 摘抄件 (CARRIER-15): the copy it was excerpted from, by approval.
    excerpt_of = models.ForeignKey("Copy", verbose_name=_("摘抄自"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="excerpts")
    # 会议带回 (CARRIER-09): the meeting and the person who brought it back.
    meeting_name = models.CharField(_("会议名称"), max_length=200, blank=True)
    brought_by = models.ForeignKey("accounts.User", verbose_name=_("带回人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("涉密载体")
        verbose_name_plural = _("涉密载体")
        ordering = ["-registered_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="carrier_level_marked"),
            models.CheckConstraint(condition=Q(direction__in=["incoming", "outgoing", "made", "meeting"]),
                                   name="carrier_direction_valid"),
            # State secrets are 秘密 and above; below that, work secrets (DESIGN "Core concepts").
            models.CheckConstraint(
                condition=Q(level__gte=3, secret_type="state") | Q(level__lt=3, secret_type="work"),
                name="carrier_secret_type_matches_level",
            ),
        ]
        indexes = [
            models.Index(fields=["level", "-registered_on"], name="carrier_level_idx"),
            # The list's order: the first page walks this index, reading only the index (level
            # included) to keep what the reader may see, and stops (benchmarks/carriers.py).
            models.Index(fields=["-registered_on", "-id", "level"], name="carrier_order_idx"),
        ]

    def __str__(self) -> str:
        return self.register_no

    @property
    def level_enum(self) -> Level:
        return Level(self.level)


class StorageClass(models.TextChoices):
    CABINET = "cabinet", _("文件柜")
    COMBINATION = "combination", _("密码柜")
    SAFE = "safe", _("保险柜")


class CopyStatus(models.TextChoices):
    IN_CUSTODY = "in_custody", _("在册保管")
    CIRCULATING = "circulating", _("传阅中")
    LENT = "lent", _("借出")
    TAKEN_OUT = "taken_out", _("携带外出")
    SENT = "sent", _("已发出")
    RETURNED = "returned", _("已清退")
    ARCHIVED = "archived", _("已归档")
    DESTROYED = "destroyed", _("已销毁")
    LOST = "lost", _("丢失")


# Out with a person, due back.
OUT_STATUSES = (CopyStatus.CIRCULATING, CopyStatus.LENT, CopyStatus.TAKEN_OUT)
# Still in this unit's hands: someone answers for it (outstanding_for, departure checks).
HELD_STATUSES = (CopyStatus.IN_CUSTODY, *OUT_STATUSES, CopyStatus.ARCHIVED)
# In the register (the secretary's or the archive's custody): may be issued, sent, destroyed.
SHELVED_STATUSES = (CopyStatus.IN_CUSTODY, CopyStatus.ARCHIVED)


class Copy(models.Model):
    """One numbered copy (份号, 6 digits per GB/T 9704) and who answers for it now."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="copies")
    serial = models.PositiveIntegerField(_("份号"))
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)  # the carrier's, for SQL filters
    custodian = models.ForeignKey("accounts.User", verbose_name=_("当前责任人"), on_delete=models.PROTECT,
                                  related_name="held_copies")
    location = models.CharField(_("存放位置"), max_length=100, blank=True)
    storage = models.CharField(_("存放设施"), max_length=12, choices=StorageClass.choices)
    status = models.CharField(_("状态"), max_length=12, choices=CopyStatus.choices, default=CopyStatus.IN_CUSTODY)
    due_at = models.DateTimeField(_("应还时间"), null=True, blank=True)
    origin = models.ForeignKey("self", verbose_name=_("复制自"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="reproductions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("载体份")
        verbose_name_plural = _("载体份")
        ordering = ["carrier_id", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "serial"], name="copy_serial_unique_per_carrier"),
            models.CheckConstraint(condition=Q(serial__gte=1, serial__lte=999999), name="copy_serial_six_digits"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="copy_level_marked"),
            models.CheckConstraint(condition=Q(status__in=CopyStatus.values), name="copy_status_valid"),
            # CARRIER-27: 绝密 papers go in steel safes.
            models.CheckConstraint(condition=~Q(level=5) | Q(storage="safe"), name="copy_top_secret_in_safe"),
            models.CheckConstraint(
                condition=(Q(status__in=[str(s) for s in OUT_STATUSES]) & Q(due_at__isnull=False))
                | (~Q(status__in=[str(s) for s in OUT_STATUSES]) & Q(due_at__isnull=True)),
                name="copy_due_iff_out",
            ),
        ]
        indexes = [
            models.Index(fields=["custodian", "status"], name="copy_custodian_idx"),
            models.Index(fields=["status", "due_at"], name="copy_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id}/{self.number}"

    @property
    def number(self) -> str:
        return f"{self.serial:06d}"

    @property
    def register_no(self) -> str:
        return self.carrier.register_no

    @property
    def label(self) -> str:
        """Register number and 份号: what audit events, approvals and reminders show (never the title)."""
        return Copy.label_of(self.carrier.register_no, self.serial)

    @staticmethod
    def label_of(register_no: str, serial: int) -> str:
        """`label` from the two values, for lists that read values rather than copies."""
        return f"{register_no} 第{serial:06d}份"


class MovementKind(models.TextChoices):
    REGISTER = "register", _("登记")
    REPRODUCE = "reproduce", _("复制")
    CIRCULATE = "circulate", _("传阅")
    ACKNOWLEDGE = "acknowledge", _("签收")
    LEND = "lend", _("借出")
    TAKE_OUT = "take_out", _("携带外出")
    RETURN = "return", _("退回")
    DISPATCH = "dispatch", _("发出")
    HAND_BACK = "hand_back", _("清退")
    ARCHIVE = "archive", _("归档")
    DESTROY = "destroy", _("销毁")
    LOSE = "lose", _("丢失")
    PRINT = "print", _("印制")
    EXCERPT = "excerpt", _("摘抄")


# Movements that hand a copy out of the register to a person (ended by a RETURN).
ISSUE_KINDS = (MovementKind.CIRCULATE, MovementKind.LEND, MovementKind.TAKE_OUT)


class Channel(models.TextChoices):
    CONFIDENTIAL = "confidential", _("机要渠道（机要交通、机要通信）")
    COURIER = "courier", _("指定专人送达")
    POST = "post", _("普通邮寄")
    EMAIL = "email", _("电子邮件")
    FAX = "fax", _("传真")


# The only channels allowed for state secrets (发文登记).
CLASSIFIED_CHANNELS = (Channel.CONFIDENTIAL, Channel.COURIER)


class Movement(models.Model):
    """One entry of a copy's chain of custody: who did what, when, from whom to whom. Append-only."""

    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("事项"), max_length=12, choices=MovementKind.choices)
    actor = models.ForeignKey("accounts.User", verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+")
    from_person = models.ForeignKey("accounts.User", verbose_name=_("交出人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    to_person = models.ForeignKey("accounts.User", verbose_name=_("接收人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    to_unit = models.CharField(_("接收单位"), max_length=200, blank=True)
    channel = models.CharField(_("传递方式"), max_length=12, choices=Channel.choices, blank=True)
    courier = models.CharField(_("递送人"), max_length=60, blank=True)
    status_before = models.CharField(max_length=12, choices=CopyStatus.choices, blank=True)
    status_after = models.CharField(max_length=12, choices=CopyStatus.choices)
    at = models.DateTimeField(_("时间"))
    due_at = models.DateTimeField(_("应还时间"), null=True, blank=True)
    approval = models.ForeignKey("approvals.ApprovalRequest", verbose_name=_("审批"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    destruction = models.ForeignKey("DestructionList", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["copy", "at"], name="movement_copy_idx")]

    def __str__(self) -> str:
        return f"{self.copy_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class DestructionMethod(models.TextChoices):
    """Destroyed, never sold as scrap (CARRIER-20)."""

    SHRED = "shred", _("碎纸")
    BURN = "burn", _("焚烧")
    PULP = "pulp", _("化浆")
    DISINTEGRATE = "disintegrate", _("介质物理粉碎")


class DestructionStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准，待监销")
    REJECTED = "rejected", _("未获批准")
    DONE = "done", _("已销毁")


class DestructionList(models.Model):
    """销毁清单: copies to destroy, approved, witnessed by two named people, then destroyed."""

    number = models.CharField(_("清单号"), max_length=30, unique=True)
    level = models.PositiveSmallIntegerField(_("最高密级"), choices=LEVEL_CHOICES)
    copies = models.ManyToManyField(Copy, verbose_name=_("销毁载体"), related_name="destruction_lists")
    method = models.CharField(_("销毁方式"), max_length=12, choices=DestructionMethod.choices)
    site = models.CharField(_("销毁地点"), max_length=200)
    reason = models.TextField(_("销毁理由"))
    witness_1 = models.ForeignKey("accounts.User", verbose_name=_("监销人一"), on_delete=models.PROTECT,
                                  related_name="+")
    witness_2 = models.ForeignKey("accounts.User", verbose_name=_("监销人二"), on_delete=models.PROTECT,
                                  related_name="+")
    witness_1_signed_at = models.DateTimeField(null=True, blank=True)
    witness_2_signed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DestructionStatus.choices,
                              default=DestructionStatus.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    created_by = models.ForeignKey("accounts.User", verbose_name=_("经办人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(_("销毁时间"), null=True, blank=True)
    destroyed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    certificate_no = models.CharField(_("销毁证明编号"), max_length=30, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("销毁清单")
        verbose_name_plural = _("销毁清单")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(witness_1=models.F("witness_2")), name="destruction_two_witnesses"),
            models.CheckConstraint(
                condition=~Q(witness_1=models.F("created_by")) & ~Q(witness_2=models.F("created_by")),
                name="destruction_witness_not_performer",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(witness_1_signed_at__isnull=False, witness_2_signed_at__isnull=False,
                                                destroyed_at__isnull=False, certificate_no__isnull=False),
                name="destruction_done_needs_witnesses",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def signatures(self) -> int:
        return (self.witness_1_signed_at is not None) + (self.witness_2_signed_at is not None)


class NoticeKind(models.TextChoices):
    OVERDUE = "overdue", _("逾期未还")
    HAND_BACK_DUE = "hand_back_due", _("临近清退期限")
    LOST = "lost", _("丢失报告")


class Notice(models.Model):
    """A reminder or alert about a copy, for its holder and the register's keepers.

    At most one per hand-over (overdue) or per copy and deadline (清退), so the periodic job
    is idempotent."""

    kind = models.CharField(_("类型"), max_length=14, choices=NoticeKind.choices)
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="notices")
    # The hand-over (传阅/借出) that is overdue.
    issue = models.ForeignKey(Movement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("accounts.User", verbose_name=_("提醒对象"), on_delete=models.PROTECT,
                               related_name="carrier_notices")
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "issue"], condition=Q(issue__isnull=False),
                                    name="notice_once_per_issue"),
            models.UniqueConstraint(fields=["kind", "copy", "due_at"], condition=Q(issue__isnull=True),
                                    name="notice_once_per_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.copy_id}"


class Counter(models.Model):
    """Yearly sequences for register, destruction list and certificate numbers (row-locked)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


# ---------------------------------------------------------------- 印制 (printing, CARRIER-21..25)


class PrintJobStatus(models.TextChoices):
    OPEN = "open", _("印制中")
    CLOSED = "closed", _("已结束")


class PrintJob(models.Model):
    """One printing of a carrier made here: by a designated person on a named 涉密计算机
    (CARRIER-22), exactly the authorised number of copies, each numbered (CARRIER-23); on
    closing, the waste pages and the end-of-day checklist (CARRIER-21, -24, -25)."""

    number = models.CharField(_("印制单号"), max_length=30, unique=True)
    carrier = models.ForeignKey(Carrier, verbose_name=_("载体"), on_delete=models.PROTECT, related_name="print_jobs")
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)  # the carrier's, for SQL filters
    authorised = models.PositiveIntegerField(_("核定份数"))
    first_serial = models.PositiveIntegerField(_("起始份号"))
    last_serial = models.PositiveIntegerField(_("截止份号"))
    computer = models.CharField(_("涉密计算机"), max_length=100)
    printed_by = models.ForeignKey("accounts.User", verbose_name=_("打印人"), on_delete=models.PROTECT,
                                   related_name="+")
    proofreader = models.ForeignKey("accounts.User", verbose_name=_("校对、装订经办人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=8, choices=PrintJobStatus.choices, default=PrintJobStatus.OPEN)
    printed_at = models.DateTimeField(_("印制时间"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # CARRIER-25: 下班前未打印完的文稿已入柜 — confirmed on closing.
    drafts_locked = models.BooleanField(_("下班前文稿已入柜"), default=False)

    class Meta:
        verbose_name = _("印制登记")
        verbose_name_plural = _("印制登记")
        ordering = ["-printed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(first_serial__gte=1) & Q(last_serial__gte=models.F("first_serial")),
                                   name="printjob_serials_ordered"),
            # CARRIER-23: never more than the authorised number (不得多印自留).
            models.CheckConstraint(condition=Q(last_serial__lt=models.F("first_serial") + models.F("authorised")),
                                   name="printjob_no_extra_copies"),
            models.CheckConstraint(condition=~Q(status="closed") | Q(closed_at__isnull=False, drafts_locked=True),
                                   name="printjob_closed_with_checklist"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def copies_printed(self) -> int:
        return self.last_serial - self.first_serial + 1


class WasteBatch(models.Model):
    """废页 from one print job, kept safe until destroyed at set times, in front of a witness
    (CARRIER-24); the 待销毁废页 queue is the batches not yet destroyed."""

    print_job = models.ForeignKey(PrintJob, verbose_name=_("印制单"), on_delete=models.PROTECT,
                                  related_name="waste")
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)
    pages = models.PositiveIntegerField(_("废页张数"))
    description = models.CharField(_("废页说明"), max_length=300)
    recorded_at = models.DateTimeField(_("登记时间"))
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(_("销毁时间"), null=True, blank=True)
    destroyed_by = models.ForeignKey("accounts.User", verbose_name=_("销毁人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey("accounts.User", verbose_name=_("监销人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("销毁方式"), max_length=12, choices=DestructionMethod.choices, blank=True)

    class Meta:
        verbose_name = _("废页")
        verbose_name_plural = _("废页")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(pages__gte=1), name="waste_pages_positive"),
            models.CheckConstraint(
                condition=Q(destroyed_at__isnull=True)
                | (Q(destroyed_by__isnull=False, witness__isnull=False) & ~Q(witness=models.F("destroyed_by"))),
                name="waste_destroyed_with_witness",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.print_job_id}/{self.pk}"


class CarrierAccess(models.Model):
    """Who may know a carrier, kept in registration order: one row per need-to-know unit or
    person of a carrier, with the carrier's registration date and level copied in. The rows
    are written by database triggers on the two need-to-know tables and on the carrier
    (migration 0007), in the same transaction as the change, whatever code makes it; never
    written by the application. The list's first page is then an index walk over the reader's
    few units and themself (`selectors.VisibleCarriers`) instead of a pass over everything the
    reader may see. Visibility itself is still decided by `policy.carriers_visible_to`."""

    carrier = models.ForeignKey(Carrier, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    unit = models.ForeignKey("accounts.Unit", null=True, on_delete=models.DO_NOTHING, related_name="+",
                             db_constraint=False)
    person = models.ForeignKey("accounts.User", null=True, on_delete=models.DO_NOTHING, related_name="+",
                               db_constraint=False)
    registered_on = models.DateField()
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES)

    class Meta:
        indexes = [
            models.Index(fields=["unit", "-registered_on", "-carrier", "level"], name="carrier_access_unit_idx",
                         condition=models.Q(unit__isnull=False)),
            models.Index(fields=["person", "-registered_on", "-carrier", "level"], name="carrier_access_person_idx",
                         condition=models.Q(person__isnull=False)),
            models.Index(fields=["carrier"], name="carrier_access_carrier_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id}:{self.unit_id or ''}/{self.person_id or ''}"
