"""Long fuzzing run: schemathesis over the whole OpenAPI of a live `baomi serve`, as each kind
of caller, counting server errors and responses that break their own schema.

    python benchmarks/fuzz.py [--minutes 5] [--examples 20] [--workers 2] [--database-url URL]

tests/api/test_fuzz.py is the short CI run (Django test client, a few examples per
operation). This one:

1. migrates a fresh database (SQLite in a temporary data folder unless --database-url) and
   loads a small cast through the services: the three administrators (auditor, security,
   system), a staff member and a 机要员 (keeper) with two registered carriers, so that ids
   1, 2, … exist and handlers get past their 404s;
2. starts `baomi serve --workers N`, loads /api/v1/openapi.json from it;
3. round after round until --minutes have passed: for every operation, --examples cases
   from schemathesis' strategy (a new seed each round), each sent over HTTP as every caller
   (a fresh API token per caller each round, since fuzzed calls may revoke tokens), and
   checks every answer: a 5xx is a server error; a documented status whose body does not
   match its schema (`response_schema_conformance`) or has an undeclared content type
   (`content_type_conformance`) is a schema violation; an error without the API's one
   error shape {"error": {...}} is counted too.

Prints the counts per caller and the distinct failures (operation, caller, status, case);
exit status 1 when there is any server error or schema violation.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BAOMI = [sys.executable, "-m", "baomi.cli"]
CALLERS = ("auditor", "security", "system", "staff", "keeper")


# ---------------------------------------------------------------- worker (Django on the fuzzed database)


def worker(name: str) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "baomi.settings"
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    from tests.factories import make_admin, make_person, make_unit

    from baomi.accounts.models import User
    from baomi.accounts.services import token_create
    from baomi.carriers import services

    if name == "cast":
        root = make_unit("示范机关", "root")
        office = make_unit("机要室", "office", parent=root)
        planning = make_unit("规划科", "planning", parent=root)
        make_admin("auditor", "heping")
        make_admin("security", "fengxue")
        make_admin("system", "qianyong")
        staff = make_person("zhoujing", unit=planning, clearance="GENERAL", roles=[("staff", planning)])
        keeper = make_person("wangfang", unit=office, clearance="CORE", roles=[("confidential_secretary", None)])
        for n, mark in enumerate(("秘密★10年", "秘密★5年")):
            services.carrier_register(actor=keeper, direction="incoming", title=f"模糊测试来文 {n}", mark=mark,
                                      copies=2, storage="safe", location="机要室", source_unit="上级机关",
                                      need_to_know_people=[staff], need_to_know_units=[planning])
    usernames = {"auditor": "heping", "security": "fengxue", "system": "qianyong", "staff": "zhoujing",
                 "keeper": "wangfang"}
    tokens = {}
    for role, username in usernames.items():
        person = User.objects.get(username=username)
        User.objects.filter(pk=person.pk).update(is_active=True)  # a fuzzed call may have disabled it
        tokens[role] = token_create(actor=User.objects.get(pk=person.pk), name="fuzz", days=1)[1]
    return tokens


# ---------------------------------------------------------------- the driver


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(env: dict[str, str], name: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--worker", name], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _describe(exc: BaseException) -> str:
    """The failed checks' titles and first lines, e.g. "Response violates schema: 5 is not a string"."""
    parts = []
    for failure in getattr(exc, "exceptions", [exc]):
        lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
        parts.append(" ".join(lines[:2]) or repr(failure))
    return "; ".join(parts)[:400]


def fuzz(base: str, tokens_for_round: Any, minutes: float, examples: int) -> dict[str, Any]:
    import requests
    import schemathesis
    from hypothesis import HealthCheck, given, seed, settings
    from schemathesis.checks import content_type_conformance, response_schema_conformance

    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    session = requests.Session()
    requests_by_caller: collections.Counter[str] = collections.Counter()
    statuses: collections.Counter[int] = collections.Counter()
    server_errors: collections.Counter[str] = collections.Counter()
    violations: collections.Counter[str] = collections.Counter()
    no_error_shape: collections.Counter[str] = collections.Counter()
    samples: dict[str, str] = {}
    deadline = time.monotonic() + minutes * 60
    rounds = 0
    while time.monotonic() < deadline:
        tokens = tokens_for_round()
        rounds += 1

        @seed(rounds)
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            for caller in CALLERS:
                if time.monotonic() > deadline:
                    return
                headers = {"Authorization": f"Bearer {tokens[caller]}"}  # noqa: B023 (used in this round)
                try:
                    response = case.call(base_url=base, session=session, headers=headers, timeout=60)
                except requests.RequestException as exc:
                    key = f"{case.method} {case.path} {caller}: {type(exc).__name__}"
                    server_errors[key] += 1
                    samples.setdefault(key, str(exc)[:300])
                    continue
                requests_by_caller[caller] += 1
                statuses[response.status_code] += 1
                key = f"{case.method} {case.path} {caller} -> {response.status_code}"
                if response.status_code >= 500:
                    server_errors[key] += 1
                    samples.setdefault(key, f"{case.path_parameters} {case.query} {str(case.body)[:200]}")
                    continue
                if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith(
                        "application/json"):
                    try:
                        shaped = "error" in response.json()
                    except ValueError:
                        shaped = False
                    if not shaped:
                        no_error_shape[key] += 1
                try:
                    case.validate_response(response, checks=[response_schema_conformance, content_type_conformance])
                except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
                    violations[key] += 1
                    samples.setdefault(key, _describe(exc))

        for operation in operations:
            if time.monotonic() > deadline:
                break
            given(case=operation.as_strategy())(check)()
    return {"operations": len(operations), "rounds": rounds, "requests": dict(requests_by_caller),
            "statuses": dict(sorted(statuses.items())), "server_errors": dict(server_errors),
            "violations": dict(violations), "no_error_shape": dict(no_error_shape), "samples": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--examples", type=int, default=20, help="cases per operation and round")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="", help="an empty database to fuzz (default: SQLite)")
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return

    data_dir = Path(tempfile.mkdtemp(prefix="baomi-fuzz-"))
    env = {**os.environ, "BAOMI_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "baomi.settings",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    subprocess.run([*BAOMI, "migrate", "--verbosity", "0"], env=env, check=True)
    first = _worker(env, "cast")
    port = _port()
    base = f"http://127.0.0.1:{port}"
    log = data_dir / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([*BAOMI, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)],
                                  env=env, stdout=out, stderr=out, start_new_session=True)
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        pending = [first]
        result = fuzz(base, lambda: pending.pop() if pending else _worker(env, "tokens"), args.minutes, args.examples)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    total = sum(result["requests"].values())
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}; "
          f"baomi serve --workers {args.workers}, {'PostgreSQL' if 'postgres' in args.database_url else 'SQLite'}")
    print(f"{result['operations']} operations, {result['rounds']} rounds of up to {args.examples} cases each, "
          f"{total} requests in {args.minutes:g} min")
    print("requests per caller: " + ", ".join(f"{k} {v}" for k, v in result["requests"].items()))
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in result["statuses"].items()))
    print(f"server errors (5xx or no answer): {sum(result['server_errors'].values())}; "
          f"schema violations: {sum(result['violations'].values())}; "
          f"errors without the error shape: {sum(result['no_error_shape'].values())}")
    for kind in ("server_errors", "violations", "no_error_shape"):
        for key, count in result[kind].items():
            print(f"  {kind} x{count}: {key}\n      {result['samples'].get(key, '')}")
    if result["server_errors"] or result["violations"]:
        print(f"server log kept: {log}")
        sys.exit(1)
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
