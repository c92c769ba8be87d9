"""The dashboard's reads: one unit's history of an indicator, and which units reported which months.

Both start from indexed keys (reports_key, reports_current); whether a row counts, is the latest word or is
reported comes from storage.reports, the rule's only SQL form.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from storage import reports

IS_CURRENT = reports.IS_CURRENT
IS_LATEST = reports.IS_LATEST
REPORTED = reports.REPORTED.format(r="r")
# Every row of one unit's indicator, newest month first, with what the rule says of each.
UNIT_HISTORY = (
    "SELECT r.id, r.period, r.value, r.cumulative, r.reporter_id, r.created_at, r.source_text, r.replaces_id,"
    f" r.undone_at, r.undone_by, r.held, r.reviewed_at, r.reviewed_by, r.review_note, {IS_CURRENT}, {IS_LATEST}"
    " FROM reports r WHERE r.indicator = :indicator AND r.unit_id = :unit ORDER BY r.period DESC, r.id DESC"
    " LIMIT :limit"
)
UNIT_NAME = "SELECT name FROM units WHERE id = :unit"
# Active liaisons' assignments, one row per (unit, indicator), and per (unit, month) in [:first, :last] how many of
# them are reported and how many of those have a figure that counts (the rest await review).
ASSIGNED = (
    "SELECT DISTINCT l.unit_id, u.name, li.indicator FROM liaisons l JOIN liaison_indicators li"
    " ON li.liaison_id = l.id JOIN units u ON u.id = l.unit_id WHERE l.revoked_at IS NULL ORDER BY u.name, li.indicator"
)
MONTHS_REPORTED = (
    "WITH assigned AS (SELECT DISTINCT l.unit_id, li.indicator FROM liaisons l JOIN liaison_indicators li"
    " ON li.liaison_id = l.id WHERE l.revoked_at IS NULL),"
    " keys AS (SELECT r.unit_id, r.period, MAX(CASE WHEN r.held IS NULL THEN 1 ELSE 0 END) AS counted"
    " FROM assigned a CROSS JOIN reports r"
    " ON r.indicator = a.indicator AND r.unit_id = a.unit_id AND r.period BETWEEN :first AND :last"
    f" WHERE {REPORTED} GROUP BY r.unit_id, r.indicator, r.period)"
    " SELECT unit_id, period, COUNT(*), SUM(counted) FROM keys GROUP BY unit_id, period"
)


class HistoryRow(NamedTuple):
    """One stored row of a unit's indicator and what the rule says of it (counts now; the month's latest word)."""

    id: int
    period: str
    value: float
    cumulative: bool
    reporter_id: int
    created_at: str
    source_text: str
    replaces_id: int | None
    undone_at: str | None
    undone_by: int | None
    held: str | None
    reviewed_at: str | None
    reviewed_by: int | None
    review_note: str | None
    counts: bool
    latest: bool


class MonthReported(NamedTuple):
    """A unit's month: how many assigned indicators are reported, and how many of those count already."""

    unit_id: int
    period: str
    reported: int
    counted: int


def unit_history(conn: sqlite3.Connection, indicator: int, unit_id: int,
                 limit: int) -> tuple[str | None, list[HistoryRow]]:
    """The unit's name (None: no such unit) and its rows of `indicator`, newest month first."""
    name = conn.execute(UNIT_NAME, {"unit": unit_id}).fetchone()
    rows = conn.execute(UNIT_HISTORY, {"indicator": indicator, "unit": unit_id, "limit": limit})
    return (name[0] if name else None), [HistoryRow._make((*row[:14], bool(row[14]), bool(row[15]))) for row in rows]


def assignments(conn: sqlite3.Connection) -> list[tuple[int, str, int]]:
    """(unit id, unit name, indicator) for every indicator an active liaison reports."""
    return [(unit, name, indicator) for unit, name, indicator in conn.execute(ASSIGNED)]


def months_reported(conn: sqlite3.Connection, first: str, last: str) -> list[MonthReported]:
    return [MonthReported(*row) for row in conn.execute(MONTHS_REPORTED, {"first": first, "last": last})]
