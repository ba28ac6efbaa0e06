from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from baomi.carriers import services as carriers
from baomi.carriers.models import Copy
from tests.carriers.conftest import Office, build_office, first_copy, register
from tests.factories import make_person


@pytest.fixture
def office(db) -> Office:
    built = build_office()
    # A secrecy officer cleared 核心 (the demo's 李建华 is 重要: he does not see 绝密).
    built.people["topofficer"] = make_person("topofficer", unit=built.units["secrecy"], clearance="CORE",
                                             roles=[("secrecy_officer", None)], full_name="高保密")
    return built


def overdue_reading(office: Office, *, mark: str, reader_name: str) -> Copy:
    """A copy circulated to a reader and not back past its due time."""
    reader = office.people[reader_name]
    copy = first_copy(register(office.wangfang, mark=mark, copies=1, people=[reader], title="绝密通知甲"))
    carriers.copy_circulate(actor=office.wangfang, copy=copy, reader=reader,
                            due_at=None if mark.startswith("绝密") else timezone.now() + datetime.timedelta(hours=1))
    Copy.objects.filter(pk=copy.pk).update(due_at=timezone.now() - datetime.timedelta(hours=2))  # the day ended
    return copy
