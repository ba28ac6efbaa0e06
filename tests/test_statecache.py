"""The audit chain head names the state of the data; within a request it is read once, unless
the request itself moves the chain (baomi.core.statecache)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from baomi.audit.services import record
from baomi.core import statecache
from tests.factories import make_person


def test_the_head_is_read_once_per_request_until_the_request_writes(db):
    person = make_person("zhoujing", clearance="GENERAL")
    with statecache.request_scope():
        with CaptureQueriesContext(connection) as reads:
            first = statecache.chain_state()
            assert statecache.chain_state() == first
        assert len(reads.captured_queries) == 1
        record(actor=person, action="test.touch", summary="测试")
        moved = statecache.chain_state()
        assert moved != first
        assert statecache.chain_state() == moved


def test_outside_a_request_every_read_goes_to_the_database(db):
    make_person("zhoujing", clearance="GENERAL")
    with CaptureQueriesContext(connection) as reads:
        statecache.chain_state()
        statecache.chain_state()
    assert len(reads.captured_queries) == 2


def test_a_cached_figure_follows_a_write_in_the_same_request(db):
    person = make_person("zhoujing", clearance="GENERAL")
    computed = iter(range(10))
    with statecache.request_scope():
        before = statecache.per_state("test", person, lambda: next(computed))
        assert statecache.per_state("test", person, lambda: next(computed)) == before
        record(actor=person, action="test.touch", summary="测试")
        assert statecache.per_state("test", person, lambda: next(computed)) != before
