"""Append-only figure reports, processed updates and reports awaiting confirmation."""

from __future__ import annotations

import datetime as dt

from aiosqlite import Connection

from storage.db import fetch_one
from storage.models import ReportRow

REPORT_COLUMNS = (
    "r.id, r.unit_id, u.name AS unit_name, r.indicator, r.period, r.value, r.cumulative, r.reporter_id,"
    " r.chat_id, r.message_id, r.source_text, r.created_at, r.replaces_id, r.superseded_by, r.undone_at, r.undone_by,"
    " r.held, r.reviewed_at, r.reviewed_by, r.review_note"
)
FROM_REPORTS = "FROM reports r JOIN units u ON u.id = r.unit_id"
HELD_PENDING = "pending"  # reports.held: 待审核, waiting for an admin (BOT_APPROVAL=on)
HELD_RETURNED = "returned"  # reports.held: 已退回 by an admin, with a reason
# The rules of reporting.effective written as SQL, their only SQL form. A row counts when it is alive and no
# newer row of its unit × indicator × month is. Alive now: not undone and not held back (awaiting review or
# returned). Alive just before the instant :at (a past week): counting from before it (created then, or approved
# then: an approval stamps reviewed_at) and not undone by then (indexes reports_created, reports_undone: julianday
# of each). Every query that wants the rows that count uses IS_CURRENT or IS_CURRENT_AT; `{r}` is the row's alias.
ALIVE = "{r}.undone_at IS NULL AND {r}.held IS NULL"
ALIVE_AT = (
    "julianday(COALESCE({r}.reviewed_at, {r}.created_at)) < julianday(:at) AND {r}.held IS NULL"
    " AND ({r}.undone_at IS NULL OR julianday({r}.undone_at) >= julianday(:at))"
)
NEWEST_ALIVE = (
    "{alive} AND {r}.id = (SELECT MAX({r}2.id) FROM reports {r}2 WHERE {r}2.indicator = {r}.indicator"
    " AND {r}2.unit_id = {r}.unit_id AND {r}2.period = {r}.period AND {alive2})"
)
IS_CURRENT = NEWEST_ALIVE.format(r="r", alive=ALIVE.format(r="r"), alive2=ALIVE.format(r="r2"))
IS_CURRENT_AT = NEWEST_ALIVE.format(r="r", alive=ALIVE_AT.format(r="r"), alive2=ALIVE_AT.format(r="r2"))
# The sender's latest word on a key: the newest row not undone, whatever its review (what a correction replaces,
# what /undo takes back). With approval off nothing is held, so it is the row IS_CURRENT finds.
SUBMITTED = "{r}.undone_at IS NULL"
IS_LATEST = NEWEST_ALIVE.format(r="r", alive=SUBMITTED.format(r="r"), alive2=SUBMITTED.format(r="r2"))
# A month is reported (reminders, late units) when a row of it is neither undone nor returned: awaiting review is
# reported. Just before :at: created before it, not undone by then, not returned by then.
REPORTED = "{r}.undone_at IS NULL AND {r}.held IS DISTINCT FROM 'returned'"
REPORTED_AT = (
    "julianday({r}.created_at) < julianday(:at)"
    " AND ({r}.undone_at IS NULL OR julianday({r}.undone_at) >= julianday(:at))"
    " AND ({r}.held IS DISTINCT FROM 'returned' OR julianday({r}.reviewed_at) >= julianday(:at))"
)
INSERT_REPORT = (
    "INSERT INTO reports (unit_id, indicator, period, value, cumulative, reporter_id, chat_id, message_id,"
    " source_text, created_at, replaces_id, held) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
MARK_SUPERSEDED = "UPDATE reports SET superseded_by = ?, superseded_at = ? WHERE id = ?"
MARK_UNDONE = "UPDATE reports SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL"
REPORT_BY_ID = f"SELECT {REPORT_COLUMNS} {FROM_REPORTS} WHERE r.id = ?"
LATEST_FOR_KEY = (
    f"SELECT {REPORT_COLUMNS} {FROM_REPORTS} WHERE r.indicator = ? AND r.unit_id = ? AND r.period = ? AND {IS_LATEST}"
)
IS_REPORTED = (
    "SELECT EXISTS (SELECT 1 FROM reports r WHERE r.indicator = ? AND r.unit_id = ? AND r.period = ?"
    f" AND {REPORTED.format(r='r')})"
)
BY_MESSAGE = f"SELECT {REPORT_COLUMNS} {FROM_REPORTS} WHERE r.chat_id = ? AND r.message_id = ? ORDER BY r.id"
LATEST_ACTIVE_BY_REPORTER = (
    f"SELECT {REPORT_COLUMNS} {FROM_REPORTS} WHERE r.reporter_id = ? AND r.undone_at IS NULL ORDER BY r.id DESC LIMIT 1"
)
RECENT_BY_UNIT = f"SELECT {REPORT_COLUMNS} {FROM_REPORTS} WHERE r.unit_id = ? ORDER BY r.id DESC LIMIT ?"

INSERT_PROCESSED = "INSERT INTO processed_updates (key, processed_at) VALUES (?, ?) ON CONFLICT DO NOTHING"
IS_PROCESSED = "SELECT 1 FROM processed_updates WHERE key = ?"
PRUNE_PROCESSED = "DELETE FROM processed_updates WHERE julianday(processed_at) < julianday(?)"

INSERT_PENDING = "INSERT INTO pending_reports (token, user_id, payload, created_at) VALUES (?, ?, ?, ?)"
PENDING_BY_TOKEN = "SELECT token, user_id, payload, created_at, resolved_at FROM pending_reports WHERE token = ?"
RESOLVE_PENDING = "UPDATE pending_reports SET resolved_at = ? WHERE token = ? AND resolved_at IS NULL"


def instant_text(instant: dt.datetime) -> str:
    """An aware instant for :at, as julianday() reads it (to the millisecond, like the stored times)."""
    return instant.isoformat(timespec="microseconds")


async def _rows(conn: Connection, sql: str, params: tuple) -> list[ReportRow]:
    rows = await conn.execute_fetchall(sql, params)
    return [ReportRow.from_row(row) for row in rows]


class ReportRepository:
    """A correction is a new row that marks the one it replaces; an undo marks its row."""

    async def add(
        self, conn: Connection, *, unit_id: int, indicator: int, period: str, value: float, cumulative: bool,
        reporter_id: int, chat_id: int | None, message_id: int | None, source_text: str, now: dt.datetime,
        held: str | None = None,
    ) -> tuple[int, ReportRow | None]:
        """Insert a figure (held back for review when `held`); returns its id and the latest row it replaced, if any."""
        previous = await self.latest(conn, unit_id, indicator, period)
        (inserted,) = await conn.execute_fetchall(
            INSERT_REPORT,
            (unit_id, indicator, period, value, int(cumulative), reporter_id, chat_id, message_id, source_text,
             now.isoformat(), previous.id if previous else None, held),
        )
        report_id = inserted[0]
        if previous is not None:
            await conn.execute(MARK_SUPERSEDED, (report_id, now.isoformat(), previous.id))
        return report_id, previous

    async def undo(self, conn: Connection, report_id: int, by: int, now: dt.datetime) -> bool:
        cursor = await conn.execute(MARK_UNDONE, (now.isoformat(), by, report_id))
        return cursor.rowcount == 1

    async def by_id(self, conn: Connection, report_id: int) -> ReportRow | None:
        found = await _rows(conn, REPORT_BY_ID, (report_id,))
        return found[0] if found else None

    async def latest(self, conn: Connection, unit_id: int, indicator: int, period: str) -> ReportRow | None:
        """The key's latest submission (IS_LATEST): with approval off, the row that counts."""
        found = await _rows(conn, LATEST_FOR_KEY, (indicator, unit_id, period))
        return found[0] if found else None

    async def reported(self, conn: Connection, unit_id: int, indicator: int, period: str) -> bool:
        """Whether the month has a report neither undone nor returned (one awaiting review is reported)."""
        row = await fetch_one(conn, IS_REPORTED, (indicator, unit_id, period))
        return bool(row and row[0])

    async def by_message(self, conn: Connection, chat_id: int, message_id: int) -> list[ReportRow]:
        return await _rows(conn, BY_MESSAGE, (chat_id, message_id))

    async def latest_active_by(self, conn: Connection, reporter_id: int) -> ReportRow | None:
        found = await _rows(conn, LATEST_ACTIVE_BY_REPORTER, (reporter_id,))
        return found[0] if found else None

    async def recent_for_unit(self, conn: Connection, unit_id: int, limit: int = 10) -> list[ReportRow]:
        return await _rows(conn, RECENT_BY_UNIT, (unit_id, limit))


class ProcessedUpdates:
    """Keys of updates and messages already acted on, so a redelivery stores nothing twice."""

    async def seen(self, conn: Connection, key: str) -> bool:
        return await fetch_one(conn, IS_PROCESSED, (key,)) is not None

    async def mark(self, conn: Connection, key: str, now: dt.datetime) -> bool:
        cursor = await conn.execute(INSERT_PROCESSED, (key, now.isoformat()))
        return cursor.rowcount == 1

    async def prune(self, conn: Connection, before: dt.datetime) -> int:
        """Keys older than any redelivery: the table stays as large as the last weeks of messages."""
        cursor = await conn.execute(PRUNE_PROCESSED, (before.isoformat(),))
        return cursor.rowcount


class PendingReports:
    """Reports far out of line, parked until their sender confirms them."""

    async def add(self, conn: Connection, token: str, user_id: int, payload: str, now: dt.datetime) -> None:
        await conn.execute(INSERT_PENDING, (token, user_id, payload, now.isoformat()))

    async def get(self, conn: Connection, token: str) -> tuple[int, str, bool] | None:
        """(user id, payload, already resolved) or None."""
        row = await fetch_one(conn, PENDING_BY_TOKEN, (token,))
        return (row["user_id"], row["payload"], row["resolved_at"] is not None) if row else None

    async def resolve(self, conn: Connection, token: str, now: dt.datetime) -> bool:
        cursor = await conn.execute(RESOLVE_PENDING, (now.isoformat(), token))
        return cursor.rowcount == 1
