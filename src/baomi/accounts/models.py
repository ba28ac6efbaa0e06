"""Units, people and their roles. Data only: every change goes through services.py."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.levels import Clearance, Level


class Unit(models.Model):
    """单位/部门: a tree. The root is the organisation itself."""

    name = models.CharField(_("名称"), max_length=100)
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unit_unique_name_per_parent"),
            # NULLs are distinct in a unique index: top-level units need their own constraint.
            models.UniqueConstraint(fields=["name"], condition=Q(parent__isnull=True), name="unit_unique_top_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Unit]:
        chain: list[Unit] = []
        node = self.parent
        while node is not None and len(chain) < 64:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def path(self) -> str:
        return " / ".join(u.name for u in [*reversed(self.ancestors()), self])


# Literal strings so that makemessages finds them; the order and values follow levels.Clearance.
CLEARANCE_CHOICES = [
    (int(Clearance.NONE), _("非涉密")),
    (int(Clearance.GENERAL), _("一般")),
    (int(Clearance.IMPORTANT), _("重要")),
    (int(Clearance.CORE), _("核心")),
]


class AdminRole(models.TextChoices):
    """三员分立: three administrators, three different people, none all-powerful."""

    NONE = "", _("无")
    SYSTEM = "system", _("系统管理员")
    SECURITY = "security", _("安全保密管理员")
    AUDITOR = "auditor", _("安全审计员")


class Role(models.TextChoices):
    """Business roles, granted per unit by the security administrator."""

    SECRECY_OFFICER = "secrecy_officer", _("保密员")
    CONFIDENTIAL_SECRETARY = "confidential_secretary", _("机要员")
    CLASSIFICATION_AUTHORITY = "classification_authority", _("定密责任人")
    APPROVER = "approver", _("审批领导")
    STAFF = "staff", _("涉密人员")
    # COMM-06: only a registered 机要通信员 carries confidential mail by hand.
    COURIER = "courier", _("机要通信员")
    # EXT-09: the editor-in-chief signs off the secrecy review of each publication.
    EDITOR = "editor", _("出版主编")


class User(AbstractUser):
    """A person (人员). Cleared or not; may hold business roles or one administrator role."""

    full_name = models.CharField(_("姓名"), max_length=60)
    staff_no = models.CharField(_("工号"), max_length=30, null=True, blank=True, unique=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    post = models.CharField(_("职务/岗位"), max_length=60, blank=True)
    clearance = models.PositiveSmallIntegerField(
        _("涉密类别"), choices=CLEARANCE_CHOICES, default=Clearance.NONE
    )
    admin_role = models.CharField(
        _("管理员角色"), max_length=10, choices=AdminRole.choices, default=AdminRole.NONE, blank=True
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["unit__sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(clearance__gte=0, clearance__lte=3), name="user_clearance_range"),
            models.CheckConstraint(
                condition=Q(admin_role__in=["", "system", "security", "auditor"]), name="user_admin_role_valid"
            ),
            # Django's superuser flag is never used in operation (DESIGN: no all-powerful account).
            models.CheckConstraint(condition=Q(is_superuser=False), name="user_no_superuser"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or self.username} ({self.username})"

    @property
    def clearance_category(self) -> Clearance:
        return Clearance(self.clearance)

    @property
    def max_level(self) -> Level:
        return self.clearance_category.max_level

    @property
    def is_administrator(self) -> bool:
        return bool(self.admin_role)


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("范围单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授予")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="role_unique_per_unit"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(unit__isnull=True), name="role_unique_org_wide"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.unit or '-'}"


class PasswordHistory(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"password of {self.user_id} at {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """Personal API token. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("到期"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
