"""/undo and the undo button: a sender takes back figures; the rows stay, marked, and earlier figures count again."""

from __future__ import annotations

from bot.services.actors import Actor, MessageRef
from bot.services.clock import ZonedClock
from bot.services.liaisons import ALREADY_HANDLED, command_key
from bot.services.progress import ProgressQueries
from bot.services.receipts import Receipts
from bot.services.roles import Roles
from errors import NotFound, PermissionDenied, ReportInputError
from reporting.outcomes import Notice, UndoReceipt
from storage.db import Database
from storage.models import ReportRow
from storage.reports import ProcessedUpdates, ReportRepository


class ReportUndo:
    """Only the sender's own unit and indicators (or an admin), only the figure that counts, each command once."""

    def __init__(self, db: Database, roles: Roles, receipts: Receipts, progress: ProgressQueries,
                 clock: ZonedClock) -> None:
        self.db = db
        self.roles = roles
        self.receipts = receipts
        self.progress = progress
        self.clock = clock
        self.reports = ReportRepository()
        self.processed = ProcessedUpdates()

    async def last(self, actor: Actor, command: MessageRef | None = None) -> UndoReceipt | Notice:
        """`/undo`: the sender's latest message's figures; `command` delivered again is answered, not applied twice."""
        return await self._undo(actor, None, command)

    async def given(self, actor: Actor, report_ids: tuple[int, ...]) -> UndoReceipt | Notice:
        """The undo button under a receipt: exactly the figures it stored."""
        return await self._undo(actor, report_ids, None)

    async def _undo(self, actor: Actor, report_ids: tuple[int, ...] | None,
                    command: MessageRef | None) -> UndoReceipt | Notice:
        key = command_key(command) if command is not None else None
        async with self.db.reading() as conn:
            if key is not None and await self.processed.seen(conn, key):
                return Notice(text=ALREADY_HANDLED)
            if report_ids:
                rows = [r for r in [await self.reports.by_id(conn, i) for i in report_ids] if r is not None]
            else:
                latest = await self.reports.latest_active_by(conn, actor.user_id)
                rows = [latest] if latest else []
                if latest and latest.chat_id is not None and latest.message_id is not None:
                    rows = [r for r in await self.reports.by_message(conn, latest.chat_id, latest.message_id)
                            if r.active and r.reporter_id == actor.user_id
                            and await self._is_latest(conn, r)]  # an edited message holds its replaced first figures
        if not rows:
            raise NotFound("没有可以撤销的数据。", "济南工匠 12")
        liaisons = await self.roles.liaisons_of(actor.user_id)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if key is not None and not await self.processed.mark(conn, key, now):
                return Notice(text=ALREADY_HANDLED)
            for row in rows:
                mine = any(x.unit_id == row.unit_id and row.indicator in x.indicators for x in liaisons)
                if not (mine or self.roles.is_admin(actor.user_id)):  # a revoked liaison's rows are theirs no more
                    raise PermissionDenied("只能撤销本单位、由您负责的指标的数据。")
                if not row.active:
                    raise NotFound("这条数据已经撤销过了。")
                latest = await self.reports.latest(conn, row.unit_id, row.indicator, row.period)
                if latest is None or latest.id != row.id:
                    raise ReportInputError("这条数据已被后来的上报更正，不能再撤销；如需撤销，请撤销更正后的那条。",
                                           "/undo")
                await self.reports.undo(conn, row.id, actor.user_id, now)
        progress = await self.progress.progress_map({r.indicator for r in rows})
        return UndoReceipt(items=tuple([await self.receipts.undone_item(r, progress[r.indicator]) for r in rows]))

    async def _is_latest(self, conn, row: ReportRow) -> bool:
        latest = await self.reports.latest(conn, row.unit_id, row.indicator, row.period)
        return latest is not None and latest.id == row.id
