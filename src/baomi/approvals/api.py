"""Approvals over the API: 我的待办, requests, decisions, delegations, routing rules."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from baomi import inbox as inbox_registry
from baomi.accounts.models import User
from baomi.accounts.selectors import unit_for
from baomi.approvals import selectors, services
from baomi.approvals.models import ApprovalRequest, Delegation, ExternalProvision, RoutingRule
from baomi.errors import NotFound
from baomi.securitykeys.policy import expected_origins, rp_id

router = Router(tags=["approvals"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class StepOut(Schema):
    order: int
    approver_role: str
    unit_id: int | None
    status: str
    decided_by_id: int | None
    on_behalf_of_id: int | None
    decided_at: datetime | None
    comment: str
    signed_with: str  # password, otp or security_key; empty until decided


class RequestOut(Schema):
    id: int
    request_type: str
    requester_id: int
    unit_id: int | None
    subject_type: str
    subject_id: str
    level: int | None
    title: str
    reason: str
    status: str
    created_at: datetime
    decided_at: datetime | None
    expires_at: datetime | None
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj: ApprovalRequest) -> list[object]:
        return list(obj.steps.all())


class DecisionIn(Schema):
    approve: bool
    comment: str = ""
    # The electronic signature: the decider's password, a current code from their TOTP device,
    # or a security key's assertion over the key-challenge this decision got (with its token).
    password: str = ""
    otp: str = ""
    key_credential: dict[str, Any] | None = None
    key_token: str = ""


class KeyChallengeIn(Schema):
    approve: bool
    comment: str = ""


class KeyChallengeOut(Schema):
    options: dict[str, Any]  # for navigator.credentials.get({publicKey: …}), base64url-encoded
    token: str  # send back as key_token with the decision, within 5 minutes


class InboxItemOut(Schema):
    kind: str
    title: str
    url: str
    due: datetime | date | None
    is_decision: bool
    overdue: bool


class DelegationOut(Schema):
    id: int
    delegator_id: int
    delegate_id: int
    request_types: list[str]
    starts_on: date
    ends_on: date
    reason: str
    created_at: datetime
    revoked_at: datetime | None


class DelegationIn(Schema):
    delegate_id: int
    starts_on: date
    ends_on: date
    reason: str
    request_types: list[str] = []


class ProvisionOut(Schema):
    id: int
    kind: str
    outline: str
    requester_id: int
    unit_id: int | None
    recipient: str
    material: str
    level: int
    purpose: str
    status: str
    approval_id: int | None
    created_at: datetime
    decided_at: datetime | None


class ProvisionIn(Schema):
    kind: str = "provide"  # provide / interview / talks (EXT-06)
    recipient: str
    material: str
    level: int
    purpose: str
    outline: str = ""


class RuleOut(Schema):
    id: int
    request_type: str
    min_level: int | None
    order: int
    approver_role: str
    scope: str
    scope_unit_id: int | None


class RuleIn(Schema):
    request_type: str
    order: int = 1
    approver_role: str = "approver"
    scope: str = "requester_unit"
    scope_unit_id: int | None = None
    min_level: int | None = None


@router.get("/inbox", response=list[InboxItemOut], summary="我的待办：各模块待我审批和办理的事项")
def inbox(request: HttpRequest) -> list[inbox_registry.Item]:
    return inbox_registry.items_for(_actor(request))


@router.get("/pending", response=list[RequestOut], summary="待我审批的申请（含受委托）")
def pending(request: HttpRequest) -> list[ApprovalRequest]:
    return [step.request for step in selectors.inbox_for(_actor(request))]


@router.get("/requests", response=list[RequestOut], summary="我参与的申请")
def list_requests(request: HttpRequest, status: str = "", limit: int = 100) -> list[ApprovalRequest]:
    qs = selectors.requests_visible_to(_actor(request))
    if status:
        qs = qs.filter(status=status)
    return list(qs[: max(1, min(limit, 500))])


@router.get("/requests/{request_id}", response=RequestOut, summary="申请详情")
def get_request(request: HttpRequest, request_id: int) -> ApprovalRequest:
    return selectors.request_for(_actor(request), request_id)


@router.post("/requests/{request_id}/decide", response=RequestOut, summary="签批（再次输入密码或动态口令）")
def decide(request: HttpRequest, request_id: int, body: DecisionIn) -> ApprovalRequest:
    actor = _actor(request)
    approval = selectors.request_for(actor, request_id)
    key = services.KeySignature(body.key_credential, body.key_token, expected_origins(request)) \
        if body.key_credential else None
    return services.request_decide(actor=actor, request=approval, approve=body.approve, comment=body.comment,
                                   password=body.password, otp=body.otp, key=key)


@router.post("/requests/{request_id}/key-challenge", response=KeyChallengeOut,
             summary="安全密钥签批：取得对本次意见签名的挑战（随后在 decide 中提交 key_credential 与 key_token）")
def key_challenge(request: HttpRequest, request_id: int, body: KeyChallengeIn) -> dict[str, Any]:
    actor = _actor(request)
    approval = selectors.request_for(actor, request_id)
    options, token = services.key_signing_begin(actor=actor, request=approval, approve=body.approve,
                                                comment=body.comment, rp_id=rp_id(request))
    return {"options": json.loads(options), "token": token}


@router.get("/delegations", response=list[DelegationOut], summary="我给出和收到的审批委托")
def list_delegations(request: HttpRequest) -> list[Delegation]:
    return list(selectors.delegations_visible_to(_actor(request)))


@router.post("/delegations", response={201: DelegationOut}, summary="委托同事在期限内代为审批")
def create_delegation(request: HttpRequest, body: DelegationIn) -> Status:
    actor = _actor(request)
    delegate = User.objects.filter(pk=body.delegate_id, is_active=True).first()
    if delegate is None:
        raise NotFound(_("对象不存在"))
    delegation = services.delegation_create(actor=actor, delegate=delegate, starts_on=body.starts_on,
                                            ends_on=body.ends_on, reason=body.reason,
                                            request_types=body.request_types)
    return Status(201, delegation)


@router.get("/delegations/{delegation_id}", response=DelegationOut, summary="审批委托详情")
def get_delegation(request: HttpRequest, delegation_id: int) -> Delegation:
    return selectors.delegation_for(_actor(request), delegation_id)


@router.post("/delegations/{delegation_id}/revoke", response=DelegationOut, summary="撤销审批委托")
def revoke_delegation(request: HttpRequest, delegation_id: int) -> Delegation:
    actor = _actor(request)
    return services.delegation_revoke(actor=actor, delegation=selectors.delegation_for(actor, delegation_id))


@router.post("/requests/{request_id}/withdraw", response=RequestOut, summary="撤回申请")
def withdraw(request: HttpRequest, request_id: int) -> ApprovalRequest:
    actor = _actor(request)
    return services.request_withdraw(actor=actor, request=selectors.request_for(actor, request_id))


@router.get("/provisions", response=list[ProvisionOut], summary="对外提供记录（本人申请或参与审批的）")
def list_provisions(request: HttpRequest) -> list[ExternalProvision]:
    return list(selectors.provisions_visible_to(_actor(request))[:500])


@router.post("/provisions", response={201: ProvisionOut}, summary="申请对外提供涉密资料（EXT-01）")
def create_provision(request: HttpRequest, body: ProvisionIn) -> Status:
    provision = services.provision_request(actor=_actor(request), recipient=body.recipient, material=body.material,
                                           level=body.level, purpose=body.purpose,
                                           kind=body.kind, outline=body.outline)
    return Status(201, provision)


@router.get("/rules", response=list[RuleOut], summary="审批路由规则（安全保密管理员）")
def list_rules(request: HttpRequest) -> list[RoutingRule]:
    from baomi import policy

    policy.require(_actor(request), policy.Perm.MANAGE_ROUTING)
    return list(selectors.rules_visible_to(_actor(request)))


@router.post("/rules", response={201: RuleOut}, summary="新增审批路由规则")
def create_rule(request: HttpRequest, body: RuleIn) -> Status:
    actor = _actor(request)
    unit = unit_for(actor, body.scope_unit_id) if body.scope_unit_id else None
    rule = services.rule_create(actor=actor, request_type=body.request_type, order=body.order,
                                approver_role=body.approver_role, scope=body.scope, scope_unit=unit,
                                min_level=body.min_level)
    return Status(201, rule)


@router.delete("/rules/{rule_id}", response={204: None}, summary="删除审批路由规则")
def delete_rule(request: HttpRequest, rule_id: int) -> Status:
    from baomi import policy

    actor = _actor(request)
    policy.require(actor, policy.Perm.MANAGE_ROUTING)
    rule = selectors.rules_visible_to(actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("对象不存在")
    services.rule_delete(actor=actor, rule=rule)
    return Status(204, None)
