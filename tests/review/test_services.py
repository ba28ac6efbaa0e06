"""content_check and rules_bundle_export through the services."""

from __future__ import annotations

import pytest

from baomi.errors import Invalid, Refused
from baomi.levels import Level
from baomi.review import services
from baomi.review.models import ContentCheck, Result
from tests.review.conftest import events, everything_stored
from tests.scanner.corpus import raw_docx

pytestmark = pytest.mark.django_db


def test_docx_marked_secret_for_publication_is_refused_and_audited(zhoujing, entries, tmp_path):
    data = raw_docx(tmp_path / "通知.docx", ["关于召开年度工作会议的通知", "请各科室按时参加。"],
                    header="机密★5年").read_bytes()
    with pytest.raises(Refused) as caught:
        services.content_check(actor=zhoujing, data=data, filename="通知.docx", purpose="publication")
    assert caught.value.recorded
    check = ContentCheck.objects.get()
    assert check.result == Result.REFUSED and check.level == Level.SECRET
    assert "不得公开发布" in check.reason
    assert check.findings[0]["kind"] == "mark" and check.findings[0]["location"]["part"] == "header"
    (event,) = events("review.check", "denied")
    assert event.object_id == str(check.pk) and "通知" not in event.summary


def test_clean_text_is_clear(zhoujing, entries):
    check = services.content_check(actor=zhoujing, text="今天天气晴，请大家注意防暑。", purpose="publication")
    assert check.result == Result.CLEAR and check.findings == [] and check.level is None
    assert events("review.check")[0].object_id == str(check.pk)


def test_guide_keyword_found_with_masked_snippet_and_never_stored(zhoujing, entries):
    check = services.content_check(actor=zhoujing, text="下周讨论城市规划草案的进度安排", filename="规划说明.txt",
                                   purpose="send")
    assert check.result == Result.FINDINGS and check.level == Level.SECRET
    kinds = {(f["kind"], f["level"]) for f in check.findings}
    assert kinds == {("keyword", "SECRET")}
    assert all("■" in f["snippet"] for f in check.findings)
    assert check.filename == "■■说明.txt"
    stored = everything_stored()
    assert "规划" not in stored and "草案" not in stored


def test_declared_internal_but_marked_confidential_is_refused(zhoujing, entries):
    with pytest.raises(Refused, match="不得降级"):
        services.content_check(actor=zhoujing, text="秘密★\n关于预算调整的说明", purpose="other",
                               declared_level="内部")
    check = ContentCheck.objects.get()
    assert check.result == Result.REFUSED and check.declared_level == Level.INTERNAL
    assert check.level == Level.CONFIDENTIAL and check.findings[0]["rule"].startswith("秘密")


def test_a_higher_mark_beyond_the_listed_findings_is_still_refused(zhoujing, entries):
    """A scan lists 1,000 findings per file: a 绝密 mark after 1,000 秘密 marks still makes
    the content 绝密, and declaring it 机密 is a write-down."""
    text = "秘密★\n" * 1000 + "正文\n绝密★\n"
    with pytest.raises(Refused, match="不得降级"):
        services.content_check(actor=zhoujing, text=text, purpose="other", declared_level="机密")
    check = ContentCheck.objects.get()
    assert check.result == Result.REFUSED and check.level == Level.TOP_SECRET
    assert {f["level"] for f in check.findings} == {"CONFIDENTIAL"}  # the 绝密 one is counted, not listed
    assert check.finding_count == 1001


def test_work_secret_mark_for_publication_is_refused(zhoujing, entries):
    with pytest.raises(Refused, match="工作秘密"):
        services.content_check(actor=zhoujing, text="内部事项 注意保管\n会议安排如下", purpose="publication")
    assert ContentCheck.objects.get().result == Result.REFUSED


def test_linked_decision_in_force_is_refused_via_release_check(zhoujing, budget):
    with pytest.raises(Refused, match="仍为国家秘密"):
        services.content_check(actor=zhoujing, text="今天天气晴", purpose="publication", decision=budget)
    check = ContentCheck.objects.get()
    assert check.result == Result.REFUSED and check.decision_id == budget.pk
    assert events("classification.release_check", "denied")
    assert events("review.check", "denied")


def test_oversize_is_invalid_and_nothing_stored(zhoujing, entries):
    before = len(events("review.check")) + len(events("review.check", "denied"))
    with pytest.raises(Invalid, match="20 MB"):
        services.content_check(actor=zhoujing, data=b"a" * (services.MAX_BYTES + 1), filename="big.txt")
    assert not ContentCheck.objects.exists()
    assert len(events("review.check")) + len(events("review.check", "denied")) == before


def test_bad_input_is_invalid(zhoujing, entries):
    with pytest.raises(Invalid):
        services.content_check(actor=zhoujing, text="a", data=b"a")
    with pytest.raises(Invalid):
        services.content_check(actor=zhoujing, text="a", purpose="nonsense")
    with pytest.raises(Invalid):
        services.content_check(actor=zhoujing, text="a", declared_level="很高")
    assert not ContentCheck.objects.exists()


def test_administrators_are_refused(sysadmin, entries):
    with pytest.raises(Refused):
        services.content_check(actor=sysadmin, text="今天天气晴")
    assert events("review.check", "denied") and not ContentCheck.objects.exists()


def test_bundle_export_for_the_secrecy_officer_loads(officer, entries, tmp_path):
    from baomi.scanner import Scanner, load_rules

    payload = services.rules_bundle_export(actor=officer)
    path = tmp_path / "rules.bundle"
    path.write_bytes(payload)
    rules = load_rules(path)
    assert {(r.keyword, r.level) for r in rules.keywords} == {("规划", Level.SECRET), ("草案", Level.SECRET)}
    assert rules.fingerprints == []
    assert Scanner(rules).scan_text("规划").max_level == Level.SECRET
    (event,) = events("review.rules_export")
    assert "规划" not in event.summary and event.details.find("规划") == -1


def test_bundle_export_refused_for_staff_and_administrators(zhoujing, sysadmin, secadmin, auditor, entries):
    for actor in (zhoujing, sysadmin, secadmin, auditor):
        with pytest.raises(Refused):
            services.rules_bundle_export(actor=actor)
    assert len(events("review.rules_export", "denied")) == 4


def test_exported_bundle_is_signed_by_the_key_offered_for_download(officer, entries, tmp_path):
    from baomi.scanner.rules import RulesError, load_public_key, load_rules

    path = tmp_path / "rules.bundle"
    path.write_bytes(services.rules_bundle_export(actor=officer))
    (tmp_path / "k.pub").write_bytes(services.rules_public_key_pem())
    assert load_rules(path, verify_key=load_public_key(tmp_path / "k.pub")).keywords
    (event,) = events("review.rules_export")
    assert event.details.find("key_id") != -1
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    with pytest.raises(RulesError):
        load_rules(path, verify_key=Ed25519PrivateKey.generate().public_key())
