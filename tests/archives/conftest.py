"""The archive cast: the carriers office (tests/carriers/conftest.py) with archived,
catalogued files, and helpers to run a 查档 through the real services."""

from __future__ import annotations

from typing import Any

import pytest

from baomi.archives import services
from baomi.archives.models import AccessRequest, Entry, Part
from baomi.audit.models import AuditEvent
from baomi.carriers import services as carriers
from baomi.carriers.models import Carrier, StorageClass
from baomi.errors import Refused
from tests.carriers.conftest import Office, approve_all, build_office, first_copy, register

__all__ = ["approve_all", "first_copy"]

PARTS = [("2026年第3次主任办公会议纪要", "1-12"), ("关于重大项目布局的请示", "13-20"), ("领导批示件", "21-22")]


@pytest.fixture
def office(db) -> Office:
    return build_office()


def archived(o: Office, *, mark: str = "机密★5年", category: str = "document", keeper: Any = None,
             people: list | None = None, units: list | None = None, **kwargs: Any) -> Entry:
    """A carrier registered, its first copy archived by 王芳, catalogued with three parts."""
    if people is None and units is None:
        units = [o.units["planning"]]
    carrier: Carrier = register(o.wangfang, mark=mark, copies=1, people=people, units=units, **kwargs)
    carriers.copy_archive(actor=o.wangfang, copy=first_copy(carrier), location="档案室 3 号柜",
                          storage=StorageClass.SAFE)
    return services.entry_create(actor=keeper or o.wangfang, carrier=carrier, category=category, parts=PARTS)


def parts(entry: Entry, *seqs: int) -> list[Part]:
    return [entry.parts.get(seq=s) for s in seqs]


def approved(o: Office, entry: Entry, requester: Any, *seqs: int, decider: Any = None, **kwargs: Any) -> AccessRequest:
    access = services.access_request_submit(actor=requester, parts=parts(entry, *(seqs or (1,))),
                                            purpose="核对重大项目布局的决策依据", **kwargs)
    assert access.approval is not None
    approve_all(access.approval, decider or o.liumin)
    access.refresh_from_db()
    return access


def assert_refused(call: Any, reason: str, action: str) -> None:
    """Refused with `reason`, and the refusal recorded as a denied event of `action`."""
    seen = AuditEvent.objects.filter(outcome="denied").count()
    with pytest.raises(Refused, match=reason):
        call()
    denied = AuditEvent.objects.filter(outcome="denied").order_by("-seq").first()
    assert AuditEvent.objects.filter(outcome="denied").count() == seen + 1
    assert denied is not None and denied.action == action and reason in denied.summary
