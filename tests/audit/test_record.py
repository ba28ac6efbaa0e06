"""Writing the log: what an event holds, checkpoints, and the one-transaction rule
(the change and its event commit together or not at all; refusals are recorded)."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baomi.accounts import services as accounts
from baomi.accounts.models import Role, RoleAssignment, Unit, User
from baomi.audit import chain, keys
from baomi.audit import services as audit_services
from baomi.audit.merkle import Frontier, leaf_hash, root_from_hashes
from baomi.audit.models import AuditEvent, ChainHead, Checkpoint, Outcome
from baomi.audit.services import atomic_action, checkpoint_now, record
from baomi.audit.verify import verify
from baomi.core.context import client_address
from baomi.errors import Invalid, Refused
from baomi.levels import Clearance
from tests.audit.conftest import append, fields_of
from tests.factories import make_eligible, make_person


def head() -> ChainHead:
    return ChainHead.objects.get(pk=1)


def state() -> tuple:
    """Everything a failed service must leave as it was, the audit log included."""
    h = head()
    return (
        list(AuditEvent.objects.order_by("seq").values_list("seq", "hash")),
        list(Checkpoint.objects.order_by("tree_size").values_list("tree_size", "root_hash")),
        (h.seq, h.hash, h.frontier),
        list(Unit.objects.order_by("pk").values_list("pk", "code", "is_active")),
        list(User.objects.order_by("pk").values_list("pk", "username", "clearance", "is_active")),
        list(RoleAssignment.objects.order_by("pk").values_list("pk", "user_id", "role")),
    )


# ---------------------------------------------------------------- what an event holds


@pytest.mark.django_db
def test_first_events_link_from_genesis_and_move_the_head():
    first, second = append(2)
    assert (first.seq, first.prev_hash) == (1, chain.GENESIS)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    for event in (first, second):
        event.refresh_from_db()  # the hash covers the values as stored, read back
        assert event.hash == chain.event_hash(event.prev_hash, chain.canonical_bytes(fields_of(event)))
    h = head()
    assert (h.seq, h.hash) == (2, second.hash)
    frontier = Frontier.from_json(h.frontier)
    assert frontier.size == 2
    assert frontier.root() == root_from_hashes([leaf_hash(bytes.fromhex(e.hash)) for e in (first, second)])


@pytest.mark.django_db
def test_event_records_actor_roles_object_details_and_address(unit):
    officer = make_person("zhaolei", unit=unit, clearance="GENERAL", roles=[("secrecy_officer", unit)])
    token = client_address.set("10.1.2.3")
    try:
        event = record(actor=officer, action="test.object", obj=unit, summary="摘要",
                       details={"b": 2, "a": "甲", "when": None})
    finally:
        client_address.reset(token)
    event.refresh_from_db()
    assert event.actor_id == officer.pk
    assert event.actor_username == "zhaolei"
    assert event.actor_roles == f"secrecy_officer@{unit.pk}"
    assert event.actor_admin_role == ""
    assert (event.object_type, event.object_id, event.object_level) == ("unit", str(unit.pk), None)
    assert event.details == '{"a":"甲","b":2,"when":null}'  # canonical: sorted keys, UTF-8, no spaces
    assert json.loads(event.details) == {"a": "甲", "b": 2, "when": None}
    assert event.client_address == "10.1.2.3"
    assert event.outcome == Outcome.OK
    assert verify().ok


@pytest.mark.django_db
def test_administrator_actor_and_command_line_actor(auditor):
    event = record(actor=auditor, action="test.admin", summary="审计员操作")
    assert (event.actor_username, event.actor_roles, event.actor_admin_role) == ("heping", "auditor", "auditor")
    cli = record(actor=None, actor_username="cli", action="test.cli", summary="命令行")
    # The server's shell acts administratively: hidden from the security administrator too.
    assert (cli.actor_id, cli.actor_username, cli.actor_admin_role) == (None, "cli", "cli")


@pytest.mark.django_db
def test_separator_in_text_cannot_shift_fields_and_summary_is_capped():
    sep = chain.SEP
    event = record(actor=None, actor_username=f"a{sep}b", action="test.sep", object_id=f"1{sep}2",
                   summary=f"x{sep}y" + "长" * 400, details={"k": f"v{sep}w"})
    event.refresh_from_db()
    assert sep not in event.actor_username + event.object_id + event.summary + event.details
    assert len(event.summary) == 300
    assert verify().ok


# ---------------------------------------------------------------- checkpoints


@pytest.mark.django_db
def test_checkpoint_every_n_events_is_signed_over_the_merkle_root():
    events = append(12)
    checkpoints = list(Checkpoint.objects.order_by("tree_size"))
    assert [c.tree_size for c in checkpoints] == [5, 10]
    public = keys.public_key()
    for c in checkpoints:
        leaves = [leaf_hash(bytes.fromhex(e.hash)) for e in events[: c.tree_size]]
        assert c.root_hash == root_from_hashes(leaves).hex()
        assert c.key_id == keys.key_id(public)
        public.verify(bytes.fromhex(c.signature), keys.checkpoint_message(c.tree_size, c.root_hash, c.ts_us))
    assert head().last_checkpoint_ts_us == checkpoints[-1].ts_us
    report = verify()
    assert (report.ok, report.events, report.checkpoints_checked) == (True, 12, 2)


@pytest.mark.django_db
def test_checkpoint_by_the_clock(settings, monkeypatch):
    settings.BAOMI_AUDIT_CHECKPOINT_EVERY = 0
    settings.BAOMI_AUDIT_CHECKPOINT_MINUTES = 60
    clock = iter([1_000_000_000_000_000 + m * 60_000_000 for m in (0, 1, 59, 60, 61, 121)])
    monkeypatch.setattr(audit_services, "now_us", lambda: next(clock))
    append(6)
    # The first event ever is signed (no checkpoint yet), then one an hour after the last.
    assert list(Checkpoint.objects.order_by("tree_size").values_list("tree_size", flat=True)) == [1, 4, 6]
    assert verify().ok


@pytest.mark.django_db
def test_checkpoint_now_on_demand():
    assert checkpoint_now() is None  # nothing to sign yet
    append(3)
    checkpoint = checkpoint_now()
    assert checkpoint is not None and checkpoint.tree_size == 3
    assert checkpoint_now().pk == checkpoint.pk  # same tree size: the same checkpoint
    append(4)  # 7 events: the regular checkpoint at 5 coexists with the on-demand one at 3
    assert list(Checkpoint.objects.order_by("tree_size").values_list("tree_size", flat=True)) == [3, 5]
    report = verify()
    assert report.ok and report.checkpoints_checked == 2


# ---------------------------------------------------------------- atomicity


@pytest.mark.django_db
def test_failure_after_the_event_was_recorded_leaves_neither(sysadmin, monkeypatch):
    before = state()
    real_record = accounts.record

    def record_then_fail(**kwargs):
        real_record(**kwargs)
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(accounts, "record", record_then_fail)
    with pytest.raises(RuntimeError):
        accounts.unit_create(actor=sysadmin, name="财务科", code="finance")
    assert state() == before
    assert not Unit.objects.filter(code="finance").exists()
    monkeypatch.undo()
    # The chain goes on from where it was: no gap where the rolled-back event was.
    unit = accounts.unit_create(actor=sysadmin, name="财务科", code="finance")
    assert AuditEvent.objects.get(action="unit.create", object_id=str(unit.pk)).seq == before[2][0] + 1
    assert verify().ok


@pytest.mark.django_db
def test_failure_inside_atomic_action_after_record(sysadmin):
    before = state()
    with pytest.raises(RuntimeError), atomic_action(sysadmin, "unit.create"):
        unit = Unit.objects.create(name="财务科", code="finance")
        record(actor=sysadmin, action="unit.create", obj=unit, summary="新建单位 财务科")
        raise RuntimeError("later step failed")
    assert state() == before


@pytest.mark.django_db
def test_refusal_after_the_event_was_recorded_keeps_only_the_denied_event(sysadmin, monkeypatch):
    before = state()
    real_record = accounts.record

    def record_then_refuse(**kwargs):
        real_record(**kwargs)
        raise Refused("测试：记录后被拒绝")

    monkeypatch.setattr(accounts, "record", record_then_refuse)
    with pytest.raises(Refused):
        accounts.unit_create(actor=sysadmin, name="财务科", code="finance")
    assert not Unit.objects.filter(code="finance").exists()
    events = list(AuditEvent.objects.filter(seq__gt=before[2][0]))
    assert [(e.action, e.outcome, e.summary) for e in events] == [("unit.create", "denied", "测试：记录后被拒绝")]
    assert verify().ok


def _refuse_event_inserts() -> None:
    """A database that will not take the event (full disk, lost privilege...)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER test_refuse_event BEFORE INSERT ON audit_auditevent "
                "BEGIN SELECT RAISE(ABORT, 'no space left'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION test_refuse_event() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'no space left'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse_event BEFORE INSERT ON audit_auditevent "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_event()"
            )


def _boom(*args, **kwargs):
    raise DatabaseError("cannot write the audit event")


@pytest.mark.django_db
@pytest.mark.parametrize("failure", ["hash", "database", "after-insert"])
@pytest.mark.parametrize("service", ["unit_create", "person_create", "person_set_clearance", "role_grant"])
def test_change_is_rolled_back_when_its_event_cannot_be_written(
    failure, service, sysadmin, secadmin, staff, monkeypatch
):
    calls = {
        "unit_create": lambda: accounts.unit_create(actor=sysadmin, name="财务科", code="finance"),
        "person_create": lambda: accounts.person_create(actor=sysadmin, username="newbie", full_name="新人",
                                                        unit=None),
        "person_set_clearance": lambda: accounts.person_set_clearance(actor=secadmin, person=staff,
                                                                      clearance=Clearance.CORE),
        "role_grant": lambda: accounts.role_grant(actor=secadmin, person=staff, role=Role.APPROVER),
    }
    make_eligible(staff)  # vetted and committed (the personnel gate)
    before = state()
    if failure == "hash":  # before anything is written
        monkeypatch.setattr(chain, "event_hash", _boom)
    elif failure == "database":  # the INSERT itself fails
        _refuse_event_inserts()
    else:  # hashed (on SQLite also inserted), the chain head not yet moved
        monkeypatch.setattr(Frontier, "to_json", _boom)
    with pytest.raises(DatabaseError):
        calls[service]()
    monkeypatch.undo()
    assert state() == before
    staff.refresh_from_db()
    assert staff.clearance == Clearance.GENERAL
    assert not User.objects.filter(username="newbie").exists()


# ---------------------------------------------------------------- refusals


@pytest.mark.django_db
def test_refused_call_raises_and_records_denied_event_in_chinese(sysadmin, staff):
    before = state()
    with pytest.raises(Refused) as refused:
        accounts.person_set_clearance(actor=sysadmin, person=staff, clearance=Clearance.CORE)
    assert refused.value.message == "三员分立：您的角色无权执行此操作"
    staff.refresh_from_db()
    assert staff.clearance == Clearance.GENERAL  # the change did not happen
    [event] = AuditEvent.objects.filter(seq__gt=before[2][0])
    assert event.outcome == Outcome.DENIED
    assert event.action == "clearance.set"
    assert event.summary == "三员分立：您的角色无权执行此操作"
    assert (event.actor_username, event.actor_admin_role) == ("qianyong", "system")
    assert (event.object_type, event.object_id) == ("user", str(staff.pk))
    assert json.loads(event.details) == {"perm": "clearance.grant"}
    assert verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "call", "action", "reason"),
    [
        ("secadmin", lambda a, p, u: accounts.unit_create(actor=a, name="越权", code="x"), "unit.create",
         "三员分立：您的角色无权执行此操作"),
        ("auditor", lambda a, p, u: accounts.person_reset_password(actor=a, person=p), "account.reset_password",
         "三员分立：您的角色无权执行此操作"),
        ("staff", lambda a, p, u: accounts.role_grant(actor=a, person=p, role=Role.APPROVER), "role.grant",
         "三员分立：您的角色无权执行此操作"),
        ("sysadmin", lambda a, p, u: accounts.unit_set_active(actor=a, unit=u, active=False), "unit.disable",
         "单位仍有在岗人员，不能停用"),
    ],
)
def test_every_refusal_is_recorded_and_changes_nothing(
    who, call, action, reason, request, sysadmin, secadmin, auditor, staff, unit
):
    actor = request.getfixturevalue(who)
    person = make_person("sunwei", unit=unit, clearance="GENERAL")
    before = state()
    with pytest.raises(Refused):
        call(actor, person, unit)
    after = state()
    assert after[3:] == before[3:]
    [event] = AuditEvent.objects.filter(seq__gt=before[2][0])
    assert (event.action, event.outcome, event.summary, event.actor_username) == (
        action, "denied", reason, actor.username
    )
    assert verify().ok


@pytest.mark.django_db
def test_invalid_input_changes_nothing_and_is_not_a_refusal(sysadmin):
    before = state()
    with pytest.raises(Invalid):
        accounts.unit_create(actor=sysadmin, name=" ", code="blank")
    assert state() == before


@pytest.mark.django_db
def test_refusal_inside_a_callers_transaction_shares_its_fate(sysadmin, staff):
    before = state()
    with pytest.raises(RuntimeError), transaction.atomic():
        with pytest.raises(Refused):
            accounts.person_set_clearance(actor=sysadmin, person=staff, clearance=Clearance.CORE)
        assert AuditEvent.objects.filter(seq__gt=before[2][0], outcome="denied").count() == 1
        raise RuntimeError("the caller gives up")
    assert state() == before


@pytest.mark.django_db
def test_overlong_texts_fit_their_columns(unit):
    """On PostgreSQL a value longer than its column fails the INSERT, and with it the
    service: an actor with many scoped roles must still be able to act."""
    from tests.factories import make_unit

    units = [make_unit(f"第{i}科", f"dept-{i}") for i in range(20)]
    busy = make_person("busy", unit=unit, clearance="GENERAL",
                       roles=[(role, u) for u in units for role in ("approver", "confidential_secretary")])
    token, _raw = accounts.token_create(actor=busy, name="令牌")
    event = AuditEvent.objects.get(action="token.create", object_id=str(token.pk))
    assert len(event.actor_roles) <= 200 and event.actor_roles.endswith("…")
    long = record(actor=None, actor_username="u" * 400, action="test." + "a" * 100, object_type="t" * 100,
                  object_id="9" * 100, summary="s" * 400)
    long.refresh_from_db()
    assert (len(long.actor_username), len(long.action), len(long.object_type), len(long.object_id)) == (150, 60, 40, 64)
    assert verify().ok


# Any text a person can type (PostgreSQL text cannot hold NUL; forms refuse it anyway).
_typed = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=320)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(username=_typed, summary=_typed, object_id=_typed, level=st.none() | st.integers(0, 5),
       details=st.dictionaries(_typed, _typed | st.integers() | st.none(), max_size=3))
def test_whatever_the_text_the_stored_event_verifies(username, summary, object_id, level, details):
    """The verifier rebuilds each event's canonical text from the stored columns (in SQL):
    it must match what the writer hashed, for any input."""
    event = record(actor=None, actor_username=username, action="test.text", summary=summary,
                   object_type="thing", object_id=object_id, object_level=level, details=details)
    report = verify()
    assert report.ok, report.problems
    assert report.events == event.seq
