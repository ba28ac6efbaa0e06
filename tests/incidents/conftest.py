"""The incidents cast: DEMO.md's office in small (reused from the carriers tests)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from baomi.accounts.models import User
from baomi.incidents import services
from baomi.incidents.models import Incident
from tests.carriers.conftest import Office, build_office


@pytest.fixture
def office(db) -> Office:
    return build_office()


def ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def report(person: User, **kwargs: Any) -> Incident:
    data: dict[str, Any] = {
        "title": "规划科秘密文件丢失", "kind": "lost", "level": 3, "discovered_at": ago(2),
        "description": "周静外出开会途中遗失一份秘密级文件，已报告保密办。"}
    data.update(kwargs)
    return services.incident_report(actor=person, **data)
