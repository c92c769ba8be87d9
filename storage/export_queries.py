"""The export's reads: every report as plain tuples in batches, from a read-only connection of the export's own.

An export of a million rows runs in a worker thread for a minute; it must neither hold the bot's connection nor
keep rows in memory. WAL lets this second connection read one consistent snapshot while the bot keeps writing.
Whether a row counts comes from IS_CURRENT, the one SQL form of reporting.effective's rule.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from storage import reports
from storage.targets import DatabaseTarget, dialect

IS_CURRENT = reports.IS_CURRENT  # the rule's one SQL form, named here so the statement below is a constant
IS_LATEST = reports.IS_LATEST
BATCH = 2000
READ_TIMEOUT_MS = 5000
# (id, unit, indicator, period, value, cumulative, reporter id, created at, source text, replaces id,
#  superseded by, undone (0/1), current (0/1), undone at, undone by, held, latest (0/1), reviewed at, reviewed by,
#  review note) in id order
EXPORT_REPORTS = (
    "SELECT r.id, u.name, r.indicator, r.period, r.value, r.cumulative, r.reporter_id, r.created_at, r.source_text,"
    f" r.replaces_id, r.superseded_by, r.undone_at IS NOT NULL, {IS_CURRENT}, r.undone_at, r.undone_by,"
    f" r.held, r.held IS NOT NULL AND {IS_LATEST}, r.reviewed_at, r.reviewed_by, r.review_note"
    " FROM reports r JOIN units u ON u.id = r.unit_id ORDER BY r.id"
)
UNIT_NAMES = "SELECT name FROM units"
LAST_REPORT_ID = "SELECT COALESCE(MAX(id), 0) FROM reports"


class ExportStopped(Exception):
    """Internal: the export was cancelled (the bot is stopping) and its worker thread should give up."""


def open_reader(target: DatabaseTarget) -> sqlite3.Connection:
    """A read-only connection for one thread; BEGIN makes everything it reads one snapshot."""
    if not isinstance(target, Path):
        from storage.pg import PgConnection
        pg = PgConnection(target)
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return pg  # type: ignore[return-value]  # sqlite3.Connection's interface, on PostgreSQL
    path = target
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None,
                           check_same_thread=True)
    conn.execute(f"PRAGMA busy_timeout = {READ_TIMEOUT_MS}")
    conn.execute("BEGIN")
    return conn


def unit_names(conn: sqlite3.Connection) -> list[str]:
    """Every unit's name (a few hundred): what the 单位 column can hold, for its width."""
    return [row[0] for row in conn.execute(UNIT_NAMES)]


def last_report_id(conn: sqlite3.Connection) -> int:
    return conn.execute(LAST_REPORT_ID).fetchone()[0]


def report_batches(conn: sqlite3.Connection, stop: threading.Event | None = None,
                   size: int = BATCH) -> Iterator[list[tuple]]:
    """Rows of EXPORT_REPORTS, `size` at a time; raises ExportStopped between batches once `stop` is set."""
    if dialect(conn) == "postgresql":  # a server-side cursor: rows arrive as they are read
        for rows in conn.stream(EXPORT_REPORTS, size):  # type: ignore[attr-defined]
            if stop is not None and stop.is_set():
                raise ExportStopped
            yield [tuple(row) for row in rows]
        return
    cursor = conn.execute(EXPORT_REPORTS)
    try:
        while batch := cursor.fetchmany(size):
            if stop is not None and stop.is_set():
                raise ExportStopped
            yield batch
    finally:
        cursor.close()
