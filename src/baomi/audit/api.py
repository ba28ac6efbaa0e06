"""Audit events for the auditor (all) and the security administrator (ordinary users')."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from baomi import policy
from baomi.accounts.models import User
from baomi.audit import proofs, selectors
from baomi.audit.models import AuditEvent, Checkpoint
from baomi.audit.verify import verify

router = Router(tags=["audit"])


class EventOut(Schema):
    seq: int
    at: datetime
    actor_username: str
    actor_roles: str
    action: str
    object_type: str
    object_id: str
    object_level: int | None
    summary: str
    details: str
    client_address: str
    outcome: str
    hash: str


class ChainStatus(Schema):
    ok: bool
    events: int
    checkpoints_checked: int
    first_bad_seq: int | None
    problems: list[str]


@router.get("/events", response=list[EventOut], summary="审计事件（按角色可见范围）")
def list_events(
    request: HttpRequest, actor: str = "", action: str = "", object_type: str = "", object_id: str = "",
    outcome: str = "", since: datetime | None = None, until: datetime | None = None,
    limit: int = 100, before_seq: int | None = None,
) -> list[AuditEvent]:
    reader: User = request.user  # type: ignore[assignment]
    policy.require(reader, policy.Perm.READ_AUDIT)
    qs = selectors.events_visible_to(reader, selectors.EventFilter(
        actor=actor, action=action, object_type=object_type, object_id=object_id, outcome=outcome,
        since=since, until=until))
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    return list(qs[: max(1, min(limit, 1000))])


class CheckpointOut(Schema):
    tree_size: int
    root_hash: str
    ts_us: int
    key_id: str
    signature: str


class InclusionOut(Schema):
    seq: int
    leaf_index: int
    event_hash: str
    leaf_hash: str
    checkpoint: CheckpointOut
    path: list[str]


class ConsistencyOut(Schema):
    old: CheckpointOut
    new: CheckpointOut
    path: list[str]


class PublicKeyOut(Schema):
    key_id: str
    pem: str


def _auditor(request: HttpRequest) -> None:
    policy.require(request.user, policy.Perm.VERIFY_AUDIT)  # type: ignore[arg-type]


@router.get("/checkpoints", response=list[CheckpointOut], summary="签名检查点（安全审计员）")
def list_checkpoints(request: HttpRequest, limit: int = 100) -> list[Checkpoint]:
    _auditor(request)
    return list(Checkpoint.objects.order_by("-tree_size")[: max(1, min(limit, 1000))])


@router.get("/public-key", response=PublicKeyOut, summary="检查点签名公钥（安全审计员）")
def public_key(request: HttpRequest) -> PublicKeyOut:
    from cryptography.hazmat.primitives import serialization

    from baomi.audit import keys

    _auditor(request)
    key = keys.public_key()
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return PublicKeyOut(key_id=keys.key_id(key), pem=pem)


@router.get("/proofs/inclusion", response=InclusionOut, summary="包含证明：事件在签名日志中（安全审计员）")
def inclusion_proof(request: HttpRequest, seq: int, tree_size: int | None = None) -> proofs.InclusionProof:
    _auditor(request)
    return proofs.inclusion(seq, tree_size)


@router.get("/proofs/consistency", response=ConsistencyOut, summary="一致性证明：新日志延续旧日志（安全审计员）")
def consistency_proof(request: HttpRequest, old_size: int, new_size: int | None = None) -> proofs.ConsistencyProof:
    _auditor(request)
    return proofs.consistency(old_size, new_size)


@router.get("/status", response=ChainStatus, summary="审计链校验（安全审计员）")
def chain_status(request: HttpRequest) -> ChainStatus:
    policy.require(request.user, policy.Perm.VERIFY_AUDIT)  # type: ignore[arg-type]
    report = verify()
    return ChainStatus(ok=report.ok, events=report.events, checkpoints_checked=report.checkpoints_checked,
                       first_bad_seq=report.first_bad_seq, problems=report.problems)
