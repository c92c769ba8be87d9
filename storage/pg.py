"""PostgreSQL through psycopg's sync connection on a thread of its own, shaped like sqlite3 and aiosqlite.

The storage functions run as one plain function on the connection's thread (one hop per report, issue 11); with
this connection the same functions and the same SQL constants run on PostgreSQL, so both engines share one code
path and one set of semantics. asyncpg has no sync connection: it would need a second copy of every function.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, TypeVar

import psycopg
from psycopg import adapt, errors, pq
from psycopg.rows import RowMaker

T = TypeVar("T")
DIALECT = "postgresql"
# Every write transaction of every replica takes this lock first: one writer at a time across processes, as
# SQLite's BEGIN IMMEDIATE gives one writer per file, so "one current row per key" holds across replicas.
WRITE_LOCK_KEY = 0x4A4E4254  # 'JNBT'
BEGIN_WRITE = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
LOCK_TIMEOUT_MS = 5000  # as SQLite's busy timeout: a write that waits longer is refused, nothing stored
SESSION_SETUP = f"SET lock_timeout = {LOCK_TIMEOUT_MS}; SET TIME ZONE 'UTC'"
# Between quotes, or one placeholder: ?, :name (not ::cast), or a % psycopg would read as one.
TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|(?<!:):([A-Za-z_]\w*)|\?|%|::")
UNAVAILABLE = (errors.LockNotAvailable, errors.ReadOnlySqlTransaction, errors.DiskFull, errors.AdminShutdown,
               errors.CannotConnectNow, errors.QueryCanceled, errors.DeadlockDetected)


# SQLite's planner hints (an index to use; CROSS JOIN … ON fixes the join order): PostgreSQL plans on its own.
HINTS = re.compile(r"\s+(?:INDEXED BY \w+|NOT INDEXED)\b")
FIXED_ORDER = re.compile(r"\bCROSS JOIN (\w+(?: \w+)?) ON\b")


@lru_cache(maxsize=512)
def translate(sql: str, placeholders: bool = True) -> str:
    """sqlite3's placeholders (? and :name) as psycopg's (%s and %(name)s), literal % doubled; no planner hints."""
    if sql.lstrip().upper().startswith("BEGIN IMMEDIATE"):
        return BEGIN_WRITE
    if sql.strip().upper() == "BEGIN":  # SQLite's deferred BEGIN: a read in one snapshot (READ COMMITTED has none)
        return BEGIN_READ
    sql = FIXED_ORDER.sub(r"JOIN \1 ON", HINTS.sub("", sql))
    if not placeholders:
        return sql

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return token.replace("%", "%%")  # psycopg reads % inside quotes too

    return TOKENS.sub(one, sql)


def check_server(url: str, timeout_s: int = 5) -> None:
    """Connect once before anything starts, so a wrong URL or a stopped server is one line at start, not a hang."""
    from errors import DatabaseUnusable, Unusable

    try:
        psycopg.connect(url, connect_timeout=timeout_s).close()
    except psycopg.Error as exc:
        reason = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise DatabaseUnusable(Unusable.SERVER_UNREACHABLE, reason) from None


def unavailable(exc: BaseException) -> bool:
    """Lost server, lock wait over, read-only or full: the user can simply resend later."""
    return isinstance(exc, (psycopg.OperationalError, *UNAVAILABLE))


class PgRow:
    """sqlite3.Row's interface: by position or by column name, iterable, keys()."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: Mapping[str, int]) -> None:
        self._values = tuple(values)
        self._index = index

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return self._values == (other._values if isinstance(other, PgRow) else other)

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return f"PgRow{self._values!r}"

    def keys(self) -> list[str]:
        return list(self._index)


def pg_row(cursor: psycopg.Cursor[Any]) -> RowMaker[PgRow]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: PgRow(values, index)


class _BoolAsInteger(adapt.Dumper):
    """SQLite keeps flags as 0/1 integers; the PostgreSQL schema does the same, so a Python bool is sent as one."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class _NumericAsNumber(adapt.Loader):
    """SUM over integers is numeric in PostgreSQL: an int or float as SQLite gives, never a Decimal."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


class PgCursor:
    """What sqlite3's cursor offers the storage functions: rows, rowcount, fetchone/fetchall/fetchmany."""

    def __init__(self, cursor: psycopg.Cursor[PgRow]) -> None:
        self._cursor = cursor
        self.rowcount = cursor.rowcount

    def fetchone(self) -> PgRow | None:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[PgRow]:
        return self._cursor.fetchall() if self._cursor.description else []

    def fetchmany(self, size: int) -> list[PgRow]:
        return self._cursor.fetchmany(size) if self._cursor.description else []

    def __iter__(self) -> Iterator[PgRow]:
        return iter(self.fetchall())

    def close(self) -> None:
        self._cursor.close()


class PgConnection:
    """sqlite3.Connection's subset the storage functions use, over one psycopg connection in autocommit mode."""

    dialect = DIALECT

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn = self._connect()

    def _connect(self) -> psycopg.Connection[PgRow]:
        conn = psycopg.connect(self.url, autocommit=True, row_factory=pg_row, application_name="jinan-policy-bot")
        conn.adapters.register_dumper(bool, _BoolAsInteger)
        conn.adapters.register_loader("numeric", _NumericAsNumber)
        conn.execute(SESSION_SETUP)
        return conn

    def _live(self) -> psycopg.Connection[PgRow]:
        """The connection, opened again if the server dropped it (a restart, a failover) outside a transaction."""
        if self._conn.closed:
            self._conn = self._connect()
        return self._conn

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> PgCursor:
        conn = self._live()
        return PgCursor(conn.execute(translate(sql, bool(params)), params or None))

    def executemany(self, sql: str, seq: Iterable[Sequence[Any] | Mapping[str, Any]]) -> PgCursor:
        cursor = self._live().cursor()
        cursor.executemany(translate(sql), list(seq))
        return PgCursor(cursor)

    def stream(self, sql: str, size: int) -> Iterator[list[PgRow]]:
        """Rows `size` at a time from a server-side cursor: an export's memory stays flat in the row count."""
        with self._live().cursor(name="stream", withhold=True) as cursor:
            cursor.itersize = size
            cursor.execute(translate(sql, False))
            while batch := cursor.fetchmany(size):
                yield batch

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status != pq.TransactionStatus.IDLE

    def commit(self) -> None:
        if self.in_transaction:
            self._conn.execute(b"COMMIT")

    def rollback(self) -> None:
        if not self._conn.closed and self.in_transaction:
            self._conn.execute(b"ROLLBACK")

    def close(self) -> None:
        self._conn.close()


class AsyncRows:
    """aiosqlite's cursor, already read: the rows and rowcount of one statement run on the connection's thread."""

    def __init__(self, rows: list[PgRow], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchall(self) -> list[PgRow]:
        return self._rows

    async def fetchone(self) -> PgRow | None:
        return self._rows[0] if self._rows else None


class AsyncPgConnection:
    """aiosqlite.Connection's subset Database and the repositories use; every call runs on one thread."""

    dialect = DIALECT

    def __init__(self, conn: PgConnection, executor: ThreadPoolExecutor) -> None:
        self._conn = conn
        self._executor = executor

    @classmethod
    async def connect(cls, url: str) -> AsyncPgConnection:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postgresql")
        conn = await asyncio.get_running_loop().run_in_executor(executor, PgConnection, url)
        return cls(conn, executor)

    async def _execute(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> AsyncRows:
        def run() -> AsyncRows:
            cursor = self._conn.execute(sql, params)
            return AsyncRows(cursor.fetchall(), cursor.rowcount)
        return await self._execute(run)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[PgRow]:
        return await self._execute(lambda: self._conn.execute(sql, params).fetchall())

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any] | Mapping[str, Any]]) -> None:
        rows = list(seq)
        await self._execute(lambda: self._conn.executemany(sql, rows))

    async def commit(self) -> None:
        await self._execute(self._conn.commit)

    async def rollback(self) -> None:
        await self._execute(self._conn.rollback)

    async def close(self) -> None:
        try:
            await self._execute(self._conn.close)
        finally:
            self._executor.shutdown(wait=False)
