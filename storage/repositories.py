"""Units, invites and liaisons: SQL in constants, `?` parameters, rows mapped by from_row."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable

from aiosqlite import Connection

from storage.db import fetch_one
from storage.models import Invite, Liaison, Unit

UNIT_BY_NAME = "SELECT id, name FROM units WHERE name = ?"
UNIT_BY_ID = "SELECT id, name FROM units WHERE id = ?"
ALL_UNITS = "SELECT id, name FROM units ORDER BY id"
INSERT_UNIT = "INSERT INTO units (name, created_at) VALUES (?, ?) RETURNING id"

INVITE_COLUMNS = (
    "i.code, i.unit_id, u.name AS unit_name, i.indicators, i.created_by, i.created_at, i.expires_at,"
    " i.used_by, i.used_at, i.revoked_at"
)
INSERT_INVITE = (
    "INSERT INTO invites (code, unit_id, indicators, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)"
)
INVITE_BY_CODE = f"SELECT {INVITE_COLUMNS} FROM invites i JOIN units u ON u.id = i.unit_id WHERE i.code = ?"
OPEN_INVITES = (
    f"SELECT {INVITE_COLUMNS} FROM invites i JOIN units u ON u.id = i.unit_id"
    " WHERE i.used_by IS NULL AND i.revoked_at IS NULL ORDER BY i.created_at"
)
USE_INVITE = "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND used_by IS NULL AND revoked_at IS NULL"
REVOKE_INVITE = "UPDATE invites SET revoked_at = ? WHERE code = ? AND used_by IS NULL AND revoked_at IS NULL"
REVOKE_UNIT_INVITES = "UPDATE invites SET revoked_at = ? WHERE unit_id = ? AND used_by IS NULL AND revoked_at IS NULL"

LIAISON_COLUMNS = (
    "l.id, l.user_id, l.unit_id, u.name AS unit_name, l.name, l.username, l.chat_id, l.joined_at, l.revoked_at,"
    " (SELECT group_concat(li.indicator) FROM liaison_indicators li WHERE li.liaison_id = l.id) AS indicators"
)
ACTIVE_LIAISONS_OF_USER = (
    f"SELECT {LIAISON_COLUMNS} FROM liaisons l JOIN units u ON u.id = l.unit_id"
    " WHERE l.user_id = ? AND l.revoked_at IS NULL ORDER BY l.id"
)
ACTIVE_LIAISONS = (
    f"SELECT {LIAISON_COLUMNS} FROM liaisons l JOIN units u ON u.id = l.unit_id"
    " WHERE l.revoked_at IS NULL ORDER BY u.name, l.id"
)
EVERY_LIAISON = f"SELECT {LIAISON_COLUMNS} FROM liaisons l JOIN units u ON u.id = l.unit_id ORDER BY l.id"
INSERT_LIAISON = (
    "INSERT INTO liaisons (user_id, unit_id, name, username, chat_id, invite_code, joined_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
UPDATE_LIAISON_CONTACT = "UPDATE liaisons SET name = ?, username = ?, chat_id = ? WHERE id = ?"
REVOKE_LIAISON = "UPDATE liaisons SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL"
ADD_LIAISON_INDICATOR = "INSERT INTO liaison_indicators (liaison_id, indicator) VALUES (?, ?) ON CONFLICT DO NOTHING"


class UnitRepository:
    """Reporting units, created on first mention by an admin."""

    async def by_name(self, conn: Connection, name: str) -> Unit | None:
        row = await fetch_one(conn, UNIT_BY_NAME, (name,))
        return Unit.from_row(row) if row else None

    async def by_id(self, conn: Connection, unit_id: int) -> Unit | None:
        row = await fetch_one(conn, UNIT_BY_ID, (unit_id,))
        return Unit.from_row(row) if row else None

    async def all(self, conn: Connection) -> list[Unit]:
        rows = await conn.execute_fetchall(ALL_UNITS)
        return [Unit.from_row(row) for row in rows]

    async def get_or_create(self, conn: Connection, name: str, now: dt.datetime) -> Unit:
        unit = await self.by_name(conn, name)
        if unit is not None:
            return unit
        (inserted,) = await conn.execute_fetchall(INSERT_UNIT, (name, now.isoformat()))
        return Unit(id=inserted[0], name=name)


class InviteRepository:
    """Single-use invite codes; using one is a conditional UPDATE, so two redeemers cannot both win."""

    async def create(
        self, conn: Connection, code: str, unit: Unit, indicators: Iterable[int], created_by: int,
        now: dt.datetime, expires_at: dt.datetime,
    ) -> Invite:
        numbers = ",".join(str(n) for n in indicators)
        await conn.execute(INSERT_INVITE, (code, unit.id, numbers, created_by, now.isoformat(), expires_at.isoformat()))
        invite = await self.by_code(conn, code)
        assert invite is not None  # inserted just above, in this transaction
        return invite

    async def by_code(self, conn: Connection, code: str) -> Invite | None:
        row = await fetch_one(conn, INVITE_BY_CODE, (code,))
        return Invite.from_row(row) if row else None

    async def open(self, conn: Connection) -> list[Invite]:
        rows = await conn.execute_fetchall(OPEN_INVITES)
        return [Invite.from_row(row) for row in rows]

    async def mark_used(self, conn: Connection, code: str, user_id: int, now: dt.datetime) -> bool:
        cursor = await conn.execute(USE_INVITE, (user_id, now.isoformat(), code))
        return cursor.rowcount == 1

    async def revoke(self, conn: Connection, code: str, now: dt.datetime) -> bool:
        cursor = await conn.execute(REVOKE_INVITE, (now.isoformat(), code))
        return cursor.rowcount == 1

    async def revoke_for_unit(self, conn: Connection, unit_id: int, now: dt.datetime) -> int:
        """Every unused invite of the unit: revoking a unit's liaison must not leave a way back in."""
        cursor = await conn.execute(REVOKE_UNIT_INVITES, (now.isoformat(), unit_id))
        return cursor.rowcount


class LiaisonRepository:
    """Who reports for which unit; revoking marks the row, it is never deleted."""

    @staticmethod
    def _from_rows(rows: Iterable) -> list[Liaison]:
        return [Liaison.from_row(row, tuple(sorted(int(n) for n in (row["indicators"] or "").split(",") if n)))
                for row in rows]

    async def active_for_user(self, conn: Connection, user_id: int) -> list[Liaison]:
        return self._from_rows(await conn.execute_fetchall(ACTIVE_LIAISONS_OF_USER, (user_id,)))

    async def active(self, conn: Connection) -> list[Liaison]:
        return self._from_rows(await conn.execute_fetchall(ACTIVE_LIAISONS))

    async def join(
        self, conn: Connection, user_id: int, unit: Unit, indicators: Iterable[int], name: str,
        username: str | None, chat_id: int | None, invite_code: str | None, now: dt.datetime,
    ) -> Liaison:
        """Make the user a liaison of the unit, or add the indicators if they already are one."""
        existing = next((x for x in await self.active_for_user(conn, user_id) if x.unit_id == unit.id), None)
        if existing is None:
            (inserted,) = await conn.execute_fetchall(
                INSERT_LIAISON, (user_id, unit.id, name, username, chat_id, invite_code, now.isoformat())
            )
            liaison_id = inserted[0]
        else:
            liaison_id = existing.id
            await conn.execute(UPDATE_LIAISON_CONTACT, (name, username, chat_id, liaison_id))
        await conn.executemany(ADD_LIAISON_INDICATOR, [(liaison_id, n) for n in indicators])
        joined = [x for x in await self.active_for_user(conn, user_id) if x.id == liaison_id]
        return joined[0]

    async def revoke(self, conn: Connection, liaison_id: int, by: int, now: dt.datetime) -> bool:
        cursor = await conn.execute(REVOKE_LIAISON, (now.isoformat(), by, liaison_id))
        return cursor.rowcount == 1


def load_people(conn: sqlite3.Connection) -> tuple[list[Liaison], list[Unit]]:
    """Every liaison (active and revoked) and every unit in one hop: a few hundred rows, cached by the service."""
    liaisons = LiaisonRepository._from_rows(conn.execute(EVERY_LIAISON).fetchall())  # private, same module
    return liaisons, [Unit.from_row(row) for row in conn.execute(ALL_UNITS).fetchall()]
