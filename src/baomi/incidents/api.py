"""泄密事件 over the API. Thin handlers: parse, call one service or selector, serialise. What the
caller may not see answers 404; a reporter or a penalised person sees only their part."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from baomi.accounts.models import User
from baomi.core.paging import api_window
from baomi.core.schemas import Id
from baomi.errors import Invalid
from baomi.incidents import selectors, services
from baomi.incidents.models import Commendation, Incident, Penalty

router = Router(tags=["incidents"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class PenaltyOut(Schema):
    id: int
    person_id: int
    kind: str
    referral: str
    basis: str
    decided_on: datetime.date


class IncidentsEntryOut(Schema):
    id: int
    kind: str
    at: datetime.datetime
    text: str
    author_id: int


class IncidentOut(Schema):
    id: int
    number: str
    title: str
    kind: str
    level: int
    status: str
    discovered_at: datetime.datetime
    notify_due_at: datetime.datetime
    notify_overdue: bool
    notified_at: datetime.datetime | None = None
    notify_late: bool = False
    # The case file: the secrecy office only.
    reporter_id: int | None = None
    description: str | None = None
    finding: str | None = None
    severity: str | None = None
    liability: str | None = None
    close_reason: str | None = None
    copy_ids: list[int] = []
    people_ids: list[int] = []
    entries: list[IncidentsEntryOut] = []
    penalties: list[PenaltyOut] = []


def _out(reader: User, incident: Incident) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": incident.pk, "number": incident.number, "title": selectors.title_for(reader, incident),
        "kind": incident.kind, "level": incident.level, "status": incident.status,
        "discovered_at": incident.discovered_at, "notify_due_at": incident.notify_due_at,
        "notify_overdue": selectors.is_overdue(incident),
        "penalties": list(selectors.penalties_for(reader, incident)),
    }
    if incident.reporter_id == reader.pk:
        data["description"] = incident.description
        data["close_reason"] = incident.close_reason
    if selectors.reads_case(reader, incident):
        data.update({
            "reporter_id": incident.reporter_id, "description": incident.description, "finding": incident.finding,
            "severity": incident.severity, "liability": incident.liability, "close_reason": incident.close_reason,
            "notified_at": incident.notified_at, "notify_late": incident.notify_late,
            "copy_ids": list(incident.copies.values_list("copy_id", flat=True)),
            "people_ids": list(incident.involved.values_list("person_id", flat=True)),
            "entries": list(incident.entries.all()),
        })
    return data


def _people(ids: list[int]) -> list[User]:
    found = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    if len(found) != len(set(ids)):
        raise Invalid(_("未找到人员"))
    return [found[i] for i in ids]


class IncidentsReportIn(Schema):
    title: str
    kind: str
    level: Annotated[int, Field(ge=0, le=5)]
    description: str
    discovered_at: datetime.datetime
    occurred_at: datetime.datetime | None = None
    circumstances: str = ""
    people_ids: list[Id] = []
    copy_ids: list[Id] = []


class TextIn(Schema):
    text: str


class MeasureIn(Schema):
    text: str
    at: datetime.datetime | None = None


class NotifyIn(Schema):
    at: datetime.datetime
    to: str
    how: str


class DetermineIn(Schema):
    finding: str
    severity: str
    liability: str = ""
    responsible_ids: list[Id] = []
    leader_ids: list[Id] = []


class PenaltyIn(Schema):
    person_id: Id
    kind: str
    referral: str = ""
    basis: str = ""
    decided_on: datetime.date | None = None


class CloseIn(Schema):
    reason: str


class StatsOut(Schema):
    by_year: list[tuple[int, int]]
    by_kind: list[tuple[str, int]]
    by_level: list[tuple[str, int]]
    penalties: dict[str, int]
    late: int


@router.get("/", response=list[IncidentOut], summary="泄密事件（保密办全部；报告人本人报告；受处分人本人处分）")
def list_incidents(request: HttpRequest, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    actor = _actor(request)
    limit, offset = api_window(limit, offset)
    return [_out(actor, i) for i in selectors.incidents_visible_to(actor)[offset:offset + limit]]


@router.post("/", response={201: IncidentOut}, summary="报告泄密事件或隐患（立即报告）")
def report(request: HttpRequest, body: IncidentsReportIn) -> Status:
    from baomi.carriers.selectors import copies_visible_to

    actor = _actor(request)
    copies = list(copies_visible_to(actor).filter(pk__in=body.copy_ids)) if body.copy_ids else []
    if len(copies) != len(set(body.copy_ids)):
        raise Invalid(_("未找到载体"))
    incident = services.incident_report(
        actor=actor, title=body.title, kind=body.kind, level=body.level, description=body.description,
        discovered_at=body.discovered_at, occurred_at=body.occurred_at, circumstances=body.circumstances,
        people=_people(body.people_ids), carrier_copies=copies)
    return Status(201, _out(actor, incident))


@router.get("/statistics", response=StatsOut, summary="泄密事件统计（按年度、类型、密级；保密办）")
def statistics(request: HttpRequest) -> dict[str, Any]:
    return selectors.statistics(_actor(request))


class CommendationOut(Schema):
    id: int
    person_id: int | None
    unit_id: int | None
    reason: str
    status: str
    proposed_at: datetime.datetime
    approval_id: int | None
    decided_at: datetime.datetime | None


class CommendationIn(Schema):
    reason: str
    person_id: int | None = None
    unit_id: int | None = None


@router.get("/commendations", response=list[CommendationOut], summary="表扬奖励登记（保密办；本人可见本人的表扬）")
def list_commendations(request: HttpRequest) -> list[Commendation]:
    return list(selectors.commendations_visible_to(_actor(request))[:500])


@router.post("/commendations", response={201: CommendationOut}, summary="建议表扬（保密办，报领导审批）")
def commend(request: HttpRequest, body: CommendationIn) -> Status:
    from baomi.accounts.models import Unit

    unit = None
    if body.unit_id is not None:
        unit = Unit.objects.filter(pk=body.unit_id).first()
        if unit is None:
            raise Invalid(_("未找到科室"))
    person = _people([body.person_id])[0] if body.person_id is not None else None
    return Status(201, services.commendation_propose(actor=_actor(request), reason=body.reason, person=person,
                                                     unit=unit))


@router.get("/{incident_id}", response=IncidentOut, summary="泄密事件详情")
def get_incident(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    actor = _actor(request)
    return _out(actor, selectors.incident_for(actor, incident_id))


@router.post("/{incident_id}/confirm", response=IncidentOut, summary="确认立案（保密办）")
def confirm(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    actor = _actor(request)
    return _out(actor, services.incident_confirm(actor=actor, incident=selectors.incident_for(actor, incident_id)))


@router.post("/{incident_id}/measures", response={201: IncidentsEntryOut}, summary="记录补救措施（保密办）")
def measure(request: HttpRequest, incident_id: int, body: MeasureIn) -> Status:
    actor = _actor(request)
    return Status(201, services.measure_add(actor=actor, incident=selectors.incident_for(actor, incident_id),
                                            text=body.text, at=body.at))


@router.post("/{incident_id}/investigation", response={201: IncidentsEntryOut}, summary="记录调查情况（保密办）")
def investigation(request: HttpRequest, incident_id: int, body: TextIn) -> Status:
    actor = _actor(request)
    return Status(201, services.investigation_add(actor=actor, incident=selectors.incident_for(actor, incident_id),
                                                  text=body.text))


@router.post("/{incident_id}/notes", response={201: IncidentsEntryOut}, summary="添加备注（保密办，结案后亦可）")
def note(request: HttpRequest, incident_id: int, body: TextIn) -> Status:
    actor = _actor(request)
    return Status(201, services.note_add(actor=actor, incident=selectors.incident_for(actor, incident_id),
                                         text=body.text))


@router.post("/{incident_id}/notify", response=IncidentOut, summary="记录向上级保密工作部门报告（保密办）")
def notify(request: HttpRequest, incident_id: int, body: NotifyIn) -> dict[str, Any]:
    actor = _actor(request)
    incident = services.incident_notify(actor=actor, incident=selectors.incident_for(actor, incident_id),
                                        at=body.at, to=body.to, how=body.how)
    return _out(actor, incident)


@router.post("/{incident_id}/responsibility", response=IncidentOut, summary="责任认定（保密办）")
def determine(request: HttpRequest, incident_id: int, body: DetermineIn) -> dict[str, Any]:
    actor = _actor(request)
    incident = services.responsibility_determine(
        actor=actor, incident=selectors.incident_for(actor, incident_id), finding=body.finding,
        severity=body.severity, liability=body.liability, responsible=_people(body.responsible_ids),
        leaders=_people(body.leader_ids))
    return _out(actor, incident)


@router.post("/{incident_id}/penalties", response={201: PenaltyOut}, summary="处分决定（保密办）")
def penalty(request: HttpRequest, incident_id: int, body: PenaltyIn) -> Status:
    actor = _actor(request)
    result: Penalty = services.penalty_decide(
        actor=actor, incident=selectors.incident_for(actor, incident_id), person=_people([body.person_id])[0],
        kind=body.kind, referral=body.referral, basis=body.basis, decided_on=body.decided_on)
    return Status(201, result)


@router.post("/{incident_id}/close", response=IncidentOut, summary="结案或不予立案，须说明理由（保密办）")
def close(request: HttpRequest, incident_id: int, body: CloseIn) -> dict[str, Any]:
    actor = _actor(request)
    return _out(actor, services.incident_close(actor=actor, incident=selectors.incident_for(actor, incident_id),
                                               reason=body.reason))

