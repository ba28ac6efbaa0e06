"""The live figures of the modules that exist today (carriers, classification, training,
travel, personnel, archives, stocktake), each computed through the module's selectors so it
counts only what the viewer may see. Registered by ComplianceConfig.ready().

Administrators (三员) read no classified content: every figure over a classified register
returns None for them (shown as "不适用"), not a misleading zero. The personnel register's
statuses are not classified content and the security administrator may see them (policy
VIEW_PERSONNEL), so those figures are computed for them too.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.compliance.figures import Figure, Status, register
from baomi.levels import Level

if TYPE_CHECKING:
    from baomi.accounts.models import User


def _status(count: int, *, warn: bool = False) -> Status:
    if count == 0:
        return "ok"
    return "warn" if warn else "bad"


def _business(viewer: User) -> bool:
    return viewer.is_active and not viewer.admin_role


def _cached(viewer: User, key: str, compute: Any) -> Any:
    """One computation per viewer instance (a page computes several figures from one list)."""
    cache: dict[str, Any] = viewer.__dict__.setdefault("_compliance_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


# ---------------------------------------------------------------- carriers


def _overdue_copies(viewer: User) -> Any:
    from baomi.carriers.selectors import overdue_copies

    return overdue_copies(viewer)


def top_secret_out_past_the_day(viewer: User) -> Figure | None:
    """CARRIER-06 随阅随退: 绝密 copies out past their same-day due time."""
    if not _business(viewer) or not policy.may_know(viewer, Level.TOP_SECRET):
        return None
    n = _overdue_copies(viewer).filter(level=int(Level.TOP_SECRET)).count()
    return Figure(n, _("绝密随阅随退：%(n)s 份超过当日应还时间未退回") % {"n": n}, _status(n), reverse("carriers:list"))


def borrowed_overdue(viewer: User) -> Figure | None:
    """CARRIER-10 借阅: copies lent and not back by their due time."""
    if not _business(viewer):
        return None
    from baomi.carriers.models import CopyStatus

    n = _overdue_copies(viewer).filter(status=CopyStatus.LENT).count()
    return Figure(n, _("借阅逾期未还：%(n)s 份") % {"n": n}, _status(n), reverse("carriers:list"))


def out_overdue(viewer: User) -> Figure | None:
    """CARRIER-17 个人不留存: copies out with people (circulating, lent, taken out) past due."""
    if not _business(viewer):
        return None
    n = _overdue_copies(viewer).count()
    return Figure(n, _("个人持有逾期未还的载体：%(n)s 份") % {"n": n}, _status(n), reverse("carriers:list"))


def taken_out_overdue(viewer: User) -> Figure | None:
    """CARRIER-30 携带外出: take-outs not brought back by their due time."""
    if not _business(viewer):
        return None
    from baomi.carriers.models import CopyStatus

    n = _overdue_copies(viewer).filter(status=CopyStatus.TAKEN_OUT).count()
    return Figure(n, _("携带外出逾期未带回：%(n)s 份") % {"n": n}, _status(n), reverse("carriers:list"))


def hand_back_overdue(viewer: User) -> Figure | None:
    """CARRIER-16 定期清退: incoming copies past their 清退 deadline, and those due this month."""
    if not _business(viewer):
        return None
    from baomi.carriers.selectors import due_for_hand_back

    today = timezone.localdate()
    late = due_for_hand_back(viewer, until=today - datetime.timedelta(days=1)).count()
    month = due_for_hand_back(viewer).count() - late
    return Figure(late, _("清退逾期：%(late)s 份；本月内待清退：%(month)s 份") % {"late": late, "month": month},
                  _status(late), reverse("carriers:cleanup"))


def waste_left(viewer: User) -> Figure | None:
    """CARRIER-24 废页定时销毁: waste batches older than the allowed days, not destroyed."""
    if not _business(viewer):
        return None
    from django.conf import settings

    from baomi.carriers.selectors import waste_pending

    days = int(getattr(settings, "BAOMI_WASTE_DESTROY_DAYS", 7))
    pending = waste_pending(viewer)
    late = pending.filter(recorded_at__lt=timezone.now() - datetime.timedelta(days=days)).count()
    return Figure(late, _("待销毁废页：%(all)s 批，其中超过 %(days)s 天未销毁 %(late)s 批") % {
        "all": pending.count(), "days": days, "late": late}, _status(late), reverse("carriers:printing"))


def destructions_waiting(viewer: User) -> Figure | None:
    """CARRIER-19 销毁: destruction lists approved and waiting for their witnesses."""
    if not _business(viewer):
        return None
    from baomi.carriers.models import DestructionStatus
    from baomi.carriers.selectors import destructions_visible_to

    lists = destructions_visible_to(viewer)
    n = lists.filter(status=DestructionStatus.APPROVED).count()
    pending = lists.filter(status=DestructionStatus.PENDING).count()
    return Figure(n, _("已批准待监销的销毁清单：%(n)s 份；审批中：%(p)s 份") % {"n": n, "p": pending},
                  _status(n, warn=True), reverse("carriers:destructions"))


# ---------------------------------------------------------------- classification


def classifications_expiring(viewer: User) -> Figure | None:
    """CLASS-07 复审/解密: decisions in force whose period ends within 30 days, and this year's
    review queue of the viewer's authority."""
    if not _business(viewer):
        return None
    from baomi.classification.models import DecisionStatus
    from baomi.classification.selectors import decisions_visible_to, review_queue

    today = timezone.localdate()
    expiring = decisions_visible_to(viewer, status=DecisionStatus.IN_FORCE).filter(
        expires_on__lte=today + datetime.timedelta(days=30)).count()
    queue = review_queue(viewer, today.year).count()
    return Figure(expiring + queue, _("30 天内到期的定密：%(e)s 项；本年度待复审：%(q)s 项") % {
        "e": expiring, "q": queue}, _status(expiring + queue, warn=True), reverse("classification:review"))


def provisional_unreported(viewer: User) -> Figure | None:
    """CLASS-05 保密事项范围: provisional classifications not yet reported, late ones apart."""
    if not _business(viewer):
        return None
    from baomi.classification.models import DecisionStatus
    from baomi.classification.selectors import decisions_visible_to

    qs = decisions_visible_to(viewer, status=DecisionStatus.IN_FORCE).filter(provisional=True,
                                                                            reported_on__isnull=True)
    late = qs.filter(report_deadline__lt=timezone.localdate()).count()
    total = qs.count()
    return Figure(total, _("先行拟定未报告：%(n)s 项，其中超过 10 个工作日 %(late)s 项") % {"n": total, "late": late},
                  "bad" if late else _status(total, warn=True), reverse("classification:review"))


def notices_unacknowledged(viewer: User) -> Figure | None:
    """CLASS-13 变更和解除: change notices not yet acknowledged by the need-to-know."""
    if not _business(viewer):
        return None
    from baomi.classification.selectors import outstanding_acknowledgements

    n = outstanding_acknowledgements(viewer).count()
    return Figure(n, _("变更、解除通知未确认：%(n)s 条") % {"n": n}, _status(n, warn=True),
                  reverse("classification:notices"))


# ---------------------------------------------------------------- training


def _standings(viewer: User) -> list[Any]:
    from baomi.training.selectors import standings, today

    return _cached(viewer, "standings", lambda: standings(viewer, today().year))  # type: ignore[no-any-return]


def training_hours_behind(viewer: User) -> Figure | None:
    """PERS-07 年度培训: people whose hours this year are below the requirement."""
    if not policy.is_training_office(viewer):
        return None
    n = sum(1 for row in _standings(viewer) if row.hours_behind)
    return Figure(n, _("年度培训：%(n)s 人学时不足") % {"n": n}, _status(n, warn=True), reverse("training:behind"))


def annual_exam_missing(viewer: User) -> Figure | None:
    """PERS-06 考核: people who have not passed this year's exam."""
    if not policy.is_training_office(viewer):
        return None
    n = sum(1 for row in _standings(viewer) if not row.annual_passed)
    return Figure(n, _("年度保密考试：%(n)s 人尚未通过") % {"n": n}, _status(n, warn=True), reverse("training:behind"))


def concentrated_sessions(viewer: User) -> Figure | None:
    """PERS-08 集中保密教育: sessions held this year against the two expected."""
    if not policy.is_training_office(viewer):
        return None
    from baomi.training.selectors import concentrated_count, today

    held = concentrated_count(today().year)
    return Figure(held, _("本年度集中保密教育：已举办 %(n)s 次（应不少于 2 次）") % {"n": held},
                  "ok" if held >= 2 else "warn", reverse("training:courses"))


# ---------------------------------------------------------------- personnel


def _personnel(viewer: User) -> Any:
    from baomi.personnel.selectors import overdue_for

    return _cached(viewer, "personnel", lambda: overdue_for(viewer))


def vetting_due(viewer: User) -> Figure | None:
    """PERS-02 定期复审: cleared people whose vetting is missing, failed or expiring."""
    if not policy.may(viewer, policy.Perm.VIEW_PERSONNEL):
        return None
    n = len(_personnel(viewer).vetting)
    return Figure(n, _("任用审查缺失、未通过或即将到期：%(n)s 人") % {"n": n}, _status(n, warn=True),
                  reverse("personnel:index"))


def commitments_unsigned(viewer: User) -> Figure | None:
    """PERS-04 先签后授: commitments prepared and not signed."""
    if not policy.may(viewer, policy.Perm.VIEW_PERSONNEL):
        return None
    n = len(_personnel(viewer).commitments)
    return Figure(n, _("保密承诺书待签署：%(n)s 份") % {"n": n}, _status(n, warn=True), reverse("personnel:index"))


def annual_reports_missing(viewer: User) -> Figure | None:
    """PERS-11 年度报告: cleared people who have not reported for the reporting year."""
    if not policy.may(viewer, policy.Perm.VIEW_PERSONNEL):
        return None
    data = _personnel(viewer)
    n = len(data.reports_missing)
    return Figure(n, _("%(year)s 年度保密自查报告未交：%(n)s 人") % {"year": data.report_year, "n": n},
                  _status(n, warn=True), reverse("personnel:index"))


def departures_blocked(viewer: User) -> Figure | None:
    """PERS-13 离岗交接: open departures still blocked (copies out, handover, commitment)."""
    if not policy.may(viewer, policy.Perm.VIEW_PERSONNEL):
        return None
    n = len(_personnel(viewer).departures)
    return Figure(n, _("离岗离职未办结（载体未清退或交接未完成）：%(n)s 人") % {"n": n}, _status(n, warn=True),
                  reverse("personnel:index"))


def separations_ending(viewer: User) -> Figure | None:
    """PERS-15 脱密期: separation periods ending soon."""
    if not policy.may(viewer, policy.Perm.VIEW_PERSONNEL):
        return None
    n = len(_personnel(viewer).separations_ending)
    return Figure(n, _("脱密期即将届满：%(n)s 人") % {"n": n}, "ok", reverse("personnel:index"))


# ---------------------------------------------------------------- travel


def passports_overdue(viewer: User) -> Figure | None:
    """PERS-18 证件集中保管: passports and permits issued and not back by their due day."""
    if not policy.is_travel_office(viewer):
        return None
    from baomi.travel.selectors import outstanding_issues, overdue_issues

    n = overdue_issues(viewer).count()
    out = outstanding_issues(viewer).count()
    return Figure(n, _("出入境证件逾期未交回：%(n)s 本（借出中 %(out)s 本）") % {"n": n, "out": out},
                  _status(n), reverse("travel:documents"))


def trip_reports_overdue(viewer: User) -> Figure | None:
    """PERS-19 出国境: 回国报告 past due."""
    if not policy.is_travel_office(viewer):
        return None
    from baomi.travel.selectors import overdue_reports

    n = overdue_reports(viewer).count()
    return Figure(n, _("回国报告逾期未交：%(n)s 份") % {"n": n}, _status(n, warn=True), reverse("travel:index"))


def major_reports_open(viewer: User) -> Figure | None:
    """PERS-20 重大事项报告: reports still being followed up."""
    if not policy.is_travel_office(viewer):
        return None
    from baomi.travel.models import ReportStatus
    from baomi.travel.selectors import reports_visible_to

    n = reports_visible_to(viewer).filter(status=ReportStatus.OPEN).count()
    return Figure(n, _("重大事项报告跟进中：%(n)s 件") % {"n": n}, _status(n, warn=True),
                  reverse("travel:reports"))


# ---------------------------------------------------------------- archives and stocktake


def archive_loans_overdue(viewer: User) -> Figure | None:
    """ARCH-07 案卷外借: archive loans past their due day."""
    if not _business(viewer):
        return None
    from baomi.archives.selectors import overdue_loans

    n = overdue_loans(viewer).count()
    return Figure(n, _("案卷外借逾期未还：%(n)s 件") % {"n": n}, _status(n), reverse("archives:index"))


def stocktakes_this_half(viewer: User) -> Figure | None:
    """INSP-02 盘点: stocktakes closed this half-year (none: the shelves were not counted)."""
    if not _business(viewer) or not policy.is_carrier_keeper(viewer):
        return None
    from baomi.stocktake.models import Status as StocktakeStatus
    from baomi.stocktake.selectors import stocktakes_visible_to

    today = timezone.localdate()
    start = datetime.date(today.year, 1 if today.month <= 6 else 7, 1)
    qs = stocktakes_visible_to(viewer)
    closed = qs.filter(status=StocktakeStatus.CLOSED, closed_at__date__gte=start).count()
    open_ = qs.filter(status=StocktakeStatus.OPEN).count()
    return Figure(closed, _("本半年已完成载体盘点 %(n)s 次，进行中 %(o)s 次") % {"n": closed, "o": open_},
                  "ok" if closed else "warn", reverse("stocktake:list"))


BUILTIN: list[tuple[str, Any, bool]] = [
    ("CARRIER-06", top_secret_out_past_the_day, True),
    ("CARRIER-10", borrowed_overdue, True),
    ("CARRIER-16", hand_back_overdue, True),
    ("CARRIER-17", out_overdue, False),
    ("CARRIER-19", destructions_waiting, False),
    ("CARRIER-24", waste_left, False),
    ("CARRIER-30", taken_out_overdue, True),
    ("CLASS-05", provisional_unreported, False),
    ("CLASS-07", classifications_expiring, True),
    ("CLASS-13", notices_unacknowledged, False),
    ("PERS-02", vetting_due, False),
    ("PERS-04", commitments_unsigned, False),
    ("PERS-06", annual_exam_missing, False),
    ("PERS-07", training_hours_behind, True),
    ("PERS-08", concentrated_sessions, False),
    ("PERS-11", annual_reports_missing, False),
    ("PERS-13", departures_blocked, False),
    ("PERS-15", separations_ending, False),
    ("PERS-18", passports_overdue, True),
    ("PERS-19", trip_reports_overdue, False),
    ("PERS-20", major_reports_open, False),
    ("ARCH-07", archive_loans_overdue, True),
    ("INSP-02", stocktakes_this_half, False),
]


# ---------------------------------------------------------------- modules written alongside (issue 7)


def _optional(module: str, name: str) -> Any:
    """A selector of a module that may not be installed (or not have it yet): None then."""
    import importlib

    from django.apps import apps

    if not apps.is_installed(f"baomi.{module}"):
        return None
    try:
        return getattr(importlib.import_module(f"baomi.{module}.selectors"), name, None)
    except ImportError:
        return None


def rectifications_overdue(viewer: User) -> Figure | None:
    """INSP-05 整改: rectifications still open past their deadline (inspections module)."""
    count = _optional("inspections", "overdue_count")
    if count is None or not _business(viewer):
        return None
    n = int(count(viewer))
    return Figure(n, _("整改逾期：%(n)s 项") % {"n": n}, _status(n), reverse("inspections:index"))


def incident_reports_overdue(viewer: User) -> Figure | None:
    """INC-01 立即报告: incidents not yet reported to the superior department past the deadline."""
    overdue = _optional("incidents", "overdue_notifications")
    if overdue is None or not _business(viewer):
        return None
    n = overdue(viewer).count()
    return Figure(n, _("泄密事件逾期未向上级报告：%(n)s 件") % {"n": n}, _status(n), reverse("incidents:list"))


# Registered only when the module is installed and has the selector, and only if the module has
# not registered its own figure for the code (its own wins).
OPTIONAL: list[tuple[str, Any, str, str]] = [
    ("INSP-05", rectifications_overdue, "inspections", "overdue_count"),
    ("INC-01", incident_reports_overdue, "incidents", "overdue_notifications"),
]


def register_builtin() -> None:
    from baomi.compliance.figures import registered

    for code, fn, overdue in BUILTIN:
        register(code, fn, label=code, overdue=overdue)
    for code, fn, module, name in OPTIONAL:
        if code not in registered() and _optional(module, name) is not None:
            register(code, fn, label=code, overdue=True)
