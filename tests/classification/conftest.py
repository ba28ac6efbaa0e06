"""The cast of the classification tests (the demo's 规划科 story in miniature), all set up
through the services: 陈国强 the unit head (法定定密责任人 up to 机密), 孙伟 designated in
writing up to 机密 for 规划科, 周静 a proposer, 吴涛 in 财务科, 李建华 of the 保密办."""

from __future__ import annotations

import datetime

import pytest

from baomi.accounts.models import Unit, User
from baomi.audit.models import AuditEvent
from baomi.classification import services
from baomi.classification.models import Authority, Decision, Guide, GuideEntry, WorkSecretReference
from baomi.classification.services import EntryData, NeedToKnowSpec
from baomi.levels import Level
from baomi.periods import Period
from tests.factories import make_admin, make_person, make_unit


@pytest.fixture
def org(db) -> Unit:
    return make_unit("示范市发改委", "fgw")


@pytest.fixture
def units(org) -> dict[str, Unit]:
    return {
        "org": org,
        "leaders": make_unit("委领导", "leaders", parent=org),
        "planning": make_unit("规划科", "planning", parent=org),
        "finance": make_unit("财务科", "finance", parent=org),
        "secrecy": make_unit("保密办", "secrecy", parent=org),
    }


@pytest.fixture
def secadmin(db):
    return make_admin("security", "fengxue")


@pytest.fixture
def sysadmin(db):
    return make_admin("system", "qianyong")


@pytest.fixture
def auditor(db):
    return make_admin("auditor", "heping")


@pytest.fixture
def chen(units) -> User:
    return make_person("chen", unit=units["leaders"], clearance="CORE", full_name="陈国强")


@pytest.fixture
def sunwei(units) -> User:
    return make_person("sunwei", unit=units["planning"], clearance="IMPORTANT", full_name="孙伟")


@pytest.fixture
def zhoujing(units) -> User:
    return make_person("zhoujing", unit=units["planning"], clearance="GENERAL", full_name="周静",
                       roles=[("staff", units["planning"])])


@pytest.fixture
def wutao(units) -> User:
    return make_person("wutao", unit=units["finance"], clearance="GENERAL", full_name="吴涛")


@pytest.fixture
def zhengli(units) -> User:
    return make_person("zhengli", unit=units["finance"], clearance="NONE", full_name="郑丽")


@pytest.fixture
def officer(units) -> User:
    return make_person("lijianhua", unit=units["secrecy"], clearance="IMPORTANT", full_name="李建华",
                       roles=[("secrecy_officer", None)])


@pytest.fixture
def head(secadmin, chen) -> Authority:
    return services.authority_designate(actor=secadmin, person=chen, max_level=Level.SECRET, unit_head=True)


@pytest.fixture
def designated(secadmin, head, sunwei, chen, units) -> Authority:
    return services.authority_designate(
        actor=secadmin, person=sunwei, max_level=Level.SECRET, unit=units["planning"], scope_codes=["1", "2"],
        scope_text="规划编制、项目选址", basis_number="示发改〔2025〕12号", basis_date=datetime.date(2025, 3, 1),
        designated_by=chen)


@pytest.fixture
def guide(officer) -> Guide:
    return services.guide_create(actor=officer, title="示范市发改委保密事项范围", document_no="示保〔2025〕1号")


@pytest.fixture
def entries(officer, guide) -> dict[str, GuideEntry]:
    rows = [
        EntryData("1", "规划编制", Level.SECRET, Period(years=10)),
        EntryData("1.1", "城市总体规划修编草案", Level.SECRET, Period(years=10), parent_code="1",
                  need_to_know_hint="规划科、委领导", keywords="规划,草案"),
        EntryData("2", "重大项目选址（批复前）", Level.SECRET, Period(condition="项目批复后")),
        EntryData("3", "预算执行明细", Level.CONFIDENTIAL, Period(years=5)),
        EntryData("4", "重大决策涉密事项", Level.TOP_SECRET, Period(long_term=True)),
    ]
    return {d.code: services.guide_entry_create(actor=officer, guide=guide, data=d) for d in rows}


@pytest.fixture
def reference(officer) -> WorkSecretReference:
    return services.reference_create(actor=officer, category="government", code="G-1", title="领导政务活动方案",
                                     period=Period(months=6))


def ntk(*people: User, units: tuple[Unit, ...] = (), roles: tuple[str, ...] = ()) -> NeedToKnowSpec:
    return NeedToKnowSpec(people=list(people), units=list(units), roles=list(roles))


@pytest.fixture
def planning_draft(designated, sunwei, entries, units) -> Decision:
    """机密★10年 by 孙伟; need-to-know: 委领导 (the unit) and the 保密员 role."""
    return services.decision_create(
        actor=sunwei, title="示范市国土空间总体规划（2026—2035）修编草案", secret_type="state",
        guide_entry=entries["1.1"], need_to_know=ntk(units=(units["leaders"],), roles=("secrecy_officer",)),
        unit=units["planning"], reasons="涉及尚未公布的规划布局")


@pytest.fixture
def budget(designated, head, chen, zhoujing, wutao, entries, units) -> Decision:
    """秘密★5年 by 陈国强 on 周静's proposal; need-to-know: 周静 and 吴涛."""
    return services.decision_create(
        actor=chen, title="2026年预算执行明细", secret_type="state", guide_entry=entries["3"],
        need_to_know=ntk(zhoujing, wutao), proposer=zhoujing, unit=units["finance"])


def events(action: str, outcome: str = "ok") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, outcome=outcome).order_by("seq"))


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()
