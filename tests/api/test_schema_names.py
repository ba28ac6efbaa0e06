"""Every schema of the API has its own name: django-ninja publishes one component per name, so
two apps' `ReportOut` would make one of them documented with the other's fields (the fuzzer
then reports every answer of the other as breaking its schema)."""

from __future__ import annotations

import collections
import importlib
import inspect
import pkgutil

from ninja import Schema

import baomi


def _api_schemas() -> dict[str, list[str]]:
    names: dict[str, list[str]] = collections.defaultdict(list)
    for info in pkgutil.iter_modules(baomi.__path__):
        try:
            module = importlib.import_module(f"baomi.{info.name}.api")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Schema) and value.__module__ == module.__name__:
                names[name].append(module.__name__)
    return names


def test_no_two_api_schemas_share_a_name():
    names = _api_schemas()
    assert len(names) > 50  # the walk found the apps' schemas
    assert {name: where for name, where in names.items() if len(where) > 1} == {}


def test_the_published_schema_matches_each_operation():
    from baomi.api import api

    published = api.get_openapi_schema()["components"]["schemas"]
    assert set(published["StocktakeReportOut"]["required"]) >= {"expected", "missing"}
    assert "device_id" in published["ReportOut"]["required"]
