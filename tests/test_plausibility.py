"""Plausibility rules: what is asked back before storing, with the likely meaning, per indicator kind."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.parser import load_policy
from reporting.grammar import ReportItem
from reporting.kinds import Aggregate, load_kinds
from reporting.periods import Period
from reporting.plausibility import doubt
from reporting.units import UnitSpec

pytestmark = pytest.mark.pure

DOCUMENT = load_policy()
KINDS = load_kinds(DOCUMENT)
BY_NUMBER = {i.number: i for i in DOCUMENT.indicators}
PERCENT = [i for i in DOCUMENT.indicators if i.percent]
WHOLE = [i for i in DOCUMENT.indicators if UnitSpec.parse(i.unit).multiplier == 1 and not i.percent
         and KINDS[i.number].aggregate is Aggregate.SUM]
TEN_THOUSANDS = [i for i in DOCUMENT.indicators if i.unit.startswith("万")]
OCTOBER = Period.of(dt.date(2026, 10, 1))


def item(number: int, value: float, typed: str | None = None, cumulative: bool = False,
         period: Period = OCTOBER) -> ReportItem:
    return ReportItem(indicator=number, value=value, typed=typed or repr(value), period=period, cumulative=cumulative)


def check(number: int, value: float, typed: str | None = None, history=(), totals=(), cumulative=False, period=OCTOBER):
    return doubt(item(number, value, typed, cumulative, period), BY_NUMBER[number], KINDS[number], list(history),
                 totals)


def plausible_max(number: int) -> float:
    """The highest value no rule questions without history: a month's share of the city's remaining growth."""
    indicator = BY_NUMBER[number]
    return max(indicator.values.values()) - indicator.baseline


def test_the_slips_the_issue_names() -> None:
    share = check(23, 0.66, "0.66")
    assert share and share.suggestion == 66 and "66%" in share.reason
    assert check(23, 66, "66") is None and check(23, 0.66, "0.66%") is None  # written as a percentage: meant
    people = check(15, 1.5, "1.5")
    assert people and people.suggestion is None and "整数" in people.reason
    slip = check(1, 1368000, "1368000")
    assert slip and slip.suggestion == 136.8
    fell = check(16, 20, "20", totals=[("2026-08", 25.0)], cumulative=True)
    assert fell and "2026年8月" in fell.reason and "25 人" in fell.reason


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(PERCENT), st.floats(min_value=0.01, max_value=0.99))
def test_a_share_written_as_a_fraction_is_asked_as_a_percentage(indicator, value) -> None:
    found = check(indicator.number, value, repr(value))
    assert found is not None and abs(found.suggestion - value * 100) < 1e-6
    assert check(indicator.number, found.suggestion, f"{found.suggestion}%") is None  # the suggestion itself passes


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.sampled_from(WHOLE), st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=9))
def test_whole_things_with_a_decimal_are_asked_and_whole_ones_within_scale_are_not(indicator, whole, tenth) -> None:
    assert check(indicator.number, whole + tenth / 10) is not None
    if whole <= plausible_max(indicator.number):
        assert check(indicator.number, float(whole)) is None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(TEN_THOUSANDS), st.floats(min_value=0.1, max_value=1.0))
def test_a_count_of_people_for_a_ten_thousands_indicator_suggests_the_ten_thousands(indicator, share) -> None:
    meant = round(plausible_max(indicator.number) * share, 2) or 0.1
    found = check(indicator.number, meant * 10_000)
    assert found is not None and found.suggestion is not None and abs(found.suggestion - meant) < 1e-6


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=6),
       st.integers(min_value=0, max_value=100))
def test_a_running_total_below_an_earlier_month_is_asked_and_one_at_or_above_is_not(earlier, value) -> None:
    totals = [(Period.of(dt.date(2026, m + 1, 1)).key, float(v)) for m, v in enumerate(earlier)]
    found = check(16, float(value), totals=totals, cumulative=True, period=Period.of(dt.date(2026, 10, 1)))
    fell = value < max(earlier)
    assert (found is not None and "累计" in found.reason) == fell
