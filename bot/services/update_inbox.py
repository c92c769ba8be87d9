"""The durable inbox's rows for one process: store and mark done in batches, claim, take over, prune.

Replicas share update_inbox: each stored update is claimed by the process that stored it (a replica id) and renewed
by it; another process takes over only claims that lapsed for CLAIM_LEASE or whose holder was a process of this
host that is gone. Telegram-free: bot/telegram/inbox.py queues the updates and calls it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from functools import partial

from bot.services.leases import gone, replica_id
from storage import inbox as inbox_rows
from storage.db import Database
from storage.inbox import InboxRepository, InboxUpdate, write_batch
from storage.reports import ProcessedUpdates

KEEP_DONE = dt.timedelta(days=7)  # Telegram redelivers for 24 hours at most; a week leaves room for a long outage
KEEP_PROCESSED = dt.timedelta(days=30)  # a message's key answers its redelivery (and an edit's) long after that
PRUNE_EVERY = dt.timedelta(hours=1)
CLAIM_LEASE = dt.timedelta(minutes=2)  # an update claimed this long ago, unrenewed, is a dead replica's

class UpdateInbox:
    """update_inbox in the service's database: store, mark done, list the unfinished, prune the old."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime], holder: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.holder = holder or replica_id()  # this process's claims
        self.rows = InboxRepository()
        self._pruned_at: dt.datetime | None = None

    def now(self) -> dt.datetime:
        """UTC, so times stored under different BOT_TZ settings still compare as text."""
        return self.clock().astimezone(dt.UTC)

    async def done(self, update_id: int) -> None:
        await self.commit([], [update_id])

    async def commit(self, stores: list[tuple[int, str]], done: list[int]) -> list[bool]:
        """One transaction for a batch: store updates (True per new one), mark others done; prune now and then."""
        new = await self.db.write(partial(write_batch, stores=stores, done=done, now=self.now().isoformat(),
                                          holder=self.holder))
        if done and (self._pruned_at is None or self.now() - self._pruned_at >= PRUNE_EVERY):
            await self.prune()
        return new

    async def take_over(self) -> list[InboxUpdate]:
        """Renew our claims; claim the unfinished updates of replicas that are gone (oldest first)."""
        now = self.now()

        def claims(conn: sqlite3.Connection) -> list[InboxUpdate]:
            inbox_rows.renew_claims(conn, self.holder, now.isoformat())
            return inbox_rows.take_over(conn, self.holder, now.isoformat(), partial(lapsed, now=now))

        return await self.db.write(claims)

    async def unfinished(self) -> list[InboxUpdate]:
        async with self.db.reading() as conn:
            return await self.rows.unfinished(conn)

    async def prune(self) -> int:
        """Updates done over KEEP_DONE ago and keys older than KEEP_PROCESSED go: both tables hold recent traffic."""
        now = self.now()
        async with self.db.transaction() as conn:
            removed = await self.rows.prune(conn, now - KEEP_DONE)
            removed += await ProcessedUpdates().prune(conn, now - KEEP_PROCESSED)
        self._pruned_at = now
        return removed


def lapsed(holder: str | None, claimed_at: str | None, now: dt.datetime) -> bool:
    """Whether a claim is free to take: none, not renewed for CLAIM_LEASE, or its holder's process is gone."""
    if holder is None or claimed_at is None or now - dt.datetime.fromisoformat(claimed_at) >= CLAIM_LEASE:
        return True
    return gone(holder)
