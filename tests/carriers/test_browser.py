"""End to end in a real Chromium: receive → circulate → sign → return → lend (approve) →
return → destroy, each person in their own browser session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import timezone

from baomi.audit.verify import verify
from baomi.carriers import services
from baomi.carriers.models import Carrier, CopyStatus, DestructionList, DestructionStatus
from tests.browser.test_login_browser import browser, flushable_audit_log, sign_in  # noqa: F401
from tests.carriers.conftest import approve_all, build_office, drop_guards, install_guards
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def flushable_ledger(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The ledger's guards refuse the flush that ends a transactional test: lift them for this
    module, then put them back."""
    with django_db_blocker.unblock():
        drop_guards()
    yield
    with django_db_blocker.unblock():
        install_guards()


@pytest.fixture
def session(django_db_setup, flushable_audit_log, flushable_ledger, browser, live_server):  # noqa: F811
    from baomi.audit.chain import GENESIS
    from baomi.audit.models import ChainHead

    ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS, "frontier": {}})
    contexts = []

    def open_as(username: str):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = context.new_page()
        sign_in(tab, live_server.url, username)
        tab.wait_for_url(f"{live_server.url}/")
        return tab

    yield open_as
    for context in contexts:
        context.close()


def test_receive_circulate_lend_return_destroy(session, live_server):
    base = live_server.url
    office = build_office()

    # 王芳 registers an incoming document with two copies.
    wangfang = session("wangfang")
    wangfang.get_by_role("link", name="涉密载体").first.click()
    wangfang.get_by_role("link", name="登记载体").click()
    wangfang.select_option("#id_direction", "incoming")
    wangfang.fill("#id_title", "关于示范区规划调整的通知")
    wangfang.fill("#id_mark", "秘密 * 10年")
    wangfang.fill("#id_doc_number", "省发改〔2026〕12号")
    wangfang.fill("#id_source_unit", "省发展改革委")
    wangfang.fill("#id_copies", "2")
    wangfang.select_option("#id_storage", "combination")
    wangfang.select_option("#id_need_to_know_units", label="规划科")
    wangfang.get_by_role("button", name="登记并签收").click()
    carrier = Carrier.objects.get()
    wangfang.wait_for_url(f"{base}/carriers/{carrier.pk}/")
    assert "秘密★10年" in wangfang.locator("h1").inner_text()
    copy = carrier.copies.get(serial=1)

    # She circulates copy 000001 to 周静, who signs for it and gives it back.
    wangfang.goto(f"{base}/carriers/copies/{copy.pk}/")
    wangfang.select_option("#id_reader", label="周静（规划科）")
    wangfang.get_by_role("button", name="传阅").last.click()
    assert wangfang.get_by_test_id("custodian").inner_text() == "周静"
    zhoujing = session("zhoujing")
    zhoujing.goto(f"{base}/carriers/")
    assert "关于示范区规划调整的通知" in zhoujing.get_by_test_id("carriers").inner_text()
    zhoujing.goto(f"{base}/carriers/copies/{copy.pk}/")
    zhoujing.get_by_role("button", name="签收").click()
    zhoujing.get_by_role("button", name="退回机要员").click()
    assert zhoujing.get_by_role("status").inner_text() == "已退回机要员"
    assert zhoujing.get_by_test_id("custodian").inner_text() == "王芳"

    # 孙伟 asks to borrow it; 陈国强 approves with his password; 孙伟 returns it.
    sunwei = session("sunwei")
    sunwei.goto(f"{base}/carriers/copies/{copy.pk}/")
    sunwei.fill("#id_due_on", (timezone.localdate() + timezone.timedelta(days=3)).isoformat())
    sunwei.fill("#id_reason", "编制规划需要")
    sunwei.get_by_role("button", name="提交审批").first.click()
    sunwei.wait_for_url(f"{base}/approvals/*/")
    approval_url = sunwei.url
    chen = session("chen")
    # The nav counts every module's items in 我的待办 (the approval, and e.g. training owed).
    from baomi import inbox
    from baomi.accounts.models import User

    assert chen.get_by_test_id("inbox-count").inner_text() == str(inbox.count_for(User.objects.get(username="chen")))
    assert "编制规划需要" not in chen.content()  # the nav shows a count, never a reason
    chen.goto(approval_url)
    chen.check("input[name=decision][value=approve]")
    chen.fill("#id_password", PASSWORD)
    chen.get_by_role("button", name="提交意见").click()
    assert chen.get_by_role("status").inner_text() == "已签批"
    sunwei.goto(f"{base}/carriers/copies/{copy.pk}/")
    assert sunwei.get_by_test_id("status").inner_text() == "借出"
    sunwei.get_by_role("button", name="退回机要员").click()
    assert sunwei.get_by_test_id("status").inner_text() == "在册保管"
    ledger = wangfang.goto(f"{base}/carriers/copies/{copy.pk}/") and wangfang.get_by_test_id("ledger").inner_text()
    for kind in ("登记", "传阅", "签收", "退回", "借出"):
        assert kind in ledger

    # 王芳 lists both copies for destruction; after approval and both witnesses, she destroys them.
    wangfang.goto(f"{base}/carriers/destructions/")
    wangfang.select_option("#id_copies", [str(c.pk) for c in carrier.copies.all()])
    wangfang.select_option("#id_method", "shred")
    wangfang.fill("#id_site", "机要室碎纸间")
    wangfang.select_option("#id_witness_1", label="李建华（保密办）")
    wangfang.select_option("#id_witness_2", label="刘敏（秘书股）")
    wangfang.fill("#id_reason", "保存期满")
    wangfang.get_by_role("button", name="提交审批").click()
    dlist = DestructionList.objects.get()
    wangfang.wait_for_url(f"{base}/carriers/destructions/{dlist.pk}/")
    approve_all(dlist.approval, office.liumin, office.zhaolei)
    services.destruction_sign(actor=office.lijianhua, destruction=dlist, password=PASSWORD)
    liumin = session("liumin")
    liumin.goto(f"{base}/carriers/destructions/{dlist.pk}/")
    liumin.fill("#id_password", PASSWORD)
    liumin.get_by_role("button", name="签字").click()
    assert liumin.get_by_role("status").inner_text() == "已签字"
    wangfang.reload()
    wangfang.get_by_role("button", name="执行销毁").click()
    assert wangfang.get_by_test_id("status").inner_text() == "已销毁"
    wangfang.screenshot(path="/tmp/baomi-destruction.png", full_page=True)
    dlist.refresh_from_db()
    assert dlist.status == DestructionStatus.DONE
    assert set(carrier.copies.values_list("status", flat=True)) == {CopyStatus.DESTROYED}
    assert verify().ok
