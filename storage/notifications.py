"""What the bot already sent on its own (summaries, reminders), so a restart never sends it twice."""

from __future__ import annotations

import datetime as dt

from aiosqlite import Connection

CLAIM = "INSERT INTO sent_notifications (kind, key, sent_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
RELEASE = "DELETE FROM sent_notifications WHERE kind = ? AND key = ? AND sent_at = ?"
WAS_SENT = "SELECT 1 FROM sent_notifications WHERE kind = ? AND key = ?"
ANY_SENT = "SELECT 1 FROM sent_notifications LIMIT 1"


class SentNotifications:
    """A (kind, key) row claims a notification; claiming twice fails, so only one sender wins."""

    async def claim(self, conn: Connection, kind: str, key: str, now: dt.datetime) -> bool:
        """Record the notification as sent; False when it already was."""
        cursor = await conn.execute(CLAIM, (kind, key, now.isoformat()))
        return cursor.rowcount == 1

    async def release(self, conn: Connection, kind: str, key: str, claimed_at: dt.datetime) -> None:
        """Undo our own claim when the message could not be delivered, so the next run tries again."""
        await conn.execute(RELEASE, (kind, key, claimed_at.isoformat()))

    async def was_sent(self, conn: Connection, kind: str, key: str) -> bool:
        return bool(await conn.execute_fetchall(WAS_SENT, (kind, key)))

    async def any_sent(self, conn: Connection) -> bool:
        return bool(await conn.execute_fetchall(ANY_SENT))
