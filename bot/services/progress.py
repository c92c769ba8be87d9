"""Progress and a liaison's own view: read-only queries over the figures that count."""

from __future__ import annotations

from bot.services.actors import Actor, require_private
from bot.services.clock import ZonedClock
from bot.services.roles import NOT_A_LIAISON, Roles
from errors import PermissionDenied
from reporting.catalog import IndicatorCatalog
from reporting.kinds import IndicatorKind
from reporting.outcomes import MineView, MyUnit, ProgressView, RecentReport
from reporting.periods import Period, last_month
from reporting.progress import IndicatorProgress, indicator_progress
from storage.db import Database
from storage.reports import ReportRepository
from storage.reviews import awaiting_by_indicator
from storage.unit_figures import LAST, UnitFigures, Units

PROGRESS_EXAMPLE = "/progress 济南工匠"
RECENT = 10


class ProgressQueries:
    """City figures per indicator (each unit's figures reduced by SQL, cached per unit), and what a liaison owes."""

    def __init__(self, db: Database, catalog: IndicatorCatalog, kinds: dict[int, IndicatorKind], figures: UnitFigures,
                 roles: Roles, clock: ZonedClock, approval: bool = False) -> None:
        self.db = db
        self.catalog = catalog
        self.kinds = kinds
        self.figures = figures
        self.roles = roles
        self.clock = clock
        self.approval = approval
        self.reports = ReportRepository()

    async def progress_map(self, numbers: set[int], units: dict[int, Units] | None = None
                           ) -> dict[int, IndicatorProgress]:
        """From `units` when they cover every indicator asked (a receipt's, read in its write's hop), else a hop."""
        if units is None or not numbers <= units.keys():
            units = await self.figures.now(numbers)
        return {number: self._progress(number, units[number]) for number in numbers}

    async def city_progress(self, numbers: set[int]) -> dict[int, IndicatorProgress]:
        """Each indicator's standing for the city now, from the figures that count."""
        return await self.progress_map(numbers)

    def _progress(self, number: int, units: Units) -> IndicatorProgress:
        """As of the month just ended, or of a later month a unit already reported for."""
        ended = last_month(self.clock.today())
        latest = max(map(LAST, units), default=ended.key)
        as_of = Period.parse_key(latest) if latest > ended.key else ended
        return indicator_progress(self.catalog.indicators[number], self.kinds[number], units, as_of)

    async def view(self, actor: Actor, query: str | None = None) -> ProgressView:
        """`/progress [指标]`: every indicator, or the ones named; for liaisons and admins."""
        if not self.roles.is_admin(actor.user_id) and not await self.roles.is_liaison(actor.user_id):
            raise PermissionDenied("进度只对联络员和管理员开放。")
        numbers = sorted(self.catalog.indicators)
        if query and query.strip():
            numbers = list(self.catalog.parse_list(query, PROGRESS_EXAMPLE))
        progress = await self.progress_map(set(numbers))
        items = tuple(progress[n] for n in numbers)
        awaiting = await self.db.run(awaiting_by_indicator) if self.approval else {}
        return ProgressView(items=items, as_of=max(i.as_of for i in items),
                            pending={n: awaiting[n] for n in numbers if n in awaiting})

    async def mine(self, actor: Actor) -> MineView:
        """`/mine`: my units, indicators, what is missing for the month just ended, recent reports (privately)."""
        require_private(actor)
        liaisons = await self.roles.liaisons_of(actor.user_id)
        if not liaisons:
            raise PermissionDenied(NOT_A_LIAISON)
        period = last_month(self.clock.today())
        units: list[MyUnit] = []
        recent: list[RecentReport] = []
        async with self.db.reading() as conn:
            for liaison in liaisons:
                missing = [n for n in liaison.indicators  # a returned figure is to be sent again
                           if not await self.reports.reported(conn, liaison.unit_id, n, period.key)]
                units.append(MyUnit(unit_name=liaison.unit_name, indicators=self.catalog.refs(liaison.indicators),
                                    missing=self.catalog.refs(tuple(missing)), missing_period=period))
                for row in await self.reports.recent_for_unit(conn, liaison.unit_id, RECENT):
                    indicator = self.catalog.indicators.get(row.indicator)
                    if indicator is not None:
                        latest = await self.reports.latest(conn, row.unit_id, row.indicator, row.period)
                        recent.append(RecentReport(
                            report_id=row.id, unit_name=row.unit_name, name=indicator.name, unit=indicator.unit,
                            percent=indicator.percent, period=Period.parse_key(row.period), value=row.value,
                            cumulative=row.cumulative, active=latest is not None and latest.id == row.id,
                            held=row.held, review_note=row.review_note))
        recent.sort(key=lambda r: r.report_id, reverse=True)
        return MineView(units=tuple(units), recent=tuple(recent[:RECENT]), is_admin=self.roles.is_admin(actor.user_id))


