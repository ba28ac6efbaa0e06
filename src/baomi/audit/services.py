"""Writing the audit log. Every state-changing service calls `record` inside its own
transaction, so the change and its event commit together or not at all."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from baomi.audit import chain, keys
from baomi.audit.merkle import Frontier, leaf_hash
from baomi.audit.models import AuditEvent, ChainHead, Checkpoint, Outcome
from baomi.core.context import client_address
from baomi.errors import Refused

if TYPE_CHECKING:
    from baomi.accounts.models import User


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
    """
    if obj is not None:
        object_type, object_id, object_level = describe(obj)
    actor_id, username, roles, admin_role = _actor_columns(actor)
    username = username or actor_username
    with transaction.atomic(savepoint=False):
        head = ChainHead.objects.select_for_update().get(pk=1)
        seq = head.seq + 1
        row = (
            seq,
            now_us(),
            actor_id,
            chain.clean(username),
            roles,
            admin_role,
            action,
            object_type,
            chain.clean(str(object_id)),
            object_level,
            chain.clean(summary[:300]),
            chain.canonical_details(details),
            chain.clean(client_address.get()[:64]),
            str(outcome),
        )
        digest = chain.event_hash(head.hash, chain.canonical_bytes(row))
        event = AuditEvent.objects.create(
            **dict(zip(chain.FIELDS, row, strict=True)), prev_hash=head.hash, hash=digest
        )
        frontier = Frontier.from_json(head.frontier) if head.frontier else Frontier()
        frontier.append_leaf_hash(leaf_hash(bytes.fromhex(digest)))
        head.seq, head.hash, head.frontier = seq, digest, frontier.to_json()
        fields = ["seq", "hash", "frontier"]
        if _checkpoint_due(head, row[1]):
            _write_checkpoint(frontier, row[1])
            head.last_checkpoint_ts_us = row[1]
            fields.append("last_checkpoint_ts_us")
        head.save(update_fields=fields)
    return event


def _checkpoint_due(head: ChainHead, ts_us: int) -> bool:
    every = settings.BAOMI_AUDIT_CHECKPOINT_EVERY
    minutes = settings.BAOMI_AUDIT_CHECKPOINT_MINUTES
    if every and head.seq % every == 0:
        return True
    return bool(minutes) and ts_us - head.last_checkpoint_ts_us >= minutes * 60_000_000


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
    *, actor: User | None, action: str, reason: str, obj: Any = None, details: dict[str, Any] | None = None
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
        )


@contextmanager
def atomic_action(actor: User | None, action: str, *, obj: Any = None) -> Iterator[None]:
    """The body of a state-changing service: one transaction, and a `denied` event if refused.

    Use it as the outermost block of a service. When it is nested inside a caller's own
    transaction, the refusal event shares that transaction's fate.
    """
    try:
        with transaction.atomic():
            yield
    except Refused as exc:
        record_refusal(actor=actor, action=action, reason=exc.message, obj=obj, details=exc.details or None)
        raise
