"""Reading the log through the API (`/api/v1/audit/`): separation of duties, filters, and
no way to change it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from baomi.accounts.services import token_create
from baomi.audit import services as audit_services
from baomi.audit.models import AuditEvent, ChainHead
from baomi.audit.services import record
from tests.audit.conftest import ROLES, visible_seqs

EVENTS = "/api/v1/audit/events"
STATUS = "/api/v1/audit/status"


@pytest.fixture
def bearer(cast):
    """An `Authorization` header per role, from a personal token made by the service."""
    return {role: {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=cast[role], name='api')[1]}"} for role in ROLES}


def log_state() -> tuple:
    h = ChainHead.objects.get(pk=1)
    return list(AuditEvent.objects.order_by("seq").values_list("seq", "hash", "summary", "outcome")), h.seq, h.hash


@pytest.mark.parametrize("role", ROLES)
def test_events_by_role(client, bearer, role):
    response = client.get(EVENTS, {"limit": 1000}, **bearer[role])
    if role in ("auditor", "secadmin"):
        assert response.status_code == 200
        body = response.json()
        assert {e["seq"] for e in body} == visible_seqs(role)
        assert [e["seq"] for e in body] == sorted((e["seq"] for e in body), reverse=True)
        if role == "secadmin":
            assert not {e["actor_username"] for e in body} & {"qianyong", "fengxue", "heping"}
    else:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "refused"
        assert "三员分立" in response.json()["error"]["message"]


def test_event_fields(client, bearer, cast):
    response = client.get(EVENTS, {"action": "clearance.set", "outcome": "ok"}, **bearer["auditor"])
    [event] = response.json()
    stored = AuditEvent.objects.get(seq=event["seq"])
    assert event["actor_username"] == "fengxue"
    assert event["actor_roles"] == "security"
    assert event["object_type"] == "user"
    assert event["object_id"] == str(cast["staff"].pk)
    assert event["summary"] == "zhoujing 涉密类别 一般 → 重要"
    assert event["outcome"] == "ok"
    assert event["hash"] == stored.hash
    assert event["details"] == stored.details
    at = datetime.fromisoformat(event["at"].replace("Z", "+00:00"))
    assert abs((at - stored.at).total_seconds()) < 0.001  # JSON carries milliseconds


def test_session_login_also_works(client, cast):
    from tests.conftest import login

    login(client, cast["auditor"])
    assert client.get(EVENTS).status_code == 200


def test_anonymous_and_bad_tokens_are_refused(client, cast):
    assert client.get(EVENTS).status_code == 401
    assert client.get(EVENTS, HTTP_AUTHORIZATION="Bearer bm_nope_nope").status_code == 401
    assert client.get(STATUS).status_code == 401


def test_disabled_auditor_token_stops_working(client, bearer, cast):
    from baomi.accounts.models import User

    User.objects.filter(pk=cast["auditor"].pk).update(is_active=False)
    assert client.get(EVENTS, **bearer["auditor"]).status_code == 401


# ---------------------------------------------------------------- filters and paging


@pytest.fixture
def dated(cast, monkeypatch):
    tz = ZoneInfo("Asia/Shanghai")
    for day, who in [(1, "staff"), (15, "staff"), (15, "officer"), (21, "staff")]:
        moment = datetime(2026, 11, day, 12, 0, tzinfo=tz)
        monkeypatch.setattr(audit_services, "now_us", lambda m=moment: int(m.timestamp() * 1_000_000))
        record(actor=cast[who], action="test.dated", summary=f"{who} {day}", outcome="denied" if day == 21 else "ok")
    monkeypatch.undo()


def summaries(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [e["summary"] for e in response.json()]


def test_filters(client, bearer, dated):
    auditor = bearer["auditor"]
    assert summaries(client.get(EVENTS, {"action": "test.dated", "actor": "zhoujing"}, **auditor)) == [
        "staff 21", "staff 15", "staff 1",
    ]
    assert summaries(client.get(EVENTS, {"action": "test.", "outcome": "denied"}, **auditor)) == ["staff 21"]
    assert summaries(client.get(EVENTS, {
        "action": "test.dated", "since": "2026-11-10T00:00:00+08:00", "until": "2026-11-20T00:00:00+08:00",
    }, **auditor)) == ["officer 15", "staff 15"]
    assert summaries(client.get(EVENTS, {"action": "test.dated", "since": "2026-11-21T12:00:00+08:00"}, **auditor)) == [
        "staff 21"  # since is inclusive
    ]
    until = "2026-11-01T12:00:00+08:00"  # until is exclusive
    assert summaries(client.get(EVENTS, {"action": "test.dated", "until": until}, **auditor)) == []


def test_filters_cannot_widen_the_security_administrators_view(client, bearer, cast):
    secadmin = bearer["secadmin"]
    assert summaries(client.get(EVENTS, {"actor": "qianyong"}, **secadmin)) == []
    assert summaries(client.get(EVENTS, {"action": "clearance.set", "outcome": "ok"}, **secadmin)) == []
    assert [e["actor_username"] for e in client.get(EVENTS, {"action": "clearance.set"}, **secadmin).json()] == [
        "zhoujing"  # the refused attempt of an ordinary person
    ]


def test_bad_filter_values(client, bearer):
    response = client.get(EVENTS, {"since": "not a date"}, **bearer["auditor"])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_paging_with_limit_and_before_seq(client, bearer):
    auditor = bearer["auditor"]
    everything = [e["seq"] for e in client.get(EVENTS, {"limit": 1000}, **auditor).json()]
    pages, before = [], None
    while True:
        params = {"limit": 4, **({"before_seq": before} if before else {})}
        page = [e["seq"] for e in client.get(EVENTS, params, **auditor).json()]
        if not page:
            break
        assert len(page) <= 4
        pages += page
        before = page[-1]
    assert pages == everything
    assert len(client.get(EVENTS, {"limit": 0}, **auditor).json()) == 1  # clamped to 1..1000


# ---------------------------------------------------------------- chain status


@pytest.mark.parametrize("role", ROLES)
def test_chain_status_is_the_auditors(client, bearer, role):
    response = client.get(STATUS, **bearer[role])
    if role == "auditor":
        assert response.status_code == 200
        body = response.json()
        assert body == {"ok": True, "events": AuditEvent.objects.count(), "first_bad_seq": None, "problems": [],
                        "checkpoints_checked": AuditEvent.objects.count() // 5}
    else:
        assert response.status_code == 403


def test_chain_status_reports_tampering(client, bearer, tamper):
    AuditEvent.objects.filter(seq=4).delete()
    body = client.get(STATUS, **bearer["auditor"]).json()
    assert body["ok"] is False
    assert body["first_bad_seq"] == 4
    assert "缺失" in body["problems"][0]


# ---------------------------------------------------------------- no way to change the log


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", [EVENTS, f"{EVENTS}/1", STATUS, "/api/v1/audit/checkpoints", "/api/v1/audit"])
@pytest.mark.parametrize("role", ["auditor", "secadmin", "sysadmin"])
def test_no_api_call_changes_the_log(client, bearer, method, path, role):
    before = log_state()
    response = getattr(client, method)(path, data='{"summary": "改"}', content_type="application/json",
                                       **bearer[role])
    assert response.status_code in (404, 405)
    assert log_state() == before
