"""The travel cast: DEMO.md's office in small (reused from the carriers tests), and helpers
that apply, approve and brief through the real services."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from baomi.accounts.models import User
from baomi.approvals import services as approvals
from baomi.audit.models import AuditEvent
from baomi.travel import services
from baomi.travel.models import Trip
from tests.carriers.conftest import Office, build_office
from tests.factories import PASSWORD


@pytest.fixture
def office(db) -> Office:
    return build_office()


@pytest.fixture(autouse=True)
def _no_separation_period(monkeypatch):
    """The personnel module answers "not in a 脱密期" unless a test says otherwise."""
    monkeypatch.setattr(services, "separation_period", lambda person, on: None)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def apply(person: User, **kwargs: Any) -> Trip:
    data: dict[str, Any] = {"kind": "official", "destinations": "新加坡", "purpose": "参加东盟城市规划合作论坛",
                            "depart_on": days(3), "return_on": days(8)}
    data.update(kwargs)
    return services.trip_apply(actor=person, **data)


def approve(request: Any, *deciders: User) -> None:
    for decider in deciders:
        approvals.request_decide(actor=decider, request=request, approve=True, comment="同意", password=PASSWORD)


def events(action: str) -> Any:
    return AuditEvent.objects.filter(action=action)


@pytest.fixture
def time_machine_days(monkeypatch):
    """Move "today" (timezone.localdate) forward by n days for the rest of the test."""
    real = timezone.localdate

    def go(n: int) -> None:
        def fake(value: Any = None, tz: Any = None) -> datetime.date:
            if value is not None:
                return real(value, tz)
            return real(None, tz) + datetime.timedelta(days=n)

        monkeypatch.setattr(timezone, "localdate", fake)

    return go
