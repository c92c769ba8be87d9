"""Read-only queries for summaries, reminders and exports: a week's activity, figures and duties, all liaisons.

Each runs over indexes (reports_created, reports_current, reports_key) and returns a row per unit, liaison or
figure of the week, never per stored report. Instants are aware datetimes; SQLite compares them through julianday,
so rows stored with any UTC offset compare correctly.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import NamedTuple

from aiosqlite import Connection

from storage import reports
from storage.models import Liaison
from storage.reports import instant_text

# The rule's SQL (storage.reports), named here so the statements below are constants of this module.
ALIVE_AT = reports.ALIVE_AT
IS_CURRENT = reports.IS_CURRENT
REPORTED = reports.REPORTED
REPORTED_AT = reports.REPORTED_AT

CREATED_IN_WEEK = "julianday(r.created_at) >= julianday(:start)"
# A week's activity: rows created in it and not undone by its end (ALIVE_AT with :at the window's end).
WEEK_ACTIVITY = (
    "SELECT u.name, COUNT(*), COUNT(r.replaces_id) FROM reports r JOIN units u ON u.id = r.unit_id"
    f" WHERE {CREATED_IN_WEEK} AND {ALIVE_AT.format(r='r')} GROUP BY u.name ORDER BY u.name"
)
# The week's rows that count now: the ones the outlier check looks at.
WEEK_FIGURES = (
    "SELECT r.id, r.unit_id, u.name, r.indicator, r.period, r.value, r.cumulative FROM reports r"
    f" JOIN units u ON u.id = r.unit_id WHERE {CREATED_IN_WEEK} AND julianday(r.created_at) < julianday(:at)"
    f" AND {IS_CURRENT} ORDER BY r.id"
)
CHANGED_SINCE = (
    "SELECT EXISTS (SELECT 1 FROM reports WHERE julianday(created_at) >= julianday(:at))"
    " OR EXISTS (SELECT 1 FROM reports WHERE undone_at IS NOT NULL AND julianday(undone_at) >= julianday(:at))"
    " OR EXISTS (SELECT 1 FROM reports WHERE reviewed_at IS NOT NULL AND julianday(reviewed_at) >= julianday(:at))"
)
# Liaisons on duty at :at (joined before, not revoked by then) with the assigned indicators their unit has no
# figure for in :period; a figure exists when a row of its month is reported (neither undone nor returned: one
# awaiting review is reported).
ON_DUTY = (
    "WITH duty AS (SELECT l.id, l.unit_id, l.name, l.username, l.user_id FROM liaisons l"
    " WHERE julianday(l.joined_at) < julianday(:at)"
    " AND (l.revoked_at IS NULL OR julianday(l.revoked_at) >= julianday(:at))"
    " AND EXISTS (SELECT 1 FROM liaison_indicators li WHERE li.liaison_id = l.id))"
    " SELECT u.name, d.name, d.username, d.user_id, (SELECT group_concat(li.indicator) FROM liaison_indicators li"
    " WHERE li.liaison_id = d.id AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.indicator = li.indicator"
    " AND r.unit_id = d.unit_id AND r.period = :period AND {reported}))"
    " FROM duty d JOIN units u ON u.id = d.unit_id ORDER BY u.name, d.id"
)
ON_DUTY_NOW = ON_DUTY.format(reported=REPORTED.format(r="r"))
ON_DUTY_AT = ON_DUTY.format(reported=REPORTED_AT.format(r="r"))
MISSING_NOW = (
    "SELECT l.id, group_concat(li.indicator) FROM liaisons l JOIN liaison_indicators li ON li.liaison_id = l.id"
    " WHERE l.revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.indicator = li.indicator"
    f" AND r.unit_id = l.unit_id AND r.period = :period AND {REPORTED.format(r='r')}) GROUP BY l.id"
)
LIAISON_COLUMNS = (
    "l.id, l.user_id, l.unit_id, u.name AS unit_name, l.name, l.username, l.chat_id, l.joined_at, l.revoked_at"
)
ALL_LIAISONS = f"SELECT {LIAISON_COLUMNS} FROM liaisons l JOIN units u ON u.id = l.unit_id ORDER BY u.name, l.id"
ALL_ASSIGNMENTS = "SELECT liaison_id, indicator FROM liaison_indicators ORDER BY liaison_id, indicator"


class UnitActivity(NamedTuple):
    """How many rows a unit stored in a week (still counting at its end), corrections among them."""

    unit: str
    reports: int
    corrections: int


class WeekFigure(NamedTuple):
    """A row stored in the week that counts now (the summary checks it against the unit's other figures)."""

    id: int
    unit_id: int
    unit: str
    indicator: int
    period: str
    value: float
    cumulative: bool


class Duty(NamedTuple):
    """A liaison on duty at a week's end, and the assigned indicators their unit still lacks for the month."""

    unit: str
    name: str
    username: str | None
    user_id: int
    missing: tuple[int, ...]

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple) -> Duty:
        unit, name, username, user_id, missing = row
        return cls(unit, name, username, user_id, _indicators(missing))


class WindowFacts(NamedTuple):
    """What stood at a week's end: its activity and the duties then (fixed for good once the week is past)."""

    activity: tuple[UnitActivity, ...]
    duties: tuple[Duty, ...]


def _indicators(listed: str | None) -> tuple[int, ...]:
    """group_concat's '16,15' → (15, 16)."""
    return tuple(sorted({int(part) for part in listed.split(",")})) if listed else ()


def window_facts(conn: sqlite3.Connection, start: dt.datetime, end: dt.datetime, period: str) -> WindowFacts:
    """The window [start, end): its activity, and the liaisons on duty at its end with what `period` lacks."""
    at = instant_text(end)
    rows = conn.execute(WEEK_ACTIVITY, {"start": instant_text(start), "at": at})
    activity = tuple(UnitActivity(*row) for row in rows)
    duty = {"at": at, "period": period}
    if conn.execute(CHANGED_SINCE, {"at": at}).fetchone()[0]:
        found = conn.execute(ON_DUTY_AT, duty)
    else:  # the state at :at is the current one: the covering index answers
        found = conn.execute(ON_DUTY_NOW, duty)
    return WindowFacts(activity, tuple(Duty.from_row(row) for row in found))


def week_figures(conn: sqlite3.Connection, start: dt.datetime, end: dt.datetime) -> tuple[WeekFigure, ...]:
    """The figures stored in [start, end) that count now."""
    window = {"start": instant_text(start), "at": instant_text(end)}
    return tuple(WeekFigure._make((*row[:6], bool(row[6]))) for row in conn.execute(WEEK_FIGURES, window))


def missing_now(conn: sqlite3.Connection, period: str) -> dict[int, tuple[int, ...]]:
    """Active liaison id → the assigned indicators its unit has no figure for in `period` (none missing: absent)."""
    return {row[0]: _indicators(row[1]) for row in conn.execute(MISSING_NOW, {"period": period})}


class SummaryQueries:
    """The liaisons as the export and the reminders list them."""

    async def all_liaisons(self, conn: Connection) -> list[Liaison]:
        """Active and revoked liaisons with their indicators (the export lists both)."""
        assigned: dict[int, list[int]] = {}
        for liaison_id, indicator in await conn.execute_fetchall(ALL_ASSIGNMENTS):
            assigned.setdefault(liaison_id, []).append(indicator)
        rows = await conn.execute_fetchall(ALL_LIAISONS)
        return [Liaison.from_row(row, tuple(assigned.get(row["id"], ()))) for row in rows]
