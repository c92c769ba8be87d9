"""Acknowledged reports per second with 1, 10 and 50 liaisons sending at once, on generated databases.

Ours: the service facade (BotService.handle_text: identity, parse, permission, plausibility against the unit's
history, one committed transaction, progress, the receipt text). Floor: a bare aiosqlite loop on a copy of the
same database, opened by storage.db.open_database so journal mode and synchronous are the bot's (the same
durability), one BEGIN IMMEDIATE + INSERT + COMMIT per report, the reporters' tasks sharing the connection as
the bot's do. Each measurement starts from a fresh copy; the service clock is set past the generated history,
so every report is a new figure (the liaison's latest value for a month not yet reported), none is a correction.
Ours is timed once the service has warmed as the bot does after start (catch-up job: each indicator's unit rows
reduced, the unit-name pattern compiled); the floor's open is not timed either.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import BenchResult, alternate, compared, label, sizes
from bench.datasets import ADMIN, copy_of
from bench.senders import item, senders

LEVELS = (1, 10, 50)
FLOOR_SHARE = 0.5  # issue 11: at least half the bare floor
ZONE = dt.timezone(dt.timedelta(hours=8))
CLOCK = dt.datetime(2031, 1, 15, 10, tzinfo=ZONE)
MONTHS = [(year, month) for year in range(2027, 2031) for month in range(1, 13)]
FLOOR_INSERT = (
    "INSERT INTO reports (unit_id, indicator, period, value, cumulative, reporter_id, chat_id, message_id,"
    " source_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class Report:
    """One message a liaison sends, and the row the floor writes for it."""

    user_id: int
    unit_id: int
    indicator: int
    period: str
    value: float
    cumulative: bool
    text: str


def plan_reports(db: Path, reporters: int, count: int) -> list[list[Report]]:
    """`count` single-figure messages from `reporters` liaisons: each its latest figures, for months to come."""
    people = senders(db, reporters)
    if len(people) < reporters:
        raise RuntimeError(f"{db} has {len(people)} active liaisons, {reporters} needed")
    out: list[list[Report]] = []
    for person in people:
        assigned = person.indicators
        mine = []
        for index in range(count // reporters):
            number = assigned[index % len(assigned)]
            year, month = MONTHS[index // len(assigned)]
            value, cumulative = person.latest[number]
            text = f"{year}年{month}月 {item(number, value, cumulative)}"
            mine.append(Report(person.user_id, person.unit_id, number, f"{year:04d}-{month:02d}", value, cumulative,
                               text))
        out.append(mine)
    return out


async def _ours(db: Path, plan: list[list[Report]]) -> float:
    from bot.services.actors import Actor, MessageRef
    from bot.services.facade import BotService
    from bot.settings import Settings
    from reporting.outcomes import ReportReceipt
    from reporting.render import render_report_text

    settings = Settings(_env_file=None, db=db, admins=(ADMIN,), flood_per_minute=0)  # a bench, not a flood
    service = await BotService.open(settings, lambda: CLOCK)
    await service.warm()  # as the bot's catch-up job does right after start

    async def liaison(reports: list[Report]) -> None:
        for index, report in enumerate(reports):
            actor = Actor(user_id=report.user_id, chat_id=report.user_id, name="联络员")
            ref = MessageRef(chat_id=report.user_id, message_id=10**9 + index, update_id=None)
            outcome = await service.handle_text(actor, report.text, None, ref)
            if not isinstance(outcome, ReportReceipt):
                raise RuntimeError(f"{report.text!r} was not stored: {outcome!r}")
            render_report_text(outcome)

    try:
        start = time.perf_counter()
        await asyncio.gather(*(liaison(reports) for reports in plan))
        return time.perf_counter() - start
    finally:
        await service.close()  # an open aiosqlite thread would keep the interpreter from exiting


async def _floor(db: Path, plan: list[list[Report]]) -> float:
    from storage.db import open_database

    database = await open_database(db)  # the bot's PRAGMAs: same journal mode, same synchronous
    conn, lock, now = database.conn, asyncio.Lock(), CLOCK.isoformat()

    async def liaison(reports: list[Report]) -> None:
        for index, r in enumerate(reports):
            async with lock:
                await conn.execute("BEGIN IMMEDIATE")
                await conn.execute(FLOOR_INSERT, (r.unit_id, r.indicator, r.period, r.value, int(r.cumulative),
                                                  r.user_id, r.user_id, 10**9 + index, r.text, now))
                await conn.execute("COMMIT")

    try:
        start = time.perf_counter()
        await asyncio.gather(*(liaison(reports) for reports in plan))
        return time.perf_counter() - start
    finally:
        await database.close()


def _stored(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM reports WHERE created_at LIKE '2031-%'").fetchone()[0]
    finally:
        conn.close()


def measure(reports: int, level: int, count: int, rounds: int) -> tuple[list[float], list[float]]:
    """Reports per second of ours and of the floor, alternated, each round on a fresh copy of the database."""

    def once(which: str) -> float:
        db = copy_of(reports, f"reports-{which}")
        plan = plan_reports(db, level, count)
        sent = sum(len(p) for p in plan)
        elapsed = asyncio.run((_ours if which == "ours" else _floor)(db, plan))
        stored = _stored(db)
        if which == "ours" and stored != sent:
            raise RuntimeError(f"stored {stored} of {sent} reports")
        return sent / elapsed

    ours, floor = alternate(rounds, lambda: once("ours"), lambda: once("floor"))
    return ours, floor


def run(quick: bool = False) -> list[BenchResult]:
    count, rounds = (100, 2) if quick else (200, 3)
    out = []
    for reports in sizes(quick):
        for level in LEVELS:
            ours, floor = measure(reports, level, count, rounds)
            out.append(compared(
                f"reports/s, {level} liaison{'s' if level > 1 else ''} at once, {label(reports)} stored", ours, floor,
                "reports/s", f"≥ {FLOOR_SHARE}× floor", lambda value, ratio: ratio is not None and ratio >= FLOOR_SHARE,
                detail=f"{count // level * level} reports; floor: bare aiosqlite INSERT+COMMIT per report, "
                       "same PRAGMAs"))
    return out
