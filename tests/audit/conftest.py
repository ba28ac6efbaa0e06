"""Helpers for the audit tests: append events, switch the append-only triggers off and on,
tamper with rows the way an intruder with database rights would.

Inside an ordinary `db` test everything, dropped triggers included, is rolled back at the
end (SQLite and PostgreSQL both have transactional DDL). Transactional tests use the
`chain_db` fixture instead: the database is flushed afterwards, which the triggers refuse.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

from baomi.accounts.models import User
from baomi.audit import chain
from baomi.audit.merkle import Frontier, leaf_hash
from baomi.audit.models import AuditEvent, ChainHead
from baomi.audit.services import record

_append_only = importlib.import_module("baomi.audit.migrations.0002_append_only")
TABLES: tuple[str, ...] = _append_only.TABLES


def append(n: int, *, actor: Any = None, action: str = "test.append", **kwargs: Any) -> list[AuditEvent]:
    return [record(actor=actor, action=action, summary=f"事件 {i + 1}", **kwargs) for i in range(n)]


# ---------------------------------------------------------------- append-only triggers


def trigger_names() -> set[str]:
    """The append-only triggers present on the audit tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text = ANY(%s)",
                [list(TABLES)],
            )
        return {name for (name,) in cursor.fetchall() if name.startswith(TABLES)}


def drop_append_only_triggers() -> None:
    """What an intruder with DDL rights does first (migration 0002's triggers)."""
    with connection.cursor() as cursor:
        for table in TABLES:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            else:  # pragma: no cover
                raise NotImplementedError(connection.vendor)
    assert trigger_names() == set()


class _Editor:
    """Just enough of a schema editor for the migration's `forwards`."""

    connection = connection

    @staticmethod
    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


class _Apps:
    """The migration also creates the chain head: create it only if it is missing."""

    class _Head:
        class objects:  # mimics a model manager
            @staticmethod
            def create(**fields: Any) -> None:
                ChainHead.objects.get_or_create(pk=fields.pop("id"), defaults=fields)

    def get_model(self, app_label: str, model_name: str) -> Any:
        assert (app_label, model_name) == ("audit", "ChainHead")
        return self._Head


def install_append_only_triggers() -> None:
    """Put the database back the way migration 0002 leaves it (triggers and chain head)."""
    drop_append_only_triggers()
    _append_only.forwards(_Apps(), _Editor())
    assert len(trigger_names()) == 2 * len(TABLES)


@pytest.fixture
def tamper(db):
    """Triggers off for this test only; the test's transaction rollback brings them back."""
    drop_append_only_triggers()


@pytest.fixture
def chain_db(transactional_db):
    """A transactional test with a fresh chain (after another test's flush) and the triggers on.

    The teardown drops the triggers again, or the flush that empties the database after a
    transactional test would be refused by them.
    """
    install_append_only_triggers()
    assert ChainHead.objects.get(pk=1).seq == AuditEvent.objects.count() == 0
    yield
    connection.close()  # a thread or a failed statement may have left it in a bad state
    drop_append_only_triggers()


@pytest.fixture(autouse=True)
def _audit_settings(settings):
    """Checkpoints every 5 events and never by the clock, so tests know where they fall."""
    settings.BAOMI_AUDIT_CHECKPOINT_EVERY = 5
    settings.BAOMI_AUDIT_CHECKPOINT_MINUTES = 0
    cache.clear()  # the chain badge caches its verdict per log size
    yield
    cache.clear()


# ---------------------------------------------------------------- tampering (triggers dropped)


def fields_of(event: AuditEvent) -> tuple[Any, ...]:
    return tuple(getattr(event, f) for f in chain.FIELDS)


def rehash_from(seq: int) -> None:
    """Recompute every hash from `seq` on and the chain head, as a careful forger would."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else chain.GENESIS
    frontier = Frontier()
    for event in AuditEvent.objects.order_by("seq"):
        if event.seq >= seq:
            digest = chain.event_hash(prev, chain.canonical_bytes(fields_of(event)))
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
            prev = digest
        frontier.append_leaf_hash(leaf_hash(bytes.fromhex(AuditEvent.objects.get(pk=event.pk).hash)))
    last = AuditEvent.objects.order_by("-seq").first()
    ChainHead.objects.filter(pk=1).update(
        seq=last.seq if last else 0, hash=last.hash if last else chain.GENESIS, frontier=frontier.to_json()
    )


# ---------------------------------------------------------------- who reads the log


ROLES = ("sysadmin", "secadmin", "auditor", "staff", "officer")


@pytest.fixture
def cast(db, sysadmin, secadmin, auditor, staff, unit):
    """The five kinds of reader, and events by each (some refused), through real services."""
    from baomi.accounts import services as accounts
    from baomi.errors import Refused
    from baomi.levels import Clearance
    from tests.factories import make_eligible, make_person

    officer = make_person("zhaolei", unit=unit, clearance="GENERAL", roles=[("secrecy_officer", unit)])
    accounts.unit_create(actor=sysadmin, name="财务科", code="finance")
    make_eligible(staff)  # vetted and committed (the personnel gate)
    accounts.person_set_clearance(actor=secadmin, person=staff, clearance=Clearance.IMPORTANT)
    for call in [
        lambda: accounts.unit_create(actor=auditor, name="越权", code="x1"),
        lambda: accounts.person_set_clearance(actor=staff, person=officer, clearance=Clearance.CORE),
        lambda: accounts.unit_create(actor=officer, name="越权", code="x2"),
    ]:
        with pytest.raises(Refused):
            call()
    accounts.token_create(actor=officer, name="脚本")
    people = {"sysadmin": sysadmin, "secadmin": secadmin, "auditor": auditor, "staff": staff, "officer": officer}
    return people


def visible_seqs(role: str) -> set[int]:
    """Who may read which events (三员分立), stated independently of the code under test."""
    events = AuditEvent.objects.all()
    if role == "auditor":
        return set(events.values_list("seq", flat=True))
    if role == "secadmin":  # ordinary people's events only: not the administrators' nor the server shell's
        admins = set(User.objects.exclude(admin_role="").values_list("username", flat=True)) | {"cli"}
        return set(events.exclude(actor_username__in=admins).values_list("seq", flat=True))
    return set()
