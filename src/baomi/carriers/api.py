"""Carriers, copies, their ledgers and destruction lists over the API. Thin handlers: parse,
call one service or selector, serialise. A carrier the caller may not see answers 404."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from baomi.accounts import selectors as people
from baomi.accounts.models import User
from baomi.carriers import selectors, services
from baomi.carriers.models import Carrier, Copy, DestructionList, Notice, PrintJob, WasteBatch
from baomi.classification import selectors as classification_selectors
from baomi.core.paging import api_window
from baomi.core.schemas import PDF, XLSX, file_response

router = Router(tags=["carriers"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class CarrierOut(Schema):
    id: int
    register_no: str
    direction: str
    kind: str
    title: str
    doc_number: str
    source_unit: str
    destination_unit: str
    level: int
    marking: str
    period_stated: bool
    secret_type: str
    unit_id: int
    registered_on: datetime.date
    dated_on: datetime.date | None
    return_by: datetime.date | None
    copy_count: int = 0


class CarrierPage(Schema):
    count: int
    items: list[CarrierOut]


class CopyOut(Schema):
    id: int
    carrier_id: int
    register_no: str
    number: str
    level: int
    status: str
    custodian_id: int
    location: str
    storage: str
    due_at: datetime.datetime | None
    origin_id: int | None


class MovementOut(Schema):
    id: int
    kind: str
    actor_id: int
    from_person_id: int | None
    to_person_id: int | None
    to_unit: str
    channel: str
    courier: str
    status_before: str
    status_after: str
    at: datetime.datetime
    due_at: datetime.datetime | None
    approval_id: int | None
    note: str


class CarrierDetail(CarrierOut):
    need_to_know_people: list[int]
    need_to_know_units: list[int]
    copies: list[CopyOut]
    decision_id: int | None = None  # the linked 定密 decision, if the reader may see it
    source_ids: list[int] = []  # only the sources the reader may see
    derived_ids: list[int] = []
    excerpt_of_id: int | None = None
    meeting_name: str = ""
    brought_by_id: int | None = None


class CopyDetail(CopyOut):
    movements: list[MovementOut]  # the latest MOVEMENTS_SHOWN, oldest first
    movements_total: int


# A much-handled copy gathers thousands of movements: every answer about it carries the latest
# ones, the whole chain is on the copy's page and in the registers.
MOVEMENTS_SHOWN = 100


class RegisterIn(Schema):
    direction: str  # incoming / outgoing / made
    title: str
    mark: str  # e.g. 机密★5年, parsed with baomi.marking
    copies: int = 1
    storage: str = "safe"
    location: str = ""
    kind: str = "paper"
    doc_number: str = ""
    source_unit: str = ""
    destination_unit: str = ""
    need_to_know_people: list[int] = []
    need_to_know_units: list[int] = []
    unit_id: int | None = None
    dated_on: datetime.date | None = None
    return_by: datetime.date | None = None
    note: str = ""
    decision_id: int | None = None  # a 定密 decision the registering person may see (CLASS-02)
    source_ids: list[int] = []  # carriers this one is derived from (no write-down below their level)
    meeting_name: str = ""  # direction "meeting" (会议带回, CARRIER-09)
    brought_by_id: int | None = None


class CirculateIn(Schema):
    reader_id: int
    due_at: datetime.datetime | None = None
    note: str = ""


class CarriersNoteIn(Schema):
    note: str = ""


class LendIn(Schema):
    due_on: datetime.date
    reason: str


class TakeOutIn(Schema):
    reason: str  # a work reason (meetings and the like); home, leisure and foreign affairs are refused
    destination: str
    due_at: datetime.datetime


class NeedToKnowIn(Schema):
    people: list[int] = []
    units: list[int] = []
    reason: str = ""


class ReproduceIn(Schema):
    count: int
    reason: str


class DispatchIn(Schema):
    recipient_unit: str
    channel: str  # confidential / courier / post / email / fax
    courier: str = ""
    note: str = ""


class ArchiveIn(Schema):
    location: str
    storage: str


class HandBackIn(Schema):
    copy_ids: list[int]
    note: str = ""


class CarriersApprovalRef(Schema):
    approval_id: int


class DestructionIn(Schema):
    copy_ids: list[int]
    method: str
    site: str
    witness_ids: list[int]
    reason: str


class DestructionOut(Schema):
    id: int
    number: str
    level: int
    status: str
    method: str
    site: str
    reason: str
    witness_1_id: int
    witness_2_id: int
    witness_1_signed_at: datetime.datetime | None
    witness_2_signed_at: datetime.datetime | None
    approval_id: int | None
    created_by_id: int
    destroyed_at: datetime.datetime | None
    certificate_no: str | None
    copy_ids: list[int]

    @staticmethod
    def resolve_copy_ids(obj: DestructionList) -> list[int]:
        return sorted(c.pk for c in obj.copies.all())


class SignIn(Schema):
    password: str


class NoticeOut(Schema):
    id: int
    kind: str
    copy_id: int
    person_id: int
    due_at: datetime.datetime | None
    created_at: datetime.datetime


def _carrier_detail(actor: User, carrier: Carrier) -> CarrierDetail:
    base = CarrierOut.from_orm(carrier).model_dump()
    base["copy_count"] = carrier.copies.count()
    return CarrierDetail(
        **base,
        need_to_know_people=sorted(p.pk for p in carrier.need_to_know_people.all()),
        need_to_know_units=sorted(u.pk for u in carrier.need_to_know_units.all()),
        copies=list(selectors.copies_of(actor, carrier)),  # type: ignore[arg-type]  # validated from the ORM
        decision_id=getattr(selectors.decision_of(actor, carrier), "pk", None),
        source_ids=list(selectors.sources_of(actor, carrier).values_list("pk", flat=True)),
        derived_ids=list(selectors.derived_from(actor, carrier).values_list("pk", flat=True)),
        excerpt_of_id=carrier.excerpt_of_id if carrier.excerpt_of_id and selectors.copies_visible_to(actor).filter(
            pk=carrier.excerpt_of_id).exists() else None,
        meeting_name=carrier.meeting_name, brought_by_id=carrier.brought_by_id,
    )


def _copy_detail(actor: User, copy: Copy) -> CopyDetail:
    copy = selectors.copy_for(actor, copy.pk)
    ledger = selectors.ledger_of(actor, copy)
    latest = list(ledger.reverse()[:MOVEMENTS_SHOWN])[::-1]
    return CopyDetail(**CopyOut.from_orm(copy).model_dump(), movements=latest,  # type: ignore[arg-type]
                      movements_total=ledger.count())


# ---------------------------------------------------------------- carriers


@router.get("", response=CarrierPage, summary="涉密载体登记簿（仅本人可见的载体）")
def list_carriers(request: HttpRequest, q: str = "", level: int | None = None, direction: str = "",
                  limit: int = 50, offset: int = 0) -> CarrierPage:
    qs = selectors.carriers_visible_to(_actor(request), search=q.strip(), level=level, direction=direction)
    limit, offset = api_window(limit, offset)
    return CarrierPage(count=qs.count(), items=[CarrierOut.from_orm(c) for c in selectors.carrier_rows(
        qs.values_list("pk", flat=True)[offset: offset + limit])])


@router.post("", response={201: CarrierDetail}, summary="收文/发文/自制登记（机要员、保密员）")
def register_carrier(request: HttpRequest, body: RegisterIn) -> Status:
    actor = _actor(request)
    carrier = services.carrier_register(
        actor=actor, direction=body.direction, title=body.title, mark=body.mark, copies=body.copies,
        storage=body.storage, location=body.location, kind=body.kind, doc_number=body.doc_number,
        source_unit=body.source_unit, destination_unit=body.destination_unit,
        need_to_know_people=[people.person_for(actor, pk) for pk in body.need_to_know_people],
        need_to_know_units=[people.unit_for(actor, pk) for pk in body.need_to_know_units],
        unit=people.unit_for(actor, body.unit_id) if body.unit_id else None,
        dated_on=body.dated_on, return_by=body.return_by, note=body.note,
        decision=classification_selectors.decision_for(actor, body.decision_id) if body.decision_id else None,
        sources=[selectors.carrier_for(actor, pk) for pk in body.source_ids], meeting_name=body.meeting_name,
        brought_by=people.person_for(actor, body.brought_by_id) if body.brought_by_id else None,
    )
    return Status(201, _carrier_detail(actor, selectors.carrier_for(actor, carrier.pk)))


# Literal paths before "/{carrier_id}".


@router.get("/copies/overdue", response=list[CopyOut], summary="逾期未还的载体")
def overdue(request: HttpRequest) -> list[Copy]:
    return list(selectors.overdue_copies(_actor(request))[:500])


@router.get("/copies/mine", response=list[CopyOut], summary="本人持有或应还的载体")
def mine(request: HttpRequest) -> list[Copy]:
    return list(selectors.outstanding_for(_actor(request)))


@router.get("/copies/{copy_id}", response=CopyDetail, summary="载体份详情及流转记录")
def get_copy(request: HttpRequest, copy_id: int) -> CopyDetail:
    actor = _actor(request)
    return _copy_detail(actor, selectors.copy_for(actor, copy_id))


@router.post("/copies/{copy_id}/circulate", response=CopyDetail, summary="传阅（机要员）")
def circulate(request: HttpRequest, copy_id: int, body: CirculateIn) -> CopyDetail:
    actor = _actor(request)
    copy = services.copy_circulate(actor=actor, copy=selectors.copy_for(actor, copy_id),
                                   reader=people.person_for(actor, body.reader_id), due_at=body.due_at,
                                   note=body.note)
    return _copy_detail(actor, copy)


@router.post("/copies/{copy_id}/acknowledge", response=CopyDetail, summary="签收（持有人）")
def acknowledge(request: HttpRequest, copy_id: int) -> CopyDetail:
    actor = _actor(request)
    return _copy_detail(actor, services.copy_acknowledge(actor=actor, copy=selectors.copy_for(actor, copy_id)))


@router.post("/copies/{copy_id}/return", response=CopyDetail, summary="退回机要员（持有人或机要员）")
def return_copy(request: HttpRequest, copy_id: int, body: CarriersNoteIn) -> CopyDetail:
    actor = _actor(request)
    copy = services.copy_return(actor=actor, copy=selectors.copy_for(actor, copy_id), note=body.note)
    return _copy_detail(actor, copy)


@router.post("/copies/{copy_id}/lend-requests", response={201: CarriersApprovalRef}, summary="申请借阅（提交审批）")
def lend_request(request: HttpRequest, copy_id: int, body: LendIn) -> Status:
    actor = _actor(request)
    approval = services.copy_lend_request(actor=actor, copy=selectors.copy_for(actor, copy_id),
                                          due_on=body.due_on, reason=body.reason)
    return Status(201, CarriersApprovalRef(approval_id=approval.pk))


@router.post("/copies/{copy_id}/take-out-requests", response={201: CarriersApprovalRef},
             summary="申请携带外出（提交审批，CARRIER-30）")
def take_out_request(request: HttpRequest, copy_id: int, body: TakeOutIn) -> Status:
    actor = _actor(request)
    approval = services.copy_take_out_request(actor=actor, copy=selectors.copy_for(actor, copy_id),
                                              reason=body.reason, destination=body.destination, due_at=body.due_at)
    return Status(201, CarriersApprovalRef(approval_id=approval.pk))


@router.post("/copies/{copy_id}/bring-back", response=CopyDetail, summary="携带外出带回（携带人或机要员）")
def bring_back(request: HttpRequest, copy_id: int, body: CarriersNoteIn) -> CopyDetail:
    actor = _actor(request)
    copy = services.copy_bring_back(actor=actor, copy=selectors.copy_for(actor, copy_id), note=body.note)
    return _copy_detail(actor, copy)


@router.post("/{carrier_id}/need-to-know-requests", response={201: CarriersApprovalRef},
             summary="申请扩大知悉范围（机要员，提交审批，CARRIER-04）")
def need_to_know_request(request: HttpRequest, carrier_id: int, body: NeedToKnowIn) -> Status:
    actor = _actor(request)
    approval = services.carrier_need_to_know_add_request(
        actor=actor, carrier=selectors.carrier_for(actor, carrier_id),
        people=[people.person_for(actor, pk) for pk in body.people],
        units=[people.unit_for(actor, pk) for pk in body.units], reason=body.reason)
    return Status(201, CarriersApprovalRef(approval_id=approval.pk))


@router.post("/{carrier_id}/need-to-know/remove", response=CarrierDetail, summary="缩小知悉范围（机要员，记入审计）")
def need_to_know_remove(request: HttpRequest, carrier_id: int, body: NeedToKnowIn) -> CarrierDetail:
    actor = _actor(request)
    carrier = services.carrier_need_to_know_remove(
        actor=actor, carrier=selectors.carrier_for(actor, carrier_id),
        people=[people.person_for(actor, pk) for pk in body.people],
        units=[people.unit_for(actor, pk) for pk in body.units], reason=body.reason)
    return _carrier_detail(actor, selectors.carrier_for(actor, carrier.pk))


@router.post("/copies/{copy_id}/reproduce-requests", response={201: CarriersApprovalRef},
             summary="申请复制（机要员，提交审批）")
def reproduce_request(request: HttpRequest, copy_id: int, body: ReproduceIn) -> Status:
    actor = _actor(request)
    approval = services.copy_reproduce_request(actor=actor, copy=selectors.copy_for(actor, copy_id),
                                               count=body.count, reason=body.reason)
    return Status(201, CarriersApprovalRef(approval_id=approval.pk))


@router.post("/copies/{copy_id}/dispatch", response=CopyDetail, summary="发出（机要渠道或指定专人）")
def dispatch(request: HttpRequest, copy_id: int, body: DispatchIn) -> CopyDetail:
    actor = _actor(request)
    copy = services.copy_dispatch(actor=actor, copy=selectors.copy_for(actor, copy_id),
                                  recipient_unit=body.recipient_unit, channel=body.channel, courier=body.courier,
                                  note=body.note)
    return _copy_detail(actor, copy)


@router.post("/copies/{copy_id}/archive", response=CopyDetail, summary="归档（机要员）")
def archive(request: HttpRequest, copy_id: int, body: ArchiveIn) -> CopyDetail:
    actor = _actor(request)
    copy = services.copy_archive(actor=actor, copy=selectors.copy_for(actor, copy_id), location=body.location,
                                 storage=body.storage)
    return _copy_detail(actor, copy)


@router.post("/copies/{copy_id}/lost", response=CopyDetail, summary="报告丢失")
def lost(request: HttpRequest, copy_id: int, body: CarriersNoteIn) -> CopyDetail:
    actor = _actor(request)
    copy = services.copy_report_lost(actor=actor, copy=selectors.copy_for(actor, copy_id), note=body.note)
    return _copy_detail(actor, copy)


@router.post("/hand-backs", response=list[CopyOut], summary="清退至来文单位（机要员）")
def hand_back(request: HttpRequest, body: HandBackIn) -> list[Copy]:
    actor = _actor(request)
    copies = [selectors.copy_for(actor, pk) for pk in body.copy_ids]
    return services.copies_hand_back(actor=actor, copies=copies, note=body.note)


@router.get("/notices", response=list[NoticeOut], summary="载体提醒（逾期、清退、丢失）")
def notices(request: HttpRequest) -> list[Notice]:
    return list(selectors.notices_for(_actor(request))[:200])


# ---------------------------------------------------------------- destruction


@router.get("/destructions", response=list[DestructionOut], summary="销毁清单")
def list_destructions(request: HttpRequest) -> list[DestructionList]:
    return list(selectors.destructions_visible_to(_actor(request)).prefetch_related("copies")[:200])


@router.post("/destructions", response={201: DestructionOut}, summary="提交销毁清单（机要员，提交审批）")
def create_destruction(request: HttpRequest, body: DestructionIn) -> Status:
    actor = _actor(request)
    dlist = services.destruction_create(
        actor=actor, copies=[selectors.copy_for(actor, pk) for pk in body.copy_ids], method=body.method,
        site=body.site, witnesses=[people.person_for(actor, pk) for pk in body.witness_ids], reason=body.reason)
    return Status(201, dlist)


@router.get("/destructions/{list_id}", response=DestructionOut, summary="销毁清单详情")
def get_destruction(request: HttpRequest, list_id: int) -> DestructionList:
    return selectors.destruction_for(_actor(request), list_id)


@router.post("/destructions/{list_id}/sign", response=DestructionOut, summary="监销人签字（需输入密码）")
def sign_destruction(request: HttpRequest, list_id: int, body: SignIn) -> DestructionList:
    actor = _actor(request)
    return services.destruction_sign(actor=actor, destruction=selectors.destruction_for(actor, list_id),
                                     password=body.password)


@router.post("/destructions/{list_id}/execute", response=DestructionOut, summary="执行销毁（机要员）")
def execute_destruction(request: HttpRequest, list_id: int) -> DestructionList:
    actor = _actor(request)
    return services.destruction_execute(actor=actor, destruction=selectors.destruction_for(actor, list_id))


# ---------------------------------------------------------------- registers and labels


@router.get("/registers/{slug}", response={200: None}, openapi_extra=file_response(XLSX, PDF),
            summary="登记簿下载：incoming 收文、outgoing 发文、lending 借阅、destruction 销毁、hand_back 清退"
                    "（format=xlsx 或 pdf，from/to 日期；机要员、保密员）")
def register_file(request: HttpRequest, slug: str, format: str = "xlsx", date_from: str = "", date_to: str = "",
                  list_id: int | None = None, carrier_id: int | None = None) -> HttpResponse:
    from baomi.carriers import registers

    period = registers.parse_period(date_from, date_to)
    content, content_type, filename = registers.register_export(
        actor=_actor(request), slug=slug, fmt=format, period=period, list_id=list_id,
        carrier_id=carrier_id if slug in registers.PER_CARRIER else None)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/labels/{code}", response=CopyDetail, summary="按标签编码打开载体份（扫描或输入）")
def copy_by_label(request: HttpRequest, code: str) -> CopyDetail:
    from baomi.carriers import labels

    actor = _actor(request)
    return _copy_detail(actor, labels.copy_for_label(actor, code))


@router.get("/{carrier_id}/labels", response={200: None}, openapi_extra=file_response(PDF),
            summary="二维码标签 PDF（copies=1,2 可选；机要员、保密员）")
def carrier_labels(request: HttpRequest, carrier_id: int, copies: str = "") -> HttpResponse:
    from baomi.carriers import labels

    copy_ids = [int(p) for p in copies.split(",") if p.isascii() and p.isdigit()]
    content = labels.labels_print(actor=_actor(request), carrier_id=carrier_id, copy_ids=copy_ids)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="labels-{carrier_id}.pdf"'
    return response


# ---------------------------------------------------------------- 印制, 废页, 摘抄, 年度清理


class PrintJobIn(Schema):
    computer: str  # the 涉密计算机 used (name or number)
    copies: int
    proofreader_id: int | None = None
    note: str = ""


class PrintCloseIn(Schema):
    waste_pages: int = 0
    waste_description: str = ""
    drafts_locked: bool  # CARRIER-25: unfinished drafts locked away at day end


class PrintJobOut(Schema):
    id: int
    number: str
    carrier_id: int
    level: int
    authorised: int
    first_serial: int
    last_serial: int
    computer: str
    printed_by_id: int
    proofreader_id: int | None
    status: str
    printed_at: datetime.datetime
    closed_at: datetime.datetime | None
    drafts_locked: bool


class WasteOut(Schema):
    id: int
    print_job_id: int
    level: int
    pages: int
    description: str
    recorded_at: datetime.datetime
    destroyed_at: datetime.datetime | None
    destroyed_by_id: int | None
    witness_id: int | None
    method: str


class WasteDestroyIn(Schema):
    waste_ids: list[int]
    witness_id: int
    method: str


class CarriersExcerptIn(Schema):
    title: str
    reason: str


class CleanupOut(Schema):
    held: list[CopyOut]
    past_return: list[CopyOut]
    hand_back: list[CopyOut]
    archive: list[CopyOut]
    destroy: list[CopyOut]


@router.get("/print-jobs", response=list[PrintJobOut], summary="印制登记（仅本人可见的载体）")
def list_print_jobs(request: HttpRequest) -> list[PrintJob]:
    return list(selectors.print_jobs_visible_to(_actor(request))[:200])


@router.post("/{carrier_id}/print-jobs", response={201: PrintJobOut},
             summary="登记印制（机要员；按核定份数，不得多印自留，CARRIER-22/23）")
def create_print_job(request: HttpRequest, carrier_id: int, body: PrintJobIn) -> Status:
    actor = _actor(request)
    job = services.print_job_create(
        actor=actor, carrier=selectors.carrier_for(actor, carrier_id), computer=body.computer, copies=body.copies,
        proofreader=people.person_for(actor, body.proofreader_id) if body.proofreader_id else None, note=body.note)
    return Status(201, job)


@router.get("/print-jobs/{job_id}", response=PrintJobOut, summary="印制单")
def get_print_job(request: HttpRequest, job_id: int) -> PrintJob:
    return selectors.print_job_for(_actor(request), job_id)


@router.post("/print-jobs/{job_id}/close", response=PrintJobOut,
             summary="结束印制：登记废页，确认下班前文稿已入柜（CARRIER-21/24/25）")
def close_print_job(request: HttpRequest, job_id: int, body: PrintCloseIn) -> PrintJob:
    actor = _actor(request)
    return services.print_job_close(actor=actor, job=selectors.print_job_for(actor, job_id),
                                    waste_pages=body.waste_pages, waste_description=body.waste_description,
                                    drafts_locked=body.drafts_locked)


@router.get("/waste", response=list[WasteOut], summary="待销毁废页（机要员）")
def list_waste(request: HttpRequest) -> list[WasteBatch]:
    return list(selectors.waste_pending(_actor(request))[:200])


@router.post("/waste/destroy", response=list[WasteOut], summary="销毁废页（机要员，监销人在场，CARRIER-24）")
def destroy_waste(request: HttpRequest, body: WasteDestroyIn) -> list[WasteBatch]:
    actor = _actor(request)
    pending = selectors.waste_pending(actor)
    batches = [pending.filter(pk=pk).first() for pk in body.waste_ids]
    if any(b is None for b in batches):
        from baomi.errors import NotFound

        raise NotFound("对象不存在")
    return services.waste_destroy(actor=actor, batches=[b for b in batches if b is not None],
                                  witness=people.person_for(actor, body.witness_id), method=body.method)


@router.post("/copies/{copy_id}/excerpt-requests", response={201: CarriersApprovalRef},
             summary="申请摘抄（因工作需要，提交审批；不准为个人摘抄，CARRIER-15）")
def excerpt_request(request: HttpRequest, copy_id: int, body: CarriersExcerptIn) -> Status:
    actor = _actor(request)
    approval = services.copy_excerpt_request(actor=actor, copy=selectors.copy_for(actor, copy_id), title=body.title,
                                             reason=body.reason)
    return Status(201, CarriersApprovalRef(approval_id=approval.pk))


@router.get("/cleanup", response=CleanupOut, summary="年度清理清单（机要员、保密员，CARRIER-18）")
def cleanup(request: HttpRequest) -> CleanupOut:
    from baomi import policy

    actor = _actor(request)
    policy.require(actor, policy.Perm.KEEP_CARRIERS)
    lists = selectors.cleanup_for(actor)
    return CleanupOut(**{k: list(v[:500]) for k, v in lists.items()})  # type: ignore[arg-type]


# ---------------------------------------------------------------- importing a paper ledger


class LedgerRowOut(Schema):
    row: int
    register_no: str
    doc_number: str
    title: str
    mark: str
    copies: int
    problems: list[str]


class LedgerProblemOut(Schema):
    row: int
    message: str


class LedgerImportOut(Schema):
    dry_run: bool
    header_row: int
    mapping: dict[str, str]  # field → the header it was read from
    rows: list[LedgerRowOut]
    problems: list[LedgerProblemOut]
    carrier_ids: list[int]


@router.post("/ledger-imports", response=LedgerImportOut,
             summary="导入纸质收文登记簿（xlsx；dry_run=true 只检查不写入；mapping：JSON 字段→列名；机要员、保密员）")
def ledger_import(request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = True,
                  mapping: Form[str] = "") -> LedgerImportOut:
    import json

    from baomi.carriers import ledger_import as ledger
    from baomi.errors import Invalid

    data = file.read()
    indexes: dict[str, int] | None = None
    if mapping.strip():
        try:
            names = json.loads(mapping)
            assert isinstance(names, dict)
        except (ValueError, AssertionError):
            raise Invalid("mapping 须为 JSON 对象，例如 {\"title\": \"文件标题\"}") from None
        sheet = ledger.read_sheet(data)  # the detected mapping, with the caller's fields over it
        indexes = {**sheet.mapping,
                   **{key: sheet.headers.index(name) for key, name in names.items() if name in sheet.headers}}
    result = ledger.ledger_import(actor=_actor(request), data=data, mapping=indexes, dry_run=dry_run,
                                  filename=file.name or "")
    return LedgerImportOut(
        dry_run=result.dry_run, header_row=result.sheet.header_row,
        mapping={k: result.sheet.headers[i] for k, i in result.sheet.mapping.items()},
        rows=[LedgerRowOut(row=r.number, register_no=r.register_no or r.values.get("register_no", ""),
                           doc_number=r.values.get("doc_number", ""), title=r.values.get("title", ""),
                           mark=r.values.get("mark", ""), copies=r.values.get("copies", 1), problems=r.problems)
              for r in result.rows],
        problems=[LedgerProblemOut(**p) for p in result.problems], carrier_ids=[c.pk for c in result.carriers])


@router.get("/{carrier_id}", response=CarrierDetail, summary="载体详情")
def get_carrier(request: HttpRequest, carrier_id: int) -> CarrierDetail:
    actor = _actor(request)
    return _carrier_detail(actor, selectors.carrier_for(actor, carrier_id))
