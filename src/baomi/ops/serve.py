"""`baomi serve`: gunicorn (gthread workers) with whitenoise, sized to the machine, and the
embedded scheduler in exactly one worker.

The scheduler used to run as a thread in gunicorn's arbiter (when_ready). The arbiter forks
every new worker (max-requests recycling, crashes); forking while one of its threads is
inside the database driver or holds a lock leaves the child with that state. It now runs in
a worker that holds an exclusive lock on `$BAOMI_DATA_DIR/scheduler.lock`: one per data
folder, and when that worker is recycled the lock passes to another at its next attempt.
BAOMI_SCHEDULER=0 turns it off (then run `baomi tick` from cron or deploy/systemd's timer).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import IO, Any

SCHEDULER_INTERVAL = 300  # seconds between `baomi tick` runs


def default_workers() -> int:
    """2 × cores + 1 (gunicorn's rule of thumb), counting only the cores this process may use."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return 2 * cores + 1


def add_options(p: argparse.ArgumentParser) -> None:
    """Options shared by `baomi serve` and `baomi demo` (except --bind/--access-log, in cli.py)."""
    env = os.environ.get
    p.add_argument("--workers", type=int, default=int(env("BAOMI_WORKERS") or default_workers()),
                   help="工作进程数（默认 2×CPU 核数+1，或 BAOMI_WORKERS）")
    p.add_argument("--threads", type=int, default=int(env("BAOMI_THREADS") or 4), help="每个工作进程的线程数")
    p.add_argument("--timeout", type=int, default=int(env("BAOMI_TIMEOUT") or 60),
                   help="请求超过该秒数未完成则重启工作进程")
    p.add_argument("--graceful-timeout", type=int, default=int(env("BAOMI_GRACEFUL_TIMEOUT") or 30),
                   help="停止或重启时等待进行中请求完成的秒数")
    p.add_argument("--max-requests", type=int, default=int(env("BAOMI_MAX_REQUESTS") or 1000),
                   help="工作进程处理该数量请求后重启（带 10%% 随机抖动；0 表示不重启）")
    p.add_argument("--forwarded-allow-ips", default=env("BAOMI_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
                   help="可信反向代理地址（其 X-Forwarded-Proto 等头被采信）")


def scheduler_enabled() -> bool:
    from baomi.conf import env_bool

    return env_bool("BAOMI_SCHEDULER", default=True)


def try_lock(path: Path) -> IO[bytes] | None:
    """The open lock file when this process now holds the exclusive lock, else None."""
    handle = path.open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def start_scheduler(*, interval: float = SCHEDULER_INTERVAL, lock_path: Path | None = None,
                    stop: threading.Event | None = None) -> threading.Thread:
    """Run `jobs.tick()` every `interval` seconds in this process while it holds the lock
    (`stop` ends the loop; in a worker it runs until the process exits)."""
    from baomi import conf

    path = lock_path or conf.data_dir() / "scheduler.lock"
    held: list[IO[bytes]] = []
    stopped = stop or threading.Event()

    def loop() -> None:
        from django.db import connection

        from baomi import jobs

        while not stopped.wait(interval):
            if not held and (handle := try_lock(path)) is not None:
                held.append(handle)  # kept open for the worker's life: the kernel releases it on exit
            if not held:
                continue
            try:
                jobs.tick()
            except Exception as exc:  # keep the scheduler alive; the next tick retries
                print(f"tick failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            finally:
                connection.close()  # this thread's connection; CONN_MAX_AGE would keep it open between ticks
        for handle in held:
            handle.close()

    thread = threading.Thread(target=loop, name="baomi-scheduler", daemon=True)
    thread.start()
    return thread


def run(args: argparse.Namespace) -> int:
    """The body of `baomi serve` (and of `baomi demo` after loading the demo)."""
    from baomi import conf

    # Before anything imports prometheus_client: it picks its value store at import time.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(conf.data_dir() / "prometheus")
    if "prometheus_client" in sys.modules:  # too late (never with `baomi serve`): each worker counts alone
        print("metrics: prometheus_client already imported, per-process metrics only", file=sys.stderr)
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    else:
        prepare_metrics_dir(folder)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baomi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    # Static files are served by whitenoise from the data folder, compressed once here.
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.urls import get_resolver

    from baomi.wsgi import application

    # Import every view now, once: workers share it (copy-on-write) and their first request is not slow.
    get_resolver().resolve("/healthz")
    # Workers are forked from this process: none may inherit a database connection.
    connections.close_all()
    options = gunicorn_options(args)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # an older gunicorn lacks the newest settings
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    print(f"Baomi 已启动: http://{args.bind}/  (Ctrl+C 停止)", flush=True)
    Server().run()
    return 0


def prepare_metrics_dir(folder: str) -> None:
    """Empty (or create) the folder for this server's lifetime: files left by a previous run
    would add dead workers' counts to the new ones."""
    path = Path(folder)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, mode=0o700)


# Without the query string (%(U)s is the path only): a query string may carry anything.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'


def gunicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    from baomi import conf
    from baomi.ops.logs import gunicorn_logconfig

    max_requests = max(args.max_requests, 0)
    options: dict[str, Any] = {
        "bind": args.bind,
        "workers": max(args.workers, 1),
        "threads": max(args.threads, 1),
        "worker_class": "gthread",
        "timeout": args.timeout,
        "graceful_timeout": args.graceful_timeout,
        "forwarded_allow_ips": args.forwarded_allow_ips,
        "max_requests": max_requests,
        "max_requests_jitter": max_requests // 10,
        "accesslog": "-" if args.access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "child_exit": _child_exit,
        # gunicorn ≥ 25.1's control socket: per installation, not one per user in ~/.gunicorn
        # (two servers of one user would take each other's).
        "control_socket": str(conf.data_dir() / "gunicorn.ctl"),
    }
    if os.environ.get("BAOMI_LOG_FORMAT", "text").strip().lower() == "json":
        options["logconfig_dict"] = gunicorn_logconfig(fmt="json", access=args.access_log)
    if scheduler_enabled():
        options["post_worker_init"] = _post_worker_init
    return options


def _post_worker_init(worker: Any) -> None:
    start_scheduler()


def _child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges leave the sums (counters and histograms stay, as they should)."""
    with contextlib.suppress(Exception):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
