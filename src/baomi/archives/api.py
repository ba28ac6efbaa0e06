"""The archive over the API (`/api/v1/archives/`). Thin handlers: parse, call one service or
selector, serialise. An entry, request or loan the caller may not see answers 404."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from baomi.accounts import selectors as people
from baomi.accounts.models import User
from baomi.archives import selectors, services
from baomi.archives.models import AccessRequest, Entry, Excerpt, Loan, Session
from baomi.carriers import selectors as carrier_selectors

router = Router(tags=["archives"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class PartOut(Schema):
    id: int
    seq: int
    title: str
    pages: str


class EntryOut(Schema):
    id: int
    file_no: str
    carrier_id: int
    register_no: str
    category: str
    level: int
    keeper_id: int

    @staticmethod
    def resolve_register_no(obj: Entry | dict[str, Any]) -> str:
        # An Entry when listed; the detail below is built as a dict that already holds it.
        return obj["register_no"] if isinstance(obj, dict) else obj.carrier.register_no


class EntryDetail(EntryOut):
    title: str
    parts: list[PartOut]


class EntryIn(Schema):
    carrier_id: int
    category: str = "document"
    parts: list[tuple[str, str]]  # (题名, 页码)


class ItemOut(Schema):
    part_id: int
    entry_id: int
    seq: int
    approved: bool

    @staticmethod
    def resolve_entry_id(obj: object) -> int:
        return obj.part.entry_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_seq(obj: object) -> int:
        return obj.part.seq  # type: ignore[attr-defined]


class SessionOut(Schema):
    id: int
    room: str
    opened_by_id: int
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None


class ArchivesRequestOut(Schema):
    id: int
    number: str
    requester_id: int
    outside: bool
    visitor_name: str
    visitor_unit: str
    letter_no: str
    purpose: str
    minutes: bool
    level: int
    status: str
    approval_id: int | None


class RequestDetail(ArchivesRequestOut):
    items: list[ItemOut]
    readers: list[int]
    session: SessionOut | None = None


class RequestIn(Schema):
    part_ids: list[int]
    purpose: str
    minutes: bool = False
    outside: bool = False
    visitor_name: str = ""
    visitor_unit: str = ""
    letter_no: str = ""
    visitor_clearance: int | None = None


class SessionIn(Schema):
    room: str
    note: str = ""


class NoteIn(Schema):
    note: str = ""


class ExcerptIn(Schema):
    part_id: int
    description: str
    pages: str = ""


class ReviewIn(Schema):
    approve: bool
    note: str = ""


class ExcerptOut(Schema):
    id: int
    item_id: int
    description: str
    pages: str
    status: str
    stamp_no: str | None
    reviewed_by_id: int | None


class WidenIn(Schema):
    people: list[int] = []
    part_ids: list[int] = []
    reason: str


class LoanIn(Schema):
    copy_id: int
    due_on: datetime.date
    reason: str


class LoanOut(Schema):
    id: int
    copy_id: int
    borrower_id: int
    due_on: datetime.date
    status: str
    approval_id: int | None
    lent_at: datetime.datetime | None
    returned_at: datetime.datetime | None


class ApprovalRef(Schema):
    approval_id: int


def _entry_detail(entry: Entry) -> dict[str, Any]:
    return {**EntryOut.from_orm(entry).model_dump(), "title": entry.carrier.title,
            "parts": [PartOut.from_orm(part).model_dump() for part in selectors.parts_of(entry)]}


def _request_detail(actor: User, access: AccessRequest) -> RequestDetail:
    access = selectors.request_for(actor, access.pk)
    session = selectors.session_of(access)
    return RequestDetail(**ArchivesRequestOut.from_orm(access).model_dump(),
                         items=list(selectors.items_of(access)),  # type: ignore[arg-type]
                         readers=sorted(access.readers.values_list("pk", flat=True)),
                         session=SessionOut.from_orm(session) if session else None)


def _session(actor: User, request_id: int) -> Session:
    session = selectors.session_of(selectors.request_for(actor, request_id))
    if session is None:
        from baomi.errors import NotFound

        raise NotFound("")
    return session


@router.get("/entries", response=list[EntryOut], summary="档案目录（仅本人可见的案卷）")
def list_entries(request: HttpRequest, q: str = "") -> list[Entry]:
    return list(selectors.entries_visible_to(_actor(request), search=q.strip())[:500])


@router.post("/entries", response={201: EntryDetail}, summary="著录已归档的载体（机要员、保密员；人事档案由专人）")
def create_entry(request: HttpRequest, body: EntryIn) -> Status:
    actor = _actor(request)
    entry = services.entry_create(actor=actor, carrier=carrier_selectors.carrier_for(actor, body.carrier_id),
                                  category=body.category, parts=body.parts)
    return Status(201, _entry_detail(selectors.entry_for(actor, entry.pk)))


@router.get("/entries/{entry_id}", response=EntryDetail, summary="案卷详情")
def get_entry(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    return _entry_detail(selectors.entry_for(_actor(request), entry_id))


@router.get("/requests", response=list[ArchivesRequestOut], summary="查档申请")
def list_requests(request: HttpRequest) -> list[AccessRequest]:
    return list(selectors.requests_visible_to(_actor(request))[:500])


@router.post("/requests", response={201: RequestDetail}, summary="提交查档申请（ARCH-02，外单位须登记介绍信）")
def submit_request(request: HttpRequest, body: RequestIn) -> Status:
    actor = _actor(request)
    access = services.access_request_submit(
        actor=actor, parts=[selectors.part_for(actor, pk) for pk in body.part_ids], purpose=body.purpose,
        minutes=body.minutes, outside=body.outside, visitor_name=body.visitor_name, visitor_unit=body.visitor_unit,
        letter_no=body.letter_no, visitor_clearance=body.visitor_clearance)
    return Status(201, _request_detail(actor, access))


@router.get("/requests/{request_id}", response=RequestDetail, summary="查档申请详情")
def get_request(request: HttpRequest, request_id: int) -> RequestDetail:
    actor = _actor(request)
    return _request_detail(actor, selectors.request_for(actor, request_id))


@router.post("/requests/{request_id}/session", response=RequestDetail, summary="在档案室开启查阅（保管人员）")
def open_session(request: HttpRequest, request_id: int, body: SessionIn) -> RequestDetail:
    actor = _actor(request)
    access = selectors.request_for(actor, request_id)
    services.session_open(actor=actor, access=access, room=body.room, note=body.note)
    return _request_detail(actor, access)


@router.post("/requests/{request_id}/session/close", response=RequestDetail, summary="查阅结束，收回案卷")
def close_session(request: HttpRequest, request_id: int, body: NoteIn) -> RequestDetail:
    actor = _actor(request)
    services.session_close(actor=actor, session=_session(actor, request_id), note=body.note)
    return _request_detail(actor, selectors.request_for(actor, request_id))


@router.post("/requests/{request_id}/parts/{part_id}/view", response=ItemOut,
             summary="查阅经批准的卷内文件（ARCH-03）")
def view_part(request: HttpRequest, request_id: int, part_id: int) -> object:
    from baomi.archives.models import Part

    actor = _actor(request)
    session = _session(actor, request_id)
    part = Part.objects.filter(pk=part_id).first() or Part(pk=part_id)
    return services.session_view_part(actor=actor, session=session, part=part)


@router.post("/requests/{request_id}/excerpts", response={201: ExcerptOut}, summary="登记摘抄（待审核盖章）")
def record_excerpt(request: HttpRequest, request_id: int, body: ExcerptIn) -> Status:
    from baomi.archives.models import Part

    actor = _actor(request)
    session = _session(actor, request_id)
    part = Part.objects.filter(pk=body.part_id).first() or Part(pk=body.part_id)
    return Status(201, services.excerpt_record(actor=actor, session=session, part=part,
                                               description=body.description, pages=body.pages))


@router.post("/excerpts/{excerpt_id}/review", response=ExcerptOut, summary="审核摘抄并盖章（保管人员）")
def review_excerpt(request: HttpRequest, excerpt_id: int, body: ReviewIn) -> Excerpt:
    actor = _actor(request)
    return services.excerpt_review(actor=actor, excerpt=selectors.excerpt_for(actor, excerpt_id),
                                   approve=body.approve, note=body.note)


@router.post("/requests/{request_id}/widen", response={201: ApprovalRef}, summary="申请扩大利用范围（ARCH-10）")
def widen(request: HttpRequest, request_id: int, body: WidenIn) -> Status:
    actor = _actor(request)
    approval = services.access_widen_request(
        actor=actor, access=selectors.request_for(actor, request_id),
        people=[people.person_for(actor, pk) for pk in body.people],
        parts=[selectors.part_for(actor, pk) for pk in body.part_ids], reason=body.reason)
    return Status(201, ApprovalRef(approval_id=approval.pk))


@router.get("/loans", response=list[LoanOut], summary="案卷外借")
def list_loans(request: HttpRequest) -> list[Loan]:
    return list(selectors.loans_visible_to(_actor(request))[:500])


@router.post("/loans", response={201: ApprovalRef}, summary="申请案卷外借（特殊情况，领导批准，ARCH-07/09）")
def request_loan(request: HttpRequest, body: LoanIn) -> Status:
    actor = _actor(request)
    approval = services.loan_request(actor=actor, copy=carrier_selectors.copy_for(actor, body.copy_id),
                                     due_on=body.due_on, reason=body.reason)
    return Status(201, ApprovalRef(approval_id=approval.pk))


@router.post("/loans/{loan_id}/return", response=LoanOut, summary="外借案卷归还档案室")
def return_loan(request: HttpRequest, loan_id: int, body: NoteIn) -> Loan:
    actor = _actor(request)
    return services.loan_return(actor=actor, loan=selectors.loan_for(actor, loan_id), note=body.note)


class CustodianIn(Schema):
    person_id: int
    basis: str


class CustodianOut(Schema):
    id: int
    person_id: int
    basis: str
    designated_at: datetime.datetime
    revoked_at: datetime.datetime | None


@router.post("/custodians", response={201: CustodianOut}, summary="指定人事档案专人（保密办，ARCH-08）")
def designate_custodian(request: HttpRequest, body: CustodianIn) -> Status:
    actor = _actor(request)
    custodian = services.custodian_designate(actor=actor, person=people.person_for(actor, body.person_id),
                                             basis=body.basis)
    return Status(201, custodian)
