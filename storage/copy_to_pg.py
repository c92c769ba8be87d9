"""`migrate-db`'s copy: an SQLite deployment's every row into an empty PostgreSQL database, in one transaction.

Both schemas come from the migrations (storage.db.open_database on each side, first), so the tables and their
columns agree; this module checks that they do, refuses a target that holds data, streams each table with
PostgreSQL's COPY in batches read from SQLite in key order, sets the identity sequences past the copied ids and
compares the counts before it commits. Anything that fails rolls back: the target keeps no row of the source.

The tables come from the source's sqlite_master; each must have its statements below (SQL only from constants,
tests/test_security.py), so a table a later migration adds is refused until listed, never silently left behind
(tests/test_migrate_db.py checks the list against the migrations). COPY, not executemany: a table is one statement,
so reports.superseded_by, which points at a later row, satisfies its foreign key when the statement ends.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from errors import CopyProblem, CopyRefused
from storage.pg import WRITE_LOCK_KEY

BATCH_ROWS = 5000  # rows read from SQLite per fetch: memory stays flat whatever the history holds
LOCK_WAIT_S = 0.5  # the SQLite file: a running bot holds it open, and then the copy is refused at once


# Foreign keys first: units, invites (a unit's), liaisons (an invite's), their indicators, reports; then the rest.
FIRST = ("units", "invites", "liaisons", "liaison_indicators", "reports")
# Each table read from SQLite in key order (the primary key's index: no sort), …
READS = {
    "units": "SELECT * FROM units ORDER BY id",
    "invites": "SELECT * FROM invites ORDER BY code",
    "liaisons": "SELECT * FROM liaisons ORDER BY id",
    "liaison_indicators": "SELECT * FROM liaison_indicators ORDER BY liaison_id, indicator",
    "reports": "SELECT * FROM reports ORDER BY id",
    "chat_states": "SELECT * FROM chat_states ORDER BY chat_id, user_id",
    "flood_windows": "SELECT * FROM flood_windows ORDER BY user_id",
    "job_leases": "SELECT * FROM job_leases ORDER BY name",
    "pending_reports": "SELECT * FROM pending_reports ORDER BY token",
    "processed_updates": "SELECT * FROM processed_updates ORDER BY key",
    "report_counts": "SELECT * FROM report_counts ORDER BY id",
    "sent_notifications": "SELECT * FROM sent_notifications ORDER BY kind, key",
    "update_inbox": "SELECT * FROM update_inbox ORDER BY update_id",
}
# … written in its column order (checked equal on both sides first), …
COPIES = {
    "units": "COPY units FROM STDIN",
    "invites": "COPY invites FROM STDIN",
    "liaisons": "COPY liaisons FROM STDIN",
    "liaison_indicators": "COPY liaison_indicators FROM STDIN",
    "reports": "COPY reports FROM STDIN",
    "chat_states": "COPY chat_states FROM STDIN",
    "flood_windows": "COPY flood_windows FROM STDIN",
    "job_leases": "COPY job_leases FROM STDIN",
    "pending_reports": "COPY pending_reports FROM STDIN",
    "processed_updates": "COPY processed_updates FROM STDIN",
    "report_counts": "COPY report_counts FROM STDIN",
    "sent_notifications": "COPY sent_notifications FROM STDIN",
    "update_inbox": "COPY update_inbox FROM STDIN",
}
# … and counted, on either engine, before and after.
COUNTS = {
    "units": "SELECT COUNT(*) FROM units",
    "invites": "SELECT COUNT(*) FROM invites",
    "liaisons": "SELECT COUNT(*) FROM liaisons",
    "liaison_indicators": "SELECT COUNT(*) FROM liaison_indicators",
    "reports": "SELECT COUNT(*) FROM reports",
    "chat_states": "SELECT COUNT(*) FROM chat_states",
    "flood_windows": "SELECT COUNT(*) FROM flood_windows",
    "job_leases": "SELECT COUNT(*) FROM job_leases",
    "pending_reports": "SELECT COUNT(*) FROM pending_reports",
    "processed_updates": "SELECT COUNT(*) FROM processed_updates",
    "report_counts": "SELECT COUNT(*) FROM report_counts",
    "sent_notifications": "SELECT COUNT(*) FROM sent_notifications",
    "update_inbox": "SELECT COUNT(*) FROM update_inbox",
}
# Rows the migrations write themselves (report_counts' one row, which the reports' triggers also moved while the
# reports went in): replaced by the source's, and not counted as data the target already held.
CLEAR = {"report_counts": "DELETE FROM report_counts"}
# The identity columns: the next id continues after the copied ones (is_called false: nextval gives exactly this).
SEQUENCES = {
    "units": "SELECT setval(pg_get_serial_sequence('units', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM units",
    "liaisons": ("SELECT setval(pg_get_serial_sequence('liaisons', 'id'), COALESCE(MAX(id), 0) + 1, false)"
                 " FROM liaisons"),
    "reports": "SELECT setval(pg_get_serial_sequence('reports', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM reports",
}
# Beyond the counts, the same figures on both sides: rows, the newest id, the sums of the values, undone and held.
SPOT_CHECK = ("SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(value), 0), COALESCE(SUM(cumulative), 0),"
              " COUNT(undone_at), COUNT(held) FROM reports")
MIGRATIONS_TABLE = "schema_migrations"
VERSIONS = "SELECT version FROM schema_migrations ORDER BY version"

SOURCE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
SOURCE_COLUMNS = "SELECT name FROM pragma_table_info(?) ORDER BY cid"
LOCK_SOURCE = ("PRAGMA locking_mode = EXCLUSIVE", "BEGIN EXCLUSIVE")  # fails while another process has it open

TARGET_TABLES = ("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                 " AND table_type = 'BASE TABLE' ORDER BY table_name")
TARGET_COLUMNS = ("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                  " AND table_name = %s ORDER BY ordinal_position")
TARGET_IDENTITIES = ("SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema()"
                     " AND is_identity = 'YES' ORDER BY table_name")
LOCK_TIMEOUT = "SET LOCAL lock_timeout = '5s'"
TAKE_WRITE_LOCK = "SELECT pg_advisory_xact_lock(%s)"  # the bot's writers take it too (storage/pg.py)


@dataclass(frozen=True)
class Copied:
    """What went across: rows per table in copy order (equal on both sides), and the reports' spot check."""

    counts: dict[str, int]
    spot: tuple[float, ...]


def check_target(url: str) -> None:
    """Before the migrations touch it: the target is empty, or our own schema at versions the source has too."""
    from storage.migrations import MIGRATIONS

    with psycopg.connect(url, autocommit=True) as pg:
        tables = [row[0] for row in pg.execute(TARGET_TABLES)]
        if not tables:
            return
        if MIGRATIONS_TABLE not in tables:
            raise CopyRefused(CopyProblem.TARGET_FOREIGN, ", ".join(tables))
        known = {migration.version for migration in MIGRATIONS}
        newer = tuple(row[0] for row in pg.execute(VERSIONS) if row[0] not in known)
    if newer:
        raise CopyRefused(CopyProblem.TARGET_NEWER, versions=newer)


async def copy_deployment(source: Path, url: str, batch: int = BATCH_ROWS,
                          started: Callable[[str, int], None] = lambda table, rows: None) -> Copied:
    """What `migrate-db` does once its arguments are checked: the target checked, both schemas brought to this
    program's newest version (the source as the bot would upgrade it, the target from empty), then the copy."""
    from storage.db import open_database

    await asyncio.to_thread(check_target, url)
    for where in (source, url):
        db = await open_database(where)
        await db.close()
    return await asyncio.to_thread(copy_database, source, url, batch, started)


# Statistics for the planner at once: without them the first queries on a million copied rows scan the table.
ANALYZE = "ANALYZE"


def copy_database(source: Path, url: str, batch: int = BATCH_ROWS,
                  started: Callable[[str, int], None] = lambda table, rows: None) -> Copied:
    """Copy every table of `source` into `url` (both migrated to the same version) in one transaction.

    `started(table, rows)` is called before each table goes (for the command's progress lines).
    """
    lite = _lock_source(source)
    try:
        with psycopg.connect(url) as pg:  # one transaction: committed when the block ends, rolled back if it raises
            copied = _copy(lite, pg, batch, started)
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(ANALYZE)
        return copied
    except psycopg.errors.LockNotAvailable:
        raise CopyRefused(CopyProblem.TARGET_BUSY) from None
    except psycopg.Error as exc:
        raise CopyRefused(CopyProblem.FAILED, _first_line(exc)) from None
    finally:
        lite.close()


def _lock_source(source: Path) -> sqlite3.Connection:
    """The SQLite file for this process alone, one snapshot for the whole copy; refused while a bot has it open."""
    lite = sqlite3.connect(source, timeout=LOCK_WAIT_S, isolation_level=None)
    try:
        for statement in LOCK_SOURCE:
            lite.execute(statement)
    except sqlite3.OperationalError:
        lite.close()
        raise CopyRefused(CopyProblem.SOURCE_BUSY) from None
    return lite


def _copy(lite: sqlite3.Connection, pg: psycopg.Connection[Any], batch: int,
          started: Callable[[str, int], None]) -> Copied:
    pg.execute(LOCK_TIMEOUT)
    pg.execute(TAKE_WRITE_LOCK, (WRITE_LOCK_KEY,))  # a bot already writing to the target waits, or we do
    tables = _plan(lite, pg)
    held = {table: n for table in tables if table not in CLEAR and (n := _count(pg, table)) > 0}
    if held:
        raise CopyRefused(CopyProblem.TARGET_NOT_EMPTY, ", ".join(f"{t}={n}" for t, n in held.items()))
    counts = {table: _count(lite, table) for table in tables}
    for table in tables:
        started(table, counts[table])
        if table in CLEAR:
            pg.execute(CLEAR[table])
        with pg.cursor().copy(COPIES[table]) as copy:
            for rows in _batches(lite, READS[table], batch):
                for row in rows:
                    copy.write_row(row)
    for statement in SEQUENCES.values():
        pg.execute(statement)
    differ = [f"{t} {n}/{m}" for t, n in counts.items() if (m := _count(pg, t)) != n]
    mine, theirs = _spot(lite), _spot(pg)
    if not all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6) for a, b in zip(mine, theirs, strict=True)):
        differ.append(f"reports {mine}/{theirs}")
    if differ:
        raise CopyRefused(CopyProblem.COUNTS_DIFFER, ", ".join(differ))
    return Copied(counts, mine)


def _plan(lite: sqlite3.Connection, pg: psycopg.Connection[Any]) -> list[str]:
    """The source's tables in copy order, each checked: listed here, in the target, with the same columns."""
    source_versions = [row[0] for row in lite.execute(VERSIONS)]
    target_versions = [row[0] for row in pg.execute(VERSIONS)]
    if source_versions != target_versions:
        raise CopyRefused(CopyProblem.SCHEMA_DIFFERS, f"schema_migrations {source_versions} / {target_versions}")
    names = [row[0] for row in lite.execute(SOURCE_TABLES) if row[0] != MIGRATIONS_TABLE]
    unlisted = [name for name in names if any(name not in listed for listed in (READS, COPIES, COUNTS))]
    if unlisted:
        raise CopyRefused(CopyProblem.UNLISTED_TABLE, ", ".join(unlisted))
    in_target = {row[0] for row in pg.execute(TARGET_TABLES)}
    for name in names:
        if name not in in_target:
            raise CopyRefused(CopyProblem.SCHEMA_DIFFERS, f"{name}: missing")
        ours = [row[0] for row in lite.execute(SOURCE_COLUMNS, (name,))]
        theirs = [row[0] for row in pg.execute(TARGET_COLUMNS, (name,))]
        if ours != theirs:  # COPY without a column list writes in the table's column order
            raise CopyRefused(CopyProblem.SCHEMA_DIFFERS, f"{name}: {ours} / {theirs}")
    identities = {row[0] for row in pg.execute(TARGET_IDENTITIES)}
    if unset := identities - set(SEQUENCES):
        raise CopyRefused(CopyProblem.UNLISTED_TABLE, ", ".join(sorted(unset)))
    return [*(t for t in FIRST if t in names), *(t for t in names if t not in FIRST)]


def _batches(lite: sqlite3.Connection, sql: str, size: int) -> Iterator[list[Any]]:
    cursor = lite.execute(sql)
    try:
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def _count(conn: sqlite3.Connection | psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(COUNTS[table]).fetchone()
    return int(row[0]) if row else 0


def _spot(conn: sqlite3.Connection | psycopg.Connection[Any]) -> tuple[float, ...]:
    row = conn.execute(SPOT_CHECK).fetchone()
    return tuple(float(value) for value in row) if row else ()


def _first_line(exc: BaseException) -> str:
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
