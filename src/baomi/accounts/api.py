"""People, units, roles, the current user and personal tokens. Thin handlers."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from baomi import policy
from baomi.accounts import selectors, services
from baomi.accounts.models import ApiToken, Role, Unit, User
from baomi.core.paging import api_window
from baomi.core.schemas import Id
from baomi.errors import Invalid
from baomi.levels import Clearance

router = Router(tags=["accounts"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class UnitOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    is_active: bool


class UnitIn(Schema):
    name: str
    code: str
    parent_id: int | None = None
    sort_order: int = 0


class UnitPatch(Schema):
    name: str | None = None
    parent_id: int | None = None
    is_active: bool | None = None


class RoleOut(Schema):
    id: int
    role: str
    unit_id: int | None


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    unit_id: int | None
    post: str
    is_active: bool
    admin_role: str
    clearance: str | None = None
    roles: list[RoleOut] = []


class PersonIn(Schema):
    username: str
    full_name: str
    unit_id: int | None = None
    staff_no: str | None = None
    post: str = ""


class PersonPatch(Schema):
    full_name: str | None = None
    unit_id: int | None = None
    post: str | None = None
    staff_no: str | None = None


class CreatedPerson(Schema):
    person: PersonOut
    temporary_password: str


class ClearanceIn(Schema):
    clearance: str  # NONE / GENERAL / IMPORTANT / CORE, or 非涉密 / 一般 / 重要 / 核心


class RoleIn(Schema):
    role: str
    unit_id: int | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenIn(Schema):
    name: str
    days: int = 90


class CreatedToken(Schema):
    token: TokenOut
    secret: str


class PasswordResetOut(Schema):
    temporary_password: str


def _person_out(reader: User, person: User) -> PersonOut:
    show_clearance = policy.may(reader, policy.Perm.VIEW_PEOPLE) or reader.pk == person.pk
    return PersonOut(
        id=person.pk, username=person.username, full_name=person.full_name, unit_id=person.unit_id,
        post=person.post, is_active=person.is_active, admin_role=person.admin_role,
        clearance=Clearance(person.clearance).name if show_clearance else None,
        roles=[RoleOut(id=a.pk, role=a.role, unit_id=a.unit_id) for a in person.role_assignments.all()],
    )


def _unit(reader: User, unit_id: int | None) -> Unit | None:
    return None if unit_id is None else selectors.unit_for(reader, unit_id)


@router.get("/me", response=PersonOut, summary="当前用户")
def me(request: HttpRequest) -> PersonOut:
    actor = _actor(request)
    return _person_out(actor, selectors.person_for(actor, actor.pk))


@router.get("/units", response=list[UnitOut], summary="单位列表")
def list_units(request: HttpRequest) -> list[Unit]:
    return list(selectors.units_visible_to(_actor(request)))


@router.post("/units", response={201: UnitOut}, summary="新建单位（系统管理员）")
def create_unit(request: HttpRequest, body: UnitIn) -> Status:
    actor = _actor(request)
    unit = services.unit_create(actor=actor, name=body.name, code=body.code,
                                parent=_unit(actor, body.parent_id), sort_order=body.sort_order)
    return Status(201, unit)


@router.patch("/units/{unit_id}", response=UnitOut, summary="修改或停用单位（系统管理员）")
def patch_unit(request: HttpRequest, unit_id: int, body: UnitPatch) -> Unit:
    actor = _actor(request)
    unit = selectors.unit_for(actor, unit_id)
    if body.name is not None or "parent_id" in body.model_fields_set:
        parent = _unit(actor, body.parent_id) if "parent_id" in body.model_fields_set else unit.parent
        unit = services.unit_update(actor=actor, unit=unit, name=body.name or unit.name, parent=parent)
    if body.is_active is not None and body.is_active != unit.is_active:
        unit = services.unit_set_active(actor=actor, unit=unit, active=body.is_active)
    return unit


@router.get("/people", response=list[PersonOut], summary="人员列表")
def list_people(request: HttpRequest, q: str = "", unit_id: Id | None = None, limit: int = 100,
                offset: int = 0) -> list[PersonOut]:
    actor = _actor(request)
    limit, offset = api_window(limit, offset)
    qs = selectors.people_visible_to(actor, search=q, unit_id=unit_id)[offset: offset + limit]
    return [_person_out(actor, p) for p in qs]


@router.get("/people/{person_id}", response=PersonOut, summary="人员详情")
def get_person(request: HttpRequest, person_id: int) -> PersonOut:
    actor = _actor(request)
    return _person_out(actor, selectors.person_for(actor, person_id))


@router.post("/people", response={201: CreatedPerson}, summary="新建账户（系统管理员）")
def create_person(request: HttpRequest, body: PersonIn) -> Status:
    actor = _actor(request)
    person, temporary = services.person_create(
        actor=actor, username=body.username, full_name=body.full_name, unit=_unit(actor, body.unit_id),
        staff_no=body.staff_no, post=body.post)
    return Status(201, CreatedPerson(person=_person_out(actor, person), temporary_password=temporary))


@router.patch("/people/{person_id}", response=PersonOut, summary="修改人员信息（系统管理员）")
def patch_person(request: HttpRequest, person_id: int, body: PersonPatch) -> PersonOut:
    actor = _actor(request)
    person = selectors.person_for(actor, person_id)
    fields = body.model_fields_set
    person = services.person_update(
        actor=actor, person=person,
        full_name=body.full_name if body.full_name is not None else person.full_name,
        unit=_unit(actor, body.unit_id) if "unit_id" in fields else person.unit,
        post=body.post if body.post is not None else person.post,
        staff_no=body.staff_no if "staff_no" in fields else person.staff_no,
    )
    return _person_out(actor, person)


@router.post("/people/{person_id}/disable", response=PersonOut, summary="停用账户（系统管理员）")
def disable_person(request: HttpRequest, person_id: int) -> PersonOut:
    actor = _actor(request)
    person = services.person_set_active(actor=actor, person=selectors.person_for(actor, person_id), active=False)
    return _person_out(actor, person)


@router.post("/people/{person_id}/enable", response=PersonOut, summary="启用账户（系统管理员）")
def enable_person(request: HttpRequest, person_id: int) -> PersonOut:
    actor = _actor(request)
    person = services.person_set_active(actor=actor, person=selectors.person_for(actor, person_id), active=True)
    return _person_out(actor, person)


@router.post("/people/{person_id}/unlock", response={204: None}, summary="解除锁定（系统管理员）")
def unlock_person(request: HttpRequest, person_id: int) -> Status:
    actor = _actor(request)
    services.person_unlock(actor=actor, person=selectors.person_for(actor, person_id))
    return Status(204, None)


@router.post("/people/{person_id}/reset-password", response=PasswordResetOut, summary="重置密码（系统管理员）")
def reset_password(request: HttpRequest, person_id: int) -> PasswordResetOut:
    actor = _actor(request)
    temporary = services.person_reset_password(actor=actor, person=selectors.person_for(actor, person_id))
    return PasswordResetOut(temporary_password=temporary)


@router.put("/people/{person_id}/clearance", response=PersonOut, summary="设置涉密类别（安全保密管理员）")
def set_clearance(request: HttpRequest, person_id: int, body: ClearanceIn) -> PersonOut:
    actor = _actor(request)
    person = selectors.person_for(actor, person_id)
    try:
        clearance = Clearance.parse(body.clearance)
    except ValueError:
        raise Invalid("未知的涉密类别") from None
    return _person_out(actor, services.person_set_clearance(actor=actor, person=person, clearance=clearance))


@router.post("/people/{person_id}/roles", response={201: RoleOut}, summary="授予业务角色（安全保密管理员）")
def grant_role(request: HttpRequest, person_id: int, body: RoleIn) -> Status:
    actor = _actor(request)
    person = selectors.person_for(actor, person_id)
    if body.role not in Role.values:
        raise Invalid("未知角色")
    a = services.role_grant(actor=actor, person=person, role=Role(body.role), unit=_unit(actor, body.unit_id))
    return Status(201, RoleOut(id=a.pk, role=a.role, unit_id=a.unit_id))


@router.delete("/people/{person_id}/roles/{assignment_id}", response={204: None}, summary="撤销业务角色")
def revoke_role(request: HttpRequest, person_id: int, assignment_id: int) -> Status:
    actor = _actor(request)
    assignment = selectors.role_assignment_for(actor, assignment_id)
    if assignment.user_id != person_id:
        raise Invalid("角色不属于该人员")
    services.role_revoke(actor=actor, assignment=assignment)
    return Status(204, None)


@router.get("/tokens", response=list[TokenOut], summary="本人的 API 令牌")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(selectors.tokens_of(_actor(request)))


@router.post("/tokens", response={201: CreatedToken}, summary="创建 API 令牌（明文只显示一次）")
def create_token(request: HttpRequest, body: TokenIn) -> Status:
    token, secret = services.token_create(actor=_actor(request), name=body.name, days=body.days)
    return Status(201, CreatedToken(token=TokenOut.from_orm(token), secret=secret))


@router.delete("/tokens/{token_id}", response={204: None}, summary="吊销 API 令牌")
def revoke_token(request: HttpRequest, token_id: int) -> Status:
    actor = _actor(request)
    services.token_revoke(actor=actor, token=selectors.token_for(actor, token_id))
    return Status(204, None)
