"""Registering, using and removing security keys (WebAuthn, verified by py_webauthn).

A ceremony has two halves: `key_*_begin` makes the challenge the browser must sign (the view
keeps it in the session, single use), and `key_register` / `key_authenticate` verify the
browser's answer against it. Every success and every refusal is audited.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidJSONStructure, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from baomi.accounts.models import User
from baomi.audit.services import CLI_ACTOR, atomic_action, record
from baomi.errors import Invalid, NotFound, Refused
from baomi.securitykeys.models import SecurityKey
from baomi.securitykeys.policy import RP_NAME, factor_mandatory, key_required
from baomi.securitykeys.selectors import keys_of

MAX_NAME = 64
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


def _descriptors(person: User) -> list[PublicKeyCredentialDescriptor]:
    from webauthn import base64url_to_bytes

    return [
        PublicKeyCredentialDescriptor(
            id=base64url_to_bytes(key.credential_id),
            transports=[AuthenticatorTransport(t) for t in key.transports if t in _TRANSPORTS] or None,
        )
        for key in keys_of(person)
    ]


def _user_handle(person: User) -> bytes:
    """The same random handle for all of a person's keys (never the user name or the id)."""
    existing = SecurityKey.objects.filter(user=person).values_list("user_handle", flat=True).first()
    return bytes(existing) if existing else secrets.token_bytes(32)


def _require_may_register(actor: User, *, verified: bool) -> None:
    if not actor.is_active:
        raise Refused(_("账户已停用"))
    if user_has_device(actor, confirmed=True) and not verified:
        raise Refused(_("请先完成第二重身份鉴别，再添加安全密钥"))


# ---------------------------------------------------------------- registration


def key_register_begin(*, actor: User, rp_id: str, verified: bool) -> tuple[str, bytes, bytes]:
    """The options for navigator.credentials.create() as JSON, their challenge and user handle.

    Only someone signed in, and already verified when they have any second factor, may add
    a key: otherwise a stolen password would be enough to enrol the thief's own key."""
    with atomic_action(actor, "securitykey.register", obj=actor):
        _require_may_register(actor, verified=verified)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=_user_handle(actor),
        user_name=actor.username,
        user_display_name=actor.full_name or actor.username,
        exclude_credentials=_descriptors(actor),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return options_to_json(options), options.challenge, options.user.id


def key_register(
    *,
    actor: User,
    credential: dict[str, Any] | str,
    name: str,
    challenge: bytes,
    user_handle: bytes,
    rp_id: str,
    origins: list[str],
    verified: bool,
) -> SecurityKey:
    """Verify the attestation (the "none" format is accepted: Baomi trusts the person who
    proved their identity, not the maker's certificate) and store the credential."""
    name = (name or "").strip()[:MAX_NAME] or _("安全密钥")
    with atomic_action(actor, "securitykey.register", obj=actor):
        _require_may_register(actor, verified=verified)
        try:
            result = verify_registration_response(
                credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origins,
            )
        except (InvalidRegistrationResponse, InvalidJSONStructure) as exc:
            raise Refused(_("安全密钥注册验证失败"), details={"reason": str(exc)[:200]}) from None
        transports = []
        if isinstance(credential, dict):
            found = (credential.get("response") or {}).get("transports") or []
            transports = [t for t in found if t in _TRANSPORTS] if isinstance(found, list) else []
        try:
            with transaction.atomic():
                key = SecurityKey.objects.create(
                    user=actor, name=name, confirmed=True, credential_id=bytes_to_base64url(result.credential_id),
                    public_key=result.credential_public_key, sign_count=result.sign_count, transports=transports,
                    aaguid=result.aaguid, user_handle=user_handle,
                )
        except IntegrityError:
            raise Refused(_("该安全密钥已经注册")) from None
        record(actor=actor, action="securitykey.register", obj=actor,
               summary=f"{actor.username} 注册了安全密钥「{name}」",
               details={"key": key.pk, "aaguid": key.aaguid, "transports": transports})
    return key


# ---------------------------------------------------------------- sign-in (second factor)


def key_authenticate_begin(*, actor: User, rp_id: str, challenge: bytes | None = None) -> tuple[str, bytes]:
    """Options for navigator.credentials.get(): only this person's own keys are allowed. The
    challenge is random unless given (key_sign_begin's commits to a statement)."""
    allowed = _descriptors(actor)
    if not allowed:
        raise Invalid(_("您尚未注册安全密钥"))
    options = generate_authentication_options(
        rp_id=rp_id, allow_credentials=allowed, challenge=challenge,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


def _credential_id(credential: dict[str, Any] | str) -> str:
    data = json.loads(credential) if isinstance(credential, str) else credential
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def _check_assertion(actor: User, credential: dict[str, Any] | str, challenge: bytes, rp_id: str,
                     origins: list[str]) -> tuple[SecurityKey, bool]:
    """(the key, user verified) for a valid assertion by one of the person's keys over
    `challenge`; Refused otherwise. Runs in the caller's transaction, which the refusal's audit
    event joins.

    The signature counter is checked here, after the signature: a counter that did not grow
    under a valid signature over a fresh challenge means a second copy of the key exists."""
    method = {"method": "security_key"}
    try:
        cred_id = _credential_id(credential)
    except ValueError:
        cred_id = ""
    key = SecurityKey.objects.select_for_update().filter(user=actor, confirmed=True, credential_id=cred_id).first()
    if key is None:
        raise Refused(_("安全密钥验证失败：不是您已注册的安全密钥"), details=method)
    try:
        # Counter 0 here: the library's own counter check would run before the signature.
        result = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origins,
            credential_public_key=bytes(key.public_key), credential_current_sign_count=0,
        )
    except (InvalidAuthenticationResponse, InvalidJSONStructure) as exc:
        raise Refused(_("安全密钥验证失败"), details={**method, "key": key.pk, "reason": str(exc)[:200]}) from None
    stored, new = key.sign_count, result.new_sign_count
    if (new or stored) and new <= stored:
        raise Refused(
            _("安全密钥的签名计数没有增加，疑似被复制，已拒绝；请联系保密办"),
            details={**method, "key": key.pk, "clone_suspected": True, "sign_count": new, "stored": stored},
        )
    key.sign_count = new
    key.last_used_at = timezone.now()
    key.save(update_fields=["sign_count", "last_used_at"])
    return key, bool(result.user_verified)


def key_authenticate(
    *, actor: User, credential: dict[str, Any] | str, challenge: bytes, rp_id: str, origins: list[str]
) -> SecurityKey:
    """Verify an assertion by one of the person's keys; the caller then calls `otp_login`."""
    with atomic_action(actor, "mfa.verify", obj=actor):
        key, verified = _check_assertion(actor, credential, challenge, rp_id, origins)
        record(actor=actor, action="mfa.verify", obj=actor, summary=f"{actor.username} 安全密钥验证通过",
               details={"method": "security_key", "key": key.pk, "user_verified": verified})
    return key


# ---------------------------------------------------------------- signing a statement

SIGN_SECONDS = 300  # from the challenge to the signed decision
_SIGN_SALT = "baomi.securitykeys.sign"


def _statement_challenge(nonce: bytes, statement: str) -> bytes:
    # The key signs the statement itself (through the challenge), not only a random number:
    # the signature proves what was decided, not merely who was there.
    return hashlib.sha256(nonce + statement.encode()).digest()


def _statement_digest(statement: str) -> str:
    """What the token carries of the statement: enough to tell it, nothing of the comment."""
    return hashlib.sha256(statement.encode()).hexdigest()


def key_sign_begin(*, actor: User, rp_id: str, statement: str) -> tuple[str, str]:
    """Options for navigator.credentials.get() whose challenge commits to `statement`, and a
    token (signed by the server, valid SIGN_SECONDS) that carries the nonce back to
    key_sign_verify: no state is kept between the two, so the API can sign as the web pages do."""
    nonce = secrets.token_bytes(32)
    options, _challenge = key_authenticate_begin(actor=actor, rp_id=rp_id,
                                                 challenge=_statement_challenge(nonce, statement))
    token = signing.dumps({"user": actor.pk, "nonce": bytes_to_base64url(nonce), "rp": rp_id,
                           "statement": _statement_digest(statement)}, salt=_SIGN_SALT)
    return options, token


def key_sign_verify(*, actor: User, credential: dict[str, Any] | str, token: str, statement: str,
                    origins: list[str]) -> SecurityKey:
    """The key that signed `statement` (through key_sign_begin's challenge), in the caller's
    transaction; Refused when the token is stale, someone else's or for another statement,
    or the assertion does not verify."""
    try:
        data = signing.loads(token, salt=_SIGN_SALT, max_age=SIGN_SECONDS)
    except signing.SignatureExpired:
        raise Refused(_("安全密钥签批已超过 %(n)d 分钟，请重新签批") % {"n": SIGN_SECONDS // 60},
                      details={"method": "security_key"}) from None
    except signing.BadSignature:
        raise Refused(_("安全密钥签批无效，请重新签批"), details={"method": "security_key"}) from None
    if data.get("user") != actor.pk or data.get("statement") != _statement_digest(statement):
        raise Refused(_("安全密钥签批与本次签批的内容不符，请重新签批"), details={"method": "security_key"})
    nonce = base64url_to_bytes(str(data["nonce"]))
    key, _verified = _check_assertion(actor, credential, _statement_challenge(nonce, statement), str(data["rp"]),
                                      origins)
    return key


# ---------------------------------------------------------------- removal


def key_remove(*, actor: User, key: SecurityKey) -> None:
    """Remove one's own key. The last second factor of someone who must have one (the three
    administrators, people under the security-key policy) cannot be removed, nor the last key
    of someone the policy covers."""
    with atomic_action(actor, "securitykey.remove", obj=actor):
        key = SecurityKey.objects.select_for_update().filter(pk=key.pk, user=actor).first()  # type: ignore[assignment]
        if key is None:
            raise NotFound(_("对象不存在"))
        other_keys = SecurityKey.objects.filter(user=actor, confirmed=True).exclude(pk=key.pk).exists()
        if key_required(actor) and not other_keys:
            raise Refused(_("您的涉密人员类别要求使用安全密钥，不能删除最后一把安全密钥"), details={"key": key.pk})
        from django_otp.plugins.otp_totp.models import TOTPDevice

        other_factor = other_keys or TOTPDevice.objects.filter(user=actor, confirmed=True).exists()
        if factor_mandatory(actor) and not other_factor:
            raise Refused(_("这是您唯一的第二重身份鉴别方式，必须使用第二因子的账户不能删除"), details={"key": key.pk})
        name, pk = key.name, key.pk
        key.delete()
        record(actor=actor, action="securitykey.remove", obj=actor,
               summary=f"{actor.username} 删除了安全密钥「{name}」", details={"key": pk})


def keys_revoke_at_server(*, username: str, reason: str, key_id: int | None = None) -> list[int]:
    """`baomi security-keys remove`: the operator at the server's shell removes a person's key
    (or all of them) when it is lost, so that the person can enrol a new one after the password.

    Sessions verified by a removed key stop being verified at their next request (django-otp
    finds no device for them). Audited with the `cli` actor and the reason."""
    reason = reason.strip()
    if not reason:
        raise Invalid(_("须说明原因"))
    with atomic_action(None, "securitykey.revoke", actor_username=CLI_ACTOR):
        person = User.objects.filter(username=username).first()
        if person is None:
            raise NotFound(_("没有该用户：%(u)s") % {"u": username})
        keys = SecurityKey.objects.select_for_update().filter(user=person)
        if key_id is not None:
            keys = keys.filter(pk=key_id)
        ids = list(keys.values_list("pk", flat=True))
        if not ids:
            raise NotFound(_("没有可删除的安全密钥"))
        keys.delete()
        record(actor=None, actor_username=CLI_ACTOR, action="securitykey.revoke", obj=person,
               summary=f"服务器上删除了 {username} 的 {len(ids)} 把安全密钥", details={"keys": ids, "reason": reason})
    return ids
