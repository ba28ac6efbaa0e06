"""Periods (保密期限): validation, Chinese formatting, expiry and working-day arithmetic."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baomi.levels import STATE_SECRET_LEVELS, Level
from baomi.periods import (
    Period,
    PeriodKind,
    add_months,
    ceiling,
    expiry,
    working_days_after,
)

D = datetime.date


# --- Period ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "kind", "zh"),
    [
        (Period(years=5), PeriodKind.YEARS, "5年"),
        (Period(months=6), PeriodKind.MONTHS, "6个月"),
        (Period(long_term=True), PeriodKind.LONG_TERM, "长期"),
        (Period(until=D(2030, 6, 30)), PeriodKind.UNTIL, "2030年6月30日"),
        (Period(condition="会议开始前"), PeriodKind.CONDITION, "会议开始前"),
        (Period.not_stated(), PeriodKind.NOT_STATED, ""),
    ],
)
def test_period_kind_and_zh(period: Period, kind: PeriodKind, zh: str) -> None:
    assert period.kind is kind
    assert period.zh == zh == str(period)
    assert period.is_stated == (kind is not PeriodKind.NOT_STATED)


def test_not_stated_is_the_empty_period() -> None:
    assert Period.not_stated() == Period()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"years": 5, "months": 6},
        {"years": 5, "long_term": True},
        {"until": D(2030, 1, 1), "condition": "会议开始前"},
        {"months": 3, "condition": "会议开始前"},
    ],
)
def test_period_is_exactly_one_form(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Period(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{"years": 0}, {"years": -1}, {"months": 0}, {"months": -3}])
def test_period_must_be_positive(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="positive"):
        Period(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("months", "years"), [(12, 1), (24, 2), (120, 10)])
def test_whole_years_of_months_become_years(months: int, years: int) -> None:
    assert Period(months=months) == Period(years=years)
    assert Period(months=months).zh == f"{years}年"


@pytest.mark.parametrize("months", [13, 18, 25])
def test_other_months_over_a_year_are_rejected(months: int) -> None:
    with pytest.raises(ValueError, match="in years"):
        Period(months=months)


def test_period_types_are_checked() -> None:
    with pytest.raises(TypeError):
        Period(years=True)
    with pytest.raises(TypeError):
        Period(months=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Period(until=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC))


@pytest.mark.parametrize(
    "condition",
    ["", "长期", "長期", "会议 开始前", "2025年会议前", "会议开始前。", "会议★后", "会" * 31, "会议\n开始前"],
)
def test_condition_must_stay_machine_readable(condition: str) -> None:
    with pytest.raises(ValueError):
        Period(condition=condition)


@pytest.mark.parametrize("condition", ["会议开始前", "项目验收后", "《合作协议》签署后", "会" * 30, "长期保存后"])
def test_condition_accepted(condition: str) -> None:
    assert Period(condition=condition).zh == condition


def test_period_is_hashable_and_frozen() -> None:
    assert len({Period(years=1), Period(months=12), Period(years=2)}) == 2
    with pytest.raises(AttributeError):
        Period(years=1).years = 2  # type: ignore[misc]


# --- add_months and ceiling -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 3, 31), 1, D(2024, 4, 30)),
        (D(2024, 11, 15), 2, D(2025, 1, 15)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2024, 1, 15), -1, D(2023, 12, 15)),
        (D(2024, 5, 5), 0, D(2024, 5, 5)),
    ],
)
def test_add_months(start: datetime.date, n: int, expected: datetime.date) -> None:
    assert add_months(start, n) == expected


@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2500, 12, 31)), st.integers(-2400, 2400))
def test_add_months_lands_in_the_right_month_and_never_later_in_it(d: datetime.date, n: int) -> None:
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day <= d.day
    # Clamped only when the month is too short.
    assert result.day == d.day or (result + datetime.timedelta(days=1)).day == 1


def test_add_months_out_of_range() -> None:
    with pytest.raises(OverflowError):
        add_months(D(9999, 12, 1), 1)


def test_ceiling() -> None:
    assert ceiling(Level.TOP_SECRET) == 30
    assert ceiling(Level.SECRET) == 20
    assert ceiling(Level.CONFIDENTIAL) == 10
    assert ceiling(Level.WORK_SECRET) is None
    assert ceiling(Level.INTERNAL) is None
    assert ceiling(Level.PUBLIC) is None


# --- expiry ------------------------------------------------------------------------------------

START = D(2024, 1, 31)


@pytest.mark.parametrize(
    ("period", "level", "expected"),
    [
        (Period(years=5), Level.SECRET, D(2029, 1, 31)),
        (Period(years=10), Level.CONFIDENTIAL, D(2034, 1, 31)),  # at the ceiling is allowed
        (Period(months=1), Level.CONFIDENTIAL, D(2024, 2, 29)),
        (Period(months=6), Level.TOP_SECRET, D(2024, 7, 31)),
        (Period(until=D(2030, 6, 30)), Level.SECRET, D(2030, 6, 30)),
        (Period(until=START), Level.SECRET, START),
        (Period(long_term=True), Level.TOP_SECRET, None),
        (Period(long_term=True), Level.CONFIDENTIAL, None),
        (Period(condition="会议开始前"), Level.SECRET, None),
        # Not stated: the ceiling, as the latest possible expiry only.
        (Period.not_stated(), Level.TOP_SECRET, D(2054, 1, 31)),
        (Period.not_stated(), Level.SECRET, D(2044, 1, 31)),
        (Period.not_stated(), Level.CONFIDENTIAL, D(2034, 1, 31)),
        (Period.not_stated(), Level.WORK_SECRET, None),
        (Period(years=3), Level.WORK_SECRET, D(2027, 1, 31)),
    ],
)
def test_expiry(period: Period, level: Level, expected: datetime.date | None) -> None:
    assert expiry(START, period, level) == expected


def test_expiry_of_not_stated_from_leap_day() -> None:
    assert expiry(D(2024, 2, 29), Period.not_stated(), Level.CONFIDENTIAL) == D(2034, 2, 28)


@pytest.mark.parametrize(
    ("period", "level"),
    [
        (Period(years=15), Level.CONFIDENTIAL),
        (Period(years=21), Level.SECRET),
        (Period(years=31), Level.TOP_SECRET),
        (Period(until=D(2034, 2, 1)), Level.CONFIDENTIAL),
        (Period(until=D(2054, 2, 1)), Level.TOP_SECRET),
    ],
)
def test_expiry_rejects_periods_over_the_ceiling(period: Period, level: Level) -> None:
    with pytest.raises(ValueError, match="ceiling"):
        expiry(START, period, level)


def test_expiry_rejects_end_date_before_start() -> None:
    with pytest.raises(ValueError, match="before start"):
        expiry(START, Period(until=D(2024, 1, 30)), Level.SECRET)


def test_long_term_is_for_state_secrets() -> None:
    with pytest.raises(ValueError, match="state secrets"):
        expiry(START, Period(long_term=True), Level.WORK_SECRET)


@given(
    st.dates(min_value=D(1950, 1, 1), max_value=D(2200, 12, 31)),
    st.sampled_from(STATE_SECRET_LEVELS),
    st.data(),
)
def test_stated_periods_never_outlast_the_not_stated_bound(
    start: datetime.date, level: Level, data: st.DataObject
) -> None:
    top = level.ceiling_years
    assert top is not None
    period = data.draw(
        st.one_of(
            st.builds(Period, years=st.integers(1, top)),
            st.builds(Period, months=st.integers(1, 11)),
        )
    )
    latest = expiry(start, Period.not_stated(), level)
    result = expiry(start, period, level)
    assert latest is not None and result is not None
    assert start < result <= latest


# --- working days -------------------------------------------------------------------------------


def test_working_days_skip_weekends() -> None:
    friday = D(2024, 6, 7)
    assert working_days_after(friday, 0) == friday
    assert working_days_after(friday, 1) == D(2024, 6, 10)  # Monday
    assert working_days_after(friday, 5) == D(2024, 6, 14)
    assert working_days_after(friday, 10) == D(2024, 6, 21)
    saturday = D(2024, 6, 8)
    assert working_days_after(saturday, 1) == D(2024, 6, 10)


def test_working_days_with_holidays_and_make_up_days() -> None:
    # National Day 2024: 1–7 October off; Sunday 29 September and Saturday 12 October worked.
    holidays = {D(2024, 10, d) for d in range(1, 8)}
    workdays = {D(2024, 9, 29), D(2024, 10, 12)}
    start = D(2024, 9, 27)  # Friday
    assert working_days_after(start, 1, holidays) == D(2024, 9, 30)
    assert working_days_after(start, 1, holidays, workdays) == D(2024, 9, 29)
    assert working_days_after(start, 2, holidays, workdays) == D(2024, 9, 30)
    # 10 working days: 29, 30 Sep; 8, 9, 10, 11, 12, 14, 15, 16 Oct.
    assert working_days_after(start, 10, holidays, workdays) == D(2024, 10, 16)


def test_working_days_negative() -> None:
    with pytest.raises(ValueError):
        working_days_after(D(2024, 1, 1), -1)
