"""The admins' dashboard: the indicator board, drill-downs and the completeness grid; admin rights checked here.

Telegram-free: the web API (bot/web/api.py) calls it with the Actor its verified init data names. Figures come
from the report service's cached unit rows (the rule of reporting.effective), as /progress and /weekly do.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from bot.services.actors import Actor, require_private
from bot.services.reports import ReportServices
from bot.services.reviews import ReviewService, reporter_name
from errors import InputError, NotFound, PermissionDenied
from knowledge.models import Indicator
from reporting.board import (
    AWAITING, COMPLETE, MISSING, PARTIAL, Board, CompletenessGrid, GridCell, GridRow, HistoryEntry, IndicatorCard,
    IndicatorDetail, UnitHistory, UnitLine,
)
from reporting.effective import status
from reporting.periods import Period, last_month
from reporting.progress import IndicatorProgress
from reporting.trajectory_svg import trajectory_svg
from storage.dashboard_queries import HistoryRow, MonthReported, assignments, months_reported, unit_history

ADMINS_ONLY = "只有管理员可以查看数据看板。"
NOT_CONFIGURED = ("数据看板还没有开启：请在服务器上设置 BOT_WEB_PORT 和 BOT_WEB_URL（Telegram 能打开的 https 地址），"
                  "然后重启机器人。详见 README“数据看板”一节。")
HISTORY_LIMIT = 1000
MAX_MONTHS = 24


class DashboardService:
    """Read-only views for admins over the figures that count, the figures awaiting review and who reported what."""

    def __init__(self, reports: ReportServices, reviews: ReviewService, remind_day: int,
                 web_url: str | None = None) -> None:
        self.reports = reports
        self.reviews = reviews
        self.remind_day = remind_day
        self.web_url = web_url

    def require_admin(self, actor: Actor) -> None:
        if not self.reports.roles.is_admin(actor.user_id):
            raise PermissionDenied(ADMINS_ONLY)

    def link(self, actor: Actor) -> str:
        """`/dashboard`: the page's address for an admin in a private chat (Telegram opens Web Apps only there)."""
        self.require_admin(actor)
        require_private(actor)
        if not self.web_url:
            raise NotFound(NOT_CONFIGURED)
        return self.web_url

    async def board(self, actor: Actor) -> Board:
        """Every indicator of the document with its city figure, targets, trajectory, status and waiting figures."""
        self.require_admin(actor)
        numbers = set(self.reports.catalog.indicators)
        progress = await self.reports.progress.city_progress(numbers)
        awaiting = await self.reviews.awaiting()
        cards = tuple(self._card(progress[n], awaiting.get(n, 0)) for n in sorted(numbers))
        return Board(cards=cards, as_of=max(c.progress.as_of for c in cards), approval=self.reviews.enabled,
                     awaiting=sum(awaiting.values()))

    async def indicator(self, actor: Actor, number: int) -> IndicatorDetail:
        """One indicator and each unit's reduced figures (the rows the city figure is made of)."""
        self.require_admin(actor)
        self._require_indicator(number)
        progress = (await self.reports.progress.city_progress({number}))[number]
        rows = (await self.reports.figures.now([number]))[number]
        names = {unit.id: unit.name for unit in (await self.reports.directory.get()).units.values()}
        units = tuple(UnitLine(unit_id=r.unit_id, unit_name=names.get(r.unit_id, f"单位{r.unit_id}"),
                               first=Period.parse_key(r.first), last=Period.parse_key(r.last), latest=r.latest,
                               total=r.total, cumulative=r.cumulative) for r in rows)
        awaiting = (await self.reviews.awaiting()).get(number, 0)
        return IndicatorDetail(card=self._card(progress, awaiting),
                               units=tuple(sorted(units, key=lambda u: u.unit_name)))

    async def unit_history(self, actor: Actor, number: int, unit_id: int) -> UnitHistory:
        """Every row a unit stored for an indicator: who, when, corrections, undos and reviews."""
        self.require_admin(actor)
        indicator = self._require_indicator(number)
        name, rows = await self.reports.db.run(lambda conn: unit_history(conn, number, unit_id, HISTORY_LIMIT))
        if name is None:
            raise NotFound(f"没有编号为 {unit_id} 的单位。")
        people = await self.reports.directory.get()
        return UnitHistory(indicator=number, name=indicator.name, unit=indicator.unit, percent=indicator.percent,
                           unit_id=unit_id, unit_name=name,
                           entries=tuple(_entry(row, reporter_name(people, row.reporter_id)) for row in rows))

    async def completeness(self, actor: Actor, months: int = 6) -> CompletenessGrid:
        """Units with assigned indicators × the last `months` months ending with the month just ended."""
        self.require_admin(actor)
        if not 1 <= months <= MAX_MONTHS:
            raise InputError(f"月份数应为 1 到 {MAX_MONTHS}。", "months=6")
        today = self.reports.clock.today()
        last = last_month(today)
        periods = tuple(last.shift(-k) for k in range(months - 1, -1, -1))

        def read(conn: sqlite3.Connection) -> tuple[list[tuple[int, str, int]], list[MonthReported]]:
            return assignments(conn), months_reported(conn, periods[0].key, periods[-1].key)

        assigned, reported = await self.reports.db.run(read)
        units: dict[int, tuple[str, list[int]]] = {}
        for unit_id, unit_name, number in assigned:
            units.setdefault(unit_id, (unit_name, []))[1].append(number)
        found = {(m.unit_id, m.period): m for m in reported}
        rows = []
        for unit_id, (unit_name, numbers) in units.items():
            cells = []
            for period in periods:
                month = found.get((unit_id, period.key))
                done, counted = (month.reported, month.counted) if month else (0, 0)
                cells.append(_cell(period, len(numbers), done, counted, self._deadline_passed(period, today)))
            rows.append(GridRow(unit_id=unit_id, unit_name=unit_name, assigned=tuple(numbers), cells=tuple(cells)))
        return CompletenessGrid(months=periods, rows=tuple(rows), deadline_day=self.remind_day)

    def _deadline_passed(self, period: Period, today: dt.date) -> bool:
        """A month is due by BOT_REMIND_DAY of the month after it (the day reminders go out)."""
        due = period.shift(1)
        return today > dt.date(due.year, due.month, self.remind_day)

    def _require_indicator(self, number: int) -> Indicator:
        indicator = self.reports.catalog.indicators.get(number)
        if indicator is None:
            raise NotFound(f"没有第 {number} 项指标（共 {len(self.reports.catalog.indicators)} 项）。")
        return indicator

    def _card(self, progress: IndicatorProgress, awaiting: int) -> IndicatorCard:
        indicator = self.reports.catalog.indicators[progress.number]
        return IndicatorCard(progress=progress, category=indicator.category, values=dict(indicator.values),
                             awaiting=awaiting, chart_svg=trajectory_svg(indicator, progress))


def _cell(period: Period, assigned: int, reported: int, counted: int, overdue: bool) -> GridCell:
    if reported >= assigned:
        state = COMPLETE if counted >= reported else AWAITING
    else:
        state = PARTIAL if reported else MISSING
    return GridCell(period=period, assigned=assigned, reported=reported, counted=counted, state=state,
                    late=overdue and state in (PARTIAL, MISSING))


def _entry(row: HistoryRow, reporter: str) -> HistoryEntry:
    return HistoryEntry(
        report_id=row.id, period=Period.parse_key(row.period), value=row.value, cumulative=bool(row.cumulative),
        reporter_id=row.reporter_id, reporter=reporter, reported_at=dt.datetime.fromisoformat(row.created_at),
        source_text=row.source_text, replaces_id=row.replaces_id,
        status=status(row.undone_at is not None, row.counts, row.held, row.latest),
        undone_at=_time(row.undone_at), undone_by=row.undone_by, reviewed_at=_time(row.reviewed_at),
        reviewed_by=row.reviewed_by, approved=row.reviewed_at is not None and row.held is None,
        review_note=row.review_note)


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None
