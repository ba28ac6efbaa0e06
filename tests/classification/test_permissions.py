"""What stays hidden. A decision's title is visible only to those whose clearance covers its
level and who are in its need-to-know, plus its proposer, its deciding authority and the
authorities whose level and unit cover it; the three administrators see none. Checked on
lists, details, counts, pages and the API, looping over roles × clearances × need-to-know."""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import Client

from baomi.accounts.models import User
from baomi.classification import selectors, services
from baomi.levels import Clearance, Level
from baomi.periods import Period
from tests.classification.conftest import ntk
from tests.conftest import login
from tests.factories import make_person, make_unit

ROLES = ["", "staff", "secrecy_officer", "approver", "confidential_secretary", "classification_authority"]
CLEARANCES = list(Clearance)
NEED_TO_KNOW = ["none", "person", "unit below", "role"]


def api_get(user: User, path: str):
    response = login(Client(), user).get(f"/api/v1/classification{path}")
    return response.status_code, json.loads(response.content) if response.content else None


def test_roles_clearances_and_need_to_know(head, chen, units, secadmin):
    """Each combination is a person; each decision must be visible to exactly those whose
    clearance covers it and who are in its need-to-know. A role alone (even 定密责任人
    without a designation) opens nothing."""
    ntk_unit = make_unit("综合组", "ntk-unit", parent=units["finance"])
    below = make_unit("综合组一室", "ntk-below", parent=ntk_unit)
    people: dict[tuple[str, Clearance, str], User] = {}
    for n, (role, clearance, kind) in enumerate(itertools.product(ROLES, CLEARANCES, NEED_TO_KNOW)):
        person = make_person(f"p{n}", unit=below if kind == "unit below" else units["finance"],
                             clearance=clearance.name,
                             roles=[(r, None) for r in {role, "approver" if kind == "role" else ""} if r])
        people[(role, clearance, kind)] = person
    named = [p for (_r, _c, kind), p in people.items() if kind == "person"]
    decisions = {
        level: services.decision_create(
            actor=chen, title=f"测试事项{level.zh}", secret_type="state", level=level, period=Period(years=5),
            guide_entry=None, provisional=True, need_to_know=ntk(*[p for p in named if p.max_level >= level],
                                                                units=(ntk_unit,), roles=("approver",)),
            unit=units["finance"])
        for level in (Level.CONFIDENTIAL, Level.SECRET)
    }
    checked = 0
    for (role, clearance, kind), person in people.items():
        visible = set(selectors.decisions_visible_to(person).values_list("pk", flat=True))
        in_need_to_know = kind != "none" or role == "approver"  # the need-to-know names the 审批领导 role
        expected = {d.pk for level, d in decisions.items() if in_need_to_know and clearance.may_know(level)}
        assert visible == expected, (role, clearance, kind)
        counted = sum(n for _label, n in selectors.counts(person)["level"])
        assert counted == len(expected), "counts never include what is hidden"
        checked += 1
    assert checked == len(ROLES) * len(CLEARANCES) * len(NEED_TO_KNOW)


# ---------------------------------------------------------------- the demo cast, end to end


@pytest.fixture
def world(planning_draft, budget, designated, head, chen, sunwei, zhoujing, wutao, zhengli, officer, reference,
          entries, units):
    work = services.decision_create(actor=chen, title="财务科内部奖惩规定", secret_type="work",
                                    work_reference=reference, need_to_know=ntk(zhengli), unit=units["finance"])
    team = services.decision_create(
        actor=sunwei, title="规划科年度工作要点", secret_type="state", guide_entry=entries["1"],
        level=Level.CONFIDENTIAL, period=Period(years=1), need_to_know=ntk(units=(units["planning"],)),
        unit=units["planning"])
    liumin = make_person("liumin", unit=make_unit("办公室", "office", parent=units["org"]), clearance="IMPORTANT")
    return {"A": planning_draft, "B": budget, "W": work, "T": team, "liumin": liumin}


# who sees which: A 机密 规划 (委领导 + 保密员 role), B 秘密 财务 (周静, 吴涛), W 工作秘密 (郑丽), T 秘密 规划科 unit
EXPECTED = {
    "chen": {"A", "B", "W", "T"},  # unit head: every unit up to 机密 (and 委领导 is in A's need-to-know)
    "sunwei": {"A", "T"},  # his own decisions; 规划科 only
    "zhoujing": {"B", "T"},  # 一般: not A (机密); B by name, T by unit
    "wutao": {"B"},
    "zhengli": {"W"},  # 非涉密 may know a work secret in their need-to-know
    "officer": {"A"},  # by the 保密员 role
    "liumin": set(),  # 重要 clearance, but in no need-to-know
    "sysadmin": set(), "secadmin": set(), "auditor": set(),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_what_each_person_sees_everywhere(request, world, who):
    user = world["liumin"] if who == "liumin" else request.getfixturevalue(who)
    titles = {k: world[k].title for k in "ABWT"}
    seen = {k for k, d in world.items() if k != "liumin" and selectors.decisions_visible_to(user).filter(
        pk=d.pk).exists()}
    assert seen == EXPECTED[who]

    client = login(Client(), user)
    pages = ["/classification/", "/classification/notices/", "/classification/review/",
             "/classification/reports/", "/classification/derive/", "/classification/new/?q="]
    for path in pages:
        response = client.get(path)
        body = response.content.decode()
        if user.admin_role:
            assert response.status_code == 403, path
        hidden = [t for k, t in titles.items() if k not in EXPECTED[who]]
        assert not any(t in body for t in hidden), (path, [t for t in hidden if t in body])
    for key in "ABWT":
        page = client.get(f"/classification/{world[key].pk}/")
        status, data = api_get(user, f"/decisions/{world[key].pk}")
        if key in EXPECTED[who]:
            assert page.status_code == 200 and titles[key] in page.content.decode()
            assert status == 200 and data["title"] == titles[key]
        elif user.admin_role:
            assert page.status_code == 403 and status == 403
        else:  # the same answer as for an id that does not exist
            assert page.status_code == 404 and status == 404
            assert (status, data) == api_get(user, "/decisions/999999")
    status, data = api_get(user, "/decisions")
    if user.admin_role:
        assert status == 403
    else:
        assert {d["title"] for d in data} == {titles[k] for k in EXPECTED[who]}


def test_a_lowered_clearance_hides_what_the_need_to_know_still_names(world, secadmin, wutao):
    from baomi.accounts.services import person_set_clearance

    person_set_clearance(actor=secadmin, person=wutao, clearance=Clearance.NONE)
    wutao.refresh_from_db()
    assert not selectors.decisions_visible_to(wutao).exists()


def test_counts_and_exports_cover_only_what_the_reader_may_see(world, officer, chen):
    totals = {who: sum(n for _l, n in selectors.counts(u)["level"]) for who, u in (("officer", officer),
                                                                                 ("chen", chen))}
    assert totals == {"officer": 1, "chen": 4}
    assert [d.title for d in selectors.state_secret_list(officer)] == [world["A"].title]


def test_a_raise_above_a_holders_clearance_hides_the_title_in_their_notice(world, zhoujing, sunwei, chen, password):
    from baomi.approvals.services import request_decide

    change = services.change_request(actor=sunwei, decision=world["T"], kind="raise", new_level=Level.SECRET,
                                     justification="涉及选址")
    request_decide(actor=chen, request=change.approval, approve=True, password=password)
    body = login(Client(), zhoujing).get("/classification/notices/").content.decode()
    assert world["T"].code in body and world["T"].title not in body
    assert not selectors.decisions_visible_to(zhoujing).filter(pk=world["T"].pk).exists()
