"""Carriers derived from others (汇编, 摘抄): at least the highest source level (no
write-down), sources shown only where the reader may see them. And 会议带回 (CARRIER-09)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from baomi.carriers import registers, selectors
from baomi.carriers.models import Direction
from baomi.errors import Invalid, NotFound, Refused
from tests.carriers.conftest import events, register
from tests.conftest import login

HIDDEN = "财务科内部：不应出现的来源标题"
SHOWN = "规划科：可以看到的来源标题"


def test_a_derived_carrier_is_at_least_its_highest_source(office):
    low = register(office.wangfang, mark="秘密★10年", title="来源一", units=[office.units["planning"]])
    high = register(office.wangfang, mark="机密★5年", title="来源二", units=[office.units["planning"]])
    with pytest.raises(Refused, match="不得低于其来源载体的最高密级"):
        register(office.wangfang, direction="made", mark="秘密★10年", title="汇编", sources=[low, high])
    denied = events("carrier.register", "denied").get()
    assert high.register_no in denied.summary + denied.details
    assert "来源二" not in denied.summary + denied.details and "来源一" not in denied.summary + denied.details
    derived = register(office.wangfang, direction="made", mark="机密★10年", title="汇编", sources=[low, high])
    assert set(derived.sources.all()) == {low, high}
    assert set(low.derived.all()) == {derived}
    assert json.loads(events("carrier.register").order_by("-id").first().details)["sources"] == sorted(
        [low.pk, high.pk])


def test_sources_must_be_visible_to_the_registering_keeper(office):
    secret = register(office.wangfang, mark="机密★5年", units=[office.units["planning"]])
    with pytest.raises(NotFound):  # 赵磊 (一般) may not see the 机密 source
        register(office.zhaolei, mark="秘密★10年", direction="made", sources=[secret])


def test_hidden_sources_are_never_shown(office):
    hidden = register(office.wangfang, mark="秘密★10年", title=HIDDEN, units=[office.units["finance"]])
    shown = register(office.wangfang, mark="秘密★10年", title=SHOWN, units=[office.units["planning"]])
    derived = register(office.wangfang, direction="made", mark="秘密★10年", title="汇编件",
                       units=[office.units["planning"]], sources=[hidden, shown])
    assert list(selectors.sources_of(office.zhoujing, derived)) == [shown]
    assert set(selectors.sources_of(office.wangfang, derived)) == {hidden, shown}
    client = login(Client(), office.zhoujing)
    page = client.get(f"/carriers/{derived.pk}/").content.decode()
    assert SHOWN in page and shown.register_no in page
    assert HIDDEN not in page and hidden.register_no not in page
    detail = client.get(f"/api/v1/carriers/{derived.pk}").json()
    assert detail["source_ids"] == [shown.pk]
    # From the other side: 吴涛 (财务科) sees the hidden source but not the derived carrier.
    page = login(Client(), office.wutao).get(f"/carriers/{hidden.pk}/").content.decode()
    assert "汇编件" not in page and derived.register_no not in page
    assert 'data-testid="derived"' in login(Client(), office.wangfang).get(f"/carriers/{shown.pk}/").content.decode()


def test_registering_with_sources_through_the_page_and_the_api(office):
    high = register(office.wangfang, mark="机密★5年", units=[office.units["planning"]])
    client = login(Client(), office.wangfang)
    form = {"direction": "made", "kind": "paper", "title": "汇编", "mark": "秘密★10年", "copies": 1,
            "storage": "safe", "sources": high.register_no}
    response = client.post("/carriers/register/", form)
    assert response.status_code == 200 and "不得低于其来源载体的最高密级" in response.content.decode()
    response = client.post("/carriers/register/", {**form, "mark": "机密★10年"})
    assert response.status_code == 302
    response = client.post("/api/v1/carriers", {"direction": "made", "title": "汇编二", "mark": "秘密★5年",
                                                "source_ids": [high.pk]}, content_type="application/json")
    assert response.status_code == 403
    zhaolei = login(Client(), office.zhaolei)
    response = zhaolei.post("/api/v1/carriers", {"direction": "made", "title": "汇编三", "mark": "秘密★5年",
                                                 "storage": "combination", "source_ids": [high.pk]},
                            content_type="application/json")
    assert response.status_code == 404


def test_documents_brought_back_from_a_meeting(office):
    """CARRIER-09: registered with 来源 会议带回, the meeting and who brought it back."""
    with pytest.raises(Invalid, match="会议名称"):
        register(office.wangfang, direction=Direction.MEETING, source_unit="省发展改革委", brought_by=office.chen)
    with pytest.raises(Invalid, match="带回人"):
        register(office.wangfang, direction=Direction.MEETING, meeting_name="全省发展改革工作会议")
    with pytest.raises(Invalid):
        register(office.wangfang, meeting_name="全省发展改革工作会议", brought_by=office.chen)  # 收文: no meeting
    carrier = register(office.wangfang, direction=Direction.MEETING, meeting_name="全省发展改革工作会议",
                       brought_by=office.chen, units=[office.units["planning"]])
    assert carrier.register_no.startswith("会") and carrier.brought_by == office.chen
    [row] = registers.incoming_rows(office.wangfang, registers.Period())
    assert row[0] == carrier.register_no and row[-1] == "全省发展改革工作会议（陈国强带回）"
    page = login(Client(), office.wangfang).get(f"/carriers/{carrier.pk}/").content.decode()
    assert 'data-testid="meeting"' in page and "全省发展改革工作会议" in page
    client = login(Client(), office.wangfang)
    response = client.post("/api/v1/carriers", {"direction": "meeting", "title": "会议材料", "mark": "秘密★5年",
                                                "storage": "safe", "meeting_name": "市委全会",
                                                "brought_by_id": office.chen.pk}, content_type="application/json")
    assert response.status_code == 201 and response.json()["meeting_name"] == "市委全会"
