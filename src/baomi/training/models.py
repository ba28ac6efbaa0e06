"""保密教育培训与考试: courses, sessions, attendance and hours, the annual requirement per
clearance category, the question bank, exam papers, attempts and certificates.

Data only: every change goes through services.py.

Invariants held by the database as well as by the services:

- one attendance row per person and session; hours credited are positive;
- one attempt in progress per exam and person (partial unique index), attempts numbered
  1, 2, … per exam and person;
- a certificate number only on a passed attempt.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CourseKind(models.TextChoices):
    ONBOARDING = "onboarding", _("上岗培训")
    ANNUAL = "annual", _("年度专题培训")
    # PERS-08: twice a year, held together with the secrecy inspections.
    CONCENTRATED = "concentrated", _("集中保密教育")
    OTHER = "other", _("其他")


# PERS-09: what the training covers, as tags on courses and questions.
TOPICS: list[tuple[str, str]] = [
    ("law", "保密法律法规"),
    ("rules", "十条保密守则"),
    ("carriers", "涉密载体管理"),
    ("internet", "互联网与信息安全"),
    ("foreign", "涉外与出国境"),
    ("personnel", "涉密人员管理"),
    ("situation", "保密形势"),
    ("leaders", "领导干部保密要求"),
]
TOPIC_LABELS = dict(TOPICS)


class Course(models.Model):
    title = models.CharField(_("课程名称"), max_length=200)
    kind = models.CharField(_("培训类别"), max_length=14, choices=CourseKind.choices)
    summary = models.TextField(_("内容摘要"), blank=True)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    topics = models.JSONField(_("主题"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="training_course_hours_positive")]

    def __str__(self) -> str:
        return self.title

    @property
    def topic_labels(self) -> list[str]:
        return [TOPIC_LABELS.get(t, t) for t in self.topics or []]


class Session(models.Model):
    """One holding of a course: date, place, trainer."""

    course = models.ForeignKey(Course, verbose_name=_("课程"), on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField(_("培训日期"))
    place = models.CharField(_("地点"), max_length=120)
    trainer = models.CharField(_("授课人"), max_length=60)
    # PERS-08: the concentrated education is held together with an inspection.
    with_inspection = models.CharField(_("结合的保密检查"), max_length=120, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训场次")
        verbose_name_plural = _("培训场次")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.course} {self.held_on:%Y-%m-%d}"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("参训人员"), on_delete=models.PROTECT,
                               related_name="training_attendances")
    hours = models.DecimalField(_("认定学时"), max_digits=4, decimal_places=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        ordering = ["-session__held_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="training_attendance_once"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_attendance_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.session_id}"


class Requirement(models.Model):
    """PERS-07: the yearly hours each clearance category must attend. The seed asks for
    "每年接受一次一定学时的保密专题教育培训" without a number; the defaults are in
    services.DEFAULT_HOURS and the secrecy office changes them here."""

    clearance = models.PositiveSmallIntegerField(_("涉密类别"), unique=True)
    hours = models.DecimalField(_("年度学时要求"), max_digits=4, decimal_places=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("年度学时要求")
        verbose_name_plural = _("年度学时要求")
        constraints = [
            models.CheckConstraint(condition=Q(clearance__gte=1, clearance__lte=3), name="training_req_cleared"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="training_req_hours"),
        ]

    def __str__(self) -> str:
        return f"{self.clearance}: {self.hours}"


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")


class Question(models.Model):
    """A bank question. `answer` holds the indexes of the right options (sorted); a
    true/false question has the options 正确 / 错误."""

    code = models.CharField(_("题号"), max_length=20, unique=True)
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    text = models.TextField(_("题干"))
    options = models.JSONField(_("选项"))
    answer = models.JSONField(_("答案"))
    explanation = models.TextField(_("解析"))
    source = models.CharField(_("依据"), max_length=200, blank=True)
    topics = models.JSONField(_("主题"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("题库")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def answer_letters(self) -> str:
        return "".join(chr(65 + i) for i in self.answer or [])


class ExamPurpose(models.TextChoices):
    ONBOARDING = "onboarding", _("上岗考核")
    ANNUAL = "annual", _("年度保密考试")
    OTHER = "other", _("其他测评")


class Exam(models.Model):
    """An exam paper: questions drawn at random from the bank (by kind and topic)."""

    title = models.CharField(_("试卷名称"), max_length=200)
    purpose = models.CharField(_("用途"), max_length=12, choices=ExamPurpose.choices)
    question_count = models.PositiveSmallIntegerField(_("题量"))
    kinds = models.JSONField(_("题型"), default=list, blank=True)
    topics = models.JSONField(_("主题"), default=list, blank=True)
    time_limit_minutes = models.PositiveSmallIntegerField(_("考试时限（分钟）"))
    pass_mark = models.PositiveSmallIntegerField(_("及格分"))
    max_attempts = models.PositiveSmallIntegerField(_("最多考试次数"))
    is_open = models.BooleanField(_("开放考试"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("试卷")
        verbose_name_plural = _("试卷")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(question_count__gte=1, question_count__lte=200),
                                   name="training_exam_count"),
            models.CheckConstraint(condition=Q(pass_mark__gte=1, pass_mark__lte=100), name="training_exam_pass"),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="training_exam_attempts"),
            models.CheckConstraint(condition=Q(time_limit_minutes__gte=1), name="training_exam_time"),
        ]

    def __str__(self) -> str:
        return self.title


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("答题中")
    SUBMITTED = "submitted", _("已交卷")
    EXPIRED = "expired", _("超时")


class Attempt(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exam_attempts")
    number = models.PositiveSmallIntegerField(_("第几次"))
    status = models.CharField(_("状态"), max_length=12, choices=AttemptStatus.choices,
                              default=AttemptStatus.IN_PROGRESS)
    started_at = models.DateTimeField(_("开始时间"))
    deadline_at = models.DateTimeField(_("截止时间"))
    finished_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    late = models.BooleanField(_("超时交卷"), default=False)
    correct = models.PositiveSmallIntegerField(_("答对题数"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("得分"), null=True, blank=True)
    passed = models.BooleanField(_("通过"), null=True, blank=True)
    certificate_no = models.CharField(_("证书编号"), max_length=40, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "person"], condition=Q(status="in_progress"),
                                    name="training_one_attempt_in_progress"),
            models.UniqueConstraint(fields=["exam", "person", "number"], name="training_attempt_number"),
            models.CheckConstraint(condition=Q(certificate_no__isnull=True) | Q(passed=True),
                                   name="training_certificate_only_if_passed"),
            models.CheckConstraint(
                condition=Q(status="in_progress", finished_at__isnull=True, score__isnull=True)
                | (~Q(status="in_progress") & Q(finished_at__isnull=False, score__isnull=False)),
                name="training_attempt_finished_consistent"),
        ]

    def __str__(self) -> str:
        return f"{self.exam_id}/{self.person_id}#{self.number}"


class AttemptQuestion(models.Model):
    """A drawn question, frozen as it was when drawn (the bank may change afterwards)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.TextField()
    options = models.JSONField()
    answer = models.JSONField()
    explanation = models.TextField()
    source = models.CharField(max_length=200, blank=True)
    given = models.JSONField(null=True, blank=True)
    correct = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="training_item_position")]

    def __str__(self) -> str:
        return f"{self.attempt_id}.{self.position}"

    @property
    def answer_letters(self) -> str:
        return "".join(chr(65 + i) for i in self.answer or [])

    @property
    def given_letters(self) -> str:
        return "".join(chr(65 + i) for i in self.given or [])


class Reminder(models.Model):
    """One reminder per person, kind and period (idempotent `baomi tick`)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    period = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind", "period"], name="training_reminder_once")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.period}"
