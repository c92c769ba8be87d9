"""Read-only queries for summaries and exports: report rows by id for the in-memory ledger, all liaisons.

Times come back as epoch seconds computed by SQLite (julianday), so rows stored with any UTC offset compare
correctly and 100k rows need no parsing in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiosqlite import Connection

from storage.models import Liaison

EPOCH = "(julianday({}) - 2440587.5) * 86400.0"
LEDGER_ROWS = (
    "SELECT r.id, r.unit_id, u.name, r.indicator, r.period, r.value, r.cumulative,"
    f" {EPOCH.format('r.created_at')}, {EPOCH.format('r.undone_at')}, r.replaces_id"
    " FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.id > ? ORDER BY r.id"
)
UNDONE_MARKS = f"SELECT id, {EPOCH.format('undone_at')} FROM reports WHERE undone_at IS NOT NULL AND id <= ?"
LIAISON_COLUMNS = (
    "l.id, l.user_id, l.unit_id, u.name AS unit_name, l.name, l.username, l.chat_id, l.joined_at, l.revoked_at"
)
ALL_LIAISONS = f"SELECT {LIAISON_COLUMNS} FROM liaisons l JOIN units u ON u.id = l.unit_id ORDER BY u.name, l.id"
ALL_ASSIGNMENTS = "SELECT liaison_id, indicator FROM liaison_indicators ORDER BY liaison_id, indicator"


class SummaryQueries:
    """The few reads a summary or an export needs, each one statement; rows stay plain tuples."""

    async def rows_after(self, conn: Connection, last_id: int) -> list[Sequence]:
        """Report rows with id > last_id: (id, unit id, unit name, indicator, period, value, cumulative,
        created, undone, replaces id), times as epoch seconds."""
        async with conn.execute(LEDGER_ROWS, (last_id,)) as cursor:
            return list(await cursor.fetchall())

    async def undone_marks(self, conn: Connection, up_to_id: int) -> list[tuple[int, float]]:
        """(id, undone at) of every undone row up to `up_to_id` (undos mark old rows in place)."""
        async with conn.execute(UNDONE_MARKS, (up_to_id,)) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]

    async def all_liaisons(self, conn: Connection) -> list[Liaison]:
        """Active and revoked liaisons with their indicators (the export lists both)."""
        async with conn.execute(ALL_ASSIGNMENTS) as cursor:
            assigned: dict[int, list[int]] = {}
            for liaison_id, indicator in await cursor.fetchall():
                assigned.setdefault(liaison_id, []).append(indicator)
        async with conn.execute(ALL_LIAISONS) as cursor:
            rows = await cursor.fetchall()
        return [Liaison.from_row(row, tuple(assigned.get(row["id"], ()))) for row in rows]
