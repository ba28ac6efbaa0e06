"""The carriers cast (DEMO.md's office, in small) and helpers to register and move copies
through the real services."""

from __future__ import annotations

import datetime
import importlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from baomi.accounts.models import Unit, User
from baomi.approvals import services as approvals
from baomi.approvals.models import ApprovalRequest
from baomi.audit.models import AuditEvent
from baomi.carriers import services
from baomi.carriers.models import Carrier, Copy, StorageClass
from baomi.core import triggers
from tests.audit.conftest import chain_db  # noqa: F401  (transactional tests with the audit triggers)
from tests.factories import PASSWORD, make_admin, make_person, make_unit

_guards = importlib.import_module("baomi.carriers.migrations.0002_ledger_guards")


@dataclass
class Office:
    units: dict[str, Unit]
    people: dict[str, User]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None


def build_office() -> Office:
    root = make_unit("示范市发展和改革委员会", "fgw")
    leaders = make_unit("委领导", "leaders", parent=root)
    office = make_unit("办公室", "office", parent=root)
    secretariat = make_unit("秘书股", "secretariat", parent=office)
    secrecy = make_unit("保密办", "secrecy", parent=root)
    planning = make_unit("规划科", "planning", parent=root)
    finance = make_unit("财务科", "finance", parent=root)
    units = {"root": root, "leaders": leaders, "office": office, "secretariat": secretariat, "secrecy": secrecy,
             "planning": planning, "finance": finance}
    people = {
        "chen": make_person("chen", unit=leaders, clearance="CORE", roles=[("approver", None)], full_name="陈国强"),
        "liumin": make_person("liumin", unit=secretariat, clearance="IMPORTANT", roles=[("approver", office)],
                              full_name="刘敏"),
        "wangfang": make_person("wangfang", unit=secretariat, clearance="CORE",
                                roles=[("confidential_secretary", None)], full_name="王芳"),
        "lijianhua": make_person("lijianhua", unit=secrecy, clearance="IMPORTANT", roles=[("secrecy_officer", None)],
                                 full_name="李建华"),
        "zhaolei": make_person("zhaolei", unit=secrecy, clearance="GENERAL", roles=[("secrecy_officer", None)],
                               full_name="赵磊"),
        "sunwei": make_person("sunwei", unit=planning, clearance="IMPORTANT", roles=[("approver", planning)],
                              full_name="孙伟"),
        "zhoujing": make_person("zhoujing", unit=planning, clearance="GENERAL", roles=[("staff", planning)],
                                full_name="周静"),
        "wutao": make_person("wutao", unit=finance, clearance="GENERAL", roles=[("approver", finance)],
                             full_name="吴涛"),
        "zhengli": make_person("zhengli", unit=finance, clearance="NONE", full_name="郑丽"),
        "sysadmin": make_admin("system", "qianyong"),
        "secadmin": make_admin("security", "fengxue"),
        "auditor": make_admin("auditor", "heping"),
    }
    return Office(units, people)


@pytest.fixture
def office(db) -> Office:
    return build_office()


def register(actor: User, *, mark: str = "机密★5年", copies: int = 2, people: list[User] | None = None,
             units: list[Unit] | None = None, **kwargs: Any) -> Carrier:
    defaults: dict[str, Any] = {
        "direction": "incoming", "title": "关于2026年重大项目布局的通知", "source_unit": "省发展改革委",
        "doc_number": "省发改〔2026〕12号", "storage": StorageClass.SAFE, "location": "机要室 1号保险柜",
    }
    return services.carrier_register(actor=actor, mark=mark, copies=copies, need_to_know_people=people or [],
                                     need_to_know_units=units or [], **{**defaults, **kwargs})


def first_copy(carrier: Carrier, serial: int = 1) -> Copy:
    return carrier.copies.get(serial=serial)


def fresh(copy: Copy) -> Copy:
    return Copy.objects.select_related("carrier").get(pk=copy.pk)


def approve_all(request: ApprovalRequest, *deciders: User) -> ApprovalRequest:
    for decider in deciders:
        request = approvals.request_decide(actor=decider, request=request, approve=True, comment="同意",
                                           password=PASSWORD)
    return request


def events(action: str, outcome: str = "ok"):
    return AuditEvent.objects.filter(action=action, outcome=outcome)


def tomorrow() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=1)


# ---------------------------------------------------------------- the ledger's triggers


class _Editor:
    """Enough of a schema editor for `baomi.core.triggers` outside a migration."""

    connection = connection

    @staticmethod
    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def install_guards() -> None:
    drop_guards()
    triggers.create(_Editor(), sqlite=_guards.SQLITE, postgres_functions=_guards.POSTGRES_FUNCTIONS,
                    postgres=_guards.POSTGRES)


def drop_guards() -> None:
    triggers.drop(_Editor(), sqlite=_guards.SQLITE, postgres=_guards.POSTGRES)


@pytest.fixture
def carriers_chain_db(chain_db):  # noqa: F811
    """Transactional test: the audit triggers and the ledger guards on; both dropped at the end
    so that the flush emptying the database is not refused (SQLite deletes row by row)."""
    install_guards()
    yield
    connection.close()
    drop_guards()
