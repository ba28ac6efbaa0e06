"""The database side of a backup: a consistent snapshot, what it holds, and putting it back.

SQLite: the online backup API copies the live file (WAL) in one read transaction.
PostgreSQL: `pg_dump -Fc --snapshot` of a snapshot exported by a REPEATABLE READ transaction,
and the same transaction reads the row counts, the content objects and the audit chain head,
so the blob list is exactly the one the dump references.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from baomi.audit.models import ChainHead, Checkpoint
from baomi.vault.models import ContentFile

# Rows that `baomi migrate` writes into a new database: a target holding only these is empty.
BOOKKEEPING = {"django_migrations", "django_content_type", "auth_permission"}


class RestoreError(Exception):
    """The database could not be dumped or restored; the message says why."""


@dataclass
class Snapshot:
    """What a database snapshot holds, read from the snapshot itself."""

    engine: str  # "sqlite" or "postgresql"
    path: Path  # the dump file
    tables: dict[str, int] = field(default_factory=dict)
    blobs: list[str] = field(default_factory=list)
    head: dict[str, Any] | None = None
    checkpoint: dict[str, Any] | None = None
    tool: str = ""


def engine() -> str:
    name = settings.DATABASES["default"]["ENGINE"]
    if name.endswith("sqlite3"):
        return "sqlite"
    if name.endswith("postgresql"):
        return "postgresql"
    raise RestoreError(_("不支持的数据库引擎：%(name)s") % {"name": name})


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def list_tables(cursor: Any, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def count_rows(cursor: Any, vendor: str) -> dict[str, int]:
    counts = {}
    for table in list_tables(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {_q(table)}")
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _describe(cursor: Any, snap: Snapshot) -> None:
    snap.tables = count_rows(cursor, snap.engine)
    content, head, ckpt = ContentFile._meta.db_table, ChainHead._meta.db_table, Checkpoint._meta.db_table
    if content in snap.tables:
        cursor.execute(f"SELECT blob_name FROM {_q(content)} ORDER BY id")
        snap.blobs = [row[0] for row in cursor.fetchall()]
    if head in snap.tables:
        cursor.execute(f"SELECT seq, hash FROM {_q(head)} WHERE id = 1")
        row = cursor.fetchone()
        snap.head = {"seq": int(row[0]), "hash": row[1]} if row else None
    if ckpt in snap.tables:
        cursor.execute(f"SELECT tree_size, root_hash, ts_us, key_id, signature FROM {_q(ckpt)} "
                       "ORDER BY tree_size DESC LIMIT 1")
        row = cursor.fetchone()
        if row:
            snap.checkpoint = dict(zip(["tree_size", "root_hash", "ts_us", "key_id", "signature"], row, strict=True))
            snap.checkpoint["tree_size"] = int(row[0])
            snap.checkpoint["ts_us"] = int(row[2])


# ---------------------------------------------------------------- PostgreSQL connection


def pg_params() -> dict[str, str]:
    db = settings.DATABASES["default"]
    params = {"dbname": db.get("NAME") or "", "user": db.get("USER") or "", "password": db.get("PASSWORD") or "",
              "host": db.get("HOST") or "", "port": str(db.get("PORT") or "")}
    return {k: v for k, v in params.items() if v}


def pg_env() -> dict[str, str]:
    """The libpq environment for pg_dump / pg_restore (the password never on a command line)."""
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD", "host": "PGHOST", "port": "PGPORT"}
    env = dict(os.environ)
    env.update({names[k]: v for k, v in pg_params().items()})
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RestoreError(_("找不到 %(name)s：请安装 PostgreSQL 客户端（Debian: postgresql-client）") % {"name": name})
    return path


def _run(argv: list[str]) -> str:
    # argv is the resolved pg_dump / pg_restore and paths and names from our own settings.
    done = subprocess.run(argv, env=pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RestoreError(_("%(tool)s 失败（%(rc)d）：%(error)s") % {"tool": Path(argv[0]).name, "rc": done.returncode,
                                                            "error": done.stderr.strip()[-2000:]})
    return done.stdout


# ---------------------------------------------------------------- snapshot


def snapshot(folder: Path) -> Snapshot:
    """Dump the configured database into `folder` and describe what the dump holds."""
    kind = engine()
    if kind == "sqlite":
        snap = Snapshot(kind, folder / "baomi.sqlite3", tool=f"sqlite {sqlite3.sqlite_version}")
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=30)
        target = sqlite3.connect(snap.path)
        try:
            source.backup(target)  # all pages in one step: one read transaction, one consistent state
        finally:
            source.close()
        try:
            _describe(target.cursor(), snap)
        finally:
            target.close()
        return snap

    import psycopg

    pg_dump = _tool("pg_dump")
    snap = Snapshot(kind, folder / "baomi.pgdump", tool=_run([pg_dump, "--version"]).strip())
    with psycopg.connect(**pg_params()) as conn:  # type: ignore[arg-type]
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        _describe(conn.cursor(), snap)
        # The exporting transaction stays open until pg_dump has attached to its snapshot (and finished).
        _run([pg_dump, "-Fc", "--no-password", f"--snapshot={row[0]}", "-f", str(snap.path)])
        conn.rollback()
    return snap


# ---------------------------------------------------------------- restore side


def nonempty_tables(cursor: Any, vendor: str) -> list[str]:
    """Tables of the target that hold Baomi data (not just what migrate writes)."""
    found = []
    head = ChainHead._meta.db_table
    for table in list_tables(cursor, vendor):
        if table in BOOKKEEPING:
            continue
        where = " WHERE seq > 0" if table == head else ""
        cursor.execute(f"SELECT 1 FROM {_q(table)}{where} LIMIT 1")
        if cursor.fetchone():
            found.append(table)
    return found


def load(kind: str, dump: Path, *, has_tables: bool) -> None:
    """Put the snapshot into the configured (empty) database."""
    if kind == "sqlite":
        target = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=30)
        source = sqlite3.connect(dump)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    argv = [_tool("pg_restore"), "--no-password", "--no-owner", "--no-acl", "--exit-on-error",
            "--single-transaction", "-d", pg_params().get("dbname", "")]
    if has_tables:  # migrated but empty: replace its empty tables with the archived ones
        argv += ["--clean", "--if-exists"]
    _run([*argv, str(dump)])
