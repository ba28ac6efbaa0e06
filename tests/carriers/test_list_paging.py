"""The carrier list pages without a total (one row more tells whether a next page exists)
and loads the count separately; both show only what the reader may see."""

from __future__ import annotations

from django.urls import reverse

from tests.carriers.conftest import register
from tests.conftest import login


def test_count_endpoint_counts_only_visible_carriers(client, office):
    for n in range(3):
        register(office.wangfang, title=f"规划文件{n}", mark="秘密★5年", people=[office.zhoujing])
    register(office.wangfang, title="不在知悉范围", mark="秘密★5年", people=[office.sunwei])
    register(office.wangfang, title="超出涉密类别", mark="机密★5年", units=[office.units["planning"]])
    login(client, office.zhoujing)
    assert client.get(reverse("carriers:count")).content.decode() == "3"
    assert client.get(reverse("carriers:count"), {"q": "规划文件1"}).content.decode() == "1"
    assert client.get(reverse("carriers:count"), {"q": "超出"}).content.decode() == "0"


def test_list_pages_with_one_row_more(client, office):
    for n in range(51):
        register(office.wangfang, title=f"通知{n:02d}", mark="秘密★5年", copies=1, people=[office.zhoujing])
    login(client, office.zhoujing)
    first = client.get(reverse("carriers:list"))
    assert len(first.context["page"].object_list) == 50 and first.context["page"].has_next
    assert all(c.copy_count == 1 for c in first.context["page"])
    second = client.get(reverse("carriers:list"), {"page": "2"})
    assert len(second.context["page"].object_list) == 1 and not second.context["page"].has_next
    for bad in ("0", "-1", "x", "９"):  # the first page (served from the per-state cache after the first)
        page = client.get(reverse("carriers:list"), {"page": bad}).content.decode()
        assert "通知50" in page and "通知01" in page and "通知00" not in page
