"""Chat state rows (a chat's dialog, a user's guided /report), so any replica handles a chat's next update.

Each row carries a version: a save is a compare-and-set on it, and a save that lost to another process's save merges
with what that process wrote (the caller's merge) instead of overwriting it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import NamedTuple

LOAD = "SELECT user_id, payload, version FROM chat_states WHERE chat_id = ? AND user_id IN (0, ?)"
LOAD_ONE = "SELECT payload, version FROM chat_states WHERE chat_id = ? AND user_id = ?"
INSERT = (
    "INSERT INTO chat_states (chat_id, user_id, payload, version, updated_at) VALUES (?, ?, ?, 1, ?)"
    " ON CONFLICT (chat_id, user_id) DO NOTHING"
)
UPDATE = (
    "UPDATE chat_states SET payload = ?, version = version + 1, updated_at = ?"
    " WHERE chat_id = ? AND user_id = ? AND version = ?"
)
DELETE = "DELETE FROM chat_states WHERE chat_id = ? AND user_id = ? AND version = ?"
PRUNE = "DELETE FROM chat_states WHERE julianday(updated_at) < julianday(?)"
ATTEMPTS = 3  # a compare-and-set lost this often in one transaction: give up (only under a storm of one chat)
Merge = Callable[[int, str | None, str | None], str | None]  # (user_id, ours, theirs) -> what to keep; None deletes


class Row(NamedTuple):
    """A stored payload and the version it was read at (0: no row)."""

    payload: str | None
    version: int


def load(conn: sqlite3.Connection, chat_id: int, user_id: int) -> dict[int, Row]:
    """The chat's dialog row (key 0) and the user's own row, as far as they exist."""
    return {row[0]: Row(row[1], row[2]) for row in conn.execute(LOAD, (chat_id, user_id))}


def save(conn: sqlite3.Connection, chat_id: int, changes: dict[int, tuple[Row, str | None]], now: str,
         merge: Merge) -> int:
    """Write each changed row (user_id -> (as read, new payload or None to delete)); returns the merges done."""
    return sum(_save_one(conn, chat_id, user_id, read, payload, now, merge)
               for user_id, (read, payload) in changes.items())


def _save_one(conn: sqlite3.Connection, chat_id: int, user_id: int, read: Row, payload: str | None, now: str,
              merge: Merge) -> int:
    """Compare-and-set one row, merging with the stored one as often as it lost; returns the merges done."""
    for attempt in range(ATTEMPTS):
        if _put(conn, chat_id, user_id, read, payload, now):
            return attempt
        fresh = conn.execute(LOAD_ONE, (chat_id, user_id)).fetchone()
        read = Row(fresh[0], fresh[1]) if fresh is not None else Row(None, 0)
        payload = merge(user_id, payload, read.payload)
        if payload == read.payload:
            return attempt + 1
    return ATTEMPTS


def _put(conn: sqlite3.Connection, chat_id: int, user_id: int, read: Row, payload: str | None, now: str) -> bool:
    """One compare-and-set: True when the row was as read and now holds `payload`."""
    if read.version == 0:
        if payload is None:
            return True
        return conn.execute(INSERT, (chat_id, user_id, payload, now)).rowcount == 1
    if payload is None:
        return conn.execute(DELETE, (chat_id, user_id, read.version)).rowcount == 1
    return conn.execute(UPDATE, (payload, now, chat_id, user_id, read.version)).rowcount == 1


def prune(conn: sqlite3.Connection, before: str) -> int:
    """Rows untouched since `before` (ISO-8601) go: nothing in them is still live."""
    return conn.execute(PRUNE, (before,)).rowcount
