"""The current figure of every (unit, period) per indicator, kept in memory: progress is computed on every report.

Our own writes update it; a commit by any other connection (PRAGMA data_version changes) drops it all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from aiosqlite import Connection

from storage.db import fetch_one
from storage.reports import ReportRepository

FigureRow = tuple[int, str, str, float, int]  # unit id, unit name, period key, value, cumulative
DATA_VERSION = "PRAGMA data_version"
T = TypeVar("T")


class CurrentFigures(Generic[T]):
    """A read-through cache of ReportRepository.current_figures, holding each row as `convert` made it."""

    def __init__(self, reports: ReportRepository, convert: Callable[[FigureRow], T]) -> None:
        self.reports = reports
        self.convert = convert
        self._by_indicator: dict[int, dict[tuple[int, str], T]] = {}
        self._version: int | None = None

    async def rows(self, conn: Connection, indicator: int) -> list[T]:
        version = (await fetch_one(conn, DATA_VERSION))[0]  # type: ignore[index]
        if version != self._version:
            self._by_indicator.clear()
            self._version = version
        cached = self._by_indicator.get(indicator)
        if cached is None:
            rows = await self.reports.current_figures(conn, indicator)
            cached = {(row[0], row[2]): self.convert(row) for row in rows}
            self._by_indicator[indicator] = cached
        return list(cached.values())

    def stored(self, indicator: int, unit_id: int, unit_name: str, period: str, value: float, cumulative: bool) -> None:
        """A new current row that we committed ourselves."""
        cached = self._by_indicator.get(indicator)
        if cached is not None:
            cached[(unit_id, period)] = self.convert((unit_id, unit_name, period, value, int(cumulative)))

    def forget(self, indicator: int) -> None:
        """An undo: the row that counts again is only known to the database."""
        self._by_indicator.pop(indicator, None)
