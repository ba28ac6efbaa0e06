"""Fixtures for the proof tests: the audit chain fixture (triggers on, real commits) and the
carriers' ledger guards, reused from their own suites."""

from tests.audit.conftest import _audit_settings, chain_db  # noqa: F401
from tests.carriers.conftest import carriers_chain_db  # noqa: F401
