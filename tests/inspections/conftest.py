"""A small office for the inspection tests: 保密办 (secrecy officer), an inspector, a unit
with its own 保密员, owners, and a leader who approves key-site entry."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from baomi.accounts.models import Unit, User
from tests.factories import make_person, make_unit


@dataclass
class Office:
    top: Unit
    finance: Unit
    officer: User  # 保密办, org-wide secrecy officer
    unit_officer: User  # 财务科 保密员
    inspector: User
    owner: User
    leader: User
    stranger: User


@pytest.fixture
def office(db) -> Office:
    top = make_unit("县政府办公室", "top")
    finance = make_unit("财务科", "finance", parent=top)
    return Office(
        top=top, finance=finance,
        officer=make_person("wangfang", unit=top, clearance="IMPORTANT", roles=[("secrecy_officer", None)]),
        unit_officer=make_person("liuyang", unit=finance, clearance="GENERAL",
                                 roles=[("secrecy_officer", finance)]),
        inspector=make_person("chenjie", unit=top, clearance="GENERAL"),
        owner=make_person("zhaomin", unit=finance, clearance="GENERAL"),
        leader=make_person("sunwei", unit=finance, clearance="CORE", roles=[("approver", finance)]),
        stranger=make_person("huangli", unit=finance, clearance="GENERAL"),
    )
