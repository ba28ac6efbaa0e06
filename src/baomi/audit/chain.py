"""What an audit hash covers. Pure functions shared by the writer and the verifier.

An event's canonical bytes are its fields joined by the unit separator (0x1F), each field
as the exact text stored in the database, so verification needs no JSON re-encoding and
runs at hundreds of thousands of events a second. A field can't contain 0x1F: `record`
replaces it, so the encoding is unambiguous.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64
SEP = "\x1f"

# Order matters: it is part of the format. Changing it invalidates every existing chain.
FIELDS = (
    "seq",
    "ts_us",
    "actor_id",
    "actor_username",
    "actor_roles",
    "actor_admin_role",
    "action",
    "object_type",
    "object_id",
    "object_level",
    "summary",
    "details",
    "client_address",
    "outcome",
)


def clean(text: str) -> str:
    return text.replace(SEP, " ")


def canonical_details(details: dict[str, Any] | None) -> str:
    if not details:
        return ""
    return clean(json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str))


def canonical_bytes(row: tuple[Any, ...]) -> bytes:
    """`row` holds the FIELDS values in order; None is encoded as the empty string."""
    return SEP.join("" if v is None else str(v) for v in row).encode()


def event_hash(prev_hash: str, data: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + data).hexdigest()
