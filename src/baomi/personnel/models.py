"""涉密人员: classified posts and who holds them, vetting, commitments, departures with their
脱密期, and the yearly self-report. Data only: every change goes through services.py.

Nothing here is ever deleted: commitments and vetting records are legal evidence (PERS-05),
assignments keep their history (an assignment ends, it is not removed).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import CLEARANCE_CHOICES
from baomi.levels import Clearance, Level

# The level a post requires decides the clearance category of whoever holds it (issue 6):
# 绝密 work → 核心, 机密 → 重要, 秘密 → 一般.
POST_LEVEL_CHOICES = [
    (int(Level.TOP_SECRET), _("绝密")),
    (int(Level.SECRET), _("机密")),
    (int(Level.CONFIDENTIAL), _("秘密")),
]
CATEGORY_FOR_LEVEL = {
    Level.TOP_SECRET: Clearance.CORE,
    Level.SECRET: Clearance.IMPORTANT,
    Level.CONFIDENTIAL: Clearance.GENERAL,
}


class Post(models.Model):
    """涉密岗位."""

    name = models.CharField(_("岗位名称"), max_length=80)
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("岗位涉密程度"), choices=POST_LEVEL_CHOICES)
    duties = models.TextField(_("岗位保密职责"), blank=True)
    # Leaders' posts: the yearly report includes the 保密工作责任制 section (PERS-12).
    is_leadership = models.BooleanField(_("领导岗位"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("涉密岗位")
        verbose_name_plural = _("涉密岗位")
        ordering = ["unit__sort_order", "-level", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="post_unique_name_per_unit"),
            models.CheckConstraint(condition=Q(level__in=[3, 4, 5]), name="post_level_state_secret"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{Level(self.level).zh}）"

    @property
    def category(self) -> Clearance:
        return CATEGORY_FOR_LEVEL[Level(self.level)]


class Assignment(models.Model):
    """A person on a post from `starts_on`; `ends_on` set when they leave it (history kept)."""

    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="post_assignments")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="assignments")
    starts_on = models.DateField(_("到岗日期"))
    ends_on = models.DateField(_("离岗日期"), null=True, blank=True)
    assigned_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("岗位任职")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(ends_on__isnull=True),
                                    name="assignment_one_current_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.post_id}"


class VettingKind(models.TextChoices):
    APPOINTMENT = "appointment", _("任用审查")
    PERIODIC = "periodic", _("定期复审")


class VettingResult(models.TextChoices):
    PASS = "pass", _("通过")
    FAIL = "fail", _("不通过")


class Vetting(models.Model):
    """审查 (PERS-01/02): valid for the category it was done for until `valid_until`."""

    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="vettings")
    kind = models.CharField(_("审查类型"), max_length=12, choices=VettingKind.choices)
    category = models.PositiveSmallIntegerField(_("审查类别"), choices=CLEARANCE_CHOICES)
    result = models.CharField(_("审查结论"), max_length=4, choices=VettingResult.choices)
    vetted_on = models.DateField(_("审查日期"))
    valid_until = models.DateField(_("有效期至"))
    reviewer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("审查意见"), blank=True)
    documents = models.JSONField(_("审查材料"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("涉密人员审查")
        ordering = ["-vetted_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(category__gte=1, category__lte=3), name="vetting_category_cleared"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.result} {self.vetted_on}"

    @property
    def passed(self) -> bool:
        return self.result == VettingResult.PASS

    def valid_on(self, day: datetime.date) -> bool:
        """Valid from the vetting day up to, not including, `valid_until`."""
        return self.passed and self.vetted_on <= day < self.valid_until


class CommitmentKind(models.TextChoices):
    HIRE = "hire", _("上岗保密承诺书")
    CHANGE = "change", _("在岗（调岗）保密承诺书")
    LEAVE = "leave", _("离岗保密承诺书")


class SignMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("电子签署")
    SCAN = "scan", _("上传签字扫描件")


class Commitment(models.Model):
    """保密承诺书 (PERS-04/05/16): the text as prepared for this person, and how it was signed.
    Kept permanently (no delete, PROTECT on the person)."""

    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="commitments")
    kind = models.CharField(_("类型"), max_length=8, choices=CommitmentKind.choices)
    template_version = models.CharField(_("模板版本"), max_length=20)
    text = models.TextField(_("承诺书正文"))
    text_sha256 = models.CharField(max_length=64)
    prepared_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    sign_method = models.CharField(_("签署方式"), max_length=10, choices=SignMethod.choices, blank=True)
    signed_ip = models.CharField(_("签署 IP"), max_length=64, blank=True)
    recorded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    scan = models.BinaryField(null=True, blank=True)
    scan_name = models.CharField(_("扫描件文件名"), max_length=200, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("保密承诺书")
        ordering = ["-prepared_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class DepartureKind(models.TextChoices):
    POST = "post", _("离岗（调离涉密岗位）")
    JOB = "job", _("离职")


class DepartureStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    PENDING = "pending", _("审批中")
    COMPLETED = "completed", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


class Departure(models.Model):
    """离岗离职 (PERS-13..17): a checklist, approved, then the 脱密期."""

    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="departures")
    kind = models.CharField(_("类型"), max_length=4, choices=DepartureKind.choices)
    reason = models.TextField(_("事由"))
    category = models.PositiveSmallIntegerField(_("离岗时涉密类别"), choices=CLEARANCE_CHOICES)
    status = models.CharField(_("状态"), max_length=10, choices=DepartureStatus.choices,
                              default=DepartureStatus.OPEN)
    opened_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    handover_to = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="handovers_received", verbose_name=_("交接人"))
    handover_items = models.TextField(_("交接内容"), blank=True)
    handover_at = models.DateTimeField(_("交接时间"), null=True, blank=True)
    handover_confirmed_at = models.DateTimeField(_("接收确认时间"), null=True, blank=True)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    completed_on = models.DateField(_("批准离岗日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("离岗离职")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status__in=["open", "pending"]),
                                    name="departure_one_open_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.status}"


# The restrictions recorded with every 脱密期 (PERS-15, PERS-17, DESIGN.md).
SEPARATION_RESTRICTIONS = (
    "脱密期内不得违反规定就业，就业或变更就业单位须向原单位报告去向",
    "脱密期内出国（境）须经原单位审批",
    "继续履行保密义务，不得以任何方式泄露所知悉的国家秘密和工作秘密；保密义务在脱密期满后依然存在，直至相关信息解密或公开",
    "配合原单位和有关部门的保密监督管理",
)


class SeparationPeriod(models.Model):
    """脱密期. Runs from `starts_on` (the approval date) up to `ends_on`: on `ends_on` it has
    ended (the day before it is still running). `ends_on` = `starts_on` + N years per category."""

    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="separation_periods")
    departure = models.OneToOneField(Departure, on_delete=models.PROTECT, related_name="separation")
    category = models.PositiveSmallIntegerField(_("涉密类别"), choices=CLEARANCE_CHOICES)
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("期满日期"))
    restrictions = models.JSONField(_("管理要求"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("脱密期")
        ordering = ["ends_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")),
                                              name="separation_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.starts_on}–{self.ends_on}"

    def active_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day < self.ends_on


class EmploymentReport(models.Model):
    """去向报告 during a 脱密期."""

    period = models.ForeignKey(SeparationPeriod, on_delete=models.PROTECT, related_name="employment_reports")
    reported_on = models.DateField(_("报告日期"))
    employer = models.CharField(_("就业单位"), max_length=120)
    position = models.CharField(_("职务"), max_length=80, blank=True)
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("去向报告")
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"{self.period_id} {self.employer}"


class AnnualReport(models.Model):
    """年度考核 self-report (PERS-11); leaders add the 保密工作责任制 section (PERS-12)."""

    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    text = models.TextField(_("履行保密职责情况"))
    duties = models.JSONField(_("已履行的保密职责"), default=list)
    leader_section = models.TextField(_("履行保密工作责任制情况"), blank=True)
    is_leader = models.BooleanField(_("领导干部"), default=False)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("年度保密自查报告")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="annual_report_once_a_year")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}"


class NoticeKind(models.TextChoices):
    VETTING_DUE = "vetting_due", _("复审到期")
    SEPARATION_ENDING = "separation_ending", _("脱密期即将期满")
    ANNUAL_REPORT = "annual_report", _("年度保密自查报告待提交")
    COMMITMENT = "commitment", _("保密承诺书待签署")


class Notice(models.Model):
    """One reminder issued by the daily job; `key` makes issuing it again a no-op."""

    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    person = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="personnel_notices")
    key = models.CharField(max_length=80)
    due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "person", "key"], name="personnel_notice_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} {self.key}"
