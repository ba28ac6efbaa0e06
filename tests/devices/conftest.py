"""The devices cast: DEMO.md's office in small (tests.carriers.conftest) and a helper that
registers devices through the service as the 保密办."""

from __future__ import annotations

from typing import Any

import pytest

from baomi.accounts.models import User
from baomi.audit.models import AuditEvent
from baomi.devices import services
from baomi.devices.models import Device
from tests.carriers.conftest import Office, build_office


@pytest.fixture
def office(db) -> Office:
    return build_office()


def device(office: Office, asset_no: str, kind: str = "classified_pc", network: str = "standalone",
           level: int = 4, custodian: User | None = None, unit: str = "secretariat", **kwargs: Any) -> Device:
    return services.device_register(actor=office.lijianhua, asset_no=asset_no, kind=kind, network=network,
                                    level=level, custodian=custodian or office.wangfang, unit=office.units[unit],
                                    **kwargs)


def denied(action: str) -> AuditEvent | None:
    return AuditEvent.objects.filter(action=action, outcome="denied").order_by("-seq").first()
