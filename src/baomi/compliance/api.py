"""制度落实 over the API: every rule with its mapping and live figure, and the dashboard's
figures. Counts only; the secrecy office, 定密责任人 and the security administrator."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from baomi.accounts.models import User
from baomi.compliance import selectors

router = Router(tags=["compliance"])


class FigureOut(Schema):
    value: int
    text: str
    status: str  # ok / warn / bad
    url: str


class EmbodimentOut(Schema):
    word: str
    feature: str
    tests: list[str]


class ComplianceRuleOut(Schema):
    id: str
    group: str
    title: str
    english: str
    state: str  # embodied / out / not_yet / unmapped
    embodiments: list[EmbodimentOut]
    out_reason: str | None
    figure: FigureOut | None
    has_figure: bool  # a figure is registered; with figure null: not for this caller (clearance, 三员)


class OverdueOut(Schema):
    code: str
    value: int
    text: str
    status: str
    url: str


class LevelRowOut(Schema):
    label: str
    cells: list[int]
    total: int


class CopiesOut(Schema):
    statuses: list[str]
    rows: list[LevelRowOut]
    total: int
    hidden_levels: list[str]  # levels above the caller's clearance: not counted


class ExpiringOut(Schema):
    id: int
    title: str
    level: int | None
    expires_on: datetime.date | None


class DashboardOut(Schema):
    copies: CopiesOut | None  # the unit-wide table: the secrecy office only
    overdue: list[OverdueOut]
    expiring: list[ExpiringOut]


def _viewer(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    selectors.require_viewer(user)
    return user


@router.get("/rules", response=list[ComplianceRuleOut], summary="每条规则的落实情况与实时数字")
def rules(request: HttpRequest, group: str = "", state: str = "") -> list[ComplianceRuleOut]:
    rows = selectors.rule_rows(_viewer(request), group=group, state=state)
    return [ComplianceRuleOut(
        id=r.rule.id, group=r.rule.group, title=r.rule.title, english=r.rule.english, state=r.rule.state,
        embodiments=[EmbodimentOut(word=e.word, feature=e.feature, tests=e.tests) for e in r.rule.embodiments],
        out_reason=(r.rule.out.tests[0] if r.rule.out and r.rule.out.tests else None),
        figure=(FigureOut(value=r.figure.value, text=r.figure.text, status=r.figure.status, url=r.figure.url)
                if r.figure else None),
        has_figure=r.has_figure,
    ) for r in rows]


@router.get("/dashboard", response=DashboardOut, summary="仪表盘数字：分级分状态统计、逾期事项、即将到期的定密")
def dashboard(request: HttpRequest) -> DashboardOut:
    user = _viewer(request)
    office = selectors.office_dashboard(user)
    copies = office["copies"] if office else None
    return DashboardOut(
        copies=CopiesOut(statuses=copies["statuses"], rows=[LevelRowOut(**r) for r in copies["rows"]],
                         total=copies["total"], hidden_levels=copies["hidden_levels"]) if copies else None,
        overdue=[OverdueOut(code=i["code"], value=i["value"], text=i["text"], status=i["status"], url=i["url"])
                 for i in selectors.overdue(user)],
        expiring=[ExpiringOut(id=d.pk, title=d.title, level=d.level, expires_on=d.expires_on)
                  for d in selectors.expiring_decisions(user)],
    )
