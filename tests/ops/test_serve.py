"""`baomi serve`: its gunicorn options, the one-scheduler lock, and a real server end to end."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from baomi.cli import build_parser
from baomi.ops import serve


def test_workers_default_to_the_machine(monkeypatch):
    monkeypatch.delenv("BAOMI_WORKERS", raising=False)
    cores = len(os.sched_getaffinity(0))
    assert serve.default_workers() == 2 * cores + 1
    args = build_parser().parse_args(["serve"])
    assert args.workers == 2 * cores + 1
    monkeypatch.setenv("BAOMI_WORKERS", "3")
    assert build_parser().parse_args(["serve"]).workers == 3
    assert build_parser().parse_args(["serve", "--workers", "5"]).workers == 5


def test_gunicorn_options(monkeypatch):
    monkeypatch.delenv("BAOMI_SCHEDULER", raising=False)
    monkeypatch.setenv("BAOMI_LOG_FORMAT", "json")
    args = build_parser().parse_args(["serve", "--max-requests", "500", "--forwarded-allow-ips", "10.0.0.5",
                                      "--graceful-timeout", "20"])
    options = serve.gunicorn_options(args)
    assert options["max_requests"] == 500
    assert options["max_requests_jitter"] == 50
    assert options["forwarded_allow_ips"] == "10.0.0.5"
    assert options["graceful_timeout"] == 20
    assert options["worker_class"] == "gthread"
    assert options["post_worker_init"] is serve._post_worker_init  # the scheduler, in a worker
    assert "when_ready" not in options  # not in the arbiter, which forks the workers
    assert "%(U)s" in options["access_log_format"] and "%(r)s" not in options["access_log_format"]
    assert options["logconfig_dict"]["formatters"]["json"]["()"] == "baomi.ops.logs.JsonFormatter"
    # Every option is one gunicorn knows (or one it may not know yet, skipped by name in run()).
    from gunicorn.config import Config

    unknown = set(options) - set(Config().settings)
    assert unknown <= {"control_socket"}


def test_scheduler_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("BAOMI_SCHEDULER", "0")
    options = serve.gunicorn_options(build_parser().parse_args(["serve"]))
    assert "post_worker_init" not in options


def test_lock_is_exclusive(tmp_path):
    path = tmp_path / "scheduler.lock"
    first = serve.try_lock(path)
    assert first is not None
    assert serve.try_lock(path) is None  # another open file (another worker): refused
    first.close()
    again = serve.try_lock(path)
    assert again is not None
    again.close()


def test_only_one_scheduler_ticks(tmp_path, monkeypatch):
    """Two workers (two schedulers on one lock file): the jobs run in one of them only."""
    from baomi import jobs

    # The thread objects themselves, not their names: a tick may run before a rename.
    ran: list[threading.Thread] = []
    monkeypatch.setattr(jobs, "tick", lambda: ran.append(threading.current_thread()) or [])
    stop = threading.Event()
    threads = [serve.start_scheduler(interval=0.02, lock_path=tmp_path / "lock", stop=stop) for _ in range(2)]
    deadline = time.monotonic() + 5
    while len(ran) < 6 and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    for thread in threads:
        thread.join(2)
    assert len(ran) >= 6
    assert len(set(ran)) == 1 and ran[0] in threads


def test_metrics_dir_emptied_at_start(tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"stale")
    serve.prepare_metrics_dir(str(folder))
    assert folder.is_dir() and not list(folder.iterdir())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def migrated_data_dir(tmp_path, db):
    """A data folder whose SQLite database is a copy of the test database (already migrated:
    running every migration again would take longer than the test itself)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the server end-to-end test copies the migrated SQLite test database (run on SQLite)")
    source = sqlite3.connect(connection.settings_dict["NAME"])
    target = sqlite3.connect(tmp_path / "baomi.sqlite3")
    source.backup(target)
    target.close()
    source.close()
    check = sqlite3.connect(tmp_path / "baomi.sqlite3")
    assert check.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit_chainhead'").fetchone() == (1,)
    check.close()
    return tmp_path


def test_serve_end_to_end(migrated_data_dir: Path):
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "BAOMI_TESTING", "PROMETHEUS_MULTIPROC_DIR"}}
    env.update(DJANGO_SETTINGS_MODULE="baomi.settings", BAOMI_DATA_DIR=str(migrated_data_dir),
               BAOMI_LOG_FORMAT="json", BAOMI_LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        [sys.executable, "-m", "baomi.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--graceful-timeout", "5"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a loaded CI machine; usually a few seconds
        status = 0
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, _ = _get(f"{base}/healthz", timeout=2)
                if status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        assert status == 200, "baomi serve did not answer /healthz"

        status, body = _get(f"{base}/readyz")
        assert status == 200
        ready = json.loads(body)
        assert ready["status"] == "ok"
        assert {name for name, check in ready["checks"].items() if check["status"] == "ok"} == {
            "database", "storage", "keys"}

        for _ in range(6):  # spread over both workers
            assert _get(f"{base}/healthz")[0] == 200
        status, body = _get(f"{base}/metrics")
        assert status == 200
        text = body.decode()
        # Multiprocess mode: the count is every worker's, summed from the files.
        line = next(ln for ln in text.splitlines()
                    if ln.startswith('baomi_http_requests_total{method="GET",route="healthz",status="2xx"}'))
        assert float(line.split()[-1]) >= 7
        assert "baomi_business_metrics_up 1.0" in text
        assert list((migrated_data_dir / "prometheus").glob("counter_*.db"))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert process.returncode == 0, output
    log_lines = [json.loads(ln) for ln in output.splitlines() if ln.startswith("{")]
    assert any(entry["logger"] == "baomi.request" and entry.get("route") == "readyz" for entry in log_lines)
    assert any("Shutting down" in entry["message"] or "Handling signal" in entry["message"] for entry in log_lines)
