"""Carrier pages: who may open each, and that every form goes through its service."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from baomi.approvals.models import ApprovalRequest
from baomi.carriers.models import Carrier, CopyStatus, DestructionList, DestructionStatus
from tests.carriers.conftest import approve_all, events, first_copy, fresh, register
from tests.conftest import login
from tests.factories import PASSWORD


def page(user, path: str, data: dict | None = None, *, follow: bool = True):
    client = login(Client(), user)
    if data is None:
        return client.get(path)
    return client.post(path, data, follow=follow)


def main(response) -> str:
    return re.search(r"<main>.*</main>", response.content.decode(), re.S).group(0)


@pytest.fixture
def carrier(office):
    return register(office.wangfang, mark="秘密★10年", copies=2, units=[office.units["planning"]],
                    title="关于示范区规划调整的通知")


def test_who_may_open_each_page(office, carrier):
    copy = first_copy(carrier)
    paths = {
        "/carriers/": {"wangfang", "zhaolei", "zhoujing", "sunwei", "wutao", "sysadmin", "auditor"},
        "/carriers/register/": {"wangfang", "zhaolei", "lijianhua"},
        f"/carriers/{carrier.pk}/": {"wangfang", "zhaolei", "lijianhua", "zhoujing", "sunwei"},
        f"/carriers/copies/{copy.pk}/": {"wangfang", "zhaolei", "lijianhua", "zhoujing", "sunwei"},
        "/carriers/destructions/": {"wangfang", "zhoujing", "sysadmin"},
    }
    everyone = ["wangfang", "zhaolei", "lijianhua", "zhoujing", "sunwei", "wutao", "zhengli", "sysadmin", "auditor"]
    for path, allowed in paths.items():
        for who in everyone:
            response = page(office.people[who], path)
            body = response.content.decode()
            if who in allowed or path in ("/carriers/", "/carriers/destructions/"):
                assert response.status_code == 200, (path, who)
                # The title shows only where the reader may see the carrier.
                visible = who in {"wangfang", "zhaolei", "lijianhua", "zhoujing", "sunwei"}
                shows_titles = "register" not in path and "destructions" not in path
                assert ("关于示范区规划调整的通知" in body) == (visible and shows_titles), (path, who)
            elif path == "/carriers/register/":
                assert response.status_code == 403, (path, who)
            else:
                assert response.status_code == 404 and "对象不存在" in body, (path, who)
                missing = page(office.people[who], path.replace(str(carrier.pk if "copies" not in path else copy.pk),
                                                                "999999"))
                assert missing.status_code == 404 and main(missing) == main(response)


def test_navigation_shows_the_register_to_business_users_only(office):
    def nav(user) -> str:
        return re.search(r"<nav>(.*?)</nav>", page(user, "/carriers/").content.decode(), re.S).group(1)

    assert "/carriers/" in nav(office.zhoujing) and "/carriers/" in nav(office.wangfang)
    for admin in (office.sysadmin, office.secadmin, office.auditor):
        assert "/carriers/" not in nav(admin)


def test_register_form(office):
    response = page(office.wangfang, "/carriers/register/", {
        "direction": "incoming", "kind": "paper", "title": "省委文件", "mark": "机密★10年",
        "doc_number": "省委发〔2026〕1号",
        "source_unit": "省委办公厅", "copies": 3, "storage": "safe", "location": "1号保险柜",
        "need_to_know_people": [office.sunwei.pk]})
    assert response.status_code == 200
    created = Carrier.objects.get()
    assert created.copies.count() == 3 and "已登记" in response.content.decode()
    bad = page(office.wangfang, "/carriers/register/", {
        "direction": "incoming", "kind": "paper", "title": "x", "mark": "绝密", "source_unit": "x", "copies": 1,
        "storage": "safe"})
    assert "无法识别的密级标志" in bad.content.decode() and Carrier.objects.count() == 1


def test_copy_actions_through_the_pages(office, carrier):
    copy = first_copy(carrier)
    base = f"/carriers/copies/{copy.pk}/"
    detail = page(office.wangfang, base).content.decode()
    assert "传阅" in detail and "申请复制" in detail and "发出" in detail and "归档" in detail
    page(office.wangfang, base + "circulate/", {"reader": office.zhoujing.pk})
    assert fresh(copy).custodian_id == office.zhoujing.pk
    reader_view = page(office.zhoujing, base).content.decode()
    assert "签收" in reader_view and "退回机要员" in reader_view and "申请复制" not in reader_view
    page(office.zhoujing, base + "acknowledge/", {})
    response = page(office.zhoujing, base + "circulate/", {"reader": office.sunwei.pk})
    assert fresh(copy).custodian_id == office.zhoujing.pk  # refused: no sideways passing
    assert response.status_code == 200 and "msg error" in response.content.decode()
    page(office.zhoujing, base + "return/", {"note": "阅毕"})
    assert (fresh(copy).status, fresh(copy).custodian_id) == (CopyStatus.IN_CUSTODY, office.wangfang.pk)
    ledger = page(office.wangfang, base).content.decode()
    for kind in ("登记", "传阅", "签收", "退回"):
        assert kind in ledger

    due = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = page(office.sunwei, base + "lend/", {"due_on": due, "reason": "编制规划"})
    request = ApprovalRequest.objects.get(request_type="carriers.lend")
    assert response.redirect_chain[-1][0] == f"/approvals/{request.pk}/"
    approve_all(request, office.chen)
    assert fresh(copy).status == CopyStatus.LENT
    page(office.wangfang, base + "return/", {})
    page(office.wangfang, base + "reproduce/", {"count": 2, "reason": "会议"})
    assert ApprovalRequest.objects.filter(request_type="carriers.reproduce").exists()
    page(office.wangfang, base + "dispatch/", {"recipient_unit": "市政府", "channel": "fax"})
    assert fresh(copy).status == CopyStatus.IN_CUSTODY and events("copy.dispatch", "denied").exists()
    page(office.wangfang, base + "archive/", {"location": "档案室", "storage": "safe"})
    assert fresh(copy).status == CopyStatus.ARCHIVED
    page(office.wangfang, base + "hand_back/", {})
    assert fresh(copy).status == CopyStatus.RETURNED
    second = first_copy(carrier, 2)
    page(office.wangfang, f"/carriers/copies/{second.pk}/lost/", {"note": "遗失"})
    assert fresh(second).status == CopyStatus.LOST
    response = page(office.wangfang, f"/carriers/copies/{second.pk}/bogus/", {})
    assert "未知操作" in response.content.decode()


def test_destruction_pages(office, carrier):
    copies = list(carrier.copies.all())
    response = page(office.wangfang, "/carriers/destructions/", {
        "copies": [c.pk for c in copies], "method": "shred", "site": "机要室", "witness_1": office.lijianhua.pk,
        "witness_2": office.liumin.pk, "reason": "到期销毁"})
    dlist = DestructionList.objects.get()
    assert response.redirect_chain[-1][0] == f"/carriers/destructions/{dlist.pk}/"
    approve_all(dlist.approval, office.liumin, office.zhaolei)
    path = f"/carriers/destructions/{dlist.pk}/"
    # A witness sees the list, register numbers and 份号; the title only if they may see the carrier.
    witness_view = page(office.liumin, path).content.decode()
    assert "签字" in witness_view and "关于示范区规划调整的通知" not in witness_view
    assert carrier.register_no in witness_view
    page(office.liumin, path + "sign/", {"password": PASSWORD})
    page(office.lijianhua, path + "sign/", {"password": "wrong"})
    dlist.refresh_from_db()
    assert dlist.signatures == 1
    page(office.lijianhua, path + "sign/", {"password": PASSWORD})
    assert "执行销毁" in page(office.wangfang, path).content.decode()
    page(office.wangfang, path + "execute/", {})
    dlist.refresh_from_db()
    assert dlist.status == DestructionStatus.DONE
    assert {c.status for c in carrier.copies.all()} == {CopyStatus.DESTROYED}
    assert page(office.zhoujing, path).status_code == 404
    assert page(office.zhoujing, "/carriers/destructions/", {"copies": []}).status_code == 403


def test_list_shows_overdue_mine_and_hand_back(office, carrier):
    copy = first_copy(carrier)
    Carrier.objects.filter(pk=carrier.pk).update(return_by=timezone.localdate())
    page(office.wangfang, f"/carriers/copies/{copy.pk}/circulate/", {"reader": office.zhoujing.pk})
    from baomi.carriers.models import Copy

    Copy.objects.filter(pk=copy.pk).update(due_at=timezone.now() - datetime.timedelta(hours=2))
    keeper = page(office.wangfang, "/carriers/").content.decode()
    assert 'data-testid="overdue-count">1<' in keeper and "本月应清退" in keeper
    reader = page(office.zhoujing, "/carriers/").content.decode()
    assert 'data-testid="overdue-count">1<' in reader and "本月应清退" not in reader
    assert page(office.wutao, "/carriers/").content.decode().count('data-testid="overdue-count">0<') == 1
    searched = page(office.wangfang, "/carriers/?q=示范区&level=3&direction=incoming").content.decode()
    assert carrier.register_no in searched
