"""Weekly summary, chart and export over 100k stored reports, generated straight into a temp SQLite file."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import BenchResult
from knowledge.parser import load_policy

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=ZONE)
ADMIN = 1
WEEKLY_TARGET_MS = 300.0
FIRST = (2022, 1)
LAST = (2026, 10)


def _months() -> list[tuple[int, int]]:
    out, (year, month) = [], FIRST
    while (year, month) <= LAST:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _scales(document, units: int, months: int) -> dict[int, float]:
    """A plausible size of one unit's monthly figure per indicator, so the summary looks like real data."""
    from reporting.kinds import Kind, load_kinds

    kinds = load_kinds(document)
    out = {}
    for indicator in document.indicators:
        final = indicator.values[max(indicator.values)]
        if indicator.percent or kinds[indicator.number].aggregate.value == "mean":
            out[indicator.number] = final
        elif kinds[indicator.number].kind is Kind.COUNT:
            out[indicator.number] = (final - indicator.baseline) / (units / 5.5 * months)
        else:
            out[indicator.number] = final / (units / 5.5)
    return out


def generate(path: Path, reports: int, seed: int = 7) -> int:
    """Units with liaisons and assigned indicators, monthly reports with corrections; returns the row count."""
    from storage.db import open_database

    async def migrate() -> None:
        db = await open_database(path, clock=lambda: NOW)
        await db.close()

    asyncio.run(migrate())
    rng = random.Random(seed)
    document = load_policy()
    numbers = [i.number for i in document.indicators]
    months = _months()
    units = max(10, -(-reports // int(4 * len(months) * 1.05)))
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO units (id, name, created_at) VALUES (?, ?, ?)",
                         [(u, f"单位{u:04d}", "2022-01-01T00:00:00+08:00") for u in range(1, units + 1)])
        assigned: dict[int, list[int]] = {}
        for u in range(1, units + 1):
            assigned[u] = rng.sample(numbers, 4)
            conn.execute("INSERT INTO liaisons (id, user_id, unit_id, name, chat_id, joined_at)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         (u, 10_000 + u, u, f"联络员{u}", 10_000 + u, "2022-01-01T00:00:00+08:00"))
            conn.executemany("INSERT INTO liaison_indicators (liaison_id, indicator) VALUES (?, ?)",
                             [(u, n) for n in assigned[u]])
        scale = _scales(document, units, len(months))
        rows = []
        for year, month in months:
            sent = dt.datetime(year + (month == 12), month % 12 + 1, 1, 9, tzinfo=ZONE)
            for u in range(1, units + 1):
                for n in assigned[u]:
                    if rng.random() < 0.08 and (year, month) == LAST:
                        continue  # some units are late for the last month
                    when = sent + dt.timedelta(days=rng.randrange(0, 25), minutes=rng.randrange(0, 600))
                    period = f"{year:04d}-{month:02d}"
                    value = round(scale[n] * rng.uniform(0.6, 1.4), 2)
                    rows.append((u, n, period, value, 10_000 + u, when.isoformat()))
                    if rng.random() < 0.15:
                        rows.append((u, n, period, round(scale[n] * rng.uniform(0.6, 1.4), 2), 10_000 + u,
                                     (when + dt.timedelta(hours=2)).isoformat()))
        rows = sorted(rows, key=lambda r: r[5])[-reports:]
        conn.executemany(
            "INSERT INTO reports (unit_id, indicator, period, value, reporter_id, source_text, created_at)"
            " VALUES (?, ?, ?, ?, ?, '', ?)", rows)
        # mark superseded rows the way the repository does, so history looks real
        conn.execute(
            "UPDATE reports SET superseded_by = (SELECT MIN(r2.id) FROM reports r2 WHERE r2.unit_id = reports.unit_id"
            " AND r2.indicator = reports.indicator AND r2.period = reports.period AND r2.id > reports.id)")
        count = conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
    conn.close()
    return count


def run(quick: bool = False) -> list[BenchResult]:
    """Cold load, /weekly after each new report (the steady state of a running bot), chart and export."""
    size = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        count = generate(path, size)
        cold, steady, unchanged, chart, export_ms, export_kib = asyncio.run(_measure(path, cycles=5 if quick else 15))
    median = statistics.median(steady)
    return [
        BenchResult(name=f"/weekly content after a new report, {count} reports", value=median, unit="ms",
                    target=f"≤ {WEEKLY_TARGET_MS:.0f} ms", ok=median <= WEEKLY_TARGET_MS,
                    detail=f"median of {len(steady)}, max {max(steady):.0f} ms"),
        BenchResult(name=f"/weekly content, nothing new, {count} reports", value=statistics.median(unchanged),
                    unit="ms", target="report only", ok=True),
        BenchResult(name=f"/weekly first call after start (loads {count} rows)", value=cold, unit="ms",
                    target="report only", ok=True, detail="the bot pays this once, in the catch-up job at start"),
        BenchResult(name=f"/weekly text + PNG chart, {count} reports", value=statistics.median(chart), unit="ms",
                    target="report only", ok=True),
        BenchResult(name=f"/export xlsx, {count} reports", value=export_ms, unit="ms", target="report only",
                    ok=True, detail=f"{export_kib} KiB"),
    ]


async def _measure(path: Path, cycles: int) -> tuple[float, list[float], list[float], list[float], float, int]:
    from bot.settings import Settings
    from bot.summary_service import SummaryService
    from storage.db import open_database
    from storage.reports import ReportRepository

    moment = [NOW]
    db = await open_database(path, clock=lambda: moment[0])
    service = SummaryService(db, load_policy(), Settings(_env_file=None, db=path, admins=(ADMIN,)), lambda: moment[0])
    try:
        start = time.perf_counter()
        await service.build_weekly()
        cold = (time.perf_counter() - start) * 1000
        repository, rng, steady, unchanged = ReportRepository(), random.Random(3), [], []
        for _ in range(cycles):
            moment[0] += dt.timedelta(minutes=7)
            async with db.transaction() as conn:
                await repository.add(conn, unit_id=rng.randrange(1, 11), indicator=15, period="2026-10",
                                     value=float(rng.randrange(1, 5)), cumulative=False, reporter_id=ADMIN,
                                     chat_id=None, message_id=None, source_text="bench", now=moment[0])
            start = time.perf_counter()
            await service.build_weekly()
            steady.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await service.build_weekly()
            unchanged.append((time.perf_counter() - start) * 1000)
        chart = []
        for _ in range(2):
            start = time.perf_counter()
            await service.weekly_report()
            chart.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        exported = await service.build_export("xlsx")
        export_ms = (time.perf_counter() - start) * 1000
        return cold, steady, unchanged, chart, export_ms, len(exported.data) // 1024
    finally:
        await db.close()
