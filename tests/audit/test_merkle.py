"""Tests for baomi.audit.merkle (RFC 6962 / RFC 9162 Merkle trees).

Known-answer vectors are copied verbatim from the Certificate Transparency reference
tests, not computed here:

* google/certificate-transparency ``cpp/merkletree/merkle_tree_test.cc``
  (kInputs, kSHA256EmptyTreeHash, kSHA256Roots, kSHA256Paths, kSHA256Proofs);
* transparency-dev/merkle ``testonly/constants.go`` (LeafInputs, NodeHashes,
  RootHashes, CompactTrees) and ``proof/verify_test.go`` (inclusionProofs,
  consistencyProofs, the corrupt*Proof probes and the edge-case tables).

Path vectors there number leaves from 1; here indexes are 0-based (leaf - 1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baomi.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    consistency_proof_from_hashes,
    inclusion_proof,
    inclusion_proof_from_hashes,
    leaf_hash,
    node_hash,
    root,
    root_from_hashes,
    verify_consistency,
    verify_inclusion,
    verify_inclusion_hash,
)


def h(s: str) -> bytes:
    return bytes.fromhex(s)


# ----------------------------------------------------------------- reference vectors

# kInputs / LeafInputs()
LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]

# kSHA256EmptyTreeHash / EmptyRootHash()
EMPTY_TREE_HASH = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

# kSHA256Roots / RootHashes(): roots for tree sizes 1..8
ROOTS = {
    1: h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    2: h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    3: h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    4: h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    5: h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    6: h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    7: h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    8: h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
}

# NodeHashes(): [level][index], level 0 being the leaf hashes.
NODE_HASHES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [
        h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
    ],
]

# CompactTrees(): compact-range hashes for tree sizes 0..8, left to right.
_nh = NODE_HASHES
COMPACT_TREES: list[list[bytes]] = [
    [],
    [_nh[0][0]],
    [_nh[1][0]],
    [_nh[1][0], _nh[0][2]],
    [_nh[2][0]],
    [_nh[2][0], _nh[0][4]],
    [_nh[2][0], _nh[1][2]],
    [_nh[2][0], _nh[1][2], _nh[0][6]],
    [_nh[3][0]],
]

# kSHA256Paths / inclusionProofs: (leaf number, 1-based), tree size, path.
INCLUSION_VECTORS: list[tuple[int, int, list[bytes]]] = [
    (0, 0, []),
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        3,
        3,
        [
            h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        ],
    ),
    (
        2,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]
VALID_INCLUSION_VECTORS = INCLUSION_VECTORS[1:]  # (0, 0) is the "invalid path" entry

# kSHA256Proofs (first four) / consistencyProofs (all five): old size, new size, proof.
CONSISTENCY_VECTORS: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

# sha256SomeHash in transparency-dev/merkle proof/verify_test.go
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


# --------------------------------------------------- RFC 6962 §2.1 recursive reference
# Straight transcriptions of the RFC's recursive definitions, for cross-checking only.


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: Sequence[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def flip(b: bytes, byte: int = 0, mask: int = 1) -> bytes:
    return b[:byte] + bytes([b[byte] ^ mask]) + b[byte + 1 :]


# ------------------------------------------------------------------ known answer tests


def test_empty_tree_hash() -> None:
    assert EMPTY_ROOT == EMPTY_TREE_HASH
    assert root([]) == EMPTY_TREE_HASH
    assert root_from_hashes([]) == EMPTY_TREE_HASH
    assert Frontier().root() == EMPTY_TREE_HASH


def test_leaf_hashes_match_reference_level_0() -> None:
    assert [leaf_hash(x) for x in LEAVES] == NODE_HASHES[0]


def test_node_hashes_match_reference_levels() -> None:
    for level in range(1, len(NODE_HASHES)):
        below = NODE_HASHES[level - 1]
        assert [node_hash(below[2 * i], below[2 * i + 1]) for i in range(len(below) // 2)] == NODE_HASHES[
            level
        ]


@pytest.mark.parametrize("size", range(1, 9))
def test_root_vectors(size: int) -> None:
    assert root(LEAVES[:size]) == ROOTS[size]
    assert root_from_hashes([leaf_hash(x) for x in LEAVES[:size]]) == ROOTS[size]
    assert ref_mth(LEAVES[:size]) == ROOTS[size]


def test_frontier_root_vectors_incremental() -> None:
    f = Frontier()
    assert f.size == 0
    for size in range(1, 9):
        f.append(LEAVES[size - 1])
        assert f.size == size
        assert f.root() == ROOTS[size]


@pytest.mark.parametrize("size", range(0, 9))
def test_frontier_hashes_match_compact_tree_vectors(size: int) -> None:
    f = Frontier()
    for x in LEAVES[:size]:
        f.append(x)
    assert f.hashes == COMPACT_TREES[size]
    assert f.to_json() == {"size": size, "hashes": [x.hex() for x in COMPACT_TREES[size]]}
    # A frontier rebuilt from the reference compact range has the reference root.
    assert Frontier(size, COMPACT_TREES[size]).root() == (ROOTS[size] if size else EMPTY_TREE_HASH)


@pytest.mark.parametrize(("leaf", "size", "path"), VALID_INCLUSION_VECTORS)
def test_inclusion_proof_vectors(leaf: int, size: int, path: list[bytes]) -> None:
    index = leaf - 1
    assert inclusion_proof(LEAVES[:size], index) == path
    assert inclusion_proof_from_hashes([leaf_hash(x) for x in LEAVES[:size]], index) == path
    assert ref_path(index, LEAVES[:size]) == path


def test_inclusion_proof_invalid_vector() -> None:
    # (0, 0): no leaf in an empty tree; leaf index == size is out of range too.
    with pytest.raises(ValueError):
        inclusion_proof([], 0)
    with pytest.raises(ValueError):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError):
        inclusion_proof(LEAVES, -1)


def _corrupt_inclusion(
    index: int, size: int, proof: list[bytes], root_: bytes, lh: bytes
) -> list[tuple[str, int, int, bytes, bytes, list[bytes]]]:
    """corruptInclusionProof from transparency-dev/merkle proof/verify_test.go."""
    probes = [
        ("leafIndex - 1", index - 1, size, root_, lh, proof),
        ("leafIndex + 1", index + 1, size, root_, lh, proof),
        ("leafIndex ^ 2", index ^ 2, size, root_, lh, proof),
        ("treeSize * 2", index, size * 2, root_, lh, proof),
        ("treeSize / 2", index, size // 2, root_, lh, proof),
        ("wrong leaf", index, size, root_, b"WrongLeaf", proof),
        ("empty root", index, size, EMPTY_TREE_HASH, lh, proof),
        ("random root", index, size, SOME_HASH, lh, proof),
        ("trailing garbage", index, size, root_, lh, [*proof, b""]),
        ("trailing root", index, size, root_, lh, [*proof, root_]),
        ("preceding garbage", index, size, root_, lh, [b"", *proof]),
        ("preceding root", index, size, root_, lh, [root_, *proof]),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = flip(wrong[i], 0, 8)
        probes.append((f"modified proof[{i}] bit 3", index, size, root_, lh, wrong))
    if proof:
        probes.append(("removed component", index, size, root_, lh, proof[:-1]))
    if len(proof) > 1:
        probes.append(("inserted component", index, size, root_, lh, [proof[0], SOME_HASH, *proof[1:]]))
    return probes


@pytest.mark.parametrize(("leaf", "size", "path"), VALID_INCLUSION_VECTORS)
def test_verify_inclusion_vectors_and_corruptions(leaf: int, size: int, path: list[bytes]) -> None:
    index = leaf - 1
    lh = leaf_hash(LEAVES[index])
    assert verify_inclusion(LEAVES[index], index, size, path, ROOTS[size])
    assert verify_inclusion_hash(lh, index, size, path, ROOTS[size])
    accepted = [
        desc
        for desc, i, n, r, leaf_h, p in _corrupt_inclusion(index, size, path, ROOTS[size], lh)
        if verify_inclusion_hash(leaf_h, i, n, p, r)
    ]
    assert accepted == []
    assert not verify_inclusion(b"WrongLeaf", index, size, path, ROOTS[size])


def test_verify_inclusion_edge_cases() -> None:
    # TestVerifyInclusion probes: empty proof against impossible index/size pairs.
    for index, size in [(0, 0), (0, 1), (1, 0), (2, 1)]:
        assert not verify_inclusion_hash(SOME_HASH, index, size, [], b"")
        assert not verify_inclusion_hash(b"", index, size, [], EMPTY_TREE_HASH)
        assert not verify_inclusion_hash(SOME_HASH, index, size, [], EMPTY_TREE_HASH)
    # TestVerifyInclusionSingleEntry: for a 1-leaf tree the root is the leaf hash.
    lh = leaf_hash(b"data")
    assert verify_inclusion_hash(lh, 0, 1, [], lh)
    assert verify_inclusion(b"data", 0, 1, [], lh)
    assert not verify_inclusion_hash(b"", 0, 1, [], lh)
    assert not verify_inclusion_hash(lh, 0, 1, [], b"")
    assert not verify_inclusion_hash(b"", 0, 1, [], b"")


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_consistency_proof_vectors(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(LEAVES[:new], old) == proof
    assert consistency_proof_from_hashes([leaf_hash(x) for x in LEAVES[:new]], old) == proof
    assert ref_subproof(old, LEAVES[:new], True) == proof


def _corrupt_consistency(
    old: int, new: int, r1: bytes, r2: bytes, proof: list[bytes]
) -> list[tuple[str, int, int, bytes, bytes, list[bytes]]]:
    """corruptConsistencyProof from transparency-dev/merkle proof/verify_test.go."""
    probes = [
        ("size1 - 1", old - 1, new, r1, r2, proof),
        ("size1 + 1", old + 1, new, r1, r2, proof),
        ("size1 ^ 2", old ^ 2, new, r1, r2, proof),
        ("size2 * 2", old, new * 2, r1, r2, proof),
        ("size2 / 2", old, new // 2, r1, r2, proof),
        ("wrong root1", old, new, b"WrongRoot", r2, proof),
        ("wrong root2", old, new, r1, b"WrongRoot", proof),
        ("swapped roots", old, new, r2, r1, proof),
        ("empty proof", old, new, r1, r2, []),
        ("trailing garbage", old, new, r1, r2, [*proof, b""]),
        ("trailing root1", old, new, r1, r2, [*proof, r1]),
        ("trailing root2", old, new, r1, r2, [*proof, r2]),
        ("preceding garbage", old, new, r1, r2, [b"", *proof]),
        ("preceding root1", old, new, r1, r2, [r1, *proof]),
        ("preceding root2", old, new, r1, r2, [r2, *proof]),
        ("preceding proof[0]", old, new, r1, r2, [proof[0], *proof]),
        ("truncated proof", old, new, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = flip(wrong[i], 0, 16)
        probes.append((f"modified proof[{i}] bit 4", old, new, r1, r2, wrong))
    return probes


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_verify_consistency_vectors_and_corruptions(old: int, new: int, proof: list[bytes]) -> None:
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)
    if not proof:  # as in the reference: only non-trivial proofs are corrupted
        return
    accepted = [
        desc
        for desc, m, n, r1, r2, p in _corrupt_consistency(old, new, ROOTS[old], ROOTS[new], proof)
        if verify_consistency(m, n, r1, r2, p)
    ]
    assert accepted == []


@pytest.mark.parametrize(
    ("old", "new", "r1", "r2", "proof", "ok"),
    [
        # TestVerifyConsistency table, transparency-dev/merkle proof/verify_test.go
        (0, 0, b"don't care 1", b"don't care 2", [], False),
        (1, 1, b"don't care 1", b"don't care 2", [], False),
        # Sizes that are always consistent.
        (0, 0, b"don't care 1", b"don't care 1", [], True),
        (0, 1, b"don't care 1", b"don't care 2", [], True),
        (1, 1, b"don't care 2", b"don't care 2", [], True),
        # Time travel to the past.
        (1, 0, b"don't care 1", b"don't care 2", [], False),
        (2, 1, b"don't care 1", b"don't care 2", [], False),
        # Empty proof.
        (1, 2, b"don't care 1", b"don't care 2", [], False),
        # Roots don't match.
        (0, 0, EMPTY_TREE_HASH, b"don't care 2", [], False),
        (1, 1, EMPTY_TREE_HASH, b"don't care 2", [], False),
        # Roots match but the proof is not empty.
        (0, 0, EMPTY_TREE_HASH, EMPTY_TREE_HASH, [EMPTY_TREE_HASH], False),
        (0, 1, EMPTY_TREE_HASH, EMPTY_TREE_HASH, [EMPTY_TREE_HASH], False),
        (1, 1, EMPTY_TREE_HASH, EMPTY_TREE_HASH, [EMPTY_TREE_HASH], False),
    ],
)
def test_verify_consistency_edge_cases(
    old: int, new: int, r1: bytes, r2: bytes, proof: list[bytes], ok: bool
) -> None:
    assert verify_consistency(old, new, r1, r2, proof) is ok


def test_consistency_proof_range_checks() -> None:
    assert consistency_proof(LEAVES, 0) == []
    assert consistency_proof(LEAVES, 8) == []
    with pytest.raises(ValueError):
        consistency_proof(LEAVES, 9)
    with pytest.raises(ValueError):
        consistency_proof(LEAVES, -1)


# ---------------------------------------------------------------------- property tests

PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Draw the size first (uniform-ish up to 200) so large trees are exercised as often as small ones.
leaf_lists = st.integers(0, 200).flatmap(lambda n: st.lists(st.binary(max_size=12), min_size=n, max_size=n))
unique_leaf_lists = st.integers(1, 200).flatmap(
    lambda n: st.lists(st.binary(max_size=12), min_size=n, max_size=n, unique=True)
)


@PROPS
@given(leaf_lists)
def test_root_matches_rfc_definition(leaves: list[bytes]) -> None:
    expected = ref_mth(leaves)
    assert root(leaves) == expected
    assert root_from_hashes([leaf_hash(x) for x in leaves]) == expected


@PROPS
@given(leaf_lists)
def test_every_inclusion_proof_verifies(leaves: list[bytes]) -> None:
    n = len(leaves)
    hashes = [leaf_hash(x) for x in leaves]
    r = root_from_hashes(hashes)
    for i in range(n):
        proof = inclusion_proof_from_hashes(hashes, i)
        assert verify_inclusion(leaves[i], i, n, proof, r)
        assert verify_inclusion_hash(hashes[i], i, n, proof, r)
    if n:
        assert inclusion_proof(leaves, n - 1) == inclusion_proof_from_hashes(hashes, n - 1)


@PROPS
@given(st.data(), unique_leaf_lists)
def test_inclusion_proof_matches_rfc_path_and_tampering_fails(
    data: st.DataObject, leaves: list[bytes]
) -> None:
    n = len(leaves)
    r = root(leaves)
    i = data.draw(st.integers(0, n - 1), label="index")
    proof = inclusion_proof(leaves, i)
    assert proof == ref_path(i, leaves)
    assert verify_inclusion(leaves[i], i, n, proof, r)

    # Tampered leaf.
    assert not verify_inclusion(leaves[i] + b"\x00", i, n, proof, r)
    if n > 1:
        assert not verify_inclusion(leaves[(i + 1) % n], i, n, proof, r)
    # Tampered index (leaves are distinct, so no other position holds this leaf).
    j = data.draw(st.integers(-3, n + 3).filter(lambda j: j != i), label="wrong index")
    assert not verify_inclusion(leaves[i], j, n, proof, r)
    # Tampered proof: each element with one bit flipped, dropped, or an extra element.
    for k in range(len(proof)):
        bit = data.draw(st.integers(0, 255), label="bit")
        wrong = list(proof)
        wrong[k] = flip(proof[k], bit // 8, 1 << (bit % 8))
        assert not verify_inclusion(leaves[i], i, n, wrong, r)
    if proof:
        assert not verify_inclusion(leaves[i], i, n, proof[:-1], r)
    assert not verify_inclusion(leaves[i], i, n, [*proof, r], r)
    # Tampered root.
    assert not verify_inclusion(leaves[i], i, n, proof, flip(r))


@PROPS
@given(leaf_lists.filter(bool))
def test_every_consistency_proof_verifies_and_old_root_is_bound(leaves: list[bytes]) -> None:
    n = len(leaves)
    hashes = [leaf_hash(x) for x in leaves]
    new_root = root_from_hashes(hashes)
    f = Frontier()
    for m in range(1, n + 1):
        f.append_leaf_hash(hashes[m - 1])
        old_root = f.root()
        proof = consistency_proof_from_hashes(hashes, m)
        assert verify_consistency(m, n, old_root, new_root, proof)
        assert not verify_consistency(m, n, flip(old_root), new_root, proof)
        assert not verify_consistency(m, n, old_root, flip(new_root), proof)
    assert verify_consistency(0, n, EMPTY_ROOT, new_root, [])


@PROPS
@given(st.data(), leaf_lists.filter(bool))
def test_consistency_proof_matches_rfc_subproof_and_tampering_fails(
    data: st.DataObject, leaves: list[bytes]
) -> None:
    n = len(leaves)
    m = data.draw(st.integers(1, n), label="old size")
    proof = consistency_proof(leaves, m)
    assert proof == ref_subproof(m, leaves, True)
    old_root, new_root = root(leaves[:m]), root(leaves)
    assert verify_consistency(m, n, old_root, new_root, proof)
    for k in range(len(proof)):
        bit = data.draw(st.integers(0, 255), label="bit")
        wrong = list(proof)
        wrong[k] = flip(proof[k], bit // 8, 1 << (bit % 8))
        assert not verify_consistency(m, n, old_root, new_root, wrong)
    if proof:
        assert not verify_consistency(m, n, old_root, new_root, proof[:-1])
        assert not verify_consistency(m, n, old_root, new_root, [*proof, new_root])
    # A different old tree of the same size is not consistent with the new one.
    other = [*leaves[: m - 1], leaves[m - 1] + b"\xff"]
    assert not verify_consistency(m, n, root(other), new_root, proof)


@PROPS
@given(leaf_lists)
def test_frontier_root_equals_root_from_hashes_for_every_prefix(leaves: list[bytes]) -> None:
    hashes = [leaf_hash(x) for x in leaves]
    f = Frontier()
    assert f.root() == root_from_hashes([])
    for size in range(1, len(leaves) + 1):
        f.append(leaves[size - 1])
        assert f.size == size
        assert len(f.hashes) == size.bit_count()
        assert f.root() == root_from_hashes(hashes[:size])


@PROPS
@given(leaf_lists, st.data())
def test_frontier_json_round_trip_then_continue(leaves: list[bytes], data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(leaves)), label="cut")
    f = Frontier()
    for x in leaves[:cut]:
        f.append(x)
    restored = Frontier.from_json(f.to_json())
    assert restored == f
    assert restored.size == cut
    for x in leaves[cut:]:
        restored.append(x)
    assert restored.root() == root(leaves)


# --------------------------------------------------------------------- larger / misc


@pytest.mark.parametrize("n", [2**16 - 1, 2**16, 2**16 + 1, 100_003])
def test_frontier_and_root_agree_on_larger_trees(n: int) -> None:
    hashes = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]
    f = Frontier()
    for x in hashes:
        f.append_leaf_hash(x)
    r = root_from_hashes(hashes)
    assert f.root() == r
    i = n // 3
    assert verify_inclusion_hash(hashes[i], i, n, inclusion_proof_from_hashes(hashes, i), r)
    m = n // 2 + 1
    old = root_from_hashes(hashes[:m])
    assert verify_consistency(m, n, old, r, consistency_proof_from_hashes(hashes, m))


def test_frontier_constructor_validation() -> None:
    with pytest.raises(ValueError):
        Frontier(-1)
    with pytest.raises(ValueError):
        Frontier(3, [NODE_HASHES[1][0]])  # size 3 needs two hashes
    with pytest.raises(ValueError):
        Frontier(1, [b"short"])
    with pytest.raises(ValueError):
        Frontier(True, [NODE_HASHES[0][0]])
    with pytest.raises(ValueError):
        Frontier().append_leaf_hash(b"not 32 bytes")
    # The constructor copies its list.
    hs = [NODE_HASHES[0][0]]
    f = Frontier(1, hs)
    f.append(LEAVES[1])
    assert hs == [NODE_HASHES[0][0]]
    assert f.root() == ROOTS[2]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"size": 1},
        {"hashes": []},
        {"size": 1, "hashes": []},
        {"size": 1, "hashes": ["zz" * 32]},
        {"size": 1, "hashes": ["00" * 31]},
        {"size": 1, "hashes": [1]},
        {"size": 1, "hashes": "00" * 32},
        {"size": "1", "hashes": ["00" * 32]},
        {"size": -1, "hashes": []},
    ],
)
def test_frontier_from_json_rejects_malformed(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Frontier.from_json(bad)


def test_frontier_copy_is_independent() -> None:
    f = Frontier()
    for x in LEAVES[:5]:
        f.append(x)
    g = f.copy()
    g.append(LEAVES[5])
    assert f.root() == ROOTS[5]
    assert g.root() == ROOTS[6]
    assert f != g
