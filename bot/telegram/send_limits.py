"""Telegram's send limits applied fairly: the next free send goes to the chat that was served least recently.

PTB's AIORateLimiter lets sends through in arrival order, so during a burst of 1,500 replies at Telegram's 30
messages a second a bystander's answer waited 49 s behind all of them. The limits here are AIORateLimiter's (30
sends a second in all, 20 a minute into one group, a RetryAfter pauses every send); only the order differs: a chat
that was not served lately goes first, busy chats take turns, and a chat's own sends keep their order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

OVERALL_PER_SECOND = 30.0
GROUP_PER_MINUTE = 20.0
MAX_RETRIES = 5
FORGET_AFTER = 60.0  # seconds: a chat served longer ago counts as never served, and its record is dropped
Chat = int | str
NEVER = float("-inf")


class Bucket:
    """A leaky bucket as aiolimiter keeps one: `rate` sends per `period`, a burst of up to `rate` at once."""

    __slots__ = ("at", "capacity", "level", "per_second")

    def __init__(self, rate: float, period: float, now: float) -> None:
        self.capacity = rate
        self.per_second = rate / period
        self.level = 0.0
        self.at = now

    def wait(self, now: float) -> float:
        """Seconds until one more send fits (0.0: it fits now)."""
        self.level = max(0.0, self.level - (now - self.at) * self.per_second)
        self.at = now
        return max(0.0, (self.level + 1 - self.capacity) / self.per_second)

    def take(self, now: float) -> None:
        self.wait(now)
        self.level += 1

    def idle(self, now: float) -> bool:
        self.wait(now)
        return self.level == 0


class FairRateLimiter(BaseRateLimiter[int]):
    """Overall and per-group limits; among chats waiting for the overall limit, the least recently served goes next."""

    def __init__(self, overall_per_second: float = OVERALL_PER_SECOND, group_per_minute: float = GROUP_PER_MINUTE,
                 max_retries: int = MAX_RETRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._overall = Bucket(overall_per_second, 1.0, clock()) if overall_per_second > 0 else None
        self._group_rate = group_per_minute
        self._groups: dict[Chat, tuple[Bucket, asyncio.Lock]] = {}
        self._served: dict[Chat, float] = {}  # chat → when it last got a send; swept after FORGET_AFTER
        self._queues: dict[Chat, deque[asyncio.Future[None]]] = {}  # chats with sends waiting, each in order
        self._order: list[tuple[float, int, Chat]] = []  # heap of those chats: (last served, arrival, chat)
        self._arrivals = itertools.count()
        self._timer: asyncio.Handle | None = None
        self._swept_at = clock()
        self._max_retries = max_retries
        self._resume = asyncio.Event()
        self._resume.set()

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Stop the pending wake-up; waiting sends end with their callers."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def tracked_chats(self) -> int:
        """Chats the limiter remembers (recently served or waiting): bounded by FORGET_AFTER of traffic."""
        return len(self._served) + len(self._queues) + len(self._groups)

    async def process_request(
        self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any, kwargs: dict[str, Any], endpoint: str,
        data: dict[str, Any], rate_limit_args: int | None,
    ) -> Any:
        """Wait for the group's and the chat's turn, send; on RetryAfter pause every send and try again."""
        chat = _chat_of(data)
        retries = rate_limit_args or self._max_retries
        for attempt in range(retries + 1):
            if chat is not None:
                await self._group_turn(chat)
                await self._turn(chat)
            await self._resume.wait()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    log.exception("Rate limit hit after maximum of %d retries", retries, exc_info=exc)
                    raise
                self._resume.clear()
                try:
                    await asyncio.sleep(_seconds(exc) + 0.1)
                finally:
                    self._resume.set()
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _group_turn(self, chat: Chat) -> None:
        if self._group_rate <= 0 or not (isinstance(chat, str) or chat < 0):
            return
        found = self._groups.get(chat)
        if found is None:
            found = self._groups[chat] = (Bucket(self._group_rate, 60.0, self.clock()), asyncio.Lock())
        bucket, lock = found
        async with lock:
            while (wait := bucket.wait(self.clock())) > 0:
                await asyncio.sleep(wait)
            bucket.take(self.clock())

    async def _turn(self, chat: Chat) -> None:
        if self._overall is None:
            return
        now = self.clock()
        if not self._order and self._overall.wait(now) == 0:
            self._grant(chat, now)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._queues.get(chat)
        if queue is None:
            queue = self._queues[chat] = deque()
            heapq.heappush(self._order, (self._last_served(chat, now), next(self._arrivals), chat))
        queue.append(future)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_soon(self._dispatch)
        await future

    def _dispatch(self) -> None:
        """Hand out every send that fits now, least recently served chat first; wake again when the next fits."""
        self._timer = None
        assert self._overall is not None
        now = self.clock()
        while self._order:
            wait = self._overall.wait(now)
            if wait > 0:
                self._timer = asyncio.get_running_loop().call_later(wait, self._dispatch)
                return
            _, _, chat = heapq.heappop(self._order)
            queue = self._queues[chat]
            while queue and queue[0].done():  # its sender gave up (cancelled)
                queue.popleft()
            if queue:
                queue.popleft().set_result(None)
                self._grant(chat, now)
            while queue and queue[0].done():
                queue.popleft()
            if queue:
                heapq.heappush(self._order, (now, next(self._arrivals), chat))
            else:
                del self._queues[chat]

    def _grant(self, chat: Chat, now: float) -> None:
        assert self._overall is not None
        self._overall.take(now)
        self._served[chat] = now
        if now - self._swept_at >= FORGET_AFTER:
            self._sweep(now)

    def _last_served(self, chat: Chat, now: float) -> float:
        served = self._served.get(chat)
        return NEVER if served is None or now - served >= FORGET_AFTER else served

    def _sweep(self, now: float) -> None:
        """Forget chats not served for FORGET_AFTER and idle group buckets: memory follows recent traffic."""
        self._swept_at = now
        for chat in [c for c, at in self._served.items() if now - at >= FORGET_AFTER]:
            del self._served[chat]
        for group in [g for g, (bucket, lock) in self._groups.items() if not lock.locked() and bucket.idle(now)]:
            del self._groups[group]


def _chat_of(data: dict[str, Any]) -> Chat | None:
    chat = data.get("chat_id")
    if chat is None:
        return None
    try:
        return int(chat)
    except (TypeError, ValueError):
        return str(chat)  # '@channel': a channel or supergroup, limited as a group


def _seconds(exc: RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)  # PTB's own limiter reads it so, without the deprecation warning
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value if value is not None else 1)
