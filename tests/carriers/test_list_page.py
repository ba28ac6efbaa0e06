"""The carrier list page is rendered once per state of the data (baomi.core.statecache): any
audited change shows on the next request, each person's page is their own, and the cheaper
queries behind it say exactly what the policy says."""

from __future__ import annotations

import datetime

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from baomi import policy
from baomi.carriers import selectors, services
from baomi.carriers.models import HELD_STATUSES, Copy
from baomi.core import statecache
from tests.carriers.conftest import first_copy, register
from tests.conftest import login


def _list(client) -> str:
    response = client.get(reverse("carriers:list"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_carrier_shows_on_the_next_request(client, office):
    register(office.wangfang, title="第一份通知", mark="秘密★5年", people=[office.zhoujing])
    login(client, office.zhoujing)
    assert "第一份通知" in _list(client)
    register(office.wangfang, title="第二份通知", mark="秘密★5年", people=[office.zhoujing])
    page = _list(client)
    assert "第一份通知" in page and "第二份通知" in page


def test_narrowing_the_need_to_know_hides_the_carrier_at_once(client, office):
    carrier = register(office.wangfang, title="规划调整方案", mark="秘密★5年", people=[office.zhoujing])
    login(client, office.zhoujing)
    assert "规划调整方案" in _list(client)
    services.carrier_need_to_know_remove(actor=office.wangfang, carrier=carrier, people=[office.zhoujing])
    assert "规划调整方案" not in _list(client)


def test_each_person_gets_their_own_page_in_the_same_state(client, office):
    register(office.wangfang, title="只给周静", mark="秘密★5年", people=[office.zhoujing])
    register(office.wangfang, title="只给孙伟", mark="秘密★5年", people=[office.sunwei])
    login(client, office.zhoujing)
    mine = _list(client)
    login(client, office.sunwei)
    theirs = _list(client)
    assert "只给周静" in mine and "只给孙伟" not in mine
    assert "只给孙伟" in theirs and "只给周静" not in theirs


def test_filters_and_pages_are_cached_apart(client, office):
    register(office.wangfang, title="财政预算", mark="秘密★5年", people=[office.zhoujing])
    register(office.wangfang, title="项目布局", mark="秘密★5年", people=[office.zhoujing])
    login(client, office.zhoujing)
    assert "项目布局" in _list(client)
    filtered = client.get(reverse("carriers:list"), {"q": "财政"}).content.decode()
    assert "财政预算" in filtered and "项目布局" not in filtered


def test_the_page_is_computed_once_per_state(client, office, django_assert_max_num_queries):
    register(office.wangfang, title="规划文件", mark="秘密★5年", people=[office.zhoujing])
    login(client, office.zhoujing)
    _list(client)
    # Served from the cache: the session, the person, the sign-in gate and the chain head.
    with django_assert_max_num_queries(7):
        assert "规划文件" in _list(client)


@override_settings(BAOMI_STATE_CACHE_SECONDS=0)
def test_with_the_state_cache_off_every_request_computes(office):
    calls = []
    for _ in range(2):
        statecache.per_state("test", office.zhoujing, lambda: calls.append(1))
    assert len(calls) == 2


def test_own_copies_say_what_copies_visible_to_says(office):
    """`policy.own_copies_visible_to` spells out `copies_visible_to` for the copies one holds,
    also after the holder's clearance was lowered below what they hold."""
    secret = register(office.wangfang, title="秘密件", mark="秘密★5年", people=[office.sunwei])
    confidential = register(office.wangfang, title="机密件", mark="机密★5年", people=[office.sunwei])
    other = register(office.wangfang, title="他人件", mark="秘密★5年", people=[office.zhoujing])
    for carrier in (secret, confidential):
        services.copy_circulate(actor=office.wangfang, copy=first_copy(carrier), reader=office.sunwei)
    services.copy_circulate(actor=office.wangfang, copy=first_copy(other), reader=office.zhoujing)

    def both(person) -> tuple[set[int], set[int]]:
        person.refresh_from_db()
        spelled = set(Copy.objects.filter(policy.own_copies_visible_to(person)).values_list("pk", flat=True))
        general = set(Copy.objects.filter(policy.copies_visible_to(person), custodian=person,
                                          status__in=HELD_STATUSES).values_list("pk", flat=True))
        return spelled, general

    spelled, general = both(office.sunwei)
    assert spelled == general == {first_copy(secret).pk, first_copy(confidential).pk}
    services.copy_return(actor=office.wangfang, copy=first_copy(secret))  # back with the secretary
    spelled, general = both(office.sunwei)
    assert spelled == general == {first_copy(confidential).pk}
    spelled, general = both(office.wangfang)
    assert spelled == general and first_copy(secret).pk in spelled
    office.sunwei.clearance = 1  # lowered to 一般: the 机密 copy drops out of both
    office.sunwei.save(update_fields=["clearance"])
    spelled, general = both(office.sunwei)
    assert spelled == general and first_copy(confidential).pk not in spelled
    office.wangfang.is_active = False
    office.wangfang.save(update_fields=["is_active"])
    assert both(office.wangfang) == (set(), set())


def test_overdue_for_a_holder_is_their_own_visible_overdue_copies(office):
    carrier = register(office.wangfang, title="逾期件", mark="秘密★5年", people=[office.sunwei])
    copy = services.copy_circulate(actor=office.wangfang, copy=first_copy(carrier), reader=office.sunwei)
    later = timezone.now() + datetime.timedelta(days=30)
    assert copy.due_at is not None and copy.due_at < later
    assert [c.pk for c in selectors.overdue_copies(office.sunwei, now=later)] == [copy.pk]
    assert list(selectors.overdue_copies(office.zhoujing, now=later)) == []


def test_api_lists_take_any_limit_and_offset(client, office):
    """Absurd paging parameters give a page (perhaps empty), never a database overflow."""
    register(office.wangfang, title="规划文件", mark="秘密★5年", people=[office.zhoujing])
    login(client, office.zhoujing)
    for path in ("/api/v1/carriers", "/api/v1/meetings/", "/api/v1/travel/trips", "/api/v1/incidents/",
                 "/api/v1/classification/decisions"):
        for limit, offset in ((-5, 10**30), (10**30, -(10**30)), (0, 0)):
            response = client.get(path, {"limit": limit, "offset": offset})
            assert response.status_code == 200, (path, limit, offset, response.content[:200])
    assert client.get("/api/v1/carriers", {"offset": 10**30}).json()["items"] == []
    assert client.get("/api/v1/carriers", {"limit": -5}).json()["items"] == []
    assert [c["title"] for c in client.get("/api/v1/carriers", {"limit": 10**30}).json()["items"]] == ["规划文件"]
    login(client, office.secadmin)
    assert client.get("/api/v1/people", {"offset": 10**30, "limit": -1}).status_code == 200
    assert client.get("/api/v1/people", {"unit_id": 10**30}).status_code == 422


def test_the_hand_back_card_is_the_keepers_as_on_the_list_page(office):
    from baomi.core.dashboard import cards_for

    register(office.wangfang, title="来文", mark="秘密★5年", people=[office.zhoujing],
             return_by=timezone.localdate())
    assert {str(card.title): card.count for card in cards_for(office.wangfang)}["本月待清退"] == 2
    assert "本月待清退" not in {str(card.title) for card in cards_for(office.zhoujing)}
