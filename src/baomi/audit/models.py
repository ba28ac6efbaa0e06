"""The audit log: append-only, hash-chained, with signed Merkle checkpoints.

Rows are never updated or deleted: database triggers refuse it (migration 0002), and no
page, API or admin offers it. `chain.py` defines what each hash covers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    OK = "ok", _("成功")
    DENIED = "denied", _("拒绝")
    ERROR = "error", _("错误")


class AuditEvent(models.Model):
    seq = models.BigIntegerField(_("序号"), unique=True)
    ts_us = models.BigIntegerField(_("时间"), db_index=True)  # microseconds since the epoch, UTC
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    actor_username = models.CharField(_("操作人"), max_length=150, blank=True, db_index=True)
    # Snapshot of the actor's roles at the time ("system", "security", "auditor", business roles).
    actor_roles = models.CharField(_("角色"), max_length=200, blank=True)
    actor_admin_role = models.CharField(max_length=10, blank=True, db_index=True)
    action = models.CharField(_("动作"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=40, blank=True, db_index=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    object_level = models.SmallIntegerField(_("对象密级"), null=True, blank=True)
    summary = models.CharField(_("摘要"), max_length=300)
    details = models.TextField(_("详情"), blank=True)  # canonical JSON text, hashed as stored
    client_address = models.CharField(_("客户端地址"), max_length=64, blank=True)
    outcome = models.CharField(_("结果"), max_length=8, choices=Outcome.choices, default=Outcome.OK)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.ts_us / 1_000_000, tz=UTC)


class ChainHead(models.Model):
    """The single row every append locks: last sequence number, last hash, Merkle frontier."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    frontier = models.JSONField(default=dict)
    last_checkpoint_ts_us = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="chainhead_singleton")]

    def __str__(self) -> str:
        return f"chain head at {self.seq}"


class Checkpoint(models.Model):
    """A signed statement of the tree's size and Merkle root at a moment (RFC 6962 style STH)."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    ts_us = models.BigIntegerField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["-tree_size"]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size}"
