"""The 制度落实 report (ORG-08: the unit's secrecy information, collected for the report to
the 保密工作部门): every rule, how it is embodied and its live figure, as CSV. Counts only,
never titles; the export is recorded in the audit log with what it counted."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from baomi.audit.services import atomic_action, record
from baomi.compliance import selectors

if TYPE_CHECKING:
    from baomi.accounts.models import User


def report_export(*, actor: User) -> tuple[bytes, str]:
    """(CSV bytes with a BOM for spreadsheet programs, file name)."""
    with atomic_action(actor, "compliance.report.export"):
        rows = selectors.rule_rows(actor)  # refuses anyone without the page
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_("规则"), _("标题"), _("分组"), _("落实情况"), _("落实方式"), _("实时数字"), _("状态"),
                         _("功能或原因")])
        for row in rows:
            rule = row.rule
            if rule.state == "out" and rule.out is not None:
                feature = rule.out.tests[0] if rule.out.tests else rule.out.feature
            else:
                feature = " / ".join(e.feature for e in rule.embodiments)
            writer.writerow([rule.id, rule.title, row.group_name, row.state_label, " ".join(rule.words),
                             row.figure.text if row.figure else "", row.figure.status if row.figure else "", feature])
        summary = selectors.summary(rows)
        record(actor=actor, action="compliance.report.export", summary=_("导出制度落实情况报告"),
               details={"rules": summary["total"], "figures": summary["figures"],
                        "statuses": dict(summary["statuses"])})
    name = f"compliance-{timezone.localdate().isoformat()}.csv"
    return ("\ufeff" + out.getvalue()).encode("utf-8"), name
