"""The durable inbox: raw updates kept until handled, so a crash between receipt and reply loses none."""

from __future__ import annotations

import datetime as dt
import sqlite3

from aiosqlite import Connection

from knowledge.models import Frozen

# Telegram picks a random update_id after a week without updates, so an id can come back: a done row whose
# payload differs is a new update and is taken again; the same payload (a redelivery) is ignored.
STORE_UPDATE = (
    "INSERT INTO update_inbox (update_id, payload, received_at) VALUES (?, ?, ?)"
    " ON CONFLICT (update_id) DO UPDATE SET payload = excluded.payload, received_at = excluded.received_at,"
    " done_at = NULL WHERE update_inbox.done_at IS NOT NULL AND update_inbox.payload <> excluded.payload"
)
MARK_DONE = "UPDATE update_inbox SET done_at = ? WHERE update_id = ? AND done_at IS NULL"
UNFINISHED = "SELECT update_id, payload, received_at FROM update_inbox WHERE done_at IS NULL ORDER BY update_id"
PRUNE_DONE = "DELETE FROM update_inbox WHERE done_at IS NOT NULL AND done_at < ?"


class InboxUpdate(Frozen):
    """One stored update: its Bot API JSON, as received."""

    update_id: int
    payload: str
    received_at: dt.datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> InboxUpdate:
        return cls(update_id=row["update_id"], payload=row["payload"],
                   received_at=dt.datetime.fromisoformat(row["received_at"]))


def write_batch(conn: sqlite3.Connection, stores: list[tuple[int, str]], done: list[int], now: str) -> list[bool]:
    """Store updates and mark others done in the caller's transaction; per stored update, whether it was new."""
    new = [conn.execute(STORE_UPDATE, (update_id, payload, now)).rowcount == 1 for update_id, payload in stores]
    conn.executemany(MARK_DONE, [(now, update_id) for update_id in done])
    return new


class InboxRepository:
    """Rows of update_inbox: stored once per update, marked done, deleted some days after."""

    async def unfinished(self, conn: Connection) -> list[InboxUpdate]:
        """Updates stored but never marked done, oldest first."""
        return [InboxUpdate.from_row(row) for row in await conn.execute_fetchall(UNFINISHED)]

    async def prune(self, conn: Connection, done_before: dt.datetime) -> int:
        cursor = await conn.execute(PRUNE_DONE, (done_before.isoformat(),))
        return cursor.rowcount
