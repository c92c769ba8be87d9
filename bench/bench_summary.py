"""/weekly in process on generated databases, alternated with a floor: one bare SQL pass over the current rows.

Through the service facade as the bot runs it: BotService.open on the database, then SummaryService.build_weekly
(the content) and weekly_report (text + PNG chart). "After a new report": a liaison's figure stored through
BotService.handle_text just before, the steady state of a running bot. The floor reads every current figure
(newest row not undone per unit, indicator and month) with plain sqlite3: what a summary computed from scratch
by SQL costs at least.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import BenchResult, alternate, at_most, compared, label, sizes
from bench.datasets import ADMIN, copy_of
from bench.senders import item, senders

WEEKLY_TARGET_MS = 100.0  # issue 11: in process ≤ 100 ms at 1M
FLOOR_SQL = (
    "SELECT r.indicator, SUM(r.value), COUNT(*) FROM reports r JOIN (SELECT MAX(id) AS id FROM reports"
    " WHERE undone_at IS NULL GROUP BY indicator, unit_id, period) c ON c.id = r.id GROUP BY r.indicator"
)


def floor_ms(db: Path) -> float:
    """One pass over the current rows with a fresh connection, as a summary without any cache would need."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    try:
        conn.execute(FLOOR_SQL).fetchall()
    finally:
        conn.close()
    return (time.perf_counter() - start) * 1000


async def _session(db: Path, cycles: int) -> dict[str, list[float]]:
    """Cold first call, then `cycles` of (new report → /weekly, /weekly again), then the chart twice."""
    from bot.services.actors import Actor, MessageRef
    from bot.services.facade import BotService
    from bot.settings import Settings
    from reporting.outcomes import ReportReceipt

    people = senders(db)
    service = await BotService.open(Settings(_env_file=None, db=db, admins=(ADMIN,), flood_per_minute=0))
    summaries = service.summaries
    out: dict[str, list[float]] = {"cold": [], "after": [], "same": [], "chart": []}
    try:
        start = time.perf_counter()
        await summaries.build_weekly()
        out["cold"].append((time.perf_counter() - start) * 1000)
        for cycle in range(cycles):
            person = people[cycle * 7 % len(people)]
            number = person.indicators[cycle % len(person.indicators)]
            text = item(number, *person.latest[number])  # no month: the month just ended, as liaisons write it
            actor = Actor(user_id=person.user_id, chat_id=person.user_id, name="联络员")
            ref = MessageRef(chat_id=person.user_id, message_id=2**40 + cycle)
            if not isinstance(await service.handle_text(actor, text, None, ref), ReportReceipt):
                raise RuntimeError(f"{text!r} was not stored")
            for key in ("after", "same"):
                start = time.perf_counter()
                await summaries.build_weekly()
                out[key].append((time.perf_counter() - start) * 1000)
        for _ in range(2):
            start = time.perf_counter()
            await summaries.weekly_report()
            out["chart"].append((time.perf_counter() - start) * 1000)
    finally:
        await service.close()
    return out


def _weekly_session(reports: int, cycles: int) -> dict[str, list[float]]:
    return asyncio.run(_session(copy_of(reports, "weekly"), cycles))


def _weekly_floor(reports: int) -> float:
    return floor_ms(copy_of(reports, "weekly-floor"))


def run(quick: bool = False) -> list[BenchResult]:
    rounds, cycles = (2, 3) if quick else (3, 5)
    results: list[BenchResult] = []
    for reports in sizes(quick):
        runs: list[list[Any]] = alternate(rounds, partial(_weekly_session, reports, cycles),
                                          partial(_weekly_floor, reports))
        sessions: list[dict[str, list[float]]] = runs[0]
        floors: list[float] = runs[1]
        merged = {key: [v for s in sessions for v in s[key]] for key in sessions[0]}
        size = label(reports)
        below = at_most(WEEKLY_TARGET_MS)
        results += [
            compared(f"/weekly first call after start, {size} reports", merged["cold"], floors, "ms", "report only",
                     detail="a fresh service; the bot makes this call in its catch-up job at start"),
            compared(f"/weekly content after a new report, {size}", merged["after"], floors, "ms",
                     f"≤ {WEEKLY_TARGET_MS:g} ms", below, detail=f"{len(merged['after'])} reports, each then /weekly"),
            compared(f"/weekly content, nothing new, {size}", merged["same"], floors, "ms",
                     f"≤ {WEEKLY_TARGET_MS:g} ms", below),
            compared(f"/weekly text + PNG chart, {size}", merged["chart"], floors, "ms", "report only"),
        ]
    return results
