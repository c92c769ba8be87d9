"""Waits at start for a Bot API that cannot be reached, with a warning per attempt, so the log says why."""

from __future__ import annotations

import asyncio
import itertools
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

log = logging.getLogger(__name__)

OFFICIAL_API = "https://api.telegram.org/bot"
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def initialize_when_reachable(
    app: Application, api_url: str | None, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> int:
    """app.initialize() (getMe) until it succeeds, backing off to 30 s; returns the attempts it took.

    A rejected token (InvalidToken) is not network trouble and is raised at once.
    """
    delay = FIRST_DELAY_S
    for attempt in itertools.count(1):
        try:
            await app.initialize()
        except InvalidToken:
            raise
        except TelegramError as exc:  # NetworkError, TimedOut, RetryAfter, an answer that is not the Bot API's
            wait = max(delay, _seconds(exc)) if isinstance(exc, RetryAfter) else delay
            log.warning("无法连接 Bot API %s（%s: %s）：第 %d 次尝试失败，%.0f 秒后重试，连接成功前不会处理消息。"
                        " Bot API unreachable; retrying.",
                        api_url or OFFICIAL_API, type(exc).__name__, exc, attempt, wait)
            await sleep(wait)
            delay = min(MAX_DELAY_S, delay * 2)
        else:
            if attempt > 1:
                log.warning("Bot API %s 已连接（第 %d 次尝试）。", api_url or OFFICIAL_API, attempt)
            return attempt
    raise AssertionError("unreachable")


def wait_for_api(app: Application, api_url: str | None) -> bool:
    """Initialise `app` on the event loop run_polling / run_webhook will reuse; False if stopped while waiting."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    task = loop.create_task(initialize_when_reachable(app, api_url))
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, task.cancel)
    try:
        loop.run_until_complete(task)
    except asyncio.CancelledError:
        loop.close()
        return False
    finally:
        if not loop.is_closed():
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)
    return True


def _seconds(exc: RetryAfter) -> float:
    """retry_after as seconds, whether PTB gives a timedelta or an int."""
    value = getattr(exc, "_retry_after", None) or exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
