"""Approval (BOT_APPROVAL): the queue of figures held for review, and an admin's decision on one, stamped.

A decision is one UPDATE of its row inside the caller's transaction: approving clears `held` (the row counts from
reviewed_at on, storage.reports ALIVE_AT), returning sets it to 'returned' with the reason; both stamp who and when,
and the trigger-kept count in report_counts moves, so the summary cache sees the change (storage/unit_figures.py).
Only the sender's latest word on a month (IS_LATEST) that still awaits review can be decided.
"""

from __future__ import annotations

import json
import sqlite3
from enum import StrEnum

from storage import reports
from storage.models import ReportRow
from storage.targets import dialect

FROM_REPORTS = reports.FROM_REPORTS
IS_CURRENT = reports.IS_CURRENT
IS_LATEST = reports.IS_LATEST
REPORT_COLUMNS = reports.REPORT_COLUMNS
# Rows awaiting review, read through their own partial index (a few rows, however many reports there are): without
# INDEXED BY the planner may walk the covering index of every current row to group by indicator.
AWAITING = "r.held = 'pending' AND r.undone_at IS NULL"
WAITING_ROWS = "reports r INDEXED BY reports_pending"
QUEUE = (
    f"SELECT {REPORT_COLUMNS} FROM {WAITING_ROWS} JOIN units u ON u.id = r.unit_id WHERE {AWAITING} AND {IS_LATEST}"
    " ORDER BY r.id LIMIT :limit"
)
QUEUE_SIZE = f"SELECT COUNT(*) FROM {WAITING_ROWS} WHERE {AWAITING} AND {IS_LATEST}"
AWAITING_BY_INDICATOR = (f"SELECT r.indicator, COUNT(*) FROM {WAITING_ROWS} WHERE {AWAITING} AND {IS_LATEST}"
                         " GROUP BY r.indicator")
ROWS_BY_IDS = (
    f"SELECT {REPORT_COLUMNS} {FROM_REPORTS} WHERE r.id IN ({{ids}}) ORDER BY r.id"
)
IDS = {"sqlite": "SELECT value FROM json_each(:ids)",
       "postgresql": "SELECT value::bigint FROM jsonb_array_elements_text(CAST(:ids AS jsonb))"}
ROWS_BY_IDS_IN = {engine: ROWS_BY_IDS.replace("{ids}", ids) for engine, ids in IDS.items()}
LATEST_ID = (
    f"SELECT r.id FROM reports r WHERE r.indicator = :indicator AND r.unit_id = :unit AND r.period = :period"
    f" AND {IS_LATEST}"
)
COUNTED_VALUE = (
    f"SELECT r.value FROM reports r WHERE r.indicator = :indicator AND r.unit_id = :unit AND r.period = :period"
    f" AND {IS_CURRENT}"
)
APPROVE = (
    "UPDATE reports SET held = NULL, reviewed_at = :now, reviewed_by = :by"
    " WHERE id = :id AND held = 'pending' AND undone_at IS NULL"
)
RETURN = (
    "UPDATE reports SET held = 'returned', reviewed_at = :now, reviewed_by = :by, review_note = :note"
    " WHERE id = :id AND held = 'pending' AND undone_at IS NULL"
)


class Verdict(StrEnum):
    """What became of a decision: made, or why it could not be (the service words each in Chinese)."""

    DONE = "done"
    MISSING = "missing"  # no such report
    NOT_HELD = "not_held"  # never held: it counted as soon as it was stored
    DECIDED = "decided"  # approved or returned already
    UNDONE = "undone"  # taken back by its sender
    SUPERSEDED = "superseded"  # a newer report of the same month replaced it: decide that one


def _row(conn: sqlite3.Connection, report_id: int) -> ReportRow | None:
    found = conn.execute(ROWS_BY_IDS_IN[dialect(conn)], {"ids": json.dumps([report_id])}).fetchone()
    return ReportRow.from_row(found) if found else None


def standing(conn: sqlite3.Connection, report_id: int) -> tuple[Verdict, ReportRow | None]:
    """Whether `report_id` can be decided now (Verdict.DONE: it can), and its row."""
    row = _row(conn, report_id)
    if row is None:
        return Verdict.MISSING, None
    if row.undone_at is not None:
        return Verdict.UNDONE, row
    if row.held != reports.HELD_PENDING:
        return (Verdict.DECIDED if row.reviewed_at is not None else Verdict.NOT_HELD), row
    latest = conn.execute(LATEST_ID, {"indicator": row.indicator, "unit": row.unit_id, "period": row.period}).fetchone()
    return (Verdict.DONE if latest is not None and latest[0] == row.id else Verdict.SUPERSEDED), row


def decide(conn: sqlite3.Connection, report_id: int, approve: bool, by: int, now: str,
           note: str | None = None) -> tuple[Verdict, ReportRow | None]:
    """Approve or return `report_id` in the caller's transaction; the verdict and the row as it stands after."""
    verdict, row = standing(conn, report_id)
    if verdict is not Verdict.DONE:
        return verdict, row
    params = {"now": now, "by": by, "id": report_id}
    if approve:
        conn.execute(APPROVE, params)
    else:
        conn.execute(RETURN, {**params, "note": note})
    return Verdict.DONE, _row(conn, report_id)


def queue(conn: sqlite3.Connection, limit: int) -> tuple[list[ReportRow], int]:
    """The oldest `limit` figures awaiting review (each its month's latest word), and how many there are in all."""
    rows = [ReportRow.from_row(row) for row in conn.execute(QUEUE, {"limit": limit})]
    return rows, conn.execute(QUEUE_SIZE).fetchone()[0]


def rows_by_ids(conn: sqlite3.Connection, ids: list[int]) -> list[ReportRow]:
    return [ReportRow.from_row(row) for row in conn.execute(ROWS_BY_IDS_IN[dialect(conn)], {"ids": json.dumps(ids)})]


def awaiting_by_indicator(conn: sqlite3.Connection) -> dict[int, int]:
    """Indicator → figures awaiting review (shown apart from the figures that count)."""
    return {indicator: count for indicator, count in conn.execute(AWAITING_BY_INDICATOR)}


def counted_value(conn: sqlite3.Connection, row: ReportRow) -> float | None:
    """The figure that counts for `row`'s month now (the one approved before it), if any."""
    found = conn.execute(COUNTED_VALUE, {"indicator": row.indicator, "unit": row.unit_id, "period": row.period})
    value = found.fetchone()
    return value[0] if value else None
