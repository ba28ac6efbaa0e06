"""Reads for the 制度落实 page and the secrecy office's unit-wide dashboard. Every count comes
from a module's selectors (so it covers only what the viewer may see); the page shows counts,
never titles, except the viewer's own visible decisions expiring soon."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from baomi import policy
from baomi.compliance import catalogue, figures
from baomi.levels import Clearance, Level

if TYPE_CHECKING:
    from baomi.accounts.models import User

GROUP_NAMES = {
    "CLASS": _l("定密与标志"), "CARRIER": _l("涉密载体"), "ARCH": _l("档案"), "MEET": _l("涉密会议"),
    "PERS": _l("涉密人员"),
    "SYS": _l("设备与信息系统"), "EXT": _l("涉外与宣传出版"), "COMM": _l("通信"), "INSP": _l("检查与监督"),
    "INC": _l("事件与责任"), "ORG": _l("组织与制度"), "SITE": _l("要害部位"),
}
STATE_LABELS = {"embodied": _l("已落实"), "out": _l("软件无法体现"), "not_yet": _l("尚未落实"),
                "unmapped": _l("未登记")}


def require_viewer(viewer: User) -> None:
    """The page and its API: 保密办, 定密责任人 and the security administrator (policy)."""
    policy.require(viewer, policy.Perm.VIEW_COMPLIANCE)


@dataclass(frozen=True)
class RuleRow:
    rule: catalogue.Rule
    figure: figures.Figure | None
    has_figure: bool  # a figure is registered (None above then means: not for this viewer)

    @property
    def group_name(self) -> str:
        return str(GROUP_NAMES.get(self.rule.group, self.rule.group))

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.rule.state])


def rule_rows(viewer: User, *, group: str = "", state: str = "") -> list[RuleRow]:
    """Every rule of the catalogue with its mapping and, where one is registered, its live
    figure computed now for this viewer."""
    require_viewer(viewer)
    registered = figures.registered()
    rows = []
    for rule in catalogue.rules():
        if (group and rule.group != group) or (state and rule.state != state):
            continue
        has = rule.id in registered
        rows.append(RuleRow(rule, figures.compute(rule.id, viewer) if has else None, has))
    return rows


def summary(rows: list[RuleRow]) -> dict[str, Any]:
    states: Counter[str] = Counter(row.rule.state for row in rows)
    statuses = Counter(row.figure.status for row in rows if row.figure is not None)
    return {
        "total": len(rows),
        "states": [(str(STATE_LABELS[s]), states[s], s) for s in STATE_LABELS if states[s] or s != "unmapped"],
        "figures": sum(1 for row in rows if row.figure is not None),
        "statuses": statuses,
        "chart": [(_("正常"), statuses["ok"], "ok"), (_("需关注"), statuses["warn"], "warn"),
                  (_("超期/违规"), statuses["bad"], "bad")],
    }


# ---------------------------------------------------------------- the home page's unit-wide view


def copy_counts(viewer: User) -> dict[str, Any]:
    """Copies by level and status, over the copies the viewer's selectors return; the levels
    above the viewer's clearance are neither counted nor listed (DESIGN rule 4)."""
    from baomi.carriers.models import LEVEL_CHOICES, CopyStatus
    from baomi.carriers.selectors import copies_visible_to

    cap = int(Clearance(viewer.clearance).max_level)
    levels = [(value, str(label)) for value, label in LEVEL_CHOICES if value <= cap]
    grid = Counter({(level, status): n for level, status, n in
                    copies_visible_to(viewer).order_by().values_list("level", "status").annotate(n=Count("id"))})
    statuses = [(value, str(label)) for value, label in CopyStatus.choices]
    rows = [{"label": label, "cells": [grid[(value, s)] for s, _l in statuses],
             "total": sum(grid[(value, s)] for s, _l in statuses)} for value, label in levels]
    by_status = [(label, sum(grid[(lv, s)] for lv, _l in levels)) for s, label in statuses]
    hidden = [Level(v).zh for v, _l in LEVEL_CHOICES if v > cap]
    return {"statuses": [label for _v, label in statuses], "rows": rows,
            "by_level": [(r["label"], r["total"]) for r in rows],
            "by_status": [pair for pair in by_status if pair[1]],
            "total": sum(r["total"] for r in rows),
            "hidden_levels": hidden}


def registrations_by_month(viewer: User, months: int = 6) -> list[tuple[str, int]]:
    """Carriers registered per month (the last `months`), among those the viewer may see."""
    from baomi.carriers.models import Carrier

    today = timezone.localdate()
    starts = []
    year, month = today.year, today.month
    for _i in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    counts = Counter(
        (d.year, d.month) for d in Carrier.objects.filter(policy.carriers_visible_to(viewer),
                                                           registered_on__gte=starts[0])
        .values_list("registered_on", flat=True))
    return [(f"{s.month}月", counts[(s.year, s.month)]) for s in starts]


def expiring_decisions(viewer: User, days: int = 30) -> list[Any]:
    """Decisions in force the viewer may see whose period ends within `days`."""
    from baomi.classification.models import DecisionStatus
    from baomi.classification.selectors import decisions_visible_to

    today = timezone.localdate()
    return list(decisions_visible_to(viewer, status=DecisionStatus.IN_FORCE)
                .filter(expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=days))
                .order_by("expires_on", "id")[:20])


def overdue(viewer: User) -> list[dict[str, Any]]:
    """The registered overdue figures (carriers, training, travel, archives… and whatever the
    modules written later register) that apply to this viewer."""
    return [{"code": p.code, "label": p.label, "value": f.value, "text": f.text, "status": f.status, "url": f.url}
            for p, f in figures.overdue_for(viewer)]


def office_dashboard(viewer: User) -> dict[str, Any] | None:
    """The secrecy office's unit-wide view, or None for everyone else."""
    if not policy.sees_unit_dashboard(viewer):
        return None
    items = overdue(viewer)
    return {
        "copies": copy_counts(viewer),
        "overdue": items,
        "overdue_chart": [(i["text"].split("：")[0], i["value"], i["status"]) for i in items],
        "registrations": registrations_by_month(viewer),
        "expiring": expiring_decisions(viewer),
        "clearance_max": Clearance(viewer.clearance).max_level.zh,
    }
