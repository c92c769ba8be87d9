"""Each unit's figures reduced by SQL and cached per unit: states at past instants, following writes, query plans."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import statistics
import tempfile
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import dashboard_queries, reviews, summary_queries, unit_figures, watermarks
from storage.db import open_database
from storage.reports import IS_CURRENT, IS_CURRENT_AT
from storage.unit_figures import RELOAD_OVER, Spread, UnitFigures, Units
from tests.crafted_rows import Rows, at, schema

pytestmark = [pytest.mark.service, pytest.mark.both_engines]


def values(found: dict[int, Units], number: int = 15) -> list[tuple[int, float]]:
    return [(u.unit_id, u.total) for u in found[number]]


async def test_the_state_just_before_an_instant_follows_corrections_and_undos(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    rows = Rows(schema(tmp_path / "bot.db"))  # another connection: the cache follows whatever commits
    figures = UnitFigures(db)
    try:
        rows.report(1, 15, "2026-09", 5, at(2026, 10, 3))
        corrected = rows.report(1, 15, "2026-09", 7, at(2026, 10, 9))
        assert values(await figures.now([15])) == [(1, 7)]
        assert values(await figures.at(at(2026, 10, 5), [15])) == [(1, 5)]
        assert values(await figures.at(at(2026, 10, 9), [15])) == [(1, 5)]  # stamped at the instant: not yet
        assert await figures.at(at(2026, 10, 1), [15, 16]) == {15: (), 16: ()}
        rows.undo(corrected, at(2026, 10, 12))
        assert values(await figures.now([15])) == [(1, 5)]  # the earlier figure counts again
        assert values(await figures.at(at(2026, 10, 11), [15])) == [(1, 7)]  # undone only later
        assert values(await figures.at(at(2026, 10, 13), [15])) == [(1, 5)]
        rows.report(2, 15, "2026-10", 1, at(2026, 11, 2))
        rows.report(1, 15, "2026-10", 2, at(2026, 11, 2))
        assert values(await figures.now([15])) == [(1, 7), (2, 1)]
        assert values(await figures.at(at(2026, 11, 1), [15])) == [(1, 5)]
    finally:
        await db.close()


async def test_the_cache_drops_what_it_cannot_follow(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    rows = Rows(schema(tmp_path / "bot.db"))
    figures = UnitFigures(db)
    try:
        late = rows.report(1, 15, "2026-09", 5, at(2026, 10, 3))
        recent = rows.report(2, 15, "2026-09", 6, at(2026, 10, 4))
        rows.undo(recent, at(2026, 10, 20))
        assert values(await figures.now([15])) == [(1, 5)]
        rows.undo(late, at(2026, 10, 10))  # stamped before the undo already seen: found by the count of undos
        assert values(await figures.now([15])) == []
        for unit in range(3, 3 + RELOAD_OVER + 2):  # a bulk load by another process: the indicator is reduced anew
            rows.report(unit, 15, "2026-09", 1, at(2026, 10, 21))
        assert len(values(await figures.now([15]))) == RELOAD_OVER + 2
        assert (await figures.spreads([(15, 3)]))[(15, 3)] == {False: Spread(1, (1.0,))}
        rows.report(3, 15, "2026-10", 4, at(2026, 10, 22))
        assert (await figures.spreads([(15, 3)]))[(15, 3)] == {False: Spread(2, (1.0, 4.0))}
    finally:
        await db.close()


@pytest.mark.pure
@given(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0, 10.0, 40.0, 100.0, 1e6]), max_size=12), st.data())
def test_the_middle_of_the_other_figures_has_their_median(figures: list[float], data: st.DataObject) -> None:
    ranked = sorted(figures)
    low, high = max(0, len(ranked) // 2 - 2), len(ranked) // 2 + 2
    spread = Spread(len(ranked), tuple(ranked[low:high + 1]))
    leave_one_out = bool(ranked) and data.draw(st.booleans())
    left_out = data.draw(st.sampled_from(ranked)) if leave_one_out else 0.0
    others = list(ranked)
    if left_out > 0:
        others.remove(left_out)
    middle = spread.others(left_out)
    assert (statistics.median(middle) if middle else None) == (statistics.median(others) if others else None)


def plan(conn: sqlite3.Connection, sql: str, params: dict) -> list[str]:
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


PARTIAL = re.compile(r"reports_(undone|reviewed|pending)\b")


@pytest.mark.pure
def test_summaries_read_reports_through_indexes_only() -> None:
    """No statement walks the reports table, or a whole index of it: each starts from an indexed key or instant."""
    conn = schema()
    when = {"at": "2026-11-23T00:00:00+08:00", "start": "2026-11-16T00:00:00+08:00", "indicator": 15, "unit": 1,
            "period": "2026-10", "last": 0, "mark": 0.0, "touched": "[[1, \"2026-10\"]]", "units": "[1, 2]",
            "review_mark": 0.0, "limit": 10, "first": "2026-05"}
    expected = {
        unit_figures.INDICATOR_NOW: {"reports_current"},
        unit_figures.UNIT_NOW: {"reports_current"},
        unit_figures.UNITS_AT_IN["sqlite"]: {"reports_current", "reports_key"},
        unit_figures.TOUCHED: {"reports_created", "reports_undone"},
        unit_figures.SPREADS_IN["sqlite"]: {"reports_current"},
        watermarks.MARKS: {"reports_undone", "reports_reviewed"},
        watermarks.CHANGED: {"reports_undone", "reports_reviewed"},
        reviews.QUEUE: {"reports_pending"},
        reviews.AWAITING_BY_INDICATOR: {"reports_pending"},
        reviews.QUEUE_SIZE: {"reports_pending"},
        dashboard_queries.UNIT_HISTORY: {"reports_key"},
        dashboard_queries.MONTHS_REPORTED: {"reports_current"},
        summary_queries.WEEK_ACTIVITY: {"reports_created"},
        summary_queries.WEEK_FIGURES: {"reports_created", "reports_current"},
        summary_queries.CHANGED_SINCE: {"reports_created", "reports_undone"},
        summary_queries.ON_DUTY_NOW: {"reports_current"},
        summary_queries.ON_DUTY_AT: {"reports_key"},
        summary_queries.MISSING_NOW: {"reports_current"},
        f"SELECT r.id FROM reports r WHERE r.indicator = :indicator AND r.unit_id = :unit AND {IS_CURRENT}":
            {"reports_current"},
        f"SELECT r.id FROM reports r WHERE r.indicator = :indicator AND r.unit_id = :unit AND {IS_CURRENT_AT}":
            {"reports_key"},
    }
    for sql, indexes in expected.items():
        steps = plan(conn, sql, when)
        walks = [s for s in steps if re.match(r"SCAN (reports|r|r2|h|h2)\b", s) and not PARTIAL.search(s)]
        assert walks == [], (sql[:60], steps)  # (partial indexes of undone, reviewed or waiting rows: the few marked)
        used = set(re.findall(r"INDEX (reports_\w+)", " ".join(steps)))
        assert indexes <= used, (sql[:60], steps)


step = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(0, 20), st.booleans(), st.integers(0, 6))


def oracle(stored: Sequence[Sequence[Any]], instant: float | None) -> list[tuple]:
    """The rule written out: per key the newest row alive just before `instant` (None: now), reduced per unit."""
    alive: dict[tuple[int, str], tuple[float, bool]] = {}
    for _, unit, period, value, cumulative, created, undone in stored:  # in id order
        if (instant is None and undone is None) or (instant is not None and created < instant and (
                undone is None or undone >= instant)):
            alive[(unit, period)] = (value, cumulative)
    units: dict[int, list] = {}
    for (unit, period), (value, cumulative) in sorted(alive.items()):
        units.setdefault(unit, []).append((period, value, cumulative))
    out = []
    for unit, months in sorted(units.items()):
        anchor = max((p for p, _, c in months if c), default="")
        out.append((unit, months[0][0], months[-1][0], months[-1][1], sum(v for p, v, _ in months if p >= anchor),
                    anchor != ""))
    return out


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=14))
def test_any_reports_and_undos_reduce_as_the_rule_written_out(steps: list[tuple]) -> None:
    """Figures, corrections and undos at hourly steps; now and the state just before each step agree with the rule."""
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_replay(Path(folder) / "bot.db", steps))


async def _replay(path: Path, steps: list[tuple]) -> None:
    db = await open_database(path)
    rows = Rows(schema(path))
    figures = UnitFigures(db)
    stored: list[list] = []
    try:
        for hour, (unit, month, value, cumulative, undo) in enumerate(steps, start=1):
            when = at(2026, 10, 1, hour)
            if undo == 0 and stored:  # /undo of the latest row still counting
                live = [row for row in stored if row[6] is None]
                if live:
                    rows.undo(live[-1][0], when)
                    live[-1][6] = when.timestamp()
            else:
                rid = rows.report(unit, 15, f"2026-0{month}", float(value), when, cumulative)
                stored.append([rid, unit, f"2026-0{month}", float(value), cumulative, when.timestamp(), None])
            assert [tuple(u) for u in (await figures.now([15]))[15]] == oracle(stored, None)
            with closing(sqlite3.connect(path)) as conn:  # the triggers' count is the watermark's
                assert conn.execute("SELECT undone FROM report_counts").fetchone()[0] == sum(
                    row[6] is not None for row in stored)
        for hour in range(1, len(steps) + 2):
            instant = at(2026, 10, 1, hour)
            found = (await figures.at(instant, [15]))[15]
            assert [tuple(u) for u in found] == oracle(stored, instant.timestamp())
    finally:
        await db.close()
