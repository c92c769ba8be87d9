"""Fair and independent under stress: nobody's question waits for the database or for somebody else's burst.

Through the real Application on 127.0.0.1: a question is answered while another process holds the database's
write lock (before its update could even be stored), and a bystander is answered while a burst from many users is
still held back by Telegram's send limit. The parts that make it so are checked on their own below: the per-chat
processor gives a busy chat one slot, and the send limiter serves a quiet chat before a flooding one.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from telegram import Update

from bot.telegram.send_limits import FairRateLimiter
from bot.telegram.updates import PerChatUpdateProcessor
from tests.bot_driver import ADMIN_ID, WORKER_ID, invite_code, running_bot, settings_for
from tests.fake_bot_api import FakeBotApi, chat_dict, user_dict
from tests.load_scenario import QUESTIONS, hardening_scale

pytestmark = pytest.mark.pure

HOLD_LOCK = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "conn.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.read()\n"  # until the test closes our stdin
    "conn.rollback()\n"
)
BYSTANDER = 88_001


@asynccontextmanager
async def locked_by_another_process(db: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """A second process holds the database's write lock (a backup tool, sqlite3 in a shell …) until the block ends."""
    holder = await asyncio.create_subprocess_exec(sys.executable, "-c", HOLD_LOCK, str(db),
                                                  stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"locked\n"
        yield holder
    finally:
        if holder.stdin is not None:
            holder.stdin.close()
        await asyncio.wait_for(holder.wait(), 30)


def stored_update_ids(db: Path) -> set[int]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return {row[0] for row in conn.execute("SELECT update_id FROM update_inbox")}
    finally:
        conn.close()


@pytest.mark.process
async def test_questions_are_answered_while_another_process_holds_the_database_lock(
    fake_api: FakeBotApi, tmp_path: Path,
) -> None:
    settings = settings_for(fake_api, tmp_path)
    async with running_bot(fake_api, settings) as driver:
        [invite] = await driver.send_text(ADMIN_ID, "/invite 市总工会 15")
        await driver.send_text(7001, f"/join {invite_code(invite.text)}")
        assert isinstance(settings.db, Path)  # a lock on the SQLite file (PostgreSQL has no file to lock)
        async with locked_by_another_process(settings.db) as holder:
            [stranger] = await driver.send_text(WORKER_ID, "谁负责产教融合?")
            [liaison] = await driver.send_text(7001, "市总工会负责哪些工作")  # just joined: not yet read again
            assert holder.returncode is None  # the lock is still held: both were answered under it
            unstored = max(driver.processed)
            assert unstored not in stored_update_ids(settings.db)  # answered before its update could be stored
        assert "市教育局" in stranger.text and "市总工会" in liaison.text
        [stored] = await driver.send_text(7001, "济南工匠 5 2026年9月")  # and once the lock is gone, reports go on
        assert "✅ 已保存" in stored.text
    assert fake_api.rejected == []


def _message(api: FakeBotApi, user: int, text: str) -> dict:
    return {"message": {"message_id": api.next_message_id(), "date": int(time.time()), "chat": chat_dict(user),
                        "from": user_dict(user), "text": text}}


@pytest.mark.telegram
async def test_a_bystander_is_answered_before_a_burst_from_many_users_is_worked_off(
    fake_api: FakeBotApi, tmp_path: Path,
) -> None:
    users, each = 12, 15 * hardening_scale()  # Telegram's limits as deployed: 30 sends a second, 30 messages a minute
    settings = settings_for(fake_api, tmp_path, flood_per_minute=max(30, each))
    async with running_bot(fake_api, settings) as driver:
        burst = [await fake_api.push_update(_message(fake_api, 70_000 + u, QUESTIONS[(u + i) % len(QUESTIONS)]))
                 for i in range(each) for u in range(users)]
        await fake_api.push_update(_message(fake_api, BYSTANDER, "谁负责产教融合?"))
        await fake_api.wait_for(lambda: any(m.chat_id == BYSTANDER for m in fake_api.sent), 60)
        before = sum(1 for m in fake_api.sent if m.chat_id != BYSTANDER)
        await fake_api.wait_for(lambda: all(update in driver.processed for update in burst), 60 + len(burst) / 10)
    answered = [m for m in fake_api.sent if m.chat_id != BYSTANDER]
    assert before < len(burst) // 2  # most of the burst was still waiting for the send limit
    assert len(answered) >= len(burst)  # and every message of the burst was answered after all
    assert "市教育局" in next(m.text for m in fake_api.sent if m.chat_id == BYSTANDER)


def _update(update_id: int, chat: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": chat_dict(chat), "from": user_dict(chat), "text": "x"}}, None)


async def test_a_busy_chat_holds_one_slot_so_another_chat_goes_at_once() -> None:
    processor = PerChatUpdateProcessor(2)
    gate = asyncio.Event()
    order: list[str] = []

    async def busy(n: int) -> None:
        order.append(f"busy {n}")
        await gate.wait()

    async def other() -> None:
        order.append("other")

    queued = [asyncio.create_task(processor.process_update(_update(n, 7), busy(n))) for n in range(10)]
    await asyncio.sleep(0)
    await asyncio.wait_for(processor.process_update(_update(99, 8), other()), 10)  # not behind chat 7's queue
    assert order == ["busy 0", "other"]
    gate.set()
    await asyncio.gather(*queued)
    assert order[2:] == [f"busy {n}" for n in range(1, 10)]  # the busy chat kept its order
    assert processor.chats_in_flight() == 0  # nothing kept per chat once it is quiet


async def test_the_send_limit_serves_a_quiet_chat_before_a_flooding_one() -> None:
    limiter = FairRateLimiter(overall_per_second=20, group_per_minute=0)
    sent: list[int] = []

    async def send(chat: int) -> bool:
        sent.append(chat)
        return True

    def request(chat: int) -> asyncio.Task:
        return asyncio.create_task(limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None))

    flood = [request(7) for _ in range(30)]
    await asyncio.sleep(0)  # the flood's first 20 fit the bucket at once; the rest wait
    await asyncio.wait_for(request(8), 10)
    await asyncio.wait_for(asyncio.gather(*flood), 10)
    assert sent.index(8) == 20  # the next free send went to the quiet chat, not to the flood's 21st
    assert sent.count(7) == 30
