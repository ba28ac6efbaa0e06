"""出国境, 出入境证件 and 重大事项报告 over the API. Thin handlers: parse, call one service or
selector, serialise. What the caller may not see answers 404."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from baomi import policy
from baomi.accounts.models import User
from baomi.core.paging import api_window
from baomi.errors import NotFound
from baomi.travel import selectors, services
from baomi.travel.models import DocumentIssue, FollowUp, MajorReport, TravelDocument, Trip

router = Router(tags=["travel"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class TripOut(Schema):
    id: int
    traveller_id: int
    kind: str
    destinations: str
    purpose: str
    depart_on: datetime.date
    return_on: datetime.date
    companions: str
    strict_route: bool
    status: str
    approval_id: int | None
    carriers_planned: bool
    carrier_status: str
    carrier_approval_id: int | None
    bureau_doc_no: str
    briefed_at: datetime.datetime | None
    report_due_on: datetime.date | None
    reported_at: datetime.datetime | None
    report_late: bool


class TripIn(Schema):
    kind: str
    destinations: str
    purpose: str
    depart_on: datetime.date
    return_on: datetime.date
    companions: str = ""
    carriers_planned: bool = False
    carrier_items: str = ""
    bureau_doc_no: str = ""


class PasswordIn(Schema):
    password: str


class TripReportIn(Schema):
    text: str
    returned_on: datetime.date | None = None
    approaches: bool = False
    approach_detail: str = ""
    approach_on: datetime.date | None = None


class DocumentOut(Schema):
    id: int
    holder_id: int
    kind: str
    number: str
    expires_on: datetime.date
    status: str


class DocumentIn(Schema):
    holder_id: int
    kind: str
    number: str
    expires_on: datetime.date
    note: str = ""


class TravelIssueIn(Schema):
    trip_id: int


class IssueOut(Schema):
    id: int
    document_id: int
    trip_id: int
    issued_at: datetime.datetime
    due_back_on: datetime.date
    returned_at: datetime.datetime | None
    returned_late: bool


class TravelReportIn(Schema):
    kind: str
    event_on: datetime.date
    description: str


class FollowUpOut(Schema):
    id: int
    actor_id: int
    at: datetime.datetime
    action: str
    next_due_on: datetime.date | None


class TravelReportOut(Schema):
    id: int
    reporter_id: int
    kind: str
    event_on: datetime.date
    description: str
    trip_id: int | None
    filed_at: datetime.datetime
    due_on: datetime.date
    late: bool
    status: str
    follow_up_due_on: datetime.date | None
    conclusion: str
    follow_ups: list[FollowUpOut] = []

    @staticmethod
    def resolve_follow_ups(obj: MajorReport) -> list[FollowUp]:
        return list(obj.follow_ups.all())


class FollowUpIn(Schema):
    action: str
    next_due_on: datetime.date | None = None


class TravelCloseIn(Schema):
    conclusion: str


def _document(actor: User, document: TravelDocument) -> DocumentOut:
    number = document.number if policy.shows_full_document_number(actor) else document.masked_number
    return DocumentOut(id=document.pk, holder_id=document.holder_id, kind=document.kind, number=number,
                       expires_on=document.expires_on, status=document.status)


@router.get("/trips", response=list[TripOut], summary="出国境申请（本人；保密办可见全部）")
def list_trips(request: HttpRequest, limit: int = 100, offset: int = 0) -> list[Trip]:
    limit, offset = api_window(limit, offset)
    return list(selectors.trips_visible_to(_actor(request))[offset:offset + limit])


@router.post("/trips", response={201: TripOut}, summary="申请出国境（提交审批）")
def apply(request: HttpRequest, body: TripIn) -> Status:
    return Status(201, services.trip_apply(actor=_actor(request), **body.dict()))


@router.get("/trips/{trip_id}", response=TripOut, summary="出国境申请详情")
def get_trip(request: HttpRequest, trip_id: int) -> Trip:
    return selectors.trip_for(_actor(request), trip_id)


@router.post("/trips/{trip_id}/briefing", response=TripOut, summary="确认行前保密教育（出行人，须输入密码）")
def briefing(request: HttpRequest, trip_id: int, body: PasswordIn) -> Trip:
    actor = _actor(request)
    return services.trip_acknowledge_briefing(actor=actor, trip=selectors.trip_for(actor, trip_id),
                                              password=body.password)


@router.post("/trips/{trip_id}/report", response=TripOut, summary="提交回国报告（出行人）")
def trip_report(request: HttpRequest, trip_id: int, body: TripReportIn) -> Trip:
    actor = _actor(request)
    return services.trip_report(actor=actor, trip=selectors.trip_for(actor, trip_id), **body.dict())


@router.get("/documents", response=list[DocumentOut], summary="出入境证件（本人证件号码脱敏；保管人可见全部）")
def list_documents(request: HttpRequest) -> list[DocumentOut]:
    actor = _actor(request)
    return [_document(actor, d) for d in selectors.documents_visible_to(actor)]


@router.post("/documents", response={201: DocumentOut}, summary="登记集中保管的证件（保密办）")
def register_document(request: HttpRequest, body: DocumentIn) -> Status:
    actor = _actor(request)
    policy.require(actor, policy.Perm.KEEP_TRAVEL_DOCUMENTS)
    holder = selectors.people_for_custody(actor).filter(pk=body.holder_id).first()
    if holder is None:
        raise NotFound(_("对象不存在"))
    document = services.document_register(actor=actor, holder=holder, kind=body.kind, number=body.number,
                                          expires_on=body.expires_on, note=body.note)
    return Status(201, _document(actor, document))


@router.get("/documents/overdue", response=list[IssueOut], summary="逾期未交回的证件")
def overdue(request: HttpRequest) -> list[DocumentIssue]:
    return list(selectors.overdue_issues(_actor(request)))


@router.post("/documents/{document_id}/issue", response={201: IssueOut}, summary="领用证件（仅限已批准的出国境）")
def issue(request: HttpRequest, document_id: int, body: TravelIssueIn) -> Status:
    actor = _actor(request)
    document = selectors.document_for(actor, document_id)
    return Status(201, services.document_issue(actor=actor, document=document,
                                               trip=selectors.trip_for(actor, body.trip_id)))


@router.post("/documents/{document_id}/return", response=IssueOut, summary="登记证件交回（保密办）")
def return_document(request: HttpRequest, document_id: int) -> DocumentIssue:
    actor = _actor(request)
    return services.document_return(actor=actor, document=selectors.document_for(actor, document_id))


@router.get("/reports", response=list[TravelReportOut], summary="重大事项报告（本人；保密办可见全部）")
def list_reports(request: HttpRequest) -> list[MajorReport]:
    return list(selectors.reports_visible_to(_actor(request)).prefetch_related("follow_ups")[:500])


@router.post("/reports", response={201: TravelReportOut}, summary="提交重大事项报告")
def file_report(request: HttpRequest, body: TravelReportIn) -> Status:
    return Status(201, services.report_file(actor=_actor(request), **body.dict()))


@router.get("/reports/{report_id}", response=TravelReportOut, summary="重大事项报告详情")
def get_report(request: HttpRequest, report_id: int) -> MajorReport:
    return selectors.report_for(_actor(request), report_id)


@router.post("/reports/{report_id}/follow-ups", response={201: TravelReportOut}, summary="记录跟进措施（保密办）")
def follow_up(request: HttpRequest, report_id: int, body: FollowUpIn) -> Status:
    actor = _actor(request)
    report = selectors.report_for(actor, report_id)
    services.report_follow_up(actor=actor, report=report, action=body.action, next_due_on=body.next_due_on)
    return Status(201, selectors.report_for(actor, report_id))


@router.post("/reports/{report_id}/close", response=TravelReportOut, summary="办结（保密办）")
def close(request: HttpRequest, report_id: int, body: TravelCloseIn) -> MajorReport:
    actor = _actor(request)
    return services.report_close(actor=actor, report=selectors.report_for(actor, report_id),
                                 conclusion=body.conclusion)
