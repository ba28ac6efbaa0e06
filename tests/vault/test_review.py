"""Issue 5: a 保密审查 content check recognises the content of a registered electronic carrier,
saying how similar it is, and names the carrier's register number only to those who may see it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from baomi.audit.models import AuditEvent
from baomi.review import services as review
from baomi.review.models import ContentCheck, Result
from baomi.vault import services
from tests.conftest import login
from tests.vault.conftest import REPORT

pytestmark = pytest.mark.django_db


def matches(check: ContentCheck) -> list[dict]:
    return [f for f in check.findings if f["kind"] == "fingerprint"]


def test_a_checked_excerpt_matches_registered_content(office, work):
    services.content_upload(actor=office.wangfang, carrier=work, data=REPORT.encode(), filename="报告.txt")
    check = review.content_check(actor=office.zhoujing, text="转发如下：" + REPORT[40:330], purpose="send")
    (match,) = matches(check)
    assert check.result == Result.FINDINGS and match["carrier"] == work.pk and match["similarity"] >= 0.9
    assert match["message"].startswith("与一份已登记的涉密电子载体高度相似（") and match["message"].endswith("%）")
    page = login(Client(), office.zhoujing).get(f"/review/{check.pk}/").content.decode()
    assert "与一份已登记的涉密电子载体高度相似" in page and work.register_no in page and work.title not in page


def test_a_checker_who_may_not_see_the_carrier_learns_neither_title_nor_register_number(office, work):
    services.content_upload(actor=office.wangfang, carrier=work, data=REPORT.encode(), filename="报告.txt")
    check = review.content_check(actor=office.zhengli, text=REPORT, purpose="send")
    assert len(matches(check)) == 1
    page = login(Client(), office.zhengli).get(f"/review/{check.pk}/").content.decode()
    assert "与一份已登记的涉密电子载体高度相似（100%）" in page
    assert work.register_no not in page and work.title not in page
    stored = json.dumps([check.findings, list(AuditEvent.objects.values_list("summary", "details"))],
                        ensure_ascii=False)
    assert work.title not in stored
    # The 保密员 reviewing that check may see the carrier: the register number is shown to them.
    page = login(Client(), office.lijianhua).get(f"/review/{check.pk}/").content.decode()
    assert work.register_no in page and work.title not in page


def test_below_the_threshold_or_unrelated_text_is_not_reported(office, work):
    services.content_upload(actor=office.wangfang, carrier=work, data=REPORT.encode(), filename="报告.txt")
    filler = "今天天气晴，请大家注意防暑降温，按时上下班，注意交通安全。" * 80
    check = review.content_check(actor=office.zhoujing, text=filler + REPORT[100:175] + filler, purpose="send")
    assert matches(check) == [] and check.result == Result.CLEAR
    assert matches(review.content_check(actor=office.zhoujing, text=filler, purpose="send")) == []


def test_each_carrier_is_reported_once_for_its_most_similar_version(office, work):
    services.content_upload(actor=office.wangfang, carrier=work, data=REPORT.encode(), filename="报告.txt")
    services.content_upload(actor=office.wangfang, carrier=work, data=REPORT[:200].encode(), filename="节选.txt")
    check = review.content_check(actor=office.zhoujing, text=REPORT, purpose="send")
    (match,) = matches(check)
    assert match["similarity"] == 1.0 and check.finding_count == 1


def test_exported_rules_bundle_carries_the_fingerprints_the_exporter_may_see(office, work, tmp_path):
    """`baomi scan` on an air-gapped station recognises registered content too (issue 5)."""
    from baomi.scanner import Scanner
    from baomi.scanner.rules import load_rules
    from baomi.vault.selectors import scanner_fingerprints

    services.content_upload(actor=office.wangfang, carrier=work, data=REPORT.encode(), filename="报告.txt")
    path = tmp_path / "rules.bundle"
    path.write_bytes(review.rules_bundle_export(actor=office.lijianhua))
    rules = load_rules(path)
    assert [f.carrier_id for f in rules.fingerprints] == [f"carrier:{work.pk}"]
    result = Scanner(rules).scan_text("转发如下：" + REPORT[40:330])
    assert any(f.kind.value == "fingerprint" for f in result.findings)
    assert scanner_fingerprints(office.zhengli) == []  # not cleared: not in any bundle they could export
