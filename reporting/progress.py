"""City figures, the linear trajectory to the targets, and the status: pure functions over each unit's figures.

What one unit's figures add up to (its running total, its latest figure) is reduced by SQL, one row per unit
(storage.unit_figures); here the indicator's kind turns those rows into the city figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from itertools import pairwise

from knowledge.models import Frozen, Indicator, Target
from reporting.kinds import Aggregate, IndicatorKind, Kind
from reporting.periods import Period
from storage.unit_figures import CUMULATIVE, FIRST, LATEST, TOTAL, UnitFigure

BEHIND_SHARE = 0.95


def status_rule(years: Sequence[int]) -> str:
    """The status rule in words, for the table's year columns (baseline first): the years come from the document."""
    steps = " → ".join([f"{years[0]}年12月基线", *(f"{year}年12月目标" for year in years[1:])])
    return f"状态按月线性进度：{steps}，之后持平；低于进度的{BEHIND_SHARE:.0%}为滞后"


class Status(StrEnum):
    DONE = "已完成"
    AHEAD = "超前"
    ON_TRACK = "正常"
    BEHIND = "滞后"
    NO_DATA = "暂无数据"


class IndicatorProgress(Frozen):
    """Where one indicator stands for the city, and by which rule."""

    number: int
    name: str
    unit: str
    percent: bool
    kind: IndicatorKind
    figure: float | None
    baseline: float
    baseline_year: int
    targets: tuple[Target, ...]  # the document's target years, in order
    as_of: Period
    expected: float
    status: Status
    units_reported: int
    reported_sum: float = 0.0
    first_period: Period | None = None  # the earliest month reported
    missing_history: bool = False  # a running total whose reports start after the baseline: earlier months missing

    def share(self, target: float | None) -> float | None:
        if self.figure is None or not target:
            return None
        return self.figure / target * 100

    @property
    def final(self) -> Target | None:
        """The last target year's target: the one summaries measure against."""
        return self.targets[-1] if self.targets else None

    @property
    def final_share(self) -> float | None:
        return self.share(self.final.value) if self.final else None

    @property
    def status_rule(self) -> str:
        return status_rule([self.baseline_year, *(t.year for t in self.targets)])


def _month_of_year_end(year: int) -> int:
    return Period(year=year, month=12).ordinal


def trajectory(indicator: Indicator, period: Period) -> float:
    """Linear by month between the year-end values (baseline and targets); flat before the first and after the last."""
    points = [(_month_of_year_end(year), value) for year, value in sorted(indicator.values.items())]
    at = period.ordinal
    if at <= points[0][0]:
        return points[0][1]
    for (start, low), (end, high) in pairwise(points):
        if at <= end:
            return low + (high - low) * (at - start) / (end - start)
    return points[-1][1]


def city_figure(kind: IndicatorKind, baseline: float, units: Sequence[UnitFigure]) -> tuple[float | None, float, int]:
    """(city figure, what the units reported in total, number of units) from one row per unit, in unit id order.

    A count adds each unit's running total to the baseline; a level adds (or averages) each unit's latest figure,
    and has no city figure before any unit reported.
    """
    if kind.kind is Kind.COUNT:
        reported = sum(map(TOTAL, units))  # map over an itemgetter: ~5× a generator at a thousand units
        return baseline + reported, reported, len(units)
    if not units:
        return None, 0.0, 0
    latest = sum(map(LATEST, units))
    return (latest / len(units) if kind.aggregate is Aggregate.MEAN else latest), latest, len(units)


def status_of(indicator: Indicator, figure: float | None, expected: float) -> Status:
    """已完成 at the last target; 超前 above the trajectory; 滞后 below 95% of it; else 正常 (mirrored when falling)."""
    if figure is None:
        return Status.NO_DATA
    final = indicator.values[max(indicator.values)]
    rising = final >= indicator.baseline
    sign = 1 if rising else -1
    if sign * figure >= sign * final:
        return Status.DONE
    if sign * figure > sign * expected:
        return Status.AHEAD
    shortfall = (expected - figure) if rising else (figure - expected)
    if shortfall > (1 - BEHIND_SHARE) * abs(expected):
        return Status.BEHIND
    return Status.ON_TRACK


def indicator_progress(
    indicator: Indicator, kind: IndicatorKind, units: Sequence[UnitFigure], as_of: Period
) -> IndicatorProgress:
    """The whole picture for one indicator as of a month, from each unit's reduced figures (by unit id)."""
    value, reported, count = city_figure(kind, indicator.baseline, units)
    expected = trajectory(indicator, as_of)
    first = Period.parse_key(min(map(FIRST, units))) if units else None
    return IndicatorProgress(
        number=indicator.number,
        name=indicator.name,
        unit=indicator.unit,
        percent=indicator.percent,
        kind=kind,
        figure=value,
        baseline=indicator.baseline,
        baseline_year=indicator.baseline_year,
        targets=indicator.targets,
        as_of=as_of,
        expected=expected,
        status=status_of(indicator, value, expected),
        units_reported=count,
        reported_sum=reported,
        first_period=first,
        missing_history=kind.kind is Kind.COUNT and first is not None and not any(map(CUMULATIVE, units))
        and first.ordinal > _month_of_year_end(indicator.baseline_year) + 1,
    )
