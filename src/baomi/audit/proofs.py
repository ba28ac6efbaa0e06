"""Merkle proofs for auditors: that an event is in the signed log (inclusion), and that a
later signed log extends an earlier one without rewriting it (consistency).

Proofs are anchored to signed checkpoints, so an auditor holding the public key can check
them away from this server: verify the checkpoint's signature, then the proof against its
root (RFC 9162 §2.1.3.2 and §2.1.4.2; `baomi.audit.merkle` implements both checks).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from baomi.audit.merkle import (
    consistency_proof_from_hashes,
    inclusion_proof_from_hashes,
    leaf_hash,
)
from baomi.audit.models import AuditEvent, Checkpoint
from baomi.errors import Invalid, NotFound


@dataclass
class InclusionProof:
    seq: int
    leaf_index: int
    event_hash: str
    leaf_hash: str
    checkpoint: Checkpoint
    path: list[str]


@dataclass
class ConsistencyProof:
    old: Checkpoint
    new: Checkpoint
    path: list[str]


def _leaf_hashes(upto: int) -> list[bytes]:
    hashes = AuditEvent.objects.filter(seq__lte=upto).order_by("seq").values_list("hash", flat=True)
    return [leaf_hash(bytes.fromhex(h)) for h in hashes.iterator(chunk_size=20_000)]


def _checkpoint(tree_size: int | None) -> Checkpoint:
    qs = Checkpoint.objects.order_by("-tree_size")
    found = qs.filter(tree_size=tree_size).first() if tree_size is not None else qs.first()
    if found is None:
        raise NotFound(_("没有该大小的签名检查点"))
    return found


def inclusion(seq: int, tree_size: int | None = None) -> InclusionProof:
    """Event `seq` is leaf `seq - 1` of the tree signed at `tree_size` (default: the latest)."""
    checkpoint = _checkpoint(tree_size)
    if not 1 <= seq <= checkpoint.tree_size:
        raise Invalid(_("事件序号不在该检查点覆盖的范围内"))
    event = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
    if event is None:
        raise NotFound(_("对象不存在"))
    leaves = _leaf_hashes(checkpoint.tree_size)
    path = inclusion_proof_from_hashes(leaves, seq - 1)
    return InclusionProof(seq=seq, leaf_index=seq - 1, event_hash=event, leaf_hash=leaves[seq - 1].hex(),
                          checkpoint=checkpoint, path=[p.hex() for p in path])


def consistency(old_size: int, new_size: int | None = None) -> ConsistencyProof:
    """The tree signed at `new_size` extends the tree signed at `old_size` unchanged."""
    old, new = _checkpoint(old_size), _checkpoint(new_size)
    if old.tree_size > new.tree_size:
        raise Invalid(_("旧检查点不能大于新检查点"))
    leaves = _leaf_hashes(new.tree_size)
    path = consistency_proof_from_hashes(leaves, old.tree_size)
    return ConsistencyProof(old=old, new=new, path=[p.hex() for p in path])
