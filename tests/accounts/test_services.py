"""Every service in accounts/services.py: what it changes, what it records, and bad input
(which gets a clear message and changes nothing)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi.accounts import services
from baomi.accounts.models import ApiToken, PasswordHistory, Role, RoleAssignment, Unit, User
from baomi.accounts.passwords import character_classes
from baomi.audit.models import Outcome
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Clearance
from tests.accounts.conftest import event_count, last_event, snapshot
from tests.factories import PASSWORD, make_eligible, make_person, make_unit


def unchanged(call, exc_type=Invalid, match: str | None = None):
    """Run a call that must fail with exc_type, and prove the data did not move."""
    before, events = snapshot(), event_count()
    with pytest.raises(exc_type, match=match) as caught:
        call()
    assert caught.value.message
    assert snapshot() == before
    if exc_type is Refused:
        assert event_count() == events + 1 and last_event().outcome == Outcome.DENIED
    else:
        assert event_count() == events, "bad input is not an event"
    return caught.value


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0 - offset * device.step, digits=device.digits):06d}"


# ---------------------------------------------------------------- units


def test_unit_create(sysadmin):
    root = services.unit_create(actor=sysadmin, name=" 示范市发改委 ", code=" fgw ")
    child = services.unit_create(actor=sysadmin, name="办公室", code="office", parent=root, sort_order=3)
    assert (root.name, root.code, root.parent) == ("示范市发改委", "fgw", None)
    assert (child.parent, child.sort_order, child.path) == (root, 3, "示范市发改委 / 办公室")
    event = last_event()
    assert (event.action, event.outcome, event.object_type, event.object_id) == (
        "unit.create", "ok", "unit", str(child.pk))
    assert json.loads(event.details) == {"code": "office", "parent": root.pk}


@pytest.mark.parametrize(("name", "code", "message"), [
    ("", "x", "不能为空"), ("   ", "x", "不能为空"), ("办公室", "", "不能为空"), ("办公室", "  ", "不能为空"),
    ("另一个", "planning", "已存在"),  # duplicate code
    ("规划科", "planning2", "同名"),  # duplicate name under the same parent
])
def test_unit_create_bad_input(sysadmin, name, code, message):
    parent = make_unit("示范市发改委", "fgw")
    make_unit("规划科", "planning", parent=parent)
    unchanged(lambda: services.unit_create(actor=sysadmin, name=name, code=code, parent=parent), match=message)


def test_unit_update_renames_moves_and_orders(sysadmin):
    root, other = make_unit("发改委", "fgw"), make_unit("财政局", "czj")
    unit = make_unit("规划科", "planning", parent=root)
    updated = services.unit_update(actor=sysadmin, unit=unit, name=" 规划处 ", parent=other, sort_order=7)
    unit.refresh_from_db()
    assert (unit.name, unit.parent, unit.sort_order) == ("规划处", other, 7) == (
        updated.name, updated.parent, updated.sort_order)
    details = json.loads(last_event().details)
    assert details == {"before": {"name": "规划科", "parent": root.pk}, "after": {"name": "规划处", "parent": other.pk}}


def test_unit_update_empty_name_keeps_the_old_one(sysadmin):
    unit = make_unit("规划科", "planning")
    assert services.unit_update(actor=sysadmin, unit=unit, name="  ", parent=None).name == "规划科"


def test_unit_update_refuses_cycles_and_sibling_clash(sysadmin):
    root = make_unit("发改委", "fgw")
    office = make_unit("办公室", "office", parent=root)
    secretariat = make_unit("秘书股", "secretariat", parent=office)
    make_unit("规划科", "planning", parent=root)
    unchanged(lambda: services.unit_update(actor=sysadmin, unit=office, name="办公室", parent=office), match="下级")
    unchanged(lambda: services.unit_update(actor=sysadmin, unit=root, name="发改委", parent=secretariat),
              match="下级")
    unchanged(lambda: services.unit_update(actor=sysadmin, unit=office, name="规划科", parent=root), match="同名")


def test_unit_disable_and_enable(sysadmin, unit, staff):
    empty = make_unit("财务科", "finance")
    assert not services.unit_set_active(actor=sysadmin, unit=empty, active=False).is_active
    assert last_event().action == "unit.disable"
    assert services.unit_set_active(actor=sysadmin, unit=empty, active=True).is_active
    assert last_event().action == "unit.enable"
    # A unit with people still at work cannot be switched off.
    unchanged(lambda: services.unit_set_active(actor=sysadmin, unit=unit, active=False), Refused, match="在岗")
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert not services.unit_set_active(actor=sysadmin, unit=unit, active=False).is_active


# ---------------------------------------------------------------- people


def test_person_create_gives_a_one_time_password(sysadmin, unit):
    person, temporary = services.person_create(actor=sysadmin, username=" liumin ", full_name=" 刘敏 ", unit=unit,
                                               staff_no="FGW002", post="秘书股长")
    assert (person.username, person.full_name, person.unit, person.staff_no, person.post) == (
        "liumin", "刘敏", unit, "FGW002", "秘书股长")
    assert person.must_change_password and person.is_active and not person.admin_role
    assert person.clearance == Clearance.NONE and not person.role_assignments.exists()
    assert person.check_password(temporary) and len(temporary) >= 14 and character_classes(temporary) == 4
    assert temporary not in person.password
    event = last_event()
    assert (event.action, event.outcome, event.object_id) == ("account.create", "ok", str(person.pk))
    assert temporary not in event.summary + event.details, "secrets never reach the log"


def test_person_create_without_unit_or_staff_number(sysadmin):
    person, _ = services.person_create(actor=sysadmin, username="temp", full_name="临时", unit=None, staff_no="")
    assert person.unit is None and person.staff_no is None


@pytest.mark.parametrize(("username", "full_name", "staff_no", "message"), [
    ("", "某人", None, "不能为空"),
    ("someone", "  ", None, "不能为空"),
    ("zhoujing", "另一个周静", None, "用户名已存在"),
    ("another", "另一人", "FGW001", "工号已存在"),
])
def test_person_create_bad_input(sysadmin, unit, username, full_name, staff_no, message):
    make_person("zhoujing", unit=unit)
    User.objects.filter(username="zhoujing").update(staff_no="FGW001")
    unchanged(lambda: services.person_create(actor=sysadmin, username=username, full_name=full_name, unit=unit,
                                             staff_no=staff_no), match=message)


def test_person_create_in_a_disabled_unit(sysadmin):
    closed = make_unit("撤销科", "closed")
    Unit.objects.filter(pk=closed.pk).update(is_active=False)
    closed.refresh_from_db()
    unchanged(lambda: services.person_create(actor=sysadmin, username="x1", full_name="某", unit=closed),
              match="停用")


def test_person_update(sysadmin, unit, target):
    other = make_unit("财务科", "finance")
    person = services.person_update(actor=sysadmin, person=target, full_name=" 孙伟 ", unit=other, post=" 科长 ",
                                    staff_no=" FGW006 ")
    assert (person.full_name, person.unit, person.post, person.staff_no) == ("孙伟", other, "科长", "FGW006")
    details = json.loads(last_event().details)
    assert details["before"]["unit"] == unit.pk and details["after"]["unit"] == other.pk
    # An empty name keeps the old one; an empty staff number clears it.
    person = services.person_update(actor=sysadmin, person=target, full_name="", unit=other, post="", staff_no="")
    assert person.full_name == "孙伟" and person.staff_no is None


def test_person_update_duplicate_staff_number(sysadmin, unit, target, staff):
    User.objects.filter(pk=staff.pk).update(staff_no="FGW007")
    unchanged(lambda: services.person_update(actor=sysadmin, person=target, full_name="x", unit=unit, post="",
                                             staff_no="FGW007"), match="工号已存在")


def test_person_disable_revokes_tokens_and_enable_restores(sysadmin, target):
    token, raw = services.token_create(actor=target, name="脚本")
    assert services.token_authenticate(raw) == target
    person = services.person_set_active(actor=sysadmin, person=target, active=False)
    assert not person.is_active
    token.refresh_from_db()
    assert token.revoked_at is not None and services.token_authenticate(raw) is None
    assert last_event().action == "account.disable"
    assert services.person_set_active(actor=sysadmin, person=target, active=True).is_active
    assert last_event().action == "account.enable"
    assert services.token_authenticate(raw) is None, "re-enabling does not revive old tokens"


def test_person_unlock_clears_failed_attempts(sysadmin, target):
    AccessAttempt.objects.create(username=target.username, ip_address="10.0.0.1", user_agent="x", http_accept="",
                                 path_info="/accounts/login/", get_data="", post_data="", failures_since_start=5)
    AccessAttempt.objects.create(username="someone-else", ip_address="10.0.0.1", user_agent="x", http_accept="",
                                 path_info="/accounts/login/", get_data="", post_data="", failures_since_start=5)
    services.person_unlock(actor=sysadmin, person=target)
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["someone-else"]
    event = last_event()
    assert (event.action, event.outcome, json.loads(event.details)) == ("account.unlock", "ok",
                                                                        {"cleared_attempts": 1})


def test_person_reset_password(sysadmin, target):
    old_hash = target.password
    temporary = services.person_reset_password(actor=sysadmin, person=target)
    target.refresh_from_db()
    assert target.check_password(temporary) and not target.check_password(PASSWORD)
    assert target.must_change_password and target.password_changed_at is not None
    assert list(target.password_history.values_list("password", flat=True)) == [old_hash]
    event = last_event()
    assert event.action == "account.reset_password" and temporary not in event.summary + event.details


def test_person_set_clearance(secadmin, target):
    make_eligible(target)  # vetted and committed (the personnel gate)
    person = services.person_set_clearance(actor=secadmin, person=target, clearance=Clearance.CORE)
    assert person.clearance == Clearance.CORE
    target.refresh_from_db()
    assert target.clearance_category == Clearance.CORE
    event = last_event()
    assert (event.action, json.loads(event.details)) == ("clearance.set", {"before": 1, "after": 3})
    assert "一般 → 核心" in event.summary


# ---------------------------------------------------------------- roles


def test_role_grant_org_wide_and_per_unit(secadmin, target, unit):
    org = services.role_grant(actor=secadmin, person=target, role=Role.APPROVER)
    scoped = services.role_grant(actor=secadmin, person=target, role=Role.APPROVER, unit=unit)
    assert (org.unit, scoped.unit, org.granted_by, scoped.role) == (None, unit, secadmin, "approver")
    event = last_event()
    assert (event.action, json.loads(event.details)) == ("role.grant", {"role": "approver", "unit": unit.pk})
    assert "审批领导" in event.summary and unit.name in event.summary


def test_role_grant_bad_input(secadmin, target, unit):
    services.role_grant(actor=secadmin, person=target, role=Role.APPROVER)
    services.role_grant(actor=secadmin, person=target, role=Role.STAFF, unit=unit)
    unchanged(lambda: services.role_grant(actor=secadmin, person=target, role="emperor"), match="未知角色")  # type: ignore[arg-type]
    unchanged(lambda: services.role_grant(actor=secadmin, person=target, role=Role.APPROVER), Conflict,
              match="已授予")
    unchanged(lambda: services.role_grant(actor=secadmin, person=target, role=Role.STAFF, unit=unit), Conflict)


def test_role_revoke_and_double_revoke(secadmin, target):
    assignment = services.role_grant(actor=secadmin, person=target, role=Role.SECRECY_OFFICER)
    services.role_revoke(actor=secadmin, assignment=assignment)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    event = last_event()
    assert (event.action, event.outcome, json.loads(event.details)) == (
        "role.revoke", "ok", {"role": "secrecy_officer", "unit": None})
    err = unchanged(lambda: services.role_revoke(actor=secadmin, assignment=assignment), Conflict, match="已被撤销")
    assert err.status == 409


# ---------------------------------------------------------------- own account


def test_password_change(target):
    services.password_change(actor=target, old=PASSWORD, new="Brand#New2026")
    target.refresh_from_db()
    assert target.check_password("Brand#New2026") and not target.must_change_password
    assert target.password_changed_at is not None and target.password_history.count() == 1
    event = last_event()
    assert (event.action, event.actor_id) == ("password.change", target.pk)
    assert "Brand#New2026" not in event.summary + event.details


def test_password_change_wrong_old_password_is_refused(target):
    err = unchanged(lambda: services.password_change(actor=target, old="Wrong#2026pass", new="Brand#New2026"),
                    Refused, match="原密码")
    assert err.status == 403
    assert (last_event().action, last_event().actor_id) == ("password.change", target.pk)


def test_password_change_policy_violation_is_invalid(target):
    unchanged(lambda: services.password_change(actor=target, old=PASSWORD, new="short"), match="至少")


def test_password_history_is_trimmed(target, settings):
    current = PASSWORD
    for i in range(8):
        new = f"Rotate#{i}x2026"
        services.password_change(actor=target, old=current, new=new)
        current = new
    assert PasswordHistory.objects.filter(user=target).count() == settings.BAOMI_PASSWORD_HISTORY


# ---------------------------------------------------------------- tokens


def test_token_digest_is_sha256():
    assert services.token_digest("bm_ab_cd") == hashlib.sha256(b"bm_ab_cd").hexdigest()


def test_token_create(staff, settings):
    token, raw = services.token_create(actor=staff, name="  脚本  ")
    prefix = token.prefix
    assert raw.startswith(f"bm_{prefix}_") and token.name == "脚本"
    assert token.digest == services.token_digest(raw) and raw not in token.digest
    days = (token.expires_at - timezone.now()).days
    assert settings.BAOMI_API_TOKEN_DAYS - 1 <= days <= settings.BAOMI_API_TOKEN_DAYS
    event = last_event()
    assert (event.action, json.loads(event.details)) == (
        "token.create", {"prefix": prefix, "days": settings.BAOMI_API_TOKEN_DAYS})
    assert raw not in event.summary + event.details
    short, _ = services.token_create(actor=staff, name="一天", days=1)
    assert (short.expires_at - timezone.now()) <= timedelta(days=1)


@pytest.mark.parametrize(("name", "days", "message"), [
    ("", None, "名称"), ("   ", 30, "名称"), ("x", 0, "1 到 365"), ("x", -5, "1 到 365"), ("x", 366, "1 到 365"),
])
def test_token_create_bad_input(staff, name, days, message):
    unchanged(lambda: services.token_create(actor=staff, name=name, days=days), match=message)


def test_token_create_refused_for_disabled_account(disabled):
    unchanged(lambda: services.token_create(actor=disabled, name="x"), Refused)


def test_token_revoke(staff, officer):
    token, raw = services.token_create(actor=staff, name="t")
    unchanged(lambda: services.token_revoke(actor=officer, token=token), Refused, match="本人")
    services.token_revoke(actor=staff, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None and services.token_authenticate(raw) is None
    assert last_event().action == "token.revoke"
    unchanged(lambda: services.token_revoke(actor=staff, token=token), Conflict, match="已吊销")


def test_token_authenticate(staff):
    # Many tokens: the random part is URL-safe base64 and often contains "_" itself.
    raws = [services.token_create(actor=staff, name=f"t{i}")[1] for i in range(30)]
    assert any(raw.count("_") > 2 for raw in raws)
    assert all(services.token_authenticate(raw) == staff for raw in raws)
    assert ApiToken.objects.filter(user=staff, last_used_at__isnull=False).count() == 30


def test_token_authenticate_rejects(staff):
    token, raw = services.token_create(actor=staff, name="t")
    prefix = token.prefix
    for bad in ["", "bm", "bm__", "xx_" + raw[3:], f"bm_{prefix}_wrong", raw + "x", raw.upper(), f"bm_ffffffff_{raw}"]:
        assert services.token_authenticate(bad) is None, bad
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.token_authenticate(raw) is None


def test_token_last_used_is_not_rewritten_on_every_call(staff):
    token, raw = services.token_create(actor=staff, name="t")
    services.token_authenticate(raw)
    token.refresh_from_db()
    first = token.last_used_at
    services.token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == first


# ---------------------------------------------------------------- second factor


def test_totp_begin_replaces_an_unconfirmed_device(sysadmin):
    first = services.totp_begin(actor=sysadmin)
    second = services.totp_begin(actor=sysadmin)
    assert not second.confirmed and list(TOTPDevice.objects.filter(user=sysadmin)) == [second]
    assert first.pk != second.pk


def test_totp_confirm(sysadmin):
    old = TOTPDevice.objects.create(user=sysadmin, name="old phone", confirmed=True)
    device = services.totp_begin(actor=sysadmin)
    services.totp_confirm(actor=sysadmin, device=device, code=f" {code_for(device)} ")
    device.refresh_from_db()
    assert device.confirmed and not TOTPDevice.objects.filter(pk=old.pk).exists()
    event = last_event()
    assert (event.action, event.outcome, event.actor_id) == ("mfa.enroll", "ok", sysadmin.pk)


def test_totp_confirm_wrong_code(sysadmin):
    device = services.totp_begin(actor=sysadmin)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    events = event_count()
    with pytest.raises(Refused, match="动态口令"):
        services.totp_confirm(actor=sysadmin, device=device, code=wrong)
    device.refresh_from_db()
    assert not device.confirmed
    assert event_count() == events + 1
    assert (last_event().action, last_event().outcome) == ("mfa.enroll", "denied")


def test_totp_confirm_only_own_device(sysadmin, secadmin):
    device = services.totp_begin(actor=secadmin)
    with pytest.raises(TOTPDevice.DoesNotExist):
        services.totp_confirm(actor=sysadmin, device=device, code=code_for(device))
    device.refresh_from_db()
    assert not device.confirmed


def test_mfa_required(sysadmin, secadmin, auditor, staff):
    assert all(services.mfa_required(a) for a in (sysadmin, secadmin, auditor))
    assert not services.mfa_required(staff)
    TOTPDevice.objects.create(user=staff, name="unconfirmed", confirmed=False)
    assert not services.mfa_required(staff)
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    assert services.mfa_required(staff), "whoever enrolled uses the second factor too"
