"""Bootstrapping administrators on an empty database (the cases of tests/accounts/test_policy.py
that need a database without that module's cast)."""

from __future__ import annotations

import pytest

from baomi.accounts import services
from baomi.accounts.models import AdminRole, User
from baomi.audit.models import Outcome
from baomi.errors import Invalid
from tests.accounts.conftest import last_event
from tests.factories import PASSWORD


def test_bootstrap_creates_each_admin_once_and_may_repeat_the_same_role(db):
    person = services.admin_bootstrap(role=AdminRole.AUDITOR, username="heping", full_name="何平",
                                      password=PASSWORD)
    assert person.admin_role == "auditor" and person.must_change_password and person.check_password(PASSWORD)
    event = last_event()
    assert (event.action, event.outcome, event.actor_username, event.actor_id) == (
        "admin.bootstrap", Outcome.OK, "cli", None)
    again = services.admin_bootstrap(role=AdminRole.AUDITOR, username="heping", full_name="",
                                     password="Other#2026pass")
    assert again.pk == person.pk and again.full_name == "何平" and again.check_password("Other#2026pass")


def test_bootstrap_rejects_bad_input(db):
    with pytest.raises(Invalid):
        services.admin_bootstrap(role="root", username="root", full_name="", password=PASSWORD)  # type: ignore[arg-type]
    with pytest.raises(Invalid):
        services.admin_bootstrap(role=AdminRole.SYSTEM, username="qianyong", full_name="", password="short")
    assert not User.objects.exists()

