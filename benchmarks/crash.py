"""Crash test: kill `baomi serve` with SIGKILL in the middle of concurrent writes, restart it,
and check that every write the server acknowledged survived and nothing is half-written.

    python benchmarks/crash.py [--db sqlite,postgresql] [--kill-after 8] [--registrars 3] [--cyclers 3]
                               [--workers 2] [--pg-admin-url postgres://postgres@127.0.0.1:5432/postgres]

For each database (SQLite in a temporary data folder; PostgreSQL in database
`baomi_crash`, created and dropped by the script):

1. `baomi migrate`, then a small cast through the services (a 机要员 with an API token, a
   section of eight readers, one registered copy per hand-out writer).
2. `baomi serve --workers N` in its own process group.
3. Concurrent writers over the API, each logging every write the server acknowledged:
   registrars POST /api/v1/carriers (201: carrier id, register number, copy ids); cyclers
   hand their copy out and take it back (POST …/circulate, …/return; 200: the movement id).
4. After --kill-after seconds: SIGKILL to the server's whole process group (master and
   workers, mid-transaction); the writers' open requests fail and are not counted.
5. Restart `baomi serve`; time until /healthz answers.
6. Checks, straight on the database: every acknowledged carrier, its copies and its
   `carrier.register` audit event are there; every acknowledged movement is there; nothing
   half-written anywhere — every carrier has its copies and its audit event, every copy its
   register movement, every circulation/return movement one audit event of that copy and
   vice versa, every copy's status the one its last movement left; then `baomi audit verify`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BAOMI = [sys.executable, "-m", "baomi.cli"]
PG_DB = "baomi_crash"
READERS = 8


# ---------------------------------------------------------------- workers (Django on the database under test)


def _django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "baomi.settings"
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()


def worker_cast(cyclers: int) -> dict[str, Any]:
    _django()
    from tests.factories import make_person, make_unit

    from baomi.accounts.services import token_create
    from baomi.carriers import services

    root = make_unit("示范机关", "root")
    office = make_unit("机要室", "office", parent=root)
    planning = make_unit("规划科", "planning", parent=root)
    keeper = make_person("wangfang", unit=office, clearance="CORE", roles=[("confidential_secretary", None)])
    readers = [make_person(f"reader{n}", unit=planning, clearance="IMPORTANT") for n in range(READERS)]
    copies = []
    for n in range(cyclers):
        carrier = services.carrier_register(
            actor=keeper, direction="incoming", title=f"传阅用文件 {n}", mark="秘密★10年", copies=1,
            storage="safe", location="机要室", source_unit="上级机关", need_to_know_people=[],
            need_to_know_units=[planning])
        copies.append(carrier.copies.get().pk)
    token = token_create(actor=keeper, name="crash", days=1)[1]
    return {"token": token, "unit": planning.pk, "readers": [r.pk for r in readers], "copies": copies}


def worker_check(log_path: str) -> dict[str, Any]:
    _django()
    from django.db.models import Count

    from baomi.audit.models import AuditEvent
    from baomi.carriers.models import Carrier, Copy, Movement, MovementKind

    acks = [json.loads(line) for line in Path(log_path).read_text().splitlines()]
    lost: list[str] = []
    for ack in acks:
        if ack["kind"] == "register":
            carrier = Carrier.objects.filter(pk=ack["carrier"]).first()
            if carrier is None or carrier.register_no != ack["register_no"]:
                lost.append(f"carrier {ack['carrier']}")
            elif set(carrier.copies.values_list("pk", flat=True)) != set(ack["copies"]):
                lost.append(f"copies of carrier {ack['carrier']}")
            elif not AuditEvent.objects.filter(action="carrier.register", object_type="carrier",
                                               object_id=str(ack["carrier"]), outcome="ok").exists():
                lost.append(f"audit event of carrier {ack['carrier']}")
        elif not Movement.objects.filter(pk=ack["movement"], copy_id=ack["copy"], kind=ack["kind"]).exists():
            lost.append(f"{ack['kind']} movement {ack['movement']} of copy {ack['copy']}")

    half: list[str] = []
    audited = dict(AuditEvent.objects.filter(action="carrier.register", outcome="ok")
                   .values_list("object_id").annotate(n=Count("id")).values_list("object_id", "n"))
    for carrier_id, copies in Carrier.objects.annotate(n=Count("copies")).values_list("pk", "n"):
        if copies == 0 or audited.get(str(carrier_id)) != 1:
            half.append(f"carrier {carrier_id}: {copies} copies, {audited.get(str(carrier_id), 0)} audit events")
    for action, kind in (("copy.circulate", MovementKind.CIRCULATE), ("copy.return", MovementKind.RETURN)):
        events = dict(AuditEvent.objects.filter(action=action, outcome="ok").values_list("object_id")
                      .annotate(n=Count("id")).values_list("object_id", "n"))
        moves = dict(Movement.objects.filter(kind=kind).values_list("copy_id").annotate(n=Count("id"))
                     .values_list("copy_id", "n"))
        for copy_id in set(moves) | {int(k) for k in events}:
            if moves.get(copy_id, 0) != events.get(str(copy_id), 0):
                half.append(f"copy {copy_id}: {moves.get(copy_id, 0)} {kind} movements, "
                            f"{events.get(str(copy_id), 0)} {action} events")
    for copy in Copy.objects.all():
        movements = list(copy.movements.order_by("at", "id"))
        if not movements or movements[0].kind != MovementKind.REGISTER:
            half.append(f"copy {copy.pk}: no register movement")
        elif movements[-1].status_after != copy.status:
            half.append(f"copy {copy.pk}: status {copy.status}, last movement left {movements[-1].status_after}")
    return {"acknowledged": len(acks), "found": len(acks) - len(lost), "lost": lost, "half_written": half,
            "carriers": Carrier.objects.count(), "copies": Copy.objects.count(),
            "movements": Movement.objects.count(), "events": AuditEvent.objects.count()}


# ---------------------------------------------------------------- the driver


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--worker", *args], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _serve(env: dict[str, str], port: int, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], float]:
    """Start `baomi serve` in its own process group; (process, seconds until /healthz answers)."""
    start = time.perf_counter()
    with log.open("ab") as out:
        server = subprocess.Popen([*BAOMI, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
                                  env=env, stdout=out, stderr=out, start_new_session=True)
    while time.perf_counter() - start < 120:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server, time.perf_counter() - start
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"baomi serve exited with {server.returncode}; see {log}") from None
            time.sleep(0.1)
    raise SystemExit(f"baomi serve did not come up; see {log}")


class Writers:
    """Registrars and cyclers writing over the API; every acknowledged write goes to the log."""

    def __init__(self, port: int, cast: dict[str, Any], registrars: int, log: Path) -> None:
        self.port, self.cast, self.registrars, self.log = port, cast, registrars, log
        self.lock = threading.Lock()
        self.acks = 0
        self.unanswered = 0
        self.refused: list[str] = []
        self.stop = threading.Event()
        self.out = log.open("w")

    def _post(self, path: str, body: dict[str, Any]) -> tuple[int, Any] | None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": f"Bearer {self.cast['token']}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")[:200]
        except OSError:  # the server died under the request: not acknowledged
            with self.lock:
                self.unanswered += 1
            return None

    def _ack(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.out.write(json.dumps(entry) + "\n")
            self.out.flush()
            self.acks += 1

    def registrar(self, n: int) -> None:
        i = 0
        while not self.stop.is_set():
            answer = self._post("/api/v1/carriers", {
                "direction": "incoming", "title": f"崩溃测试来文 {n}-{i}", "mark": "机密★10年", "copies": 2,
                "storage": "safe", "location": "机要室", "source_unit": "上级机关",
                "doc_number": f"上发〔2026〕{n}-{i}号", "need_to_know_units": [self.cast["unit"]]})
            if answer is None:
                return
            status, body = answer
            if status != 201:
                self.refused.append(f"register -> {status} {body}")
                return
            self._ack({"kind": "register", "carrier": body["id"], "register_no": body["register_no"],
                       "copies": [c["id"] for c in body["copies"]]})
            i += 1

    def cycler(self, n: int) -> None:
        copy = self.cast["copies"][n]
        reader = self.cast["readers"][n % READERS]
        while not self.stop.is_set():
            for kind, path, body in (("circulate", "circulate", {"reader_id": reader}),
                                     ("return", "return", {"note": "收回"})):
                answer = self._post(f"/api/v1/carriers/copies/{copy}/{path}", body)
                if answer is None:
                    return
                status, data = answer
                if status != 200:
                    self.refused.append(f"{kind} -> {status} {data}")
                    return
                movement = max(m["id"] for m in data["movements"] if m["kind"] == kind)
                self._ack({"kind": kind, "copy": copy, "movement": movement})

    def start(self, cyclers: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.registrar, args=(n,)) for n in range(self.registrars)]
        threads += [threading.Thread(target=self.cycler, args=(n,)) for n in range(cyclers)]
        for t in threads:
            t.start()
        return threads


def run(db: str, args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"baomi-crash-{db}-"))
    env = {**os.environ, "BAOMI_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "baomi.settings",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    env.pop("DATABASE_URL", None)
    if db == "postgresql":
        env["DATABASE_URL"] = f"{args.pg_admin_url.rsplit('/', 1)[0]}/{PG_DB}"
        for sql in (f"DROP DATABASE IF EXISTS {PG_DB}", f"CREATE DATABASE {PG_DB}"):
            subprocess.run(["psql", args.pg_admin_url, "-qc", sql], check=True, capture_output=True)
    subprocess.run([*BAOMI, "migrate", "--verbosity", "0"], env=env, check=True)
    cast = _worker(env, "cast", str(args.cyclers))

    port = _port()
    server_log = data_dir / "serve.log"
    server, _ = _serve(env, port, args.workers, server_log)
    writers = Writers(port, cast, args.registrars, data_dir / "acks.jsonl")
    threads = writers.start(args.cyclers)
    time.sleep(args.kill_after)
    os.killpg(server.pid, signal.SIGKILL)  # master and every worker, whatever they are doing
    server.wait()
    killed_at = time.perf_counter()
    writers.stop.set()
    for t in threads:
        t.join(timeout=60)
    writers.out.close()

    server, restart = _serve(env, port, args.workers, server_log)
    try:
        check = _worker(env, "check", str(writers.log))
        verify = subprocess.run([*BAOMI, "audit", "verify"], env=env, capture_output=True, text=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    result = {"db": db, "restart_s": restart, "since_kill_s": time.perf_counter() - killed_at,
              "unanswered": writers.unanswered, "refused": writers.refused,
              "verify_ok": verify.returncode == 0, "verify": (verify.stdout + verify.stderr).strip(), **check}
    if db == "postgresql":
        subprocess.run(["psql", args.pg_admin_url, "-qc", f"DROP DATABASE IF EXISTS {PG_DB}"], capture_output=True)
    if not (result["lost"] or result["half_written"] or not result["verify_ok"] or writers.refused):
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        result["data_dir"] = str(data_dir)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--kill-after", type=float, default=8.0, help="seconds of writing before SIGKILL")
    parser.add_argument("--registrars", type=int, default=3)
    parser.add_argument("--cyclers", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "ARG"))
    args = parser.parse_args()
    if args.worker:
        name, arg = args.worker
        print(json.dumps(worker_cast(int(arg)) if name == "cast" else worker_check(arg), ensure_ascii=False))
        return

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}; "
          f"{args.registrars} registrars + {args.cyclers} hand-out writers, SIGKILL after {args.kill_after:g} s, "
          f"baomi serve --workers {args.workers}")
    failed = False
    for db in args.db.split(","):
        r = run(db, args)
        print(f"{db:10} acknowledged {r['acknowledged']:5d}  found {r['found']:5d}  lost {len(r['lost'])}  "
              f"half-written {len(r['half_written'])}  in flight at the kill {r['unanswered']}  "
              f"restart {r['restart_s']:.1f} s  audit verify: {'OK' if r['verify_ok'] else 'FAILED'}")
        print(f"{'':10} after restart: {r['carriers']} carriers, {r['copies']} copies, {r['movements']} movements, "
              f"{r['events']} audit events; {r['verify']}")
        for problem in (r["lost"] + r["half_written"] + r["refused"])[:10]:
            print(f"{'':10} PROBLEM {problem}")
        if "data_dir" in r:
            print(f"{'':10} kept for inspection: {r['data_dir']}")
        failed = failed or bool(r["lost"] or r["half_written"] or not r["verify_ok"] or r["refused"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
