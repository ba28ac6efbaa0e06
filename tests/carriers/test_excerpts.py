"""摘抄 (CARRIER-15): only for work, only through approval; the excerpt is registered as a
carrier at the source's level and management, linked to it. Personal excerpts are refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from baomi.carriers import registers, selectors, services
from baomi.carriers.models import Carrier, CopyStatus, MovementKind
from baomi.errors import Conflict, Invalid, Refused
from tests.carriers.conftest import approve_all, events, first_copy, fresh, register, tomorrow
from tests.conftest import login

TITLE = "关于重大项目布局的机密通知"


@pytest.fixture
def source(office):
    return register(office.wangfang, title=TITLE, units=[office.units["planning"]], copies=2)


def test_excerpt_through_approval_registers_a_linked_carrier(office, source):
    copy = first_copy(source)
    request = services.copy_excerpt_request(actor=office.sunwei, copy=copy, title="重大项目布局摘要（规划科用）",
                                            reason="编制规划修编说明需要引用")
    assert not Carrier.objects.filter(excerpt_of=copy).exists()  # nothing before the approval
    approve_all(request, office.chen)
    excerpt = Carrier.objects.get(excerpt_of=copy)
    assert (excerpt.level, excerpt.marking, excerpt.secret_type, excerpt.unit) == (
        source.level, source.marking, source.secret_type, source.unit)
    assert excerpt.direction == "made" and excerpt.title == "重大项目布局摘要（规划科用）"
    assert list(excerpt.sources.all()) == [source]
    assert set(excerpt.need_to_know_units.all()) == set(source.need_to_know_units.all())
    [new] = excerpt.copies.all()
    assert new.custodian == office.wangfang and new.status == CopyStatus.IN_CUSTODY and new.storage == copy.storage
    move = new.movements.get()
    assert move.kind == MovementKind.EXCERPT and move.approval == request and copy.label in move.note
    event = events("copy.excerpt").get()
    assert TITLE not in event.summary and excerpt.title not in event.summary
    # Same management: the requester borrows it like any carrier; the 复制登记簿 lists it.
    rows = registers.copying_rows(office.wangfang, registers.Period())
    assert [r[1] for r in rows] == ["摘抄"] and copy.label in rows[0][2]
    assert [c.pk for c in selectors.sources_of(office.sunwei, excerpt)] == [source.pk]


def test_personal_excerpts_and_other_refusals(office, source):
    copy = first_copy(source)
    for reason in ("个人学习留存", "自用备查"):
        with pytest.raises(Refused, match="不准为个人摘抄"):
            services.copy_excerpt_request(actor=office.sunwei, copy=copy, title="摘要", reason=reason)
    assert events("copy.excerpt_request", "denied").count() == 2
    with pytest.raises(Refused):  # outside the need-to-know (finance)
        services.copy_excerpt_request(actor=office.wutao, copy=copy, title="摘要", reason="工作需要")
    with pytest.raises(Refused):  # 一般 may not know 机密
        services.copy_excerpt_request(actor=office.zhoujing, copy=copy, title="摘要", reason="工作需要")
    with pytest.raises(Invalid):
        services.copy_excerpt_request(actor=office.sunwei, copy=copy, title=" ", reason="工作需要")
    services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.sunwei)
    with pytest.raises(Conflict):  # only from a copy in the register
        services.copy_excerpt_request(actor=office.sunwei, copy=fresh(copy), title="摘要", reason="工作需要")
    assert events("copy.excerpt_request", "denied").count() == 4


def test_an_approval_after_the_copy_left_changes_nothing(office, source):
    copy = first_copy(source)
    request = services.copy_excerpt_request(actor=office.sunwei, copy=copy, title="摘要", reason="工作需要")
    services.copy_lend_request(actor=office.sunwei, copy=first_copy(source), due_on=tomorrow(), reason="阅办")
    services.copy_circulate(actor=office.wangfang, copy=first_copy(source), reader=office.sunwei)
    with pytest.raises(Conflict):
        approve_all(request, office.chen)
    assert not Carrier.objects.filter(excerpt_of=copy).exists()


def test_excerpt_through_the_page_and_the_api(office, source):
    copy = first_copy(source)
    client = login(Client(), office.sunwei)
    page = client.get(f"/carriers/copies/{copy.pk}/").content.decode()
    assert 'data-testid="excerpt"' in page
    response = client.post(f"/carriers/copies/{copy.pk}/excerpt/", {"title": "摘要", "reason": "个人留存"},
                           follow=True)
    assert "不准为个人摘抄" in response.content.decode()
    response = client.post(f"/carriers/copies/{copy.pk}/excerpt/", {"title": "摘要", "reason": "工作需要"})
    assert response.status_code == 302 and "/approvals/" in response["Location"]
    response = client.post(f"/api/v1/carriers/copies/{first_copy(source, 2).pk}/excerpt-requests",
                           {"title": "摘要二", "reason": "工作需要"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["approval_id"]
    # Outside the need-to-know the copy is not even found.
    other = login(Client(), office.wutao)
    assert other.post(f"/api/v1/carriers/copies/{copy.pk}/excerpt-requests", {"title": "x", "reason": "工作"},
                      content_type="application/json").status_code == 404
    assert timezone.now()
