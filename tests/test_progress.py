"""Progress math: levels and counts, 累计 totals, several units, the trajectory and the status.

Each unit's figures are reduced by the bot's own SQL (storage.unit_figures) on a real schema; reporting.progress
turns those rows into the city figure.
"""

from __future__ import annotations

import pytest

from knowledge.models import Indicator
from knowledge.parser import load_policy
from reporting.kinds import Aggregate, IndicatorKind, Kind, default_kind, load_kinds
from reporting.periods import Period
from reporting.progress import Status, city_figure, indicator_progress, status_of, trajectory
from storage.unit_figures import UnitFigure
from tests.crafted_rows import Rows, at, schema

pytestmark = pytest.mark.pure

DOC = load_policy()
KINDS = load_kinds(DOC)


def _indicator(number: int) -> Indicator:
    found = DOC.indicator(number)
    assert found is not None
    return found


CRAFTSMEN = _indicator(15)  # 新增济南工匠: 30 → 90 → 150 人, a count
SKILLED = _indicator(1)  # 技能人才: 134 → 142 → 150 万人, a level
TEACHERS = _indicator(23)  # 双师型 %: 60 → 65 → 70, a ratio
COUNT, LEVEL, MEAN = IndicatorKind(kind=Kind.COUNT), IndicatorKind(kind=Kind.LEVEL), IndicatorKind(
    kind=Kind.LEVEL, aggregate=Aggregate.MEAN)


def p(year: int, month: int) -> Period:
    return Period(year=year, month=month)


Fig = tuple[int, str, float, bool]


def fig(unit: int, year: int, month: int, value: float, cumulative: bool = False) -> Fig:
    return unit, p(year, month).key, value, cumulative


def units(*figures: Fig) -> tuple[UnitFigure, ...]:
    """The figures stored (one per unit and month) and reduced per unit as the bot does."""
    rows = Rows(schema())
    for unit, period, value, cumulative in figures:
        rows.report(unit, 15, period, value, cumulative=cumulative)
    return rows.reduced(15)


def test_kinds_come_from_name_and_unit_and_the_data_file_overrides() -> None:
    assert KINDS[15].kind is Kind.COUNT and KINDS[9].kind is Kind.COUNT and KINDS[19].kind is Kind.COUNT
    assert KINDS[1].kind is Kind.LEVEL and KINDS[3].kind is Kind.LEVEL
    assert KINDS[23] == MEAN and KINDS[21] == MEAN
    assert default_kind(_indicator(17)).kind is Kind.COUNT  # 项
    assert KINDS[2] == LEVEL  # 师徒结对: set in reporting/data/indicator_kinds.json


def test_trajectory_is_linear_by_month_and_flat_after_2025() -> None:
    assert trajectory(CRAFTSMEN, p(2021, 12)) == 30
    assert trajectory(CRAFTSMEN, p(2020, 5)) == 30
    assert trajectory(CRAFTSMEN, p(2022, 12)) == pytest.approx(60)
    assert trajectory(CRAFTSMEN, p(2023, 12)) == 90
    assert trajectory(CRAFTSMEN, p(2024, 6)) == pytest.approx(105)
    assert trajectory(CRAFTSMEN, p(2025, 12)) == 150
    assert trajectory(CRAFTSMEN, p(2026, 10)) == 150


def test_a_count_adds_every_month_of_every_unit_to_the_baseline() -> None:
    figures = units(fig(1, 2026, 9, 5), fig(1, 2026, 10, 7), fig(2, 2026, 10, 12), fig(2, 2022, 1, 1))
    assert city_figure(COUNT, 30, figures) == (55, 25, 2)
    assert city_figure(COUNT, 30, ()) == (30, 0, 0)


def test_a_cumulative_report_sets_the_units_running_total() -> None:
    figures = units(fig(1, 2026, 3, 5), fig(1, 2026, 6, 40, cumulative=True), fig(1, 2026, 5, 9), fig(1, 2026, 8, 2),
                    fig(2, 2026, 7, 3))
    # unit 1: 累计 40 at June covers March and May; August adds 2 → 42; unit 2 adds 3
    assert city_figure(COUNT, 30, figures) == (75, 45, 2)
    assert [(u.first, u.last, u.latest, u.cumulative) for u in figures] == [
        ("2026-03", "2026-08", 2, True), ("2026-07", "2026-07", 3, False)]


def test_the_latest_running_total_counts_and_a_corrected_or_undone_month_is_replaced() -> None:
    rows = Rows(schema())
    rows.report(1, 15, "2026-02", 10, cumulative=True)
    rows.report(1, 15, "2026-04", 25, cumulative=True)
    rows.report(1, 15, "2026-03", 4)  # before the latest 累计: inside it
    rows.report(1, 15, "2026-05", 3)
    corrected = rows.report(1, 15, "2026-05", 6)  # a correction replaces May
    assert [u.total for u in rows.reduced(15)] == [31]
    rows.undo(corrected, at(2026, 6, 2))  # undone: May's first figure counts again
    assert [u.total for u in rows.reduced(15)] == [28]
    rows.undo(rows.report(1, 15, "2026-04", 30, cumulative=True), at(2026, 6, 3))
    rows.report(1, 15, "2026-04", 7)  # April becomes monthly: February's 累计 is the latest one again
    assert [(u.total, u.cumulative) for u in rows.reduced(15)] == [(10 + 4 + 7 + 3, True)]


def test_a_level_sums_each_units_latest_report() -> None:
    figures = units(fig(1, 2026, 9, 100), fig(1, 2026, 10, 110), fig(2, 2026, 8, 30))
    assert city_figure(LEVEL, 134, figures) == (140, 140, 2)
    assert city_figure(LEVEL, 134, ()) == (None, 0, 0)


def test_a_ratio_is_averaged_not_added() -> None:
    figures = units(fig(1, 2026, 10, 60), fig(2, 2026, 10, 70), fig(2, 2026, 9, 10))
    value, _, count = city_figure(MEAN, 60, figures)
    assert (value, count) == (65, 2)


@pytest.mark.parametrize(("figure", "expected", "status"), [
    (150, 140, Status.DONE), (160, 140, Status.DONE), (141, 140, Status.AHEAD), (140, 140, Status.ON_TRACK),
    (133.5, 140, Status.ON_TRACK), (132.9, 140, Status.BEHIND), (None, 140, Status.NO_DATA),
])
def test_status(figure: float | None, expected: float, status: Status) -> None:
    assert status_of(CRAFTSMEN, figure, expected) is status


def test_status_for_a_falling_target_mirrors() -> None:
    falling = CRAFTSMEN.model_copy(update={"values": {2021: 100.0, 2023: 80.0, 2025: 60.0}})
    assert status_of(falling, 59, 70) is Status.DONE
    assert status_of(falling, 65, 70) is Status.AHEAD
    assert status_of(falling, 73, 70) is Status.ON_TRACK
    assert status_of(falling, 74, 70) is Status.BEHIND


def test_the_acceptance_example() -> None:
    progress = indicator_progress(CRAFTSMEN, KINDS[15], units(fig(1, 2026, 10, 12)), p(2026, 10))
    assert progress.figure == 42 and [(t.year, t.value) for t in progress.targets] == [(2023, 90), (2025, 150)]
    shares = [progress.share(t.value) for t in progress.targets]
    assert shares == pytest.approx([46.6667, 28], rel=1e-4) and progress.final_share == pytest.approx(28)
    assert progress.status_rule == ("状态按月线性进度：2021年12月基线 → 2023年12月目标 → 2025年12月目标，之后持平；"
                                    "低于进度的95%为滞后")
    assert progress.expected == 150 and progress.status is Status.BEHIND
    assert "2021年基线 + 2022年1月起" in progress.kind.rule(progress.baseline_year)


def test_progress_of_a_level_mid_plan() -> None:
    progress = indicator_progress(SKILLED, KINDS[1], units(fig(1, 2024, 12, 100), fig(2, 2024, 12, 46)), p(2024, 12))
    assert progress.expected == pytest.approx(146) and progress.figure == 146 and progress.status is Status.ON_TRACK
    teachers = indicator_progress(TEACHERS, KINDS[23], units(fig(1, 2024, 12, 66), fig(2, 2024, 12, 70)), p(2024, 12))
    assert teachers.figure == 68 and teachers.status is Status.AHEAD
