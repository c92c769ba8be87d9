"""What the dashboard shows, as data: the indicator board, a unit's history, the completeness grid.

The page renders these (bot/web/views.py turns them into JSON); every figure in them comes from the rule of
reporting.effective through the same services /progress and /weekly use.
"""

from __future__ import annotations

import datetime as dt

from knowledge.models import Frozen
from reporting.periods import Period
from reporting.progress import IndicatorProgress

COMPLETE, AWAITING, PARTIAL, MISSING = "complete", "awaiting", "partial", "missing"  # a grid cell's state


class IndicatorCard(Frozen):
    """One indicator on the board: its standing, its table values, figures awaiting review, the chart."""

    progress: IndicatorProgress
    category: str
    values: dict[int, float]  # the table's year → value: the baseline year first, then the target years
    awaiting: int = 0
    chart_svg: str


class Board(Frozen):
    cards: tuple[IndicatorCard, ...]
    as_of: Period
    approval: bool
    awaiting: int


class UnitLine(Frozen):
    """A unit's figures of one indicator, reduced as the city figure uses them."""

    unit_id: int
    unit_name: str
    first: Period
    last: Period
    latest: float
    total: float
    cumulative: bool


class IndicatorDetail(Frozen):
    card: IndicatorCard
    units: tuple[UnitLine, ...]


class HistoryEntry(Frozen):
    """One stored row: what was reported, by whom and when, and what became of it (correction, undo, review)."""

    report_id: int
    period: Period
    value: float
    cumulative: bool
    reporter_id: int
    reporter: str
    reported_at: dt.datetime
    source_text: str
    replaces_id: int | None
    status: str  # reporting.effective: 有效 / 已更正 / 已撤销 / 待审核 / 已退回
    undone_at: dt.datetime | None = None
    undone_by: int | None = None
    reviewed_at: dt.datetime | None = None
    reviewed_by: int | None = None
    approved: bool = False
    review_note: str | None = None


class UnitHistory(Frozen):
    indicator: int
    name: str
    unit: str
    percent: bool
    unit_id: int
    unit_name: str
    entries: tuple[HistoryEntry, ...]


class GridCell(Frozen):
    period: Period
    assigned: int
    reported: int
    counted: int
    state: str  # COMPLETE, AWAITING (reported, some awaiting review), PARTIAL or MISSING
    late: bool  # not complete and its deadline (BOT_REMIND_DAY of the month after) has passed


class GridRow(Frozen):
    unit_id: int
    unit_name: str
    assigned: tuple[int, ...]
    cells: tuple[GridCell, ...]

    @property
    def late(self) -> bool:
        return any(cell.late for cell in self.cells)


class CompletenessGrid(Frozen):
    months: tuple[Period, ...]
    rows: tuple[GridRow, ...]
    deadline_day: int
