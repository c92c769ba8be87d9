"""Replicas on one database file: scheduled pushes run in one of them, and a survivor takes over the inbox and the
jobs of a replica that died, never those of a live one."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Bot

from bot.services.facade import BotService
from bot.services.leases import TERM
from bot.settings import Settings
from bot.services.update_inbox import CLAIM_LEASE, UpdateInbox, lapsed
from bot.telegram.inbox import DurableUpdateQueue
from bot.telegram.jobs import PUSHES, lease_job, release_leases, send_weekly, weekly_job
from storage.db import open_database
from tests.engines import database_for
from tests.report_support import Clock, at

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

ADMINS = (1, 5)
NO_SUCH_PID = 2**31 - 1  # above any pid_max: no process has it


class FakeBot:  # a stand-in for telegram.Bot: the jobs see it as Any
    """Records what one replica sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: object) -> None:
        self.sent.append(("text", chat_id))

    async def send_photo(self, chat_id: int, photo: bytes, **kwargs: object) -> None:
        self.sent.append(("photo", chat_id))

    def photos(self) -> int:
        return sum(kind == "photo" for kind, _ in self.sent)


def job_context(bot: FakeBot, service: BotService) -> Any:
    return SimpleNamespace(bot=bot, bot_data=SimpleNamespace(service=service))


@pytest.fixture
def clock() -> Clock:
    return Clock(at(2026, 11, 16, 9) + dt.timedelta(seconds=1))  # Monday 09:00: W46's summary is due


@pytest.fixture
async def pair(tmp_path: Path, clock: Clock) -> AsyncIterator[tuple[BotService, BotService]]:
    settings = Settings(_env_file=None, db=database_for(tmp_path), admins=ADMINS, weekly_at="MON 09:00")
    one = await BotService.open(settings, clock)
    two = await BotService.open(settings, clock)
    yield one, two
    await one.close()
    await two.close()


async def test_the_weekly_summary_goes_out_from_one_replica_and_a_survivor_takes_the_pushes_over(
    pair: tuple[BotService, BotService], clock: Clock,
) -> None:
    one, two = pair
    bot_one, bot_two = FakeBot(), FakeBot()
    await lease_job(job_context(bot_one, one))  # the first to renew holds the pushes
    await lease_job(job_context(bot_two, two))
    await asyncio.gather(weekly_job(job_context(bot_one, one)), weekly_job(job_context(bot_two, two)))
    assert (bot_one.photos(), bot_two.photos()) == (len(ADMINS), 0)

    clock.now = at(2026, 11, 23, 8) + dt.timedelta(minutes=59)
    await lease_job(job_context(bot_one, one))  # renewed a minute before W47's slot; then `one` dies
    clock.now = at(2026, 11, 23, 9) + dt.timedelta(seconds=1)
    await weekly_job(job_context(bot_two, two))  # one's lease still runs: two stays out of it
    assert bot_two.photos() == 0
    clock.now += TERM
    await lease_job(job_context(bot_two, two))  # one's lease ran out unrenewed: two takes over and catches up
    assert bot_two.photos() == len(ADMINS) and bot_one.photos() == len(ADMINS)
    await weekly_job(job_context(bot_two, two))
    await lease_job(job_context(bot_one, one))  # one comes back: two holds the pushes now
    await weekly_job(job_context(bot_one, one))
    assert (bot_one.photos(), bot_two.photos()) == (len(ADMINS), len(ADMINS))  # W47 once, W46 once


async def test_a_clean_shutdown_hands_the_pushes_over_without_waiting_for_the_lease(
    pair: tuple[BotService, BotService],
) -> None:
    one, two = pair
    assert one.storage is not None and two.storage is not None
    await lease_job(job_context(FakeBot(), one))
    assert PUSHES in one.storage.leases.held and await two.storage.leases.holder_of(PUSHES) == one.replica
    await release_leases(one)
    await lease_job(job_context(FakeBot(), two))
    assert PUSHES in two.storage.leases.held and PUSHES not in one.storage.leases.held


async def test_two_replicas_sending_the_same_summary_at_once_send_it_once(pair: tuple[BotService, BotService]) -> None:
    one, two = pair
    bot_one: Any = FakeBot()
    bot_two: Any = FakeBot()
    sent = await asyncio.gather(send_weekly(bot_one, one.summaries), send_weekly(bot_two, two.summaries))
    assert sum(sent) == len(ADMINS) and bot_one.photos() + bot_two.photos() == len(ADMINS)


# ---- the inbox ----------------------------------------------------------------------------------------------
def payload(update_id: int) -> str:
    return (f'{{"update_id": {update_id}, "message": {{"message_id": {update_id}, "date": 0,'
            f' "chat": {{"id": 7, "type": "private"}}, "text": "谁负责产教融合"}}}}')


async def test_a_live_replicas_updates_are_not_handled_again_but_a_dead_ones_are_taken_over(
    tmp_path: Path, clock: Clock,
) -> None:
    target = database_for(tmp_path)
    db_one, db_two = await open_database(target, clock), await open_database(target, clock)
    here = socket.gethostname()
    live = UpdateInbox(db_one, clock, f"{here}:{os.getpid()}:live")  # a replica in the middle of its updates
    dead_here = UpdateInbox(db_one, clock, f"{here}:{NO_SUCH_PID}:dead")  # killed, on this host
    dead_there = UpdateInbox(db_one, clock, "another-host:4242:dead")  # gone, on a host we cannot look at
    survivor = UpdateInbox(db_two, clock, f"{here}:{os.getpid()}:survivor")
    try:
        await live.commit([(1, payload(1)), (2, payload(2))], [])
        await dead_here.commit([(3, payload(3))], [])
        await dead_there.commit([(4, payload(4))], [])
        queue = DurableUpdateQueue()
        assert await queue.open(survivor, Bot("123:TEST")) == 1  # at start: only the dead local process's update
        assert queue.get_nowait().update_id == 3
        assert await survivor.take_over() == []  # the others' claims are fresh
        clock.now += CLAIM_LEASE / 2
        assert await live.take_over() == []  # the live replica renews its claims (every RENEW_EVERY), takes nothing
        clock.now += CLAIM_LEASE / 2
        assert [row.update_id for row in await survivor.take_over()] == [4]  # the remote one lapsed unrenewed
        assert await live.take_over() == []  # what the survivor took is its own now
        await queue.close()
    finally:
        await db_one.close()
        await db_two.close()


@pytest.mark.pure
def test_a_claim_is_free_when_none_lapsed_or_its_local_holder_is_gone() -> None:
    now = at(2026, 11, 24)
    fresh, old = now.isoformat(), (now - CLAIM_LEASE).isoformat()
    here = socket.gethostname()
    assert lapsed(None, None, now)
    assert lapsed("another-host:1:x", old, now) and not lapsed("another-host:1:x", fresh, now)
    assert not lapsed(f"{here}:{os.getpid()}:x", fresh, now)
    assert lapsed(f"{here}:{NO_SUCH_PID}:x", fresh, now)
