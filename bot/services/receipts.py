"""What a sender is told once a report transaction committed: the figures, the city's progress, what was undone."""

from __future__ import annotations

from bot.services.actors import MessageRef
from bot.services.progress import ProgressQueries
from reporting.catalog import IndicatorCatalog
from reporting.drafts import ReportItem
from reporting.outcomes import Notice, ReportReceipt, StoredItem, UndoneItem
from reporting.periods import Period
from reporting.progress import IndicatorProgress
from storage.db import Database
from storage.models import ReportRow, Unit
from storage.report_writes import CurrentFigure, DroppedFigure, StoreResult
from storage.reports import ReportRepository
from storage.unit_figures import Units

Assignment = tuple[Unit, ReportItem]
ALREADY_DONE = "这条消息已经处理过了。"


class Receipts:
    """Receipts and undo notes from what the transaction returned; progress from the cached unit figures."""

    def __init__(self, db: Database, catalog: IndicatorCatalog, progress: ProgressQueries) -> None:
        self.db = db
        self.catalog = catalog
        self.progress = progress
        self.reports = ReportRepository()

    async def receipt(self, result: StoreResult, assignments: list[Assignment], message: MessageRef | None,
                      edit: bool, units: dict[int, Units] | None = None, held: bool = False) -> ReportReceipt | Notice:
        """What the sender is told once the transaction committed: figures, progress, what an edit undid.

        `units`: the rows read right after the commit, in the write's hop; an indicator they lack costs a hop.
        `held`: the figures await an admin's review (BOT_APPROVAL), so the progress does not count them yet.
        """
        if result.duplicate:
            return await self.replay(message) if message is not None else Notice(text=ALREADY_DONE)
        numbers = {i.indicator for _, i in assignments} | {r.indicator for r in result.dropped}
        progress = await self.progress.progress_map(numbers, units)
        items = tuple(self._stored_item(report_id, unit, item, previous, progress[item.indicator], held)
                      for (report_id, previous), (unit, item) in zip(result.stored, assignments, strict=True))
        undone = tuple(self._dropped_item(row, progress[row.indicator]) for row in result.dropped)
        return ReportReceipt(items=items, undone=undone, edited=edit)

    def _stored_item(self, report_id: int, unit: Unit, item: ReportItem, previous: CurrentFigure | None,
                     progress: IndicatorProgress, held: bool = False) -> StoredItem:
        indicator = self.catalog.indicators[item.indicator]
        return StoredItem(
            report_id=report_id, unit_name=unit.name, indicator=item.indicator, name=indicator.name,
            unit=indicator.unit, percent=indicator.percent, period=item.period, value=item.value,
            cumulative=item.cumulative, replaced_value=previous.value if previous else None,
            replaced_cumulative=previous.cumulative if previous else False, progress=progress, held=held)

    def _dropped_item(self, row: DroppedFigure, progress: IndicatorProgress) -> UndoneItem:
        indicator = self.catalog.indicators[row.indicator]
        return UndoneItem(report_id=row.id, unit_name=row.unit_name, indicator=row.indicator, name=indicator.name,
                          unit=indicator.unit, percent=indicator.percent, period=Period.parse_key(row.period),
                          value=row.value, restored_value=row.restored, progress=progress)

    async def undone_item(self, row: ReportRow, progress: IndicatorProgress) -> UndoneItem:
        """A figure /undo took back, and the earlier figure of its month that counts again (one read)."""
        indicator = self.catalog.indicators[row.indicator]
        async with self.db.reading() as conn:
            restored = await self.reports.latest(conn, row.unit_id, row.indicator, row.period)
        return UndoneItem(report_id=row.id, unit_name=row.unit_name, indicator=row.indicator, name=indicator.name,
                          unit=indicator.unit, percent=indicator.percent, period=Period.parse_key(row.period),
                          value=row.value, restored_value=restored.value if restored else None, progress=progress)

    async def replay(self, message: MessageRef) -> ReportReceipt | Notice:
        """A redelivered message: the receipt of what it stored, nothing stored again."""
        async with self.db.reading() as conn:
            rows = [r for r in await self.reports.by_message(conn, message.chat_id, message.message_id) if r.active]
        if not rows:
            return Notice(text=ALREADY_DONE)
        progress = await self.progress.progress_map({r.indicator for r in rows})
        items = tuple(self._stored_item(r.id, Unit(id=r.unit_id, name=r.unit_name), _item_of(r), None,
                                        progress[r.indicator], r.held is not None) for r in rows)
        return ReportReceipt(items=items, duplicate=True)


def _item_of(row: ReportRow) -> ReportItem:
    return ReportItem(indicator=row.indicator, value=row.value, typed="", period=Period.parse_key(row.period),
                      cumulative=row.cumulative)
