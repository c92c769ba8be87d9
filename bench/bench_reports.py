"""Acknowledged reports per second: parse, permission check, one committed WAL transaction, progress, receipt text.

The peer is the bare floor of the same work: one INSERT + COMMIT per report into the same kind of WAL file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import BenchResult

TARGET = 300.0
UNITS = 20
ZONE = ZoneInfo("Asia/Shanghai")
MESSAGES = ("济南工匠 {v} {m}", "首席技师 {v}人 {m}", "#18 {v} {m}", "补贴性培训 0.{v}万人次 {m}",
            "技能竞赛 {v}万人次 {m}", "创新创效竞赛 {v}场 {m}")


async def _ours(folder: Path, count: int) -> float:
    from bot.service import BotService
    from bot.settings import Settings

    now = dt.datetime(2026, 11, 24, 10, tzinfo=ZONE)
    settings = Settings(_env_file=None, db=folder / "ours.db", admins=(1,), flood_per_minute=0)  # a bench, not a flood
    service = await BotService.open(settings, lambda: now)
    try:
        return await _measure(service, count)
    finally:
        await service.close()  # an open aiosqlite thread would keep the interpreter from exiting


async def _measure(service, count: int) -> float:
    from bot.models import Actor, MessageRef
    from reporting.render import render_report_text

    admin = Actor(user_id=1, chat_id=1)
    liaisons = []
    for index in range(UNITS):
        invite = await service.reports.create_invite(admin, f"单位{index} 9,12,15,16,18,19 新建")
        actor = Actor(user_id=100 + index, chat_id=100 + index, name=f"联络员{index}")
        await service.reports.join(actor, invite.code)
        liaisons.append(actor)
    months = [f"{year}年{month}月" for year in range(2022, 2027) for month in range(1, 13)][:58]
    texts = [MESSAGES[i % len(MESSAGES)].format(v=1 + i % 5, m=months[(i // len(MESSAGES)) % len(months)])
             for i in range(count)]
    start = time.perf_counter()
    for index, text in enumerate(texts):
        actor = liaisons[index % UNITS]
        ref = MessageRef(chat_id=actor.chat_id, message_id=index + 1, update_id=index + 1)
        outcome = await service.handle_text(actor, text, None, ref)
        render_report_text(outcome)
    elapsed = time.perf_counter() - start
    stored = (await service.reports.db.fetchone("SELECT COUNT(*) FROM reports"))[0]
    if stored != count:
        raise RuntimeError(f"stored {stored} of {count} reports")
    return count / elapsed


async def _peer(folder: Path, count: int) -> float:
    from storage.db import open_database

    db = await open_database(folder / "peer.db")
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO units (name, created_at) VALUES ('u', 'now')")
    start = time.perf_counter()
    for index in range(count):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO reports (unit_id, indicator, period, value, reporter_id, created_at)"
                " VALUES (1, 15, '2026-10', ?, 2, 'now')", (index,))
    elapsed = time.perf_counter() - start
    await db.close()
    return count / elapsed


def run(quick: bool = False) -> list[BenchResult]:
    count = 300 if quick else 3000
    with tempfile.TemporaryDirectory() as folder:
        ours = asyncio.run(_ours(Path(folder), count))
        peer = asyncio.run(_peer(Path(folder), count))
    return [BenchResult(
        "acknowledged reports per second (service → SQLite WAL)", ours, "reports/s", f"≥ {TARGET:.0f}/s",
        ours >= TARGET, peer=peer, ratio=ours / peer,
        detail=f"{count} reports from {UNITS} liaisons; peer = bare INSERT+COMMIT per report",
    )]
