"""Rows as frozen models, so the service never handles raw sqlite3.Row objects."""

from __future__ import annotations

import datetime as dt
import sqlite3

from knowledge.models import Frozen


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


class Unit(Frozen):
    """A reporting unit: a department, district or enterprise."""

    id: int
    name: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Unit:
        return cls(id=row["id"], name=row["name"])


class Invite(Frozen):
    """A single-use code that makes its redeemer the liaison of a unit for some indicators."""

    code: str
    unit_id: int
    unit_name: str
    indicators: tuple[int, ...]
    created_by: int
    created_at: dt.datetime
    expires_at: dt.datetime
    used_by: int | None = None
    used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Invite:
        return cls(
            code=row["code"],
            unit_id=row["unit_id"],
            unit_name=row["unit_name"],
            indicators=tuple(int(n) for n in row["indicators"].split(",") if n),
            created_by=row["created_by"],
            created_at=_time(row["created_at"]),
            expires_at=_time(row["expires_at"]),
            used_by=row["used_by"],
            used_at=_time(row["used_at"]),
            revoked_at=_time(row["revoked_at"]),
        )


class Liaison(Frozen):
    """A Telegram user acting for one unit, with the indicators assigned to them."""

    id: int
    user_id: int
    unit_id: int
    unit_name: str
    name: str
    username: str | None
    chat_id: int | None
    joined_at: dt.datetime
    revoked_at: dt.datetime | None = None
    indicators: tuple[int, ...] = ()

    @classmethod
    def from_row(cls, row: sqlite3.Row, indicators: tuple[int, ...] = ()) -> Liaison:
        return cls(
            id=row["id"],
            user_id=row["user_id"],
            unit_id=row["unit_id"],
            unit_name=row["unit_name"],
            name=row["name"],
            username=row["username"],
            chat_id=row["chat_id"],
            joined_at=_time(row["joined_at"]),
            revoked_at=_time(row["revoked_at"]),
            indicators=indicators,
        )


class ReportRow(Frozen):
    """One stored figure; rows are only ever marked (superseded, undone), never deleted."""

    id: int
    unit_id: int
    unit_name: str
    indicator: int
    period: str
    value: float
    cumulative: bool
    reporter_id: int
    chat_id: int | None
    message_id: int | None
    source_text: str
    created_at: dt.datetime
    replaces_id: int | None = None
    superseded_by: int | None = None
    undone_at: dt.datetime | None = None
    undone_by: int | None = None
    held: str | None = None  # 'pending' (待审核) or 'returned' (已退回); None: counts (approved, or never held)
    reviewed_at: dt.datetime | None = None
    reviewed_by: int | None = None
    review_note: str | None = None  # why it was returned

    @property
    def active(self) -> bool:
        return self.undone_at is None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ReportRow:
        return cls(
            id=row["id"],
            unit_id=row["unit_id"],
            unit_name=row["unit_name"],
            indicator=row["indicator"],
            period=row["period"],
            value=row["value"],
            cumulative=bool(row["cumulative"]),
            reporter_id=row["reporter_id"],
            chat_id=row["chat_id"],
            message_id=row["message_id"],
            source_text=row["source_text"],
            created_at=_time(row["created_at"]),
            replaces_id=row["replaces_id"],
            superseded_by=row["superseded_by"],
            undone_at=_time(row["undone_at"]),
            undone_by=row["undone_by"],
            held=row["held"],
            reviewed_at=_time(row["reviewed_at"]),
            reviewed_by=row["reviewed_by"],
            review_note=row["review_note"],
        )
