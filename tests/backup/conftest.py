"""A real source instance (pytest's database, committed: transactional tests) and an empty
target instance (a new SQLite file, or a freshly created PostgreSQL database), with the CLI
run as a separate process against each, as an operator would."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.audit.conftest import chain_db  # noqa: F401  (fixtures)
from tests.carriers.conftest import carriers_chain_db, register  # noqa: F401  (fixtures)

TEXT = "规划科本周工作安排（内部）\n一、周一：汇总各区重点项目进展。\n二、周二：召开用地预审协调会。\n".encode()


@dataclass
class Instance:
    data: Path
    database_url: str

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BAOMI_", "DATABASE_URL"))}
        env.update(DJANGO_SETTINGS_MODULE="baomi.settings", BAOMI_DATA_DIR=str(self.data),
                   DATABASE_URL=self.database_url, **extra)
        return env

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "baomi.cli", *args], env=self.env(**extra),
                              capture_output=True, text=True, timeout=600, check=False)

    def blobs(self) -> dict[str, bytes]:
        root = self.data / "blobs"
        return {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.exists() else {}


def url_of(settings_dict: dict[str, Any], name: str | None = None) -> str:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{name or settings_dict['NAME']}"
    user, password = settings_dict.get("USER") or "", settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{name or settings_dict['NAME']}"


def _pg_admin(sql: str) -> None:
    import psycopg

    s = connection.settings_dict
    params = {"dbname": "postgres", "user": s.get("USER"), "password": s.get("PASSWORD"), "host": s.get("HOST"),
              "port": s.get("PORT")}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def backup_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def source(carriers_chain_db, tmp_path, monkeypatch) -> Instance:  # noqa: F811
    """People, units, carriers, encrypted content in two versions, audit events and a signed
    checkpoint, all through the services and committed."""
    from baomi.audit.services import checkpoint_now
    from baomi.carriers.models import CarrierKind, StorageClass
    from baomi.vault.services import content_upload
    from tests.carriers.conftest import build_office

    if connection.vendor == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore not installed (Debian: postgresql-client)")
    data = tmp_path / "source"
    data.mkdir()
    monkeypatch.setenv("BAOMI_DATA_DIR", str(data))
    monkeypatch.delenv("BAOMI_MASTER_KEY", raising=False)
    office = build_office()
    carrier = register(office.wangfang, mark="工作秘密", copies=1, kind=CarrierKind.ELECTRONIC, direction="made",
                       title="规划科本周工作安排（电子版）", storage=StorageClass.CABINET, location="机要室",
                       units=[office.units["planning"]])
    register(office.wangfang)  # a 机密 paper carrier with two copies
    content_upload(actor=office.wangfang, carrier=carrier, data=TEXT, filename="安排.txt", content_type="text/plain")
    content_upload(actor=office.wangfang, carrier=carrier, data=TEXT + "三、周三：调研。\n".encode(),
                   filename="安排（修订）.txt", content_type="text/plain")
    assert checkpoint_now() is not None
    return Instance(data, url_of(connection.settings_dict))


@pytest.fixture
def target(tmp_path, source) -> Any:
    """An empty instance: a new data folder and a database with nothing in it (not even tables)."""
    data = tmp_path / "target"
    data.mkdir()
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        yield Instance(data, url_of(s, str(data / "baomi.sqlite3")))
        return
    name = f"{s['NAME']}_restore"[:63]
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}"')
    yield Instance(data, url_of(s, name))
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def install_master_key(source: Instance, target: Instance) -> None:
    """What the operator does from the offline copy: the vault master key is not in the archive."""
    (target.data / "master.key").write_bytes((source.data / "master.key").read_bytes())


def target_tables(target: Instance) -> list[str]:
    """The target database's tables, read in another process (nothing restored: none)."""
    code = ("import django; django.setup(); from django.db import connection; "
            "print(len(connection.introspection.table_names()))")
    done = subprocess.run([sys.executable, "-c", code], env=target.env(), capture_output=True, text=True,
                          check=True, timeout=120)
    return [""] * int(done.stdout.strip())
