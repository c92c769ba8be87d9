"""The current figure of every (unit, period) per indicator, kept in memory: progress is computed on every report.

Our own writes update it; a commit by any other connection (PRAGMA data_version changes) drops it all.
"""

from __future__ import annotations

from aiosqlite import Connection

from storage.db import fetch_one
from storage.reports import ReportRepository

FigureRow = tuple[int, str, str, float, int]  # unit id, unit name, period key, value, cumulative
DATA_VERSION = "PRAGMA data_version"


class CurrentFigures:
    """A read-through cache of ReportRepository.current_figures."""

    def __init__(self, reports: ReportRepository) -> None:
        self.reports = reports
        self._by_indicator: dict[int, dict[tuple[int, str], FigureRow]] = {}
        self._version: int | None = None

    async def rows(self, conn: Connection, indicator: int) -> list[FigureRow]:
        version = (await fetch_one(conn, DATA_VERSION))[0]  # type: ignore[index]
        if version != self._version:
            self._by_indicator.clear()
            self._version = version
        cached = self._by_indicator.get(indicator)
        if cached is None:
            rows = await self.reports.current_figures(conn, indicator)
            cached = {(row[0], row[2]): row for row in rows}
            self._by_indicator[indicator] = cached
        return list(cached.values())

    def stored(self, indicator: int, unit_id: int, unit_name: str, period: str, value: float, cumulative: bool) -> None:
        """A new current row that we committed ourselves."""
        cached = self._by_indicator.get(indicator)
        if cached is not None:
            cached[(unit_id, period)] = (unit_id, unit_name, period, value, int(cumulative))

    def forget(self, indicator: int) -> None:
        """An undo: the row that counts again is only known to the database."""
        self._by_indicator.pop(indicator, None)
