"""Security keys (WebAuthn) as a second factor: enrolment, sign-in, refusals, removal rules
and the level policy, through the real views with a software authenticator."""

from __future__ import annotations

import json

import pytest
from django.core.checks import run_checks
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi.accounts import services as account_services
from baomi.audit.models import AuditEvent
from baomi.errors import Refused
from baomi.securitykeys import services
from baomi.securitykeys.models import SecurityKey
from tests.factories import make_admin, make_person
from tests.securitykeys.authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"  # the test client's host: the rp id is "testserver"


def post_json(client, name: str, body: dict | None = None, query: str = ""):
    return client.post(reverse(name) + query, data=json.dumps(body or {}), content_type="application/json")


def enrol(client, authenticator: SoftAuthenticator, *, name: str = "办公室密钥", origin: str = ORIGIN):
    begin = post_json(client, "securitykeys:register_begin")
    assert begin.status_code == 200, begin.content
    credential = authenticator.create(begin.json(), origin)
    return post_json(client, "securitykeys:register_finish", {"credential": credential, "name": name})


def assert_(client, authenticator: SoftAuthenticator, *, origin: str = ORIGIN, challenge: str | None = None,
            query: str = ""):
    begin = post_json(client, "securitykeys:authenticate_begin")
    assert begin.status_code == 200, begin.content
    credential = authenticator.get(begin.json(), origin, challenge=challenge)
    return post_json(client, "securitykeys:authenticate_finish", {"credential": credential}, query)


def fresh_session(client, person):
    """Sign out and in again with the password only: the second factor is still to pass."""
    client.logout()
    client.force_login(person)
    return client


def totp_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def make_totp(person) -> TOTPDevice:
    return TOTPDevice.objects.create(user=person, name="TOTP", confirmed=True)


def details(event: AuditEvent) -> dict:
    return json.loads(event.details)


def gate_of(client) -> str:
    response = client.get("/")
    return response.headers.get("Location", "") if response.status_code == 302 else ""


# ---------------------------------------------------------------- enrolment and sign-in


def test_enrol_then_sign_in_with_the_key(client, staff):
    client.force_login(staff)
    key = SoftAuthenticator()
    response = enrol(client, key)
    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == reverse("accounts:profile")
    stored = SecurityKey.objects.get(user=staff)
    assert (stored.name, stored.confirmed, stored.sign_count, stored.transports) == ("办公室密钥", True, 0, ["usb"])
    assert bytes(stored.user_handle) == next(iter(key.credentials.values())).user_handle
    event = AuditEvent.objects.get(action="securitykey.register")
    assert (event.outcome, event.actor_id) == ("ok", staff.pk)
    assert gate_of(client) == "", "enrolling the first factor verifies the session, as TOTP enrolment does"
    assert account_services.mfa_required(staff), "whoever enrolled a key uses it"

    fresh_session(client, staff)
    assert gate_of(client) == reverse("accounts:otp_verify")
    page = client.get(reverse("accounts:otp_verify"))
    assert "使用安全密钥" in page.content.decode()
    assert 'name="code"' not in page.content.decode(), "no TOTP field for someone who has no TOTP device"
    begin = post_json(client, "securitykeys:authenticate_begin").json()
    assert [d["id"] for d in begin["allowCredentials"]] == [stored.credential_id]
    assert begin["rpId"] == "testserver"

    response = assert_(client, key, query="?next=/accounts/profile/")
    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == "/accounts/profile/"
    assert gate_of(client) == ""
    stored.refresh_from_db()
    assert stored.sign_count == 1 and stored.last_used_at is not None
    event = AuditEvent.objects.filter(action="mfa.verify").latest("seq")
    assert event.outcome == "ok" and details(event)["method"] == "security_key"


def test_next_never_leaves_the_site(client, staff):
    client.force_login(staff)
    key = SoftAuthenticator()
    enrol(client, key)
    fresh_session(client, staff)
    response = assert_(client, key, query="?next=https://evil.example/")
    assert response.json()["redirect"] == "/"


def test_wrong_challenge_is_refused_and_audited(client, staff):
    client.force_login(staff)
    key = SoftAuthenticator()
    enrol(client, key)
    fresh_session(client, staff)
    response = assert_(client, key, challenge="c29tZS1vdGhlci1jaGFsbGVuZ2U")
    assert response.status_code == 403
    assert response.json()["error"] == "安全密钥验证失败"
    assert gate_of(client) == reverse("accounts:otp_verify")
    event = AuditEvent.objects.filter(action="mfa.verify").latest("seq")
    assert event.outcome == "denied" and "challenge" in details(event)["reason"]


def test_an_assertion_cannot_be_replayed(client, staff):
    client.force_login(staff)
    key = SoftAuthenticator()
    enrol(client, key)
    fresh_session(client, staff)
    begin = post_json(client, "securitykeys:authenticate_begin").json()
    credential = key.get(begin, ORIGIN)
    assert post_json(client, "securitykeys:authenticate_finish", {"credential": credential}).status_code == 200
    fresh_session(client, staff)
    again = post_json(client, "securitykeys:authenticate_finish", {"credential": credential})
    assert again.status_code == 400, "the challenge is single use and gone with the old session"
    post_json(client, "securitykeys:authenticate_begin")
    again = post_json(client, "securitykeys:authenticate_finish", {"credential": credential})
    assert again.status_code == 403, "a fresh challenge does not match the old assertion"
    assert gate_of(client) == reverse("accounts:otp_verify")


def test_wrong_origin_is_refused(client, staff):
    client.force_login(staff)
    key = SoftAuthenticator()
    response = enrol(client, key, origin="http://evil.example")
    assert response.status_code == 403 and response.json()["error"] == "安全密钥注册验证失败"
    assert not SecurityKey.objects.exists()
    assert AuditEvent.objects.get(action="securitykey.register").outcome == "denied"

    enrol(client, key)
    fresh_session(client, staff)
    response = assert_(client, key, origin="http://evil.example")
    assert response.status_code == 403
    assert "origin" in details(AuditEvent.objects.filter(action="mfa.verify").latest("seq"))["reason"]
    assert gate_of(client) == reverse("accounts:otp_verify")


def test_a_key_of_someone_else_is_refused(client, staff, unit):
    other = make_person("wangfang", unit=unit)
    client.force_login(other)
    theirs = SoftAuthenticator()
    enrol(client, theirs)
    client.logout()
    client.force_login(staff)
    mine = SoftAuthenticator()
    enrol(client, mine)
    fresh_session(client, staff)
    begin = post_json(client, "securitykeys:authenticate_begin").json()
    # The other person's authenticator, answering as if its key were allowed.
    begin["allowCredentials"] = [{"id": SecurityKey.objects.get(user=other).credential_id, "type": "public-key"}]
    response = post_json(client, "securitykeys:authenticate_finish", {"credential": theirs.get(begin, ORIGIN)})
    assert response.status_code == 403 and "不是您已注册的安全密钥" in response.json()["error"]


def test_cloned_key_is_refused_and_audited(client, staff):
    client.force_login(staff)
    original = SoftAuthenticator()
    enrol(client, original)
    copy = original.clone()
    fresh_session(client, staff)
    assert assert_(client, original).status_code == 200
    fresh_session(client, staff)
    response = assert_(client, copy)  # same counter value as the original's last use
    assert response.status_code == 403
    assert "疑似被复制" in response.json()["error"]
    event = AuditEvent.objects.filter(action="mfa.verify").latest("seq")
    assert event.outcome == "denied" and details(event)["clone_suspected"] is True
    assert (details(event)["sign_count"], details(event)["stored"]) == (1, 1)
    assert gate_of(client) == reverse("accounts:otp_verify")
    assert SecurityKey.objects.get(user=staff).sign_count == 1


def test_key_without_counter_is_accepted(client, staff):
    client.force_login(staff)
    key = SoftAuthenticator(counts=False)
    enrol(client, key)
    for _ in range(2):
        fresh_session(client, staff)
        assert assert_(client, key).status_code == 200


def test_the_same_key_cannot_be_enrolled_twice(client, staff):
    client.force_login(staff)
    key = SoftAuthenticator()
    enrol(client, key)
    begin = post_json(client, "securitykeys:register_begin").json()
    assert [d["id"] for d in begin["excludeCredentials"]] == [SecurityKey.objects.get().credential_id]
    with pytest.raises(ValueError, match="InvalidStateError"):
        key.create(begin, ORIGIN)


def test_enrolment_needs_a_verified_session_when_a_factor_exists(client, staff):
    make_totp(staff)
    client.force_login(staff)
    response = post_json(client, "securitykeys:register_begin")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp_verify")
    with pytest.raises(Refused, match="请先完成第二重身份鉴别"):
        services.key_register_begin(actor=staff, rp_id="testserver", verified=False)
    assert AuditEvent.objects.filter(action="securitykey.register", outcome="denied").count() == 1


def test_administrator_may_choose_a_key_instead_of_totp(client):
    admin = make_admin("security", "fengxue")
    client.force_login(admin)
    assert gate_of(client) == reverse("accounts:otp_setup")
    assert "改用安全密钥" in client.get(reverse("accounts:otp_setup")).content.decode()
    assert client.get(reverse("securitykeys:setup")).status_code == 200
    assert enrol(client, SoftAuthenticator()).status_code == 200
    assert gate_of(client) == ""


# ---------------------------------------------------------------- removal


def _key_of(person) -> SecurityKey:
    return SecurityKey.objects.filter(user=person).latest("pk")


def test_remove_own_key(client, staff):
    client.force_login(staff)
    enrol(client, SoftAuthenticator())
    response = client.post(reverse("securitykeys:remove", args=[_key_of(staff).pk]))
    assert response.status_code == 302
    assert not SecurityKey.objects.exists()
    assert AuditEvent.objects.get(action="securitykey.remove").outcome == "ok"


def test_cannot_remove_someone_elses_key(client, staff, unit):
    other = make_person("wangfang", unit=unit)
    client.force_login(other)
    enrol(client, SoftAuthenticator())
    theirs = _key_of(other)
    client.logout()
    client.force_login(staff)
    assert client.post(reverse("securitykeys:remove", args=[theirs.pk])).status_code == 404
    assert SecurityKey.objects.filter(pk=theirs.pk).exists()


def test_administrator_keeps_a_last_factor(client):
    admin = make_admin("auditor", "heping")
    client.force_login(admin)
    enrol(client, SoftAuthenticator())
    key = _key_of(admin)
    with pytest.raises(Refused, match="唯一的第二重身份鉴别"):
        services.key_remove(actor=admin, key=key)
    response = client.post(reverse("securitykeys:remove", args=[key.pk]), follow=True)
    assert "唯一的第二重身份鉴别" in response.content.decode()
    assert SecurityKey.objects.filter(pk=key.pk).exists()
    assert AuditEvent.objects.filter(action="securitykey.remove", outcome="denied").count() == 2
    make_totp(admin)
    services.key_remove(actor=admin, key=key)  # TOTP remains
    assert not SecurityKey.objects.exists()


def test_policy_keeps_a_last_key(client, settings, unit):
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = "机密"
    person = make_person("lishan", unit=unit, clearance="IMPORTANT")
    make_totp(person)
    client.force_login(person)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=person).persistent_id
    session.save()
    assert enrol(client, SoftAuthenticator()).status_code == 200
    first = _key_of(person)
    with pytest.raises(Refused, match="不能删除最后一把安全密钥"):
        services.key_remove(actor=person, key=first)  # a TOTP device is no substitute
    enrol(client, SoftAuthenticator(), name="备用密钥")
    services.key_remove(actor=person, key=first)
    assert SecurityKey.objects.filter(user=person).count() == 1


# ---------------------------------------------------------------- level policy


def test_policy_refuses_totp_alone_for_cleared_people(client, settings, unit):
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = "机密"
    person = make_person("lishan", unit=unit, clearance="IMPORTANT")  # may know 机密
    device = make_totp(person)
    client.force_login(person)
    enrol_session = client.session
    enrol_session["otp_device_id"] = device.persistent_id
    enrol_session.save()
    key = SoftAuthenticator()
    assert gate_of(client) == reverse("securitykeys:setup"), "TOTP-verified but no key yet: enrol one"
    assert enrol(client, key).status_code == 200

    fresh_session(client, person)
    page = client.get(reverse("accounts:otp_verify")).content.decode()
    assert "须使用安全密钥验证" in page and 'name="code"' not in page
    response = client.post(reverse("accounts:otp_verify"), {"code": totp_code(device)})
    assert response.status_code == 200
    assert "您可知悉机密及以上国家秘密，须使用安全密钥验证，动态口令不能单独通过" in response.content.decode()
    assert gate_of(client) == reverse("accounts:otp_verify")
    event = AuditEvent.objects.filter(action="mfa.verify").latest("seq")
    assert event.outcome == "denied" and details(event) == {"method": "totp"}

    assert assert_(client, key).status_code == 200
    assert gate_of(client) == ""


def test_policy_sends_totp_users_without_a_key_to_enrol_one(client, settings, unit):
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = "SECRET"
    person = make_person("lishan", unit=unit, clearance="CORE")
    device = make_totp(person)
    client.force_login(person)
    response = client.post(reverse("accounts:otp_verify"), {"code": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("securitykeys:setup")
    assert gate_of(client) == reverse("securitykeys:setup")
    assert client.get(reverse("accounts:profile"))["Location"] == reverse("securitykeys:setup")
    assert "须使用安全密钥（硬件密钥）" in client.get(reverse("securitykeys:setup")).content.decode()
    assert enrol(client, SoftAuthenticator()).status_code == 200
    assert gate_of(client) == "", "the new key verified the session"


def test_policy_gate_for_someone_without_any_factor(client, settings, unit):
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = "机密"
    person = make_person("lishan", unit=unit, clearance="IMPORTANT")
    assert account_services.mfa_required(person)
    client.force_login(person)
    assert gate_of(client) == reverse("securitykeys:setup")
    assert client.get(reverse("accounts:otp_setup"))["Location"] == reverse("securitykeys:setup")
    assert enrol(client, SoftAuthenticator()).status_code == 200
    assert gate_of(client) == ""


def test_policy_leaves_lower_clearances_and_default_alone(client, settings, unit, staff):
    device = make_totp(staff)
    client.force_login(staff)
    assert client.post(reverse("accounts:otp_verify"), {"code": totp_code(device)}).status_code == 302
    assert gate_of(client) == ""
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = "机密"
    assert gate_of(client) == "", "一般 may know 秘密 at most: TOTP still does"
    core = make_person("lishan", unit=unit, clearance="CORE")
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = ""
    assert not account_services.mfa_required(core), "off by default"


def test_bad_policy_level_fails_the_checks(settings):
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = "超绝密"
    assert [e.id for e in run_checks() if e.id.startswith("securitykeys")] == ["securitykeys.E001"]
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = "机密"
    assert not [e for e in run_checks() if e.id.startswith("securitykeys")]


def test_profile_lists_keys(client, staff):
    client.force_login(staff)
    enrol(client, SoftAuthenticator(), name="蓝色密钥")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "蓝色密钥" in page and "添加安全密钥" in page and "securitykeys/webauthn.js" in page


# ---------------------------------------------------------------- recovery at the server


def test_operator_removes_a_lost_key_at_the_server(client, capsys, unit):
    from baomi import cli

    admin = make_admin("system", "qianyong")
    client.force_login(admin)
    enrol(client, SoftAuthenticator(), name="丢失的密钥")
    key = _key_of(admin)
    assert cli.main(["security-keys", "list", "qianyong"]) == 0
    assert f"{key.pk}\t丢失的密钥" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["security-keys", "remove", "qianyong", "--all"])  # --reason is required
    assert cli.main(["security-keys", "remove", "qianyong", "--reason", "密钥丢失"]) == 2, "--key or --all"
    assert cli.main(["security-keys", "remove", "qianyong", "--key", str(key.pk), "--reason", " "]) == 2
    assert "须说明原因" in capsys.readouterr().err
    assert cli.main(["security-keys", "remove", "qianyong", "--all", "--reason", "密钥丢失"]) == 0
    assert not SecurityKey.objects.exists()
    event = AuditEvent.objects.get(action="securitykey.revoke")
    assert (event.actor_username, event.outcome) == ("cli", "ok")
    assert details(event) == {"keys": [key.pk], "reason": "密钥丢失"}
    assert gate_of(client) == reverse("accounts:otp_setup"), "the session the key verified is no longer verified"
    assert cli.main(["security-keys", "remove", "qianyong", "--all", "--reason", "再试"]) == 2
