"""/healthz (liveness: the process answers; touches nothing) and /readyz (readiness: the
database, the content store and the keys work). Both are open without login and say nothing
secret: a failed check reports the exception's class, never its message (which may hold a
path, a host name or a key fragment)."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

logger = logging.getLogger("baomi.ops")


def check_database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_storage() -> None:
    """Write, read back and delete a random probe through the vault's blob store (local
    folder or object storage, whichever is configured)."""
    from baomi.vault.storage import blob_store, new_name

    store = blob_store()
    name, data = new_name(), secrets.token_bytes(32)
    store.put(name, data)
    try:
        if store.get(name) != data:
            raise OSError("probe read back differs")
    finally:
        store.delete(name)


def check_keys() -> None:
    """The audit checkpoint signing key and the vault master key load (cheap: both are
    small files; the signing key is cached per process once loaded)."""
    from baomi import conf
    from baomi.audit import keys

    keys.signing_key()
    conf.master_key()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "storage": check_storage,
    "keys": check_keys,
}


def run_checks() -> tuple[bool, dict[str, dict[str, object]]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        entry: dict[str, object] = {"status": "ok"}
        try:
            check()
        except Exception as exc:
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            entry = {"status": "fail", "error": type(exc).__name__}
        entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = entry
    return all(entry["status"] == "ok" for entry in results.values()), results

