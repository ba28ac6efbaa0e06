"""Concurrent writers append to one linear chain: no fork, no gap, every checkpoint valid.

Real commits, so these run as transactional tests on the real test database: a file on
SQLite (WAL, BEGIN IMMEDIATE) and PostgreSQL (SELECT ... FOR UPDATE on the chain head).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from baomi.accounts import services as accounts
from baomi.audit.models import AuditEvent, ChainHead, Checkpoint
from baomi.audit.services import checkpoint_now, record
from baomi.audit.verify import verify
from baomi.errors import Refused
from tests.factories import make_admin
from tests.threads import run_in_threads

THREADS = 8
PER_THREAD = 25


def _run_threads(target, count: int = THREADS) -> list[BaseException]:
    return run_in_threads(target, count, join_s=120)


def _assert_linear(total: int) -> None:
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    head = ChainHead.objects.get(pk=1)
    assert head.seq == total
    report = verify()
    assert report.ok, report.problems
    assert report.events == total
    assert report.checkpoints_checked == Checkpoint.objects.count() >= total // 5


def test_test_database_is_shared_by_threads(chain_db):
    """On SQLite the suite uses a file test database, or threads would not see one database."""
    if connection.vendor == "sqlite":
        assert not connection.creation.is_in_memory_db(connection.settings_dict["NAME"])
        mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
        assert mode.lower() == "wal"


def test_threads_appending_keep_one_linear_chain(chain_db):
    def writer(n: int) -> None:
        for i in range(PER_THREAD):
            record(actor=None, actor_username=f"writer{n}", action="test.concurrent", summary=f"线程 {n} 第 {i} 条")

    assert _run_threads(writer) == []
    _assert_linear(THREADS * PER_THREAD)
    # Each writer's own events keep their order.
    for n in range(THREADS):
        summaries = list(
            AuditEvent.objects.filter(actor_username=f"writer{n}").order_by("seq").values_list("summary", flat=True)
        )
        assert summaries == [f"线程 {n} 第 {i} 条" for i in range(PER_THREAD)]


def test_threads_running_real_services_with_failures_and_checkpoints(chain_db):
    """Services that commit, services that are refused, rolled-back work and on-demand
    checkpoints, all at once: still one chain, and only committed events in it."""
    sysadmin = make_admin("system", "qianyong")
    secadmin = make_admin("security", "fengxue")
    base = AuditEvent.objects.count()

    def worker(n: int) -> None:
        for i in range(6):
            accounts.unit_create(actor=sysadmin, name=f"单位{n}-{i}", code=f"u{n}-{i}")
            with pytest.raises(Refused):  # recorded as denied, in its own transaction
                accounts.unit_create(actor=secadmin, name=f"越权{n}-{i}", code=f"x{n}-{i}")
            try:
                with transaction.atomic():
                    record(actor=None, action="test.rolled_back", summary="不应留下")
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
            if i % 3 == 0:
                checkpoint_now()

    assert _run_threads(worker) == []
    assert AuditEvent.objects.filter(action="unit.create", outcome="ok").count() == THREADS * 6
    assert AuditEvent.objects.filter(action="unit.create", outcome="denied").count() == THREADS * 6
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    _assert_linear(base + THREADS * 12)


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


_PROCESS_WRITER = textwrap.dedent(
    """
    import sys, django
    django.setup()
    from django.db import connection
    from baomi.audit.services import record
    n, count = int(sys.argv[1]), int(sys.argv[2])
    for i in range(count):
        record(actor=None, actor_username=f"proc{n}", action="test.process", summary=f"进程 {n} 第 {i} 条")
    connection.close()
    """
)


@pytest.mark.slow
def test_processes_appending_keep_one_linear_chain(chain_db):
    """As under `baomi serve` with several workers: separate processes, one database."""
    processes, per_process = 4, 25
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "baomi.settings",
        "DATABASE_URL": _database_url(),
        "BAOMI_AUDIT_CHECKPOINT_EVERY": "5",
        "BAOMI_AUDIT_CHECKPOINT_MINUTES": "0",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS_WRITER, str(n), str(per_process)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n in range(processes)
    ]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    _assert_linear(processes * per_process)
    assert set(AuditEvent.objects.values_list("actor_username", flat=True)) == {f"proc{n}" for n in range(processes)}


def test_verify_while_writers_append(chain_db):
    """Verification during appends never reports a sound log as tampered."""
    stop = threading.Event()
    reports = []

    def run(n: int) -> None:
        if n == 0:
            while not stop.is_set() or not reports:
                reports.append(verify())
            return
        try:
            for i in range(40):
                record(actor=None, action="test.concurrent", summary=f"{n}-{i}")
        finally:
            if n == 1:
                stop.set()

    assert _run_threads(run, count=3) == []
    assert reports
    assert [r.problems for r in reports if not r.ok] == []
    _assert_linear(80)
