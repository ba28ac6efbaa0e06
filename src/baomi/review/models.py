"""宣传出版保密审查 and pre-send checks: one row per content check.

Only what the check learnt is kept — the file's name (keywords masked), size and SHA-256, and
the findings with their masked snippets. The content itself is never stored.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.classification.models import LEVEL_CHOICES
from baomi.levels import Level

# 公开 too: content declared public is what a publication review is for.
REVIEW_LEVEL_CHOICES = [(int(Level.PUBLIC), _("公开")), *LEVEL_CHOICES]


class Purpose(models.TextChoices):
    PUBLICATION = "publication", _("宣传出版/对外发布")
    SEND = "send", _("发送前检查")
    OTHER = "other", _("其他")


class Result(models.TextChoices):
    CLEAR = "clear", _("未发现涉密内容")
    FINDINGS = "findings", _("有发现")
    REFUSED = "refused", _("不予通过")


class PublicationStatus(models.TextChoices):
    NONE = "", _("未提交")
    PENDING = "pending", _("待出版主编审核")
    APPROVED = "approved", _("出版主编已审核同意")
    REJECTED = "rejected", _("出版主编未同意")


class ContentCheck(models.Model):
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("检查人"))
    created_at = models.DateTimeField(_("检查时间"), auto_now_add=True)
    purpose = models.CharField(_("用途"), max_length=12, choices=Purpose.choices)
    filename = models.CharField(_("文件名"), max_length=255)
    size = models.BigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    declared_level = models.PositiveSmallIntegerField(_("申报密级"), choices=REVIEW_LEVEL_CHOICES, null=True,
                                                      blank=True)
    level = models.PositiveSmallIntegerField(_("发现的最高密级"), choices=REVIEW_LEVEL_CHOICES, null=True, blank=True)
    result = models.CharField(_("结论"), max_length=10, choices=Result.choices)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    # [{"kind", "level", "level_zh", "location", "snippet", "rule"}]: masked snippets only.
    findings = models.JSONField(_("发现"), default=list, blank=True)
    finding_count = models.PositiveIntegerField(default=0)
    decision = models.ForeignKey("classification.Decision", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("关联定密事项"))
    # The scanner's status for the content: ok / error / unsupported / skipped.
    status = models.CharField(_("读取状态"), max_length=12, default="ok")
    # EXT-09: a publication passes only when the 出版主编 signs off the check as well.
    title = models.CharField(_("出版物名称"), max_length=200, blank=True)
    publication_status = models.CharField(_("出版审核"), max_length=10, choices=PublicationStatus.choices,
                                          default=PublicationStatus.NONE, blank=True)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        verbose_name = _("保密审查记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(purpose__in=Purpose.values), name="content_check_purpose"),
            models.CheckConstraint(condition=Q(result__in=Result.values), name="content_check_result"),
        ]

    def __str__(self) -> str:
        return f"SC{self.pk:06d}"

    @property
    def code(self) -> str:
        return f"SC{self.pk:06d}"
