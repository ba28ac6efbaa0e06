"""Electronic signatures (password or TOTP) and delegation of approval power."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi import policy
from baomi.accounts.models import User
from baomi.approvals import registry, selectors, services
from baomi.approvals.models import ApprovalRequest, Delegation, Status
from baomi.audit.models import AuditEvent
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from tests.conftest import login
from tests.factories import PASSWORD, make_person, make_unit

approved: list[int] = []


@pytest.fixture(autouse=True)
def sign_type():
    approved.clear()
    registry.register(registry.RequestType(
        code="test.sign", label="测试签批", on_approved=lambda request, actor: approved.append(request.pk)))
    yield


@pytest.fixture
def org(db):
    root = make_unit("示范委", "org")
    office = make_unit("办公室", "office", parent=root)
    secretariat = make_unit("秘书股", "secretariat", parent=office)
    return {
        "root": root, "office": office, "secretariat": secretariat,
        "head": make_person("chen", unit=root, clearance="CORE", roles=[("approver", None)], full_name="陈国强"),
        "liumin": make_person("liumin", unit=secretariat, clearance="IMPORTANT", roles=[("approver", office)]),
        "deputy": make_person("deputy", unit=office, clearance="IMPORTANT", full_name="副主任"),
        "junior": make_person("junior", unit=office, clearance="GENERAL"),
        "wangfang": make_person("wangfang", unit=secretariat, clearance="CORE"),
    }


def submit(actor, subject, **kwargs) -> ApprovalRequest:
    defaults = {"request_type": "test.sign", "title": "借阅 2026-009", "reason": "工作需要"}
    return services.request_submit(actor=actor, subject=subject, **{**defaults, **kwargs})


def fresh(user: User) -> User:
    """A new instance: roles and delegations are cached per instance for one request."""
    return User.objects.get(pk=user.pk)


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():0{device.digits}d}"


def delegate(org, *, frm="head", to="deputy", days=(0, 3), types=None) -> Delegation:
    today = timezone.localdate()
    return services.delegation_create(
        actor=org[frm], delegate=org[to], starts_on=today + datetime.timedelta(days=days[0]),
        ends_on=today + datetime.timedelta(days=days[1]), reason="出差期间由副主任代签", request_types=types)


# ---------------------------------------------------------------- signature


def test_a_current_totp_code_signs_and_a_wrong_one_is_refused_and_audited(org):
    device = TOTPDevice.objects.create(user=org["liumin"], name="t", confirmed=True)
    request = submit(org["wangfang"], org["secretariat"])
    wrong = current_code(device, offset=40)  # 20 minutes away: outside any tolerance
    with pytest.raises(Refused, match="动态口令不正确"):
        services.request_decide(actor=org["liumin"], request=request, approve=True, otp=wrong)
    denied = AuditEvent.objects.get(action="approval.approve", outcome="denied")
    assert denied.actor_id == org["liumin"].pk and "动态口令不正确" in denied.summary
    # A wrong signature changes nothing else: no login failure, the account is not locked.
    assert not AuditEvent.objects.filter(action__startswith="login").exists()
    assert fresh(org["liumin"]).is_active
    request.refresh_from_db()
    assert request.status == Status.PENDING
    services.request_decide(actor=org["liumin"], request=request, approve=True, otp=current_code(device))
    request.refresh_from_db()
    assert request.status == Status.APPROVED and approved == [request.pk]
    assert json.loads(AuditEvent.objects.get(action="approval.approve", outcome="ok").details)["signature"] == "otp"


def test_sign_with_otp_setting_refuses_the_password_of_people_with_a_device(org, settings):
    settings.BAOMI_SIGN_WITH_OTP = True
    device = TOTPDevice.objects.create(user=org["liumin"], name="t", confirmed=True)
    request = submit(org["wangfang"], org["secretariat"])
    with pytest.raises(Refused, match="请使用动态口令签批"):
        services.request_decide(actor=org["liumin"], request=request, approve=True, password=PASSWORD)
    with pytest.raises(Refused, match="签批密码不正确"):  # no signature at all
        services.request_decide(actor=org["head"], request=request, approve=True)
    # Without a device the password still signs.
    services.request_decide(actor=org["head"], request=request, approve=True, password=PASSWORD)
    assert approved == [request.pk]
    other = submit(org["wangfang"], org["office"])
    services.request_decide(actor=org["liumin"], request=other, approve=True, otp=current_code(device))
    assert approved == [request.pk, other.pk]


def test_decide_page_and_api_take_an_otp(client, org):
    from baomi.accounts.services import token_create

    device = TOTPDevice.objects.create(user=org["liumin"], name="t", confirmed=True)
    page_request = submit(org["wangfang"], org["secretariat"])
    login(client, org["liumin"])
    session = client.session  # liumin enrolled a device: log in past the second factor too
    session["otp_device_id"] = device.persistent_id
    session.save()
    page = client.get(f"/approvals/{page_request.pk}/").content.decode()
    assert 'name="otp"' in page and 'name="password"' in page
    empty = client.post(f"/approvals/{page_request.pk}/", {"decision": "approve"})
    assert empty.status_code == 200 and "请输入签批密码或动态口令" in empty.content.decode()
    assert client.post(f"/approvals/{page_request.pk}/", {"decision": "approve", "otp": current_code(device)}
                       ).status_code == 302
    api_request = submit(org["wangfang"], org["office"])
    _, secret = token_create(actor=org["liumin"], name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    bad = client.post(f"/api/v1/approvals/requests/{api_request.pk}/decide", {"approve": True, "otp": "12"},
                      content_type="application/json", **auth)
    assert bad.status_code == 403
    ok = client.post(f"/api/v1/approvals/requests/{api_request.pk}/decide",
                     {"approve": True, "otp": current_code(device, offset=1)},
                     content_type="application/json", **auth)
    assert ok.status_code == 200 and ok.json()["status"] == "approved"


# ---------------------------------------------------------------- delegation


def test_delegate_decides_inside_the_window_and_the_step_records_both(org):
    request = submit(org["wangfang"], org["secretariat"])
    assert not selectors.inbox_for(fresh(org["deputy"])).exists()
    delegate(org)
    deputy = fresh(org["deputy"])
    assert [s.request_id for s in selectors.inbox_for(deputy)] == [request.pk]
    assert policy.approval_step_delegator(deputy, request.current_step) == org["head"]
    services.request_decide(actor=deputy, request=request, approve=True, password=PASSWORD)
    step = request.steps.get()
    assert (step.decided_by, step.on_behalf_of) == (org["deputy"], org["head"])
    event = AuditEvent.objects.get(action="approval.approve", outcome="ok")
    assert json.loads(event.details)["on_behalf_of"] == org["head"].pk and "代 陈国强" in event.summary
    # The delegator sees what was decided on their behalf.
    assert selectors.requests_visible_to(fresh(org["head"])).filter(pk=request.pk).exists()
    # A decider in their own right records no delegator.
    own = submit(org["wangfang"], org["office"])
    services.request_decide(actor=fresh(org["liumin"]), request=own, approve=True, password=PASSWORD)
    assert own.steps.get().on_behalf_of is None


def test_delegation_outside_its_window_or_revoked_gives_nothing(org):
    request = submit(org["wangfang"], org["secretariat"])
    future = delegate(org, days=(1, 5))  # before the window
    with pytest.raises(Refused, match="您不是此审批步骤的审批人"):
        services.request_decide(actor=fresh(org["deputy"]), request=request, approve=True, password=PASSWORD)
    assert not selectors.inbox_for(fresh(org["deputy"])).exists()
    # After the window (set-up: move a past window into place; the service refuses past ones).
    Delegation.objects.filter(pk=future.pk).update(
        starts_on=timezone.localdate() - datetime.timedelta(days=5),
        ends_on=timezone.localdate() - datetime.timedelta(days=1))
    assert not selectors.inbox_for(fresh(org["deputy"])).exists()
    with pytest.raises(Refused, match="您不是此审批步骤的审批人"):
        services.request_decide(actor=fresh(org["deputy"]), request=request, approve=True, password=PASSWORD)
    # Inside, then revoked.
    current = delegate(org)
    assert selectors.inbox_for(fresh(org["deputy"])).exists()
    with pytest.raises(Refused, match="只有委托人可以撤销委托"):
        services.delegation_revoke(actor=org["deputy"], delegation=current)
    services.delegation_revoke(actor=org["head"], delegation=current)
    with pytest.raises(Conflict):
        services.delegation_revoke(actor=org["head"], delegation=current)
    assert not selectors.inbox_for(fresh(org["deputy"])).exists()
    with pytest.raises(Refused, match="您不是此审批步骤的审批人"):
        services.request_decide(actor=fresh(org["deputy"]), request=request, approve=True, password=PASSWORD)
    assert AuditEvent.objects.filter(action="approval.delegate.revoke", outcome="ok").count() == 1


def test_delegation_limited_to_chosen_request_types(org):
    registry.register(registry.RequestType(code="test.other", label="其他", on_approved=lambda r, a: None))
    delegate(org, types=["test.other"])
    sign = submit(org["wangfang"], org["secretariat"])
    other = submit(org["wangfang"], org["secretariat"], request_type="test.other")
    assert [s.request_id for s in selectors.inbox_for(fresh(org["deputy"]))] == [other.pk]
    with pytest.raises(Refused):
        services.request_decide(actor=fresh(org["deputy"]), request=sign, approve=True, password=PASSWORD)


def test_a_delegate_below_the_level_may_not_decide(org):
    request = submit(org["wangfang"], org["secretariat"], level=int(Level.SECRET))  # 机密
    delegate(org, to="junior")  # 一般: up to 秘密
    junior = fresh(org["junior"])
    assert not selectors.inbox_for(junior).exists()  # never even the title
    with pytest.raises(Refused, match="涉密类别不能知悉机密级事项"):
        services.request_decide(actor=junior, request=request, approve=True, password=PASSWORD)
    assert AuditEvent.objects.filter(action="approval.approve", outcome="denied", actor_id=junior.pk).exists()


def test_self_approval_is_refused_whichever_way(org):
    delegate(org, frm="liumin", to="deputy")
    # The delegate's own request: never, even with the delegated power.
    own = submit(org["deputy"], org["secretariat"])
    with pytest.raises(Refused, match="不能审批本人提出的申请"):
        services.request_decide(actor=fresh(org["deputy"]), request=own, approve=True, password=PASSWORD)
    # The delegator's own request: the delegation does not lend power over it.
    theirs = submit(org["liumin"], org["office"])
    assert theirs.pk not in [s.request_id for s in selectors.inbox_for(fresh(org["deputy"]))]
    with pytest.raises(Refused, match="您不是此审批步骤的审批人"):
        services.request_decide(actor=fresh(org["deputy"]), request=theirs, approve=True, password=PASSWORD)


def test_delegation_refusals(org, secadmin):
    with pytest.raises(Refused, match="三员分立"):
        services.delegation_create(actor=secadmin, delegate=org["deputy"], starts_on=timezone.localdate(),
                                   ends_on=timezone.localdate(), reason="休假")
    with pytest.raises(Refused, match="没有审批角色"):
        delegate(org, frm="wangfang")
    with pytest.raises(Refused, match="不能是管理员"):
        services.delegation_create(actor=org["head"], delegate=secadmin, starts_on=timezone.localdate(),
                                   ends_on=timezone.localdate(), reason="休假")
    with pytest.raises(Refused, match="不能委托给本人"):
        delegate(org, to="head")
    with pytest.raises(Invalid):
        delegate(org, days=(3, 1))
    with pytest.raises(Invalid):
        services.delegation_create(actor=org["head"], delegate=org["deputy"], starts_on=timezone.localdate(),
                                   ends_on=timezone.localdate(), reason=" ")
    with pytest.raises(Invalid):
        delegate(org, types=["no.such"])
    assert not Delegation.objects.exists()
    assert AuditEvent.objects.filter(action="approval.delegate", outcome="denied").count() == 4


def test_delegation_pages_and_api(client, org, secadmin):
    from baomi.accounts.services import token_create

    login(client, org["head"])
    today = timezone.localdate().isoformat()
    response = client.post("/approvals/delegations/", {
        "delegate": org["deputy"].pk, "starts_on": today, "ends_on": today, "reason": "出差"})
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    page = client.get("/approvals/delegations/").content.decode()
    assert "副主任" in page and "撤销" in page
    assert client.post(f"/approvals/delegations/{delegation.pk}/revoke/").status_code == 302
    assert Delegation.objects.get().revoked_at is not None
    login(client, secadmin)
    assert client.get("/approvals/delegations/").status_code == 403
    # API: create, list, read, revoke; others' delegations are not found.
    _, secret = token_create(actor=org["head"], name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    created = client.post("/api/v1/approvals/delegations", {
        "delegate_id": org["deputy"].pk, "starts_on": today, "ends_on": today, "reason": "出差",
        "request_types": ["test.sign"]}, content_type="application/json", **auth)
    assert created.status_code == 201 and created.json()["request_types"] == ["test.sign"]
    pk = created.json()["id"]
    assert len(client.get("/api/v1/approvals/delegations", **auth).json()) == 2
    _, other = token_create(actor=org["wangfang"], name="t")
    assert client.get(f"/api/v1/approvals/delegations/{pk}", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    revoked = client.post(f"/api/v1/approvals/delegations/{pk}/revoke", **auth)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]


def test_the_delegate_sees_on_whose_behalf_they_sign_and_the_step_shows_both(client, org):
    request = submit(org["wangfang"], org["secretariat"])
    delegate(org)
    login(client, org["deputy"])
    page = client.get(f"/approvals/{request.pk}/").content.decode()
    assert "您将受 陈国强 委托代为审批" in page
    response = client.post(f"/approvals/{request.pk}/", {"decision": "approve", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(f"/approvals/{request.pk}/").content.decode()
    assert "副主任（代 陈国强）" in page
    # Inbox: the delegated decision was listed before, and is gone now.
    assert f"/approvals/{request.pk}/" not in client.get("/approvals/").content.decode().split("我提交的申请")[0]
