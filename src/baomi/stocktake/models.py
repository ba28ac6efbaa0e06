"""盘点 (stocktake): a keeper counts the copies on a shelf against the register.

Data only: every change goes through services.py. A stocktake snapshots, when it starts, the
copies the register says are there (`Expected`); each label scanned is one `Scan` row (one
per copy, one per unreadable-to-this-keeper code); closing it freezes both, and the
discrepancy report is computed from these rows alone, so it never changes afterwards."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.carriers.models import CopyStatus


class Scope(models.TextChoices):
    LOCATION = "location", _("存放位置")
    CUSTODY = "custody", _("本人保管的全部载体")


class Status(models.TextChoices):
    OPEN = "open", _("盘点中")
    CLOSED = "closed", _("已完成")


class Stocktake(models.Model):
    number = models.CharField(_("盘点单号"), max_length=30, unique=True)
    scope = models.CharField(_("盘点范围"), max_length=10, choices=Scope.choices)
    location = models.CharField(_("存放位置"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    started_by = models.ForeignKey("accounts.User", verbose_name=_("盘点人"), on_delete=models.PROTECT,
                                   related_name="+")
    started_at = models.DateTimeField(_("开始时间"))
    closed_by = models.ForeignKey("accounts.User", verbose_name=_("结束人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("载体盘点")
        verbose_name_plural = _("载体盘点")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="stocktake_status_valid"),
            models.CheckConstraint(
                condition=(Q(status="closed") & Q(closed_at__isnull=False, closed_by__isnull=False))
                | (Q(status="open") & Q(closed_at__isnull=True, closed_by__isnull=True)),
                name="stocktake_closed_iff_closed_at",
            ),
            models.CheckConstraint(condition=Q(scope="custody") | ~Q(location=""), name="stocktake_location_named"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def place(self) -> str:
        if self.scope == Scope.LOCATION:
            return self.location
        person = self.started_by
        return str(_("%(name)s 保管的全部载体") % {"name": person.full_name or person.username})


class Expected(models.Model):
    """A copy the register placed here when the stocktake started, as it was then."""

    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, related_name="expected")
    copy = models.ForeignKey("carriers.Copy", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("登记状态"), max_length=12, choices=CopyStatus.choices)
    location = models.CharField(_("登记存放位置"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("应在册载体")
        ordering = ["copy__carrier_id", "copy__serial"]
        constraints = [models.UniqueConstraint(fields=["stocktake", "copy"], name="expected_once_per_stocktake")]

    def __str__(self) -> str:
        return f"{self.stocktake_id}/{self.copy_id}"


class Scan(models.Model):
    """One label scanned. `copy` is empty when the code opens no copy the scanning keeper may
    see (absent, or not theirs to see): such a code is only ever shown as “未知编码”."""

    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, related_name="scans")
    code = models.CharField(_("标签编码"), max_length=30)
    copy = models.ForeignKey("carriers.Copy", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The copy as the register had it at the moment of the scan.
    status = models.CharField(_("登记状态"), max_length=12, choices=CopyStatus.choices, blank=True)
    location = models.CharField(_("登记存放位置"), max_length=100, blank=True)
    scanned_by = models.ForeignKey("accounts.User", verbose_name=_("扫描人"), on_delete=models.PROTECT,
                                   related_name="+")
    scanned_at = models.DateTimeField(_("扫描时间"))

    class Meta:
        verbose_name = _("扫描记录")
        ordering = ["scanned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "copy"], condition=Q(copy__isnull=False),
                                    name="scan_once_per_copy"),
            models.UniqueConstraint(fields=["stocktake", "code"], name="scan_once_per_code"),
        ]

    def __str__(self) -> str:
        return f"{self.stocktake_id} {self.code}"


class Reminder(models.Model):
    """The half-year reminder to the secrecy office, issued once per period by the job."""

    period_start = models.DateField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"stocktake reminder {self.period_start}"
