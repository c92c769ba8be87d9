"""Storage on a real SQLite file and a real PostgreSQL database: migrations, and the repositories' append-only rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from storage.db import open_database
from storage.migrations import MIGRATIONS, Migration
from storage.reports import ProcessedUpdates, ReportRepository
from storage.repositories import InviteRepository, LiaisonRepository, UnitRepository
from tests.engines import DATABASE_ERRORS, Engine
from tests.report_support import at

pytestmark = [pytest.mark.service, pytest.mark.both_engines]
TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
}

NOW = at(2026, 11, 24)


def clock() -> dt.datetime:
    return NOW


async def test_migrations_run_once_and_are_recorded(tmp_path: Path, engine: Engine) -> None:
    target = engine.database_for(tmp_path / "a")
    db = await open_database(target, clock)
    rows = await db.fetchall("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [r["version"] for r in rows] == [m.version for m in MIGRATIONS]
    if engine.name == "sqlite":
        assert (await db.fetchall("PRAGMA journal_mode"))[0][0] == "wal"
        assert (await db.fetchall("PRAGMA busy_timeout"))[0][0] == 5000
    tables = {r[0] for r in await db.fetchall(TABLES[engine.name])}
    assert {"units", "liaisons", "liaison_indicators", "invites", "reports", "processed_updates",
            "sent_notifications", "pending_reports"} <= tables
    await db.close()
    again = await open_database(target, clock)
    assert len(await again.fetchall("SELECT version FROM schema_migrations")) == len(MIGRATIONS)
    await again.close()


async def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path, engine: Engine) -> None:
    from storage.migrations_pg import PG_MIGRATIONS

    broken = Migration(99, "broken", ("CREATE TABLE half (x INTEGER)", "CREATE TABLE oops (syntax error here"))
    with pytest.raises(DATABASE_ERRORS):
        await open_database(engine.database_for(tmp_path), clock,
                            (*(MIGRATIONS if engine.name == "sqlite" else PG_MIGRATIONS), broken))
    db = await open_database(engine.database_for(tmp_path), clock)
    tables = {r[0] for r in await db.fetchall(TABLES[engine.name])}
    assert "half" not in tables
    assert 99 not in {r[0] for r in await db.fetchall("SELECT version FROM schema_migrations")}
    await db.close()


async def test_sent_notifications_claim_once(tmp_path: Path, engine: Engine) -> None:
    db = await open_database(engine.database_for(tmp_path), clock)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO sent_notifications (kind, key, sent_at) VALUES ('weekly', 'w1', 'x')")
    with pytest.raises(DATABASE_ERRORS):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO sent_notifications (kind, key, sent_at) VALUES ('weekly', 'w1', 'y')")
    await db.close()


async def test_invites_are_single_use_and_liaisons_merge_indicators(tmp_path: Path, engine: Engine) -> None:
    db = await open_database(engine.database_for(tmp_path), clock)
    units, invites, liaisons = UnitRepository(), InviteRepository(), LiaisonRepository()
    async with db.transaction() as conn:
        unit = await units.get_or_create(conn, "市总工会", NOW)
        assert (await units.get_or_create(conn, "市总工会", NOW)).id == unit.id
        invite = await invites.create(conn, "code-0001", unit, (15, 16), 1, NOW, NOW + dt.timedelta(days=7))
        assert invite.indicators == (15, 16) and invite.unit_name == "市总工会"
        assert await invites.mark_used(conn, "code-0001", 2, NOW)
        assert not await invites.mark_used(conn, "code-0001", 3, NOW)
        await liaisons.join(conn, 2, unit, (15,), "张三", "zs", 2, "code-0001", NOW)
        joined = await liaisons.join(conn, 2, unit, (16, 18), "张三", "zs", 2, None, NOW)
        assert joined.indicators == (15, 16, 18)
        assert await liaisons.revoke(conn, joined.id, 1, NOW)
        assert await liaisons.active_for_user(conn, 2) == []
    assert (await db.fetchall("SELECT COUNT(*) FROM liaisons"))[0][0] == 1
    await db.close()


async def test_reports_are_append_only(tmp_path: Path, engine: Engine) -> None:
    db = await open_database(engine.database_for(tmp_path), clock)
    reports, processed = ReportRepository(), ProcessedUpdates()
    async with db.transaction() as conn:
        unit = await UnitRepository().get_or_create(conn, "市总工会", NOW)
        common: dict[str, Any] = dict(unit_id=unit.id, indicator=15, period="2026-10", cumulative=False,
                                      reporter_id=2, chat_id=2, source_text="", now=NOW)
        first, replaced = await reports.add(conn, value=12, message_id=1, **common)
        assert replaced is None
        second, replaced = await reports.add(conn, value=15, message_id=2, **common)
        assert replaced is not None and replaced.id == first
        latest = await reports.latest(conn, unit.id, 15, "2026-10")
        assert latest is not None and latest.value == 15
        assert await reports.undo(conn, second, 2, NOW)
        assert not await reports.undo(conn, second, 2, NOW)
        latest = await reports.latest(conn, unit.id, 15, "2026-10")
        assert latest is not None and latest.value == 12
        assert await processed.mark(conn, "msg:2:1", NOW)
        assert not await processed.mark(conn, "msg:2:1", NOW)
    history = await db.fetchall("SELECT id, superseded_by, undone_at FROM reports ORDER BY id")
    assert [(r[0], r[1], r[2] is not None) for r in history] == [(first, second, False), (second, None, True)]
    await db.close()


async def test_a_transaction_that_raises_stores_nothing(tmp_path: Path, engine: Engine) -> None:
    db = await open_database(engine.database_for(tmp_path), clock)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await UnitRepository().get_or_create(conn, "市总工会", NOW)
            raise RuntimeError("boom")
    assert (await db.fetchall("SELECT COUNT(*) FROM units"))[0][0] == 0
    await db.close()
