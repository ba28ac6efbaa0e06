"""Levels (密级) and clearance categories (涉密人员类别): order, caps, names, parsing. Pure Python."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baomi.levels import STATE_SECRET_LEVELS, Clearance, Level

ORDER_ZH = ["公开", "内部", "工作秘密", "秘密", "机密", "绝密"]


def test_levels_are_totally_ordered():
    assert [level.zh for level in sorted(Level)] == ORDER_ZH
    assert Level.PUBLIC < Level.INTERNAL < Level.WORK_SECRET < Level.CONFIDENTIAL < Level.SECRET < Level.TOP_SECRET
    for a, b in itertools.combinations(sorted(Level), 2):
        assert a < b and not b < a and max(a, b) is b


def test_state_secrets_are_the_top_three():
    assert STATE_SECRET_LEVELS == (Level.CONFIDENTIAL, Level.SECRET, Level.TOP_SECRET)
    assert [lvl for lvl in Level if lvl.is_state_secret] == list(STATE_SECRET_LEVELS)
    assert not Level.WORK_SECRET.is_state_secret


def test_ceilings():
    ceilings = [lvl.ceiling_years for lvl in (Level.TOP_SECRET, Level.SECRET, Level.CONFIDENTIAL)]
    assert ceilings == [30, 20, 10]
    assert Level.WORK_SECRET.ceiling_years is None and Level.PUBLIC.ceiling_years is None


def test_names():
    assert str(Level.SECRET) == "机密" and Level.SECRET.en == "Secret"
    assert {lvl.en for lvl in Level} == {"Public", "Internal", "Work secret", "Confidential", "Secret", "Top secret"}


@pytest.mark.parametrize(("clearance", "cap"), [
    (Clearance.CORE, Level.TOP_SECRET),  # 核心 → 绝密
    (Clearance.IMPORTANT, Level.SECRET),  # 重要 → 机密
    (Clearance.GENERAL, Level.CONFIDENTIAL),  # 一般 → 秘密
    (Clearance.NONE, Level.WORK_SECRET),  # 非涉密 → 工作秘密
])
def test_clearance_caps(clearance, cap):
    assert clearance.max_level is cap
    for level in Level:
        assert clearance.may_know(level) is (level <= cap)


def test_clearance_order_and_names():
    assert [c.zh for c in sorted(Clearance)] == ["非涉密", "一般", "重要", "核心"]
    assert [c.en for c in sorted(Clearance)] == ["Not cleared", "General", "Important", "Core"]
    assert str(Clearance.CORE) == "核心"
    # A higher category never knows less.
    for lower, higher in itertools.pairwise(sorted(Clearance)):
        assert lower.max_level < higher.max_level


@pytest.mark.parametrize(("value", "expected"), [
    (Level.SECRET, Level.SECRET), (4, Level.SECRET), ("4", Level.SECRET), (" 4 ", Level.SECRET),
    ("SECRET", Level.SECRET), ("secret", Level.SECRET), (" Top_Secret ", Level.TOP_SECRET),
    ("机密", Level.SECRET), (" 绝密 ", Level.TOP_SECRET), ("工作秘密", Level.WORK_SECRET), ("公开", Level.PUBLIC),
    (0, Level.PUBLIC),
])
def test_level_parse(value, expected):
    assert Level.parse(value) is expected


@pytest.mark.parametrize("value", ["", "   ", "机密★", "最高机密", "top secret", "6", "-1", 6, -1, "秘 密"])
def test_level_parse_rejects(value):
    with pytest.raises(ValueError):
        Level.parse(value)


def test_from_zh():
    assert Level.from_zh("秘密") is Level.CONFIDENTIAL
    with pytest.raises(ValueError, match="unknown level"):
        Level.from_zh("SECRET")


@pytest.mark.parametrize(("value", "expected"), [
    (Clearance.CORE, Clearance.CORE), (3, Clearance.CORE), ("CORE", Clearance.CORE), ("core", Clearance.CORE),
    ("核心", Clearance.CORE), (" 重要 ", Clearance.IMPORTANT), ("一般", Clearance.GENERAL), ("非涉密", Clearance.NONE),
    ("none", Clearance.NONE), (0, Clearance.NONE),
])
def test_clearance_parse(value, expected):
    assert Clearance.parse(value) is expected


@pytest.mark.parametrize("value", ["", "核", "secret", 4, -1, "绝密"])
def test_clearance_parse_rejects(value):
    with pytest.raises(ValueError):
        Clearance.parse(value)


@given(st.sampled_from(list(Level)))
def test_every_level_round_trips_through_each_spelling(level):
    for spelling in (level, int(level), str(int(level)), level.name, level.name.lower(), level.zh):
        assert Level.parse(spelling) is level


@given(st.sampled_from(list(Clearance)))
def test_every_clearance_round_trips(clearance):
    for spelling in (clearance, int(clearance), clearance.name, clearance.name.lower(), clearance.zh):
        assert Clearance.parse(spelling) is clearance
