"""Shared fixtures for the accounts tests: the cast of actors and small audit helpers."""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.test import Client

from baomi.accounts.models import ApiToken, PasswordHistory, RoleAssignment, Unit, User
from baomi.audit.models import AuditEvent
from tests.conftest import login
from tests.factories import make_person, make_unit


@pytest.fixture
def officer(db, unit):
    """保密员 (secrecy officer): a business role that may look people up, nothing more."""
    return make_person("zhaolei", unit=unit, clearance="GENERAL", roles=[("secrecy_officer", None)])


@pytest.fixture
def approver(db, unit):
    return make_person("wutao", unit=unit, clearance="IMPORTANT", roles=[("approver", unit)])


@pytest.fixture
def disabled(db, unit):
    """A disabled account that still holds a business role."""
    person = make_person("zhengli", unit=unit, clearance="GENERAL", roles=[("secrecy_officer", None)])
    User.objects.filter(pk=person.pk).update(is_active=False)
    person.refresh_from_db()
    return person


@pytest.fixture
def target(db, unit):
    """An ordinary person for administrators to act upon."""
    return make_person("sunwei", unit=unit, clearance="GENERAL", full_name="孙伟")


@pytest.fixture
def empty_unit(db):
    return make_unit("财务科", "finance")


def snapshot() -> dict[str, list[tuple]]:
    """Everything an account action could change (the audit log aside)."""
    return {
        "units": list(Unit.objects.order_by("pk").values_list("pk", "name", "code", "parent_id", "is_active",
                                                              "sort_order")),
        "users": list(User.objects.order_by("pk").values_list(
            "pk", "username", "full_name", "unit_id", "post", "staff_no", "clearance", "admin_role", "is_active",
            "password", "must_change_password")),
        "roles": list(RoleAssignment.objects.order_by("pk").values_list("pk", "user_id", "role", "unit_id")),
        "lockouts": list(AccessAttempt.objects.order_by("pk").values_list("username", "failures_since_start")),
        "tokens": list(ApiToken.objects.order_by("pk").values_list("pk", "user_id", "name", "revoked_at")),
        "history": list(PasswordHistory.objects.order_by("pk").values_list("pk", "user_id", "password")),
    }


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


def event_count() -> int:
    return AuditEvent.objects.count()


def logged_in(user: User, *, csrf: bool = False) -> Client:
    """A test client signed in past every gate."""
    return login(Client(enforce_csrf_checks=csrf), user)


def api(client: Client, method: str, path: str, body: dict | None = None, **headers: str):
    """Call /api/v1<path> with a JSON body; returns (status, parsed JSON or None)."""
    kwargs: dict = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    response = getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)
    data = json.loads(response.content) if response.content else None
    return response.status_code, data
