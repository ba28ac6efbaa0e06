"""The generic approval engine: routing as data, signatures, effects in the same transaction."""

from __future__ import annotations

import pytest

from baomi import inbox
from baomi.accounts.models import Role
from baomi.approvals import registry, selectors, services
from baomi.approvals.models import ApprovalRequest, Scope, Status, StepStatus
from baomi.audit.models import AuditEvent
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from tests.conftest import login
from tests.factories import PASSWORD, make_person, make_unit

effects_seen: list[tuple[str, int]] = []


def _approved(request: ApprovalRequest, actor) -> None:
    if request.payload.get("explode"):
        raise RuntimeError("effect failed")
    effects_seen.append(("approved", request.pk))


def _rejected(request: ApprovalRequest, actor) -> None:
    effects_seen.append(("closed", request.pk))


@pytest.fixture(autouse=True)
def test_type():
    effects_seen.clear()
    registry.register(registry.RequestType(code="test.borrow", label="测试借阅", on_approved=_approved,
                                           on_rejected=_rejected))
    yield
    effects_seen.clear()


@pytest.fixture
def org(db):
    root = make_unit("示范委", "org")
    office = make_unit("办公室", "office", parent=root)
    secretariat = make_unit("秘书股", "secretariat", parent=office)
    planning = make_unit("规划科", "planning", parent=root)
    return {
        "root": root, "office": office, "secretariat": secretariat, "planning": planning,
        "head": make_person("chen", unit=root, clearance="CORE", roles=[("approver", None)]),
        "liumin": make_person("liumin", unit=secretariat, clearance="IMPORTANT", roles=[("approver", office)]),
        "sunwei": make_person("sunwei", unit=planning, clearance="IMPORTANT", roles=[("approver", planning)]),
        "officer": make_person("lijianhua", unit=root, clearance="IMPORTANT", roles=[("secrecy_officer", None)]),
        "wangfang": make_person("wangfang", unit=secretariat, clearance="CORE"),
        "zhoujing": make_person("zhoujing", unit=planning, clearance="GENERAL"),
    }


def submit(actor, subject, **kwargs):
    defaults = {"request_type": "test.borrow", "title": "借阅 2026-001", "reason": "工作需要"}
    return services.request_submit(actor=actor, subject=subject, **{**defaults, **kwargs})


def test_default_route_goes_to_the_requesters_unit_leader_or_above(org):
    request = submit(org["wangfang"], org["secretariat"])
    step = request.steps.get()
    assert (step.approver_role, step.unit, step.status) == ("approver", org["secretariat"], StepStatus.PENDING)
    # 刘敏 approves for 办公室 and so for 秘书股 below it; 陈国强 for the whole unit; 孙伟 not.
    assert [s.request_id for s in selectors.inbox_for(org["liumin"])] == [request.pk]
    assert [s.request_id for s in selectors.inbox_for(org["head"])] == [request.pk]
    assert not selectors.inbox_for(org["sunwei"]).exists()
    assert not selectors.inbox_for(org["wangfang"]).exists()  # never one's own
    event = AuditEvent.objects.get(action="approval.submit")
    assert event.object_id == str(request.pk) and event.outcome == "ok"


def test_stored_rules_route_by_level_in_order(org, secadmin):
    services.rule_create(actor=secadmin, request_type="test.borrow", order=1, approver_role=Role.APPROVER,
                         scope=Scope.REQUESTER_UNIT)
    services.rule_create(actor=secadmin, request_type="test.borrow", order=1, approver_role=Role.APPROVER,
                         scope=Scope.REQUESTER_UNIT, min_level=int(Level.SECRET))
    services.rule_create(actor=secadmin, request_type="test.borrow", order=2, approver_role=Role.SECRECY_OFFICER,
                         scope=Scope.ORG, min_level=int(Level.SECRET))
    low = submit(org["wangfang"], org["secretariat"], level=int(Level.CONFIDENTIAL))
    # 机密, not 绝密: whoever decides must be cleared for the level (刘敏 and 李建华 are 重要).
    high = submit(org["wangfang"], org["office"], level=int(Level.SECRET))
    assert [s.approver_role for s in low.steps.all()] == ["approver"]
    assert [(s.approver_role, s.status) for s in high.steps.all()] == [
        ("approver", StepStatus.PENDING), ("secrecy_officer", StepStatus.WAITING)]
    services.request_decide(actor=org["liumin"], request=high, approve=True, comment="同意", password=PASSWORD)
    high.refresh_from_db()
    assert high.status == Status.PENDING and high.current_step.approver_role == "secrecy_officer"
    assert [s.request_id for s in selectors.inbox_for(org["officer"])] == [high.pk]
    services.request_decide(actor=org["officer"], request=high, approve=True, password=PASSWORD)
    high.refresh_from_db()
    assert high.status == Status.APPROVED and effects_seen == [("approved", high.pk)]


def test_decision_refusals_are_recorded_and_change_nothing(org):
    request = submit(org["wangfang"], org["secretariat"])
    cases = [
        (org["wangfang"], PASSWORD, "不能审批本人提出的申请"),
        (org["sunwei"], PASSWORD, "不是此审批步骤的审批人"),
        (org["liumin"], "wrong-password", "签批密码不正确"),
    ]
    for actor, password, reason in cases:
        with pytest.raises(Refused, match=reason):
            services.request_decide(actor=actor, request=request, approve=True, password=password)
        denied = AuditEvent.objects.filter(action="approval.approve", outcome="denied").latest("seq")
        assert denied.actor_id == actor.pk and reason in denied.summary
    request.refresh_from_db()
    assert request.status == Status.PENDING and request.current_step.status == StepStatus.PENDING
    assert effects_seen == []


def test_rejection_needs_a_comment_and_closes_the_request(org):
    request = submit(org["zhoujing"], org["planning"])
    with pytest.raises(Invalid):
        services.request_decide(actor=org["sunwei"], request=request, approve=False, password=PASSWORD)
    services.request_decide(actor=org["sunwei"], request=request, approve=False, comment="理由不充分",
                            password=PASSWORD)
    request.refresh_from_db()
    assert request.status == Status.REJECTED and effects_seen == [("closed", request.pk)]
    with pytest.raises(Conflict):
        services.request_decide(actor=org["head"], request=request, approve=True, password=PASSWORD)


def test_a_failing_effect_rolls_back_the_approval_and_its_event(org):
    request = submit(org["zhoujing"], org["planning"], payload={"explode": True})
    events = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        services.request_decide(actor=org["sunwei"], request=request, approve=True, password=PASSWORD)
    request.refresh_from_db()
    assert request.status == Status.PENDING and request.current_step.decided_by is None
    assert AuditEvent.objects.count() == events


def test_withdraw_only_by_the_requester(org):
    request = submit(org["zhoujing"], org["planning"])
    with pytest.raises(Refused):
        services.request_withdraw(actor=org["sunwei"], request=request)
    services.request_withdraw(actor=org["zhoujing"], request=request)
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert set(request.steps.values_list("status", flat=True)) == {StepStatus.CANCELLED}
    assert effects_seen == [("closed", request.pk)]


def test_submit_refusals(org, db):
    loner_unit = make_unit("财务科", "finance", parent=org["root"])
    nobody = make_person("zhengli", unit=loner_unit)
    # chen approves org-wide, so even 财务科 has a decider; without him nobody could decide.
    org["head"].role_assignments.all().delete()
    with pytest.raises(Refused, match="没有可审批此申请的人员"):
        submit(nobody, loner_unit)
    assert not ApprovalRequest.objects.filter(requester=nobody).exists()
    with pytest.raises(Invalid):
        submit(org["zhoujing"], org["planning"], reason="  ")
    submit(org["zhoujing"], org["planning"])
    with pytest.raises(Conflict):  # a double submit
        submit(org["zhoujing"], org["planning"])


def test_routing_rules_are_the_security_administrators(org, secadmin, sysadmin):
    with pytest.raises(Refused):
        services.rule_create(actor=sysadmin, request_type="test.borrow", order=1, approver_role="approver",
                             scope="org")
    with pytest.raises(Invalid):
        services.rule_create(actor=secadmin, request_type="no.such", order=1, approver_role="approver", scope="org")
    with pytest.raises(Invalid):
        services.rule_create(actor=secadmin, request_type="test.borrow", order=1, approver_role="approver",
                             scope="unit")
    rule = services.rule_create(actor=secadmin, request_type="test.borrow", order=1, approver_role="approver",
                                scope="unit", scope_unit=org["office"])
    services.rule_delete(actor=secadmin, rule=rule)
    with pytest.raises(Conflict):
        services.rule_delete(actor=secadmin, rule=rule)


def test_requests_are_visible_to_participants_only(org):
    request = submit(org["zhoujing"], org["planning"])
    assert selectors.requests_visible_to(org["zhoujing"]).filter(pk=request.pk).exists()
    assert selectors.requests_visible_to(org["sunwei"]).filter(pk=request.pk).exists()
    assert not selectors.requests_visible_to(org["liumin"]).filter(pk=request.pk).exists()
    assert not selectors.requests_visible_to(org["wangfang"]).filter(pk=request.pk).exists()


# ---------------------------------------------------------------- pages and API


def test_inbox_page_counts_and_decides(client, org):
    request = submit(org["zhoujing"], org["planning"])
    login(client, org["sunwei"])
    page = client.get("/approvals/").content.decode()
    # The nav counts every module's items (other modules may owe sunwei something too).
    count = inbox.count_for(org["sunwei"])
    assert f'data-testid="inbox-count">{count}<' in page and "借阅 2026-001" in page
    response = client.post(f"/approvals/{request.pk}/", {"decision": "approve", "comment": "同意",
                                                         "password": PASSWORD})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    after = client.get("/approvals/").content.decode()
    assert inbox.count_for(org["sunwei"]) == count - 1 and "借阅 2026-001" not in after.split("我提交的申请")[0]


def test_detail_page_hides_requests_from_others(client, org):
    request = submit(org["zhoujing"], org["planning"])
    login(client, org["wangfang"])
    assert client.get(f"/approvals/{request.pk}/").status_code == 404
    login(client, org["zhoujing"])
    page = client.get(f"/approvals/{request.pk}/").content.decode()
    assert "撤回申请" in page and "签批密码" not in page
    assert client.post(f"/approvals/{request.pk}/withdraw/").status_code == 302


def test_rules_page_only_for_the_security_administrator(client, org, secadmin, sysadmin):
    login(client, sysadmin)
    assert client.get("/approvals/rules/").status_code == 403
    login(client, secadmin)
    assert client.get("/approvals/rules/").status_code == 200
    response = client.post("/approvals/rules/", {"request_type": "test.borrow", "order": 1,
                                                 "approver_role": "approver", "scope": "org", "min_level": ""})
    assert response.status_code == 302


def test_api_inbox_decide_and_rules(client, org, secadmin):
    from baomi.accounts.services import token_create

    request = submit(org["zhoujing"], org["planning"])
    _, secret = token_create(actor=org["sunwei"], name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert [r["id"] for r in client.get("/api/v1/approvals/pending", **auth).json()] == [request.pk]
    items = client.get("/api/v1/approvals/inbox", **auth).json()
    decisions = [(i["kind"], i["url"]) for i in items if i["is_decision"]]
    assert decisions == [("审批", f"/approvals/{request.pk}/")]
    bad = client.post(f"/api/v1/approvals/requests/{request.pk}/decide", {"approve": True, "password": "x"},
                      content_type="application/json", **auth)
    assert bad.status_code == 403 and bad.json()["error"]["code"] == "refused"
    ok = client.post(f"/api/v1/approvals/requests/{request.pk}/decide", {"approve": True, "password": PASSWORD},
                     content_type="application/json", **auth)
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert client.get("/api/v1/approvals/rules", **auth).status_code == 403
    _, admin_secret = token_create(actor=secadmin, name="t")
    admin = {"HTTP_AUTHORIZATION": f"Bearer {admin_secret}"}
    created = client.post("/api/v1/approvals/rules", {"request_type": "test.borrow", "scope": "org"},
                          content_type="application/json", **admin)
    assert created.status_code == 201
    assert client.delete(f"/api/v1/approvals/rules/{created.json()['id']}", **admin).status_code == 204
    other = make_person("outsider", unit=org["root"])
    _, other_secret = token_create(actor=other, name="t")
    hidden = client.get(f"/api/v1/approvals/requests/{request.pk}", HTTP_AUTHORIZATION=f"Bearer {other_secret}")
    assert hidden.status_code == 404


def test_owning_module_cancels_a_request_it_can_no_longer_carry_out(org):
    request = submit(org["zhoujing"], org["planning"])
    services.request_cancel(request=request, reason="保密期限已届满")
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert not selectors.inbox_for(org["sunwei"]).exists()
    event = AuditEvent.objects.get(action="approval.cancel")
    assert "保密期限已届满" in event.summary and event.actor_username == "system"
    services.request_cancel(request=request, reason="again")  # idempotent
    assert AuditEvent.objects.filter(action="approval.cancel").count() == 1


def test_the_navigation_count_is_cached_until_the_audit_chain_moves(db, django_assert_max_num_queries):
    """The count on every page is recomputed only when some state changed (every change is audited)."""
    from django.test import RequestFactory

    from baomi import inbox
    from baomi.audit.services import record
    from baomi.core.context import navigation
    from tests.factories import make_person

    person = make_person("navcount", clearance="GENERAL")
    request = RequestFactory().get("/")
    request.user = person

    def nav_count() -> int:  # what every page's navigation bar shows
        return navigation(request)["inbox_count"]

    calls: list[int] = []
    inbox.register("zz-test", lambda p: calls.append(p.pk) or [inbox.Item(kind="测试", title="t", url="/")])
    try:
        expected = inbox.count_for(person)  # the other modules' items (training due...) and ours
        calls.clear()
        assert nav_count() == expected and len(calls) == 1
        with django_assert_max_num_queries(1):  # the chain head only
            assert nav_count() == expected
        assert len(calls) == 1
        record(actor=person, action="test.touch", obj=person, summary="状态变化")
        assert nav_count() == expected and len(calls) == 2
    finally:
        inbox._PROVIDERS.pop("zz-test")
