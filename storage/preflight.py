"""Checks a database file before anything starts, so a file that cannot serve stops the program at once."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from pathlib import Path

from errors import DatabaseUnusable, Unusable
from storage.migrations import MIGRATIONS

SQLITE_HEADER = b"SQLite format 3\x00"
# PRAGMA application_id marks whose file it is: the Telegram bot's ('JNBT'), or the console's sandbox ('JNCS').
CLAIM_BOT = "PRAGMA application_id = 1246642772"
CLAIM_CONSOLE = "PRAGMA application_id = 1246643027"
APPLICATION_IDS = {"bot": int(CLAIM_BOT.rsplit(maxsplit=1)[-1]), "console": int(CLAIM_CONSOLE.rsplit(maxsplit=1)[-1])}
OWNERS = {number: role for role, number in APPLICATION_IDS.items()}
OWN_TABLES = {"schema_migrations"}
LOCK_WAIT_S = 5.0
FULL_CHECK_BYTES = 64 * 1024 * 1024
TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
SMALL_TABLE_CHECKS = (  # the history tables (reports, processed_updates, update_inbox) grow with use: not read at start
    ("schema_migrations", "PRAGMA quick_check(schema_migrations)"), ("units", "PRAGMA quick_check(units)"),
    ("invites", "PRAGMA quick_check(invites)"), ("liaisons", "PRAGMA quick_check(liaisons)"),
    ("liaison_indicators", "PRAGMA quick_check(liaison_indicators)"),
    ("pending_reports", "PRAGMA quick_check(pending_reports)"),
    ("sent_notifications", "PRAGMA quick_check(sent_notifications)"),
    ("report_counts", "PRAGMA quick_check(report_counts)"),
)
ROLE_CONFLICT = {"bot": Unusable.CONSOLE_SANDBOX, "console": Unusable.BOT_DATABASE}  # the role asking → the problem
REASONS = (  # SQLite error names → why the file cannot serve
    ("SQLITE_BUSY", Unusable.LOCKED),
    ("SQLITE_LOCKED", Unusable.LOCKED),
    ("SQLITE_READONLY", Unusable.READ_ONLY),
    ("SQLITE_CANTOPEN", Unusable.CANNOT_OPEN),
    ("SQLITE_NOTADB", Unusable.NOT_A_DATABASE),
    ("SQLITE_CORRUPT", Unusable.CORRUPT),
)


def _damage(conn: sqlite3.Connection) -> list[str]:
    """quick_check of the whole file while it is small; of the schema and the small tables once it is not.

    A whole-file check reads every page (0.6 s at a million reports); the schema and the small tables are what
    a start needs, and damage deep in the history surfaces as SQLITE_CORRUPT on the query that meets it.
    """
    size = conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    if size <= FULL_CHECK_BYTES:
        return [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    present = {row[0] for row in conn.execute(TABLES)}
    for table, statement in SMALL_TABLE_CHECKS:
        problems = [row[0] for row in conn.execute(statement)] if table in present else ["ok"]
        if problems != ["ok"]:
            return problems
    return ["ok"]


def create_private(path: Path) -> None:
    """Create the file 0600 before SQLite does: its WAL and shared-memory files copy the mode."""
    if str(path) == ":memory:" or path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def check_database(
    path: Path, role: str | None = None, create: bool = True, local_user_id: int | None = None, schema: bool = True,
) -> int:
    """Raise DatabaseUnusable unless `path` is, or can become, our writable database (`schema=False`: any SQLite file).

    `role` claims the file for the Telegram bot or the console and refuses the other's file; for the bot, liaisons
    of the console's `local_user_id` left by an older version are revoked. Returns how many were revoked.
    """
    if os.path.isdir(path):
        raise DatabaseUnusable(Unusable.DIRECTORY)
    if not os.path.lexists(path):
        if not create:
            raise DatabaseUnusable(Unusable.MISSING)
        try:
            create_private(path)
        except PermissionError:
            raise DatabaseUnusable(Unusable.CREATE_DENIED) from None
        except (FileExistsError, NotADirectoryError):
            raise DatabaseUnusable(Unusable.CREATE_PATH_BLOCKED) from None
        except OSError as exc:
            raise DatabaseUnusable(Unusable.CREATE_FAILED, str(exc.strerror or exc)) from None
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except PermissionError:
        raise DatabaseUnusable(Unusable.READ_DENIED) from None
    except OSError as exc:
        raise DatabaseUnusable(Unusable.READ_FAILED, str(exc.strerror or exc)) from None
    if head and head != SQLITE_HEADER:
        raise DatabaseUnusable(Unusable.NOT_A_DATABASE)
    if create and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise DatabaseUnusable(Unusable.READ_ONLY)
    conn = sqlite3.connect(path, timeout=LOCK_WAIT_S, isolation_level=None)
    try:
        return _check(conn, role, local_user_id, schema)
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "") or ""
        problem = next((problem for code, problem in REASONS if name.startswith(code)), Unusable.FAILED)
        raise DatabaseUnusable(problem, str(exc) if problem is Unusable.FAILED else "") from None
    finally:
        conn.close()


def _check(conn: sqlite3.Connection, role: str | None, local_user_id: int | None, schema: bool) -> int:
    problems = _damage(conn)
    if problems != ["ok"]:
        raise DatabaseUnusable(Unusable.CORRUPT, " ".join(problems[0].split())[:120])
    if not schema:
        return 0
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id and app_id not in OWNERS:
        raise DatabaseUnusable(Unusable.FOREIGN_APPLICATION, f"{app_id:#x}")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
              if not row[0].startswith("sqlite_")}
    _check_schema(conn, tables)
    owner = OWNERS.get(app_id)
    if role is None:
        return 0
    if owner not in (None, role):
        raise DatabaseUnusable(ROLE_CONFLICT[role])
    if role == "console" and owner is None and _has(conn, tables, "SELECT 1 FROM liaisons WHERE user_id != ?",
                                                     local_user_id or 0):
        raise DatabaseUnusable(ROLE_CONFLICT["console"])
    leftovers = role == "bot" and local_user_id is not None and _has(
        conn, tables, "SELECT 1 FROM liaisons WHERE user_id = ? AND revoked_at IS NULL", local_user_id)
    if owner == role and not leftovers:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        if role == "bot":
            conn.execute(CLAIM_BOT)
        else:
            conn.execute(CLAIM_CONSOLE)
        revoked = 0
        if leftovers:
            revoked = conn.execute(
                "UPDATE liaisons SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND revoked_at IS NULL",
                (dt.datetime.now(dt.UTC).isoformat(), local_user_id, local_user_id)).rowcount
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return revoked


def _check_schema(conn: sqlite3.Connection, tables: set[str]) -> None:
    """An empty file is fine; otherwise it needs our migrations table, recording only versions we know."""
    if not tables:
        return
    if not tables >= OWN_TABLES:
        raise DatabaseUnusable(Unusable.FOREIGN_TABLES, ", ".join(sorted(tables)))
    columns = {row[1] for row in conn.execute("PRAGMA table_info(schema_migrations)")}
    if not {"version", "name", "applied_at"} <= columns:
        raise DatabaseUnusable(Unusable.FOREIGN_MIGRATIONS)
    known = {m.version for m in MIGRATIONS}
    unknown = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")} - known
    if unknown and max(unknown) > max(known):
        raise DatabaseUnusable(Unusable.NEWER_SCHEMA, versions=(max(unknown), max(known)))
    if unknown:
        raise DatabaseUnusable(Unusable.UNKNOWN_SCHEMA, versions=tuple(sorted(unknown)))


def _has(conn: sqlite3.Connection, tables: set[str], sql: str, *params: object) -> bool:
    return "liaisons" in tables and conn.execute(sql, params).fetchone() is not None
