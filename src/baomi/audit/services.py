"""Writing the audit log. Every state-changing service calls `record` inside its own
transaction, so the change and its event commit together or not at all."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction

from baomi.audit import chain, keys
from baomi.audit.merkle import Frontier, leaf_hash
from baomi.audit.models import AuditEvent, ChainHead, Checkpoint, Outcome
from baomi.core import statecache
from baomi.core.context import client_address
from baomi.errors import Refused

if TYPE_CHECKING:
    from baomi.accounts.models import User


# Events written by `baomi` commands run at the server's shell carry this actor name.
CLI_ACTOR = "cli"


def now_us() -> int:
    return time.time_ns() // 1000


def describe(obj: Any) -> tuple[str, str, int | None]:
    """(object type, id, level) of a model instance, for the event's object columns."""
    if obj is None:
        return "", "", None
    level = getattr(obj, "level", None)
    return obj._meta.model_name, str(obj.pk), (int(level) if level is not None else None)


def _actor_columns(actor: User | None) -> tuple[int | None, str, str, str]:
    if actor is None or not getattr(actor, "pk", None):
        return None, "", "", ""
    from baomi import policy

    return actor.pk, actor.username, ",".join(policy.role_labels(actor)), actor.admin_role


def record(
    *,
    actor: User | None,
    action: str,
    summary: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_level: int | None = None,
    details: dict[str, Any] | None = None,
    outcome: str = Outcome.OK,
    actor_username: str = "",
) -> AuditEvent:
    """Append one event to the chain. Joins the caller's transaction (or opens one).

    The chain head row is locked for the rest of the transaction, so concurrent writers
    append strictly one after another and sequence numbers never fork or skip.

    Plain SQL (lock and read the head; insert the event and move the head, in one round
    trip on PostgreSQL): every service pays for this, and the ORM's per-query overhead
    would cost more than the database work (benchmarks/audit.py).
    """
    if obj is not None:
        object_type, object_id, object_level = describe(obj)
    actor_id, username, roles, admin_role = _actor_columns(actor)
    username = username or actor_username
    if actor_id is None and username == CLI_ACTOR:
        admin_role = CLI_ACTOR  # the operator at the server's shell acts administratively
    sql = _statements()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql.select_head)
        found = cursor.fetchone()
        if found is None:
            raise ChainHead.DoesNotExist("the audit chain head is missing (audit migration 0002 creates it)")
        head_seq, head_hash, head_frontier, last_checkpoint_ts_us = found
        if isinstance(head_frontier, str):
            head_frontier = json.loads(head_frontier)
        seq = head_seq + 1
        row = (
            seq,
            now_us(),
            actor_id,
            _fit(username, 150),
            _fit(roles, 200),
            admin_role,
            _fit(action, 60),
            _fit(object_type, 40),
            _fit(str(object_id), 64),
            object_level,
            _fit(summary, 300),
            chain.canonical_details(details),
            _fit(client_address.get(), 64),
            str(outcome),
        )
        digest = chain.event_hash(head_hash, chain.canonical_bytes(row))
        frontier = Frontier.from_json(head_frontier) if head_frontier else Frontier()
        frontier.append_leaf_hash(leaf_hash(bytes.fromhex(digest)))
        if _checkpoint_due(seq, last_checkpoint_ts_us, row[1]):
            _write_checkpoint(frontier, row[1])
            last_checkpoint_ts_us = row[1]
        event_params = [*row, head_hash, digest]
        head_params = [seq, digest, json.dumps(frontier.to_json()), last_checkpoint_ts_us]
        if sql.insert_and_move:
            cursor.execute(sql.insert_and_move, event_params + head_params)
            event_id = cursor.fetchone()[0]
        else:
            cursor.execute(sql.insert_event, event_params)
            event_id = cursor.fetchone()[0] if sql.returning else cursor.lastrowid
            cursor.execute(sql.move_head, head_params)
    statecache.forget()  # this request's later pages must see the state it just made
    event = AuditEvent(id=event_id, **dict(zip(chain.FIELDS, row, strict=True)), prev_hash=head_hash, hash=digest)
    event._state.adding = False
    event._state.db = connection.alias
    return event


def _fit(text: str, length: int) -> str:
    """Cleaned and cut to its column: PostgreSQL refuses a longer value, and with it the
    whole service (an actor holding many scoped roles, a long name typed at the login)."""
    text = chain.clean(text)
    return text if len(text) <= length else text[: length - 1] + "…"


class _Statements(NamedTuple):
    select_head: str  # and lock it for the rest of the transaction
    insert_event: str
    move_head: str
    returning: bool  # insert_event returns the new id
    insert_and_move: str  # both writes as one statement, where the database can ("" if not)


def _statements() -> _Statements:
    """The writer's SQL in this database's dialect."""
    vendor = connection.vendor
    cached = _SQL.get(vendor)
    if cached is None:
        qn = connection.ops.quote_name
        head, events = qn(ChainHead._meta.db_table), qn(AuditEvent._meta.db_table)
        columns = [str(AuditEvent._meta.get_field(f).column) for f in chain.FIELDS] + ["prev_hash", "hash"]  # type: ignore[union-attr]
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        returning = connection.features.can_return_columns_from_insert
        insert = (f"INSERT INTO {events} ({', '.join(qn(c) for c in columns)}) "
                  f"VALUES ({', '.join(['%s'] * len(columns))})")
        as_json = "CAST(%s AS jsonb)" if vendor == "postgresql" else "%s"
        move = f"UPDATE {head} SET seq = %s, hash = %s, frontier = {as_json}, last_checkpoint_ts_us = %s WHERE id = 1"
        cached = _SQL[vendor] = _Statements(
            select_head=f"SELECT seq, hash, frontier, last_checkpoint_ts_us FROM {head} WHERE id = 1{lock}",
            insert_event=insert + (" RETURNING id" if returning else ""),
            move_head=move,
            returning=returning,
            insert_and_move=(f"WITH e AS ({insert} RETURNING id) {move} RETURNING (SELECT id FROM e)"
                             if vendor == "postgresql" else ""),
        )
    return cached


_SQL: dict[str, _Statements] = {}


def _checkpoint_due(seq: int, last_checkpoint_ts_us: int, ts_us: int) -> bool:
    every = settings.BAOMI_AUDIT_CHECKPOINT_EVERY
    minutes = settings.BAOMI_AUDIT_CHECKPOINT_MINUTES
    if every and seq % every == 0:
        return True
    return bool(minutes) and ts_us - last_checkpoint_ts_us >= minutes * 60_000_000


def _write_checkpoint(frontier: Frontier, ts_us: int) -> Checkpoint:
    key = keys.signing_key()
    root_hex = frontier.root().hex()
    signature = key.sign(keys.checkpoint_message(frontier.size, root_hex, ts_us))
    checkpoint, _ = Checkpoint.objects.get_or_create(
        tree_size=frontier.size,
        defaults={
            "root_hash": root_hex,
            "ts_us": ts_us,
            "key_id": keys.key_id(key.public_key()),
            "signature": signature.hex(),
        },
    )
    return checkpoint


def checkpoint_now() -> Checkpoint | None:
    """Sign the current tree on demand (`baomi audit checkpoint`, the scheduler)."""
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        if head.seq == 0:
            return None
        ts = now_us()
        checkpoint = _write_checkpoint(Frontier.from_json(head.frontier), ts)
        head.last_checkpoint_ts_us = ts
        head.save(update_fields=["last_checkpoint_ts_us"])
        return checkpoint


def record_refusal(
    *, actor: User | None, action: str, reason: str, obj: Any = None, details: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEvent:
    """A refusal is recorded in its own transaction: the refused change itself rolled back."""
    with transaction.atomic():
        return record(
            actor=actor,
            action=action,
            summary=reason,
            obj=obj,
            details=details,
            outcome=Outcome.DENIED,
            actor_username=actor_username,
        )


def lock_chain() -> None:
    """Take the audit chain head's lock first, before any row a service locks.

    Every state change ends by appending to the chain, which locks its head. A service that
    locked a row first and then waited for the head could deadlock with one holding the head
    and waiting for that row (an approval records its decision, then applies the owning
    module's effect). One lock order for every service avoids it on PostgreSQL; SQLite
    transactions begin IMMEDIATE and are serialised already.
    """
    if connection.features.has_select_for_update:
        with connection.cursor() as cursor:
            cursor.execute(_statements().select_head)


@contextmanager
def atomic_action(
    actor: User | None, action: str, *, obj: Any = None, actor_username: str = ""
) -> Iterator[None]:
    """The body of a state-changing service: one transaction, and a `denied` event if refused.

    Use it as the outermost block of a service. When it is nested inside a caller's own
    transaction, the refusal event shares that transaction's fate.
    """
    try:
        with transaction.atomic():
            lock_chain()
            yield
    except Refused as exc:
        record_refusal(actor=actor, action=action, reason=exc.message, obj=obj, details=exc.details or None,
                       actor_username=actor_username)
        exc.recorded = True
        raise


def record_unrecorded_refusal(actor: Any, exc: Refused, *, path: str) -> None:
    """The edges' half of "every refusal is recorded": a refusal raised outside a service
    (a page or API handler asking `policy.require` before reading) gets its event here."""
    if exc.recorded:
        return
    user = actor if getattr(actor, "is_authenticated", False) else None
    action = str(exc.details.get("perm") or "request")
    record_refusal(actor=user, action=action, reason=exc.message, details={**exc.details, "path": path[:200]})
    exc.recorded = True
