"""Each unit's figures of an indicator reduced by SQL to one row, and a cache of those rows that follows the table.

The reduction, over the rows that count (storage.reports IS_CURRENT, or IS_CURRENT_AT for a past instant): a
unit's running total is its latest 累计 figure plus the monthly figures after it, or all its monthly figures when
it never reported 累计; its latest figure is the one of its latest month. reporting.progress applies the city rule
(by the indicator's kind) over these rows, one per unit. A past instant is now's rows with the units whose months
were touched since (a row created, undone or reviewed at or after it: reports_created, reports_undone,
reports_reviewed) reduced as they stood.

The cache holds one row per (indicator, unit), never one per report, and a spread (count, middle five) of the units
the outlier check asked about. Before every use it reads the table's watermarks (storage/watermarks.py: new rows,
undos and reviews since the last look; an approval makes a row count) and reduces again only the units so touched,
one indexed query each, so writes by any connection are seen; when the marks cannot tell, all is dropped. Everything
runs on the connection's thread, a hop per indicator that needs work, so a cold start never holds the connection for
long; a receipt reads its rows in its write's own hop, right after the COMMIT (now_on_thread).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from storage import reports
from storage.reports import instant_text
from storage.targets import dialect
from storage.watermarks import Marks, changed_since, read_marks

if TYPE_CHECKING:
    from storage.db import Database

IS_CURRENT = reports.IS_CURRENT  # the rule's SQL, named here so the statements below are constants of this module
IS_CURRENT_AT = reports.IS_CURRENT_AT
RELOAD_OVER = 256  # more touched units of one indicator than this (a unit ~50 µs, 1,000 units ~40 ms): all again

# One row per unit, by unit id, from the rows that count ({rows} filtered by {counts}, alias {r}): first and last
# month, the last month's figure, and the total from the latest 累计 month on (all months without one).
REDUCE = (
    "units AS (SELECT {r}.unit_id, MIN({r}.period) AS first, MAX({r}.period) AS last,"
    " MAX(CASE WHEN {r}.cumulative <> 0 THEN {r}.period END) AS anchor, SUM({r}.value) AS everything FROM {rows}"
    " WHERE {counts} GROUP BY {r}.unit_id)"
    " SELECT unit_id, first, last, (SELECT {r}.value FROM {rows} WHERE {counts} AND {r}.unit_id = units.unit_id"
    " AND {r}.period = units.last), CASE WHEN anchor IS NULL THEN everything ELSE (SELECT SUM({r}.value) FROM {rows}"
    " WHERE {counts} AND {r}.unit_id = units.unit_id AND {r}.period >= units.anchor) END, anchor IS NOT NULL"
    " FROM units ORDER BY unit_id"
)
INDICATOR_NOW = "WITH " + REDUCE.format(r="r", rows="reports r", counts=f"r.indicator = :indicator AND {IS_CURRENT}")
UNIT_NOW = "WITH " + REDUCE.format(
    r="r", rows="reports r", counts=f"r.indicator = :indicator AND r.unit_id = :unit AND {IS_CURRENT}")
# Months with a row created, undone or reviewed at or after :at: only their figures can differ from now's.
TOUCHED = (
    "SELECT indicator, unit_id, period FROM reports WHERE julianday(created_at) >= julianday(:at)"
    " UNION SELECT indicator, unit_id, period FROM reports WHERE undone_at IS NOT NULL"
    " AND julianday(undone_at) >= julianday(:at)"
    " UNION SELECT indicator, unit_id, period FROM reports WHERE reviewed_at IS NOT NULL"
    " AND julianday(reviewed_at) >= julianday(:at)"
)
# An indicator's units with touched months (:touched, JSON [[unit, month], …]) as they stood just before :at:
# their untouched months as now, the touched ones by the rule at :at. (NOT IN a list of keys: SQLite indexes
# the list once; a row value or a NOT EXISTS over the JSON would scan it for every row.)
UNITS_AT = (
    "WITH touched AS MATERIALIZED ({touched}), touched_units AS (SELECT DISTINCT unit_id FROM touched),"
    " counted AS MATERIALIZED (SELECT r.unit_id, r.period, r.value, r.cumulative FROM touched_units t"
    f" CROSS JOIN reports r ON r.indicator = :indicator AND r.unit_id = t.unit_id WHERE {IS_CURRENT}"
    " AND r.unit_id || ' ' || r.period NOT IN (SELECT unit_id || ' ' || period FROM touched)"
    " UNION ALL SELECT r.unit_id, r.period, r.value, r.cumulative FROM touched t CROSS JOIN reports r"
    f" ON r.indicator = :indicator AND r.unit_id = t.unit_id AND r.period = t.period WHERE {IS_CURRENT_AT}), "
    + REDUCE.format(r="c", rows="counted c", counts="1 = 1")
)
# The JSON list of keys as rows, in each engine's JSON functions.
TOUCHED_KEYS = {
    "sqlite": "SELECT json_extract(value, '$[0]') AS unit_id, json_extract(value, '$[1]') AS period"
              " FROM json_each(:touched)",
    "postgresql": "SELECT (value ->> 0)::bigint AS unit_id, value ->> 1 AS period"
                  " FROM jsonb_array_elements(CAST(:touched AS jsonb))",
}
UNITS_AT_IN = {engine: UNITS_AT.replace("{touched}", keys) for engine, keys in TOUCHED_KEYS.items()}
# Units' positive current figures of an indicator (:units, JSON [unit, …]) per sort (monthly, 累计): how many,
# and the middle five.
SPREADS = (
    "WITH wanted AS MATERIALIZED ({wanted}),"
    " counted AS (SELECT r.unit_id, r.cumulative, r.value FROM wanted w CROSS JOIN reports r"
    f" ON r.indicator = :indicator AND r.unit_id = w.unit_id WHERE r.value > 0 AND {IS_CURRENT}),"
    " ranked AS (SELECT unit_id, cumulative, value,"
    " ROW_NUMBER() OVER (PARTITION BY unit_id, cumulative ORDER BY value) - 1 AS k,"
    " COUNT(*) OVER (PARTITION BY unit_id, cumulative) AS n FROM counted)"
    " SELECT unit_id, cumulative, MAX(n), group_concat(quote(value)) FROM ranked"
    " WHERE k BETWEEN n / 2 - 2 AND n / 2 + 2"
    " GROUP BY unit_id, cumulative"
)
WANTED_UNITS = {
    "sqlite": "SELECT value AS unit_id FROM json_each(:units)",
    "postgresql": "SELECT value::bigint AS unit_id FROM jsonb_array_elements_text(CAST(:units AS jsonb))",
}
SPREADS_IN = {engine: SPREADS.replace("{wanted}", wanted) for engine, wanted in WANTED_UNITS.items()}
SPREADS_PER_HOP = 2000
Units = tuple["UnitFigure", ...]
Pair = tuple[int, int]  # (indicator, unit id)
T = TypeVar("T")


class UnitFigure(NamedTuple):
    """One unit's figures of one indicator, reduced (a tuple: receipts and summaries combine many per call)."""

    unit_id: int
    first: str  # the earliest month with a figure, '2026-01'
    last: str  # the latest month with a figure
    latest: float  # the figure of the latest month
    total: float  # the running total: the latest 累计 figure plus the monthly ones after it, else all monthly
    cumulative: bool  # the unit reported a 累计 figure (the total starts from it)

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple) -> UnitFigure:
        unit_id, first, last, latest, total, cumulative = row
        return cls(unit_id, first, last, latest, total, bool(cumulative))


# UnitFigure's fields as C getters: a sum or min over a thousand units by map() runs ~5× a generator's speed.
FIRST, LAST, LATEST, TOTAL, CUMULATIVE = (itemgetter(UnitFigure._fields.index(name))
                                          for name in ("first", "last", "latest", "total", "cumulative"))


class Spread(NamedTuple):
    """A unit's positive current figures of one sort: how many, and the middle ones (sorted, ranks n//2-2 … n//2+2)."""

    size: int  # not `count`: a NamedTuple field of that name hides tuple.count
    middle: tuple[float, ...]

    def others(self, value: float) -> tuple[float, ...]:
        """The middle one or two of the figures other than `value` (one of them when positive): their median.

        The median of a unit's other figures is all the summary's outlier rule (reporting.plausibility) reads.
        """
        count, window, low = self.size, list(self.middle), max(0, self.size // 2 - 2)
        if value > 0 and window:  # one of the figures: leave it out
            if value < window[0] and low > 0:
                low, count = low - 1, count - 1  # below the middle: the middle figures move down one rank
            elif value > window[-1]:
                count -= 1
            elif value in window:
                window.remove(value)
                count -= 1
        if count <= 0:
            return ()
        return tuple(window[rank - low] for rank in sorted({(count - 1) // 2, count // 2}))


@dataclass
class Since:
    """An instant (as :at), and the months touched at or after it by indicator, read when the cache had `marks`."""

    at: str
    marks: Marks | None = None
    months: dict[int, list[tuple[int, str]]] = field(default_factory=dict)


class UnitFigures:
    """Per indicator, every unit's reduced figures now, kept in step with the table; past instants are computed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._held: dict[int, dict[int, UnitFigure]] = {}
        self._sorted: dict[int, Units] = {}
        self._spreads: dict[Pair, dict[bool, Spread]] = {}  # only of units asked about (the outlier check)
        self._marks: Marks | None = None

    async def now(self, numbers: Iterable[int]) -> dict[int, Units]:
        """Each indicator's unit rows (by unit id) as they stand; one not held yet is reduced in its own hop."""
        return await self._collect(sorted(set(numbers)), None)

    def now_on_thread(self, conn: sqlite3.Connection, numbers: Iterable[int]) -> dict[int, Units]:
        """now() in a hop already on the connection's thread (a write's, right after its COMMIT): no hop of its own."""
        conn.execute("BEGIN")
        try:
            self._follow(conn)
            return {number: self._rows(conn, number) for number in sorted(set(numbers))}
        finally:
            conn.execute("COMMIT")

    async def at(self, instant: dt.datetime, numbers: Iterable[int]) -> dict[int, Units]:
        """Each indicator's unit rows as they stood just before `instant` (an indicator untouched since: now's)."""
        return await self._collect(sorted(set(numbers)), Since(instant_text(instant)))

    async def spreads(self, pairs: Iterable[Pair]) -> dict[Pair, dict[bool, Spread]]:
        """Per (indicator, unit): the spread of its positive current figures, by sort (False: monthly, True: 累计)."""
        wanted = sorted(set(pairs))
        done: dict[Pair, dict[bool, Spread]] = {}
        while len(done) < len(wanted):  # a hop answers what is kept and reads one indicator's missing units
            pending = [pair for pair in wanted if pair not in done]
            done.update(await self._hop(partial(self._spread_step, pairs=pending)))
        return done

    def _spread_step(self, conn: sqlite3.Connection, pairs: list[Pair]) -> dict[Pair, dict[bool, Spread]]:
        """The spreads kept, and those of one indicator's missing units (at most SPREADS_PER_HOP) in one statement."""
        missing = [pair for pair in pairs if pair not in self._spreads]
        if missing:
            indicator = missing[0][0]
            units = [unit for number, unit in missing if number == indicator][:SPREADS_PER_HOP]
            found: dict[int, dict[bool, Spread]] = {unit: {} for unit in units}
            for unit, cumulative, count, middle in conn.execute(
                    SPREADS_IN[dialect(conn)], {"indicator": indicator, "units": json.dumps(units)}):
                found[unit][bool(cumulative)] = Spread(count, tuple(sorted(map(float, middle.split(",")))))
            self._spreads.update(((indicator, unit), spread) for unit, spread in found.items())
        return {pair: self._spreads[pair] for pair in pairs if pair in self._spreads}

    async def _collect(self, wanted: list[int], since: Since | None) -> dict[int, Units]:
        done: dict[int, Units] = {}
        while len(done) < len(wanted):  # a hop answers what is held and at most one indicator that needs work
            pending = [n for n in wanted if n not in done]
            done.update(await self._hop(partial(self._step, pending=pending, since=since)))
        return done

    async def _hop(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """fn on the connection's thread, in one read snapshot, once the cache has followed the table."""
        def run(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN")
            try:
                self._follow(conn)
                return fn(conn)
            finally:
                conn.execute("COMMIT")

        return await self.db.run(run)

    def _step(self, conn: sqlite3.Connection, pending: list[int], since: Since | None) -> dict[int, Units]:
        """One hop: the indicators held and untouched, then at most one to reduce (not held, or touched since)."""
        if since is not None and since.marks != self._marks:  # a first hop, or rows changed since the last one
            since.months = {}
            for indicator, unit, period in conn.execute(TOUCHED, {"at": since.at}):
                since.months.setdefault(indicator, []).append((unit, period))
            since.marks = self._marks
        touched = since.months if since is not None else {}
        out: dict[int, Units] = {}
        for number in pending:
            work = number not in self._held or number in touched
            if work and out:
                break
            rows = self._rows(conn, number)
            out[number] = self._past(conn, number, since, rows) if since is not None and number in touched else rows
            if work:
                break
        return out

    def _rows(self, conn: sqlite3.Connection, number: int) -> Units:
        found = self._sorted.get(number)
        if found is None:
            held = self._held.get(number)
            if held is None:
                rows = conn.execute(INDICATOR_NOW, {"indicator": number}).fetchall()
                held = self._held[number] = {row[0]: UnitFigure.from_row(row) for row in rows}
            found = self._sorted[number] = tuple(map(held.__getitem__, sorted(held)))
        return found

    @staticmethod
    def _past(conn: sqlite3.Connection, number: int, since: Since, now: Units) -> Units:
        """Now's rows with the units whose months were touched since the instant reduced again as they stood then."""
        months = since.months[number]
        params = {"indicator": number, "at": since.at, "touched": json.dumps(months)}
        then = {row[0]: UnitFigure.from_row(row) for row in conn.execute(UNITS_AT_IN[dialect(conn)], params)}
        touched = {unit for unit, _ in months}
        merged = {f.unit_id: f for f in now if f.unit_id not in touched} | then
        return tuple(merged[unit] for unit in sorted(merged))

    def _follow(self, conn: sqlite3.Connection) -> None:
        """Reduce again the units whose rows changed since the last look (new, undone, reviewed); else drop all."""
        marks = read_marks(conn)
        before = self._marks
        if marks == before:
            return
        self._marks = None  # until the units are followed: whatever is raised on the way drops the cache next time
        changed = changed_since(conn, before, marks)
        if changed is None:
            self._held.clear()
            self._sorted.clear()
            self._spreads.clear()
        else:
            self._reduce_changed(conn, changed)
        self._marks = marks

    def _reduce_changed(self, conn: sqlite3.Connection, changed: dict[int, set[int]]) -> None:
        for indicator, units in changed.items():
            self._sorted.pop(indicator, None)
            for unit in units:
                self._spreads.pop((indicator, unit), None)
            held = self._held.get(indicator)
            if held is None:
                continue
            if len(units) > RELOAD_OVER:
                del self._held[indicator]
                continue
            for unit in units:
                row = conn.execute(UNIT_NOW, {"indicator": indicator, "unit": unit}).fetchone()
                if row is None:
                    held.pop(unit, None)
                else:
                    held[unit] = UnitFigure.from_row(row)
