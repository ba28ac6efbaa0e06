"""保密检查 over the API: inspections, rectifications (report, verify), key sites' entry log,
risks. Thin handlers; what the caller may not see answers 404."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from baomi import policy
from baomi.accounts.models import User
from baomi.errors import NotFound, Refused
from baomi.inspections import selectors, services
from baomi.inspections.models import Inspection, Rectification, Risk

router = Router(tags=["inspections"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not policy.uses_inspections(user):
        raise Refused("您无权查看保密检查", details={"perm": str(policy.Perm.MANAGE_INSPECTIONS)})
    return user


class InspectionOut(Schema):
    id: int
    kind: str
    year: int
    title: str
    planned_on: datetime.date
    holiday_on: datetime.date | None
    status: str
    inspector_id: int | None


class RectOut(Schema):
    id: int
    title: str
    unit_id: int
    owner_id: int
    due_on: datetime.date
    source: str
    source_ref: str
    status: str
    verifier_id: int | None


class InspectionsNoteIn(Schema):
    note: str = ""


class VerifyIn(Schema):
    accepted: bool
    note: str = ""


class InspectionsEntryIn(Schema):
    person_id: int
    purpose: str


class RiskOut(Schema):
    id: int
    title: str
    likelihood: int
    impact: int
    owner_id: int
    measures: str
    due_on: datetime.date | None


@router.get("/", response=list[InspectionOut])
def inspection_list(request: HttpRequest) -> list[Inspection]:
    return list(selectors.inspections_visible_to(_user(request))[:200])


@router.get("/rectifications", response=list[RectOut])
def rect_list(request: HttpRequest) -> list[Rectification]:
    return list(selectors.rectifications_visible_to(_user(request))[:500])


def _rect(user: User, rect_id: int) -> Rectification:
    found = selectors.rectifications_visible_to(user).filter(pk=rect_id).first()
    if found is None:
        raise NotFound("对象不存在")
    return found


@router.post("/rectifications/{rect_id}/report", response=RectOut)
def rect_report(request: HttpRequest, rect_id: int, body: InspectionsNoteIn) -> Rectification:
    user = _user(request)
    return services.rectification_report(actor=user, rect=_rect(user, rect_id), note=body.note)


@router.post("/rectifications/{rect_id}/verify", response=RectOut)
def rect_verify(request: HttpRequest, rect_id: int, body: VerifyIn) -> Rectification:
    user = _user(request)
    return services.rectification_verify(actor=user, rect=_rect(user, rect_id), accepted=body.accepted,
                                         note=body.note)


@router.post("/sites/{site_id}/entries")
def site_entry(request: HttpRequest, site_id: int, body: InspectionsEntryIn) -> dict[str, int]:
    user = _user(request)
    site = selectors.sites_visible_to(user).filter(pk=site_id).first()
    person = User.objects.filter(pk=body.person_id, is_active=True).first()
    if site is None or person is None:
        raise NotFound("对象不存在")
    log = services.entry_log(actor=user, site=site, person=person, purpose=body.purpose)
    return {"id": log.pk}


@router.get("/risks", response=list[RiskOut])
def risk_list(request: HttpRequest) -> list[Risk]:
    return list(selectors.risks_visible_to(_user(request))[:500])
