"""Audit log benchmark: append throughput and verification speed, on SQLite and PostgreSQL.

    python benchmarks/audit.py [--events 5000] [--verify-events 1000000] [--only sqlite|postgresql]
                               [--pg-admin-url postgres://postgres@127.0.0.1:5432/postgres]

For each database the script runs two fresh databases, each in a subprocess of its own
(DJANGO_SETTINGS_MODULE, DATABASE_URL and BAOMI_DATA_DIR set per run), migrated with
`call_command("migrate")`:

1. appends: events appended per second through `baomi.audit.services.record`, each in its
   own transaction as a real service does (lock the chain head, hash, insert, move the
   head), against a raw INSERT of the same rows into the same table through the same
   connection, also one transaction per row (the baseline), and the same raw rows batched
   1000 to a transaction (for scale only). Service and raw rounds alternate, so table
   growth and caches weigh on both alike. Target: service >= half of raw.
2. verification: `baomi.audit.verify.verify()` over --verify-events events. The chain is
   computed in Python exactly as `record` would have written it (hashes, Merkle frontier,
   a signed checkpoint every 100,000 events, the chain head) and bulk loaded (executemany
   on SQLite, COPY on PostgreSQL), so verify() checks real data. Target: >= 200,000 events/s.

The SQLite database is a file in a temporary folder (WAL, synchronous=NORMAL, as the
application configures it); the PostgreSQL databases baomi_bench_append and
baomi_bench_verify are created and dropped by this script.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APPEND_TARGET = 0.5
VERIFY_TARGET = 200_000
CHECKPOINT_EVERY = 100_000


# ---------------------------------------------------------------- the worker (one database)


def _django(checkpoint_every: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "baomi.settings"
    os.environ["BAOMI_AUDIT_CHECKPOINT_EVERY"] = str(checkpoint_every)
    os.environ["BAOMI_AUDIT_CHECKPOINT_MINUTES"] = "0"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _sample(i: int) -> dict[str, Any]:
    """Plausible event contents: Chinese summary, a small JSON details object."""
    return {
        "actor_username": f"user{i % 97:03d}",
        "action": ("carrier.lend", "unit.update", "clearance.set", "auth.login")[i % 4],
        "summary": f"借出载体 第{i}号 机要文件（份号 {i % 50:02d}）给 规划科 张三",
        "details": {"copy": i % 50, "due": "2026-12-31", "unit": i % 13, "reason": "工作需要"},
        "object_type": "carrier",
        "object_id": str(i),
        "object_level": i % 5,
    }


def worker_append(events: int, rounds: int = 10) -> dict[str, Any]:
    _django(checkpoint_every=1000)
    from django.db import connection, transaction

    from baomi.audit import chain
    from baomi.audit.models import AuditEvent
    from baomi.audit.services import now_us, record

    columns = [*chain.FIELDS, "prev_hash", "hash"]
    table = AuditEvent._meta.db_table
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"

    def raw_row(i: int, seq: int) -> tuple[Any, ...]:
        s = _sample(i)
        row = (seq, now_us(), None, s["actor_username"], "", "", s["action"], s["object_type"], s["object_id"],
               s["object_level"], s["summary"], chain.canonical_details(s["details"]), "", "ok")
        return (*row, "0" * 64, chain.event_hash("0" * 64, chain.canonical_bytes(row)))

    per_round = max(1, events // rounds)
    service_s = raw_s = batched_s = 0.0
    raw_seq = 10**12  # out of the chain's way: these rows only measure the INSERT itself
    done = 0
    for r in range(rounds):
        start = time.perf_counter()
        for i in range(done, done + per_round):
            s = _sample(i)
            record(actor=None, actor_username=s["actor_username"], action=s["action"], summary=s["summary"],
                   object_type=s["object_type"], object_id=s["object_id"], object_level=s["object_level"],
                   details=s["details"])
        service_s += time.perf_counter() - start

        rows = [raw_row(i, raw_seq + i) for i in range(done, done + per_round)]
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for row in rows:
                with transaction.atomic():
                    cursor.execute(insert, row)
        raw_s += time.perf_counter() - start

        rows = [raw_row(i, 2 * raw_seq + i) for i in range(done, done + per_round)]
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for b in range(0, len(rows), 1000):
                with transaction.atomic():
                    cursor.executemany(insert, rows[b : b + 1000])
        batched_s += time.perf_counter() - start
        done += per_round
        print(f"  round {r + 1}/{rounds}: {done} events", file=sys.stderr, flush=True)

    assert AuditEvent.objects.filter(seq__lte=done).count() == done
    return {
        "events": done,
        "service_per_s": done / service_s,
        "raw_per_s": done / raw_s,
        "raw_batched_per_s": done / batched_s,
        "ratio": (done / service_s) / (done / raw_s),
        "service_chain_ok": _verify_prefix(done),
    }


def _verify_prefix(n: int) -> bool:
    """The service-written part of the chain is sound (the raw rows sit far beyond it)."""
    from django.db import connection

    from baomi.audit import verify as verify_module

    report = verify_module.Report()
    with connection.cursor() as cursor:
        ok = verify_module._Walk(report, {}, None).rows(cursor, 20_000, upto=n)
    return ok and report.events == n


def worker_verify(events: int, repeat: int = 2) -> dict[str, Any]:
    _django(checkpoint_every=CHECKPOINT_EVERY)
    import hashlib

    from django.db import connection, transaction

    from baomi.audit import chain, keys
    from baomi.audit.merkle import Frontier
    from baomi.audit.models import AuditEvent, ChainHead, Checkpoint
    from baomi.audit.verify import verify

    columns = [*chain.FIELDS, "prev_hash", "hash"]
    table = AuditEvent._meta.db_table
    key = keys.signing_key()
    key_id = keys.key_id(key.public_key())
    sha256 = hashlib.sha256
    canonical = chain.canonical_bytes

    # Precompute the distinct texts once; the rows differ in seq, time and ids.
    samples = [_sample(i) for i in range(400)]
    details = [chain.canonical_details(s["details"]) for s in samples]

    start = time.perf_counter()
    frontier = Frontier()
    prev = chain.GENESIS
    ts0 = 1_795_000_000_000_000
    checkpoints: list[tuple[int, str, int, str, str]] = []

    def rows() -> Any:
        nonlocal prev
        for seq in range(1, events + 1):
            s = samples[seq % 400]
            row = (seq, ts0 + seq * 1000, seq % 50 or None, s["actor_username"], "", "", s["action"],
                   s["object_type"], str(seq), s["object_level"], s["summary"], details[seq % 400], "10.0.0.1", "ok")
            digest = sha256(prev.encode() + canonical(row)).hexdigest()
            frontier.append_leaf_hash(sha256(b"\x00" + bytes.fromhex(digest)).digest())
            if seq % CHECKPOINT_EVERY == 0 or seq == events:
                root = frontier.root().hex()
                ts = row[1]
                checkpoints.append((seq, root, ts, key_id, key.sign(keys.checkpoint_message(seq, root, ts)).hex()))
            yield (*row, prev, digest)
            prev = digest

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
            batch: list[tuple[Any, ...]] = []
            for row in rows():
                batch.append(row)
                if len(batch) == 50_000:
                    cursor.executemany(insert, batch)
                    batch = []
            if batch:
                cursor.executemany(insert, batch)
        Checkpoint.objects.bulk_create(
            Checkpoint(tree_size=n, root_hash=r, ts_us=t, key_id=k, signature=sig) for n, r, t, k, sig in checkpoints
        )
        ChainHead.objects.filter(pk=1).update(seq=events, hash=prev, frontier=frontier.to_json(),
                                              last_checkpoint_ts_us=checkpoints[-1][2])
    load_s = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")

    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        report = verify()
        runs.append(time.perf_counter() - start)
        assert report.ok, report.problems
        assert report.events == events and report.checkpoints_checked == len(checkpoints), report
    return {
        "events": events,
        "checkpoints": len(checkpoints),
        "load_s": load_s,
        "verify_s": runs,
        "verify_per_s": events / min(runs),
    }


# ---------------------------------------------------------------- the driver


def _pg(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def _run(kind: str, engine: str, arg: int, database_url: str, data_dir: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": database_url, "BAOMI_DATA_DIR": data_dir,
           "DJANGO_SETTINGS_MODULE": "baomi.settings"}
    env.pop("BAOMI_TESTING", None)
    print(f"{engine}: {kind} ({arg:,} events)…", file=sys.stderr, flush=True)
    proc = subprocess.run([sys.executable, __file__, "--worker", kind, "--n", str(arg)], env=env,
                          stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_engine(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="baomi-bench-") as tmp:
        results: dict[str, Any] = {}
        for kind, n in (("append", args.events), ("verify", args.verify_events)):
            data_dir = str(Path(tmp) / kind)
            if engine == "sqlite":
                url = f"sqlite:///{Path(tmp) / kind}.sqlite3"
                results[kind] = _run(kind, engine, n, url, data_dir)
            else:
                name = f"baomi_bench_{kind}"
                _pg(args.pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                _pg(args.pg_admin_url, f"CREATE DATABASE {name}")
                try:
                    url = args.pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
                    results[kind] = _run(kind, engine, n, url, data_dir)
                finally:
                    _pg(args.pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return results


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    import sqlite3

    return (f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB RAM, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000, help="events appended per method (default 5000)")
    parser.add_argument("--verify-events", type=int, default=1_000_000, help="events verified (default 1,000,000)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--worker", choices=["append", "verify"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker == "append":
        print(json.dumps(worker_append(args.n)))
        return 0
    if args.worker == "verify":
        print(json.dumps(worker_verify(args.n)))
        return 0

    engines = [args.only] if args.only else ["sqlite", "postgresql"]
    results = {engine: bench_engine(engine, args) for engine in engines}
    if args.only != "sqlite":
        import psycopg

        with psycopg.connect(args.pg_admin_url) as conn:
            pg_version = conn.execute("SHOW server_version").fetchone()[0]
            sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
        print(f"PostgreSQL {pg_version}, synchronous_commit={sync}")
    print(machine())
    print()
    head = ("database", "service/s", "raw 1 txn/row/s", "service:raw", "raw batched/s", "verify events/s",
            "verify runs (s)", "load (s)")
    table = [head]
    ok = True
    for engine, r in results.items():
        a, v = r["append"], r["verify"]
        ok &= a["ratio"] >= APPEND_TARGET and v["verify_per_s"] >= VERIFY_TARGET and a["service_chain_ok"]
        table.append((
            engine, f"{a['service_per_s']:,.0f}", f"{a['raw_per_s']:,.0f}", f"{a['ratio']:.2f}",
            f"{a['raw_batched_per_s']:,.0f}", f"{v['verify_per_s']:,.0f}",
            " / ".join(f"{s:.2f}" for s in v["verify_s"]), f"{v['load_s']:.1f}",
        ))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for n, row in enumerate(table):
        print("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                              strict=True))) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 1) + ":" if i else "-" * (w + 2) for i, w in enumerate(widths)) + "|")
    print()
    first = next(iter(results.values()))
    print(f"appends: {first['append']['events']:,} events per method; verify: "
          f"{first['verify']['events']:,} events, {first['verify']['checkpoints']} signed checkpoints, best of "
          f"{len(first['verify']['verify_s'])} runs")
    print(f"targets: service >= {APPEND_TARGET:.0%} of raw, verify >= {VERIFY_TARGET:,} events/s: "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
