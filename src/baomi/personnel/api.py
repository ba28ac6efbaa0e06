"""The personnel register over the API (`/api/v1/personnel/`). Thin handlers: parse, call one
service or selector, serialise. A person the caller may not see answers 404."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from baomi import policy
from baomi.accounts.models import Unit, User
from baomi.errors import NotFound
from baomi.levels import Clearance
from baomi.personnel import commitments, selectors, services
from baomi.personnel.models import Commitment, Departure, SeparationPeriod, Vetting

router = Router(tags=["personnel"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class PostOut(Schema):
    id: int
    name: str
    unit_id: int
    level: int
    category: int
    is_leadership: bool
    is_active: bool

    @staticmethod
    def resolve_category(obj: object) -> int:
        return int(obj.category)  # type: ignore[attr-defined]


class PostIn(Schema):
    name: str
    unit_id: int
    level: int
    duties: str = ""
    is_leadership: bool = False


class AssignIn(Schema):
    person_id: int
    post_id: int
    starts_on: datetime.date | None = None
    note: str = ""


class AssignmentOut(Schema):
    id: int
    person_id: int
    post_id: int
    starts_on: datetime.date
    ends_on: datetime.date | None


class VettingIn(Schema):
    category: int
    result: str
    kind: str = "appointment"
    vetted_on: datetime.date | None = None
    notes: str = ""
    documents: list[str] = []


class VettingOut(Schema):
    id: int
    person_id: int
    kind: str
    category: int
    result: str
    vetted_on: datetime.date
    valid_until: datetime.date
    reviewer_id: int


class CommitmentIn(Schema):
    kind: str


class CommitmentOut(Schema):
    id: int
    person_id: int
    kind: str
    template_version: str
    text: str
    text_sha256: str
    prepared_at: datetime.datetime
    signed_at: datetime.datetime | None
    sign_method: str
    signed_ip: str


class PersonnelSignIn(Schema):
    password: str


class DepartureIn(Schema):
    kind: str
    reason: str


class HandoverIn(Schema):
    to_id: int
    items: str


class SubmitIn(Schema):
    reason: str = ""


class DepartureOut(Schema):
    id: int
    person_id: int
    kind: str
    status: str
    category: int
    handover_to_id: int | None
    handover_at: datetime.datetime | None
    approval_id: int | None
    completed_on: datetime.date | None
    blockers: list[str] = []


class SeparationOut(Schema):
    id: int
    person_id: int
    category: int
    starts_on: datetime.date
    ends_on: datetime.date
    restrictions: list[str]


class EmploymentIn(Schema):
    employer: str
    position: str = ""
    note: str = ""
    reported_on: datetime.date | None = None


class PersonnelReportIn(Schema):
    year: int
    text: str
    duties: list[str] = []
    leader_section: str = ""


class PersonnelReportOut(Schema):
    id: int
    person_id: int
    year: int
    duties: list[str]
    is_leader: bool
    submitted_at: datetime.datetime


class PersonnelPersonOut(Schema):
    id: int
    username: str
    full_name: str
    unit_id: int | None
    clearance: int
    is_active: bool
    post: PostOut | None = None
    vetting: VettingOut | None = None
    hire_commitment_signed: bool = False
    clearance_blocked: str | None = None
    separation: SeparationOut | None = None


class PersonnelOverdueOut(Schema):
    vetting: list[int]
    commitments: list[int]
    report_year: int
    reports_missing: list[int]
    separations_ending: list[int]
    departures_blocked: list[int]


def _person_out(person: User) -> PersonnelPersonOut:
    assignment = selectors.current_assignment(person)
    vetting = selectors.latest_vetting(person)
    period = selectors.separation_period_for(person)
    wanted = Clearance(person.clearance) if person.clearance else Clearance.GENERAL
    return PersonnelPersonOut(
        id=person.pk, username=person.username, full_name=person.full_name, unit_id=person.unit_id,
        clearance=person.clearance, is_active=person.is_active,
        post=PostOut.from_orm(assignment.post) if assignment else None,
        vetting=VettingOut.from_orm(vetting) if vetting else None,
        hire_commitment_signed=selectors.hire_commitment_signed(person),
        clearance_blocked=selectors.reason_clearance_blocked(person, wanted),
        separation=SeparationOut.from_orm(period) if period else None,
    )


def _departure_out(departure: Departure) -> DepartureOut:
    out = DepartureOut.from_orm(departure)
    if departure.status == "open":
        out.blockers = selectors.checklist_for(departure).blockers()
    return out


@router.get("/posts", response=list[PostOut], summary="涉密岗位")
def post_list(request: HttpRequest) -> list[PostOut]:
    return [PostOut.from_orm(p) for p in selectors.posts_visible_to(_actor(request))]


@router.post("/posts", response={201: PostOut}, summary="新建涉密岗位")
def post_create(request: HttpRequest, body: PostIn) -> Status:
    unit = Unit.objects.filter(pk=body.unit_id).first()
    if unit is None:
        raise NotFound("unit")
    post = services.post_create(actor=_actor(request), name=body.name, unit=unit, level=body.level,
                                duties=body.duties, is_leadership=body.is_leadership)
    return Status(201, PostOut.from_orm(post))


@router.post("/assignments", response={201: AssignmentOut}, summary="安排涉密岗位（类别随岗位）")
def assign(request: HttpRequest, body: AssignIn) -> Status:
    actor = _actor(request)
    person = selectors.person_for(actor, body.person_id)
    post = selectors.post_for(actor, body.post_id)
    found = services.post_assign(actor=actor, person=person, post=post, starts_on=body.starts_on, note=body.note)
    return Status(201, AssignmentOut.from_orm(found))


@router.get("/people", response=list[PersonnelPersonOut], summary="涉密人员名册")
def people(request: HttpRequest, q: str = "") -> list[PersonnelPersonOut]:
    return [_person_out(p) for p in selectors.people_visible_to(_actor(request), search=q)[:500]]


@router.get("/people/{person_id}", response=PersonnelPersonOut, summary="涉密人员档案")
def person(request: HttpRequest, person_id: int) -> PersonnelPersonOut:
    return _person_out(selectors.person_for(_actor(request), person_id))


@router.get("/people/{person_id}/vettings", response=list[VettingOut], summary="审查记录")
def vettings(request: HttpRequest, person_id: int) -> list[Vetting]:
    target = selectors.person_for(_actor(request), person_id)
    return list(Vetting.objects.filter(person=target))


@router.post("/people/{person_id}/vettings", response={201: VettingOut}, summary="登记审查结果")
def vetting_create(request: HttpRequest, person_id: int, body: VettingIn) -> Status:
    actor = _actor(request)
    target = selectors.person_for(actor, person_id)
    try:
        category = Clearance(body.category)
    except ValueError:
        category = Clearance.NONE
    vetting = services.vetting_record(actor=actor, person=target, category=category, result=body.result,
                                      kind=body.kind, vetted_on=body.vetted_on, notes=body.notes,
                                      documents=body.documents)
    return Status(201, vetting)


@router.get("/people/{person_id}/commitments", response=list[CommitmentOut], summary="保密承诺书")
def commitment_list(request: HttpRequest, person_id: int) -> list[Commitment]:
    target = selectors.person_for(_actor(request), person_id)
    return list(Commitment.objects.filter(person=target).defer("scan"))


@router.post("/people/{person_id}/commitments", response={201: CommitmentOut}, summary="准备保密承诺书")
def commitment_prepare(request: HttpRequest, person_id: int, body: CommitmentIn) -> Status:
    actor = _actor(request)
    target = selectors.person_for(actor, person_id)
    return Status(201, services.commitment_prepare(actor=actor, person=target, kind=body.kind))


@router.post("/commitments/{commitment_id}/sign", response=CommitmentOut, summary="电子签署（重新输入密码）")
def commitment_sign(request: HttpRequest, commitment_id: int, body: PersonnelSignIn) -> Commitment:
    actor = _actor(request)
    found = selectors.commitment_for(actor, commitment_id)
    return services.commitment_sign(actor=actor, commitment=found, password=body.password)


@router.get("/commitments/{commitment_id}/pdf", summary="承诺书 PDF")
def commitment_pdf(request: HttpRequest, commitment_id: int) -> HttpResponse:
    found = selectors.commitment_for(_actor(request), commitment_id)
    return HttpResponse(commitments.pdf(found), content_type="application/pdf")


@router.post("/people/{person_id}/departures", response={201: DepartureOut}, summary="办理离岗离职")
def departure_open(request: HttpRequest, person_id: int, body: DepartureIn) -> Status:
    actor = _actor(request)
    target = selectors.person_for(actor, person_id)
    found = services.departure_open(actor=actor, person=target, kind=body.kind, reason=body.reason)
    return Status(201, _departure_out(found))


@router.get("/departures/{departure_id}", response=DepartureOut, summary="离岗离职与清单")
def departure(request: HttpRequest, departure_id: int) -> DepartureOut:
    return _departure_out(selectors.departure_for(_actor(request), departure_id))


@router.post("/departures/{departure_id}/handover", response=DepartureOut, summary="登记工作交接")
def departure_handover(request: HttpRequest, departure_id: int, body: HandoverIn) -> DepartureOut:
    actor = _actor(request)
    found = selectors.departure_for(actor, departure_id)
    to = User.objects.filter(pk=body.to_id).first()
    if to is None:
        raise NotFound("user")
    return _departure_out(services.departure_handover(actor=actor, departure=found, to=to, items=body.items))


@router.post("/departures/{departure_id}/submit", response=DepartureOut, summary="提交离岗离职审批")
def departure_submit(request: HttpRequest, departure_id: int, body: SubmitIn) -> DepartureOut:
    actor = _actor(request)
    found = selectors.departure_for(actor, departure_id)
    return _departure_out(services.departure_submit(actor=actor, departure=found, reason=body.reason))


@router.get("/separations", response=list[SeparationOut], summary="脱密期（名册可见范围内）")
def separations(request: HttpRequest, active_on: datetime.date | None = None) -> list[SeparationPeriod]:
    visible = User.objects.filter(policy.personnel_visible_to(_actor(request))).values("pk")
    qs = SeparationPeriod.objects.filter(person_id__in=visible)
    if active_on is not None:
        qs = qs.filter(starts_on__lte=active_on, ends_on__gt=active_on)
    return list(qs)


@router.post("/separations/{period_id}/employment", response={201: dict}, summary="登记去向报告")
def employment_report(request: HttpRequest, period_id: int, body: EmploymentIn) -> Status:
    actor = _actor(request)
    period = selectors.separation_for(actor, period_id)
    report = services.employment_report_record(actor=actor, period=period, employer=body.employer,
                                               position=body.position, note=body.note, reported_on=body.reported_on)
    return Status(201, {"id": report.pk})


@router.post("/reports", response={201: PersonnelReportOut}, summary="提交年度保密自查报告")
def report_submit(request: HttpRequest, body: PersonnelReportIn) -> Status:
    report = services.annual_report_submit(actor=_actor(request), year=body.year, text=body.text,
                                           duties=body.duties, leader_section=body.leader_section)
    return Status(201, report)


@router.get("/overdue", response=PersonnelOverdueOut, summary="保密办：逾期与待办")
def overdue(request: HttpRequest) -> PersonnelOverdueOut:
    actor = _actor(request)
    policy.require(actor, policy.Perm.VIEW_PERSONNEL)
    found = selectors.overdue_for(actor)
    return PersonnelOverdueOut(
        vetting=[p.pk for p, _v in found.vetting], commitments=[c.pk for c in found.commitments],
        report_year=found.report_year, reports_missing=[p.pk for p in found.reports_missing],
        separations_ending=[s.pk for s in found.separations_ending],
        departures_blocked=[d.pk for d, _b in found.departures])
