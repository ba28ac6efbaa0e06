"""Expiry and reminders by tick, level-dependent default routes, content-free mail, and the
unified 我的待办."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from baomi import inbox, jobs
from baomi.accounts.models import User
from baomi.approvals import registry, selectors, services
from baomi.approvals.models import ApprovalRequest, ApprovalStep, Status, StepStatus
from baomi.audit.models import AuditEvent
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from tests.conftest import login
from tests.factories import PASSWORD, make_person, make_unit

closed: list[tuple[int, object]] = []


@pytest.fixture(autouse=True)
def types():
    closed.clear()
    registry.register(registry.RequestType(
        code="test.expiring", label="测试事项", on_approved=lambda r, a: None,
        on_rejected=lambda r, a: closed.append((r.pk, a))))
    registry.register(registry.RequestType(
        code="test.quick", label="测试事项", on_approved=lambda r, a: None,
        expires_after=datetime.timedelta(hours=2)))
    registry.register(registry.RequestType(
        code="test.never", label="测试事项", on_approved=lambda r, a: None, expires_after=None))
    registry.register(registry.RequestType(
        code="test.levels", label="分级事项", on_approved=lambda r, a: None,
        default_route={None: (("approver", "requester_unit"),),
                       int(Level.CONFIDENTIAL): (("approver", "requester_unit"), ("secrecy_officer", "parent_unit")),
                       int(Level.TOP_SECRET): (("approver", "top_unit"),)}))
    yield


@pytest.fixture
def org(db):
    root = make_unit("示范委", "org")
    office = make_unit("办公室", "office", parent=root)
    secretariat = make_unit("秘书股", "secretariat", parent=office)
    people = {
        "root": root, "office": office, "secretariat": secretariat,
        "head": make_person("chen", unit=root, clearance="CORE", roles=[("approver", root)]),
        "liumin": make_person("liumin", unit=office, clearance="CORE", roles=[("approver", office)]),
        "officer": make_person("officer", unit=office, clearance="CORE", roles=[("secrecy_officer", office)]),
        "wangfang": make_person("wangfang", unit=secretariat, clearance="CORE"),
    }
    for key in ("head", "liumin", "officer", "wangfang"):
        User.objects.filter(pk=people[key].pk).update(email=f"{people[key].username}@example.gov")
        people[key].refresh_from_db()
    return people


def submit(actor, subject, **kwargs) -> ApprovalRequest:
    defaults = {"request_type": "test.expiring", "title": "借阅《绝密项目甲方案》", "reason": "核对甲项目参数"}
    return services.request_submit(actor=actor, subject=subject, **{**defaults, **kwargs})


# ---------------------------------------------------------------- expiry


def test_requests_expire_by_type_and_tick_closes_them_as_the_system(org):
    now = timezone.now()
    request = submit(org["wangfang"], org["secretariat"])
    quick = submit(org["wangfang"], org["office"], request_type="test.quick")
    never = submit(org["wangfang"], org["root"], request_type="test.never")
    assert abs((request.expires_at - now) - datetime.timedelta(days=7)) < datetime.timedelta(minutes=1)
    assert abs((quick.expires_at - now) - datetime.timedelta(hours=2)) < datetime.timedelta(minutes=1)
    assert never.expires_at is None
    jobs.tick()
    request.refresh_from_db()
    assert request.status == Status.PENDING  # not yet
    ApprovalRequest.objects.filter(pk=request.pk).update(expires_at=now - datetime.timedelta(minutes=1))
    done = jobs.tick()
    assert f"approval #{request.pk} expired" in done
    request.refresh_from_db()
    assert request.status == Status.EXPIRED and request.decided_at is not None
    assert set(request.steps.values_list("status", flat=True)) == {StepStatus.CANCELLED}
    assert closed == [(request.pk, None)]  # the type's on_rejected ran, with no decider
    event = AuditEvent.objects.get(action="approval.expire")
    assert event.actor_username == "system" and event.actor_id is None
    assert request.pk not in [s.request_id for s in selectors.inbox_for(org["liumin"])]
    with pytest.raises(Conflict, match="已办结"):
        services.request_decide(actor=org["liumin"], request=request, approve=True, password=PASSWORD)
    jobs.tick()  # idempotent
    assert AuditEvent.objects.filter(action="approval.expire").count() == 1 and len(closed) == 1
    quick.refresh_from_db()
    never.refresh_from_db()
    assert quick.status == never.status == Status.PENDING


# ---------------------------------------------------------------- reminders


def test_tick_reminds_steps_pending_too_long_once_and_the_inbox_shows_them_overdue(client, org, settings):
    settings.BAOMI_APPROVAL_REMIND_HOURS = 24
    request = submit(org["wangfang"], org["secretariat"])
    fresh_item = [i for i in inbox.items_for(org["liumin"]) if i.is_decision]
    assert len(fresh_item) == 1 and not fresh_item[0].overdue
    jobs.tick()
    assert not AuditEvent.objects.filter(action="approval.remind").exists()
    ApprovalStep.objects.filter(request=request).update(activated_at=timezone.now() - datetime.timedelta(hours=25))
    assert f"approval #{request.pk} step 1 reminded" in jobs.tick()
    assert request.steps.get().reminded_at is not None
    event = AuditEvent.objects.get(action="approval.remind")
    assert event.actor_username == "system" and "24 小时" in event.summary and "绝密项目甲" not in event.summary
    jobs.tick()
    assert AuditEvent.objects.filter(action="approval.remind").count() == 1
    item = next(i for i in inbox.items_for(User.objects.get(pk=org["liumin"].pk)) if i.is_decision)
    assert item.overdue
    login(client, org["liumin"])
    page = client.get("/approvals/").content.decode()
    assert 'data-overdue="1"' in page and "已逾期" in page


# ---------------------------------------------------------------- level routes


def test_default_routes_follow_the_level(org):
    kind = registry.get("test.levels")
    assert kind.steps_for(None) == kind.steps_for(int(Level.INTERNAL)) == (("approver", "requester_unit"),)
    assert kind.steps_for(int(Level.SECRET)) == (("approver", "requester_unit"), ("secrecy_officer", "parent_unit"))
    assert kind.steps_for(int(Level.TOP_SECRET)) == (("approver", "top_unit"),)
    # A type with default_steps only keeps them for every level.
    assert registry.get("test.expiring").steps_for(int(Level.TOP_SECRET)) == (("approver", "requester_unit"),)
    low = submit(org["wangfang"], org["secretariat"], request_type="test.levels", level=int(Level.INTERNAL))
    mid = submit(org["wangfang"], org["office"], request_type="test.levels", level=int(Level.CONFIDENTIAL))
    top = submit(org["wangfang"], org["root"], request_type="test.levels", level=int(Level.TOP_SECRET),
                 unit=org["secretariat"])
    assert [(s.approver_role, s.unit) for s in low.steps.all()] == [("approver", org["secretariat"])]
    # The superior secrecy department: the secrecy officer of the unit above the request's unit.
    assert [(s.approver_role, s.unit) for s in mid.steps.all()] == [
        ("approver", org["secretariat"]), ("secrecy_officer", org["office"])]
    assert [(s.approver_role, s.unit) for s in top.steps.all()] == [("approver", org["root"])]


def test_top_secret_borrowing_routes_to_the_office_leadership(org):
    """CARRIER-11: 借阅绝密 goes to the 办公室领导 (the top of the unit tree); below 绝密 to the
    borrower's unit leader. CARRIER-13: copying 秘密 and above goes to the organisation-wide
    leadership."""
    lend = registry.get("carriers.lend")
    assert lend.steps_for(int(Level.SECRET)) == (("approver", "requester_unit"),)
    assert lend.steps_for(int(Level.TOP_SECRET)) == (("approver", "top_unit"),)
    assert registry.get("carriers.reproduce").steps_for(int(Level.CONFIDENTIAL)) == (("approver", "org"),)
    assert registry.get("carriers.reproduce").steps_for(int(Level.INTERNAL)) == (("approver", "requester_unit"),)
    borrow = services.request_submit(actor=org["wangfang"], request_type="carriers.lend", subject=org["secretariat"],
                                     title="借阅", reason="研究部署", level=int(Level.TOP_SECRET))
    step = borrow.steps.get()
    assert (step.approver_role, step.unit) == ("approver", org["root"])
    from baomi import policy

    assert policy.reason_may_not_decide(org["liumin"], step) == "您不是此审批步骤的审批人"
    assert policy.reason_may_not_decide(org["head"], step) is None


def test_rules_page_lists_the_effective_route_per_level(client, org, secadmin):
    login(client, secadmin)
    page = client.get("/approvals/rules/").content.decode()
    assert 'data-testid="effective-routes"' in page
    table = page.split('data-testid="effective-routes"')[1].split("</table>")[0]
    assert "分级事项" in table and "本单位领导（最上级单位）" in table and "上级单位" in table
    services.rule_create(actor=secadmin, request_type="test.levels", order=1, approver_role="secrecy_officer",
                         scope="org", min_level=int(Level.TOP_SECRET))
    table = client.get("/approvals/rules/").content.decode().split('data-testid="effective-routes"')[1]
    assert "保密员（全单位）" in table.split("</table>")[0]


# ---------------------------------------------------------------- mail


def test_mail_notices_carry_no_secret(org, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = "smtp.example.gov"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(org["wangfang"], org["secretariat"], request_type="test.levels",
                         level=int(Level.CONFIDENTIAL))
    assert sorted(m.to[0] for m in mail.outbox) == ["chen@example.gov", "liumin@example.gov"]
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(actor=org["liumin"], request=request, approve=True, comment="同意，注意甲项目",
                                password=PASSWORD)
    assert mail.outbox[-1].to == ["officer@example.gov"]  # the next step's decider
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decide(actor=org["officer"], request=request, approve=True, password=PASSWORD)
    assert mail.outbox[-1].to == ["wangfang@example.gov"]  # the requester: decided
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in ("绝密项目甲", "甲项目", "核对", "借阅", "分级事项", "机密", "王", "wangfang"):
            assert secret not in text
        assert "请登录保密管理系统查看" in text and "http" in message.body
    assert "您有 1 项待审批事项，请登录保密管理系统查看" in mail.outbox[0].body


def test_no_mail_without_a_mail_host(org, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = ""
    with django_capture_on_commit_callbacks(execute=True):
        submit(org["wangfang"], org["secretariat"])
    assert mail.outbox == []


# ---------------------------------------------------------------- unified inbox


def test_unified_inbox_shows_every_providers_items_and_counts_them_in_the_nav(client, org, secadmin):
    def returns(person):
        if person.pk != org["liumin"].pk:
            return []
        return [inbox.Item(kind="归还", title="归还 2026-017 第 2 份", url="/carriers/",
                           due=timezone.localdate() - datetime.timedelta(days=1)),
                inbox.Item(kind="培训", title="完成年度保密培训", url="/", due=None)]

    inbox.register("test.returns", returns)
    try:
        request = submit(org["wangfang"], org["secretariat"])
        items = inbox.items_for(org["liumin"])
        mine = [i for i in items if i.title in ("归还 2026-017 第 2 份", "完成年度保密培训") or i.is_decision]
        assert [i.is_decision for i in mine][:1] == [True]  # decisions first
        login(client, org["liumin"])
        page = client.get("/approvals/").content.decode()
        assert f'data-testid="inbox-count">{len(items)}<' in page
        decisions = page.split('data-testid="inbox-decisions"')[1].split("</table>")[0]
        owed = page.split('data-testid="inbox-owed"')[1].split("</table>")[0]
        assert f"/approvals/{request.pk}/" in decisions and "归还 2026-017 第 2 份" in owed
        assert "完成年度保密培训" in owed and "已逾期" in owed
        api = client.get("/api/v1/approvals/inbox").json()
        ours = [i for i in api if i["kind"] in ("归还", "审批")]
        assert [i["is_decision"] for i in ours] == [True, False] and ours[1]["overdue"] is True
        # Someone else sees none of liumin's items.
        assert not any(i.title.startswith("归还 2026-017") for i in inbox.items_for(org["officer"]))
        # Administrators have no inbox.
        assert inbox.items_for(secadmin) == [] and inbox.count_for(secadmin) == 0
    finally:
        inbox._PROVIDERS.pop("test.returns", None)


def test_a_refused_page_decision_stays_refused(client, org):
    request = submit(org["wangfang"], org["secretariat"])
    login(client, org["officer"])
    assert client.get(f"/approvals/{request.pk}/").status_code == 404
    with pytest.raises(Refused):
        services.request_decide(actor=org["officer"], request=request, approve=True, password=PASSWORD)


# ---------------------------------------------------------------- 对外提供 (EXT-01)


def test_provision_to_foreigners_needs_the_leadership_then_the_superior_secrecy_department(client, org, secadmin):
    from baomi.approvals.models import ExternalProvision, ProvisionStatus

    provision = services.provision_request(actor=org["wangfang"], recipient="某国驻华使馆商务处",
                                           material="《甲项目可行性研究报告》第 3 章", level=int(Level.CONFIDENTIAL),
                                           purpose="中外合作项目洽谈需要")
    request = provision.approval
    # The leadership at the top of the tree, then the secrecy officer of the unit above 秘书股 (办公室).
    assert [(s.approver_role, s.unit) for s in request.steps.all()] == [
        ("approver", org["root"]), ("secrecy_officer", org["office"])]
    with pytest.raises(Refused, match="不是此审批步骤的审批人"):  # 刘敏 leads 办公室 only
        services.request_decide(actor=org["liumin"], request=request, approve=True, password=PASSWORD)
    services.request_decide(actor=org["head"], request=request, approve=True, password=PASSWORD)
    provision.refresh_from_db()
    assert provision.status == ProvisionStatus.PENDING  # nothing may be provided yet
    services.request_decide(actor=org["officer"], request=request, approve=True, password=PASSWORD)
    provision.refresh_from_db()
    assert provision.status == ProvisionStatus.APPROVED and provision.decided_at is not None
    assert AuditEvent.objects.filter(action="approval.provision.approve", object_id=str(provision.pk)).exists()
    # Refusals: administrators, above one's clearance, missing fields.
    with pytest.raises(Refused):
        services.provision_request(actor=secadmin, recipient="x", material="y", level=int(Level.CONFIDENTIAL),
                                   purpose="z")
    junior = make_person("junior2", unit=org["office"], clearance="GENERAL")
    with pytest.raises(Refused, match="不能知悉"):
        services.provision_request(actor=junior, recipient="x", material="y", level=int(Level.SECRET), purpose="z")
    with pytest.raises(Invalid):
        services.provision_request(actor=org["wangfang"], recipient=" ", material="y", level=int(Level.CONFIDENTIAL),
                                   purpose="z")
    assert ExternalProvision.objects.count() == 1
    # Rejection closes it.
    rejected = services.provision_request(actor=org["wangfang"], recipient="外方考察团", material="会议纪要",
                                          level=int(Level.CONFIDENTIAL), purpose="交流")
    services.request_decide(actor=org["head"], request=rejected.approval, approve=False, comment="不宜提供",
                            password=PASSWORD)
    rejected.refresh_from_db()
    assert rejected.status == ProvisionStatus.CLOSED
    # Page and API.
    login(client, org["wangfang"])
    assert "某国驻华使馆商务处" in client.get("/approvals/external/").content.decode()
    response = client.post("/approvals/external/", {"kind": "provide", "recipient": "外方专家", "material": "图纸",
                                                    "purpose": "合作", "level": int(Level.CONFIDENTIAL)})
    assert response.status_code == 302
    api = client.get("/api/v1/approvals/provisions").json()
    assert {p["recipient"] for p in api} == {"某国驻华使馆商务处", "外方考察团", "外方专家"}
    login(client, secadmin)
    assert client.get("/approvals/external/").status_code == 403


def test_an_interview_or_talks_touching_secrets_need_prior_approval_of_the_outline(client, org):
    """EXT-06: 接受记者采访、同境外人员会谈涉及国家秘密的，须事先报经批准（with the outline reviewed)."""
    from baomi.approvals.models import ExternalKind, ExternalProvision, ProvisionStatus

    before = ExternalProvision.objects.count()
    with pytest.raises(Refused, match="提纲"):
        services.provision_request(actor=org["wangfang"], kind=ExternalKind.INTERVIEW, recipient="某国通讯社记者",
                                   material="甲项目进展", level=int(Level.SECRET), purpose="专访")
    assert ExternalProvision.objects.count() == before
    assert AuditEvent.objects.filter(action="approval.provision.request", outcome="denied").exists()
    with pytest.raises(Invalid):
        services.provision_request(actor=org["wangfang"], kind="party", recipient="x", material="y",
                                   level=int(Level.SECRET), purpose="z", outline="o")
    talks = services.provision_request(actor=org["wangfang"], kind=ExternalKind.TALKS, recipient="外方合作企业代表团",
                                       material="合作项目的投资规模", level=int(Level.SECRET), purpose="项目洽谈",
                                       outline="一、合作背景；二、不涉及的事项：投资总额、选址比选方案")
    request = talks.approval
    assert request.title.startswith("涉外会谈") and [s.approver_role for s in request.steps.all()] == [
        "approver", "secrecy_officer"]
    services.request_decide(actor=org["head"], request=request, approve=True, password=PASSWORD)
    services.request_decide(actor=org["officer"], request=request, approve=True, password=PASSWORD)
    talks.refresh_from_db()
    assert talks.status == ProvisionStatus.APPROVED
    # The page shows the kind; the API takes and returns kind and outline.
    login(client, org["wangfang"])
    assert "涉外会谈、交往" in client.get("/approvals/external/").content.decode()
    response = client.post("/api/v1/approvals/provisions", data={
        "kind": "interview", "recipient": "境外媒体", "material": "规划编制情况", "level": int(Level.SECRET),
        "purpose": "采访", "outline": "1. 编制进度 2. 公开信息"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["kind"] == "interview"
    assert response.json()["outline"].startswith("1. 编制进度")
