"""Round trips per second through the real Application against the fake Bot API on 127.0.0.1.

A round trip is: a user's update is queued on the fake server, the bot long-polls it, answers the question and
the reply reaches the server. Peer: a bare python-telegram-bot echo bot on the same server and transport, the
floor that the framework and HTTP cost before any of our work. Flood caps are lifted (the fake server has
none; against Telegram the AIORateLimiter would hold sends to 30 per second).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.common import BenchResult
from bot.app import build_application, serving
from tests.bot_driver import BotDriver, settings_for
from tests.fake_bot_api import FakeBotApi

QUESTIONS = ("谁负责产教融合?", "市总工会负责哪些工作", "济南工匠2023年目标是多少", "那2025年呢？", "第8条", "公租房怎么申请")
SEQUENTIAL_TARGET = 150.0


async def _sequential(driver: BotDriver, count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        replies = await driver.send_text(4000, QUESTIONS[i % len(QUESTIONS)])
        if len(replies) != 1:
            raise AssertionError(f"round trip {i} got {len(replies)} replies")
    return count / (time.perf_counter() - start)


async def _concurrent(driver: BotDriver, users: int, rounds: int) -> float:
    async def user(uid: int) -> int:
        got = 0
        for i in range(rounds):
            got += len(await driver.send_text(uid, QUESTIONS[(uid + i) % len(QUESTIONS)]))
        return got

    start = time.perf_counter()
    received = await asyncio.gather(*(user(6000 + u) for u in range(users)))
    elapsed = time.perf_counter() - start
    if sum(received) != users * rounds:
        raise AssertionError(f"lost replies: {users * rounds - sum(received)}")
    return users * rounds / elapsed


async def _with_bot(work: Callable[[BotDriver], Awaitable[float]]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeBotApi() as api:
            settings = settings_for(api, Path(tmp))
            app = build_application(settings, flood_limits=False)
            driver = BotDriver(api, timeout=60)
            driver.hook(app)
            async with serving(app, settings):
                await driver.send_text(4000, "/start")  # warm-up: first answer builds lazy caches
                return await work(driver)


async def _with_echo_bot(work: Callable[[BotDriver], Awaitable[float]]) -> float:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    async def echo(update: Update, context: object) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    async with FakeBotApi() as api:
        settings = settings_for(api, Path(tempfile.gettempdir()))
        app = ApplicationBuilder().token(api.token).base_url(api.api_url).concurrent_updates(64).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        driver = BotDriver(api, timeout=60)
        driver.hook(app)
        async with serving(app, settings):
            await driver.send_text(4000, "warm-up")
            return await work(driver)


def run(quick: bool = False) -> list[BenchResult]:
    count = 100 if quick else 600
    users, rounds = (50, 2) if quick else (50, 10)
    sequential = asyncio.run(_with_bot(lambda d: _sequential(d, count)))
    echo_sequential = asyncio.run(_with_echo_bot(lambda d: _sequential(d, count)))
    concurrent = asyncio.run(_with_bot(lambda d: _concurrent(d, users, rounds)))
    echo_concurrent = asyncio.run(_with_echo_bot(lambda d: _concurrent(d, users, rounds)))
    return [
        BenchResult("telegram round trips, 1 user sequential", sequential, "trips/s", f">= {SEQUENTIAL_TARGET:g}",
                    sequential >= SEQUENTIAL_TARGET, echo_sequential, sequential / echo_sequential,
                    f"{count} questions; peer: bare PTB echo bot"),
        BenchResult(f"telegram round trips, {users} users concurrent", concurrent, "trips/s",
                    "no lost reply", True, echo_concurrent, concurrent / echo_concurrent,
                    f"{users * rounds} questions, all answered; peer: bare PTB echo bot"),
    ]
