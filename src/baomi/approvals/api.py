"""Approvals over the API: inbox, requests, decisions, routing rules."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from baomi.accounts.models import User
from baomi.accounts.selectors import unit_for
from baomi.approvals import selectors, services
from baomi.approvals.models import ApprovalRequest, RoutingRule

router = Router(tags=["approvals"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class StepOut(Schema):
    order: int
    approver_role: str
    unit_id: int | None
    status: str
    decided_by_id: int | None
    decided_at: datetime | None
    comment: str


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
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj: ApprovalRequest) -> list[object]:
        return list(obj.steps.all())


class DecisionIn(Schema):
    approve: bool
    comment: str = ""
    password: str


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


@router.get("/inbox", response=list[RequestOut], summary="我的待办：待我审批的申请")
def inbox(request: HttpRequest) -> list[ApprovalRequest]:
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


@router.post("/requests/{request_id}/decide", response=RequestOut, summary="签批（需再次输入密码）")
def decide(request: HttpRequest, request_id: int, body: DecisionIn) -> ApprovalRequest:
    actor = _actor(request)
    approval = selectors.request_for(actor, request_id)
    return services.request_decide(actor=actor, request=approval, approve=body.approve, comment=body.comment,
                                   password=body.password)


@router.post("/requests/{request_id}/withdraw", response=RequestOut, summary="撤回申请")
def withdraw(request: HttpRequest, request_id: int) -> ApprovalRequest:
    actor = _actor(request)
    return services.request_withdraw(actor=actor, request=selectors.request_for(actor, request_id))


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
    from baomi.errors import NotFound

    actor = _actor(request)
    policy.require(actor, policy.Perm.MANAGE_ROUTING)
    rule = selectors.rules_visible_to(actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("对象不存在")
    services.rule_delete(actor=actor, rule=rule)
    return Status(204, None)
