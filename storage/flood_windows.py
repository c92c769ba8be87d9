"""Each sender's flood window in the database, so replicas count one limit together."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

LOAD = "SELECT payload, version FROM flood_windows WHERE user_id = ?"
INSERT = (
    "INSERT INTO flood_windows (user_id, payload, version, updated_at) VALUES (?, ?, 1, ?)"
    " ON CONFLICT (user_id) DO NOTHING"
)
UPDATE = (
    "UPDATE flood_windows SET payload = ?, version = version + 1, updated_at = ? WHERE user_id = ? AND version = ?"
)
PRUNE = "DELETE FROM flood_windows WHERE julianday(updated_at) < julianday(?)"
ATTEMPTS = 3


def load(conn: sqlite3.Connection, user_id: int) -> str | None:
    """The sender's stored window, if any."""
    row = conn.execute(LOAD, (user_id,)).fetchone()
    return row[0] if row is not None else None


def count(conn: sqlite3.Connection, user_id: int, change: Callable[[str | None], str | None], now: str) -> None:
    """Apply `change` (stored payload -> new payload, None: leave as is) by compare-and-set, read again if it lost."""
    for _ in range(ATTEMPTS):
        row = conn.execute(LOAD, (user_id,)).fetchone()
        payload = change(row[0] if row is not None else None)
        if payload is None:
            return
        if row is None:
            done = conn.execute(INSERT, (user_id, payload, now)).rowcount == 1
        else:
            done = conn.execute(UPDATE, (payload, now, user_id, row[1])).rowcount == 1
        if done:
            return


def prune(conn: sqlite3.Connection, before: str) -> int:
    """Windows untouched since `before` (ISO-8601) hold no message that still counts."""
    return conn.execute(PRUNE, (before,)).rowcount
