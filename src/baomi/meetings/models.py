"""涉密会议: venues, meetings, attendees with their sign-in, materials handed out as numbered
copies of registered carriers, and reminders. Data only: every change goes through services.py."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.carriers.models import LEVEL_CHOICES


class Venue(models.Model):
    """A meeting room on the venue register, approved for classified meetings up to a level."""

    name = models.CharField(_("会场名称"), max_length=100, unique=True)
    max_level = models.PositiveSmallIntegerField(_("核准最高密级"), choices=LEVEL_CHOICES, null=True, blank=True)
    shielded = models.BooleanField(_("具备电磁屏蔽"), default=False)
    checked_on = models.DateField(_("最近保密检查日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("会场")
        verbose_name_plural = _("会场")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    IN_PROGRESS = "in_progress", _("进行中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class Meeting(models.Model):
    """A classified meeting (MEET-01). Its title is shown only to those allowed to see it."""

    title = models.CharField(_("会议名称"), max_length=200)
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)
    venue = models.ForeignKey(Venue, verbose_name=_("会场"), on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey("accounts.User", verbose_name=_("组织人"), on_delete=models.PROTECT,
                                  related_name="+")
    clerk = models.ForeignKey("accounts.User", verbose_name=_("材料发放（机要员）"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    no_record = models.BooleanField(_("不准记录/录音"), default=False)  # MEET-05
    recording_approved = models.BooleanField(_("经批准录音录像"), default=False)
    status = models.CharField(_("状态"), max_length=12, choices=MeetingStatus.choices,
                              default=MeetingStatus.PLANNED)
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    no_wireless_mics = models.BooleanField(_("已确认未使用无线话筒"), default=False)  # MEET-02
    rules_announced = models.BooleanField(_("已宣布保密纪律"), default=False)  # MEET-04
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    # The carriers to be discussed, listed before the meeting: every attendee must be inside
    # their need-to-know (checked when either is added).
    papers = models.ManyToManyField("carriers.Carrier", verbose_name=_("会议材料"), blank=True, related_name="+")
    minutes = models.ForeignKey("carriers.Carrier", verbose_name=_("会议记录"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("涉密会议")
        verbose_name_plural = _("涉密会议")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="meeting_level_marked"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"会议 #{self.pk}"


class PhoneDeposit(models.TextChoices):
    DEPOSITED = "deposited", _("手机已存放")
    NONE = "none", _("未携带手机")


class Attendee(models.Model):
    """One person on the approved list (MEET-03): a colleague, or an outsider with their
    introduction letter and the level they are cleared for. Sign-in records the rules read."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    person = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    external_name = models.CharField(_("外单位人员姓名"), max_length=50, blank=True)
    external_unit = models.CharField(_("所在单位"), max_length=100, blank=True)
    introduction_letter = models.CharField(_("介绍信编号"), max_length=100, blank=True)
    external_level = models.PositiveSmallIntegerField(_("介绍信载明的知悉密级"), choices=LEVEL_CHOICES,
                                                      null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    phone = models.CharField(_("手机存放"), max_length=10, choices=PhoneDeposit.choices, blank=True)
    rules_acknowledged = models.BooleanField(_("已确认会议保密纪律"), default=False)
    checked_in_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendee_once_per_meeting"),
            models.CheckConstraint(condition=Q(person__isnull=False) | ~Q(external_name=""),
                                   name="attendee_named"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.person is not None:
            return self.person.full_name or self.person.username
        return f"{self.external_name}（{self.external_unit}）"


class Material(models.Model):
    """A numbered copy handed to an attendee (MEET-08) and collected back (MEET-09)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="materials")
    copy = models.ForeignKey("carriers.Copy", on_delete=models.PROTECT, related_name="+")
    attendee = models.ForeignKey(Attendee, on_delete=models.PROTECT, related_name="materials")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["copy"], condition=Q(returned_at__isnull=True),
                                    name="material_copy_out_once"),
        ]

    def __str__(self) -> str:
        return f"会议 #{self.meeting_id} 材料 {self.copy_id}"


class Reminder(models.Model):
    """One reminder per cause (idempotent jobs: the key is unique)."""

    key = models.CharField(max_length=80, unique=True)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.key
