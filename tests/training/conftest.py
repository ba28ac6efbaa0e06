"""A small office for training and exams, and helpers that go through the real services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from baomi.accounts.models import Unit, User
from baomi.training import services
from baomi.training.models import Attempt, Exam, Question
from tests.factories import make_admin, make_person, make_unit


@dataclass
class Office:
    units: dict[str, Unit]
    people: dict[str, User]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def office(db) -> Office:
    root = make_unit("示范市发展和改革委员会", "fgw")
    secrecy = make_unit("保密办", "secrecy", parent=root)
    planning = make_unit("规划科", "planning", parent=root)
    finance = make_unit("财务科", "finance", parent=root)
    leaders = make_unit("委领导", "leaders", parent=root)
    people = {
        "lijianhua": make_person("lijianhua", unit=secrecy, clearance="IMPORTANT", roles=[("secrecy_officer", None)],
                                 full_name="李建华"),
        "chen": make_person("chen", unit=leaders, clearance="CORE", roles=[("approver", None)], full_name="陈国强"),
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
    return Office(units={"root": root, "secrecy": secrecy, "planning": planning, "finance": finance}, people=people)


def small_bank(officer: User) -> dict[str, Question]:
    """Three questions with known keys: single (B), multiple (A+C), true/false (错误)."""
    make = services.question_save
    return {
        "single": make(actor=officer, data=services.QuestionData(
            kind="single", text="守则第一条是？", options=["不该问的不问", "不该说的机密，绝对不说", "其他"],
            answer=[1], explanation="守则第一条", code="T1", topics=["rules"])),
        "multiple": make(actor=officer, data=services.QuestionData(
            kind="multiple", text="不得用于传达机密事项的是？", options=["普通电话", "机要交通", "普通邮局"],
            answer=[0, 2], explanation="守则第九条", code="T2", topics=["rules"])),
        "tf": make(actor=officer, data=services.QuestionData(
            kind="true_false", text="可以把涉密文件带回家。", options=[], answer=[1], explanation="守则第八条",
            code="T3", topics=["carriers"])),
    }


def make_exam(officer: User, *, count: int = 3, pass_mark: int = 60, attempts: int = 2, minutes: int = 30,
              purpose: str = "annual", title: str = "2026年度保密知识考试") -> Exam:
    return services.exam_create(actor=officer, title=title, purpose=purpose, question_count=count,
                                time_limit_minutes=minutes, pass_mark=pass_mark, max_attempts=attempts)


def answer_key(attempt: Attempt, *, right: set[str] | None = None) -> dict[int, list[int]]:
    """Answers for every item: right for the kinds named in `right` (all when None), else wrong."""
    answers: dict[int, list[int]] = {}
    for item in attempt.items.all():
        if right is None or item.kind in right:
            answers[item.position] = list(item.answer)
        else:
            wrong = [i for i in range(len(item.options)) if i not in item.answer]
            answers[item.position] = wrong[:1]
    return answers


def day(y: int, m: int, d: int) -> datetime.date:
    return datetime.date(y, m, d)
