"""The one facade that Telegram handlers, the console and the CLI all drive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.services.leases import replica_id
from bot.services.flood import FloodLimit, SharedFloodLimit
from bot.services.actors import Actor, MessageRef
from bot.settings import Settings
from errors import UserFacingError
from knowledge.answers import Answer, ChatContext, Intent
from knowledge.engine import QuestionEngine
from knowledge.models import PolicyDocument
from knowledge.parser import load_policy

if TYPE_CHECKING:
    from bot.services.dashboard import DashboardService
    from bot.services.reports import ReportServices
    from bot.services.reviews import ReviewService
    from bot.services.leases import Leases
    from bot.services.summaries import SummaryService

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class StorageServices:
    """The services that need the database: all of them or none (BotService.open)."""

    reports: ReportServices
    summaries: SummaryService
    reviews: ReviewService  # approval (BOT_APPROVAL) and its queue
    dashboard: DashboardService  # the admins' web page (BOT_WEB_PORT)
    leases: Leases  # scheduled jobs run by one replica at a time (bot/telegram/jobs.py)


class NoStorage(RuntimeError):
    """A service that only answers questions (for_questions) was asked for the database's side: a bug."""


class BotService:
    """Questions, reports and summaries behind one object; permissions are checked here."""

    def __init__(self, settings: Settings, document: PolicyDocument, clock: Clock | None = None) -> None:
        self.settings = settings
        self.document = document
        self.engine = QuestionEngine(document)
        self.clock: Clock = clock or (lambda: dt.datetime.now(settings.zone))
        self.storage: StorageServices | None = None  # with a database (open()); None: questions only
        self.flood = FloodLimit(settings.flood_per_minute, self.clock)
        self.replica = replica_id()  # this process among replicas on one database (leases, inbox claims)

    @property
    def reports(self) -> ReportServices:
        """The report side; only with a database (check `storage`)."""
        return self._storage().reports

    @property
    def summaries(self) -> SummaryService:
        return self._storage().summaries

    @property
    def reviews(self) -> ReviewService:
        return self._storage().reviews

    @property
    def dashboard(self) -> DashboardService:
        return self._storage().dashboard

    def storage_for(self, feature: str) -> StorageServices:
        """The database's side for a user's command; without a database, the one reply saying what it needs."""
        if self.storage is None:
            raise UserFacingError(f"{feature}需要数据库，当前机器人只开启了问答功能。")
        return self.storage

    def _storage(self) -> StorageServices:
        if self.storage is None:
            raise NoStorage("this service answers questions only: it has no database")
        return self.storage

    @classmethod
    async def open(cls, settings: Settings, clock: Clock | None = None) -> BotService:
        """The full service: policy, database at BOT_DB (migrated) and the report service; close() when done."""
        from bot.services.clock import ZonedClock
        from bot.services.dashboard import DashboardService
        from bot.services.leases import Leases
        from bot.services.reports import ReportServices
        from bot.services.reviews import ReviewService
        from bot.services.summaries import SummaryService
        from storage.db import open_database

        service = cls(settings, load_policy(settings.policy), clock)
        db = await open_database(settings.db, service.clock)
        reports = ReportServices.wire(db, service.document, frozenset(settings.admins),
                                      ZonedClock(service.clock, settings.zone), settings.invite_days,
                                      service.engine.lexicon, approval=settings.approval)
        summaries = SummaryService(db, service.document, settings, service.clock, service.is_admin, reports.figures)
        reviews = ReviewService(reports)
        dashboard = DashboardService(reports, reviews, settings.remind_day, settings.web_url)
        leases = Leases(db, lambda: service.clock(), service.replica)  # noqa: PLW0108 (a test swaps service.clock)
        service.storage = StorageServices(reports, summaries, reviews, dashboard, leases)
        service.flood = SharedFloodLimit(settings.flood_per_minute, service.clock)  # one limit for all replicas
        return service

    async def warm(self) -> None:
        """What the first report would otherwise wait for: every indicator's unit rows, the unit-name pattern."""
        if self.storage is not None:
            await self.storage.reports.warm()

    async def close(self) -> None:
        if self.storage is not None:
            await self.storage.reports.db.close()
            self.storage = None

    @classmethod
    def for_questions(cls, settings: Settings, clock: Clock | None = None) -> BotService:
        """A service that only answers questions: no database, the fastest start."""
        return cls(settings, load_policy(settings.policy), clock)

    def is_admin(self, user_id: int) -> bool:
        """Admins from settings; with storage open, the console's local user too."""
        return user_id in self.settings.admins or (self.storage is not None
                                                   and self.storage.reports.roles.is_admin(user_id))

    def check_flood(self, user_id: int) -> None:
        """Raise errors.RateLimited when a non-admin sends more than BOT_FLOOD_PER_MINUTE messages a minute."""
        if not self.is_admin(user_id):
            self.flood.check(user_id)

    def ask(self, question: str, context: ChatContext | None = None) -> Answer:
        """Answer a policy question; pass the previous answer's context for follow-ups."""
        return self.engine.answer(question, context, self.clock())

    def department(self, names: str) -> Answer | None:
        """`/dept 名称`: the measures the named departments lead; None when no department is named."""
        return self.engine.department_measures(names, self.clock())

    async def handle_text(
        self,
        actor: Actor,
        text: str,
        context: ChatContext | None = None,
        message: MessageRef | None = None,
    ) -> Answer | object:
        """Route a free-text message: a figure report from an entitled sender, else a question.

        Every surface (Telegram, console) sends free text here so the routing is decided once.
        A report returns a reporting.outcomes model (render with reporting.render); bad report input
        raises errors.UserFacingError.
        """
        self.check_flood(actor.user_id)
        refused = None
        if self.storage is not None:
            from bot.services.intake import Refusal

            outcome = await self.storage.reports.intake.take(actor, text, message)
            if isinstance(outcome, Refusal):
                refused = outcome.text
            elif outcome is not None:
                return outcome
        answer = self.ask(text, context)
        if refused is None:
            return answer
        if answer.intent in (Intent.SMALL_TALK, Intent.OUT_OF_SCOPE, Intent.EMPTY, Intent.NOT_FOUND):
            from reporting.outcomes import Notice

            return Notice(text=refused)
        return answer.model_copy(update={"note": "\n".join(filter(None, (answer.note, refused)))})

    async def start(self, actor: Actor, payload: str) -> object:
        """/start with a deep-link payload: redeem it as an invite code; a bad code becomes a Notice."""
        from bot.services.storage_errors import STORAGE_DOWN
        from errors import StorageUnavailable
        from reporting.outcomes import Notice

        if self.storage is None:
            return Notice(text="邀请功能需要数据库，当前未开启。")
        try:
            return await self.storage.reports.liaisons.join(actor, payload)
        except UserFacingError as exc:
            return Notice(text=exc.reply)
        except StorageUnavailable:
            return Notice(text=STORAGE_DOWN)
