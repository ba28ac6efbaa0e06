"""档案: the archive catalogue over archived carriers, 查档 (access requests, reading in the
archive room, excerpts), 案卷外借 (lending by exception) and the 人事档案 custodians.
Data only: every change goes through services.py.

The archived copies themselves stay in the carriers app (status "archived", one custodian,
the ledger); this app adds what the archive rules ARCH-01..10 need around them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.carriers.models import LEVEL_CHOICES


class EntryCategory(models.TextChoices):
    DOCUMENT = "document", _("文书档案")
    MINUTES = "minutes", _("会议记录（全体会议、常务会议、党组会议）")
    PERSONNEL = "personnel", _("人事档案")
    SPECIAL_CASE = "special_case", _("专案材料")


# ARCH-08: kept by a designated custodian (专人), a separate permission domain.
RESTRICTED_CATEGORIES = (EntryCategory.PERSONNEL, EntryCategory.SPECIAL_CASE)


class Custodian(models.Model):
    """人事档案专人 (ARCH-08): a person designated in writing to keep personnel files and
    special-case materials. Revoked designations stay as history."""

    person = models.ForeignKey("accounts.User", verbose_name=_("专人"), on_delete=models.PROTECT,
                               related_name="archive_custodianships")
    basis = models.CharField(_("指定依据"), max_length=200)
    designated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    designated_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("人事档案专人")
        ordering = ["-designated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(revoked_at__isnull=True),
                                    name="archive_custodian_once_active"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}"


class Entry(models.Model):
    """案卷著录: one archived carrier in the archive's catalogue, with its 档号 and parts."""

    carrier = models.OneToOneField("carriers.Carrier", verbose_name=_("载体"), on_delete=models.PROTECT,
                                   related_name="archive_entry")
    file_no = models.CharField(_("档号"), max_length=30, unique=True)
    category = models.CharField(_("档案类别"), max_length=14, choices=EntryCategory.choices)
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)  # the carrier's, for SQL filters
    keeper = models.ForeignKey("accounts.User", verbose_name=_("保管人"), on_delete=models.PROTECT,
                               related_name="kept_archive_entries")
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("案卷")
        verbose_name_plural = _("案卷")
        ordering = ["file_no"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="archive_entry_level_marked"),
            models.CheckConstraint(condition=Q(category__in=EntryCategory.values), name="archive_entry_category"),
        ]

    def __str__(self) -> str:
        return self.file_no

    @property
    def restricted(self) -> bool:
        return self.category in RESTRICTED_CATEGORIES


class Part(models.Model):
    """卷内文件: a part of a file (its items and pages). Access is granted per part (ARCH-03)."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="parts")
    seq = models.PositiveSmallIntegerField(_("件号"))
    title = models.CharField(_("题名"), max_length=200)
    pages = models.CharField(_("页码"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("卷内文件")
        ordering = ["entry_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["entry", "seq"], name="archive_part_seq_unique")]

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.seq}"


class AccessStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准，待查阅")
    READING = "reading", _("查阅中")
    DONE = "done", _("已查阅")
    REJECTED = "rejected", _("未获批准")
    WITHDRAWN = "withdrawn", _("已撤回")


class AccessRequest(models.Model):
    """查档申请 (ARCH-02): who asks, for which parts, why; an outside unit's visitor comes
    with a letter of introduction (介绍信) recorded by the keeper."""

    number = models.CharField(_("查档编号"), max_length=30, unique=True)
    requester = models.ForeignKey("accounts.User", verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="archive_requests")
    outside = models.BooleanField(_("外单位查档"), default=False)
    visitor_name = models.CharField(_("查阅人"), max_length=60, blank=True)
    visitor_unit = models.CharField(_("查阅单位"), max_length=200, blank=True)
    letter_no = models.CharField(_("介绍信编号"), max_length=60, blank=True)
    visitor_clearance = models.PositiveSmallIntegerField(_("介绍信载明的涉密类别"), null=True, blank=True)
    purpose = models.TextField(_("查阅内容及目的"))
    minutes = models.BooleanField(_("会议记录"), default=False)
    level = models.PositiveSmallIntegerField(_("最高密级"), choices=LEVEL_CHOICES)
    readers = models.ManyToManyField("accounts.User", verbose_name=_("其他查阅人"), blank=True, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=AccessStatus.choices, default=AccessStatus.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("查档申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outside=False) | (~Q(letter_no="") & ~Q(visitor_unit="") & ~Q(visitor_name="")),
                name="archive_outside_needs_letter"),
        ]

    def __str__(self) -> str:
        return self.number


class AccessItem(models.Model):
    """One part asked for; `approved` once the request is approved. Only approved parts open."""

    request = models.ForeignKey(AccessRequest, on_delete=models.PROTECT, related_name="items")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    approved = models.BooleanField(_("已批准"), default=False)
    widening = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        ordering = ["part__entry_id", "part__seq"]
        constraints = [models.UniqueConstraint(fields=["request", "part"], name="archive_item_once")]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.part_id}"


class Session(models.Model):
    """查阅登记 (ARCH-06): the reading, opened and closed by a keeper in the archive room."""

    request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="session")
    room = models.CharField(_("查阅地点"), max_length=100)
    opened_by = models.ForeignKey("accounts.User", verbose_name=_("开启人"), on_delete=models.PROTECT,
                                  related_name="+")
    opened_at = models.DateTimeField(_("开始时间"))
    closed_by = models.ForeignKey("accounts.User", verbose_name=_("结束人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("查阅登记")
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.request_id}@{self.room}"


class ExcerptStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    STAMPED = "stamped", _("审核无误，已盖章")
    REJECTED = "rejected", _("审核未通过")


class Excerpt(models.Model):
    """摘抄 (ARCH-04): released only once reviewed and stamped by the keeper."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="excerpts")
    item = models.ForeignKey(AccessItem, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("摘抄内容"))
    pages = models.CharField(_("页码"), max_length=30, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=ExcerptStatus.choices, default=ExcerptStatus.PENDING)
    reviewed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    stamp_no = models.CharField(_("盖章编号"), max_length=30, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("摘抄")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="stamped") | Q(stamp_no__isnull=False, reviewed_by__isnull=False),
                name="archive_excerpt_stamped_needs_review"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.pk}"


class LoanStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    OUT = "out", _("借出")
    RETURNED = "returned", _("已归还")
    REJECTED = "rejected", _("未获批准")


class Loan(models.Model):
    """案卷外借 (ARCH-07, ARCH-09): by exception, approved by the leader, due back, reminded."""

    copy = models.ForeignKey("carriers.Copy", verbose_name=_("案卷"), on_delete=models.PROTECT,
                             related_name="archive_loans")
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)
    borrower = models.ForeignKey("accounts.User", verbose_name=_("借阅人"), on_delete=models.PROTECT,
                                 related_name="archive_loans")
    reason = models.TextField(_("特殊情况说明"))
    due_on = models.DateField(_("应还日期"))
    status = models.CharField(_("状态"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    lent_at = models.DateTimeField(_("借出时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("案卷外借")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_on"], name="archive_loan_due_idx")]

    def __str__(self) -> str:
        return f"{self.copy_id}→{self.borrower_id}"


class Counter(models.Model):
    """Yearly sequences for 档号, 查档 and stamp numbers (row-locked)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
