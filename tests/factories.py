"""Factories that create data through the services where the services exist, so tests see
the same audit trail production does. Direct model writes are used only for set-up that
has no service (bootstrap), and are marked as such."""

from __future__ import annotations

from baomi.accounts import services
from baomi.accounts.models import AdminRole, Role, Unit, User
from baomi.levels import Clearance

PASSWORD = "Test#2026pass"


def make_unit(name: str = "办公室", code: str = "office", parent: Unit | None = None) -> Unit:
    return Unit.objects.get_or_create(code=code, defaults={"name": name, "parent": parent})[0]


def make_admin(role: str, username: str) -> User:
    person = services.admin_bootstrap(role=AdminRole(role), username=username, full_name=username,
                                      password=PASSWORD)
    User.objects.filter(pk=person.pk).update(must_change_password=False)
    person.refresh_from_db()
    return person


def make_person(
    username: str,
    *,
    unit: Unit | None = None,
    clearance: str = "NONE",
    roles: list[tuple[str, Unit | None]] | None = None,
    full_name: str | None = None,
) -> User:
    """A ready-to-use person: active, password PASSWORD, no forced change."""
    person = User(username=username, full_name=full_name or username, unit=unit,
                  clearance=int(Clearance[clearance]), must_change_password=False)
    person.set_password(PASSWORD)
    person.save()
    for role, scope in roles or []:
        person.role_assignments.create(role=Role(role), unit=scope)
    return person


def make_eligible(person: User, clearance: str = "CORE") -> User:
    """Give a person what the clearance gate asks for (baomi.personnel): a passed, current
    vetting for `clearance` and a signed hiring commitment. Direct model writes (set-up only:
    the services would need a secrecy officer and add audit events the tests don't expect)."""
    import datetime

    from django.utils import timezone

    from baomi.personnel.models import Commitment, Vetting

    today = timezone.localdate()
    Vetting.objects.create(person=person, kind="appointment", category=int(Clearance[clearance]), result="pass",
                           vetted_on=today, valid_until=today + datetime.timedelta(days=730), reviewer=person)
    Commitment.objects.create(person=person, kind="hire", template_version="test", text="承诺", text_sha256="-",
                              prepared_by=person, signed_at=timezone.now(), sign_method="electronic")
    return person
