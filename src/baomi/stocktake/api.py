"""Stocktakes over the API (keepers only): start, scan, close, the discrepancy report and its
files. Thin handlers; a stocktake or copy the caller may not see answers 404."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from baomi import policy
from baomi.accounts.models import User
from baomi.core.schemas import PDF, XLSX, file_response
from baomi.errors import Refused
from baomi.stocktake import selectors, services
from baomi.stocktake.models import Scan, Stocktake

router = Router(tags=["stocktake"])


def _keeper(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    reason = policy.reason_may_stocktake(user)
    if reason:
        raise Refused(reason, details={"perm": str(policy.Perm.KEEP_CARRIERS)})
    return user


class StocktakeOut(Schema):
    id: int
    number: str
    scope: str
    location: str
    status: str
    started_by_id: int
    started_at: datetime.datetime
    closed_by_id: int | None
    closed_at: datetime.datetime | None
    note: str


class StocktakeStartIn(Schema):
    scope: str = "location"  # location / custody
    location: str = ""
    note: str = ""


class ScanIn(Schema):
    code: str


class ScanOut(Schema):
    id: int
    code: str
    copy_id: int | None  # null: unknown code (no such copy, or not yours to see)
    status: str
    location: str
    scanned_by_id: int
    scanned_at: datetime.datetime
    created: bool = True


class StocktakeCloseIn(Schema):
    note: str = ""


class StocktakeLineOut(Schema):
    kind: str  # missing / wrong_place / not_listed / unknown / wrong_status / found
    code: str
    copy_id: int | None
    register_no: str
    number: str
    status: str
    location: str
    note: str


class StocktakeReportOut(StocktakeOut):
    expected: int
    scanned: int
    missing: list[StocktakeLineOut]
    unexpected: list[StocktakeLineOut]
    wrong_status: list[StocktakeLineOut]


def _line(line: selectors.Line) -> StocktakeLineOut:
    copy = line.copy
    return StocktakeLineOut(kind=line.kind, code=line.code, copy_id=copy.pk if copy else None,
                   register_no=copy.carrier.register_no if copy else "", number=copy.number if copy else "",
                   status=line.status, location=line.location, note=line.note)


def _report(actor: User, stocktake: Stocktake) -> StocktakeReportOut:
    report = selectors.report_for(actor, stocktake)
    return StocktakeReportOut(**StocktakeOut.from_orm(stocktake).model_dump(), expected=report.expected,
                     scanned=report.scanned, missing=[_line(x) for x in report.missing],
                     unexpected=[_line(x) for x in report.unexpected],
                     wrong_status=[_line(x) for x in report.wrong_status])


def _scan(scan: Scan, created: bool) -> ScanOut:
    return ScanOut(id=scan.pk, code=scan.code, copy_id=scan.copy_id, status=scan.status, location=scan.location,
                   scanned_by_id=scan.scanned_by_id, scanned_at=scan.scanned_at, created=created)


@router.get("", response=list[StocktakeOut], summary="载体盘点记录（机要员、保密员）")
def list_stocktakes(request: HttpRequest) -> list[Stocktake]:
    return list(selectors.stocktakes_visible_to(_keeper(request))[:200])


@router.post("", response={201: StocktakeReportOut}, summary="开始盘点：按存放位置，或本人保管的全部载体")
def start(request: HttpRequest, body: StocktakeStartIn) -> Status:
    actor = _keeper(request)
    stocktake = services.stocktake_start(actor=actor, scope=body.scope, location=body.location, note=body.note)
    return Status(201, _report(actor, stocktake))


@router.get("/{stocktake_id}", response=StocktakeReportOut, summary="盘点详情与差异（仅本人可见的载体）")
def detail(request: HttpRequest, stocktake_id: int) -> StocktakeReportOut:
    actor = _keeper(request)
    return _report(actor, selectors.stocktake_for(actor, stocktake_id))


@router.post("/{stocktake_id}/scans", response=ScanOut, summary="扫描一个标签（重复扫描不重复记录）")
def scan(request: HttpRequest, stocktake_id: int, body: ScanIn) -> ScanOut:
    actor = _keeper(request)
    result = services.stocktake_scan(actor=actor, stocktake=selectors.stocktake_for(actor, stocktake_id),
                                     code=body.code)
    return _scan(result.scan, result.created)


@router.post("/{stocktake_id}/close", response=StocktakeReportOut, summary="结束盘点，生成差异报告")
def close(request: HttpRequest, stocktake_id: int, body: StocktakeCloseIn) -> StocktakeReportOut:
    actor = _keeper(request)
    stocktake = services.stocktake_close(actor=actor, stocktake=selectors.stocktake_for(actor, stocktake_id),
                                         note=body.note)
    return _report(actor, stocktake)


@router.get("/{stocktake_id}/report", response={200: None}, openapi_extra=file_response(XLSX, PDF),
            summary="差异报告下载（format=xlsx 或 pdf）")
def report_file(request: HttpRequest, stocktake_id: int, format: str = "xlsx") -> HttpResponse:
    actor = _keeper(request)
    content, content_type, filename = services.stocktake_report_export(
        actor=actor, stocktake=selectors.stocktake_for(actor, stocktake_id), fmt=format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
