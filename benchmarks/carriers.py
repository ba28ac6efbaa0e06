"""Carrier list benchmark: the first page of 涉密载体 for an ordinary cleared reader, on
PostgreSQL, with 1,000,000 carriers, 3,000,000 copies and 10,000 people.

    python benchmarks/carriers.py [--carriers 1000000] [--people 10000] [--samples 200]
                                  [--reuse] [--pg-admin-url postgres://postgres@127.0.0.1:5432/postgres]

1. Data (skipped with --reuse when the database already holds it): a fresh database
   `baomi_bench_carriers`, migrated with the application's migrations, then filled inside
   PostgreSQL with generate_series (deterministic: setseed): 201 units (the body, 20
   departments of 9 sections), people spread over the sections (10% 核心, 30% 重要, 50% 一般,
   10% 非涉密), one 机要员 per department, carriers over ten years (30% 工作秘密, 45% 秘密,
   20% 机密, 5% 绝密) each known to its own section, 20% also to the department, 1% to the
   whole body, 30% to one or two named people; three numbered copies each, 10% of them out
   with a person. Then VACUUM ANALYZE.
2. Timing, in a subprocess with Django on that database: for --samples ordinary readers
   (cleared, no keeper role), what the list page does: the first 51 ids in registration
   order (`slice_page` over `selectors.carriers_visible_to(reader).values_list("pk")`; the
   51st says whether a next page exists), then those rows and their copy counts
   (`selectors.carrier_rows`) — against the same query without the visibility filter (the
   baseline), alternating reader by reader; then, for a tenth of them, the total count the
   page fetches afterwards (htmx), filtered and not. Prints p50/p95/mean, the ratio and the
   plan of one filtered page. For an ordinary reader the filtered page is the index walk over
   `carrier_access` (selectors.VisibleCarriers, migration carriers 0007, whose triggers keep
   it and whose backfill fills it on --reuse: ≈1.7M rows here, seconds); the plan printed is
   that walk's.

Targets (issue "涉密载体"): filtered p95 <= 30 ms and <= 1.5x the unfiltered query.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DB = "baomi_bench_carriers"
P95_TARGET_MS = 30.0
RATIO_TARGET = 1.5

FILL_SQL = """
SELECT setseed(0.42);

INSERT INTO accounts_unit (id, name, code, is_active, sort_order, created_at, parent_id)
VALUES (1, '示范机关', 'root', true, 0, now(), NULL);
INSERT INTO accounts_unit (id, name, code, is_active, sort_order, created_at, parent_id)
SELECT 1 + d, '第' || d || '部', 'd' || d, true, d, now(), 1 FROM generate_series(1, 20) d;
INSERT INTO accounts_unit (id, name, code, is_active, sort_order, created_at, parent_id)
SELECT 100 + (d - 1) * 9 + s, '第' || d || '部第' || s || '处', 'd' || d || 's' || s, true, s, now(), 1 + d
FROM generate_series(1, 20) d, generate_series(1, 9) s;
SELECT setval(pg_get_serial_sequence('accounts_unit', 'id'), 1000);

-- People: section = 101 + (i % 180); clearance by i % 10.
INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                           is_active, date_joined, full_name, staff_no, post, clearance, admin_role,
                           must_change_password, unit_id)
SELECT i, '!', false, 'u' || lpad(i::text, 5, '0'), '', '', '', false, true, now(), '人员' || i,
       'S' || i, '科员',
       CASE WHEN i % 10 = 0 THEN 3 WHEN i % 10 IN (1, 2, 3) THEN 2 WHEN i % 10 = 9 THEN 0 ELSE 1 END,
       '', false, 101 + (i % 180)
FROM generate_series(1, :people) i;
SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), :people + 1);

-- One 机要员 (核心) per department, keeping its registers.
UPDATE accounts_user SET clearance = 3, post = '机要员' WHERE id <= 20;
UPDATE accounts_user SET unit_id = 1 + id WHERE id <= 20;
INSERT INTO accounts_roleassignment (role, granted_at, user_id, unit_id)
SELECT 'confidential_secretary', now(), d, 1 + d FROM generate_series(1, 20) d;

CREATE TEMP TABLE gen AS
SELECT i AS id, r1, r2, r3,
       CASE WHEN r1 < 0.30 THEN 2 WHEN r1 < 0.75 THEN 3 WHEN r1 < 0.95 THEN 4 ELSE 5 END AS level,
       101 + floor(r2 * 180)::int AS section
FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3 FROM generate_series(1, :carriers) i) g;

INSERT INTO carriers_carrier (id, register_no, direction, kind, title, doc_number, source_unit, destination_unit,
                              level, marking, period_stated, secret_type, dated_on, registered_on, return_by,
                              note, meeting_name, created_at, created_by_id, unit_id)
SELECT id, 'SW' || lpad(id::text, 8, '0'), CASE WHEN r3 < 0.7 THEN 'incoming' ELSE 'made' END, 'paper',
       '关于第' || id || '号事项的通知', '示发〔' || (2016 + id % 10) || '〕' || (id % 400) || '号', '上级机关', '',
       level, CASE level WHEN 2 THEN '工作秘密' WHEN 3 THEN '秘密★5年' WHEN 4 THEN '机密★10年' ELSE '绝密★30年' END,
       true, CASE WHEN level >= 3 THEN 'state' ELSE 'work' END,
       date '2026-11-01' - (id::bigint * 3650 / :carriers)::int - 3,
       date '2026-11-01' - (id::bigint * 3650 / :carriers)::int,
       NULL, '', '', now(), 1 + ((section - 101) / 9), section
FROM gen;
SELECT setval(pg_get_serial_sequence('carriers_carrier', 'id'), :carriers + 1);

INSERT INTO carriers_carrier_need_to_know_units (carrier_id, unit_id)
SELECT id, section FROM gen
UNION ALL SELECT id, 2 + ((section - 101) / 9) FROM gen WHERE r3 < 0.20
UNION ALL SELECT id, 1 FROM gen WHERE r3 >= 0.99;

INSERT INTO carriers_carrier_need_to_know_people (carrier_id, user_id)
SELECT id, 21 + floor(random() * (:people - 21))::int FROM gen WHERE r3 >= 0.20 AND r3 < 0.50
UNION
SELECT id, 21 + floor(random() * (:people - 21))::int FROM gen WHERE r3 >= 0.35 AND r3 < 0.50;

-- Three copies each; 10% out with a person of the section (due in a week), the rest with the keeper.
INSERT INTO carriers_copy (serial, level, location, storage, status, due_at, created_at, carrier_id, custodian_id,
                           origin_id)
SELECT s, g.level, '机要室', CASE WHEN g.level = 5 THEN 'safe' ELSE 'cabinet' END,
       CASE WHEN o THEN 'lent' WHEN g.r1 > 0.9 THEN 'archived' ELSE 'in_custody' END,
       CASE WHEN o THEN now() + interval '7 days' END, now(), g.id,
       CASE WHEN o THEN (g.section - 101) + 180 * (1 + floor(random() * (:people / 180 - 1))::int)
            ELSE 1 + ((g.section - 101) / 9) END,
       NULL
FROM gen g, generate_series(1, 3) s, LATERAL (SELECT random() < 0.10 AS o) x;
"""


# ---------------------------------------------------------------- the worker (Django on the bench database)


def _django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "baomi.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def worker_migrate() -> dict[str, Any]:
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return {"migrated": True}


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def worker_time(samples: int) -> dict[str, Any]:
    _django()
    from django.db import connection

    from baomi import policy
    from baomi.accounts.models import User
    from baomi.carriers import selectors
    from baomi.carriers.models import Carrier
    from baomi.core.paging import slice_page

    readers = list(User.objects.filter(clearance__gte=1, role_assignments__isnull=True, admin_role="")
                   .order_by("id")[: samples * 7 : 7])

    def page(qs: Any) -> int:
        return len(slice_page(qs.values_list("pk", flat=True), "1", 50, selectors.carrier_rows))

    def unfiltered() -> Any:
        # The list query exactly as the selector builds it, minus the visibility condition.
        return Carrier.objects.select_related("unit", "created_by").order_by("-registered_on", "-id")

    def timed(fn: Any) -> float:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1000

    for reader in readers[:5]:  # warm caches and connection
        page(selectors.carriers_visible_to(reader))
        page(unfiltered())
    runs: dict[str, list[float]] = {"filtered": [], "unfiltered": [], "filtered_count": [], "unfiltered_count": []}
    visible: list[int] = []
    for reader in readers:
        reader = User.objects.get(pk=reader.pk)  # a fresh instance, as in a request
        runs["filtered"].append(timed(lambda: page(selectors.carriers_visible_to(reader))))  # noqa: B023
        runs["unfiltered"].append(timed(lambda: page(unfiltered())))
    for reader in readers[: max(5, len(readers) // 10)]:  # the count the page loads afterwards
        reader = User.objects.get(pk=reader.pk)
        start = time.perf_counter()
        visible.append(selectors.carriers_visible_to(reader).count())
        runs["filtered_count"].append((time.perf_counter() - start) * 1000)
        runs["unfiltered_count"].append(timed(lambda: unfiltered().count()))

    sample = readers[len(readers) // 2]
    reach = policy.carrier_reach(sample)
    if reach is not None:  # the index walk over carrier_access (selectors.VisibleCarriers)
        sql, params = selectors._walk_sql(reach, 51, 0)
    else:
        sql, params = selectors.carriers_visible_to(sample).values_list("pk", flat=True)[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM carriers_carrier")
        carriers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM carriers_copy")
        copies = cursor.fetchone()[0]
    stats = {name: {"p50": _pct(v, 50), "p95": _pct(v, 95), "mean": statistics.mean(v)} for name, v in runs.items()}
    return {"carriers": carriers, "copies": copies, "readers": len(readers),
            "visible_median": statistics.median(visible), **stats, "plan": plan}


# ---------------------------------------------------------------- the driver


def _run_worker(name: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--worker", name, *args], env=env, check=True,
                         stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _psql(url: str, sql: str, **variables: int) -> None:
    command = ["psql", url, "-v", "ON_ERROR_STOP=1", "-q"]
    for key, value in variables.items():
        command += ["-v", f"{key}={value}"]
    subprocess.run(command, input=sql, text=True, check=True, stdout=subprocess.DEVNULL)


def _populated(url: str) -> int:
    out = subprocess.run(["psql", url, "-Atc", "SELECT count(*) FROM carriers_carrier"], text=True,
                         capture_output=True)
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip().isdigit() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--carriers", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep the database if it already holds the data")
    parser.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--worker")
    args, rest = parser.parse_known_args()
    if args.worker:
        result = worker_migrate() if args.worker == "migrate" else worker_time(int(rest[0]))
        print(json.dumps(result, ensure_ascii=False))
        return

    base = args.pg_admin_url.rsplit("/", 1)[0]
    url = f"{base}/{DB}"
    env = {**os.environ, "DATABASE_URL": url, "BAOMI_DATA_DIR": tempfile.mkdtemp(prefix="baomi-bench-")}
    if not (args.reuse and _populated(url) >= args.carriers):
        _psql(args.pg_admin_url, f"DROP DATABASE IF EXISTS {DB};")
        _psql(args.pg_admin_url, f"CREATE DATABASE {DB};")
        start = time.perf_counter()
        _run_worker("migrate", env)
        print(f"migrated in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        start = time.perf_counter()
        _psql(url, FILL_SQL, carriers=args.carriers, people=args.people)
        _psql(url, "VACUUM ANALYZE;")
        print(f"generated {args.carriers:,} carriers in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    else:
        _run_worker("migrate", env)  # migrations added since the data was made (indexes)
        _psql(url, "ANALYZE;")
    result = _run_worker("time", env, str(args.samples))

    f, u = result["filtered"], result["unfiltered"]
    fc, uc = result["filtered_count"], result["unfiltered_count"]
    ratio = f["p95"] / u["p95"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
    print(f"data: {result['carriers']:,} carriers, {result['copies']:,} copies; {result['readers']} readers, "
          f"median {result['visible_median']:,.0f} carriers visible each")
    print("first page of 涉密载体 (50 rows + 1 to know of a next page, copy counts), ms:")
    print(f"  filtered by visibility   p50 {f['p50']:7.2f}  p95 {f['p95']:7.2f}  mean {f['mean']:7.2f}")
    print(f"  unfiltered (baseline)    p50 {u['p50']:7.2f}  p95 {u['p95']:7.2f}  mean {u['mean']:7.2f}")
    print(f"  p95 ratio filtered/unfiltered: {ratio:.2f} (target <= {RATIO_TARGET}); "
          f"p95 target <= {P95_TARGET_MS} ms: {'met' if f['p95'] <= P95_TARGET_MS else 'NOT met'}")
    print("total count, loaded by the page afterwards, ms:")
    print(f"  filtered by visibility   p50 {fc['p50']:7.2f}  p95 {fc['p95']:7.2f}")
    print(f"  unfiltered (baseline)    p50 {uc['p50']:7.2f}  p95 {uc['p95']:7.2f}")
    print("\nplan of one filtered first page:\n" + result["plan"])


if __name__ == "__main__":
    main()
