"""Account pages: who may open each one, and that every form goes through its service."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from baomi.accounts import services
from baomi.accounts.models import ApiToken, Role, RoleAssignment, Unit, User
from baomi.audit.models import AuditEvent
from tests.accounts.conftest import last_event, logged_in
from tests.factories import make_eligible, make_unit

REFUSED = "三员分立：您的角色无权执行此操作"

ACTORS = ["sysadmin", "secadmin", "auditor", "officer", "approver", "staff"]

# page -> the actors who get 200; everyone else gets the 403 page
PAGES: dict[str, set[str]] = {
    "/accounts/units/": {"sysadmin"},
    "/accounts/people/": {"sysadmin", "secadmin", "auditor", "officer", "approver"},
    "/accounts/people/{target}/": {"sysadmin", "secadmin", "auditor", "officer", "approver"},
    "/accounts/profile/": set(ACTORS),
    "/accounts/password/": set(ACTORS),
    "/accounts/otp/setup/": set(ACTORS),
    "/accounts/otp/verify/": set(ACTORS),
    "/": set(ACTORS),
}


def main(html: str) -> str:
    """The page's own content (the header carries a per-request CSRF token and the current path)."""
    return re.search(r"<main>.*</main>", html, re.S).group(0)


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("who", ACTORS)
def test_who_may_open_each_page(request, target, who, path):
    user = request.getfixturevalue(who)
    response = logged_in(user).get(path.format(target=target.pk))
    body = response.content.decode()
    if who in PAGES[path]:
        assert response.status_code == 200, body[-500:]
        assert 'lang="zh-hans"' in body
    elif "{target}" in path:
        # Not theirs to see: the same page as for an id that does not exist.
        assert response.status_code == 404 and "对象不存在" in body
        missing = logged_in(user).get(path.format(target=target.pk + 1000))
        assert missing.status_code == 404 and main(missing.content.decode()) == main(body)
    else:
        assert response.status_code == 403 and REFUSED in body and "操作被拒绝" in body


@pytest.mark.parametrize("path", [*PAGES, "/audit/"])
def test_anonymous_is_sent_to_login(client, target, path):
    response = client.get(path.format(target=target.pk))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_staff_sees_own_person_page(staff):
    response = logged_in(staff).get(f"/accounts/people/{staff.pk}/")
    assert response.status_code == 200 and "zhoujing" in response.content.decode()


def test_people_list_and_search(officer, staff, target):
    client = logged_in(officer)
    page = client.get("/accounts/people/").content.decode()
    assert "孙伟" in page and "zhoujing" in page and "新建账户" not in page
    found = client.get("/accounts/people/", {"q": "孙"}).content.decode()
    assert "孙伟" in found and "zhoujing" not in found


def test_navigation_shows_only_allowed_pages(sysadmin, secadmin, staff):
    def nav(user: User) -> str:
        return re.search(r"<nav>(.*?)</nav>", logged_in(user).get("/").content.decode(), re.S).group(1)

    assert "/accounts/units/" in nav(sysadmin) and "/audit/" not in nav(sysadmin)
    assert "/audit/" in nav(secadmin) and "/accounts/units/" not in nav(secadmin)
    staff_nav = nav(staff)
    assert "/accounts/people/" not in staff_nav and "/accounts/units/" not in staff_nav
    assert "/accounts/profile/" in staff_nav


def test_post_only_endpoints_refuse_get(sysadmin, target, unit):
    client = logged_in(sysadmin)
    assert client.get(f"/accounts/people/{target.pk}/disable/").status_code == 405
    assert client.get(f"/accounts/units/{unit.pk}/toggle/").status_code == 405


# ---------------------------------------------------------------- units


def test_create_unit_through_the_form(sysadmin):
    client = logged_in(sysadmin)
    root = make_unit("发改委", "fgw")
    response = client.post("/accounts/units/", {"name": "信息中心", "code": "it", "parent": root.pk, "sort_order": 2})
    assert response.status_code == 302 and response["Location"] == "/accounts/units/"
    unit = Unit.objects.get(code="it")
    assert unit.parent == root and unit.sort_order == 2
    assert (last_event().action, last_event().actor_id) == ("unit.create", sysadmin.pk)
    page = client.get("/accounts/units/").content.decode()
    assert "单位已创建" in page and "发改委 / 信息中心" in page

    again = client.post("/accounts/units/", {"name": "另一个", "code": "it"})
    assert again.status_code == 200 and "单位代码已存在" in again.content.decode()
    bad = client.post("/accounts/units/", {"name": "坏代码", "code": "not a slug"})
    assert bad.status_code == 200 and Unit.objects.count() == 2


def test_unit_form_refused_for_security_admin(secadmin):
    response = logged_in(secadmin).post("/accounts/units/", {"name": "信息中心", "code": "it"})
    assert response.status_code == 403 and REFUSED in response.content.decode()
    assert not Unit.objects.filter(code="it").exists()


def test_toggle_unit(sysadmin, staff):
    empty = make_unit("财务科", "finance")
    client = logged_in(sysadmin)
    assert client.post(f"/accounts/units/{empty.pk}/toggle/").status_code == 302
    empty.refresh_from_db()
    assert not empty.is_active and last_event().action == "unit.disable"
    client.post(f"/accounts/units/{empty.pk}/toggle/")
    empty.refresh_from_db()
    assert empty.is_active
    refused = logged_in(staff).post(f"/accounts/units/{empty.pk}/toggle/")
    assert refused.status_code == 403 and REFUSED in refused.content.decode()
    assert (last_event().action, last_event().outcome, last_event().actor_id) == ("unit.disable", "denied", staff.pk)
    # A unit with people at work is refused with the reason on the page.
    occupied = logged_in(sysadmin).post(f"/accounts/units/{staff.unit_id}/toggle/")
    assert occupied.status_code == 403 and "在岗人员" in occupied.content.decode()


# ---------------------------------------------------------------- people


def one_time_password(html: str) -> str:
    return unescape(re.search(r"一次性密码：([^<\s（]+)", html).group(1))


def test_create_person_shows_the_one_time_password(sysadmin, unit):
    client = logged_in(sysadmin)
    response = client.post("/accounts/people/", {"username": "liumin", "full_name": "刘敏", "unit": unit.pk,
                                                 "staff_no": "FGW002", "post": "秘书股长"}, follow=True)
    assert response.status_code == 200
    person = User.objects.get(username="liumin")
    assert response.redirect_chain[-1][0] == f"/accounts/people/{person.pk}/"
    temporary = one_time_password(response.content.decode())
    assert person.check_password(temporary) and person.must_change_password
    assert Client().post("/accounts/login/", {"username": "liumin", "password": temporary}).status_code == 302
    # Shown once: the next visit does not repeat it.
    assert "一次性密码" not in client.get(f"/accounts/people/{person.pk}/").content.decode()


def test_create_person_bad_input(sysadmin, staff):
    client = logged_in(sysadmin)
    duplicate = client.post("/accounts/people/", {"username": "zhoujing", "full_name": "重名"})
    assert duplicate.status_code == 200 and "用户名已存在" in duplicate.content.decode()
    bad_name = client.post("/accounts/people/", {"username": "有空格 的名字", "full_name": "某"})
    assert bad_name.status_code == 200
    assert User.objects.count() == 2


def test_person_page_shows_each_administrator_their_own_tools(sysadmin, secadmin, officer, target):
    path = f"/accounts/people/{target.pk}/"
    system_page = logged_in(sysadmin).get(path).content.decode()
    security_page = logged_in(secadmin).get(path).content.decode()
    officer_page = logged_in(officer).get(path).content.decode()
    assert "/edit/" in system_page and "/reset/" in system_page and "/unlock/" in system_page
    assert "/clearance/" not in system_page and "/grant/" not in system_page
    assert "/clearance/" in security_page and "/grant/" in security_page and "/reset/" not in security_page
    assert not re.findall(r"/(?:edit|clearance|grant|revoke|reset|disable|unlock)/", officer_page)
    assert 'data-testid="clearance"' in officer_page


def test_no_tools_on_another_administrators_page(sysadmin, secadmin):
    page = logged_in(sysadmin).get(f"/accounts/people/{secadmin.pk}/").content.decode()
    assert "/reset/" not in page and "/disable/" not in page


def post_action(user: User, person: User, action: str, data: dict | None = None):
    client = logged_in(user)
    response = client.post(f"/accounts/people/{person.pk}/{action}/", data or {}, follow=True)
    assert response.redirect_chain[-1][0] == f"/accounts/people/{person.pk}/"
    return response.content.decode()


def test_edit_person(sysadmin, target):
    other = make_unit("财务科", "finance")
    page = post_action(sysadmin, target, "edit", {"full_name": "孙伟", "unit": other.pk, "staff_no": "FGW006",
                                                 "post": "科长"})
    assert "已保存" in page
    target.refresh_from_db()
    assert (target.unit, target.staff_no, target.post) == (other, "FGW006", "科长")
    error = post_action(sysadmin, target, "edit", {"full_name": ""})
    assert "msg error" in error
    target.refresh_from_db()
    assert target.full_name == "孙伟"


def test_set_clearance_through_the_form(secadmin, sysadmin, target):
    make_eligible(target)  # vetted and committed (the personnel gate)
    page = post_action(secadmin, target, "clearance", {"clearance": "3"})
    assert "涉密类别已更新" in page and re.search(r'data-testid="clearance">核心<', page)
    target.refresh_from_db()
    assert target.clearance == 3
    assert post_action(secadmin, target, "clearance", {"clearance": "9"}).count("请选择涉密类别") == 1
    # The system administrator's attempt is shown as a refusal, recorded, and changes nothing.
    refused = post_action(sysadmin, target, "clearance", {"clearance": "0"})
    assert REFUSED in refused
    assert (last_event().action, last_event().outcome, last_event().actor_id) == ("clearance.set", "denied",
                                                                                    sysadmin.pk)
    target.refresh_from_db()
    assert target.clearance == 3


def test_grant_and_revoke_role_through_the_form(secadmin, target, unit):
    page = post_action(secadmin, target, "grant", {"role": "approver", "unit": unit.pk})
    assert "角色已授予" in page
    assignment = RoleAssignment.objects.get(user=target)
    assert (assignment.role, assignment.unit, assignment.granted_by) == (Role.APPROVER, unit, secadmin)
    assert "该角色已授予" in post_action(secadmin, target, "grant", {"role": "approver", "unit": unit.pk})
    assert "请选择角色" in post_action(secadmin, target, "grant", {"role": "emperor"})

    page = post_action(secadmin, target, "revoke", {"assignment": assignment.pk})
    assert "角色已撤销" in page and not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert "对象不存在" in post_action(secadmin, target, "revoke", {"assignment": assignment.pk})
    assert "对象不存在" in post_action(secadmin, target, "revoke", {"assignment": "abc"})
    assert "对象不存在" in post_action(secadmin, target, "revoke", {"assignment": "²"})  # isdigit() but not int()
    assert "对象不存在" in post_action(secadmin, target, "revoke", {})


def test_revoke_checks_the_person_in_the_path(secadmin, target, staff):
    assignment = services.role_grant(actor=secadmin, person=staff, role=Role.STAFF)
    assert "对象不存在" in post_action(secadmin, target, "revoke", {"assignment": assignment.pk})
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_disable_and_enable(sysadmin, target):
    assert "已更新账户状态" in post_action(sysadmin, target, "disable")
    target.refresh_from_db()
    assert not target.is_active
    page = logged_in(sysadmin).get(f"/accounts/people/{target.pk}/").content.decode()
    assert "/enable/" in page and "启用账户" in page
    post_action(sysadmin, target, "enable")
    target.refresh_from_db()
    assert target.is_active


def test_unlock_and_reset(sysadmin, target):
    assert "账户已解锁" in post_action(sysadmin, target, "unlock")
    temporary = one_time_password(post_action(sysadmin, target, "reset"))
    target.refresh_from_db()
    assert target.check_password(temporary) and target.must_change_password


def test_unknown_action(sysadmin, target):
    assert "未知操作" in post_action(sysadmin, target, "promote")


def test_actions_on_a_hidden_person_are_404(staff, target):
    for action in ("disable", "reset", "clearance", "grant"):
        response = logged_in(staff).post(f"/accounts/people/{target.pk}/{action}/")
        assert response.status_code == 404 and "对象不存在" in response.content.decode()
    target.refresh_from_db()
    assert target.is_active


# ---------------------------------------------------------------- profile and tokens


def test_token_create_and_revoke_on_profile(staff, officer):
    client = logged_in(staff)
    page = client.post("/accounts/profile/", {"name": "同步脚本", "days": 30}).content.decode()
    secret = unescape(re.search(r'data-testid="new-token">([^<]+)<', page).group(1))
    token = ApiToken.objects.get(user=staff)
    assert services.token_authenticate(secret) == staff and token.name == "同步脚本"
    again = client.get("/accounts/profile/").content.decode()
    assert secret not in again and 'data-testid="new-token"' not in again and token.prefix in again

    bad = client.post("/accounts/profile/", {"name": "x", "days": 0})
    assert bad.status_code == 200 and ApiToken.objects.count() == 1

    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and last_event().action == "token.revoke"
    # Someone else's token is not there at all.
    others, _raw = services.token_create(actor=officer, name="his")
    response = client.post(f"/accounts/tokens/{others.pk}/revoke/")
    assert response.status_code == 404
    others.refresh_from_db()
    assert others.revoked_at is None


def test_profile_shows_roles_and_second_factor(sysadmin):
    page = logged_in(sysadmin).get("/accounts/profile/").content.decode()
    assert "已绑定动态口令" in page  # the test login binds a device


def test_password_change_page_for_a_normal_user(staff):
    client = logged_in(staff)
    page = client.get("/accounts/password/").content.decode()
    assert "须先修改密码" not in page and 'name="new_password1"' in page


# ---------------------------------------------------------------- language


def test_switch_to_english(staff):
    client = logged_in(staff)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/profile/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    page = client.get("/").content.decode()
    assert 'lang="en"' in page and "Home" in page
    refused = client.get("/accounts/units/").content.decode()
    assert 'lang="en"' in refused and "Operation denied" in refused and REFUSED not in refused
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-hans"' in client.get("/").content.decode()


def test_login_page_in_english(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page


def test_audit_events_of_page_actions_carry_the_client_address(sysadmin):
    client = Client(REMOTE_ADDR="192.0.2.10")
    from tests.conftest import login

    login(client, sysadmin)
    client.post("/accounts/units/", {"name": "信息中心", "code": "it"})
    event = AuditEvent.objects.filter(action="unit.create").get()
    assert event.client_address == "192.0.2.10"


@pytest.mark.django_db
def test_chinese_by_default_whatever_the_browser_asks(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert 'lang="en"' in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_home_dashboard_counts_only_what_the_person_may_see(client):
    from baomi.carriers.selectors import outstanding_for
    from tests.conftest import login
    from tests.factories import make_admin, make_person

    unit = make_unit("规划科", "planning")
    person = make_person("zhoujing", unit=unit, clearance="GENERAL", roles=[("staff", unit)])
    login(client, person)
    page = client.get("/").content.decode()
    # 5 cards (本月待清退 is the keepers' only), plus 培训考试's "我的培训考试待办" and 涉密人员's
    # "我的涉密人员事项" (issue 6).
    assert page.count('data-testid="card"') == 7 and "待我审批" in page and "我的培训考试待办" in page
    assert "我的涉密人员事项" in page and "本月待清退" not in page
    assert outstanding_for(person).count() == 0
    login(client, make_admin("auditor", "heping"))
    assert 'data-testid="card"' not in client.get("/").content.decode()  # administrators: no cards
