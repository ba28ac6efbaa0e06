"""Merkle tree hashing, proofs and an incremental frontier, as in RFC 6962 / RFC 9162.

Pure Python, no Django. The hash is SHA-256 with the RFC 6962 domain separation::

    MTH({})      = SHA-256()
    leaf hash    = SHA-256(0x00 || leaf)
    node hash    = SHA-256(0x01 || left || right)
    MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   with k the largest power of two < n

Indexes are 0-based (RFC 9162 convention). Proof producers take either raw leaves
(``inclusion_proof`` / ``consistency_proof``) or the already computed leaf hashes
(``*_from_hashes``); both run in O(n) hashing and without recursion.

``Frontier`` keeps only the roots of the perfect subtrees along the right edge of the
tree (a "compact range" covering ``[0, size)``), so a log can maintain its current root
in O(log n) per append and persist that state as JSON in a database row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "consistency_proof",
    "consistency_proof_from_hashes",
    "inclusion_proof",
    "inclusion_proof_from_hashes",
    "leaf_hash",
    "node_hash",
    "root",
    "root_from_hashes",
    "verify_consistency",
    "verify_inclusion",
    "verify_inclusion_hash",
]

HASH_SIZE = 32
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256

#: Root of the empty tree, SHA-256 of the empty string.
EMPTY_ROOT: bytes = _sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: ``SHA-256(0x00 || data)``."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: ``SHA-256(0x01 || left || right)``."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """Merkle tree hash of a tree whose leaf hashes are given.

    Built bottom-up, level by level: adjacent nodes are paired and a lone last node is
    carried up unchanged, which yields exactly the RFC 6962 left-balanced tree. O(n)
    hashes, O(n) memory, no recursion.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    prefix = _NODE_PREFIX
    sha = _sha256
    while len(level) > 1:
        paired = [sha(prefix + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)]
        if len(level) & 1:
            paired.append(level[-1])
        level = paired
    return level[0]


def root(leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash (MTH) of the raw leaf data ``leaves``."""
    return root_from_hashes([leaf_hash(d) for d in leaves])


# --------------------------------------------------------------------------- inclusion


def inclusion_proof_from_hashes(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path (RFC 6962 §2.1.1 PATH) for leaf ``index``, ordered from the leaf up."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} out of range for tree size {n}")
    path: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(root_from_hashes(leaf_hashes[lo + k : hi]))
            hi = lo + k
        else:
            path.append(root_from_hashes(leaf_hashes[lo : lo + k]))
            lo += k
    path.reverse()
    return path


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path for ``leaves[index]`` in the tree of the raw ``leaves``."""
    return inclusion_proof_from_hashes([leaf_hash(d) for d in leaves], index)


def verify_inclusion_hash(
    leaf_digest: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` place the leaf hash ``leaf_digest`` at ``index`` under ``root``?"""
    if index < 0 or index >= tree_size or len(leaf_digest) != HASH_SIZE:
        return False
    fn, sn = index, tree_size - 1
    r = leaf_digest
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_inclusion(leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Verify an inclusion proof for the raw leaf data ``leaf`` (RFC 9162 §2.1.3.2)."""
    return verify_inclusion_hash(leaf_hash(leaf), index, tree_size, proof, root)


# ------------------------------------------------------------------------- consistency


def consistency_proof_from_hashes(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Consistency proof (RFC 6962 §2.1.2 PROOF / SUBPROOF) from ``old_size`` to ``len(leaf_hashes)``.

    Empty when ``old_size`` is 0 or equals the current size.
    """
    n = len(leaf_hashes)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} out of range for tree size {n}")
    if old_size in (0, n):
        return []
    proof: list[bytes] = []
    lo, hi, m = 0, n, old_size
    complete = True  # the "b" flag of SUBPROOF: the old root is this very subtree
    while True:
        size = hi - lo
        if m == size:
            if not complete:
                proof.append(root_from_hashes(leaf_hashes[lo:hi]))
            break
        k = _split(size)
        if m <= k:
            proof.append(root_from_hashes(leaf_hashes[lo + k : hi]))
            hi = lo + k
        else:
            proof.append(root_from_hashes(leaf_hashes[lo : lo + k]))
            lo += k
            m -= k
            complete = False
    proof.reverse()
    return proof


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Consistency proof between the first ``old_size`` raw leaves and all of ``leaves``."""
    return consistency_proof_from_hashes([leaf_hash(d) for d in leaves], old_size)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: does tree (``new_size``, ``new_root``) extend (``old_size``, ``old_root``)?

    Edge cases follow the Certificate Transparency / transparency-dev verifiers: equal
    sizes need an empty proof and equal roots; ``old_size == 0`` is consistent with any
    tree given an empty proof (the roots are not examined, so callers that store a
    size-0 checkpoint should compare its root with ``EMPTY_ROOT`` themselves).
    """
    if old_size < 0 or new_size < old_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # exact power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# ---------------------------------------------------------------------------- frontier


def _check_hash(h: object, what: str) -> bytes:
    if not isinstance(h, bytes) or len(h) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes")
    return h


class Frontier:
    """Right edge ("compact range" ``[0, size)``) of an append-only RFC 6962 tree.

    ``hashes`` holds the roots of the perfect subtrees that make up the tree, left to
    right, one per set bit of ``size`` (largest first). Appending a leaf merges equal-size
    subtrees like a binary counter, so each append costs O(1) amortised and O(log n) at
    worst; ``root()`` folds the at most log2(n)+1 hashes from the right.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: list[bytes] | None = None) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError("size must be a non-negative integer")
        hs = [] if hashes is None else list(hashes)
        if len(hs) != size.bit_count():
            raise ValueError(f"a frontier of size {size} has {size.bit_count()} hashes, got {len(hs)}")
        self._size = size
        self._hashes = [_check_hash(h, "frontier hash") for h in hs]

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """A copy of the subtree roots, left to right."""
        return list(self._hashes)

    def append_leaf_hash(self, h: bytes) -> None:
        """Append a leaf given its leaf hash (``leaf_hash(data)``)."""
        _check_hash(h, "leaf hash")
        hs = self._hashes
        s = self._size
        while s & 1:  # each trailing 1 bit is a subtree of the same size to merge with
            h = _sha256(_NODE_PREFIX + hs.pop() + h).digest()
            s >>= 1
        hs.append(h)
        self._size += 1

    def append(self, data: bytes) -> None:
        """Append a leaf given its raw data."""
        self.append_leaf_hash(leaf_hash(data))

    def root(self) -> bytes:
        """Merkle tree hash of the ``size`` leaves appended so far."""
        hs = self._hashes
        if not hs:
            return EMPTY_ROOT
        r = hs[-1]
        for h in reversed(hs[:-1]):
            r = node_hash(h, r)
        return r

    def copy(self) -> Frontier:
        return Frontier(self._size, self._hashes)

    def to_json(self) -> dict[str, Any]:
        """``{"size": int, "hashes": [lowercase hex, ...]}``, e.g. for a JSON database column."""
        return {"size": self._size, "hashes": [h.hex() for h in self._hashes]}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Frontier:
        """Inverse of ``to_json``; raises ``ValueError`` on malformed input."""
        try:
            size = d["size"]
            raw = d["hashes"]
        except (KeyError, TypeError) as exc:
            raise ValueError("frontier JSON needs 'size' and 'hashes'") from exc
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise ValueError("frontier 'hashes' must be a list of hex strings")
        try:
            hashes = [bytes.fromhex(x) for x in raw]
        except ValueError as exc:
            raise ValueError("frontier 'hashes' must be a list of hex strings") from exc
        return cls(size, hashes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frontier):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"
