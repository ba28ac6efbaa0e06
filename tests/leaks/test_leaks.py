"""The leak suite (issue #8): every page and every API read of Baomi, as every role and clearance,
must never show a canary the caller may not see — not as a title, 文号, count or file name, nor
inside an xlsx/PDF/CSV/docx export.

The URLs are enumerated from the resolver and the OpenAPI schema, so a page added later is
either read here or named in an allow-list below with the reason; `test_every_route_is_read`
fails otherwise. The world and its canaries: tests/leaks/world.py.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tests.leaks.world import ADMINS, CAST, World, caller_forbidden

CALLERS = [*CAST, *ADMINS]

# ---------------------------------------------------------------- what is not read, and why

# Page routes never read here. Everything else in the resolver is read by every caller.
PAGE_ALLOW = {
    "accounts/logout/": "POST only; logs the caller out (would end the shared session)",
    "i18n/setlang/": "POST only; switches the language",
    "^api/": "the API's catch-all 404 for unknown paths",
    "api/v1/docs": "Swagger UI shell, no data",
    "api/v1/openapi.json": "the schema; its operations are read by test_api_shows_no_canary",
    "accounts/otp/setup/": "binds a TOTP device on GET for callers without one (state change)",
    "accounts/otp/verify/": "second-factor form, no data",
    "accounts/password/": "password form, no data",
    "accounts/login/": "login form, no data",
}
# Route endings of POST-only actions (require_POST / form posts that redirect): left out of the
# full sweep, read by fewer callers in test_post_only_routes_show_nothing_on_get.
POST_ONLY_SUFFIXES = (
    "<slug:action>/", "<str:action>/", "/toggle/", "/revoke/", "/withdraw/", "/delete/", "/destroy/",
    "/return/", "/close/", "/scan/", "/start/", "/save/", "/submit/", "/upload", "/upload/", "/scan",
    "/vetting", "/commitments", "/departure",
)
# API operation ids never read here: every non-GET operation changes state (they are the other
# suites' business); GETs listed here with the reason.
API_ALLOW: dict[str, str] = {
    "baomi_audit_api_inclusion_proof": "hashes of the audit chain only; needs sequence numbers",
    "baomi_audit_api_consistency_proof": "hashes of the audit chain only; needs tree sizes",
}


# Routes (or API operation ids) that answer 500 today, for a reason that is not a leak: a failing
# page shows nothing, but it is not checked either — fix the bug and remove the entry.
KNOWN_SERVER_ERRORS: dict[str, str] = {}


@dataclass(frozen=True)
class Route:
    route: str
    name: str


def page_routes() -> list[Route]:
    def walk(resolver: URLResolver, prefix: str = "") -> Iterator[Route]:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield Route(prefix + str(p.pattern), p.name or "")

    return [r for r in walk(get_resolver()) if not r.route.startswith("api/v1/") or r.route in PAGE_ALLOW]


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


# Path parameters filled with the canary objects' ids, by the parameter's name (and the area
# where one name means different objects).
KIND_OF_PARAM = {
    "carrier_id": "carrier", "copy_id": "copy", "list_id": "destruction", "decision_id": "decision",
    "check_id": "check", "meeting_id": "meeting", "incident_id": "incident", "content_id": "content",
    "device_id": "device", ("archives", "entry_id"): "archive_entry", ("travel", "report_id"): "major_report",
    ("approvals", "request_id"): "approval", "rect_id": "rectification", "stocktake_id": "stocktake",
    ("training", "course_id"): "course", ("training", "session_id"): "session",
    ("training", "question_id"): "question", ("training", "attempt_id"): "attempt", ("travel", "trip_id"): "trip",
    ("personnel", "departure_id"): "departure", ("personnel", "commitment_id"): "commitment",
}
# Where the parameter's name says nothing ("pk"): by the route's beginning.
KIND_OF_ROUTE = {"inspections/<int:pk>": "inspection", "inspections/rectifications/<int:pk>": "rectification"}


def object_ids(world: World, kind: str, caller: str | None) -> list[int]:
    """The objects of `kind` worth reading as `caller`: those showing a canary forbidden to the
    caller, and one more (an object the caller may see must not show the others' canaries)."""
    ids = world.ids.get(kind, [])
    if caller is None:
        return ids
    hidden = [pk for pk in ids if any(caller_forbidden(world, caller, c) for c in world.about[(kind, pk)])]
    rest = [pk for pk in ids if pk not in hidden]
    return hidden + rest[:1]


def candidates(world: World, route: str, param: str, caller: str | None = None) -> list[str] | None:
    """Values for one path parameter. None: not filled (the route must then be allow-listed)."""
    area = route.split("/", 1)[0] if not route.startswith("api/v1/") else route.split("/")[2]
    kind = KIND_OF_PARAM.get((area, param)) or KIND_OF_PARAM.get(param)  # type: ignore[call-overload]
    kind = kind or next((k for prefix, k in KIND_OF_ROUTE.items() if route.startswith(prefix)), None)
    if kind:
        return [str(i) for i in object_ids(world, kind, caller)] or ["1"]
    if param == "person_id":  # a_core, a_gen, and the people whose pages show canaries (personnel, travel)
        people = [world.people["a_core"].pk, world.people["a_gen"].pk]
        return [str(pk) for pk in people + [pk for pk in object_ids(world, "person", caller) if pk not in people]]
    if param in ("fmt", "format"):
        return ["pdf", "docx"] if area == "inspections" else ["xlsx", "pdf"]
    if param == "slug" and "registers" in route:
        from baomi.carriers.registers import REGISTERS

        return list(REGISTERS)
    if param == "year":
        return [str(timezone.localdate().year)]
    # Objects the world plants no canary in (yet): read whatever has id 1.
    if param.endswith("_id") or param in ("pk", "number", "code"):
        return ["1"]
    return None


def expand(world: World, route: str, caller: str | None = None) -> list[str]:
    params = PARAM.findall(route)
    if not params:
        return ["/" + route.lstrip("^").rstrip("$")]
    values = []
    for _conv, name in params:
        found = candidates(world, route, name, caller)
        if found is None:
            return []
        values.append(found)
    urls = []
    for combo in itertools.product(*values):
        filled = iter(combo)
        urls.append("/" + PARAM.sub(lambda _m, filled=filled: next(filled), route))  # type: ignore[misc]
    return urls


def is_post_only(route: str) -> bool:
    return route.endswith(POST_ONLY_SUFFIXES)


def page_urls(world: World, caller: str | None = None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in page_routes():
        if r.route in PAGE_ALLOW or is_post_only(r.route):
            continue
        out[r.route] = expand(world, r.route, caller)
    # Registers narrowed to one carrier (?carrier=<id>) read the carrier's own rows.
    extra = [f"/carriers/registers/{slug}.xlsx?carrier={cid}" for slug in ("circulation", "copying")
             for cid in object_ids(world, "carrier", caller)]
    out["carriers/registers/<slug:slug>.<str:fmt>"] += extra
    return out


# ---------------------------------------------------------------- reading a response as text


def body_text(response) -> str:  # type: ignore[no-untyped-def]
    """The response as text a person would read: HTML/JSON/CSV decoded, exports opened."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "").split(";")[0].strip()
    if kind == "application/json":
        try:
            return json.dumps(json.loads(content), ensure_ascii=False)
        except ValueError:
            return content.decode("utf-8", "replace")
    if kind == "application/pdf" or content.startswith(b"%PDF"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        meta = " ".join(str(v) for v in (reader.metadata or {}).values())
        return meta + "\n".join(page.extract_text() or "" for page in reader.pages)
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            names = z.namelist()
        if any(n.startswith("xl/") for n in names):
            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(content), read_only=True)
            cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
                     if c is not None]
            return " ".join([*book.sheetnames, *cells])
        if any(n.startswith("word/") for n in names):
            import docx

            document = docx.Document(io.BytesIO(content))
            parts = [p.text for p in document.paragraphs]
            parts += [cell.text for t in document.tables for row in t.rows for cell in row.cells]
            return "\n".join(parts)
        return " ".join(names)
    return content.decode("utf-8", "replace") + " " + response.get("Content-Disposition", "")


AUDIT_READS = ("/audit/", "/api/v1/audit/")


def leaked(world: World, caller: str, text: str, url: str = "") -> list[str]:
    audit = caller in ADMINS and url.startswith(AUDIT_READS)
    return [c.text for c in world.canaries if caller_forbidden(world, caller, c) and c.key in text
            and not (audit and c.in_audit_log)]


# ---------------------------------------------------------------- the tests


def test_every_route_is_read(world, db):
    """A new page is read by this suite, or named in the allow-list with its reason."""
    urls = page_urls(world)
    routes = {r.route for r in page_routes()}
    unread = sorted(r for r in routes if r not in urls and r not in PAGE_ALLOW and not is_post_only(r))
    assert unread == []
    assert all(urls[r] for r in urls), [r for r in urls if not urls[r]]
    stale = sorted(set(PAGE_ALLOW) - routes)
    assert stale == [], "allow-listed routes that no longer exist"


def sweep(world: World, caller: str, urls_by_route: dict[str, list[str]]) -> dict[str, list[str]]:
    """Read every URL as `caller`: the canaries leaked per URL, and server errors (a page that
    fails cannot be checked) unless known and listed in KNOWN_SERVER_ERRORS."""
    if not any(caller_forbidden(world, caller, c) for c in world.canaries):
        pytest.skip("nothing in the world is hidden from this caller")
    client = world.clients[caller]
    found: dict[str, list[str]] = {}
    for route, urls in urls_by_route.items():
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                if route not in KNOWN_SERVER_ERRORS:
                    found[url] = [f"HTTP {response.status_code}"]
                continue
            bad = leaked(world, caller, body_text(response), url)
            if bad:
                found[url] = bad
    return found


@pytest.fixture
def inbox_count_once(monkeypatch):
    """The 我的待办 figure in the navigation is the same on every page of a caller, and computing
    it is ~3/4 of a page's time: computed once per caller (for real), then reused. The figure
    itself is checked in test_counts_are_of_what_the_caller_may_see."""
    from baomi import inbox

    real, memo = inbox.count_for, {}

    def once(person):  # type: ignore[no-untyped-def]
        if person.pk not in memo:
            memo[person.pk] = real(person)
        return memo[person.pk]

    monkeypatch.setattr(inbox, "count_for", once)


@pytest.mark.parametrize("caller", CALLERS)
def test_pages_show_no_canary(world, db, inbox_count_once, caller):
    assert sweep(world, caller, page_urls(world, caller)) == {}


@pytest.mark.parametrize("caller", ["b_core", "a_none", "auditor"])
def test_post_only_routes_show_nothing_on_get(world, db, inbox_count_once, caller):
    """The POST-only routes left out of the sweep above: a GET on them (with the canary objects'
    ids, and a made-up action) shows no canary either."""
    routes = {r.route: expand(world, r.route.replace("<slug:action>", "x").replace("<str:action>", "x"), caller)
              for r in page_routes() if is_post_only(r.route) and r.route not in PAGE_ALLOW}
    assert len(routes) > 20 and all(routes.values())
    assert sweep(world, caller, routes) == {}


# ---------------------------------------------------------------- the API, from its OpenAPI schema


def api_operations(world: World) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    schema = getattr(world, "schema", None)
    if schema is None:  # generating it takes a while: once per module
        schema = world.schema = world.clients["a_core"].get("/api/v1/openapi.json").json()  # type: ignore[attr-defined]
    return [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def add_query(url: str, name: str, value: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{name}={value}"


def api_urls(world: World, caller: str | None = None) -> dict[str, list[str]]:
    """Each GET operation (by operationId) → the URLs read: path parameters filled as for pages,
    and each export format of an operation that takes `format`."""
    out: dict[str, list[str]] = {}
    for path, method, op in api_operations(world):
        if method != "get" or op["operationId"] in API_ALLOW:
            continue
        route = path.lstrip("/").replace("{", "<").replace("}", ">")
        urls = expand(world, route, caller)
        # `format` first (each export format), then required parameters, then `carrier_id`.
        query = sorted((p for p in op.get("parameters", []) if p["in"] == "query"),
                       key=lambda p: (p["name"] != "format", not p.get("required"), p["name"] == "carrier_id"))
        for param in query:
            if param["name"] == "format":
                urls = [add_query(u, "format", f) for u in urls for f in ("xlsx", "pdf")]
            elif param.get("required"):
                found = candidates(world, route, param["name"], caller)
                urls = [add_query(u, param["name"], v) for u in urls for v in (found or [])]
            elif param["name"] == "carrier_id":  # the registers that narrow to one carrier (xlsx: the rows)
                urls += [add_query(u, "carrier_id", str(cid)) for u in urls
                         for cid in object_ids(world, "carrier", caller)
                         if u.endswith("format=xlsx") and ("/circulation?" in u or "/copying?" in u)]
        out[op["operationId"]] = urls
    return out


def test_every_api_read_is_checked(world, db):
    """Every GET operation of the schema is read (non-GET operations change state: other suites)."""
    operations = {op["operationId"] for _p, method, op in api_operations(world) if method == "get"}
    urls = api_urls(world)
    assert operations - set(urls) - set(API_ALLOW) == set()
    assert [op for op, found in urls.items() if not found] == []
    assert set(API_ALLOW) - operations == set(), "allow-listed operations that no longer exist"


@pytest.mark.parametrize("caller", CALLERS)
def test_api_shows_no_canary(world, db, inbox_count_once, caller):
    assert sweep(world, caller, api_urls(world, caller)) == {}


# ---------------------------------------------------------------- the suite can see a leak


def test_canaries_are_found_where_they_may_be_seen(world, db):
    """The reading works: the canaries appear, decoded, to the people who may see them — on
    pages, in JSON, and inside the xlsx and PDF registers (so a pass above is not blindness)."""
    keeper, core = world.clients["a_keeper"], world.clients["a_core"]
    carrier = next(c for c in world.canaries if c.module == "carrier" and c.level == 4)  # 机密
    assert carrier.key in body_text(core.get("/carriers/"))
    assert carrier.key in body_text(core.get("/api/v1/carriers"))
    assert carrier.key in body_text(keeper.get("/carriers/registers/incoming.xlsx"))
    assert carrier.key in body_text(keeper.get("/carriers/registers/incoming.pdf"))
    assert not leaked(world, "a_core", carrier.key)
    assert leaked(world, "b_core", carrier.key) == [carrier.text]


def test_module_canaries_are_found_where_they_may_be_seen(world, db):
    """The canaries of stocktake, training, travel and personnel are where their owners read
    them (so the sweeps above read pages that do show them)."""
    def key(module: str) -> str:
        return next(c.key for c in world.canaries if c.module == module)

    def showing(kind: str, module: str) -> int:  # the object of `kind` that shows the module's canary
        return next(pk for pk in world.ids[kind] if any(c.module == module for c in world.about[(kind, pk)]))

    def seen(caller: str, url: str) -> str:
        response = world.clients[caller].get(url)
        assert response.status_code == 200, (caller, url, response.status_code)
        return body_text(response)

    ids, people = world.ids, world.people
    counted, open_one = ids["stocktake"]
    for caller in ("a_keeper", "b_keeper", "officer"):
        assert key("stocktakenote") in seen(caller, f"/stocktake/{counted}/")
        assert key("stocktakeplace") in seen(caller, "/stocktake/")
        assert key("stocktakeplace") in seen(caller, f"/stocktake/{open_one}/")
    carrier = next(c for c in world.canaries if c.module == "carrier" and c.level == 4)  # 机密, scanned while lent
    assert carrier.key in seen("a_keeper", f"/stocktake/{counted}/")
    assert carrier.key in seen("a_keeper", f"/api/v1/stocktake/{counted}/report?format=xlsx")
    assert key("coursesummary") in seen("a_none", f"/training/courses/{ids['course'][0]}/")
    assert key("questiontext") in seen("a_gen", f"/training/attempts/{ids['attempt'][0]}/")
    assert key("explanation") in seen("officer", f"/training/questions/{ids['question'][0]}/")
    assert key("explanation") in seen("officer", "/api/v1/training/questions")
    trip = ids["trip"][0]
    for module in ("tripdest", "trippurpose", "tripcompanions", "tripcarriers", "tripreport"):
        assert key(module) in seen("a_imp", f"/travel/trips/{trip}/")
        assert key(module) in seen("officer", f"/travel/trips/{trip}/")
    assert key("tripdest") in seen("officer", f"/api/v1/travel/trips/{trip}")
    assert key("tripdest") in seen("a_leader", f"/approvals/{showing('approval', 'tripdest')}/")
    assert key("tripcarriers") in seen("a_leader", f"/approvals/{showing('approval', 'tripcarriers')}/")
    assert key("annualreport") in seen("a_gen", f"/personnel/people/{people['a_gen'].pk}/")
    assert key("leadersection") in seen("officer", f"/personnel/people/{people['a_leader'].pk}/")
    assert key("vettingnotes") in seen("a_imp", f"/personnel/people/{people['a_imp'].pk}/")
    departure = ids["departure"][0]
    assert key("handover") in seen("a_gen", f"/personnel/departures/{departure}/")
    assert key("departreason") in seen("a_leader", f"/approvals/{showing('approval', 'departreason')}/")
    leaver = showing("person", "employer")
    assert key("employer") in seen("officer", f"/personnel/people/{leaver}/")
    # The security administrator opens the same person pages (the register) without the texts.
    page = seen("secadmin", f"/personnel/people/{leaver}/")
    assert "测试离岗人" in page and not leaked(world, "secadmin", page)


# ---------------------------------------------------------------- counts


# The carriers each caller may see, worked out by hand from the world: level within clearance AND
# need-to-know (unit A; the 绝密 one names a_core and a_leader) or keeping unit A's register.
# Four paper carriers (绝密, 机密, 秘密, 工作秘密) and one electronic 工作秘密.
EXPECTED_CARRIERS = {
    "a_core": 5, "a_imp": 4, "a_gen": 3, "a_none": 2, "a_keeper": 5, "a_leader": 5,
    "b_core": 0, "b_imp": 0, "b_gen": 0, "b_none": 0, "b_keeper": 0, "b_leader": 0,
    "officer": 4,  # the 保密办 keeps every register, but is cleared to 机密 only
    "sysadmin": 0, "secadmin": 0, "auditor": 0,
}


@pytest.mark.parametrize("caller", CALLERS)
def test_counts_are_of_what_the_caller_may_see(world, db, caller):
    from baomi.accounts.models import User
    from baomi.approvals.selectors import inbox_for
    from baomi.carriers.models import Copy
    from baomi.compliance.selectors import office_dashboard
    from baomi.core.dashboard import cards_for
    from baomi.policy import copies_visible_to

    client, person = world.clients[caller], User.objects.get(pk=world.people[caller].pk)
    expected = EXPECTED_CARRIERS[caller]
    assert client.get("/api/v1/carriers").json().get("count", 0) == expected
    response = client.get("/carriers/count/")
    if response.status_code == 200:
        assert response.content.decode() == str(expected)
    else:
        assert expected == 0  # administrators are turned away from the carriers pages
    # Copies: two of each paper carrier, one of the electronic one.
    copies = Copy.objects.filter(copies_visible_to(person)).count()
    assert copies == (0 if not expected else 2 * expected - 1)
    # Approvals: the two borrows and the destruction list wait for unit A's leader only.
    waiting = inbox_for(person).count()
    assert waiting == (3 if caller == "a_leader" else 0)
    cards = {str(card.title): card.count for card in cards_for(person)}
    assert cards.get("待我审批", 0) == waiting
    # 我的待办 (the navigation's figure): only items about what the caller may see.
    from baomi import inbox

    items = inbox.items_for(person)
    assert inbox.count_for(person) == len(items)
    assert leaked(world, caller, " ".join(f"{i.kind} {i.title}" for i in items)) == []
    board = office_dashboard(person)
    if caller == "officer":
        assert board is not None
        assert board["copies"]["total"] == 2 * expected - 1
        assert sum(n for _month, n in board["registrations"]) == expected
        assert "绝密" in board["copies"]["hidden_levels"]
    else:
        assert board is None
