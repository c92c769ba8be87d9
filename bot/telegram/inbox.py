"""No update lost to a crash: each is committed to SQLite (or handled) before Telegram is told it arrived.

Telegram counts an update as delivered once the Updater polls with a later offset (polling) or once the webhook
answered 200. So: the webhook's put() returns when its update is committed or handled; in polling, put() only
queues the update for the inbox's writer and PollingRequest holds the next getUpdates until every update before
it is committed or handled. The writer commits whatever arrived meanwhile in one transaction (a poll brings up to
100), so intake keeps up with a burst. An update waits at most GRACE for its commit before it is handled anyway:
while another process locks the database, questions are still answered (a handled update needs no storing).
The update processor reports each finished update, which is marked done in the next batch; post_init queues again
whatever a killed process left unfinished. Handling is idempotent per message (processed_updates).

Replicas behind one webhook share the inbox: a stored update is claimed by the process that stored it, which renews
its claims every RENEW_EVERY. A process takes over (at start and every RENEW_EVERY) only updates whose claim has
lapsed for CLAIM_LEASE or whose holder was a process of this host that is gone, never those of a live replica.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update

from bot.telegram.retry import RetryingRequest
from errors import StorageUnavailable
from bot.services.update_inbox import UpdateInbox

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
GRACE = 0.5  # seconds an update waits for its commit before it is handled anyway (the database is locked)
MAX_ACTIVE = 10_000  # updates queued or being handled at once; beyond it polling pauses and Telegram keeps the rest
STORE_ERRORS = (StorageUnavailable, sqlite3.OperationalError)
RENEW_EVERY = 30.0  # seconds between renewing our claims (and taking over lapsed ones): well within CLAIM_LEASE



class _Entry:
    """An update between its arrival and its commit or its handling, whichever comes first."""

    __slots__ = ("payload", "released", "settled", "stored", "update", "writing")

    def __init__(self, update: Update, settled: asyncio.Future[None]) -> None:
        self.update = update
        self.payload = json.dumps(update.to_dict(), ensure_ascii=False)
        self.stored = self.released = self.writing = False
        self.settled = settled  # done once committed or handled: Telegram may then be told


class DurableUpdateQueue(asyncio.Queue):
    """The Application's update_queue: an update is handled once committed (or after GRACE), confirmed once either."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: UpdateInbox | None = None
        self._entries: dict[int, _Entry] = {}  # arrived, neither committed nor handled yet: in flight only
        self._unstored: dict[int, _Entry] = {}  # waiting for the writer, oldest first
        self._done: list[int] = []  # finished updates whose rows are still to be marked done
        self._done_waiters: list[asyncio.Future[None]] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._claims: asyncio.Task[None] | None = None
        self._polling = False
        self._active = 0  # updates handed to the Application and not finished yet
        self._room = asyncio.Event()  # set while _active is at most MAX_ACTIVE
        self._room.set()
        self._closed = False

    async def open(self, inbox: UpdateInbox, bot: Bot) -> int:
        """Attach the inbox and queue what the last run left unfinished, oldest first; call before polling."""
        await inbox.prune()
        left = await self._take_over(inbox, bot)
        self.inbox, self._closed = inbox, False
        self._writer = asyncio.create_task(self._write_loop(), name="inbox writer")
        self._claims = asyncio.create_task(self._claims_loop(inbox, bot), name="inbox claims")
        if self._unstored:
            self._wake.set()
        return left

    async def _take_over(self, inbox: UpdateInbox, bot: Bot) -> int:
        """Queue the updates a gone process (the last run, or a dead replica) left unfinished, oldest first."""
        left = await inbox.take_over()
        for row in left:
            try:
                update = Update.de_json(json.loads(row.payload), bot)
            except (ValueError, TypeError, KeyError):
                log.exception("inbox: stored update %s cannot be read; skipped", row.update_id)
                await inbox.done(row.update_id)
                continue
            self._hand_over(update)
        if left:
            log.info("inbox: %d update(s) left unfinished by a gone process are handled again", len(left))
        return len(left)

    async def _claims_loop(self, inbox: UpdateInbox, bot: Bot) -> None:
        """While open: renew our claims and take over what a replica that died left, every RENEW_EVERY."""
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await self._take_over(inbox, bot)
            except Exception as exc:  # any: locked or worse; our claims stay ours until CLAIM_LEASE, retried soon
                log.warning("inbox: claims not renewed (%s)", exc)

    async def close(self) -> None:
        """The database is closing: write what is pending once more, then accept nothing until opened again."""
        if self._claims is not None:
            self._claims.cancel()
            self._claims = None
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
            if self.inbox is not None and (self._done or self._unstored):
                try:
                    await self._write_once(self.inbox)
                except Exception as exc:  # any exception: what is not marked done is handled again after a restart
                    log.warning("inbox: %d update(s) not marked done at shutdown (%s)", len(self._done), exc)
        self.inbox, self._closed = None, True

    async def put(self, item: object) -> None:
        """Queue an Update for the inbox (a webhook waits until it is committed or handled); others pass through."""
        if not isinstance(item, Update):
            await super().put(item)
            return
        entry = self._entries.get(item.update_id)
        if entry is None:  # else delivered again while the first delivery is in flight: that one counts
            entry = _Entry(item, asyncio.get_running_loop().create_future())
            self._entries[item.update_id] = self._unstored[item.update_id] = entry
            asyncio.get_running_loop().call_later(GRACE, self._release, entry)
            self._wake.set()
        if not self._polling:
            await asyncio.shield(entry.settled)

    async def barrier(self) -> None:
        """Before a getUpdates (which confirms every earlier update): wait until each is committed or handled."""
        self._polling = True
        while self._active > MAX_ACTIVE:  # a backlog after an outage stays with Telegram, not in our memory
            self._room.clear()
            await self._room.wait()
        waiting = [entry.settled for entry in self._entries.values()]
        if waiting:
            await asyncio.gather(*(asyncio.shield(w) for w in waiting))

    async def finished(self, update: object) -> None:
        """The update's handlers ran (an error among them was logged by the Application): mark it done."""
        if not isinstance(update, Update):
            return
        self._active = max(0, self._active - 1)
        if self._active <= MAX_ACTIVE:
            self._room.set()
        if self.inbox is None:
            return
        entry = self._entries.pop(update.update_id, None)
        if entry is not None and not entry.settled.done():
            entry.settled.set_result(None)
        if entry is not None and not entry.stored and not entry.writing:
            self._unstored.pop(update.update_id, None)  # handled before it could be stored: nothing to keep
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._done.append(update.update_id)
        self._done_waiters.append(waiter)
        self._wake.set()
        try:
            await waiter
        except Exception as exc:  # any exception: it is simply handled once more after a restart, idempotently
            log.warning("inbox: update %s handled but not marked done yet (%s)", update.update_id, exc)

    def in_flight(self) -> int:
        """Updates not yet committed or handled, plus done marks not yet written: bounded by traffic in flight."""
        return len(self._entries) + len(self._unstored) + len(self._done) + self._active

    def _release(self, entry: _Entry) -> None:
        """GRACE passed without a commit: handle the update now; it is confirmed once handled or committed."""
        if entry.stored or entry.released or entry.settled.done() or self._closed:
            return
        if self.inbox is None:  # not open yet: nothing is handled before post_init opened the service
            asyncio.get_running_loop().call_later(GRACE, self._release, entry)
            return
        entry.released = True
        self._hand_over(entry.update)

    def _hand_over(self, update: Update) -> None:
        """To the Application, which handles it and reports it finished."""
        self._active += 1
        self.put_nowait(update)

    async def _write_loop(self) -> None:
        attempt = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            inbox = self.inbox
            if inbox is None:
                return
            try:
                await self._write_once(inbox)
                attempt = 0
            except Exception as exc:  # any: locked, read-only or worse: keep trying, never stop taking updates
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                log.warning("inbox: %d update(s) not stored yet (%s); Telegram keeps them, retry in %g s",
                            len(self._unstored), exc, delay, exc_info=not isinstance(exc, STORE_ERRORS))
                attempt += 1
                await asyncio.sleep(delay)
                self._wake.set()

    async def _write_once(self, inbox: UpdateInbox) -> None:
        """One transaction: every waiting update stored, every finished one marked done; then queue the new."""
        batch = list(self._unstored.values())
        done, waiters = self._done, self._done_waiters
        self._done, self._done_waiters = [], []
        if not batch and not done:
            return
        for entry in batch:
            entry.writing = True
        try:
            new = await inbox.commit([(e.update.update_id, e.payload) for e in batch], done)
        except BaseException as exc:
            for entry in batch:
                entry.writing = False
            self._done[:0] = done  # marked with the next batch
            _settle_all(waiters, exc if isinstance(exc, Exception) else None)
            raise
        for entry, is_new in zip(batch, new, strict=True):
            entry.stored, entry.writing = True, False
            self._unstored.pop(entry.update.update_id, None)
            if is_new and not entry.released:
                entry.released = True
                self._hand_over(entry.update)
            if not entry.settled.done():  # a redelivery of one stored before is not queued again
                entry.settled.set_result(None)
                self._entries.pop(entry.update.update_id, None)
        _settle_all(waiters, None)


def _settle_all(waiters: list[asyncio.Future[None]], exc: Exception | None) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None) if exc is None else waiter.set_exception(exc)


class PollingRequest(RetryingRequest):
    """The getUpdates transport: a poll confirms every earlier update to Telegram, so it waits for the barrier."""

    __slots__ = ("_barrier",)

    def __init__(self, barrier: Callable[[], Awaitable[None]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._barrier = barrier

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self._barrier()
        return await super().do_request(url, method, *args, **kwargs)
