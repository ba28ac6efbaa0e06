"""保密检查与整改, 要害部位, 风险评估, 保密委员会 (issue 7: INSP, SITE, ORG)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class PlanKind(models.TextChoices):
    ANNUAL = "annual", _("年度检查计划")
    MAY_DAY = "may_day", _("五一节前保密检查")
    NATIONAL_DAY = "national_day", _("国庆节前保密检查")
    SPRING_FESTIVAL = "spring_festival", _("春节前保密检查")
    SELF = "self", _("单位自查")


AUTO_KINDS = (PlanKind.ANNUAL, PlanKind.MAY_DAY, PlanKind.NATIONAL_DAY, PlanKind.SPRING_FESTIVAL)


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("检查中")
    DONE = "done", _("已完成")


class Inspection(models.Model):
    """One inspection (or the annual plan itself, kind=annual). The automatic ones are unique
    per (kind, year); unit self-inspections (kind=self) are created by hand."""

    kind = models.CharField(_("类别"), max_length=20, choices=PlanKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=120)
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("受检单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    planned_on = models.DateField(_("计划日期"))
    holiday_on = models.DateField(_("节日日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=InspectionStatus.choices,
                              default=InspectionStatus.PLANNED)
    template = models.ForeignKey("ChecklistTemplate", verbose_name=_("检查表"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(USER, verbose_name=_("检查人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    summary = models.TextField(_("检查小结"), blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("保密检查")
        ordering = ["-planned_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], condition=~models.Q(kind="self"),
                                    name="inspection_auto_once_a_year"),
        ]

    def __str__(self) -> str:
        return self.title


class ChecklistTemplate(models.Model):
    name = models.CharField(_("检查表名称"), max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查表")

    def __str__(self) -> str:
        return self.name


class TemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    rule_id = models.CharField(_("规则编号"), max_length=20, blank=True)
    category = models.CharField(_("类别"), max_length=40)
    text = models.CharField(_("检查内容"), max_length=300)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.text


class Result(models.TextChoices):
    YES = "yes", _("符合")
    NO = "no", _("不符合")
    NA = "na", _("不适用")


class Answer(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(TemplateItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("结论"), max_length=4, choices=Result.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="answer_once_per_item")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.result}"


class Severity(models.TextChoices):
    MINOR = "minor", _("一般")
    MAJOR = "major", _("较重")
    SEVERE = "severe", _("严重")


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    text = models.TextField(_("问题"))
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MINOR)
    evidence = models.BinaryField(_("证据"), null=True, blank=True)
    evidence_name = models.CharField(_("证据文件名"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("检查发现")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:50]


class RectStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    REPORTED = "reported", _("待复查")
    CLOSED = "closed", _("已复查关闭")


class Rectification(models.Model):
    """整改事项 (INSP-05): tracked until the inspector (not the owner) verifies it."""

    title = models.CharField(_("整改事项"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(USER, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("整改期限"))
    source = models.CharField(_("来源"), max_length=40)
    source_ref = models.CharField(_("来源编号"), max_length=100, blank=True)
    finding = models.OneToOneField(Finding, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="rectification")
    status = models.CharField(_("状态"), max_length=10, choices=RectStatus.choices, default=RectStatus.OPEN)
    report_note = models.TextField(_("整改情况"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    verifier = models.ForeignKey(USER, verbose_name=_("复查人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    verify_note = models.TextField(_("复查意见"), blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("整改事项")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(verifier__isnull=False, verified_at__isnull=False),
                name="rectification_closed_only_verified"),
            models.CheckConstraint(condition=~models.Q(verifier=models.F("owner")),
                                   name="rectification_verifier_not_owner"),
        ]

    def __str__(self) -> str:
        return self.title


class CommitteeMeeting(models.Model):
    """保密委员会会议 (ORG-01/02): at least twice a year, minuted."""

    held_on = models.DateField(_("会议日期"))
    attendees = models.TextField(_("出席人员"))
    topics = models.TextField(_("议题"))
    minutes = models.TextField(_("会议纪要"), blank=True)
    decisions = models.TextField(_("决定事项"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("保密委员会会议")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"保密委员会会议 {self.held_on}"


class StudySession(models.Model):
    """传达学习 (ORG-09): which directive or document was studied, when, by whom."""

    held_on = models.DateField(_("学习日期"))
    document = models.CharField(_("传达学习文件"), max_length=200)
    participants = models.TextField(_("参加人员"))
    notes = models.TextField(_("学习情况"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("传达学习")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.document


class SiteKind(models.TextChoices):
    FINANCE = "finance", _("财务室")
    COMPUTER = "computer", _("电脑室")
    ARCHIVE = "archive", _("档案室")
    OTHER = "other", _("其他")


class KeySite(models.Model):
    """要害部位 (SITE-01/02)."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=SiteKind.choices)
    location = models.CharField(_("位置"), max_length=100)
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+")
    responsible = models.ForeignKey(USER, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    leader = models.ForeignKey(USER, verbose_name=_("责任领导"), on_delete=models.PROTECT, related_name="+")
    allowed: models.ManyToManyField = models.ManyToManyField(
        USER, verbose_name=_("准入人员"), related_name="+", blank=True)
    emergency_plan = models.TextField(_("突发事件处置预案"), blank=True)

    class Meta:
        verbose_name = _("要害部位")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class EntryApproval(models.Model):
    """An approved one-day entry for someone not on the list (SITE-03)."""

    site = models.ForeignKey(KeySite, on_delete=models.CASCADE, related_name="approvals")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    on_date = models.DateField(_("进入日期"))
    purpose = models.CharField(_("事由"), max_length=200)
    request_id = models.PositiveBigIntegerField(null=True)
    approved = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.site_id} {self.person_id} {self.on_date}"


class EntryLog(models.Model):
    site = models.ForeignKey(KeySite, on_delete=models.PROTECT, related_name="entries")
    person = models.ForeignKey(USER, verbose_name=_("进入人员"), on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("进入时间"))
    left_at = models.DateTimeField(_("离开时间"), null=True, blank=True)
    purpose = models.CharField(_("事由"), max_length=200)
    approval = models.ForeignKey(EntryApproval, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    logged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-entered_at"]

    def __str__(self) -> str:
        return f"{self.site_id} {self.person_id} {self.entered_at}"


class DutyShift(models.Model):
    """值班与交接班 (SITE-06)."""

    site = models.ForeignKey(KeySite, on_delete=models.CASCADE, related_name="shifts")
    on_date = models.DateField(_("值班日期"))
    person = models.ForeignKey(USER, verbose_name=_("值班人"), on_delete=models.PROTECT, related_name="+")
    handover_to = models.ForeignKey(USER, verbose_name=_("接班人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    handover_note = models.TextField(_("交接情况"), blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-on_date"]

    def __str__(self) -> str:
        return f"{self.site_id} {self.on_date}"


class Drill(models.Model):
    """预案演练 (SITE-07)."""

    site = models.ForeignKey(KeySite, on_delete=models.CASCADE, related_name="drills")
    held_on = models.DateField(_("演练日期"))
    scenario = models.CharField(_("演练情景"), max_length=200)
    participants = models.TextField(_("参加人员"))
    findings = models.TextField(_("发现问题"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.scenario


class RiskAssessment(models.Model):
    """保密风险评估 (INSP-07), repeated every `period_months`."""

    title = models.CharField(_("名称"), max_length=120)
    held_on = models.DateField(_("评估日期"))
    period_months = models.PositiveSmallIntegerField(_("评估周期（月）"), default=12)
    summary = models.TextField(_("评估结论"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("风险评估")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Risk(models.Model):
    assessment = models.ForeignKey(RiskAssessment, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="risks")
    title = models.CharField(_("风险"), max_length=200)
    likelihood = models.PositiveSmallIntegerField(_("可能性"))
    impact = models.PositiveSmallIntegerField(_("影响"))
    owner = models.ForeignKey(USER, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+")
    measures = models.TextField(_("控制措施"), blank=True)
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="risks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("风险")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1,
                                                      impact__lte=5), name="risk_scores_1_to_5"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class Reminder(models.Model):
    """One reminder per key (idempotent jobs.tick)."""

    key = models.CharField(max_length=100, unique=True)
    message = models.CharField(max_length=300)
    due_on = models.DateField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.key
