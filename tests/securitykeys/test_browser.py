"""End to end in a real Chromium with its virtual authenticator (CDP WebAuthn domain):
enrol a security key on the profile page, sign out, sign in with the password and pass
the second-factor gate with the key. Exercises static/securitykeys/webauthn.js for real.

WebAuthn needs a secure context: pytest-django's live server is http://localhost:PORT,
which browsers treat as one (127.0.0.1 would not give the rp id "localhost").
"""

from __future__ import annotations

import json

import pytest

from baomi.audit.models import AuditEvent
from baomi.securitykeys.models import SecurityKey
from tests.browser.test_login_browser import browser, flushable_audit_log, page, sign_in  # noqa: F401
from tests.factories import make_person, make_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def virtual_authenticator(tab) -> tuple[object, str]:
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    found = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    return cdp, found["authenticatorId"]


def test_enrol_a_key_then_pass_the_gate_with_it(page, live_server):  # noqa: F811
    base = live_server.url
    assert base.startswith("http://localhost:"), "WebAuthn needs the secure context of localhost"
    person = make_person("zhoujing", unit=make_unit("规划科", "planning"), clearance="GENERAL", full_name="周静")
    cdp, authenticator_id = virtual_authenticator(page)

    sign_in(page, base, "zhoujing")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/accounts/profile/")
    page.fill("#securitykey-name", "笔记本内置密钥")
    page.get_by_role("button", name="添加安全密钥").click()
    page.wait_for_function("() => document.querySelector('[role=status]') !== null")
    assert "安全密钥已注册" in page.get_by_role("status").inner_text()
    assert "笔记本内置密钥" in page.get_by_test_id("securitykeys").inner_text()
    page.screenshot(path="/tmp/baomi-securitykey-profile.png", full_page=True)
    key = SecurityKey.objects.get(user=person)
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert [c["credentialId"].rstrip("=").replace("+", "-").replace("/", "_") for c in held] == [key.credential_id]

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{base}/accounts/login/")
    sign_in(page, base, "zhoujing")
    page.wait_for_url(f"{base}/accounts/otp/verify/")
    page.goto(f"{base}/carriers/")
    assert page.url.startswith(f"{base}/accounts/otp/verify/"), "the gate holds until the key is used"
    page.screenshot(path="/tmp/baomi-securitykey-verify.png", full_page=True)
    page.get_by_role("button", name="使用安全密钥").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_test_id("current-user").inner_text() == "周静"
    page.screenshot(path="/tmp/baomi-securitykey-home.png", full_page=True)

    key.refresh_from_db()
    assert key.last_used_at is not None
    verify = AuditEvent.objects.filter(actor=person, action="mfa.verify").get()
    assert verify.outcome == "ok" and json.loads(verify.details)["method"] == "security_key"
    actions = list(AuditEvent.objects.filter(actor=person).order_by("seq").values_list("action", flat=True))
    assert actions == ["auth.login", "securitykey.register", "auth.logout", "auth.login", "mfa.verify"]


def test_sign_an_approval_with_the_key(page, live_server):  # noqa: F811
    """The decision form's 使用安全密钥签批: webauthn.js asks for a challenge over what the form
    says, the key signs it, and the form goes in with the signature."""
    from baomi.approvals import registry, services
    from baomi.approvals.models import ApprovalRequest

    base = live_server.url
    registry.register(registry.RequestType(code="test.browser_sign", label="测试签批", on_approved=lambda r, a: None))
    office = make_unit("办公室", "office")
    approver = make_person("liumin", unit=office, clearance="IMPORTANT", roles=[("approver", office)], full_name="刘敏")
    requester = make_person("wangfang", unit=office, clearance="CORE", full_name="王芳")
    request = services.request_submit(actor=requester, request_type="test.browser_sign", subject=office,
                                      title="借阅 2026-009", reason="工作需要")
    virtual_authenticator(page)
    sign_in(page, base, "liumin")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/accounts/profile/")
    page.fill("#securitykey-name", "办公室密钥")
    page.get_by_role("button", name="添加安全密钥").click()
    page.wait_for_function("() => document.querySelector('[role=status]') !== null")

    page.goto(f"{base}/approvals/{request.pk}/")
    page.get_by_label("同意", exact=True).check()
    page.fill("textarea[name=comment]", "同意借阅")
    page.get_by_role("button", name="使用安全密钥签批").click()
    page.wait_for_function("() => document.body.innerText.includes('已签批')")
    page.screenshot(path="/tmp/baomi-approval-signed-with-key.png", full_page=True)
    assert ApprovalRequest.objects.get(pk=request.pk).status == "approved"
    event = AuditEvent.objects.get(action="approval.approve", actor=approver)
    assert json.loads(event.details)["signature"] == "security_key"
    assert json.loads(event.details)["comment"] == "同意借阅"
