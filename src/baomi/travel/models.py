"""出国境 (travel abroad), 出入境证件 kept centrally, and 重大事项报告. Data only: every change
goes through services.py."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TripKind(models.TextChoices):
    OFFICIAL = "official", _("因公")
    PRIVATE = "private", _("因私")


class TripStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    WITHDRAWN = "withdrawn", _("已撤回")
    REPORTED = "reported", _("已回国报告")


class CarrierApproval(models.TextChoices):
    NONE = "", _("不携带")
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class Trip(models.Model):
    """出国境申请 (PERS-19), with its pre-trip briefing and post-trip report."""

    traveller = models.ForeignKey("accounts.User", verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="trips")
    kind = models.CharField(_("类型"), max_length=10, choices=TripKind.choices)
    destinations = models.CharField(_("前往国家（地区）"), max_length=200)
    purpose = models.TextField(_("事由"))
    depart_on = models.DateField(_("出境日期"))
    return_on = models.DateField(_("入境日期"))
    companions = models.CharField(_("同行人员"), max_length=200, blank=True)
    strict_route = models.BooleanField(_("须单位负责人审批"), default=False)
    strict_reason = models.CharField(max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=TripStatus.choices, default=TripStatus.PENDING)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    # 携带涉密载体出境 (EXT-04): its own approval, stricter route, 保密局 document number.
    carriers_planned = models.BooleanField(_("拟携带涉密载体"), default=False)
    carrier_items = models.TextField(_("拟携带的涉密载体"), blank=True)
    bureau_doc_no = models.CharField(_("保密局批准文号"), max_length=60, blank=True)
    carrier_status = models.CharField(_("携带载体出境审批"), max_length=10, choices=CarrierApproval.choices,
                                      default=CarrierApproval.NONE, blank=True)
    carrier_approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    briefed_at = models.DateTimeField(_("行前保密教育确认时间"), null=True, blank=True)
    report_due_on = models.DateField(_("回国报告期限"), null=True, blank=True)
    reported_at = models.DateTimeField(_("回国报告时间"), null=True, blank=True)
    returned_on = models.DateField(_("实际入境日期"), null=True, blank=True)
    report_text = models.TextField(_("回国报告"), blank=True)
    approaches = models.BooleanField(_("有无被接触、策反等情况"), default=False)
    report_late = models.BooleanField(_("逾期报告"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("出国境申请")
        ordering = ["-depart_on", "-id"]

    def __str__(self) -> str:
        return f"出国境 #{self.pk} {self.destinations}"

    @property
    def label(self) -> str:
        dates = f"{self.depart_on:%Y-%m-%d}—{self.return_on:%Y-%m-%d}"
        return f"{self.get_kind_display()}出国境 #{self.pk}（{self.destinations}，{dates}）"


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("往来港澳通行证")
    TAIWAN = "taiwan", _("往来台湾通行证")


class DocumentStatus(models.TextChoices):
    HELD = "held", _("集中保管")
    OUT = "out", _("已领用")
    WITHDRAWN = "withdrawn", _("已注销/退还本人")


class TravelDocument(models.Model):
    """出入境证件 held centrally (PERS-18). The full number is shown to custodians only."""

    holder = models.ForeignKey("accounts.User", verbose_name=_("持证人"), on_delete=models.PROTECT,
                               related_name="travel_documents")
    kind = models.CharField(_("证件类型"), max_length=10, choices=DocumentKind.choices)
    number = models.CharField(_("证件号码"), max_length=30)
    expires_on = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.HELD)
    registered_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出入境证件")
        ordering = ["holder__username", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="travel_document_unique_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        """What everyone but the custodians sees: the first letter and the last two characters."""
        n = self.number
        if len(n) <= 3:
            return "*" * len(n)
        return f"{n[0]}{'*' * (len(n) - 3)}{n[-2:]}"


class DocumentIssue(models.Model):
    """One issue of a held document for an approved trip, and its return."""

    document = models.ForeignKey(TravelDocument, on_delete=models.PROTECT, related_name="issues")
    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="document_issues")
    issued_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    due_back_on = models.DateField(_("应交回日期"))
    returned_at = models.DateTimeField(_("交回时间"), null=True, blank=True)
    received_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    returned_late = models.BooleanField(_("逾期交回"), default=False)

    class Meta:
        verbose_name = _("证件领用记录")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.document_id} → trip {self.trip_id}"


class ReportKind(models.TextChoices):
    FOREIGN_MARRIAGE = "foreign_marriage", _("与境外人员结婚")
    RELATIVE_FOREIGN = "relative_foreign", _("配偶、子女获得境外永久居留资格或外国国籍")
    APPROACH = "approach", _("遭遇利诱、胁迫、渗透、策反")
    CARRIER_LOSS = "carrier_loss", _("涉密载体丢失")
    OTHER = "other", _("其他重大事项")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("跟进中")
    CLOSED = "closed", _("已办结")


class MajorReport(models.Model):
    """重大事项报告 (PERS-20, PERS-21): sensitive personal data, seen by the reporter and the
    secrecy office only."""

    reporter = models.ForeignKey("accounts.User", verbose_name=_("报告人"), on_delete=models.PROTECT,
                                 related_name="major_reports")
    kind = models.CharField(_("事项类型"), max_length=20, choices=ReportKind.choices)
    event_on = models.DateField(_("发生日期"))
    description = models.TextField(_("情况说明"))
    trip = models.ForeignKey(Trip, null=True, blank=True, on_delete=models.PROTECT, related_name="major_reports")
    filed_at = models.DateTimeField(_("报告时间"))
    due_on = models.DateField(_("应报告日期"))
    late = models.BooleanField(_("逾期报告"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    follow_up_due_on = models.DateField(_("跟进期限"), null=True, blank=True)
    closed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    conclusion = models.TextField(_("办结意见"), blank=True)

    class Meta:
        verbose_name = _("重大事项报告")
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"重大事项报告 #{self.pk}"


class FollowUp(models.Model):
    report = models.ForeignKey(MajorReport, on_delete=models.CASCADE, related_name="follow_ups")
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    action = models.TextField(_("跟进措施"))
    next_due_on = models.DateField(_("下次跟进期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("跟进记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.at:%Y-%m-%d}"


class Reminder(models.Model):
    """One reminder per cause (idempotent jobs: the key is unique)."""

    key = models.CharField(max_length=80, unique=True)
    person = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=200)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.key
