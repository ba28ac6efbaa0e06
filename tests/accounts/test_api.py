"""The accounts REST API over HTTP: schema, one error shape, hidden = absent, tokens, CSRF,
and every endpoint in accounts/api.py."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from baomi.accounts import services
from baomi.accounts.models import ApiToken, Role, RoleAssignment, Unit, User
from baomi.audit.models import AuditEvent
from tests.accounts.conftest import api, last_event, logged_in
from tests.factories import make_eligible, make_person, make_unit


def bearer(user: User) -> dict[str, str]:
    _token, raw = services.token_create(actor=user, name="tests")
    return {"Authorization": f"Bearer {raw}"}


def call(user: User | None, method: str, path: str, body: dict | None = None):
    """Call as `user` with a fresh bearer token (or anonymously)."""
    headers = bearer(user) if user is not None else {}
    return api(Client(), method, path, body, **headers)


def assert_error(status: int, data: dict, expected_status: int, code: str | None = None) -> None:
    assert status == expected_status, data
    assert set(data) == {"error"}
    assert {"code", "message"} <= set(data["error"]) <= {"code", "message", "details"}
    assert data["error"]["message"]
    if code:
        assert data["error"]["code"] == code


# ---------------------------------------------------------------- schema


ACCOUNT_ENDPOINTS = {
    ("get", "/api/v1/me"), ("get", "/api/v1/units"), ("post", "/api/v1/units"),
    ("patch", "/api/v1/units/{unit_id}"), ("get", "/api/v1/people"), ("post", "/api/v1/people"),
    ("get", "/api/v1/people/{person_id}"), ("patch", "/api/v1/people/{person_id}"),
    ("post", "/api/v1/people/{person_id}/disable"), ("post", "/api/v1/people/{person_id}/enable"),
    ("post", "/api/v1/people/{person_id}/unlock"), ("post", "/api/v1/people/{person_id}/reset-password"),
    ("put", "/api/v1/people/{person_id}/clearance"), ("post", "/api/v1/people/{person_id}/roles"),
    ("delete", "/api/v1/people/{person_id}/roles/{assignment_id}"), ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"), ("delete", "/api/v1/tokens/{token_id}"),
}


def test_openapi_lists_every_endpoint(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"]["title"] == "Baomi API" and schema["openapi"].startswith("3.")
    listed = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert listed >= ACCOUNT_ENDPOINTS
    assert {"/api/v1/audit/events", "/api/v1/audit/status"} <= set(schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}


# ---------------------------------------------------------------- one error shape


def test_401_without_credentials(db):
    assert_error(*call(None, "get", "/me"), 401, "unauthenticated")
    assert_error(*api(Client(), "get", "/me", Authorization="Bearer bm_nope_nope"), 401, "unauthenticated")
    assert_error(*api(Client(), "get", "/me", Authorization="Basic Zm9vOmJhcg=="), 401)


def test_403_for_a_refused_action(staff, target):
    events = AuditEvent.objects.count()
    assert_error(*call(staff, "put", f"/people/{staff.pk}/clearance", {"clearance": "CORE"}), 403, "refused")
    assert AuditEvent.objects.filter(action="clearance.set", outcome="denied").count() == 1
    assert AuditEvent.objects.count() == events + 2  # token.create, then the refusal


def test_404_for_a_missing_object(sysadmin):
    assert_error(*call(sysadmin, "get", "/people/987654"), 404, "not_found")
    assert_error(*call(sysadmin, "patch", "/units/987654", {"name": "x"}), 404, "not_found")


def test_422_for_a_malformed_body(sysadmin):
    status, data = call(sysadmin, "post", "/units", {"name": "信息中心"})  # no code
    assert_error(status, data, 422, "invalid")
    assert data["error"]["details"]
    assert_error(*call(sysadmin, "post", "/units", {"name": "x", "code": "y", "sort_order": "many"}), 422)
    assert_error(*call(sysadmin, "get", "/people?limit=lots"), 422)
    assert not Unit.objects.exists()


def test_400_and_409_use_the_same_shape(sysadmin, staff):
    make_unit("规划科", "planning")
    assert_error(*call(sysadmin, "post", "/units", {"name": "另一科", "code": "planning"}), 400, "invalid")
    headers = bearer(staff)
    _s, created = api(Client(), "post", "/tokens", {"name": "x"}, **headers)
    assert api(Client(), "delete", f"/tokens/{created['token']['id']}", **headers)[0] == 204
    assert_error(*api(Client(), "delete", f"/tokens/{created['token']['id']}", **headers), 409, "conflict")


def test_unparseable_json_is_an_error_in_the_same_shape(sysadmin):
    response = Client().post("/api/v1/units", "{not json", content_type="application/json", headers=bearer(sysadmin))
    assert_error(response.status_code, json.loads(response.content), 400)


# ---------------------------------------------------------------- hidden = absent


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("get", "", None),
    ("patch", "", {"full_name": "x"}),
    ("post", "/disable", None),
    ("post", "/reset-password", None),
    ("put", "/clearance", {"clearance": "CORE"}),
    ("post", "/roles", {"role": "approver"}),
])
def test_a_person_you_may_not_see_looks_absent(staff, target, method, suffix, body):
    headers = bearer(staff)
    hidden = api(Client(), method, f"/people/{target.pk}{suffix}", body, **headers)
    missing = api(Client(), method, f"/people/{target.pk + 1000}{suffix}", body, **headers)
    assert hidden == missing
    assert_error(*hidden, 404, "not_found")
    target.refresh_from_db()
    assert target.is_active and target.full_name == "孙伟"


def test_staff_sees_only_themself(staff, target):
    status, people = call(staff, "get", "/people")
    assert status == 200 and [p["username"] for p in people] == ["zhoujing"]
    assert call(staff, "get", f"/people/{staff.pk}")[1]["clearance"] == "GENERAL"


# ---------------------------------------------------------------- tokens


def test_token_lifecycle(staff):
    client = logged_in(staff)
    status, created = api(client, "post", "/tokens", {"name": "同步脚本", "days": 30})
    assert status == 201
    secret = created["secret"]
    assert secret.startswith("bm_") and created["token"]["prefix"] in secret
    stored = ApiToken.objects.get(pk=created["token"]["id"])
    assert stored.digest != secret and secret not in stored.digest
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert timedelta(days=29) < stored.expires_at - timezone.now() <= timedelta(days=30)

    # The secret is shown once: listing never returns it (nor its digest).
    status, listed = api(client, "get", "/tokens")
    assert status == 200 and listed[0]["name"] == "同步脚本"
    assert secret not in json.dumps(listed) and stored.digest not in json.dumps(listed)
    assert "secret" not in listed[0] and "digest" not in listed[0]

    use = Client()
    status, me = api(use, "get", "/me", Authorization=f"Bearer {secret}")
    assert status == 200 and me["username"] == "zhoujing"
    assert api(use, "get", "/me", **{"X-Api-Token": secret})[0] == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None

    assert api(client, "delete", f"/tokens/{stored.pk}")[0] == 204
    assert last_event().action == "token.revoke"
    assert_error(*api(use, "get", "/me", Authorization=f"Bearer {secret}"), 401)
    assert api(client, "get", "/tokens")[1][0]["revoked_at"] is not None


def test_expired_token_stops_working(staff):
    token, raw = services.token_create(actor=staff, name="t")
    assert api(Client(), "get", "/me", Authorization=f"Bearer {raw}")[0] == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert_error(*api(Client(), "get", "/me", Authorization=f"Bearer {raw}"), 401)


def test_disabled_users_token_stops_working(staff, sysadmin):
    _token, raw = services.token_create(actor=staff, name="t")
    User.objects.filter(pk=staff.pk).update(is_active=False)  # even without the service's revocation
    assert_error(*api(Client(), "get", "/me", Authorization=f"Bearer {raw}"), 401)
    User.objects.filter(pk=staff.pk).update(is_active=True)
    assert api(Client(), "get", "/me", Authorization=f"Bearer {raw}")[0] == 200
    services.person_set_active(actor=sysadmin, person=staff, active=False)
    assert_error(*api(Client(), "get", "/me", Authorization=f"Bearer {raw}"), 401)


def test_token_bad_input(staff):
    assert_error(*call(staff, "post", "/tokens", {"name": " "}), 400)
    assert_error(*call(staff, "post", "/tokens", {"name": "x", "days": 0}), 400)
    assert_error(*call(staff, "post", "/tokens", {"name": "x", "days": 400}), 400)
    assert_error(*call(staff, "post", "/tokens", {}), 422)


def test_someone_elses_token_is_absent(staff, officer):
    token, _raw = services.token_create(actor=officer, name="his")
    assert_error(*call(staff, "delete", f"/tokens/{token.pk}"), 404)
    token.refresh_from_db()
    assert token.revoked_at is None


# ---------------------------------------------------------------- session auth and CSRF


def test_session_post_needs_the_csrf_token(staff):
    client = logged_in(staff, csrf=True)
    body = json.dumps({"name": "浏览器"})
    refused = client.post("/api/v1/tokens", body, content_type="application/json")
    assert_error(refused.status_code, json.loads(refused.content), 403)
    assert not ApiToken.objects.exists()

    assert client.get("/api/v1/me").status_code == 200, "reads need no token"
    client.get("/accounts/profile/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    wrong = client.post("/api/v1/tokens", body, content_type="application/json", headers={"X-CSRFToken": "x" * 32})
    assert wrong.status_code == 403
    accepted = client.post("/api/v1/tokens", body, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert accepted.status_code == 201 and ApiToken.objects.count() == 1


def test_bearer_needs_no_csrf(staff):
    client = Client(enforce_csrf_checks=True)
    status, _data = api(client, "post", "/tokens", {"name": "x"}, **bearer(staff))
    assert status == 201


# ---------------------------------------------------------------- every endpoint


def test_me(staff, unit):
    RoleAssignment.objects.create(user=staff, role=Role.STAFF, unit=unit)
    status, me = call(staff, "get", "/me")
    assert status == 200
    assert me | {"id": 0} == {
        "id": 0, "username": "zhoujing", "full_name": "zhoujing", "unit_id": unit.pk, "post": "",
        "is_active": True, "admin_role": "", "clearance": "GENERAL",
        "roles": [{"id": me["roles"][0]["id"], "role": "staff", "unit_id": unit.pk}],
    }


def test_units_list(staff, unit):
    root = make_unit("发改委", "fgw")
    make_unit("办公室", "office", parent=root)
    status, units = call(staff, "get", "/units")
    assert status == 200
    assert [(u["code"], u["parent_id"], u["is_active"]) for u in units] == [
        ("planning", None, True), ("fgw", None, True), ("office", root.pk, True)]


def test_unit_create(sysadmin, secadmin):
    root = make_unit("发改委", "fgw")
    status, created = call(sysadmin, "post", "/units", {"name": "信息中心", "code": "it", "parent_id": root.pk,
                                                       "sort_order": 4})
    assert status == 201 and created["parent_id"] == root.pk and created["code"] == "it"
    assert Unit.objects.get(code="it").sort_order == 4
    assert_error(*call(secadmin, "post", "/units", {"name": "x", "code": "x"}), 403)
    assert_error(*call(sysadmin, "post", "/units", {"name": "x", "code": "x", "parent_id": 99999}), 404)
    assert_error(*call(sysadmin, "post", "/units", {"name": "", "code": "x"}), 400)


def test_unit_patch(sysadmin, staff):
    root, other = make_unit("发改委", "fgw"), make_unit("财政局", "czj")
    unit = make_unit("政策科", "policy", parent=root)
    status, data = call(sysadmin, "patch", f"/units/{unit.pk}", {"name": "规划处"})
    assert status == 200 and data["name"] == "规划处" and data["parent_id"] == root.pk
    status, data = call(sysadmin, "patch", f"/units/{unit.pk}", {"parent_id": other.pk})
    assert data["parent_id"] == other.pk and data["name"] == "规划处"
    status, data = call(sysadmin, "patch", f"/units/{unit.pk}", {"parent_id": None})
    assert data["parent_id"] is None
    assert_error(*call(sysadmin, "patch", f"/units/{root.pk}", {"parent_id": root.pk}), 400)
    status, data = call(sysadmin, "patch", f"/units/{other.pk}", {"is_active": False})
    assert status == 200 and data["is_active"] is False
    assert call(sysadmin, "patch", f"/units/{other.pk}", {"is_active": True})[1]["is_active"] is True
    assert_error(*call(staff, "patch", f"/units/{unit.pk}", {"name": "夺权"}), 403)
    unit.refresh_from_db()
    assert unit.name == "规划处"


def test_people_list_search_filter_and_paging(officer, staff, target, unit):
    other_unit = make_unit("财务科", "finance")
    make_person("wutao", unit=other_unit, full_name="吴涛")
    status, people = call(officer, "get", "/people")
    assert status == 200 and len(people) == 4
    assert all(p["clearance"] is not None for p in people), "a secrecy officer sees clearances"
    assert [p["username"] for p in call(officer, "get", "/people?q=吴")[1]] == ["wutao"]
    assert [p["username"] for p in call(officer, "get", f"/people?unit_id={other_unit.pk}")[1]] == ["wutao"]
    first_two = call(officer, "get", "/people?limit=2")[1]
    rest = call(officer, "get", "/people?limit=2&offset=2")[1]
    assert len(first_two) == 2 and len(rest) == 2 and not {p["id"] for p in first_two} & {p["id"] for p in rest}
    # Silly paging values are clamped, not a server error.
    assert call(officer, "get", "/people?offset=-5&limit=0")[0] == 200
    assert len(call(officer, "get", "/people?limit=100000")[1]) == 4


def test_person_get(officer, target):
    status, data = call(officer, "get", f"/people/{target.pk}")
    assert status == 200 and (data["username"], data["full_name"], data["clearance"]) == ("sunwei", "孙伟", "GENERAL")


def test_person_create(sysadmin, secadmin, unit):
    status, data = call(sysadmin, "post", "/people", {"username": "liumin", "full_name": "刘敏", "unit_id": unit.pk,
                                                      "staff_no": "FGW002", "post": "秘书股长"})
    assert status == 201
    person = User.objects.get(username="liumin")
    assert data["person"]["id"] == person.pk and person.check_password(data["temporary_password"])
    assert person.must_change_password and person.staff_no == "FGW002"
    assert_error(*call(sysadmin, "post", "/people", {"username": "liumin", "full_name": "另一个"}), 400)
    assert_error(*call(sysadmin, "post", "/people", {"username": "x"}), 422)
    assert_error(*call(secadmin, "post", "/people", {"username": "spy", "full_name": "间谍"}), 403)
    assert not User.objects.filter(username__in=["x", "spy"]).exists()


def test_person_patch(sysadmin, target, unit):
    other = make_unit("财务科", "finance")
    status, data = call(sysadmin, "patch", f"/people/{target.pk}", {"unit_id": other.pk, "staff_no": "FGW006"})
    assert status == 200 and data["unit_id"] == other.pk and data["full_name"] == "孙伟"
    target.refresh_from_db()
    assert target.staff_no == "FGW006"
    call(sysadmin, "patch", f"/people/{target.pk}", {"post": "科长", "unit_id": None, "staff_no": None})
    target.refresh_from_db()
    assert (target.post, target.unit, target.staff_no, target.full_name) == ("科长", None, None, "孙伟")


def test_person_disable_enable(sysadmin, target, staff):
    status, data = call(sysadmin, "post", f"/people/{target.pk}/disable")
    assert status == 200 and data["is_active"] is False
    assert call(sysadmin, "post", f"/people/{target.pk}/enable")[1]["is_active"] is True
    assert_error(*call(sysadmin, "post", f"/people/{sysadmin.pk}/disable"), 403)


def test_person_unlock(sysadmin, target):
    status, data = call(sysadmin, "post", f"/people/{target.pk}/unlock")
    assert status == 204 and data is None
    assert last_event().action == "account.unlock"


def test_person_reset_password(sysadmin, target, secadmin):
    status, data = call(sysadmin, "post", f"/people/{target.pk}/reset-password")
    assert status == 200
    target.refresh_from_db()
    assert target.check_password(data["temporary_password"]) and target.must_change_password
    assert_error(*call(sysadmin, "post", f"/people/{secadmin.pk}/reset-password"), 403)


@pytest.mark.parametrize(("value", "expected"), [("IMPORTANT", "IMPORTANT"), ("core", "CORE"), ("一般", "GENERAL"),
                                                 ("非涉密", "NONE")])
def test_set_clearance(secadmin, target, value, expected):
    make_eligible(target)  # vetted and committed (the personnel gate)
    status, data = call(secadmin, "put", f"/people/{target.pk}/clearance", {"clearance": value})
    assert status == 200 and data["clearance"] == expected


def test_set_clearance_refusals(secadmin, sysadmin, target):
    assert_error(*call(secadmin, "put", f"/people/{target.pk}/clearance", {"clearance": "最高"}), 400)
    assert_error(*call(sysadmin, "put", f"/people/{target.pk}/clearance", {"clearance": "CORE"}), 403)
    assert_error(*call(secadmin, "put", f"/people/{secadmin.pk}/clearance", {"clearance": "CORE"}), 403)
    target.refresh_from_db()
    assert target.clearance == 1


def test_grant_and_revoke_roles(secadmin, sysadmin, target, staff, unit):
    status, role = call(secadmin, "post", f"/people/{target.pk}/roles", {"role": "approver", "unit_id": unit.pk})
    assert status == 201 and role["role"] == "approver" and role["unit_id"] == unit.pk
    assert_error(*call(secadmin, "post", f"/people/{target.pk}/roles", {"role": "approver", "unit_id": unit.pk}),
                 409, "conflict")
    assert_error(*call(secadmin, "post", f"/people/{target.pk}/roles", {"role": "emperor"}), 400)
    assert_error(*call(sysadmin, "post", f"/people/{target.pk}/roles", {"role": "staff"}), 403)
    assert_error(*call(secadmin, "post", f"/people/{sysadmin.pk}/roles", {"role": "staff"}), 403)

    # The wrong person in the path, an administrator who may not see assignments: no change.
    assert_error(*call(secadmin, "delete", f"/people/{staff.pk}/roles/{role['id']}"), 400)
    assert_error(*call(sysadmin, "delete", f"/people/{target.pk}/roles/{role['id']}"), 404)
    assert RoleAssignment.objects.filter(pk=role["id"]).exists()

    status, data = call(secadmin, "delete", f"/people/{target.pk}/roles/{role['id']}")
    assert status == 204 and data is None
    assert not RoleAssignment.objects.filter(pk=role["id"]).exists()
    assert_error(*call(secadmin, "delete", f"/people/{target.pk}/roles/{role['id']}"), 404)


def test_tokens_list_is_only_mine(staff, officer):
    services.token_create(actor=officer, name="his")
    headers = bearer(staff)
    status, tokens = api(Client(), "get", "/tokens", **headers)
    assert status == 200 and [t["name"] for t in tokens] == ["tests"]


# ---------------------------------------------------------------- the audit log through the API (三员分立)


@pytest.mark.parametrize(("who", "status"), [("sysadmin", 403), ("staff", 403), ("officer", 403),
                                             ("secadmin", 200), ("auditor", 200)])
def test_who_reads_the_audit_log(db, request, who, status):
    user = request.getfixturevalue(who)
    got, data = call(user, "get", "/audit/events")
    assert got == status
    if status == 403:
        assert_error(got, data, 403, "refused")
