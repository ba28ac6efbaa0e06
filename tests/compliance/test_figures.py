"""Live figures computed through the modules' selectors, on small data."""

from __future__ import annotations

import datetime

from django.utils import timezone

from baomi.compliance import builtin, figures, selectors
from baomi.compliance.figures import Figure
from tests.carriers.conftest import register
from tests.compliance.conftest import overdue_reading


def test_top_secret_past_the_end_of_the_day_is_in_carrier_06(office):
    assert builtin.top_secret_out_past_the_day(office.topofficer).value == 0
    overdue_reading(office, mark="绝密★长期", reader_name="chen")
    figure = figures.compute("CARRIER-06", office.topofficer)
    assert figure is not None and figure.value == 1 and figure.status == "bad"
    assert figure.text == "绝密随阅随退：1 份超过当日应还时间未退回"
    assert "绝密通知甲" not in figure.text  # counts, never titles
    # An officer cleared 重要 may not know 绝密: no figure at all (not even a zero), and the
    # overdue count of copies out leaves the 绝密 copy out.
    assert figures.compute("CARRIER-06", office.lijianhua) is None
    assert builtin.out_overdue(office.lijianhua).value == 0
    assert builtin.out_overdue(office.topofficer).value == 1


def test_secret_copy_out_counts_for_every_officer_but_not_above_clearance(office):
    overdue_reading(office, mark="机密★5年", reader_name="sunwei")
    overdue_reading(office, mark="绝密★长期", reader_name="chen")
    assert builtin.out_overdue(office.lijianhua).value == 1
    assert builtin.out_overdue(office.topofficer).value == 2
    # 赵磊 (一般) may know 秘密 only: neither copy is counted.
    assert builtin.out_overdue(office.zhaolei).value == 0
    # the reader's own view: their own copy only
    assert builtin.out_overdue(office.sunwei).value == 1 and builtin.out_overdue(office.zhoujing).value == 0


def test_administrators_get_no_classified_figures(office):
    overdue_reading(office, mark="机密★5年", reader_name="sunwei")
    for admin in (office.secadmin, office.sysadmin, office.auditor):
        for code in ("CARRIER-06", "CARRIER-10", "CARRIER-16", "CARRIER-17", "CLASS-07", "PERS-07", "ARCH-07"):
            assert figures.compute(code, admin) is None, (admin.admin_role, code)
    # the personnel register's statuses are not classified: the security administrator sees them
    assert figures.compute("PERS-02", office.secadmin) is not None
    assert figures.compute("PERS-02", office.sysadmin) is None


def test_hand_back_overdue_and_due_this_month(office):
    today = timezone.localdate()
    register(office.wangfang, mark="秘密★1年", copies=2, people=[office.sunwei],
             return_by=today - datetime.timedelta(days=3))
    figure = builtin.hand_back_overdue(office.lijianhua)
    assert figure is not None and figure.value == 2 and figure.status == "bad"
    assert builtin.hand_back_overdue(office.zhengli).value == 0  # not in the need-to-know, 非涉密


def test_fifteen_rules_at_least_have_figures_and_all_are_known_rules():
    from baomi.compliance import catalogue

    known = {r.id for r in catalogue.rules()}
    rule_codes = [code for code in figures.registered() if code in known]
    assert len(rule_codes) >= 15
    assert {c for c, _f, _o in builtin.BUILTIN} <= known


def test_registry_lets_a_later_module_add_its_figure_and_isolates_failures(office):
    saved = figures.registered()
    figures.register("INSP-05", lambda viewer: Figure(3, "整改逾期：3 项", "bad"), label="整改", overdue=True)

    def broken(viewer):
        raise RuntimeError("boom")

    figures.register("INC-01", broken)
    try:
        rows = {row.rule.id: row for row in selectors.rule_rows(office.lijianhua)}
        assert rows["INSP-05"].figure == Figure(3, "整改逾期：3 项", "bad")
        assert rows["INC-01"].figure is None and rows["INC-01"].has_figure
        assert any(item["code"] == "INSP-05" for item in selectors.overdue(office.lijianhua))
    finally:
        figures._PROVIDERS.clear()
        figures._PROVIDERS.update(saved)


def test_modules_written_alongside_are_included_only_if_importable(office):
    assert builtin._optional("nosuchmodule", "overdue_count") is None
    assert builtin._optional("carriers", "no_such_selector") is None
    for code, _fn, module, name in builtin.OPTIONAL:
        assert (code in figures.registered()) == (builtin._optional(module, name) is not None)
    for admin in (office.secadmin, office.auditor):
        assert builtin.rectifications_overdue(admin) is None and builtin.incident_reports_overdue(admin) is None


def test_copy_counts_by_level_and_status_hide_levels_above_clearance(office):
    overdue_reading(office, mark="机密★5年", reader_name="sunwei")
    overdue_reading(office, mark="绝密★长期", reader_name="chen")
    register(office.wangfang, mark="秘密★1年", copies=3, people=[office.sunwei])
    counts = selectors.copy_counts(office.lijianhua)
    labels = [row["label"] for row in counts["rows"]]
    assert "绝密" not in labels and counts["hidden_levels"] == ["绝密"]
    assert counts["total"] == 4  # 1 机密 circulating + 3 秘密 in custody
    by_level = dict(counts["by_level"])
    assert by_level["机密"] == 1 and by_level["秘密"] == 3
    assert dict(counts["by_status"]) == {"在册保管": 3, "传阅中": 1}
    top = selectors.copy_counts(office.topofficer)
    assert top["total"] == 5 and top["hidden_levels"] == []
