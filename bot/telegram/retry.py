"""Bot API calls that survive a passing fault, so a 502 or a dropped connection loses no reply."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that repeats a call on 5xx, connection errors and timeouts, with bounded backoff.

    Retrying here, below PTB's status handling, sees the raw status code (PTB would turn a 5xx into a plain
    NetworkError) and sits under the rate limiter, which handles 429 / retry_after itself. A send repeated
    after a read timeout may arrive twice: at least once is preferred to a lost reply.
    """

    __slots__ = ("_attempts", "_first_delay", "_max_delay", "_sleep")

    def __init__(
        self,
        *args: Any,
        attempts: int = 6,
        first_delay: float = 0.05,
        max_delay: float = 2.0,
        sleep: Sleep = asyncio.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._attempts = attempts
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._sleep = sleep

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        for attempt in range(1, self._attempts + 1):
            last = attempt == self._attempts
            try:
                code, payload = await super().do_request(url, method, *args, **kwargs)
            except (NetworkError, TimedOut) as exc:
                if last:
                    raise
                log.warning("%s failed (%s); retry %d of %d", endpoint, type(exc).__name__, attempt, self._attempts - 1)
            else:
                if code < 500 or last:
                    return code, payload
                log.warning("%s answered %d; retry %d of %d", endpoint, code, attempt, self._attempts - 1)
            await self._sleep(min(self._max_delay, self._first_delay * 2 ** (attempt - 1)))
        raise AssertionError("unreachable: the last attempt returns or raises")
