"""The world is built once for the leak suite (inside a transaction rolled back at the end), and
each caller keeps one logged-in client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client

from tests.conftest import login
from tests.leaks.world import World, build


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        built = build()
        # A server error is answered as a 500 page (no exception raised here): the suite reports it
        # apart from leaks (see `read` in test_leaks.py).
        built.clients = {name: login(Client(raise_request_exception=False), person)  # type: ignore[attr-defined]
                         for name, person in built.people.items()}
        yield built
        transaction.set_rollback(True)
