"""Schemathesis over the vault endpoints only (tests/api fuzzes everything): never a server error."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.test_fuzz import CALLERS, _send, tokens  # noqa: F401  (fixture)


def test_vault_endpoints_never_answer_with_a_server_error(client, tokens):  # noqa: F811
    spec = client.get("/api/v1/openapi.json").json()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(spec).get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/v1/vault")]
    assert len(operations) == 3
    failures: list[str] = []

    @settings(max_examples=10, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        for role in CALLERS:
            response = _send(client, case, tokens[role])
            if response.status_code >= 500:
                failures.append(f"{role} {case.method} {case.formatted_path} {case.query} -> {response.status_code}")

    for operation in operations:
        given(case=operation.as_strategy())(check)()
    assert not failures, "\n".join(failures[:20])
