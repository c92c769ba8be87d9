"""No update lost to a crash: `main.py run` is SIGKILLed in a burst of reports that Telegram already counts as
delivered (polling: a later offset confirmed them; webhook: answered 200), and after a restart every report is
stored exactly once and every sender gets a receipt, without anybody sending anything again.

The fake Bot API keeps Telegram's offset rule, so a confirmed update is never delivered twice, and can hold the
bot's replies, so the kill lands at a known point: some reports answered, some stored but unanswered, some not
yet handled. Unit tests of the inbox (redelivery, pruning, replay order) run in-process at the end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from telegram import Bot, Update  # a Bot object to decode stored updates with: it never connects

from bot.services.update_inbox import CLAIM_LEASE, KEEP_DONE, KEEP_PROCESSED, UpdateInbox
from bot.telegram.inbox import DurableUpdateQueue
from bot.settings import Settings
from bot.telegram.updates import PerChatUpdateProcessor
from storage.db import open_database
from tests.engines import rows
from storage.reports import ProcessedUpdates
from storage.repositories import LiaisonRepository, UnitRepository
from tests.bot_driver import ADMIN_ID, settings_for
from tests.fake_bot_api import FakeBotApi, chat_dict, user_dict
from tests.load_scenario import INDICATOR, MONTHS
from tests.test_fault_tolerance import SAVED, _report_update

pytestmark = pytest.mark.service

MAIN = Path(__file__).resolve().parents[1] / "main.py"
START_TIMEOUT = 60
WAIT = 60
LIAISON_BASE = 60_000


@asynccontextmanager
async def bot_process(api: FakeBotApi, settings: Settings, log: Path, ready: str,
                      **env: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """`main.py run`, started once the Bot API saw the call `ready` (getUpdates or setWebhook); SIGTERM at the end."""
    environment = {**os.environ, "BOT_TOKEN": api.token, "BOT_API_URL": api.api_url, "BOT_DB": str(settings.db),
                   "BOT_ADMINS": str(ADMIN_ID), "PYTHONUNBUFFERED": "1", **env}
    calls_before = sum(1 for method, _ in api.calls if method == ready)
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(sys.executable, str(MAIN), "run", cwd=log.parent,
                                                       env=environment, stdout=output, stderr=asyncio.subprocess.STDOUT)
        try:
            await api.wait_for(lambda: sum(1 for m, _ in api.calls if m == ready) > calls_before, START_TIMEOUT)
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)


async def kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(process.wait(), 30) == -signal.SIGKILL


async def enrol(settings: Settings, count: int) -> list[int]:
    """Liaisons of one unit each for INDICATOR, written straight to the database (invites are tested elsewhere)."""
    db = await open_database(settings.db)
    now = dt.datetime.now(dt.UTC)
    try:
        async with db.transaction() as conn:
            for index in range(count):
                unit = await UnitRepository().get_or_create(conn, f"报送单位{index}", now)
                await LiaisonRepository().join(conn, LIAISON_BASE + index, unit, (INDICATOR,), f"联络员{index}", None,
                                               LIAISON_BASE + index, None, now)
    finally:
        await db.close()
    return [LIAISON_BASE + index for index in range(count)]


def burst(users: list[int], per_liaison: int) -> list[tuple[int, str, tuple[str, str], float]]:
    """(user, text, (unit, month), value) in the order sent: every liaison's first report, then the second …"""
    out = []
    for step in range(per_liaison):
        for index, user in enumerate(users):
            year, month = MONTHS[(index * per_liaison + step) % len(MONTHS)]
            value = float(1 + (index + step) % 4)
            out.append((user, f"#{INDICATOR} {value:g} {year}年{month}月",
                        (f"报送单位{index}", f"{year}年{month}月"), value))
    return out


def receipts(api: FakeBotApi) -> set[tuple[int, str, str]]:
    """(chat, unit, month) of every receipt sent: first answers and answers to a replay alike."""
    return {(m.chat_id, match.group(1), match.group(2)) for m in list(api.sent) if (match := SAVED.search(m.text))}


def unanswered(api: FakeBotApi, sent: list) -> list:
    got = receipts(api)
    return [item for item in sent if (item[0], *item[2]) not in got]


def db_rows(db: Path | str, sql: str, params: tuple = ()) -> list[tuple]:
    """A short read of the bot's database from the test process (it sees every committed transaction)."""
    return rows(db, sql, params)


def assert_stored_exactly_once(db: Path | str, sent: list) -> None:
    rows = db_rows(db, "SELECT u.name, r.period, r.value, r.chat_id, r.message_id FROM reports r"
                       " JOIN units u ON u.id = r.unit_id WHERE r.indicator = ?", (INDICATOR,))
    assert len(rows) == len(sent)  # one row per message: nothing lost, nothing stored twice, nothing corrected
    assert len({(chat, message) for *_, chat, message in rows}) == len(sent)
    stored = {(name, f"{int(period[:4])}年{int(period[5:])}月"): value for name, period, value, *_ in rows}
    assert stored == {key: value for _, _, key, value in sent}
    assert db_rows(db, "SELECT COUNT(*) FROM update_inbox WHERE done_at IS NULL") == [(0,)]


@pytest.mark.process
@pytest.mark.both_engines
async def test_sigkill_in_a_polled_burst_of_50_reports_loses_none_stores_none_twice_and_answers_all(
    tmp_path: Path,
) -> None:
    async with FakeBotApi() as api:
        settings = settings_for(api, tmp_path)
        sent = burst(await enrol(settings, 25), per_liaison=2)
        chats = {user for user, *_ in sent}
        log = tmp_path / "bot.log"
        answered_first = 10
        async with bot_process(api, settings, log, "getUpdates") as first:
            api.hold_messages(after=answered_first)  # then the bot stalls before its next reply, as a dying one would
            ids = [await api.push_update(_report_update(api, user, text)) for user, text, _, _ in sent]
            # every chat waits for a reply and every update is confirmed by a later offset: kill now
            await api.wait_for(lambda: chats <= set(api.held) and api.confirmed_offset > ids[-1], WAIT)
            await kill(first)
        answered = len(receipts(api))
        assert 0 < answered <= answered_first  # (a catch-up reminder may have taken one of the replies let through)
        assert api.updates == []  # Telegram will never deliver these 50 again
        stored_before = db_rows(settings.db, "SELECT COUNT(*) FROM reports")[0][0]
        assert answered < stored_before < len(sent)  # some stored but unanswered, some not handled at all
        api.release_messages()

        async with bot_process(api, settings, log, "getUpdates"):
            await api.wait_for(lambda: not unanswered(api, sent), WAIT)
    assert_stored_exactly_once(settings.db, sent)
    text = log.read_text()
    assert "handled again" in text and api.token not in text


@pytest.mark.process
@pytest.mark.both_engines
async def test_webhook_answers_200_only_once_the_update_is_stored_and_a_kill_loses_none(tmp_path: Path) -> None:
    port = _free_port()
    env = {"BOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/tg/hook", "BOT_WEBHOOK_PORT": str(port),
           "BOT_WEBHOOK_LISTEN": "127.0.0.1"}
    async with FakeBotApi() as api:
        settings = settings_for(api, tmp_path)
        sent = burst(await enrol(settings, 6), per_liaison=2)
        chats = {user for user, *_ in sent}
        log = tmp_path / "bot.log"
        async with bot_process(api, settings, log, "setWebhook", **env) as first:
            api.hold_messages()  # no reply gets out: the kill below finds every update still unhandled
            for user, text, _, _ in sent:
                update_id = await api.push_update(_report_update(api, user, text))  # returns on the 200
                assert db_rows(settings.db, "SELECT update_id FROM update_inbox WHERE update_id = ?",
                               (update_id,)) == [(update_id,)]
            await api.wait_for(lambda: chats <= set(api.held), WAIT)
            await kill(first)
        assert receipts(api) == set()
        assert db_rows(settings.db, "SELECT COUNT(*) FROM update_inbox WHERE done_at IS NULL") == [(len(sent),)]
        api.release_messages()

        async with bot_process(api, settings, log, "setWebhook", **env):
            await api.wait_for(lambda: not unanswered(api, sent), WAIT)
    assert_stored_exactly_once(settings.db, sent)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


async def store(inbox: UpdateInbox, update_id: int, payload: str) -> bool:
    """Commit one update alone; False when it was stored before (already queued or handled)."""
    return (await inbox.commit([(update_id, payload)], []))[0]


async def test_the_inbox_ignores_redeliveries_replays_oldest_first_and_prunes_old_done_rows(tmp_path: Path) -> None:
    clock = Clock()
    db = await open_database(tmp_path / "bot.db", clock)
    try:
        inbox = UpdateInbox(db, clock)
        assert [await store(inbox, n, f'{{"update_id": {n}}}') for n in (3, 1, 2)] == [True, True, True]
        assert await store(inbox, 1, '{"update_id": 1}') is False  # redelivered: already queued once
        await inbox.done(2)
        assert [row.update_id for row in await inbox.unfinished()] == [1, 3]
        assert await store(inbox, 2, '{"update_id": 2}') is False  # handled already: not again
        assert await store(inbox, 2, '{"update_id": 2, "message": {}}') is True  # a new update under a reused id
        await inbox.done(1)
        await inbox.done(2)
        clock.now += KEEP_DONE + dt.timedelta(minutes=1)
        assert await inbox.prune() == 2
        assert [row.update_id for row in await inbox.unfinished()] == [3]  # never pruned before it is done
    finally:
        await db.close()


async def test_processed_keys_are_pruned_once_older_than_any_redelivery(tmp_path: Path) -> None:
    clock = Clock()
    db = await open_database(tmp_path / "bot.db", clock)
    try:
        inbox, keys = UpdateInbox(db, clock), ProcessedUpdates()
        async with db.transaction() as conn:
            await keys.mark(conn, "msg:1:1", clock.now - KEEP_PROCESSED - dt.timedelta(minutes=1))
            await keys.mark(conn, "msg:1:2", clock.now - KEEP_PROCESSED + dt.timedelta(minutes=1))
        assert await inbox.prune() == 1
        async with db.reading() as conn:
            assert not await keys.seen(conn, "msg:1:1") and await keys.seen(conn, "msg:1:2")
    finally:
        await db.close()


async def test_the_queue_stores_before_queueing_queues_a_redelivery_once_and_replays_the_unfinished(
    tmp_path: Path,
) -> None:
    clock = Clock()
    db = await open_database(tmp_path / "bot.db", clock)
    try:
        queue = DurableUpdateQueue()
        assert await queue.open(UpdateInbox(db, clock), Bot("123:TEST")) == 0
        first, second = _update(1), _update(2)
        for update in (first, second, first):  # the third is Telegram delivering update 1 again
            await queue.put(update)
        assert [queue.get_nowait().update_id for _ in range(queue.qsize())] == [1, 2]
        await queue.finished(first)
        again = DurableUpdateQueue()  # the next run, once the first (alive in this process) stopped renewing its claims
        clock.now += CLAIM_LEASE
        assert await again.open(UpdateInbox(db, clock), Bot("123:TEST")) == 1
        assert again.get_nowait() == second
    finally:
        await db.close()


@pytest.mark.pure
async def test_an_update_is_finished_after_its_handlers_even_failing_ones_never_when_cut_off() -> None:
    finished: list[int] = []

    async def mark(update: object) -> None:
        assert isinstance(update, Update)
        finished.append(update.update_id)

    async def fails() -> None:
        raise RuntimeError("a handler bug")

    processor = PerChatUpdateProcessor(4, finished=mark)
    await processor.process_update(_update(1), asyncio.sleep(0))
    with pytest.raises(RuntimeError):
        await processor.process_update(_update(2), fails())
    cut_off = asyncio.create_task(processor.process_update(_update(3), asyncio.sleep(30)))
    await asyncio.sleep(0.01)
    cut_off.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cut_off
    assert finished == [1, 2]


def _update(update_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": chat_dict(7), "from": user_dict(7), "text": "济南工匠 12"}}, None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
