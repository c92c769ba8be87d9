"""PostgreSQL's own parts: the SQL re-spelling, BOT_DB's forms, and one writer at a time across processes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.services.facade import BotService
from bot.settings import Settings
from errors import UnsupportedDatabase
from reporting.outcomes import InviteCreated, ReportReceipt
from storage.db import open_database
from storage.pg import BEGIN_READ, BEGIN_WRITE, translate
from storage.targets import PostgresUrl, database_target
from tests.engines import Engine, rows
from tests.report_support import ADMIN, LIAISON, Clock, Messages, at, expect

pytestmark = [pytest.mark.service, pytest.mark.both_engines]


@pytest.mark.pure
@pytest.mark.parametrize(("sqlite", "postgresql"), [
    ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
    ("SELECT * FROM t WHERE a = :at AND b = :at", "SELECT * FROM t WHERE a = %(at)s AND b = %(at)s"),
    ("SELECT '?', ':x', 'it''s ?' FROM t WHERE a = ?", "SELECT '?', ':x', 'it''s ?' FROM t WHERE a = %s"),
    ("SELECT a::text, b LIKE '5%' FROM t WHERE c = ?", "SELECT a::text, b LIKE '5%%' FROM t WHERE c = %s"),
    ("SELECT r.id FROM reports r INDEXED BY reports_pending WHERE r.id = ?",
     "SELECT r.id FROM reports r WHERE r.id = %s"),
    ("SELECT 1 FROM a t CROSS JOIN reports r ON r.unit_id = t.unit_id",
     "SELECT 1 FROM a t JOIN reports r ON r.unit_id = t.unit_id"),
    ("BEGIN IMMEDIATE", BEGIN_WRITE),
    ("BEGIN", BEGIN_READ),
])
def test_sqlite_spelling_becomes_postgresql_spelling(sqlite: str, postgresql: str) -> None:
    assert translate(sqlite) == postgresql


@pytest.mark.pure
def test_bot_db_is_a_file_or_a_postgresql_url_and_nothing_else() -> None:
    assert database_target("data/bot.db") == Path("data/bot.db")
    url = database_target("postgresql://bot:secret@db.example.com/bot")
    assert isinstance(url, PostgresUrl) and url.redacted == "postgresql://bot:***@db.example.com/bot"
    assert isinstance(Settings(_env_file=None, db="postgres://db.example.com/bot").db, PostgresUrl)
    with pytest.raises(UnsupportedDatabase, match="mysql://"):
        database_target("mysql://db.example.com/bot")


async def test_two_processes_reporting_the_same_month_leave_one_current_row(tmp_path: Path, engine: Engine) -> None:
    """Replicas share one database: their writes take turns, so a month has one current figure, never two."""
    clock = Clock(at(2026, 11, 24))
    target = engine.database_for(tmp_path)
    settings = Settings(_env_file=None, db=target, admins=(ADMIN.user_id,), flood_per_minute=0)
    first, second = await BotService.open(settings, clock), await BotService.open(settings, clock)
    try:
        invite = expect(await first.reports.liaisons.create_invite(ADMIN, "市总工会 15"), InviteCreated)
        await first.reports.liaisons.join(LIAISON, invite.code)
        messages = Messages()
        texts = [f"济南工匠 {n} 2026年10月" for n in range(1, 21)]
        outcomes = await asyncio.gather(*(
            (first if n % 2 else second).handle_text(LIAISON, text, None, messages(LIAISON))
            for n, text in enumerate(texts)))
        assert all(isinstance(outcome, ReportReceipt) for outcome in outcomes)
    finally:
        await first.close()
        await second.close()
    stored = rows(target, "SELECT COUNT(*), COUNT(superseded_by) FROM reports WHERE indicator = 15")
    assert stored == [(20, 19)]  # every figure kept as history, each but the last superseded once


async def test_migrations_are_recorded_once_when_two_processes_start_together(tmp_path: Path,
                                                                              pg_engine: Engine) -> None:
    target = pg_engine.database_for(tmp_path, "together")
    opened = await asyncio.gather(open_database(target), open_database(target))
    for db in opened:
        await db.close()
    versions = [version for (version,) in rows(target, "SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == sorted(set(versions)) and versions[0] == 1


async def test_a_lost_server_connection_refuses_one_report_and_the_next_is_stored(tmp_path: Path,
                                                                                 pg_engine: Engine) -> None:
    """A restart or failover drops the connection: that report is refused (resend), the next one reconnects."""
    import psycopg

    from errors import StorageUnavailable
    from tests.engines import server_url

    target = pg_engine.database_for(tmp_path, "restart")
    settings = Settings(_env_file=None, db=target, admins=(ADMIN.user_id,))
    service = await BotService.open(settings, Clock(at(2026, 11, 24)))
    try:
        invite = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 15"), InviteCreated)
        await service.reports.liaisons.join(LIAISON, invite.code)
        messages = Messages()
        assert isinstance(await service.handle_text(LIAISON, "济南工匠 3 2026年9月", None, messages(LIAISON)),
                          ReportReceipt)
        with psycopg.connect(server_url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                          (str(target).rsplit("/", 1)[1],))
        with pytest.raises(StorageUnavailable):
            await service.handle_text(LIAISON, "济南工匠 4 2026年10月", None, messages(LIAISON))
        assert isinstance(await service.handle_text(LIAISON, "济南工匠 4 2026年10月", None, messages(LIAISON)),
                          ReportReceipt)
    finally:
        await service.close()
    assert rows(target, "SELECT period, value FROM reports ORDER BY id") == [("2026-09", 3.0), ("2026-10", 4.0)]
