"""Replicas behind one webhook: two Applications on one database file, any of them may get any update.

Each replica is the real Application (in process, replies recorded by one fake Bot API they share): a follow-up is
answered right by the replica that did not see the question, a guided /report started on one is finished on the
other, and one sender's messages count against one flood limit whichever replica they reach.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from application import build_application
from bot.services.facade import BotService
from bot.services.flood import SharedFloodLimit, flood_reply
from bot.settings import Settings
from bot.telegram.chat_states import GUIDE_TTL, ChatState, ChatStates
from storage.db import open_database
from tests.engines import database_for
from tests.bot_driver import ADMIN_ID, WORKER_ID, BotDriver, invite_code
from tests.fake_bot_api import FakeBotApi
from tests.recording_request import RecordingRequest
from tests.report_support import Clock, at

pytestmark = [pytest.mark.telegram, pytest.mark.both_engines]

START = at(2026, 11, 24)


@asynccontextmanager
async def replicas(tmp_path: Path, count: int = 2) -> AsyncIterator[list[BotDriver]]:
    """`count` Applications on one SQLite file, started and shut down as `run` does, all on one fake Bot API."""
    api = FakeBotApi()
    settings = Settings(_env_file=None, token=api.token, db=database_for(tmp_path), admins=(ADMIN_ID,))
    async with AsyncExitStack() as stack:
        drivers = []
        for index in range(count):
            app = build_application(settings, request=RecordingRequest(api))
            post_init, post_shutdown = app.post_init, app.post_shutdown
            assert post_init is not None and post_shutdown is not None
            await app.initialize()
            await post_init(app)
            stack.push_async_callback(post_shutdown, app)
            stack.push_async_callback(app.shutdown)
            driver = BotDriver(api).direct(app)
            driver._query_ids = itertools.count(1 + 10_000 * index)  # query ids unique across the replicas
            drivers.append(driver)
        yield drivers
    assert api.rejected == [] and api.unknown_methods == []


def service_of(driver: BotDriver) -> BotService:
    service: BotService = driver.app.bot_data.service
    return service


async def test_a_follow_up_is_answered_by_the_replica_that_did_not_see_the_question(tmp_path: Path) -> None:
    async with replicas(tmp_path) as (one, two):
        user = WORKER_ID + 7
        [lead] = await one.send_text(user, "谁负责产教融合?")
        assert "第4条" in lead.text
        [year] = await two.send_text(user, "那2025年呢?")
        assert "指标22" in year.text and "70%" in year.text
        [listing] = await one.send_text(user, "市总工会负责哪些措施")
        assert "共 12 条" in listing.text
        [within] = await two.send_text(user, "这里面哪些有国资委")
        assert "共 8 条" in within.text
        [count] = await one.send_text(user, "一共几条")
        assert "共 8 条" in count.text
        for driver in (one, two):  # nothing of the chat stays in either process
            assert len(driver.app.chat_data) == 0 and driver.app.bot_data.states.in_flight() == 0


async def test_a_guided_report_started_on_one_replica_is_finished_on_the_other(tmp_path: Path) -> None:
    async with replicas(tmp_path) as (one, two):
        [invite] = await one.send_text(ADMIN_ID, "/invite 市总工会 15,16")
        await two.send_text(WORKER_ID, f"/start {invite_code(invite.text)}")
        [menu] = await one.send_text(WORKER_ID, "/report")
        [periods] = await two.tap(WORKER_ID, menu, "市总工会·新增泉城首席技师", expect=1)
        label = periods.button_texts[1]  # the month just ended
        await one.tap(WORKER_ID, periods, label, expect=1)
        [receipt] = await two.send_text(WORKER_ID, "7")
        assert "新增泉城首席技师" in receipt.text and f"{label} · 7 人" in receipt.text
        [question] = await one.send_text(WORKER_ID, "8")  # the guide is over on every replica: a plain message now
        assert f"{label} · 8 人" not in question.text
        rows = await service_of(one).reports.db.fetchall("SELECT indicator, value FROM reports")
        assert [tuple(row) for row in rows] == [(16, 7.0)]


async def test_a_guided_report_cancelled_on_one_replica_is_over_on_the_other(tmp_path: Path) -> None:
    async with replicas(tmp_path) as (one, two):
        [invite] = await one.send_text(ADMIN_ID, "/invite 市总工会 15,16")
        await two.send_text(WORKER_ID, f"/start {invite_code(invite.text)}")
        [menu] = await one.send_text(WORKER_ID, "/report")
        [cancelled] = await two.send_text(WORKER_ID, "/cancel")
        assert cancelled.text == "已取消报送。"
        await one.tap(WORKER_ID, menu, "市总工会·新增泉城首席技师")
        assert one.last_callback_answer is not None and "已失效" in (one.last_callback_answer.get("text") or "")


async def test_one_senders_messages_count_against_one_limit_on_both_replicas(tmp_path: Path) -> None:
    clock = Clock(START)
    async with replicas(tmp_path) as (one, two):
        for driver in (one, two):
            service = service_of(driver)
            service.flood = SharedFloodLimit(3, clock)
        user = 7300
        assert len(await one.send_text(user, "/measure 8")) == 1
        assert len(await two.send_text(user, "/measure 8")) == 1
        assert len(await one.send_text(user, "谁负责产教融合?")) == 1
        [told] = await two.send_text(user, "谁负责产教融合?")  # the fourth in a minute, on either replica
        assert told.text == flood_reply(3)
        [told_here] = await one.send_text(user, "/measures")  # refused here too; each replica tells once
        assert told_here.text == flood_reply(3)
        assert await one.send_text(user, "/measures") == [] and await two.send_text(user, "谁负责产教融合?") == []
        clock.now = START + dt.timedelta(minutes=1)
        [answer] = await two.send_text(user, "谁负责产教融合?")
        assert "市国资委" in answer.text


@pytest.mark.service
async def test_two_replicas_saving_one_chat_at_once_merge_instead_of_overwriting(tmp_path: Path) -> None:
    clock = Clock(START)
    target = database_for(tmp_path)
    db_one, db_two = await open_database(target, clock), await open_database(target, clock)
    one, two = ChatStates(), ChatStates()
    one.attach(db_one, clock)
    two.attach(db_two, clock)
    try:
        first: ChatState = await one.of(1, 42, 42)
        second: ChatState = await two.of(2, 42, 42)  # read before the first is saved: the same version
        first.remember_choices({"a": "谁负责产教融合"})
        second.remember_choices({"b": "市总工会负责哪些措施"})
        await asyncio.gather(one.settle(1), two.settle(2))
        merged = await one.of(3, 42, 42)
        assert merged.choices == {"a": "谁负责产教融合", "b": "市总工会负责哪些措施"}
        await one.settle(3)
    finally:
        await db_one.close()
        await db_two.close()


@pytest.mark.service
async def test_a_guided_report_expires_after_its_quiet_while(tmp_path: Path) -> None:
    from bot.telegram.chat_states import Guide

    clock = Clock(START)
    db = await open_database(database_for(tmp_path), clock)
    states = ChatStates()
    states.attach(db, clock)
    try:
        (await states.of(1, 42, 42)).guide = Guide(step="indicator", at=clock())
        await states.settle(1)
        clock.now += GUIDE_TTL - dt.timedelta(seconds=1)
        assert (await states.of(2, 42, 42)).guide is not None
        await states.settle(2)
        clock.now += dt.timedelta(seconds=2)
        assert (await states.of(3, 42, 42)).guide is None
        await states.settle(3)
        rows: Any = await db.fetchall("SELECT user_id FROM chat_states WHERE chat_id = 42")
        assert [row[0] for row in rows] == []  # the expired guide's row went with the update that found it so
    finally:
        await db.close()
