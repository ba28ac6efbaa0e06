"""Database triggers that keep records final, installed by migrations on SQLite and
PostgreSQL alike (the append-only ledger, a closed stocktake, an incident never deleted).

A migration lists its statements and calls `install`:

    operations = [triggers.install(sqlite=SQLITE, postgres_functions=FUNCTIONS, postgres=POSTGRES)]

`sqlite` is [(trigger name, CREATE TRIGGER …)], `postgres` is [(trigger name, table, CREATE
TRIGGER …)] after the `postgres_functions` it calls. Getting round them needs DDL rights.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import migrations

_FUNCTION = re.compile(r"CREATE OR REPLACE FUNCTION (\w+)\(\)")


def create(schema_editor: Any, *, sqlite: Sequence[tuple[str, str]], postgres_functions: Sequence[str],
           postgres: Sequence[tuple[str, str, str]]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for _name, sql in sqlite:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        for sql in postgres_functions:
            schema_editor.execute(sql)
        for _name, _table, sql in postgres:
            schema_editor.execute(sql)


def drop(schema_editor: Any, *, sqlite: Sequence[tuple[str, str]], postgres: Sequence[tuple[str, str, str]],
         postgres_functions: Sequence[str] = ()) -> None:
    """Drop the triggers (and, when given, their functions): `backwards`, and tests that must
    empty a guarded table."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name, _sql in sqlite:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif vendor == "postgresql":
        for name, table, _sql in postgres:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for sql in postgres_functions:
            found = _FUNCTION.search(sql)
            if found:
                schema_editor.execute(f"DROP FUNCTION IF EXISTS {found.group(1)}()")


def install(
    *,
    sqlite: Sequence[tuple[str, str]],
    postgres_functions: Sequence[str],
    postgres: Sequence[tuple[str, str, str]],
) -> migrations.RunPython:
    def forwards(apps: Any, schema_editor: Any) -> None:
        create(schema_editor, sqlite=sqlite, postgres_functions=postgres_functions, postgres=postgres)

    def backwards(apps: Any, schema_editor: Any) -> None:
        drop(schema_editor, sqlite=sqlite, postgres=postgres, postgres_functions=postgres_functions)

    return migrations.RunPython(forwards, backwards)
