"""Crafted rows in the project's real schema, at the exact times a test names: the summaries' SQL on known data."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.migrations import MIGRATIONS
from storage.reports import IS_CURRENT
from storage.unit_figures import INDICATOR_NOW, UnitFigure

ZONE = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 1, 1, tzinfo=ZONE)
CURRENT_ID = f"SELECT r.id FROM reports r WHERE r.indicator = ? AND r.unit_id = ? AND r.period = ? AND {IS_CURRENT}"
INSERT_REPORT = (
    "INSERT INTO reports (unit_id, indicator, period, value, cumulative, reporter_id, source_text, created_at,"
    " replaces_id) VALUES (?, ?, ?, ?, ?, 0, '', ?, ?)"
)


def schema(path: Path | str = ":memory:") -> sqlite3.Connection:
    """A connection to a file (or memory) holding every migration's tables and indexes."""
    conn = sqlite3.connect(path, isolation_level=None)
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'reports'").fetchone():
        for migration in MIGRATIONS:
            for statement in migration.statements:
                conn.execute(statement)
    return conn


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=ZONE)


class Rows:
    """Units, liaisons and reports written as the services write them; each call commits on its own."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def unit(self, unit: int) -> None:
        self.conn.execute("INSERT OR IGNORE INTO units (id, name, created_at) VALUES (?, ?, ?)",
                          (unit, f"单位{unit}", T0.isoformat()))

    def report(self, unit: int, indicator: int, period: str, value: float, created: dt.datetime = T0,
               cumulative: bool = False) -> int:
        """A figure stored at `created`; it replaces the key's current row, as a correction does."""
        self.unit(unit)
        previous = self.conn.execute(CURRENT_ID, (indicator, unit, period)).fetchone()
        cursor = self.conn.execute(INSERT_REPORT, (unit, indicator, period, value, int(cumulative), created.isoformat(),
                                                   previous[0] if previous else None))
        assert cursor.lastrowid is not None  # set by the INSERT
        return cursor.lastrowid

    def undo(self, report_id: int, when: dt.datetime) -> None:
        self.conn.execute("UPDATE reports SET undone_at = ?, undone_by = 0 WHERE id = ?", (when.isoformat(), report_id))

    def liaison(self, liaison: int, unit: int, indicators: tuple[int, ...], name: str = "", username: str | None = None,
                joined: dt.datetime = T0, revoked: dt.datetime | None = None) -> None:
        self.unit(unit)
        self.conn.execute("INSERT INTO liaisons (id, user_id, unit_id, name, username, chat_id, joined_at, revoked_at)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (liaison, 1000 + liaison, unit, name, username,
                                                               1000 + liaison, joined.isoformat(),
                                                               revoked.isoformat() if revoked else None))
        self.conn.executemany("INSERT INTO liaison_indicators (liaison_id, indicator) VALUES (?, ?)",
                              [(liaison, n) for n in indicators])

    def reduced(self, indicator: int) -> tuple[UnitFigure, ...]:
        """Each unit's figures of the indicator as the bot reduces them now (by unit id)."""
        return tuple(UnitFigure.from_row(row) for row in self.conn.execute(INDICATOR_NOW, {"indicator": indicator}))
