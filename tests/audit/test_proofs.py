"""Inclusion and consistency proofs, anchored to signed checkpoints and checkable offline."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from baomi.accounts.services import token_create
from baomi.audit import keys, proofs
from baomi.audit.merkle import verify_consistency, verify_inclusion_hash
from baomi.audit.models import Checkpoint
from baomi.errors import Invalid, NotFound
from tests.audit.conftest import append


def auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=user, name='proofs')[1]}"}


def test_inclusion_proof_checks_offline_against_the_signed_root(client, cast):
    append(12)  # checkpoints every 5 events in these tests
    header = auth(cast["auditor"])
    key_pem = client.get("/api/v1/audit/public-key", **header).json()["pem"]
    public = serialization.load_pem_public_key(key_pem.encode())
    latest = Checkpoint.objects.order_by("-tree_size").first()
    for seq in (1, 3, latest.tree_size):
        body = client.get("/api/v1/audit/proofs/inclusion", {"seq": seq}, **header).json()
        cp = body["checkpoint"]
        assert cp["tree_size"] == latest.tree_size
        public.verify(bytes.fromhex(cp["signature"]), keys.checkpoint_message(cp["tree_size"], cp["root_hash"],
                                                                               cp["ts_us"]))
        proof = [bytes.fromhex(p) for p in body["path"]]
        root = bytes.fromhex(cp["root_hash"])
        assert verify_inclusion_hash(bytes.fromhex(body["leaf_hash"]), seq - 1, cp["tree_size"], proof, root)
        assert not verify_inclusion_hash(bytes.fromhex(body["leaf_hash"]), seq % cp["tree_size"], cp["tree_size"],
                                         proof, root)


def test_consistency_proof_between_two_checkpoints(client, cast):
    append(12)
    sizes = sorted(Checkpoint.objects.values_list("tree_size", flat=True))
    old, new = sizes[0], sizes[-1]
    body = client.get("/api/v1/audit/proofs/consistency", {"old_size": old, "new_size": new},
                      **auth(cast["auditor"])).json()
    proof = [bytes.fromhex(p) for p in body["path"]]
    old_root, new_root = bytes.fromhex(body["old"]["root_hash"]), bytes.fromhex(body["new"]["root_hash"])
    assert verify_consistency(old, new, old_root, new_root, proof)
    assert not verify_consistency(old, new, new_root, new_root, proof)


def test_proof_errors(cast):
    append(12)
    sizes = sorted(Checkpoint.objects.values_list("tree_size", flat=True))
    with pytest.raises(NotFound):
        proofs.inclusion(1, tree_size=sizes[0] + 1)  # no checkpoint of that size
    with pytest.raises(Invalid):
        proofs.inclusion(sizes[0] + 1, tree_size=sizes[0])  # beyond what that checkpoint covers
    with pytest.raises(Invalid):
        proofs.consistency(sizes[-1], sizes[0])  # old larger than new


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "staff"])
def test_only_the_auditor_gets_proofs(client, cast, role):
    append(6)
    header = auth(cast[role])
    for url in ("/api/v1/audit/proofs/inclusion?seq=1", "/api/v1/audit/checkpoints", "/api/v1/audit/public-key"):
        assert client.get(url, **header).status_code == 403
