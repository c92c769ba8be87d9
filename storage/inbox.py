"""The durable inbox: raw updates kept until handled, so a crash between receipt and reply loses none."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable

from aiosqlite import Connection

from knowledge.models import Frozen

# Telegram picks a random update_id after a week without updates, so an id can come back: a done row whose
# payload differs is a new update and is taken again; the same payload (a redelivery) is ignored.
# A stored update is claimed by the process that stored it (claimed_by: a replica id); see bot/telegram/inbox.py.
STORE_UPDATE = (
    "INSERT INTO update_inbox (update_id, payload, received_at, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (update_id) DO UPDATE SET payload = excluded.payload, received_at = excluded.received_at,"
    " done_at = NULL, claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at"
    " WHERE update_inbox.done_at IS NOT NULL AND update_inbox.payload <> excluded.payload"
)
MARK_DONE = "UPDATE update_inbox SET done_at = ? WHERE update_id = ? AND done_at IS NULL"
UNFINISHED = "SELECT update_id, payload, received_at FROM update_inbox WHERE done_at IS NULL ORDER BY update_id"
PRUNE_DONE = "DELETE FROM update_inbox WHERE done_at IS NOT NULL AND done_at < ?"
RENEW_CLAIMS = "UPDATE update_inbox SET claimed_at = ? WHERE claimed_by = ? AND done_at IS NULL"
OTHERS_UNFINISHED = (
    "SELECT update_id, payload, received_at, claimed_by, claimed_at FROM update_inbox"
    " WHERE done_at IS NULL AND claimed_by IS DISTINCT FROM ? ORDER BY update_id"
)
CLAIM = (
    "UPDATE update_inbox SET claimed_by = ?, claimed_at = ? WHERE update_id = ? AND done_at IS NULL"
    " AND claimed_by IS NOT DISTINCT FROM ? AND claimed_at IS NOT DISTINCT FROM ?"
)
Takeable = Callable[[str | None, str | None], bool]  # (claimed_by, claimed_at) -> may this process take it over


class InboxUpdate(Frozen):
    """One stored update: its Bot API JSON, as received."""

    update_id: int
    payload: str
    received_at: dt.datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> InboxUpdate:
        return cls(update_id=row["update_id"], payload=row["payload"],
                   received_at=dt.datetime.fromisoformat(row["received_at"]))


def write_batch(conn: sqlite3.Connection, stores: list[tuple[int, str]], done: list[int], now: str,
                holder: str | None = None) -> list[bool]:
    """Store updates (claimed by `holder`) and mark others done in the caller's transaction; per stored update,
    whether it was new."""
    new = [conn.execute(STORE_UPDATE, (update_id, payload, now, holder, now)).rowcount == 1
           for update_id, payload in stores]
    conn.executemany(MARK_DONE, [(now, update_id) for update_id in done])
    return new


def renew_claims(conn: sqlite3.Connection, holder: str, now: str) -> int:
    """`holder` is alive: its unfinished updates stay its own for another lease."""
    return conn.execute(RENEW_CLAIMS, (now, holder)).rowcount


def take_over(conn: sqlite3.Connection, holder: str, now: str, takeable: Takeable) -> list[InboxUpdate]:
    """Claim, oldest first, the unfinished updates of other processes that `takeable` says are gone; a claim is a
    compare-and-set on the old one, so of two processes taking over the same row only one gets it."""
    taken = []
    for row in conn.execute(OTHERS_UNFINISHED, (holder,)).fetchall():
        if takeable(row[3], row[4]) and conn.execute(CLAIM, (holder, now, row[0], row[3], row[4])).rowcount == 1:
            taken.append(InboxUpdate.from_row(row))
    return taken


class InboxRepository:
    """Rows of update_inbox: stored once per update, marked done, deleted some days after."""

    async def unfinished(self, conn: Connection) -> list[InboxUpdate]:
        """Updates stored but never marked done, oldest first."""
        return [InboxUpdate.from_row(row) for row in await conn.execute_fetchall(UNFINISHED)]

    async def prune(self, conn: Connection, done_before: dt.datetime) -> int:
        cursor = await conn.execute(PRUNE_DONE, (done_before.isoformat(),))
        return cursor.rowcount
