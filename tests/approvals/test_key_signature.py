"""Signing a decision with a security key: the key signs the decision itself (request, step,
approve or reject, the comment), through the page and the API; and 机密 and above, with the
security-key policy on, are signed with a key only."""

from __future__ import annotations

import json

import pytest

from baomi.approvals import services
from baomi.approvals.models import Status
from baomi.audit.models import AuditEvent
from baomi.errors import Refused
from baomi.levels import Level
from baomi.securitykeys import services as key_services
from baomi.securitykeys.models import SecurityKey
from tests.approvals.test_signature_delegation import org, sign_type, submit  # noqa: F401  (fixtures)
from tests.factories import PASSWORD
from tests.securitykeys.authenticator import SoftAuthenticator
from tests.securitykeys.test_securitykeys import ORIGIN, enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def signer(client, org):  # noqa: F811
    """刘敏 (an approver of the office) with a registered key, signed in with it."""
    key = SoftAuthenticator()
    client.force_login(org["liumin"])
    assert enrol(client, key).status_code == 200
    return key


def _begin(client, request_id: int, decision: str, comment: str):
    return client.post(f"/approvals/{request_id}/sign/", json.dumps({"decision": decision, "comment": comment}),
                       content_type="application/json")


def _decided(request_id: int) -> list[dict]:
    events = AuditEvent.objects.filter(action="approval.approve", object_id=str(request_id), outcome="ok")
    return [json.loads(e.details) for e in events.order_by("seq")]


def test_the_page_signs_a_decision_with_the_key(client, org, signer):  # noqa: F811
    request = submit(org["wangfang"], org["secretariat"], level=int(Level.SECRET))
    page = client.get(f"/approvals/{request.pk}/").content.decode()
    assert 'data-webauthn="sign"' in page and 'name="key_credential"' in page
    begun = _begin(client, request.pk, "approve", "同意借阅")
    assert begun.status_code == 200, begun.content
    credential = signer.get(begun.json()["options"], ORIGIN)
    done = client.post(f"/approvals/{request.pk}/", {"decision": "approve", "comment": "同意借阅",
                                                      "key_credential": json.dumps(credential),
                                                      "key_token": begun.json()["token"]})
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    (event,) = _decided(request.pk)
    assert event["signature"] == "security_key" and event["key"] == SecurityKey.objects.get(user=org["liumin"]).pk
    assert request.steps.get().signed_with == "security_key"
    assert "安全密钥" in client.get(f"/approvals/{request.pk}/").content.decode()


def test_the_signature_covers_the_comment_and_the_decision(client, org, signer):  # noqa: F811
    """A signature over "同意借阅" does not sign "同意借阅两份", nor a rejection: refused and audited."""
    request = submit(org["wangfang"], org["secretariat"])
    for decision, comment in (("approve", "同意借阅两份"), ("reject", "同意借阅")):
        begun = _begin(client, request.pk, "approve", "同意借阅").json()
        credential = signer.get(begun["options"], ORIGIN)
        page = client.post(f"/approvals/{request.pk}/", {"decision": decision, "comment": comment,
                                                          "key_credential": json.dumps(credential),
                                                          "key_token": begun["token"]})
        assert page.status_code == 200 and "内容不符" in page.content.decode()
    request.refresh_from_db()
    assert request.status == Status.PENDING
    denied = AuditEvent.objects.filter(action__in=["approval.approve", "approval.reject"], outcome="denied")
    assert denied.count() == 2


def test_a_token_is_the_signers_own_and_short_lived(org, signer, monkeypatch):  # noqa: F811
    request = submit(org["wangfang"], org["secretariat"])
    options, token = services.key_signing_begin(actor=org["liumin"], request=request, approve=True, comment="",
                                                rp_id="testserver")
    credential = signer.get(json.loads(options), ORIGIN)
    with pytest.raises(Refused, match="内容不符"):  # someone else presenting 刘敏's token
        key_services.key_sign_verify(actor=org["head"], credential=credential, token=token,
                                     statement="anything", origins=[ORIGIN])
    monkeypatch.setattr(key_services, "SIGN_SECONDS", -1)
    with pytest.raises(Refused, match="请重新签批"):
        services.request_decide(actor=org["liumin"], request=request, approve=True,
                                key=services.KeySignature(credential, token, [ORIGIN]))
    with pytest.raises(Refused, match="无效"):
        services.request_decide(actor=org["liumin"], request=request, approve=True,
                                key=services.KeySignature(credential, token + "x", [ORIGIN]))
    assert request.steps.get().status == "pending"


def test_the_api_signs_with_the_key(client, org, signer):  # noqa: F811
    from baomi.accounts.services import token_create

    request = submit(org["wangfang"], org["office"])
    _, secret = token_create(actor=org["liumin"], name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    begun = client.post(f"/api/v1/approvals/requests/{request.pk}/key-challenge", {"approve": True, "comment": "同意"},
                        content_type="application/json", **auth)
    assert begun.status_code == 200, begun.content
    credential = signer.get(begun.json()["options"], ORIGIN)
    done = client.post(f"/api/v1/approvals/requests/{request.pk}/decide",
                       {"approve": True, "comment": "同意", "key_credential": credential,
                        "key_token": begun.json()["token"]}, content_type="application/json", **auth)
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert done.json()["steps"][0]["signed_with"] == "security_key"
    assert _decided(request.pk)[0]["signature"] == "security_key"


def test_secret_and_above_are_signed_with_a_key_under_the_policy(org, settings):  # noqa: F811
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = "机密"
    secret = submit(org["wangfang"], org["secretariat"], level=int(Level.SECRET))
    with pytest.raises(Refused, match="机密级事项须使用安全密钥签批"):
        services.request_decide(actor=org["liumin"], request=secret, approve=True, password=PASSWORD)
    assert AuditEvent.objects.filter(action="approval.approve", outcome="denied").count() == 1
    lower = submit(org["wangfang"], org["office"], level=int(Level.CONFIDENTIAL))
    services.request_decide(actor=org["liumin"], request=lower, approve=True, password=PASSWORD)
    lower.refresh_from_db()
    assert lower.status == Status.APPROVED and lower.steps.get().signed_with == "password"


def test_only_the_decider_gets_a_challenge(client, org, signer):  # noqa: F811
    request = submit(org["wangfang"], org["secretariat"])
    client.force_login(org["junior"])
    assert _begin(client, request.pk, "approve", "").status_code in (403, 404)


def test_under_the_policy_the_page_offers_the_key_only(client, org, signer, settings):  # noqa: F811
    settings.BAOMI_REQUIRE_SECURITY_KEY_LEVEL = "机密"
    secret = submit(org["wangfang"], org["secretariat"], level=int(Level.SECRET))
    page = client.get(f"/approvals/{secret.pk}/").content.decode()
    assert "机密级事项须使用安全密钥签批" in page and "提交意见" not in page and 'data-webauthn="sign"' in page
    lower = submit(org["wangfang"], org["office"], level=int(Level.CONFIDENTIAL))
    page = client.get(f"/approvals/{lower.pk}/").content.decode()
    assert "提交意见" in page and 'data-webauthn="sign"' in page
