"""A locked or read-only database: a clear Chinese reply, nothing half-written, and recovery once it clears."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import aiosqlite
import pytest

from bot.services.facade import BotService
from bot.services.storage_errors import STORAGE_DOWN
from errors import StorageUnavailable
from reporting.outcomes import InviteCreated, Joined, ReportReceipt
from storage.db import Database
from tests.report_support import ADMIN, LIAISON, OTHER, Clock, Messages, at, expect, open_service
from tests.bot_driver import ADMIN_ID, BotDriver, invite_code

pytestmark = pytest.mark.service

TABLES = ("units", "invites", "liaisons", "reports", "processed_updates", "pending_reports")


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[BotService]:
    service = await open_service(tmp_path, Clock(at(2026, 11, 24)))
    yield service
    await service.close()


@contextmanager
def locked_by_another_process(path: Path) -> Iterator[None]:
    """Another writer holds the write lock (a backup tool, a second bot on the same file …)."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.rollback()
    finally:
        other.close()


@asynccontextmanager
async def read_only(db: Database) -> AsyncIterator[None]:
    """The file can only be read (a read-only mount, a full or failing disk): swap in a mode=ro connection."""
    writable = db.conn
    ro = await aiosqlite.connect(f"file:{db.path}?mode=ro", uri=True, isolation_level=None)
    ro.row_factory = sqlite3.Row
    db.conn = ro
    try:
        yield
    finally:
        db.conn = writable
        await ro.close()


async def short_busy_timeout(db: Database) -> None:
    """The bot waits 5 s for a lock; the tests need not."""
    await db.conn.execute("PRAGMA busy_timeout = 50")


async def table_counts(db: Database) -> dict[str, int]:
    # the table names are constants
    return {table: (await db.fetchall(f"SELECT COUNT(*) FROM {table}"))[0][0] for table in TABLES}


async def test_a_locked_database_refuses_clearly_stores_nothing_and_recovers(service: BotService) -> None:
    reports = service.reports
    invite = expect(await reports.liaisons.create_invite(ADMIN, "市总工会 15,16"), InviteCreated)
    await reports.liaisons.join(LIAISON, invite.code)
    await short_busy_timeout(reports.db)
    before = await table_counts(reports.db)
    messages = Messages()
    message = messages(LIAISON)
    with locked_by_another_process(reports.db.path):
        with pytest.raises(StorageUnavailable) as refused:
            await service.handle_text(LIAISON, "济南工匠 12；首席技师 3", None, message)
        with pytest.raises(StorageUnavailable):
            await reports.liaisons.create_invite(ADMIN, "市教育局 22")
        answer = await service.handle_text(OTHER, "谁负责产教融合?")  # questions need no writes
        assert "市教育局" in render_text_of(answer)
    assert not re.search(r"[\u4e00-\u9fff]", str(refused.value))  # storage says what failed; bot/ words it
    assert await table_counts(reports.db) == before  # nothing half-written, the message is not marked as seen

    receipt = await service.handle_text(LIAISON, "济南工匠 12；首席技师 3", None, message)  # the same message, resent
    assert isinstance(receipt, ReportReceipt) and not receipt.duplicate and len(receipt.items) == 2
    assert (await table_counts(reports.db))["reports"] == before["reports"] + 2


async def test_a_read_only_database_refuses_every_write_and_recovers(service: BotService) -> None:
    reports = service.reports
    invite = expect(await reports.liaisons.create_invite(ADMIN, "市总工会 15,16"), InviteCreated)
    await reports.liaisons.join(LIAISON, invite.code)
    spare = expect(await reports.liaisons.create_invite(ADMIN, "市教育局 22"), InviteCreated)
    messages = Messages()
    await service.handle_text(LIAISON, "首席技师 3 2026年9月", None, messages(LIAISON))
    message = messages(LIAISON)
    before = await table_counts(reports.db)
    async with read_only(reports.db):
        for attempt in (
            lambda: service.handle_text(LIAISON, "济南工匠 12", None, message),
            lambda: reports.liaisons.join(OTHER, spare.code),
            lambda: reports.liaisons.create_invite(ADMIN, "市科协 18"),
            lambda: reports.liaisons.revoke(ADMIN, "市总工会"),
            lambda: reports.undo.last(LIAISON),
        ):
            with pytest.raises(StorageUnavailable):
                await attempt()
        assert (await reports.progress.view(ADMIN, "15")).items[0].number == 15  # reading still works
    assert await table_counts(reports.db) == before

    assert isinstance(await service.handle_text(LIAISON, "济南工匠 12", None, message), ReportReceipt)
    assert isinstance(await reports.liaisons.join(OTHER, spare.code), Joined)


@pytest.mark.telegram
async def test_telegram_users_get_the_chinese_reply_and_can_resend(bot: BotDriver) -> None:
    [invite] = await bot.send_text(ADMIN_ID, "/invite 市总工会 15")
    code = invite_code(invite.text)
    await bot.send_text(7001, f"/join {code}")
    db = bot.app.bot_data.service.reports.db
    await short_busy_timeout(db)
    with locked_by_another_process(db.path):
        [refused] = await bot.send_text(7001, "济南工匠 5 2026年9月")
    assert refused.text == STORAGE_DOWN
    async with read_only(db):
        [refused_again] = await bot.send_text(ADMIN_ID, "/invite 市教育局 22")
    assert refused_again.text == STORAGE_DOWN
    [stored] = await bot.send_text(7001, "济南工匠 5 2026年9月")
    assert "✅ 已保存" in stored.text and "全市累计：35 人" in stored.text


def render_text_of(answer: object) -> str:
    from knowledge.answers import Answer
    from knowledge.render import render_text

    assert isinstance(answer, Answer), answer
    return render_text(answer)
