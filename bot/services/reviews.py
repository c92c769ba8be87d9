"""Approval (BOT_APPROVAL=on): admins approve or return figures held for review; admin rights are checked here.

Telegram buttons and the dashboard both call these methods, so a decision means the same wherever it is made:
one transaction (storage/reviews.py), stamped with who and when, and the liaison told by the caller.
"""

from __future__ import annotations

import sqlite3
from functools import partial

from bot.services.directory import People
from bot.services.actors import Actor
from bot.services.reports import ReportServices
from errors import Conflict, InputError, NotFound, PermissionDenied
from reporting.periods import Period
from reporting.review_outcomes import Decision, HeldFigure, ReviewQueue
from storage.models import ReportRow
from storage.reports import HELD_PENDING, HELD_RETURNED
from storage.reviews import Verdict, awaiting_by_indicator, counted_value, decide, queue, rows_by_ids, standing

ADMINS_ONLY = "只有管理员可以审核数据。"
REASON_LIMIT = 200
REASON_EXAMPLE = "数值与台账不符，请核对后重报"
QUEUE_LIMIT = 200


class ReviewService:
    """The approval queue and the decisions on it, over the report service's database, directory and catalog."""

    def __init__(self, reports: ReportServices) -> None:
        self.reports = reports
        self.db = reports.db

    @property
    def enabled(self) -> bool:
        return self.reports.approval

    def require_admin(self, actor: Actor) -> None:
        if not self.reports.roles.is_admin(actor.user_id):
            raise PermissionDenied(ADMINS_ONLY)

    async def queue(self, actor: Actor, limit: int = QUEUE_LIMIT) -> ReviewQueue:
        """The oldest figures awaiting review (each its month's latest word), for an admin."""
        self.require_admin(actor)
        people = await self.reports.directory.get()
        figures, total = await self.db.run(lambda conn: self._queue(conn, people, limit))
        return ReviewQueue(items=figures, total=total)

    async def held(self, report_ids: tuple[int, ...]) -> tuple[HeldFigure, ...]:
        """The figures among `report_ids` still awaiting review (what the bot announces to admins)."""
        people = await self.reports.directory.get()

        def read(conn: sqlite3.Connection) -> tuple[HeldFigure, ...]:
            rows = [r for r in rows_by_ids(conn, list(report_ids)) if r.held == HELD_PENDING and r.undone_at is None]
            return tuple(self._figure(conn, row, people) for row in rows)

        return await self.db.run(read)

    async def awaiting(self) -> dict[int, int]:
        """Indicator → figures awaiting review (none when approval is off and nothing was left held)."""
        return await self.db.run(awaiting_by_indicator)

    async def require_pending(self, actor: Actor, report_id: int) -> None:
        """Before asking an admin for a reason: the figure can still be decided (else why not, in Chinese)."""
        self.require_admin(actor)
        verdict, row = await self.db.run(lambda conn: standing(conn, report_id))
        if verdict is not Verdict.DONE:
            raise _refusal(verdict, report_id, row)

    async def approve(self, actor: Actor, report_id: int) -> Decision:
        """The figure counts from now on; its liaison is to be told (Decision.notify_chat_id)."""
        return await self._decide(actor, report_id, True, None)

    async def return_figure(self, actor: Actor, report_id: int, reason: str) -> Decision:
        """The figure will not count; the liaison is told why and may send a corrected one."""
        self.require_admin(actor)
        reason = " ".join((reason or "").split())
        if not reason:
            raise InputError("请写明退回原因，联络员会收到这条说明。", REASON_EXAMPLE)
        if len(reason) > REASON_LIMIT:
            raise InputError(f"退回原因最多 {REASON_LIMIT} 个字（现在 {len(reason)} 个），请精简后再发。",
                             REASON_EXAMPLE)
        return await self._decide(actor, report_id, False, reason)

    async def _decide(self, actor: Actor, report_id: int, approve: bool, reason: str | None) -> Decision:
        self.require_admin(actor)
        now = self.reports.clock.now()
        verdict, row = await self.db.write(partial(decide, report_id=report_id, approve=approve, by=actor.user_id,
                                                   now=now.isoformat(), note=reason))
        if verdict is not Verdict.DONE or row is None:
            raise _refusal(verdict, report_id, row)
        people = await self.reports.directory.get()
        figure = await self.db.run(lambda conn: self._figure(conn, row, people))
        progress = (await self.reports.progress.city_progress({row.indicator}))[row.indicator]
        return Decision(figure=figure, approved=approve, reason=reason, reviewer_id=actor.user_id,
                        reviewer=actor.name or str(actor.user_id), decided_at=now, progress=progress,
                        notify_chat_id=row.reporter_id)

    def _queue(self, conn: sqlite3.Connection, people: People, limit: int) -> tuple[tuple[HeldFigure, ...], int]:
        rows, total = queue(conn, limit)
        return tuple(self._figure(conn, row, people) for row in rows), total

    def _figure(self, conn: sqlite3.Connection, row: ReportRow, people: People) -> HeldFigure:
        indicator = self.reports.catalog.indicators.get(row.indicator)
        return HeldFigure(
            report_id=row.id, unit_id=row.unit_id, unit_name=row.unit_name, indicator=row.indicator,
            name=indicator.name if indicator else f"指标{row.indicator}", unit=indicator.unit if indicator else "",
            percent=indicator.percent if indicator else False, period=Period.parse_key(row.period), value=row.value,
            cumulative=row.cumulative, reporter_id=row.reporter_id, reporter=reporter_name(people, row.reporter_id),
            reported_at=row.created_at, source_text=row.source_text, replaces_id=row.replaces_id,
            counted_value=counted_value(conn, row))


def reporter_name(people: People, user_id: int) -> str:
    """The liaison's name (or @username) as the directory knows them, else their user id."""
    for liaison in [*people.active.get(user_id, ()), *people.revoked.get(user_id, ())]:
        if liaison.name or liaison.username:
            return liaison.name or f"@{liaison.username}"
    return str(user_id)


def _refusal(verdict: Verdict, report_id: int, row: ReportRow | None) -> Exception:
    """Why a decision could not be made, in Chinese."""
    if verdict is Verdict.MISSING or row is None:
        return NotFound(f"没有编号为 {report_id} 的数据。")
    if verdict is Verdict.UNDONE:
        return Conflict(f"#{report_id} 已被报送人撤销，无需审核。")
    if verdict is Verdict.SUPERSEDED:
        return Conflict(f"#{report_id} 已被同一单位同一月份的新数据更正，请审核最新的那条。")
    if verdict is Verdict.NOT_HELD:
        return Conflict(f"#{report_id} 保存时已直接计入，不需要审核。")
    what = "退回" if row.held == HELD_RETURNED else "审核通过"
    when = f"{row.reviewed_at:%m月%d日 %H:%M}" if row.reviewed_at else ""
    return Conflict(f"#{report_id} 已经{what}（{when}），不能再次审核。")
