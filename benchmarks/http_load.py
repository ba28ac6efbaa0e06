"""HTTP load: Baomi's pages and a lend/return cycle under gunicorn, on PostgreSQL with the
1,000,000-carrier data set of benchmarks/carriers.py, against a hello-world Django view
served by the same server.

    python benchmarks/http_load.py [--workers 2] [--threads 4] [--connections 8] [--duration 20]
                              [--clients 4] [--pg-admin-url postgres://postgres@127.0.0.1:5432/postgres]

Needs wrk (Debian: `apt-get install wrk`). The data set is database `baomi_bench_carriers`;
when it is missing this runs `benchmarks/carriers.py --reuse --samples 1` first (~6 min).

1. Setup, in a subprocess with Django on that database: static files collected; an ordinary
   cleared reader (no role, as in benchmarks/carriers.py) logged in with Django's test client
   (its session cookie goes to wrk); a department 机要员 (keeper) with an API token and, for
   each cycle client, one copy in the register and one reader of its section allowed to hold it.
2. gunicorn serves benchmarks/_hello_wsgi.py — Baomi's application plus `/__hello`, a plain
   Django view through the same middleware — with the workers and threads `baomi serve` uses.
3. wrk, the reader's cookie on every request, same connections: `/__hello` (baseline), `/`
   (home), `/carriers/` (carrier list, first page), in turn, in --rounds slices of
   --duration/--rounds seconds each (a shared machine's capacity drifts; the drift then hits
   every page alike); requests/s over all slices, the ratio per round, and p50/p95/p99 (the
   median of the slices', from wrk's own latency histogram).
4. Lend/return cycles: --clients threads, each with its own keep-alive connection and copy:
   POST /api/v1/carriers/copies/{id}/circulate (the keeper hands it out) then POST
   …/return (the keeper takes it back); cycles/s and p50/p95 of a whole cycle.
5. Steps 2–3 again with BAOMI_STATE_CACHE_SECONDS=0: the menu, the home cards and the carrier
   list computed on every request, as after any change to the data (baomi.core.statecache
   keeps them per state of the audit chain). Both ratios are printed; the pages as served
   (step 3) are what a reader gets while nothing changes.

Target (issue #8): carrier list requests/s >= 0.5 x hello-world requests/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DB = "baomi_bench_carriers"
RATIO_TARGET = 0.5
PASSWORD = "Bench#2026pass"

WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


# ---------------------------------------------------------------- setup (Django on the bench database)


def worker_setup(clients: int) -> dict[str, Any]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "baomi.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from baomi.accounts.models import User
    from baomi.accounts.services import token_create
    from baomi.carriers import services
    from baomi.carriers.models import Copy, CopyStatus
    from baomi.errors import BaomiError

    call_command("migrate", interactive=False, verbosity=0)  # apps added since the data set was built
    call_command("collectstatic", interactive=False, verbosity=0)
    # The reader: an ordinary cleared person without any role, as in benchmarks/carriers.py.
    reader = User.objects.filter(clearance__gte=1, role_assignments__isnull=True, admin_role="").order_by("id")[100]
    reader.set_password(PASSWORD)  # a known password: the driver logs in through the login form
    reader.save(update_fields=["password"])

    keeper = User.objects.get(pk=1)  # 机要员 of the first department (benchmarks/carriers.py)
    token = token_create(actor=keeper, name="http-bench", days=1)[1]
    pairs: list[tuple[int, int]] = []
    candidates = (Copy.objects.filter(status=CopyStatus.IN_CUSTODY, carrier__created_by=keeper, carrier__level=3)
                  .select_related("carrier").order_by("id"))
    for copy in candidates[: clients * 20]:
        holder = (User.objects.filter(unit_id=copy.carrier.unit_id, clearance__gte=2, role_assignments__isnull=True)
                  .order_by("id").first())
        if holder is None:
            continue
        try:  # one cycle through the services proves the pair works
            services.copy_circulate(actor=keeper, copy=copy, reader=holder)
            services.copy_return(actor=keeper, copy=copy)
        except BaomiError:
            continue
        pairs.append((copy.pk, holder.pk))
        if len(pairs) == clients:
            break
    return {"reader": reader.username, "token": token, "pairs": pairs}


# ---------------------------------------------------------------- the driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def _login(base: str, username: str) -> str:
    """POST the login form as a browser would; the session cookie for wrk."""
    import http.cookiejar
    import re
    import urllib.parse

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/", timeout=60).read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise SystemExit("no CSRF token on the login page")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1), "username": username,
                                   "password": PASSWORD}).encode()
    opener.open(urllib.request.Request(base + "/accounts/login/", data=form, headers={"Referer": base + "/"}),
                timeout=60).read()
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if session is None:
        raise SystemExit(f"could not log in as {username}")
    return f"sessionid={session}"


def _check_page(base: str, path: str, cookie: str) -> None:
    """wrk counts only 4xx/5xx as errors: make sure each page answers 200, not a redirect."""
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    if status != 200:
        raise SystemExit(f"{path} answered {status} for the logged-in reader")


def _wrk(base: str, path: str, cookie: str, connections: int, duration: int, script: str) -> dict[str, Any]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s",
                          "-H", f"Cookie: {cookie}", "-s", script, base + path],
                         check=True, capture_output=True, text=True).stdout
    report = json.loads(out.strip().splitlines()[-1])
    report["rps"] = report["requests"] / (report["duration_us"] / 1e6)
    return report


def _cycles(port: int, token: str, pairs: list[tuple[int, int]], duration: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client(copy_id: int, reader_id: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        while time.monotonic() < stop:
            start = time.perf_counter()
            for path, body in ((f"/api/v1/carriers/copies/{copy_id}/circulate", {"reader_id": reader_id}),
                               (f"/api/v1/carriers/copies/{copy_id}/return", {"note": "机要员收回"})):
                try:
                    conn.request("POST", path, json.dumps(body), headers)
                    response = conn.getresponse()
                    response.read()
                except OSError as exc:
                    with lock:
                        failures.append(f"{path} -> {exc!r}")
                    return
                if response.status != 200:
                    with lock:
                        failures.append(f"{path} -> {response.status}")
                    return
            mine.append((time.perf_counter() - start) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=pair) for pair in pairs]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - begin
    ordered = sorted(latencies) or [0.0]
    return {"cycles": len(latencies), "per_s": len(latencies) / elapsed, "failures": failures,
            "p50": ordered[len(ordered) // 2], "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
            "mean": statistics.mean(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BAOMI_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker, as `baomi serve`")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=20,
                        help="seconds per page (in --rounds slices), and for the cycles")
    parser.add_argument("--rounds", type=int, default=5, help="slices each page's time is cut into, pages in turn")
    parser.add_argument("--clients", type=int, default=4, help="concurrent lend/return clients")
    parser.add_argument("--pg-admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--worker")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker_setup(args.clients)))
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or build it from "
                         "https://github.com/wg/wrk")

    url = f"{args.pg_admin_url.rsplit('/', 1)[0]}/{DB}"
    check = subprocess.run(["psql", url, "-Atc", "SELECT count(*) FROM carriers_carrier"], capture_output=True,
                           text=True)
    if check.returncode != 0 or int(check.stdout.strip() or 0) < 1_000_000:
        print("building the 1M-carrier data set (benchmarks/carriers.py) ...", file=sys.stderr)
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "carriers.py"), "--reuse", "--samples", "1",
                        "--pg-admin-url", args.pg_admin_url], check=True, stdout=subprocess.DEVNULL)

    data_dir = tempfile.mkdtemp(prefix="baomi-http-")
    env = {**os.environ, "DATABASE_URL": url, "BAOMI_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "baomi.settings"}
    setup = subprocess.run([sys.executable, __file__, "--worker", "setup", "--clients", str(args.clients)],
                           env=env, check=True, stdout=subprocess.PIPE, text=True)
    state = json.loads(setup.stdout.strip().splitlines()[-1])
    if len(state["pairs"]) < args.clients:
        raise SystemExit(f"found only {len(state['pairs'])} copies for the lend/return clients")

    try:
        served = _serve_and_measure(args, env, state, cycles=True)
        # The same pages with the per-state cache off: what a request costs when the data changed
        # since the person's last view (every audited change anywhere moves the chain head).
        computed = _serve_and_measure(args, {**env, "BAOMI_STATE_CACHE_SECONDS": "0"}, state, cycles=False)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"server: gunicorn {args.workers} workers x {args.threads} threads, PostgreSQL {DB} (1M carriers); "
          f"wrk -t2 -c{args.connections}, {args.rounds} x {args.duration // args.rounds} s per page, "
          f"logged in as {state['reader']}")
    for title, (runs, cycles) in (("as served (per-state cache on, the default)", served),
                                  ("every request computed (BAOMI_STATE_CACHE_SECONDS=0)", computed)):
        print(f"\n{title}")
        print(f"{'':28} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}   req/s per slice")
        rps: dict[str, float] = {}
        for name, reports in runs.items():
            # All slices together; latencies are the median of the slices' own percentiles.
            rps[name] = sum(r["requests"] for r in reports) / (sum(r["duration_us"] for r in reports) / 1e6)
            p50, p95, p99 = (statistics.median(r[k] / 1000 for r in reports) for k in ("p50_us", "p95_us", "p99_us"))
            errors = sum(r["status_errors"] + r["socket_errors"] for r in reports)
            print(f"{name:28} {rps[name]:9.1f} {p50:8.1f} {p95:8.1f} {p99:8.1f} {errors:7d}   "
                  + " ".join(f"{r['rps']:.0f}" for r in reports))
        ratio = rps["carrier list /carriers/"] / rps["hello-world (baseline)"]
        per_round = sorted(page["rps"] / hello["rps"] for page, hello in
                           zip(runs["carrier list /carriers/"], runs["hello-world (baseline)"], strict=True))
        print(f"ratio carrier list / hello-world requests/s: {ratio:.2f} (per round {min(per_round):.2f}–"
              f"{max(per_round):.2f}, median {statistics.median(per_round):.2f}; target >= {RATIO_TARGET}): "
              f"{'met' if ratio >= RATIO_TARGET else 'NOT met'}")
        if cycles is not None:
            print(f"lend/return cycles ({args.clients} clients, circulate + return over the API): "
                  f"{cycles['per_s']:.1f} cycles/s, p50 {cycles['p50']:.1f} ms, p95 {cycles['p95']:.1f} ms, "
                  f"{cycles['cycles']} cycles, {len(cycles['failures'])} failures {cycles['failures'][:3]}")


def _serve_and_measure(args: argparse.Namespace, env: dict[str, str], state: dict[str, Any],
                       cycles: bool) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any] | None]:
    """Start gunicorn with `env`, log in, run wrk on each page (the baseline before and after),
    then the lend/return cycles if asked; stop the server."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = (Path(tempfile.gettempdir()) / "baomi-http-serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--threads", str(args.threads), "--pythonpath", f"{ROOT / 'src'},{ROOT}",
         "benchmarks._hello_wsgi:application"],
        env=env, stdout=subprocess.DEVNULL, stderr=server_log, start_new_session=True)
    try:
        _wait_ready(base)
        cookie = _login(base, state["reader"])
        pages = [("hello-world (baseline)", "/__hello"), ("home /", "/"), ("carrier list /carriers/", "/carriers/")]
        for _name, path in pages:
            _check_page(base, path, cookie)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(WRK_REPORT)
        for _name, path in pages:  # warm every worker
            _wrk(base, path, cookie, args.connections, 3, f.name)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in pages}
        # Short slices in turn, --rounds times: this machine's capacity drifts by half within a
        # minute (other tenants), and a drift must hit the baseline and the pages alike.
        for _round in range(args.rounds):
            for name, path in pages:
                runs[name].append(_wrk(base, path, cookie, args.connections, args.duration // args.rounds, f.name))
        done = _cycles(port, state["token"], [tuple(p) for p in state["pairs"]], args.duration) if cycles else None
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # workers still holding keep-alive connections
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return runs, done


if __name__ == "__main__":
    main()
