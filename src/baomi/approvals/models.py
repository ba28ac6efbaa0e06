"""The generic approval engine: requests, their ordered steps, and routing rules as data."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import Role


class Scope(models.TextChoices):
    REQUESTER_UNIT = "requester_unit", _("申请人所在单位（含上级）")
    ORG = "org", _("全单位")
    UNIT = "unit", _("指定单位")


class RoutingRule(models.Model):
    """Who approves step `order` of a request type, from a minimum level up. Data, not code:
    the security administrator edits these without a release."""

    request_type = models.CharField(_("申请类型"), max_length=60, db_index=True)
    min_level = models.PositiveSmallIntegerField(_("最低密级"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("步骤"), default=1)
    approver_role = models.CharField(_("审批角色"), max_length=30, choices=Role.choices, default=Role.APPROVER)
    scope = models.CharField(_("范围"), max_length=20, choices=Scope.choices, default=Scope.REQUESTER_UNIT)
    scope_unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("审批路由规则")
        ordering = ["request_type", "min_level", "order"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(scope="unit") | Q(scope_unit__isnull=False), name="routing_unit_scope_needs_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_type} ≥{self.min_level} #{self.order} {self.approver_role}"


class Status(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    CANCELLED = "cancelled", _("已取消")


class ApprovalRequest(models.Model):
    request_type = models.CharField(_("申请类型"), max_length=60, db_index=True)
    requester = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="approval_requests")
    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    level = models.PositiveSmallIntegerField(_("密级"), null=True, blank=True)
    title = models.CharField(_("事项"), max_length=200)
    reason = models.TextField(_("理由"))
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("审批申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="approval_subject_idx")]

    def __str__(self) -> str:
        return f"{self.request_type} #{self.pk} {self.title}"

    @property
    def current_step(self) -> ApprovalStep | None:
        return self.steps.filter(status=StepStatus.PENDING).order_by("order").first()


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("未开始")
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("同意")
    REJECTED = "rejected", _("不同意")
    CANCELLED = "cancelled", _("已取消")


class ApprovalStep(models.Model):
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    approver_role = models.CharField(max_length=30, choices=Role.choices)
    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["request", "order"], name="approval_step_order_unique")]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.order}"
