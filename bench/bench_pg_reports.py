"""Acknowledged reports per second on PostgreSQL, next to SQLite's, against a bare asyncpg loop (issue 14).

Ours: the same service path as bench_reports (BotService.handle_text, one committed transaction per report), with
BOT_DB a PostgreSQL URL: the generated deployment copied into a fresh database by `main.py migrate-db`'s copy.
Floor: a bare asyncpg loop on a copy of the same database, one INSERT in its own transaction per report
(synchronous_commit on, the server's default: the same durability), the reporters' tasks sharing the connection as
the bot's do. PostgreSQL at BENCH_PG_URL (default 127.0.0.1:5432, trust auth); each round gets a fresh database.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from bench.bench_reports import CLOCK, LEVELS, Report, _ours, plan_reports
from bench.common import BenchResult, alternate, compared, label, sizes
from bench.datasets import copy_of

SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FLOOR_INSERT = (
    "INSERT INTO reports (unit_id, indicator, period, value, cumulative, reporter_id, chat_id, message_id,"
    " source_text, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
)
STORED = "SELECT COUNT(*) FROM reports WHERE created_at LIKE '2031-%'"


def _database(name: str) -> str:
    """A fresh, empty database on the server; its URL."""
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return SERVER.rsplit("/", 1)[0] + f"/{name}"


def _drop(name: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _loaded(source: Path, name: str) -> str:
    """The generated deployment in a fresh PostgreSQL database, as an operator's migrate-db leaves it."""
    from storage.copy_to_pg import copy_deployment

    url = _database(name)
    asyncio.run(copy_deployment(source, url))
    return url


async def _floor(url: str, plan: list[list[Report]]) -> float:
    import asyncpg

    conn = await asyncpg.connect(url)
    lock, now = asyncio.Lock(), CLOCK.isoformat()

    async def liaison(reports: list[Report]) -> None:
        for index, r in enumerate(reports):
            async with lock, conn.transaction():
                await conn.execute(FLOOR_INSERT, r.unit_id, r.indicator, r.period, r.value, int(r.cumulative),
                                   r.user_id, r.user_id, 10**9 + index, r.text, now)

    try:
        start = time.perf_counter()
        await asyncio.gather(*(liaison(reports) for reports in plan))
        return time.perf_counter() - start
    finally:
        await conn.close()


def _stored(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(STORED).fetchone()
        return row[0] if row else 0


def measure(reports: int, level: int, count: int, rounds: int) -> tuple[list[float], list[float], list[float]]:
    """Reports per second of ours on PostgreSQL, of ours on SQLite and of the asyncpg floor, alternated."""

    def on_postgresql(which: str) -> float:
        source = copy_of(reports, f"pg-{which}")
        plan = plan_reports(source, level, count)
        name = f"bench_{which}_{reports}_{level}"
        url = _loaded(source, name)
        try:
            sent = sum(len(p) for p in plan)
            elapsed = asyncio.run((_ours if which == "ours" else _floor)(url, plan))  # type: ignore[arg-type]
            if which == "ours" and _stored(url) != sent:
                raise RuntimeError(f"stored {_stored(url)} of {sent} reports")
            return sent / elapsed
        finally:
            _drop(name)

    def on_sqlite() -> float:
        db = copy_of(reports, "pg-sqlite")
        plan = plan_reports(db, level, count)
        return sum(len(p) for p in plan) / asyncio.run(_ours(db, plan))

    ours, sqlite, floor = alternate(rounds, lambda: on_postgresql("ours"), on_sqlite, lambda: on_postgresql("floor"))
    return ours, sqlite, floor


def run(quick: bool = False) -> list[BenchResult]:
    count, rounds = (100, 2) if quick else (200, 3)
    out = []
    for reports in sizes(quick)[:1]:  # PostgreSQL's own cost; the growth with data is bench_reports' subject
        for level in LEVELS:
            ours, sqlite, floor = measure(reports, level, count, rounds)
            who = f"{level} liaison{'s' if level > 1 else ''} at once, {label(reports)} stored"
            out.append(compared(
                f"reports/s on PostgreSQL, {who}", ours, floor, "reports/s", "reported (no bar yet)",
                detail=f"{count // level * level} reports; floor: bare asyncpg INSERT per transaction"))
            out.append(compared(
                f"reports/s on SQLite (same run), {who}", sqlite, ours, "reports/s", "for comparison",
                detail="peer: ours on PostgreSQL"))
    return out
