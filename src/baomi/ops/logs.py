"""Structured logs: one JSON object per line (BAOMI_LOG_FORMAT=json), the request's context
on every record, and a redaction filter in front of every handler.

Only known fields are written (a whitelist): Django attaches the request object to some
records, and dumping "extra" attributes would write its query string. Request bodies and
query strings are never logged; anything that still looks like a credential inside a
message (a bearer token, an API token, `password=…`, a session id, an OTP code) is replaced
by `[REDACTED]` before any handler sees it.

Imported by logging.config from settings: no Django imports at module level.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
from typing import Any

# Set by baomi.ops.middleware.RequestObservationMiddleware for the length of one request.
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("baomi_request_id", default="")
route: contextvars.ContextVar[str] = contextvars.ContextVar("baomi_route", default="")
user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("baomi_user_id", default=None)

REDACTED = "[REDACTED]"

# Keys whose values are credentials wherever they appear: `key=value`, `key: value`, `"key": "value"`.
_SECRET_KEY = r"[\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|session_?id|csrftoken|otp|totp)[\w-]*|code"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1\2{REDACTED}"),
    (re.compile(r"\b(bm_[A-Za-z0-9]+_)[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),  # our API tokens (accounts.services)
    (re.compile(rf"(?i)(?<![\w-])({_SECRET_KEY})(\s*[=:]\s*)(?!\s*\[REDACTED\])[^\s&;,'\"}}]+"), rf"\1\2{REDACTED}"),
    (re.compile(rf"(?i)([\"']({_SECRET_KEY})[\"']\s*:\s*[\"'])[^\"']*"), rf"\1{REDACTED}"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Render the message once, redacted; the record then carries no arguments to re-render."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        # Django's "django.request"/"django.server" records carry the request (its repr holds the query string).
        record.__dict__.pop("request", None)
        return True


class ContextFilter(logging.Filter):
    """Put the current request's id, route and user on every record logged during it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.setdefault("request_id", request_id.get())
        record.__dict__.setdefault("route", route.get())
        record.__dict__.setdefault("user_id", user_id.get())
        return True


_FIELDS = ("request_id", "user_id", "route", "method", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """One JSON object per line with a fixed set of fields (see module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for field in _FIELDS:
            value = record.__dict__.get(field)
            if value not in (None, ""):
                entry[field] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The development format: readable, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = record.__dict__.get("request_id")
        return f"{line} [{rid}]" if rid else line


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """The LOGGING dict for settings.py. In JSON mode the per-request line (logger
    "baomi.request") is on at INFO whatever the root level: it replaces the access log."""
    json_mode = fmt.strip().lower() == "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "baomi.ops.logs.ContextFilter"},
            "redact": {"()": "baomi.ops.logs.RedactFilter"},
        },
        "formatters": {
            "json": {"()": "baomi.ops.logs.JsonFormatter"},
            "text": {"()": "baomi.ops.logs.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["context", "redact"],
                "formatter": "json" if json_mode else "text",
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Login failures are audit events already; axes' own log lines would only repeat them.
            "axes": {"level": "ERROR"},
            "baomi.request": {"level": "INFO" if json_mode else level},
            # Our own per-request line replaces Django's (which names the raw path).
            "django.request": {"level": "ERROR"},
        },
    }


def gunicorn_logconfig(*, fmt: str, access: bool) -> dict[str, Any]:
    """gunicorn's own loggers (boot, worker exits) through the same formatter and filters.
    Its access log only with --access-log: "baomi.request" already has one line per request."""
    config = logging_config(fmt=fmt, level="INFO")
    config["root"] = {"handlers": ["console"], "level": "WARNING"}
    config["loggers"] = {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"] if access else [], "level": "INFO" if access else "CRITICAL",
                            "propagate": False},
    }
    return config
