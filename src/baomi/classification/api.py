"""定密 over the API: authorities, the guide, the work-secret reference list, decisions,
proposals, derived classification, changes, notices, reviews, the release check and reports.
Thin handlers: parse, call one service or selector, serialise. A decision the caller may not
see answers 404, exactly like one that does not exist."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from baomi import policy
from baomi.accounts.models import Unit, User
from baomi.accounts.selectors import person_for, unit_for
from baomi.classification import excel, selectors, services
from baomi.classification.models import Authority, Change, Decision, GuideEntry, Notice, Review, WorkSecretReference
from baomi.core.paging import api_window
from baomi.core.schemas import PDF, XLSX, Id, file_response
from baomi.errors import Invalid, NotFound, Refused
from baomi.levels import Level
from baomi.periods import Period

router = Router(tags=["classification"])

# An id as the database can hold it: a larger number is bad input (422), not a server error.


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _business(request: HttpRequest) -> User:
    user = _actor(request)
    if not policy.reads_classification_registers(user):
        raise Refused(_("三员分立：您的角色无权执行此操作"))
    return user


def _level(value: str | int | None) -> Level | None:
    if value in (None, ""):
        return None
    try:
        return Level.parse(value)  # type: ignore[arg-type]
    except ValueError:
        raise Invalid(_("无法识别的密级：%(v)s") % {"v": str(value)[:20]}) from None


def _period(text: str | None) -> Period | None:
    return None if text is None or not text.strip() else services.period_from_text(text)


# ---------------------------------------------------------------- schemas


class AuthorityOut(Schema):
    id: int
    person_id: int
    person_name: str
    is_unit_head: bool
    max_level: int
    max_level_name: str
    unit_id: int | None
    scope_codes: list[str]
    scope_text: str
    basis_number: str
    basis_date: datetime.date | None
    designated_by_id: int | None
    revoked_at: datetime.datetime | None
    revoke_reason: str

    @staticmethod
    def resolve_person_name(obj: Authority) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_max_level_name(obj: Authority) -> str:
        return Level(obj.max_level).zh


class AuthorityIn(Schema):
    person_id: Id
    max_level: str
    unit_head: bool = False
    unit_id: Id | None = None
    scope_codes: list[str] = []
    scope_text: str = ""
    basis_number: str = ""
    basis_date: datetime.date | None = None
    designated_by_id: Id | None = None


class ReasonIn(Schema):
    reason: str


class ClassificationEntryOut(Schema):
    id: int
    guide_version: int
    code: str
    parent_code: str | None
    title: str
    level: int
    period: str
    mark: str
    need_to_know_hint: str
    keywords: str
    legal_basis: str

    @staticmethod
    def resolve_guide_version(obj: GuideEntry) -> int:
        return obj.guide.version

    @staticmethod
    def resolve_parent_code(obj: GuideEntry) -> str | None:
        return obj.parent.code if obj.parent_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_period(obj: GuideEntry) -> str:
        return obj.period.zh

    @staticmethod
    def resolve_mark(obj: GuideEntry) -> str:
        return obj.default_mark


class ClassificationEntryIn(Schema):
    code: str
    title: str
    level: str
    period: str = ""
    parent_code: str = ""
    need_to_know_hint: str = ""
    keywords: str = ""
    legal_basis: str = ""


class ImportRowError(Schema):
    row: int
    message: str


class ImportOut(Schema):
    dry_run: bool
    rows: int
    guide_version: int | None


class ImportErrorBody(Schema):
    code: str
    message: str
    details: dict[str, list[ImportRowError]]


class ImportErrorOut(Schema):
    error: ImportErrorBody


class ReferenceOut(Schema):
    id: int
    category: str
    code: str
    title: str
    period: str
    mark_label: str
    is_active: bool

    @staticmethod
    def resolve_period(obj: WorkSecretReference) -> str:
        return obj.period.zh


class ReferenceIn(Schema):
    category: str
    code: str
    title: str
    period: str = ""
    mark_label: str = ""


class ClassificationNeedToKnowIn(Schema):
    people: list[Id] = []
    units: list[Id] = []
    roles: list[str] = []


class DecisionOut(Schema):
    id: int
    code: str
    title: str
    secret_type: str
    commercial_kind: str
    commercial_scope: str
    level: int
    period: str
    mark: str
    previous_mark: str
    expires_on: datetime.date | None
    status: str
    unit_id: int | None
    guide_entry_id: int | None
    work_reference_id: int | None
    proposer_id: int
    authority_id: int | None
    decided_by_id: int | None
    decided_on: datetime.date | None
    ended_on: datetime.date | None
    provisional: bool
    report_deadline: datetime.date | None
    reported_on: datetime.date | None
    derived: bool
    carrier_type: str
    carrier_id: str

    @staticmethod
    def resolve_period(obj: Decision) -> str:
        return obj.period.zh


class DecisionDetailOut(DecisionOut):
    reasons: str
    need_to_know: ClassificationNeedToKnowIn
    sources: list[int]

    @staticmethod
    def resolve_need_to_know(obj: Decision) -> ClassificationNeedToKnowIn:
        ntk = selectors.need_to_know_of(obj)
        return ClassificationNeedToKnowIn(people=[p.pk for p in ntk["people"]], units=[u.pk for u in ntk["units"]],
                            roles=ntk["roles"])

    @staticmethod
    def resolve_sources(obj: Decision) -> list[int]:
        return [s.pk for s in obj.sources.all()]


class ClassificationDecisionIn(Schema):
    title: str
    secret_type: str = "state"
    level: str | None = None
    period: str | None = None
    unit_id: Id | None = None
    guide_entry_id: Id | None = None
    work_reference_id: Id | None = None
    reasons: str = ""
    proposer_id: Id | None = None
    provisional: bool = False
    commercial_kind: str = ""
    commercial_scope: str = ""
    mark_label: str = ""
    carrier_type: str = ""
    carrier_id: str = ""
    need_to_know: ClassificationNeedToKnowIn


class ProposalIn(ClassificationDecisionIn):
    authority_id: Id


class ConfirmIn(Schema):
    level: str | None = None
    period: str | None = None
    reasons: str | None = None


class RejectIn(Schema):
    comment: str


class DeriveIn(Schema):
    sources: list[Id]
    title: str
    level: str | None = None
    unit_id: Id | None = None
    reasons: str = ""
    carrier_type: str = ""
    carrier_id: str = ""
    need_to_know: ClassificationNeedToKnowIn


class ChangeIn(Schema):
    kind: str
    justification: str
    new_level: str | None = None
    new_period: str | None = None


class ChangeOut(Schema):
    id: int
    decision_id: int
    kind: str
    old_mark: str
    new_mark: str
    justification: str
    requested_by_id: int
    approval_id: int | None
    status: str
    created_at: datetime.datetime


class ReportIn(Schema):
    reference: str
    reported_on: datetime.date | None = None


class ClassificationNoticeOut(Schema):
    id: int
    decision_id: int
    decision_code: str
    kind: str
    person_id: int
    mark_before: str
    mark_after: str
    due_on: datetime.date | None
    created_at: datetime.datetime
    acknowledged_at: datetime.datetime | None

    @staticmethod
    def resolve_decision_code(obj: Notice) -> str:
        return obj.decision.code


class ClassificationReviewIn(Schema):
    decisions: list[Id]
    year: Annotated[int, Field(ge=2000, le=2200)] | None = None
    outcome: str
    note: str = ""
    change_kind: str | None = None
    new_level: str | None = None
    new_period: str | None = None


class ReviewOut(Schema):
    id: int
    decision_id: int
    year: int
    outcome: str
    note: str
    change_id: int | None
    reviewer_id: int


class ReleaseIn(Schema):
    purpose: str = "disclosure"


class CountOut(Schema):
    label: str
    count: int


class SummaryOut(Schema):
    by_level: list[CountOut]
    by_status: list[CountOut]
    by_authority: list[CountOut]


# ---------------------------------------------------------------- helpers


def _spec(reader: User, body: ClassificationNeedToKnowIn) -> services.NeedToKnowSpec:
    people = [person_for(reader, pk) for pk in body.people] if body.people else []
    units = [unit_for(reader, pk) for pk in body.units]
    return services.NeedToKnowSpec(people=people, units=units, roles=body.roles)


def _unit(reader: User, unit_id: int | None) -> Unit | None:
    return None if unit_id is None else unit_for(reader, unit_id)


def _detail(decision: Decision) -> DecisionDetailOut:
    return DecisionDetailOut.from_orm(decision)


def _decision_args(reader: User, body: ClassificationDecisionIn) -> dict[str, Any]:
    return dict(
        title=body.title, secret_type=body.secret_type, need_to_know=_spec(reader, body.need_to_know),
        level=_level(body.level), period=_period(body.period), unit=_unit(reader, body.unit_id),
        guide_entry=selectors.guide_entry_for(reader, body.guide_entry_id) if body.guide_entry_id else None,
        work_reference=selectors.reference_for(reader, body.work_reference_id) if body.work_reference_id else None,
        reasons=body.reasons, provisional=body.provisional, commercial_kind=body.commercial_kind,
        commercial_scope=body.commercial_scope, mark_label=body.mark_label,
    )


# ---------------------------------------------------------------- authorities


@router.get("/authorities", response=list[AuthorityOut], summary="定密责任人（含已撤销的历史）")
def list_authorities(request: HttpRequest) -> list[Authority]:
    return list(selectors.authorities_visible_to(_actor(request)))


@router.post("/authorities", response={201: AuthorityOut}, summary="记录定密责任人指定（安全保密管理员）")
def designate(request: HttpRequest, body: AuthorityIn) -> Status:
    actor = _actor(request)
    policy.require(actor, policy.Perm.DESIGNATE_AUTHORITY)
    level = _level(body.max_level)
    if level is None:
        raise Invalid(_("请填写最高定密权限"))
    authority = services.authority_designate(
        actor=actor, person=person_for(actor, body.person_id), max_level=level, unit=_unit(actor, body.unit_id),
        unit_head=body.unit_head, scope_codes=body.scope_codes, scope_text=body.scope_text,
        basis_number=body.basis_number, basis_date=body.basis_date,
        designated_by=person_for(actor, body.designated_by_id) if body.designated_by_id else None)
    return Status(201, authority)


@router.post("/authorities/{authority_id}/revoke", response=AuthorityOut, summary="撤销定密责任人指定")
def revoke(request: HttpRequest, authority_id: int, body: ReasonIn) -> Authority:
    actor = _actor(request)
    return services.authority_revoke(actor=actor, authority=selectors.authority_for(actor, authority_id),
                                     reason=body.reason)


# ---------------------------------------------------------------- guide and references


@router.get("/guide/entries", response=list[ClassificationEntryOut], summary="现行保密事项范围的条目")
def list_entries(request: HttpRequest, q: str = "") -> list[GuideEntry]:
    return list(selectors.guide_entries_visible_to(_business(request), search=q))


@router.post("/guide/entries", response={201: ClassificationEntryOut}, summary="新增保密事项（保密办）")
def create_entry(request: HttpRequest, body: ClassificationEntryIn) -> Status:
    actor = _business(request)
    guide = selectors.current_guide(actor)
    if guide is None:
        raise Invalid(_("尚无现行的保密事项范围：请先导入或发布"))
    level = _level(body.level) or Level.PUBLIC
    entry = services.guide_entry_create(actor=actor, guide=guide, data=services.EntryData(
        code=body.code, title=body.title, level=level, period=_period(body.period) or Period.not_stated(),
        parent_code=body.parent_code, need_to_know_hint=body.need_to_know_hint, keywords=body.keywords,
        legal_basis=body.legal_basis))
    return Status(201, entry)


@router.put("/guide/entries/{entry_id}", response=ClassificationEntryOut, summary="修改保密事项（不改变已有定密决定）")
def update_entry(request: HttpRequest, entry_id: int, body: ClassificationEntryIn) -> GuideEntry:
    actor = _business(request)
    entry = selectors.guide_entry_for(actor, entry_id)
    return services.guide_entry_update(actor=actor, entry=entry, data=services.EntryData(
        code=entry.code, title=body.title, level=_level(body.level) or Level.PUBLIC,
        period=_period(body.period) or Period.not_stated(), need_to_know_hint=body.need_to_know_hint,
        keywords=body.keywords, legal_basis=body.legal_basis))


@router.get("/guide/entries/{entry_id}/decisions", response=list[DecisionOut],
            summary="引用该保密事项的有效定密决定（修改会影响的）")
def citing(request: HttpRequest, entry_id: int) -> list[Decision]:
    actor = _business(request)
    return list(selectors.decisions_citing(actor, selectors.guide_entry_for(actor, entry_id)))


@router.post("/guide/import", response={200: ImportOut, 400: ImportErrorOut},
             summary="从 Excel 导入保密事项范围为新版本（可仅检查）；任何一行有误则不导入，返回每行的错误")
def import_guide(request: HttpRequest, file: File[UploadedFile], title: Form[str], document_no: Form[str] = "",
                 dry_run: Form[bool] = True) -> Status:
    actor = _business(request)
    try:
        rows = excel.parse_guide(file.read())
        guide = services.guide_import(actor=actor, rows=rows, title=title, document_no=document_no, dry_run=dry_run)
    except Invalid as exc:
        # The one error shape, with the row-level problems as its details.
        return Status(400, {"error": {"code": exc.code, "message": exc.message,
                                      "details": {"rows": exc.details.get("rows", [])}}})
    return Status(200, ImportOut(dry_run=dry_run, rows=len(rows), guide_version=guide.version if guide else None))


@router.get("/guide/export", summary="导出现行保密事项范围（xlsx）", response={200: None},
            openapi_extra=file_response(XLSX))
def export_guide(request: HttpRequest) -> HttpResponse:
    actor = _business(request)
    response = HttpResponse(excel.export_guide(selectors.guide_entries_visible_to(actor)),
                            content_type=excel.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="classification-guide.xlsx"'
    return response


@router.get("/references", response=list[ReferenceOut], summary="工作秘密确定参考范围")
def list_references(request: HttpRequest) -> list[WorkSecretReference]:
    return list(selectors.references_visible_to(_business(request)))


@router.post("/references", response={201: ReferenceOut}, summary="新增工作秘密参考范围条目（保密办）")
def create_reference(request: HttpRequest, body: ReferenceIn) -> Status:
    actor = _business(request)
    reference = services.reference_create(actor=actor, category=body.category, code=body.code, title=body.title,
                                          period=_period(body.period), mark_label=body.mark_label)
    return Status(201, reference)


# ---------------------------------------------------------------- decisions


@router.get("/decisions", response=list[DecisionOut], summary="我可知悉的定密事项")
def list_decisions(request: HttpRequest, status: str = "", secret_type: str = "", q: str = "", limit: int = 100,
                   offset: int = 0) -> list[Decision]:
    actor = _business(request)
    limit, offset = api_window(limit, offset)
    qs = selectors.decisions_visible_to(actor, status=status, secret_type=secret_type, search=q)
    return list(qs[offset: offset + limit])


@router.post("/decisions", response={201: DecisionDetailOut}, summary="定密（定密责任人）")
def create_decision(request: HttpRequest, body: ClassificationDecisionIn) -> Status:
    actor = _business(request)
    args = _decision_args(actor, body)
    proposer = person_for(actor, body.proposer_id) if body.proposer_id else None
    decision = services.decision_create(actor=actor, proposer=proposer, carrier_type=body.carrier_type,
                                        carrier_id=body.carrier_id, **args)
    return Status(201, _detail(selectors.decision_for(actor, decision.pk)))


@router.post("/proposals", response={201: DecisionDetailOut}, summary="提出定密建议（承办人），报定密责任人审核")
def propose(request: HttpRequest, body: ProposalIn) -> Status:
    actor = _business(request)
    authority = selectors.authority_for(actor, body.authority_id)
    decision = services.decision_propose(actor=actor, authority=authority, **_decision_args(actor, body))
    return Status(201, _detail(selectors.decision_for(actor, decision.pk)))


@router.post("/decisions/derive", response={201: DecisionDetailOut}, summary="派生定密")
def derive(request: HttpRequest, body: DeriveIn) -> Status:
    actor = _business(request)
    decision = services.decision_derive(
        actor=actor, sources=selectors.decisions_by_id(actor, body.sources), title=body.title,
        need_to_know=_spec(actor, body.need_to_know), unit=_unit(actor, body.unit_id), level=_level(body.level),
        reasons=body.reasons, carrier_type=body.carrier_type, carrier_id=body.carrier_id)
    return Status(201, _detail(selectors.decision_for(actor, decision.pk)))


@router.get("/decisions/{decision_id}", response=DecisionDetailOut, summary="定密事项详情")
def get_decision(request: HttpRequest, decision_id: int) -> DecisionDetailOut:
    actor = _business(request)
    return _detail(selectors.decision_for(actor, decision_id))


@router.post("/decisions/{decision_id}/confirm", response=DecisionDetailOut, summary="审核批准定密建议")
def confirm(request: HttpRequest, decision_id: int, body: ConfirmIn) -> DecisionDetailOut:
    actor = _business(request)
    decision = services.decision_confirm(actor=actor, decision=selectors.decision_for(actor, decision_id),
                                         level=_level(body.level), period=_period(body.period), reasons=body.reasons)
    return _detail(selectors.decision_for(actor, decision.pk))


@router.post("/decisions/{decision_id}/reject", response=DecisionDetailOut, summary="不予批准定密建议")
def reject(request: HttpRequest, decision_id: int, body: RejectIn) -> DecisionDetailOut:
    actor = _business(request)
    decision = services.decision_reject(actor=actor, decision=selectors.decision_for(actor, decision_id),
                                        comment=body.comment)
    return _detail(selectors.decision_for(actor, decision.pk))


@router.post("/decisions/{decision_id}/report", response=DecisionDetailOut,
             summary="登记先行定密已报送上级保密行政管理部门")
def report(request: HttpRequest, decision_id: int, body: ReportIn) -> DecisionDetailOut:
    actor = _business(request)
    decision = services.decision_report_provisional(actor=actor, decision=selectors.decision_for(actor, decision_id),
                                                    reference=body.reference, reported_on=body.reported_on)
    return _detail(selectors.decision_for(actor, decision.pk))


@router.get("/decisions/{decision_id}/changes", response=list[ChangeOut], summary="变更与解除记录")
def list_changes(request: HttpRequest, decision_id: int) -> list[Change]:
    actor = _business(request)
    return list(selectors.changes_of(actor, selectors.decision_for(actor, decision_id)))


@router.post("/decisions/{decision_id}/changes", response={201: ChangeOut},
             summary="申请变更或解除（提高/降低密级、延长/缩短期限、解除），经定密责任人审批")
def request_change(request: HttpRequest, decision_id: int, body: ChangeIn) -> Status:
    actor = _business(request)
    change = services.change_request(
        actor=actor, decision=selectors.decision_for(actor, decision_id), kind=body.kind,
        justification=body.justification, new_level=_level(body.new_level), new_period=_period(body.new_period))
    return Status(201, change)


@router.get("/decisions/{decision_id}/acknowledgements", response=list[ClassificationNoticeOut],
            summary="未确认的变更通知")
def outstanding(request: HttpRequest, decision_id: int) -> list[Notice]:
    actor = _business(request)
    return list(selectors.outstanding_acknowledgements(actor, selectors.decision_for(actor, decision_id)))


@router.post("/decisions/{decision_id}/release-check", response={204: None},
             summary="公开/发布前保密审查：仍属国家秘密或工作秘密的拒绝（403）")
def release_check(request: HttpRequest, decision_id: int, body: ReleaseIn) -> Status:
    actor = _business(request)
    services.release_check(actor=actor, item=selectors.decision_for(actor, decision_id), purpose=body.purpose)
    return Status(204, None)


# ---------------------------------------------------------------- notices and reviews


@router.get("/notices", response=list[ClassificationNoticeOut], summary="我的定密通知与提醒")
def list_notices(request: HttpRequest, outstanding: bool = False) -> list[Notice]:
    return list(selectors.notices_for(_business(request), outstanding=outstanding)[:500])


@router.post("/notices/{notice_id}/acknowledge", response=ClassificationNoticeOut, summary="确认已知悉")
def acknowledge(request: HttpRequest, notice_id: int) -> Notice:
    actor = _business(request)
    return services.notice_acknowledge(actor=actor, notice=selectors.notice_for(actor, notice_id))


@router.get("/reviews/queue", response=list[DecisionOut], summary="年度复审队列")
def review_queue(request: HttpRequest, year: Annotated[int, Field(ge=2000, le=2200)] | None = None) -> list[Decision]:
    actor = _business(request)
    return list(selectors.review_queue(actor, year or services.today().year))


@router.post("/reviews", response={201: list[ReviewOut]}, summary="记录复审结论（批量：维持/变更/解除）")
def create_reviews(request: HttpRequest, body: ClassificationReviewIn) -> Status:
    actor = _business(request)
    reviews: list[Review] = services.review_record(
        actor=actor, decisions=selectors.decisions_by_id(actor, body.decisions),
        year=body.year or services.today().year, outcome=body.outcome, note=body.note,
        change_kind=body.change_kind, new_level=_level(body.new_level), new_period=_period(body.new_period))
    return Status(201, reviews)


# ---------------------------------------------------------------- reports


@router.get("/reports/summary", response=SummaryOut, summary="统计：按密级、状态、定密责任人（仅含可知悉事项）")
def summary(request: HttpRequest) -> SummaryOut:
    actor = _business(request)
    policy.require(actor, policy.Perm.CLASSIFICATION_REPORTS)
    counts = selectors.counts(actor)
    return SummaryOut(**{f"by_{k}": [CountOut(label=label, count=n) for label, n in v] for k, v in counts.items()})


@router.get("/reports/state-secrets", summary="国家秘密事项一览表（format=xlsx 或 pdf）", response={200: None},
            openapi_extra=file_response(XLSX, PDF))
def state_secrets(request: HttpRequest, format: str = "xlsx") -> HttpResponse:
    from baomi.classification.reports import state_secret_list_export

    actor = _business(request)
    if format not in ("xlsx", "pdf"):
        raise NotFound(_("对象不存在"))
    content, content_type = state_secret_list_export(actor=actor, fmt=format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="state-secrets.{format}"'
    return response
