"""Importing `baomi scan --json` reports onto a device: good, malformed (nothing written),
size-limited, and the automatic rectification / incident draft on non-classified devices."""

from __future__ import annotations

import importlib
import json
import sys
import types
from typing import Any

import pytest

from baomi.devices import services
from baomi.devices.models import AlertStatus, ScanAlert, ScanReport
from baomi.errors import Invalid, Refused
from tests.devices.conftest import device


def line(path: str, *findings: dict[str, Any], status: str = "ok") -> str:
    return json.dumps({"v": 1, "path": path, "status": status, "error": None, "type": "docx", "size": 100,
                       "level": findings[0]["level"] if findings else None, "counts": {}, "findings": list(findings),
                       "omitted": 0, "problems": [], "members": 0, "elapsed_ms": 3}, ensure_ascii=False)


MARK = {"kind": "mark", "level": "SECRET", "level_zh": "机密", "location": {"part": "header", "line": 1},
        "snippet": "机密★5年", "rule": "机密★5年", "simulated": False, "strong": True}
KEYWORD = {"kind": "keyword", "level": "INTERNAL", "level_zh": "内部", "location": {"part": "body"},
           "snippet": "关于■■■■的通知", "rule": "guide:17", "simulated": False}
FINGERPRINT = {"kind": "fingerprint", "level": "WORK_SECRET", "level_zh": "工作秘密", "location": {"part": "body"},
               "snippet": "■■■■", "rule": "carrier:12", "simulated": False, "carrier_id": 12}


def _module(monkeypatch, name: str) -> Any:
    """The other helpers' module, or a stand-in while it does not exist yet."""
    try:
        return importlib.import_module(name)
    except ImportError:
        module = types.ModuleType(name)
        monkeypatch.setitem(sys.modules, name, module)
        return module


def report(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def calls(monkeypatch) -> dict[str, list[dict[str, Any]]]:
    seen: dict[str, list[dict[str, Any]]] = {"rectification": [], "incident": []}
    inspections, incidents = _module(monkeypatch, "baomi.inspections.services"), _module(
        monkeypatch, "baomi.incidents.services")

    def rectification_open(**kwargs: Any) -> Any:
        seen["rectification"].append(kwargs)
        return type("Item", (), {"pk": 41})()

    def incident_draft(**kwargs: Any) -> Any:
        seen["incident"].append(kwargs)
        return type("Item", (), {"pk": 7})()

    monkeypatch.setattr(inspections, "rectification_open", rectification_open, raising=False)
    monkeypatch.setattr(incidents, "incident_draft", incident_draft, raising=False)
    return seen


def test_good_report_is_stored_with_masked_snippets(office):
    pc = device(office, "JY-PC-01")
    got = services.scan_import(actor=office.lijianhua, device=pc, data=report(
        line("/home/a/通知.docx", MARK, KEYWORD), line("/home/a/空.txt"), line("/home/a/旧.doc", status="unsupported")))
    assert (got.files, got.files_with_findings, got.highest_level) == (3, 1, 4)
    kept = got.summary[0]["findings"]
    assert [f["snippet"] for f in kept] == ["机密★5年", "关于■■■■的通知"]
    assert not ScanAlert.objects.exists()  # a classified computer may hold 机密 files


@pytest.mark.parametrize(("data", "message"), [
    (b'{"v": 1, "path": "/a", "status": "ok"}\nnot json\n', "第 3 行不是有效的 JSON"),
    (b'{"v": 2, "path": "/a", "status": "ok"}\n', "v 须为 1"),
    (b'{"v": 1, "status": "ok"}\n', "缺少 path"),
    (b'{"v": 1, "path": "/a", "status": "ok", "findings": [{"kind": "weird"}]}\n', "无法识别的发现"),
    (b'{"v": 1, "path": "/a", "status": "ok", "findings": [{"kind": "mark", "level": "X"}]}\n', "密级无法识别"),
    (report(line("/a", {**MARK, "text": "机密★5年"})), "未遮蔽"),
    (b"\xff\xfe\x00", "UTF-8"),
])
def test_malformed_report_writes_nothing(office, data, message):
    pc = device(office, "GH-PC-02", kind="plain_pc", network="intranet", level=2, unit="planning",
                custodian=office.zhoujing)
    with pytest.raises(Invalid, match=message):
        services.scan_import(actor=office.lijianhua, device=pc, data=report(line("/ok", MARK)) + data)
    assert not ScanReport.objects.exists() and not ScanAlert.objects.exists()


def test_report_size_is_limited(office, settings):
    settings.BAOMI_DEVICE_SCAN_MAX_BYTES = 100
    pc = device(office, "JY-PC-01")
    with pytest.raises(Invalid, match="过大"):
        services.scan_import(actor=office.lijianhua, device=pc, data=report(line("/a", MARK)))
    with pytest.raises(Invalid, match="为空"):
        services.scan_import(actor=office.lijianhua, device=pc, data=b"\n")
    assert not ScanReport.objects.exists()


def test_only_the_secrecy_office_imports(office):
    pc = device(office, "GH-PC-01", level=3, custodian=office.zhoujing, unit="planning")
    with pytest.raises(Refused):
        services.scan_import(actor=office.zhoujing, device=pc, data=report(line("/a")))


def test_state_secret_mark_on_a_non_classified_device_opens_rectification_and_incident(office, calls):
    pc = device(office, "GH-PC-02", kind="plain_pc", network="intranet", level=2, unit="planning",
                custodian=office.zhoujing)
    got = services.scan_import(actor=office.lijianhua, device=pc, data=report(
        line("/home/z/规划.docx", MARK), line("/home/z/内部.txt", KEYWORD)))
    assert len(calls["rectification"]) == 1 and len(calls["incident"]) == 1
    rect, incident = calls["rectification"][0], calls["incident"][0]
    assert rect["unit"] == office.units["planning"] and rect["owner"] == office.zhoujing
    assert rect["source"] == "devices.scan" and "GH-PC-02" in rect["title"] and rect["due_on"] is None
    assert incident["level"] == 4 and incident["people"] == [office.zhoujing]
    assert incident["source_ref"] == rect["source_ref"]
    alert = ScanAlert.objects.get(report=got)
    assert (alert.status, alert.rectification_ref, alert.incident_ref) == (AlertStatus.OPENED, "41", "7")


def test_fingerprint_on_a_non_classified_device_opens_rectification_only(office, calls):
    pc = device(office, "BGS-NET-01", kind="internet_pc", network="internet", level=0, unit="office",
                custodian=office.liumin)
    services.scan_import(actor=office.lijianhua, device=pc, data=report(line("/d/摘录.txt", FINGERPRINT)))
    assert len(calls["rectification"]) == 1 and calls["incident"] == []


def test_a_mark_beyond_the_listed_findings_still_raises_the_alert(office, calls):
    """Only 50 findings are kept per file and a scan lists 1,000: the record's `levels`
    count them all, so a 机密 mark after many keywords (or a count-only report) is seen."""
    pc = device(office, "GH-PC-02", kind="plain_pc", network="intranet", level=2, unit="planning",
                custodian=office.zhoujing)
    crowded = json.loads(line("/home/z/长文.docx", *[KEYWORD] * 60))
    crowded |= {"level": "SECRET", "levels": {"SECRET": {"mark": 1}, "INTERNAL": {"keyword": 1060}}, "omitted": 1001}
    counted = json.loads(line("/home/z/计数.txt"))
    counted |= {"level": "TOP_SECRET", "levels": {"TOP_SECRET": {"fingerprint": 1}}, "counts": {"fingerprint": 1}}
    got = services.scan_import(actor=office.lijianhua, device=pc, data=report(
        json.dumps(crowded, ensure_ascii=False), json.dumps(counted, ensure_ascii=False)))
    assert (got.files_with_findings, got.highest_level) == (2, 5)
    assert len(got.summary[0]["findings"]) == services.MAX_FINDINGS_KEPT
    alerts = {a.path: (a.level, a.fingerprint) for a in ScanAlert.objects.filter(report=got)}
    assert alerts == {"/home/z/长文.docx": (4, False), "/home/z/计数.txt": (5, True)}
    assert [kw["level"] for kw in calls["incident"]] == [4, 5]


@pytest.mark.parametrize("levels", [[], {"X": {"mark": 1}}, {"SECRET": {"weird": 1}}, {"SECRET": {"mark": -1}},
                                    {"SECRET": ["mark"]}])
def test_malformed_levels_are_refused(office, levels):
    pc = device(office, "JY-PC-01")
    bad = json.loads(line("/a", MARK)) | {"levels": levels}
    with pytest.raises(Invalid, match="levels"):
        services.scan_import(actor=office.lijianhua, device=pc, data=report(json.dumps(bad)))
    assert not ScanReport.objects.exists()


def test_without_the_other_modules_the_finding_is_kept_pending(office, monkeypatch):
    monkeypatch.delattr(_module(monkeypatch, "baomi.inspections.services"), "rectification_open", raising=False)
    monkeypatch.delattr(_module(monkeypatch, "baomi.incidents.services"), "incident_draft", raising=False)
    pc = device(office, "GH-PC-02", kind="plain_pc", network="intranet", level=2, unit="planning",
                custodian=office.zhoujing)
    got = services.scan_import(actor=office.lijianhua, device=pc, data=report(line("/x.docx", MARK)))
    alert = ScanAlert.objects.get(report=got)
    assert alert.status == AlertStatus.PENDING and alert.get_status_display() == "待整改"


def test_with_the_real_modules_a_rectification_and_an_incident_are_opened(office):
    inspections = pytest.importorskip("baomi.inspections.models")
    incidents = pytest.importorskip("baomi.incidents.models")
    pc = device(office, "GH-PC-02", kind="plain_pc", network="intranet", level=2, unit="planning",
                custodian=office.sunwei)
    got = services.scan_import(actor=office.lijianhua, device=pc, data=report(line("/home/z/规划.docx", MARK)))
    alert = ScanAlert.objects.get(report=got)
    assert alert.status == AlertStatus.OPENED
    rect = inspections.Rectification.objects.get(source="devices.scan")
    assert str(rect.pk) == alert.rectification_ref and "GH-PC-02" in rect.title
    incident = incidents.Incident.objects.get(source="devices.scan")
    assert str(incident.pk) == alert.incident_ref and incident.level == 4
