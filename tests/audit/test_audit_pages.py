"""Reading the log on the web: who sees what (三员分立), filters, CSV export, chain badge."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings

from baomi.audit import services as audit_services
from baomi.audit.models import AuditEvent, ChainHead
from baomi.audit.selectors import EventFilter, events_visible_to
from baomi.audit.services import record
from tests.audit.conftest import ROLES, visible_seqs
from tests.conftest import login

HEADER = ["序号", "时间", "操作人", "角色", "动作", "对象类型", "对象", "密级", "摘要", "结果", "客户端地址", "哈希"]


def log_state() -> tuple:
    h = ChainHead.objects.get(pk=1)
    return list(AuditEvent.objects.order_by("seq").values_list("seq", "hash", "summary")), h.seq, h.hash


def page_seqs(response) -> set[int]:
    return {e.seq for e in response.context["page"].object_list}


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


# ---------------------------------------------------------------- who sees what


@pytest.mark.parametrize("role", ROLES)
def test_selector_applies_separation_of_duties(cast, role):
    seen = set(events_visible_to(cast[role]).values_list("seq", flat=True))
    assert seen == visible_seqs(role)
    if role == "auditor":
        assert seen == set(AuditEvent.objects.values_list("seq", flat=True))
    if role == "secadmin":
        assert seen
        assert not AuditEvent.objects.filter(seq__in=seen).exclude(actor_admin_role="").exists()
        # Its own actions are among the hidden ones.
        assert AuditEvent.objects.filter(actor_username="fengxue").exists()
        assert not AuditEvent.objects.filter(seq__in=seen, actor_username="fengxue").exists()


def test_inactive_auditor_sees_nothing(cast):
    auditor = cast["auditor"]
    auditor.is_active = False
    assert not events_visible_to(auditor).exists()


@pytest.mark.parametrize("role", ROLES)
def test_audit_page(client, cast, role):
    login(client, cast[role])
    response = client.get("/audit/")
    if role in ("auditor", "secadmin"):
        assert response.status_code == 200
        assert page_seqs(response) == visible_seqs(role)
        content = response.content.decode()
        assert ("新建单位 财务科" in content) is (role == "auditor")  # the system administrator's action
        assert "创建 API 令牌 脚本" in content  # an ordinary person's action
    else:
        assert response.status_code == 403
        assert "三员分立" in response.content.decode()
        assert "新建单位 财务科" not in response.content.decode()


def test_audit_pages_need_a_login(client, cast):
    for url in ("/audit/", "/audit/export.csv", "/audit/status/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login" in response["Location"]


def test_administrator_must_pass_the_second_factor(client, cast):
    client.force_login(cast["auditor"])  # password only
    response = client.get("/audit/")
    assert response.status_code == 302
    assert "/accounts/otp" in response["Location"]


def test_page_paginates(client, cast):
    for i in range(60):
        record(actor=cast["staff"], action="test.many", summary=f"批量 {i}")
    login(client, cast["auditor"])
    first = client.get("/audit/")
    assert len(first.context["page"].object_list) == 50
    second = client.get("/audit/", {"page": 2})
    assert page_seqs(first) | page_seqs(second) == visible_seqs("auditor")
    assert max(page_seqs(second)) < min(page_seqs(first))  # newest first


# ---------------------------------------------------------------- filters


@pytest.fixture
def dated(cast, monkeypatch):
    """Events on known local dates (Asia/Shanghai by default), by two people."""
    tz = ZoneInfo(django_settings.TIME_ZONE)
    moments = {
        "nov01": datetime(2026, 11, 1, 9, 0, tzinfo=tz),
        "nov15": datetime(2026, 11, 15, 0, 0, tzinfo=tz),
        "nov20-late": datetime(2026, 11, 20, 23, 59, 59, tzinfo=tz),
        "nov21": datetime(2026, 11, 21, 0, 0, tzinfo=tz),
    }
    for name, moment in moments.items():
        monkeypatch.setattr(audit_services, "now_us", lambda m=moment: int(m.timestamp() * 1_000_000))
        record(actor=cast["staff"], action="test.dated", summary=f"dated {name}")
        record(actor=cast["officer"], action="test.dated", summary=f"dated {name} officer", outcome="denied")
    monkeypatch.undo()
    return moments


def _summaries(response) -> set[str]:
    return {e.summary for e in response.context["page"].object_list}


def test_filter_by_date_range_on_the_page(client, dated, cast):
    login(client, cast["auditor"])
    response = client.get("/audit/", {"since": "2026-11-15", "until": "2026-11-20", "action": "test.dated"})
    assert _summaries(response) == {
        "dated nov15", "dated nov15 officer", "dated nov20-late", "dated nov20-late officer",
    }
    response = client.get("/audit/", {"until": "2026-11-01", "action": "test.dated"})
    assert _summaries(response) == {"dated nov01", "dated nov01 officer"}
    response = client.get("/audit/", {"since": "2026-11-21", "action": "test.dated"})
    assert _summaries(response) == {"dated nov21", "dated nov21 officer"}


def test_filter_by_actor_action_and_outcome_on_the_page(client, dated, cast):
    login(client, cast["auditor"])
    response = client.get("/audit/", {"actor": "zhoujing"})
    assert {e.actor_username for e in response.context["page"].object_list} == {"zhoujing"}
    theirs = AuditEvent.objects.filter(actor_username="zhoujing").values_list("seq", flat=True)
    assert page_seqs(response) == set(theirs)
    response = client.get("/audit/", {"action": "unit."})  # a prefix: every unit action
    assert {e.action for e in response.context["page"].object_list} == {"unit.create"}
    response = client.get("/audit/", {"outcome": "denied", "actor": "zhaolei", "action": "test.dated"})
    assert len(_summaries(response)) == 4
    assert all(s.endswith("officer") for s in _summaries(response))
    response = client.get("/audit/", {"actor": "nobody"})
    assert page_seqs(response) == set()
    assert "没有符合条件的事件" in response.content.decode()


def test_filter_by_object(client, cast):
    login(client, cast["auditor"])
    staff = cast["staff"]
    response = client.get("/audit/", {"object_type": "user", "object_id": str(staff.pk)})
    assert page_seqs(response) == set(
        AuditEvent.objects.filter(object_type="user", object_id=str(staff.pk)).values_list("seq", flat=True)
    )
    assert {e.action for e in response.context["page"].object_list} == {"clearance.set"}


def test_filters_never_widen_what_a_reader_may_see(client, dated, cast):
    login(client, cast["secadmin"])
    response = client.get("/audit/", {"actor": "qianyong"})  # the system administrator
    assert page_seqs(response) == set()
    response = client.get("/audit/", {"action": "unit.create"})
    assert {e.actor_username for e in response.context["page"].object_list} == {"zhaolei"}  # the refused try


def test_bad_filter_value_is_shown_and_the_rest_still_applies(client, dated, cast):
    login(client, cast["auditor"])
    response = client.get("/audit/", {"actor": "zhoujing", "since": "2026-13-45"})
    assert response.status_code == 200
    assert response.context["form"].errors["since"]
    assert "errorlist" in response.content.decode()
    assert {e.actor_username for e in response.context["page"].object_list} == {"zhoujing"}


def test_selector_filters(cast, dated):
    auditor = cast["auditor"]
    tz = ZoneInfo(django_settings.TIME_ZONE)
    got = events_visible_to(auditor, EventFilter(
        actor="zhoujing", action="test.", since=datetime(2026, 11, 15, tzinfo=tz),
        until=datetime(2026, 11, 21, tzinfo=tz),
    ))
    assert [e.summary for e in got] == ["dated nov20-late", "dated nov15"]  # newest first
    assert events_visible_to(auditor, EventFilter(outcome="denied", action="test.dated")).count() == 4


# ---------------------------------------------------------------- CSV export


@pytest.mark.parametrize("role", ["auditor", "secadmin"])
def test_csv_export(client, cast, role):
    reader = cast[role]
    login(client, reader)  # (a login is itself an event)
    expected = visible_seqs(role)
    response = client.get("/audit/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="audit-events.csv"'
    rows = read_csv(response)
    assert rows[0] == HEADER
    assert {int(r[0]) for r in rows[1:]} == expected
    assert [int(r[0]) for r in rows[1:]] == sorted(expected, reverse=True)
    # The export is itself audited, with the number of rows the file holds.
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor_username == reader.username
    assert export.summary == f"导出审计日志 CSV（{len(rows) - 1} 条）"
    assert export.seq not in {int(r[0]) for r in rows[1:]}
    by_seq = {int(r[0]): r for r in rows[1:]}
    event = AuditEvent.objects.filter(seq__in=expected).order_by("-seq").first()
    assert by_seq[event.seq][2] == event.actor_username
    assert by_seq[event.seq][8] == event.summary
    assert by_seq[event.seq][11] == event.hash


def test_csv_export_applies_the_filter(client, dated, cast):
    login(client, cast["auditor"])
    response = client.get("/audit/export.csv", {"actor": "zhoujing", "since": "2026-11-15", "until": "2026-11-20"})
    rows = read_csv(response)
    assert [r[8] for r in rows[1:]] == ["dated nov20-late", "dated nov15"]
    assert [r[1][:10] for r in rows[1:]] == ["2026-11-20", "2026-11-15"]  # local time
    export = AuditEvent.objects.get(action="audit.export")
    assert export.summary == "导出审计日志 CSV（2 条）"
    assert '"actor":"zhoujing"' in export.details


def test_csv_export_with_a_bad_filter_exports_nothing(client, cast):
    login(client, cast["auditor"])
    before = AuditEvent.objects.count()
    response = client.get("/audit/export.csv", {"since": "yesterday"})
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_csv_cells_that_look_like_formulas_stay_text(client, cast):
    record(actor=cast["staff"], action="test.formula", summary='=HYPERLINK("http://evil.example","点我")')
    record(actor=cast["staff"], action="test.formula", summary="-1+1", object_id="@SUM(A1)")
    login(client, cast["auditor"])
    rows = read_csv(client.get("/audit/export.csv", {"action": "test.formula"}))
    assert [(r[6], r[8]) for r in rows[1:]] == [("'@SUM(A1)", "'-1+1"), ("", '\'=HYPERLINK("http://evil.example","点我")')]


@pytest.mark.parametrize("role", ["sysadmin", "staff", "officer"])
def test_csv_export_refused_to_others_and_only_the_refusal_written(client, cast, role):
    login(client, cast[role])
    before, _seq, _hash = log_state()
    response = client.get("/audit/export.csv")
    assert response.status_code == 403
    after = list(AuditEvent.objects.order_by("seq").values_list("seq", "hash", "summary"))
    assert after[: len(before)] == before
    [refusal] = AuditEvent.objects.filter(seq__gt=len(before))
    assert (refusal.action, refusal.outcome, refusal.actor_id) == ("audit.read", "denied", cast[role].pk)
    assert "三员分立" in refusal.summary and "/audit/export.csv" in refusal.details


# ---------------------------------------------------------------- chain badge


@pytest.mark.parametrize("role", ROLES)
def test_chain_badge(client, cast, role):
    login(client, cast[role])
    response = client.get("/audit/status/")
    if role in ("auditor", "secadmin"):
        assert response.status_code == 200
        content = response.content.decode()
        assert "审计链完整" in content
        assert f"{AuditEvent.objects.count()} 条事件" in content
    else:
        assert response.status_code == 403


def test_chain_badge_shows_tampering(client, cast, tamper):
    AuditEvent.objects.filter(seq=2).update(summary="改过")
    login(client, cast["auditor"])
    content = client.get("/audit/status/").content.decode()
    assert "审计链校验失败" in content
    assert "事件 #2 的内容被改动" in content


# ---------------------------------------------------------------- no way to change the log


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/audit/", "/audit/export.csv", "/audit/status/", "/audit/1/", "/audit/1/delete/",
                                 "/admin/", "/admin/audit/auditevent/1/delete/"])
def test_no_page_changes_the_log(client, cast, method, url):
    login(client, cast["auditor"])
    before = log_state()
    getattr(client, method)(url, {"seq": "1", "summary": "改"} if method == "post" else None)
    rows, _seq, _hash = log_state()
    assert rows[: len(before[0])] == before[0]  # every existing event exactly as it was
    # Reading pages answer any method; the only thing they ever add is the export's own event.
    assert set(AuditEvent.objects.filter(seq__gt=before[1]).values_list("action", flat=True)) <= {"audit.export"}


def test_times_shown_are_local(client, cast, monkeypatch):
    moment = datetime(2026, 11, 27, 1, 30, tzinfo=ZoneInfo("UTC"))
    monkeypatch.setattr(audit_services, "now_us", lambda: int(moment.timestamp() * 1_000_000))
    record(actor=cast["staff"], action="test.clock", summary="时间")
    monkeypatch.undo()
    login(client, cast["auditor"])
    content = client.get("/audit/", {"action": "test.clock"}).content.decode()
    local = moment.astimezone(ZoneInfo(django_settings.TIME_ZONE))
    assert local.strftime("%Y-%m-%d %H:%M:%S") in content
