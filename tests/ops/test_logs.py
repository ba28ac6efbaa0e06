"""Structured logs: real JSON lines with the request's context, and no credentials in them."""

from __future__ import annotations

import io
import json
import logging

import pytest

from baomi.ops import logs
from tests.factories import PASSWORD, make_person

TOKEN = "bm_abcd1234_QmVhcmVyVG9rZW5UaGF0TXVzdE5vdExlYWsxMjM0NTY"


@pytest.fixture
def captured():
    """The production handler (filters and JSON formatter from logging_config) on a buffer,
    with Django's request logger opened up to WARNING so 4xx records (which carry the
    request object) reach it too."""
    config = logs.logging_config(fmt="json", level="INFO")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(logs.ContextFilter())
    handler.addFilter(logs.RedactFilter())
    handler.setFormatter(logs.JsonFormatter())
    assert config["handlers"]["console"]["formatter"] == "json"
    root = logging.getLogger()
    saved = root.level, logging.getLogger("django.request").level, logging.getLogger("baomi.request").level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("django.request").setLevel(logging.WARNING)
    logging.getLogger("baomi.request").setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(saved[0])
    logging.getLogger("django.request").setLevel(saved[1])
    logging.getLogger("baomi.request").setLevel(saved[2])


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_token_and_password_post_do_not_leak(client, captured):
    person = make_person("loguser")
    # A login POST with the password (and an OTP-looking field), a bearer token on the API,
    # and secrets in a query string.
    client.post("/accounts/login/?next=/&password=QueryPass#1", {
        "username": "loguser", "password": PASSWORD, "otp_token": "493817"})
    client.get("/api/v1/carriers/?token=QueryTok3nValue", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    client.get("/no-such-page/?sessionid=abcdefsessionvalue", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    # Application code that carelessly logs a credential is redacted as well.
    logging.getLogger("baomi.test").warning("calling upstream with Authorization: Bearer %s password=%s",
                                            TOKEN, PASSWORD)
    output = captured.getvalue()
    for secret in (PASSWORD, TOKEN, TOKEN.split("_")[-1], "QueryPass", "QueryTok3nValue", "abcdefsessionvalue",
                   "493817"):
        assert secret not in output, secret
    lines = _lines(captured)
    requests = [line for line in lines if line["logger"] == "baomi.request"]
    assert len(requests) == 3
    login_line = requests[0]
    assert login_line["route"] == "accounts:login"
    assert login_line["method"] == "POST"
    assert login_line["status"] in (200, 302)
    assert len(login_line["request_id"]) == 32
    assert isinstance(login_line["duration_ms"], float)
    assert {"time", "level", "logger", "message"} <= set(login_line)
    assert requests[2]["status"] == 404
    assert "[REDACTED]" in lines[-1]["message"]
    assert person.pk  # the person exists; the failed/successful login itself is the audit log's business


@pytest.mark.django_db
def test_request_line_names_user_and_request_id(client, captured):
    from tests.conftest import login

    person = make_person("logged")
    login(client, person)
    response = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-req-0001")
    assert response["X-Request-ID"] == "proxy-req-0001"
    line = [entry for entry in _lines(captured) if entry["logger"] == "baomi.request"][-1]
    assert line["request_id"] == "proxy-req-0001"
    assert line["user_id"] == person.pk
    assert line["route"] == "healthz"
    assert line["status"] == 200


@pytest.mark.django_db
def test_untrusted_request_id_replaced(client, captured):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize(("text", "secret"), [
    ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
    ("password=hunter2hunter2&user=x", "hunter2hunter2"),
    ('{"new_password1": "Zz9#longpass", "username": "x"}', "Zz9#longpass"),
    ("sessionid=0123456789abcdef; csrftoken=fedcba9876543210", "0123456789abcdef"),
    ("sessionid=0123456789abcdef; csrftoken=fedcba9876543210", "fedcba9876543210"),
    ("otp_token: 123456", "123456"),
    ("code=654321", "654321"),
    (f"token {TOKEN}", "QmVhcmVyVG9rZW5UaGF0TXVzdE5vdExlYWsxMjM0NTY"),
    ("'api_key': 'k-123-456'", "k-123-456"),
])
def test_redact(text, secret):
    assert secret not in logs.redact(text)
    assert "[REDACTED]" in logs.redact(text)


def test_redact_keeps_ordinary_text():
    text = "GET carriers:detail 200 status_code=200 in 12 ms"
    assert logs.redact(text) == text


def test_json_formatter_one_object_per_line_even_with_newlines():
    record = logging.LogRecord("baomi.x", logging.ERROR, __file__, 1, "line one\nline two %s", ("密",), None)
    formatted = logs.JsonFormatter().format(record)
    assert "\n" not in formatted
    assert json.loads(formatted)["message"] == "line one\nline two 密"


def test_settings_choose_the_format():
    assert logs.logging_config(fmt="json", level="WARNING")["handlers"]["console"]["formatter"] == "json"
    config = logs.logging_config(fmt="text", level="WARNING")
    assert config["handlers"]["console"]["formatter"] == "text"
    assert config["handlers"]["console"]["filters"] == ["context", "redact"]
