"""One connection (aiosqlite in WAL mode, or PostgreSQL on a thread: storage.pg), numbered migrations, serialised
transactions."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, overload

import aiosqlite

from errors import StorageUnavailable
from storage.migrations import MIGRATIONS, Migration
from storage.preflight import create_private
from storage.targets import DatabaseTarget, PostgresUrl, database_target

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
STORAGE_DOWN = "locked or read-only: nothing was stored"  # for logs; bot.storage_errors words it for people
UNAVAILABLE_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR")

CREATE_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)
SELECT_APPLIED = "SELECT version FROM schema_migrations"
HAS_MIGRATIONS_TABLE = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    "postgresql": "SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_migrations'"
                  " AND table_schema = current_schema()",
}
INSERT_APPLIED = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
T = TypeVar("T")
U = TypeVar("U")
# A queued write: the function, what to read once its group committed, and its caller's future.
Entry = tuple[Callable[[sqlite3.Connection], Any], Callable[[sqlite3.Connection], Any] | None, asyncio.Future[Any]]


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
    """One thread hop instead of three (execute, fetch, close)."""
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)


class Database:
    """Wraps the connection so every transaction runs alone: coroutines share one connection."""

    def __init__(self, conn: aiosqlite.Connection, target: DatabaseTarget) -> None:
        self.conn = conn
        self.target = target
        self._lock = asyncio.Lock()
        self._queued: list[Entry] = []  # the next group commit

    @property
    def dialect(self) -> str:
        return "postgresql" if isinstance(self.target, PostgresUrl) else "sqlite"

    @property
    def path(self) -> Path:
        """The SQLite file; what only SQLite has (backups, file locks) asks for it."""
        if not isinstance(self.target, Path):
            raise TypeError("a PostgreSQL database has no file")
        return self.target

    @property
    def scratch(self) -> Path:
        """Where exports are written before they are sent: beside the SQLite file, else the temporary folder."""
        return self.target.parent if isinstance(self.target, Path) else Path(tempfile.gettempdir())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT; anything raised rolls back, a locked database becomes StorageUnavailable."""
        async with self._lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except Exception as exc:
                if not refuses_begin_or_commit(exc):
                    raise
                raise StorageUnavailable(STORAGE_DOWN) from exc
            try:
                yield self.conn
            except BaseException as exc:
                await self.conn.rollback()
                if cannot_write_now(exc):
                    raise StorageUnavailable(STORAGE_DOWN) from exc
                raise
            try:
                await self.conn.commit()
            except Exception as exc:
                if not refuses_begin_or_commit(exc):
                    raise
                await self.conn.rollback()
                raise StorageUnavailable(STORAGE_DOWN) from exc

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """Reads wait for a running transaction of this process, so they never see half of it."""
        async with self._lock:
            yield self.conn

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Reads as one plain function on the connection's thread: one hop however many statements it runs."""
        async with self._lock:
            return await _on_thread(self.conn, fn)

    @overload
    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    @overload
    async def write(self, fn: Callable[[sqlite3.Connection], T],
                    then: Callable[[sqlite3.Connection], U]) -> tuple[T, U | None]: ...

    async def write(self, fn: Callable[[sqlite3.Connection], T],
                    then: Callable[[sqlite3.Connection], U] | None = None) -> T | tuple[T, U | None]:
        """fn in BEGIN IMMEDIATE … COMMIT on the connection's thread, returned once committed (transaction()'s rules).

        `then` runs in the same hop once the group committed (a read of what was written): (fn's result, then's, or
        None if then raised).
        """
        # Writes that queue while one runs share the next commit, each in its own savepoint: one hop and one commit
        # for the group (group commit), and a write that raises undoes only itself.
        entry: Entry = (fn, then, asyncio.get_running_loop().create_future())
        self._queued.append(entry)
        try:
            await self._lock.acquire()
        except asyncio.CancelledError:
            if entry in self._queued:  # not taken into a group yet: it never runs
                self._queued.remove(entry)
            raise
        try:
            if not entry[2].done() and entry in self._queued:  # else an earlier write took it into its group
                group, self._queued = self._queued, []
                task = asyncio.ensure_future(_on_thread(self.conn, partial(_group_commit, entries=group)))
                task.add_done_callback(partial(_settle, [future for _, _, future in group]))
                await asyncio.shield(task)  # cancelled or not, the group's outcome reaches every member
        finally:
            self._lock.release()
        return await entry[2]

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self.reading() as conn:
            return list(await conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        async with self.reading() as conn:
            return await fetch_one(conn, sql, params)

    async def close(self) -> None:
        async with self._lock:
            await self.conn.close()


async def _on_thread(conn: aiosqlite.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """aiosqlite runs every call as a function queued to its thread; _execute is how its own methods queue one."""
    return await conn._execute(lambda: fn(conn._conn))  # private: no public API runs a function there


def _atomically(raw: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """transaction()'s rules for a plain function: a lock or a read-only file refuses, anything raised rolls back."""
    try:
        raw.execute("BEGIN IMMEDIATE")
    except Exception as exc:
        if not refuses_begin_or_commit(exc):
            raise
        raise StorageUnavailable(STORAGE_DOWN) from exc
    try:
        result = fn(raw)
    except BaseException as exc:
        raw.rollback()
        if cannot_write_now(exc):
            raise StorageUnavailable(STORAGE_DOWN) from exc
        raise
    try:
        raw.commit()
    except Exception as exc:
        if not refuses_begin_or_commit(exc):
            raise
        raw.rollback()
        raise StorageUnavailable(STORAGE_DOWN) from exc
    return result


def _group_commit(raw: sqlite3.Connection, entries: list[Entry]) -> list[tuple[bool, Any]]:
    """(True, result) or (False, exception) per write, all in one transaction; then each `then`, in order."""
    outcomes = _one_group(raw, [fn for fn, _, _ in entries])
    for index, ((ok, value), (_, then, _)) in enumerate(zip(outcomes, entries, strict=True)):
        if then is not None and ok:
            try:
                outcomes[index] = (True, (value, then(raw)))
            except Exception:  # the write committed: its caller reads again in a hop of its own
                log.exception("reading after a write failed")
                outcomes[index] = (True, (value, None))
    return outcomes


def _one_group(raw: sqlite3.Connection, fns: list[Callable[[sqlite3.Connection], Any]]) -> list[tuple[bool, Any]]:
    """One alone runs as _atomically; several each in a savepoint of one transaction."""
    if len(fns) == 1:
        try:
            return [(True, _atomically(raw, fns[0]))]
        except Exception as exc:  # any: handed to its caller
            return [(False, exc)]

    def each(conn: sqlite3.Connection) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        for fn in fns:
            conn.execute("SAVEPOINT one_write")
            try:
                outcomes.append((True, fn(conn)))
            except Exception as exc:  # any: handed to its caller; the others go on
                conn.execute("ROLLBACK TO one_write")
                outcomes.append((False, StorageUnavailable(STORAGE_DOWN) if cannot_write_now(exc) else exc))
            conn.execute("RELEASE one_write")
        return outcomes

    return _atomically(raw, each)


def _settle(futures: list[asyncio.Future[Any]], task: asyncio.Future[list[tuple[bool, Any]]]) -> None:
    """Every member of a group gets its own outcome, or the group's failure (a fresh exception each)."""
    failure = task.exception() if not task.cancelled() else asyncio.CancelledError()
    for index, future in enumerate(futures):
        if future.done():
            continue
        if failure is None:
            ok, value = task.result()[index]
            future.set_result(value) if ok else future.set_exception(value)
        elif isinstance(failure, StorageUnavailable):
            future.set_exception(StorageUnavailable(STORAGE_DOWN))
        else:
            future.set_exception(failure)


def refuses_begin_or_commit(exc: BaseException) -> bool:
    """At BEGIN or COMMIT any SQLite operational error, or a server gone, means nothing was stored: resend later."""
    return isinstance(exc, sqlite3.OperationalError) or cannot_write_now(exc)


def cannot_write_now(exc: BaseException) -> bool:
    """Busy, locked, read-only, full or failing disk, or a lost server: the user can simply resend later."""
    if type(exc).__module__.startswith("psycopg"):
        from storage.pg import unavailable
        return unavailable(exc)
    name = getattr(exc, "sqlite_errorname", "") or ""
    return isinstance(exc, sqlite3.OperationalError) and name.startswith(UNAVAILABLE_CODES)


async def open_database(
    target: DatabaseTarget | str,
    clock: Callable[[], dt.datetime] | None = None,
    migrations: Iterable[Migration] | None = None,
) -> Database:
    """Open an SQLite file (creating folders and a private file, in WAL mode) or a PostgreSQL database, and apply
    its engine's pending migrations."""
    target = database_target(target)
    if isinstance(target, PostgresUrl):
        from storage.migrations_pg import PG_MIGRATIONS
        from storage.pg import AsyncPgConnection
        try:
            pg = await AsyncPgConnection.connect(target)
        except Exception as exc:
            if not cannot_write_now(exc):
                raise
            raise StorageUnavailable(f"PostgreSQL {target.redacted}: {exc}") from exc
        pg_db = Database(pg, target)  # type: ignore[arg-type]  # aiosqlite's interface, on PostgreSQL
        await _migrated(pg_db, PG_MIGRATIONS if migrations is None else migrations, clock)
        return pg_db
    path = target
    create_private(path)  # 0600, and the WAL and shared-memory files SQLite creates beside it copy that mode
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")
    db = Database(conn, path)
    await _migrated(db, MIGRATIONS if migrations is None else migrations, clock)
    return db


async def _migrated(db: Database, migrations: Iterable[Migration], clock: Callable[[], dt.datetime] | None) -> None:
    """migrate(), closing the connection when it fails: an open connection's thread would keep the process alive."""
    try:
        await migrate(db, migrations, clock or (lambda: dt.datetime.now(dt.UTC)))
    except BaseException:
        await db.conn.close()
        raise


async def migrate(db: Database, migrations: Iterable[Migration], clock: Callable[[], dt.datetime]) -> list[int]:
    """Apply each migration not yet recorded, each in its own transaction; returns the versions applied."""
    if not await db.fetchall(HAS_MIGRATIONS_TABLE[db.dialect]):  # a read: a database another program locks opens
        async with db.transaction() as conn:  # replicas starting together take turns (the write lock)
            await conn.execute(CREATE_MIGRATIONS_TABLE)
    applied = {row[0] for row in await db.fetchall(SELECT_APPLIED)}
    done: list[int] = []
    for migration in sorted(migrations, key=lambda m: m.version):
        if migration.version in applied:
            continue
        async with db.transaction() as conn:
            if any(row[0] == migration.version for row in await conn.execute_fetchall(SELECT_APPLIED)):
                continue  # another replica applied it while this one waited for the lock
            for statement in migration.statements:
                await conn.execute(statement)
            await conn.execute(INSERT_APPLIED, (migration.version, migration.name, clock().isoformat()))
        done.append(migration.version)
    return done
