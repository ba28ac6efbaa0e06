"""Property-based fuzzing of the whole API from its OpenAPI schema (schemathesis).

Whatever the input, for each kind of caller, the API answers in its one error shape or
with data, never with a server error. Requests go through Django's test client, inside the
test's transaction.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core import NOT_SET

from baomi.accounts.services import token_create
from tests.factories import make_admin, make_person, make_unit

CALLERS = ("auditor", "security", "system", "staff")


@pytest.fixture
def tokens(db) -> dict[str, str]:
    unit = make_unit("规划科", "planning")
    people = {
        "auditor": make_admin("auditor", "heping"),
        "security": make_admin("security", "fengxue"),
        "system": make_admin("system", "qianyong"),
        "staff": make_person("zhoujing", unit=unit, clearance="GENERAL", roles=[("staff", unit)]),
    }
    return {role: token_create(actor=person, name="fuzz")[1] for role, person in people.items()}


def _send(client: Any, case: Any, token: str) -> Any:
    url = case.formatted_path
    if case.query:
        url += "?" + urlencode(case.query, doseq=True)
    extra: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if case.body is None or case.body is NOT_SET or case.method.upper() in ("GET", "DELETE"):
        return client.generic(case.method.upper(), url, **extra)
    return client.generic(case.method.upper(), url, data=json.dumps(case.body), content_type="application/json",
                          **extra)


# The operations are dealt round-robin into shards, each its own test, so that pytest-xdist spreads
# the ~1 minute of fuzzing over the workers; together the shards cover every operation.
SHARDS = 6
EXAMPLES = 6
# An operation whose only inputs are path ids (no query, no body) varies little: the ids mostly
# answer 404 here (the test data has none of those objects), so fewer examples. The long run with
# existing ids and many more examples is benchmarks/fuzz.py.
EXAMPLES_PATH_ONLY = 3


def _examples(operation: Any) -> int:
    return EXAMPLES if len(operation.query) or len(operation.body) else EXAMPLES_PATH_ONLY


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_server_errors_for_any_caller(client, tokens, shard):
    spec = client.get("/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    mine = operations[shard::SHARDS]
    assert mine
    failures: list[str] = []

    def check(case: Any) -> None:
        for role in CALLERS:
            response = _send(client, case, tokens[role])
            if response.status_code >= 500:
                failures.append(f"{role} {case.method} {case.formatted_path} {case.query} -> {response.status_code}")
            elif (response.status_code >= 400 and response["Content-Type"].startswith("application/json")
                  and "error" not in response.json()):
                failures.append(f"{role} {case.method} {case.formatted_path}: no error shape")

    for operation in mine:
        @settings(max_examples=_examples(operation), deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def probe(case: Any) -> None:  # a new function per operation: each carries its own settings
            check(case)

        given(case=operation.as_strategy())(probe)()
    assert not failures, "\n".join(failures[:20])
