"""The report side, wired once per database: small parts, each with one responsibility, sharing the database, the
liaison directory, the unit-figures cache and the clock by constructor injection."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.clock import ZonedClock
from bot.services.directory import LiaisonDirectory
from bot.services.intake import ReportIntake
from bot.services.liaisons import LiaisonAdmin
from bot.services.progress import ProgressQueries
from bot.services.receipts import Receipts
from bot.services.roles import Roles
from bot.services.undo import ReportUndo
from bot.services.unit_names import UnitNames
from knowledge.lexicon import Lexicon
from knowledge.models import PolicyDocument
from reporting.catalog import IndicatorCatalog
from reporting.kinds import IndicatorKind, load_kinds
from storage.db import Database
from storage.unit_figures import UnitFigures


@dataclass(frozen=True)
class ReportServices:
    """What exists only with a database: liaisons, figures in and out, progress; BotService.reports holds it."""

    db: Database
    catalog: IndicatorCatalog
    kinds: dict[int, IndicatorKind]
    clock: ZonedClock
    directory: LiaisonDirectory  # identity on every message without a database hop
    figures: UnitFigures  # each unit's figures per indicator, following every write to reports
    roles: Roles
    units: UnitNames
    progress: ProgressQueries
    receipts: Receipts
    liaisons: LiaisonAdmin
    intake: ReportIntake
    undo: ReportUndo
    approval: bool = False  # BOT_APPROVAL: a liaison's figures are held until an admin approves them

    @classmethod
    def wire(cls, db: Database, document: PolicyDocument, admins: frozenset[int], clock: ZonedClock,
             invite_days: int = 7, lexicon: Lexicon | None = None, approval: bool = False) -> ReportServices:
        """Every part over one database; each receives only what it uses."""
        catalog, kinds = IndicatorCatalog(document), load_kinds(document)
        directory, figures = LiaisonDirectory(db), UnitFigures(db)
        roles, units = Roles(admins, directory), UnitNames(directory, lexicon)
        progress = ProgressQueries(db, catalog, kinds, figures, roles, clock, approval)
        receipts = Receipts(db, catalog, progress)
        return cls(
            db=db, catalog=catalog, kinds=kinds, clock=clock, directory=directory, figures=figures, roles=roles,
            units=units, progress=progress, receipts=receipts,
            liaisons=LiaisonAdmin(db, catalog, lexicon, roles, units, directory, clock, invite_days),
            intake=ReportIntake(db, catalog, kinds, roles, units, directory, figures, receipts, clock, approval),
            undo=ReportUndo(db, roles, receipts, progress, clock), approval=approval)

    async def warm(self) -> None:
        """A hop per indicator on the connection's thread, and the unit-name pattern compiled off the event loop."""
        await self.units.warm()
        await self.figures.now(self.catalog.indicators)
