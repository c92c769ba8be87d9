"""How the summary cache (storage/unit_figures.py) follows the reports table: marks read in one statement, and the
(indicator, unit) pairs changed since the last look.

Rows are added, undone and reviewed (approved or returned), never edited otherwise. So three marks tell what
changed: rows with an id above the last seen are new; rows with julianday(undone_at), or julianday(reviewed_at),
above the last seen were undone, or reviewed, since. Stamps come from the clock and can repeat or go back, so the
counts of undone and of reviewed rows (report_counts, kept by triggers: migrations 5 and 7) must agree with what
the marks find; when they do not, the caller drops its cache rather than miss a change.
"""

from __future__ import annotations

import sqlite3

MARKS = (
    "SELECT (SELECT COALESCE(MAX(id), 0) FROM reports),"
    " (SELECT COALESCE(MAX(julianday(undone_at)), 0) FROM reports WHERE undone_at IS NOT NULL),"
    " (SELECT undone FROM report_counts),"  # kept by triggers: counting the rows would grow with them
    " (SELECT COALESCE(MAX(julianday(reviewed_at)), 0) FROM reports WHERE reviewed_at IS NOT NULL),"
    " (SELECT reviewed FROM report_counts)"
)
UNDONE_AFTER = "SELECT COUNT(*) FROM reports WHERE undone_at IS NOT NULL AND julianday(undone_at) > :mark"
REVIEWED_AFTER = "SELECT COUNT(*) FROM reports WHERE reviewed_at IS NOT NULL AND julianday(reviewed_at) > :mark"
# Strictly after the mark: an undo (a review) stamped at the mark itself but made after the look is caught by the
# count.
CHANGED = (
    "SELECT indicator, unit_id FROM reports WHERE id > :last UNION SELECT indicator, unit_id FROM reports"
    " WHERE undone_at IS NOT NULL AND julianday(undone_at) > :mark UNION SELECT indicator, unit_id FROM reports"
    " WHERE reviewed_at IS NOT NULL AND julianday(reviewed_at) > :review_mark"
)
Marks = tuple[int, float, int, float, int]  # last id, latest julianday(undone_at), undone rows, the same of reviews


def read_marks(conn: sqlite3.Connection) -> Marks:
    return tuple(conn.execute(MARKS).fetchone())


def changed_since(conn: sqlite3.Connection, before: Marks | None, marks: Marks) -> dict[int, set[int]] | None:
    """Indicator → units whose rows changed between two looks; None when that cannot be told (a first look,
    another file, a mark stamped before the last one seen): then everything is to be read again."""
    if before is None or marks[0] < before[0]:
        return None
    if marks[2] - before[2] != conn.execute(UNDONE_AFTER, {"mark": before[1]}).fetchone()[0]:
        return None
    reviewed = marks[4] - before[4]
    if reviewed and reviewed != conn.execute(REVIEWED_AFTER, {"mark": before[3]}).fetchone()[0]:
        return None
    changed: dict[int, set[int]] = {}
    for indicator, unit in conn.execute(CHANGED, {"last": before[0], "mark": before[1], "review_mark": before[3]}):
        changed.setdefault(indicator, set()).add(unit)
    return changed
