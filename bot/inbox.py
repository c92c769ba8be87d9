"""No update lost to a crash: each is committed to SQLite before Telegram is told it arrived, and finished after a restart.

PTB's Updater awaits `update_queue.put(update)` for every fetched update before it polls again with the next
offset (the offset is what confirms updates to Telegram), and the webhook handler awaits the same put() before
it answers 200. So the queue below stores the raw update in put(); the update processor marks it done once its
handlers ran; post_init queues again whatever a killed process left unfinished. Handling is idempotent per
message (processed_updates), so an update replayed after it was half handled stores nothing twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Callable

from telegram import Bot, Update

from errors import StorageUnavailable
from storage.db import Database
from storage.inbox import InboxRepository, InboxUpdate

log = logging.getLogger(__name__)

KEEP_DONE = dt.timedelta(days=7)  # Telegram redelivers for 24 hours at most; a week leaves room for a long outage
PRUNE_EVERY = dt.timedelta(hours=1)
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
STORE_ERRORS = (StorageUnavailable, sqlite3.OperationalError)


class UpdateInbox:
    """update_inbox in the service's database: store, mark done, list the unfinished, prune the old."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime]) -> None:
        self.db = db
        self.clock = clock
        self.rows = InboxRepository()
        self._pruned_at: dt.datetime | None = None

    def now(self) -> dt.datetime:
        """UTC, so times stored under different BOT_TZ settings still compare as text."""
        return self.clock().astimezone(dt.UTC)

    async def store(self, update_id: int, payload: str) -> bool:
        """Commit the update; False when it was stored before (already queued or handled)."""
        async with self.db.transaction() as conn:
            return await self.rows.store(conn, update_id, payload, self.now())

    async def done(self, update_id: int) -> None:
        async with self.db.transaction() as conn:
            await self.rows.mark_done(conn, update_id, self.now())
        if self._pruned_at is None or self.now() - self._pruned_at >= PRUNE_EVERY:
            await self.prune()

    async def unfinished(self) -> list[InboxUpdate]:
        async with self.db.reading() as conn:
            return await self.rows.unfinished(conn)

    async def prune(self) -> int:
        """Delete rows done more than KEEP_DONE ago, so the table stays as small as a week of traffic."""
        now = self.now()
        async with self.db.transaction() as conn:
            removed = await self.rows.prune(conn, now - KEEP_DONE)
        self._pruned_at = now
        return removed


class DurableUpdateQueue(asyncio.Queue):
    """The Application's update_queue: put() returns only once the update is committed to the inbox."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: UpdateInbox | None = None
        self._open = asyncio.Event()

    async def open(self, inbox: UpdateInbox, bot: Bot) -> int:
        """Attach the inbox and queue what the last run left unfinished, oldest first; call before polling."""
        await inbox.prune()
        left = await inbox.unfinished()
        for row in left:
            try:
                update = Update.de_json(json.loads(row.payload), bot)
            except (ValueError, TypeError, KeyError):
                log.exception("inbox: stored update %s cannot be read; skipped", row.update_id)
                await inbox.done(row.update_id)
                continue
            await super().put(update)
        self.inbox = inbox
        self._open.set()
        if left:
            log.info("inbox: %d update(s) left unfinished by the last run are handled again", len(left))
        return len(left)

    def close(self) -> None:
        """The database is closing: accept nothing more until opened again."""
        self._open.clear()
        self.inbox = None

    async def put(self, item: object) -> None:
        """Store an Update, then queue it; one stored before is not queued twice. Other items pass through."""
        if isinstance(item, Update) and not await self._store(item):
            return
        await super().put(item)

    async def finished(self, update: object) -> None:
        """The update's handlers ran (an error among them was logged by the Application): mark it done."""
        if self.inbox is None or not isinstance(update, Update):
            return
        try:
            await self.inbox.done(update.update_id)
        except STORE_ERRORS as exc:  # it is simply handled once more after a restart, idempotently
            log.warning("inbox: update %s handled but not marked done (%s)", update.update_id, exc)

    async def _store(self, update: Update) -> bool:
        """Retry while the database cannot be written: until stored, the update stays unconfirmed to Telegram."""
        payload = json.dumps(update.to_dict(), ensure_ascii=False)
        attempt = 0
        while True:
            inbox = self.inbox
            if inbox is None:  # nothing is accepted before post_init opened the database
                await self._open.wait()
                continue
            try:
                return await inbox.store(update.update_id, payload)
            except STORE_ERRORS as exc:
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                log.warning("inbox: update %s not stored yet (%s); Telegram keeps it, retry in %g s",
                            update.update_id, exc, delay)
                await asyncio.sleep(delay)
                attempt += 1
