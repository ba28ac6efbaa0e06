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
    # The leadership of the whole organisation (the top of the request unit's tree), e.g. the
    # 办公室领导 who approves 绝密 borrowing (CARRIER-11).
    TOP_UNIT = "top_unit", _("本单位领导（最上级单位）")
    # The unit above the request's unit, e.g. the superior secrecy department (EXT-01).
    PARENT_UNIT = "parent_unit", _("上级单位")


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
    EXPIRED = "expired", _("已过期")


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
    # A pending request past this moment is closed as expired by jobs.tick.
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)

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
    # Set when the decider used a colleague's delegated power: the delegator.
    on_behalf_of = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    # When the step became pending (its deciders were asked), and when tick reminded them.
    activated_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # How the decider signed: shown beside the decision (the audit event names the key too).
    signed_with = models.CharField(_("签批方式"), max_length=12, blank=True, choices=[
        ("password", _("密码")), ("otp", _("动态口令")), ("security_key", _("安全密钥"))])

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["request", "order"], name="approval_step_order_unique")]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.order}"


class Delegation(models.Model):
    """A person's approval power lent to a named colleague for a date window (inclusive),
    for every request type or the listed ones. Revocable; never lent by an administrator."""

    delegator = models.ForeignKey("accounts.User", verbose_name=_("委托人"), on_delete=models.PROTECT,
                                  related_name="delegations_given")
    delegate = models.ForeignKey("accounts.User", verbose_name=_("受托人"), on_delete=models.PROTECT,
                                 related_name="delegations_received")
    request_types = models.JSONField(_("申请类型"), default=list, blank=True)  # empty: all types
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    reason = models.TextField(_("委托理由"))
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("审批委托")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_window_order"),
            models.CheckConstraint(condition=~Q(delegator=models.F("delegate")), name="delegation_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.delegator_id}→{self.delegate_id} {self.starts_on}…{self.ends_on}"


class ProvisionStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPROVED = "approved", _("已批准")
    CLOSED = "closed", _("未获批准")


class ExternalKind(models.TextChoices):
    PROVIDE = "provide", _("对外提供资料")
    # EXT-06: an interview or talks that may touch secrets, approved beforehand on its outline.
    INTERVIEW = "interview", _("接受记者采访")
    TALKS = "talks", _("涉外会谈、交往")


class ExternalProvision(models.Model):
    """对外提供 (EXT-01): classified material given to foreigners or outside parties, only after
    the leadership's and the superior secrecy department's approval; the record of what was
    provided, to whom and why."""

    requester = models.ForeignKey("accounts.User", verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="+")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("事项"), max_length=10, choices=ExternalKind.choices, default=ExternalKind.PROVIDE)
    recipient = models.CharField(_("提供对象（外方单位/人员）"), max_length=200)
    material = models.TextField(_("拟提供的文件、资料"))
    level = models.PositiveSmallIntegerField(_("密级"))
    purpose = models.TextField(_("事由"))
    # The interview questions or talking points reviewed before approval (EXT-06).
    outline = models.TextField(_("采访提纲或会谈要点"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ProvisionStatus.choices,
                              default=ProvisionStatus.PENDING)
    approval = models.ForeignKey(ApprovalRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("对外提供")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"对外提供 #{self.pk}"

    @property
    def level_label(self) -> str:
        from baomi.levels import Level

        return Level(self.level).zh
