"""The personnel cast: DEMO.md's office in small (tests.carriers.conftest), plus helpers that
vet, commit and post people through the real services."""

from __future__ import annotations

import datetime

import pytest

from baomi.accounts.models import User
from baomi.approvals import services as approvals
from baomi.approvals.models import ApprovalRequest
from baomi.levels import Clearance, Level
from baomi.personnel import services
from baomi.personnel.models import Commitment, Post
from tests.carriers.conftest import Office, build_office
from tests.factories import PASSWORD


@pytest.fixture
def office(db) -> Office:
    return build_office()


def vet(office: Office, person: User, category: Clearance = Clearance.CORE, *, result: str = "pass",
        on: datetime.date | None = None) -> None:
    services.vetting_record(actor=office.lijianhua if person.pk != office.lijianhua.pk else office.zhaolei,
                            person=person, category=category, result=result, vetted_on=on,
                            notes="" if result == "pass" else "不符合条件")


def commit(office: Office, person: User, kind: str = "hire") -> Commitment:
    officer = office.lijianhua if person.pk != office.lijianhua.pk else office.zhaolei
    commitment = services.commitment_prepare(actor=officer, person=person, kind=kind)
    return services.commitment_sign(actor=person, commitment=commitment, password=PASSWORD)


def post(office: Office, name: str, level: Level, unit: str = "planning") -> Post:
    return services.post_create(actor=office.secadmin, name=name, unit=office.units[unit], level=level)


def approve(request: ApprovalRequest, *deciders: User) -> ApprovalRequest:
    for decider in deciders:
        request = approvals.request_decide(actor=decider, request=request, approve=True, comment="同意",
                                           password=PASSWORD)
    return request
