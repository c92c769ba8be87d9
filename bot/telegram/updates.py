"""Updates of different chats run concurrently, one chat's in order, so a follow-up never overtakes its question."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

Finished = Callable[[object], Awaitable[None]]
# PTB takes its slot before do_process_update runs, so a chat's queued updates would hold every slot while they
# wait for their turn and a bystander would queue behind a whole burst: its slot is only a formality here.
UNBOUNDED = 1_000_000


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within one; a chat takes a slot only in its turn, so others find one free."""

    def __init__(self, max_concurrent_updates: int = 64, finished: Finished | None = None) -> None:
        super().__init__(UNBOUNDED)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}  # only chats with an update in flight: bounded
        self._finished = finished

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Run the update's handlers in its chat's turn, then report it finished (bot/telegram/inbox.py marks it
        done)."""
        try:
            await self._in_turn(update, coroutine)
        except Exception:
            await self._finish(update)  # the Application logs it; handling it again would only fail again
            raise
        await self._finish(update)  # not when cancelled: an update cut off by shutdown is handled after restart

    async def _finish(self, update: object) -> None:
        if self._finished is not None:
            await self._finished(update)

    async def _in_turn(self, update: object, coroutine: Awaitable[object]) -> None:
        key = _key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def chats_in_flight(self) -> int:
        """Chats with an update being handled or waiting: the size of the per-chat state (a soak watches it)."""
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
