"""Both engines under one suite: modules marked `both_engines` run each test on SQLite and on PostgreSQL.

`database_for(tmp_path)` is where a test's bot keeps its data: `tmp_path / "bot.db"`, or, in the PostgreSQL run,
a database of its own created on BOT_TEST_PG_URL's server (default 127.0.0.1:5432, trust auth) and dropped after.
Without a server the PostgreSQL cases are skipped with one line, except under CI, where that is a failure.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ENGINES = ("sqlite", "postgresql")


def _database_errors() -> tuple[type[Exception], ...]:
    import psycopg
    return (sqlite3.Error, psycopg.Error)


DATABASE_ERRORS = _database_errors()  # what a failing statement raises, on either engine
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
NO_SERVER = "PostgreSQL 不可用（{url}：{error}）：PostgreSQL 用例跳过；设置 BOT_TEST_PG_URL 指向可用的服务器"


def server_url() -> str:
    return os.environ.get("BOT_TEST_PG_URL") or DEFAULT_PG_URL


def database_url(name: str) -> str:
    """The server's URL with another database name."""
    return urlsplit(server_url())._replace(path=f"/{name}").geturl()


@cache
def server_problem() -> str | None:
    """Why PostgreSQL cannot be used here, or None (asked once per run)."""
    try:
        import psycopg
        with psycopg.connect(server_url(), autocommit=True, connect_timeout=3):
            return None
    except Exception as exc:  # any: reported in the skip line
        return NO_SERVER.format(url=server_url(), error=str(exc).strip().splitlines()[0])


@dataclass
class Engine:
    """The current test's engine and the PostgreSQL databases it created (dropped at its end)."""

    name: str
    created: list[str] = field(default_factory=list)

    def database_for(self, tmp_path: Path, name: str = "bot") -> Path | str:
        if self.name == "sqlite":
            return tmp_path / f"{name}.db"
        import psycopg
        database = "t_" + hashlib.sha1(f"{tmp_path}/{name}".encode()).hexdigest()[:16]
        if database not in self.created:
            with psycopg.connect(server_url(), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {database}")
            self.created.append(database)
        return database_url(database)

    def drop(self) -> None:
        if not self.created:
            return
        import psycopg
        with psycopg.connect(server_url(), autocommit=True) as conn:
            for database in self.created:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


CURRENT: contextvars.ContextVar[Engine | None] = contextvars.ContextVar("engine", default=None)


def database_for(tmp_path: Path, name: str = "bot") -> Path | str:
    """Where this test's bot keeps its data, on the test's engine (SQLite outside a test)."""
    return (CURRENT.get() or Engine("sqlite")).database_for(tmp_path, name)


def rows(target: Path | str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """A query's rows as tuples, read with a connection of the test's own (sqlite3 or psycopg; ? placeholders)."""
    if isinstance(target, Path):
        with closing(sqlite3.connect(target)) as conn:
            return [tuple(row) for row in conn.execute(sql, params)]
    from storage.pg import PgConnection
    server = PgConnection(str(target))
    try:
        return [tuple(row) for row in server.execute(sql, params).fetchall()]
    finally:
        server.close()


def parametrize(metafunc: pytest.Metafunc) -> None:
    """Tests of modules marked `both_engines` run once per engine (ids: [sqlite], [postgresql]); pure ones once."""
    definition = metafunc.definition
    if definition.get_closest_marker("pure") in definition.own_markers or "pg_engine" in metafunc.fixturenames:
        return  # pure: no database; pg_engine: PostgreSQL only
    if "engine" in metafunc.fixturenames and definition.get_closest_marker("both_engines"):
        metafunc.parametrize("engine", ENGINES, indirect=True)


def require_server() -> None:
    """Skip the test with one line when there is no PostgreSQL server; under CI that is a failure instead."""
    if (problem := server_problem()) is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL cases: {problem}")
        pytest.skip(problem)


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """PostgreSQL only, for what SQLite has no counterpart of (processes migrating one database together)."""
    require_server()
    current = Engine("postgresql")
    try:
        yield current
    finally:
        current.drop()


@pytest.fixture(autouse=True)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The test's engine: SQLite, or each in turn in modules marked `both_engines`."""
    name = getattr(request, "param", "sqlite")
    if name == "postgresql":
        require_server()
    current = Engine(name)
    token = CURRENT.set(current)
    try:
        yield current
    finally:
        CURRENT.reset(token)
        current.drop()
