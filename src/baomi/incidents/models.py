"""泄密事件 (INC-01..12): incident reports, remedial measures, the report to the superior secrecy
department, investigation, responsibility and penalties. Data only: every change goes through
services.py. An incident is never deleted (database triggers, migration 0002); it is closed
with a reason, and a closed incident never changes (notes may still be added)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from baomi.carriers.models import LEVEL_CHOICES


class IncidentKind(models.TextChoices):
    LOST = "lost", _("丢失")
    STOLEN = "stolen", _("被窃")
    LEAK = "leak", _("泄露")
    SUSPECTED = "suspected", _("疑似泄露")
    VIOLATION = "violation", _("违规操作")
    HAZARD = "hazard", _("泄密隐患")


class IncidentStatus(models.TextChoices):
    DRAFT = "draft", _("待核实")
    OPEN = "open", _("处理中")
    CLOSED = "closed", _("已结案")
    DISMISSED = "dismissed", _("不予立案")


OPEN_STATUSES = (IncidentStatus.DRAFT, IncidentStatus.OPEN)
CLOSED_STATUSES = (IncidentStatus.CLOSED, IncidentStatus.DISMISSED)


class Severity(models.TextChoices):
    """情节 (INC-06)."""

    MINOR = "minor", _("情节轻微")
    ORDINARY = "ordinary", _("一般")
    SERIOUS = "serious", _("情节较重")
    GRAVE = "grave", _("情节严重")


class Liability(models.TextChoices):
    """责任类型 (INC-08)."""

    ADMINISTRATIVE = "administrative", _("行政责任")
    DISCIPLINE = "discipline", _("党纪政纪责任")
    CRIMINAL = "criminal", _("刑事责任（移送）")


class Incident(models.Model):
    """One reported incident (INC-01): what, when, which carriers, who; its handling."""

    title = models.CharField(_("事件名称"), max_length=200)
    level = models.PositiveSmallIntegerField(_("涉及密级"), choices=LEVEL_CHOICES)
    kind = models.CharField(_("事件类型"), max_length=12, choices=IncidentKind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=IncidentStatus.choices,
                              default=IncidentStatus.OPEN)
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("发生单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey("accounts.User", verbose_name=_("报告人"), on_delete=models.PROTECT,
                                 related_name="incidents_reported")
    reported_at = models.DateTimeField(_("报告时间"))
    discovered_at = models.DateTimeField(_("发现时间"))
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    description = models.TextField(_("事件经过"))
    circumstances = models.TextField(_("情节"), blank=True)
    source = models.CharField(_("来源"), max_length=40, default="report")
    source_ref = models.CharField(max_length=60, blank=True)
    # 向上级保密工作部门报告 (INC-01: 立即/及时; the seed names no hours: NOTIFY_HOURS).
    notify_due_at = models.DateTimeField(_("上报期限"))
    notified_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    notified_to = models.CharField(_("报告对象"), max_length=100, blank=True)
    notified_how = models.CharField(_("报告方式"), max_length=100, blank=True)
    notify_late = models.BooleanField(_("逾期上报"), default=False)
    # 责任认定 (INC-02, INC-06, INC-08).
    severity = models.CharField(_("情节轻重"), max_length=10, choices=Severity.choices, blank=True)
    liability = models.CharField(_("责任类型"), max_length=16, choices=Liability.choices, blank=True)
    finding = models.TextField(_("责任认定"), blank=True)
    determined_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    close_reason = models.TextField(_("结案理由"), blank=True)

    class Meta:
        verbose_name = _("泄密事件")
        verbose_name_plural = _("泄密事件")
        ordering = ["-discovered_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="incident_level_marked"),
            models.CheckConstraint(
                condition=~models.Q(status__in=["closed", "dismissed"])
                | (models.Q(closed_at__isnull=False) & ~models.Q(close_reason="")),
                name="incident_closed_with_reason"),
        ]

    def __str__(self) -> str:
        return f"事件 #{self.pk}"

    @property
    def number(self) -> str:
        """What reminders, audit events and the register show without the title."""
        return f"泄密事件 #{self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class EntryKind(models.TextChoices):
    MEASURE = "measure", _("补救措施")
    INVESTIGATION = "investigation", _("调查记录")
    NOTE = "note", _("备注")


class Entry(models.Model):
    """补救措施 with their time, investigation notes, later notes. Append-only (migration 0002)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类别"), max_length=14, choices=EntryKind.choices)
    at = models.DateTimeField(_("时间"))
    text = models.TextField(_("内容"))
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("处置记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.kind} {self.pk}"


class InvolvementRole(models.TextChoices):
    RESPONSIBLE = "responsible", _("直接责任人")
    LEADER = "leader", _("领导责任人")
    PARTY = "party", _("当事人")
    OTHER = "other", _("相关人员")


class Involvement(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="involved")
    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="incident_involvements")
    role = models.CharField(_("身份"), max_length=12, choices=InvolvementRole.choices, default=InvolvementRole.PARTY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "person"], name="incident_person_once")]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.person_id}"


class CopyOutcome(models.TextChoices):
    LOST = "lost", _("丢失")
    LEAKED = "leaked", _("泄露")
    INVOLVED = "involved", _("涉及")


class IncidentCopy(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="copies")
    copy = models.ForeignKey("carriers.Copy", on_delete=models.PROTECT, related_name="incident_links")
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)
    outcome = models.CharField(_("情况"), max_length=10, choices=CopyOutcome.choices, default=CopyOutcome.INVOLVED)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "copy"], name="incident_copy_once")]

    def __str__(self) -> str:
        return f"{self.incident_id}: copy {self.copy_id}"


class PenaltyKind(models.TextChoices):
    """The whole scale: 批评教育/通报批评 (INC-06), 政务处分 (INC-07, 第二十六条 and beyond), company
    sanctions (INC-09)."""

    EDUCATION = "education", _("批评教育")
    CIRCULATED = "circulated", _("通报批评")
    WARNING = "warning", _("警告")
    DEMERIT = "demerit", _("记过")
    MAJOR_DEMERIT = "major_demerit", _("记大过")
    DEMOTION = "demotion", _("降级")
    REMOVAL = "removal", _("撤职")
    EXPULSION = "expulsion", _("开除")
    SUSPENSION = "suspension", _("停职")
    DISMISSAL = "dismissal", _("辞退")
    NONE = "none", _("不予处分")


class Referral(models.TextChoices):
    NONE = "", _("无")
    DISCIPLINE = "discipline", _("移送纪检监察机关")
    JUDICIAL = "judicial", _("移送司法机关")


class Penalty(models.Model):
    """A penalty decided about a person (INC-05: on their record). Never changed or deleted."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="penalties")
    person = models.ForeignKey("accounts.User", verbose_name=_("受处分人"), on_delete=models.PROTECT,
                               related_name="incident_penalties")
    kind = models.CharField(_("处分"), max_length=14, choices=PenaltyKind.choices)
    referral = models.CharField(_("移送"), max_length=12, choices=Referral.choices, blank=True, default="")
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    decided_on = models.DateField(_("决定日期"))
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("处分")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.person_id} {self.kind}"


class Reminder(models.Model):
    """One reminder per cause (jobs.tick): the report to the superior department is overdue."""

    key = models.CharField(max_length=80, unique=True)
    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class CommendationStatus(models.TextChoices):
    PROPOSED = "proposed", _("待领导审批")
    APPROVED = "approved", _("已表扬")
    DECLINED = "declined", _("未批准")


class Commendation(models.Model):
    """表扬奖励 (INC-12): proposed by the 保密办 to the 领导 (through the approval engine); the
    approved ones are the commendation register."""

    person = models.ForeignKey("accounts.User", verbose_name=_("受表扬个人"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="commendations")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("受表扬科室"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("表扬事由"))
    proposed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("建议时间"))
    status = models.CharField(_("状态"), max_length=10, choices=CommendationStatus.choices,
                              default=CommendationStatus.PROPOSED)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("表扬奖励")
        ordering = ["-proposed_at", "-id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(person__isnull=False) | models.Q(unit__isnull=False), name="commendation_has_subject")]

    def __str__(self) -> str:
        return f"表扬 #{self.pk}"
