"""Reads of people and units, filtered by what the reader may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from baomi import policy
from baomi.accounts.models import ApiToken, RoleAssignment, Unit, User
from baomi.errors import NotFound


def units_visible_to(reader: User) -> QuerySet[Unit]:
    # The organisation chart is not secret: every signed-in person sees it.
    return Unit.objects.select_related("parent").order_by("sort_order", "id")


def people_visible_to(reader: User, *, search: str = "", unit_id: int | None = None) -> QuerySet[User]:
    # Without a role that looks people up, a person sees only themself.
    everyone = policy.may(reader, policy.Perm.VIEW_PEOPLE)
    qs = User.objects.all() if everyone else User.objects.filter(pk=reader.pk)
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(username__icontains=search) | Q(staff_no=search))
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.select_related("unit").prefetch_related("role_assignments__unit").order_by("unit__sort_order", "id")


def person_for(reader: User, person_id: int) -> User:
    """One person, or NotFound: the same answer for "absent" and "not yours to see"."""
    person = people_visible_to(reader).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_not_found())
    return person


def unit_for(reader: User, unit_id: int) -> Unit:
    unit = units_visible_to(reader).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_not_found())
    return unit


def role_assignment_for(reader: User, assignment_id: int) -> RoleAssignment:
    if not policy.may(reader, policy.Perm.GRANT_ROLES):
        raise NotFound(_not_found())
    found = RoleAssignment.objects.select_related("user", "unit").filter(pk=assignment_id).first()
    if found is None:
        raise NotFound(_not_found())
    return found


def tokens_of(reader: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=reader)


def token_for(reader: User, token_id: int) -> ApiToken:
    token = tokens_of(reader).filter(pk=token_id).first()
    if token is None:
        raise NotFound(_not_found())
    return token


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("对象不存在")
