"""Round trips per second through the real Application against the fake Bot API on 127.0.0.1.

A round trip is: a user's update is queued on the fake server, the bot long-polls it, answers the question and
the reply reaches the server. Peer: a bare python-telegram-bot echo bot on the same server and transport, the
floor that the framework and HTTP cost before any of our work. Rows marked "no send limits" lift the flood caps
(build_application(flood_limits=False): the fake server has none); the row marked "with send limits" runs
both bots with Telegram's send limits as deployed (about 30 messages per second overall). Ours and the echo
bot alternate, round after round.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.common import BenchResult, alternate, compared
from application import build_application
from bot.telegram.running import serving
from tests.bot_driver import BotDriver, settings_for
from tests.fake_bot_api import FakeBotApi

QUESTIONS = ("谁负责产教融合?", "市总工会负责哪些工作", "济南工匠2023年目标是多少", "那2025年呢？", "第8条",
             "公租房怎么申请")
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


async def _with_bot(work: Callable[[BotDriver], Awaitable[float]], limits: bool = False) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeBotApi() as api:
            settings = settings_for(api, Path(tmp))
            app = build_application(settings, flood_limits=limits)
            driver = BotDriver(api, timeout=120)
            driver.hook(app)
            async with serving(app, settings):
                await driver.send_text(4000, "/start")  # warm-up: first answer builds lazy caches
                return await work(driver)


async def _with_echo_bot(work: Callable[[BotDriver], Awaitable[float]], limits: bool = False) -> float:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    from bot.telegram.send_limits import FairRateLimiter

    async def echo(update: Update, context: object) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:  # filters.TEXT: always
            await message.reply_text(message.text)

    async with FakeBotApi() as api:
        settings = settings_for(api, Path(tempfile.gettempdir()))
        builder = ApplicationBuilder().token(api.token).base_url(api.api_url).concurrent_updates(64)
        app = (builder.rate_limiter(FairRateLimiter()) if limits else builder).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        driver = BotDriver(api, timeout=120)
        driver.hook(app)
        async with serving(app, settings):
            await driver.send_text(4000, "warm-up")
            return await work(driver)


def _pair(work: Callable[[BotDriver], Awaitable[float]], rounds: int,
          limits: bool = False) -> tuple[list[float], list[float]]:
    """Ours and the echo bot, alternated, `rounds` times each."""
    ours, peer = alternate(rounds, lambda: asyncio.run(_with_bot(work, limits)),
                           lambda: asyncio.run(_with_echo_bot(work, limits)))
    return ours, peer


def run(quick: bool = False) -> list[BenchResult]:
    count, rounds = (100, 2) if quick else (300, 3)
    users, per_user = (50, 2) if quick else (50, 6)
    limited = (50, 2) if quick else (50, 4)
    sequential = _pair(lambda d: _sequential(d, count), rounds)
    concurrent = _pair(lambda d: _concurrent(d, users, per_user), rounds)
    throttled = _pair(lambda d: _concurrent(d, *limited), 2, limits=True)
    return [
        compared("telegram round trips, 1 user sequential (no send limits)", *sequential, "trips/s",
                 f">= {SEQUENTIAL_TARGET:g}", lambda value, ratio: value >= SEQUENTIAL_TARGET,
                 detail=f"{count} questions; peer: bare PTB echo bot"),
        compared(f"telegram round trips, {users} users concurrent (no send limits)", *concurrent, "trips/s",
                 "no lost reply", detail=f"{users * per_user} questions, all answered; peer: bare PTB echo bot"),
        compared(f"telegram round trips, {limited[0]} users concurrent (with send limits)", *throttled, "trips/s",
                 "no lost reply", detail=f"{limited[0] * limited[1]} questions; a burst of 30 passes, then 30/s; "
                                        "peer: echo bot, same limiter"),
    ]
