"""Admin summaries, exports and reminders: permissions, data loading and send-once records live here."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from bot.services.exports import ExportFile, ExportJob, write_export
from bot.services.actors import Actor, require_private
from bot.settings import Settings
from errors import InputError, PermissionDenied
from knowledge.models import Frozen, PolicyDocument
from reporting.kinds import load_kinds
from reporting.periods import Period, last_month
from reporting.progress import IndicatorProgress, indicator_progress
from reporting.summary import Judged, SummaryInput, Window, compute_weekly, find_outliers, window
from reporting.summary_models import WeeklySummary
from reporting.summary_text import render_reminder, render_weekly
from reporting.weeks import Week, parse_week
from storage.db import Database
from storage.models import Liaison
from storage.notifications import SentNotifications
from storage.reports import instant_text
from storage.reviews import awaiting_by_indicator
from storage.summary_queries import SummaryQueries, WindowFacts, missing_now, week_figures, window_facts
from storage.unit_figures import UnitFigures

Clock = Callable[[], dt.datetime]
ADMINS_ONLY = "只有管理员可以查看周报、导出数据和发送提醒。"
ADMIN_EXAMPLE = "如需权限，请联系管理员把您的 Telegram 用户 ID 加入 BOT_ADMINS"
EXPORT_FORMATS = {"": "xlsx", "xlsx": "xlsx", "excel": "xlsx", "csv": "csv", "zip": "csv"}
WEEKLY_KIND = "weekly"
REMINDER_KIND = "reminder"
PAST_KEPT = 8  # remembered states of past instants and windows: the starts and ends of the last weeks asked for
JUDGED_KEPT = 20_000  # outlier verdicts remembered (about 300 bytes each, a busy week holds ~10k); all dropped beyond


class SummaryFile(Frozen):
    """A small file to send from memory (the chart): its name, bytes and a caption."""

    name: str
    data: bytes
    caption: str


class WeeklyReport(Frozen):
    """What `/weekly` sends: the text and the chart."""

    summary: WeeklySummary
    text: str
    chart: SummaryFile


class Reminder(Frozen):
    """One reminder message for one liaison; `key` is what makes it send once."""

    key: str
    period: str
    liaison_id: int
    liaison: str
    chat_id: int
    unit: str
    missing: tuple[int, ...]
    text: str


class ReminderPlan(Frozen):
    """Who `/remind` is about to message, for which month."""

    period: str
    reminders: tuple[Reminder, ...]
    skipped: tuple[Reminder, ...] = ()  # reminded already this period; /remind force sends them again
    forced: bool = False


class SummaryService:
    """Everything admins pull or get pushed; every public entry point taking an Actor checks admin rights."""

    def __init__(self, db: Database, document: PolicyDocument, settings: Settings, clock: Clock,
                 is_admin: Callable[[int], bool] | None = None, figures: UnitFigures | None = None) -> None:
        self.db = db
        self.is_admin = is_admin or (lambda user_id: user_id in settings.admins)
        self.document = document
        self.settings = settings
        self.clock = clock
        self.queries = SummaryQueries()
        self.sent = SentNotifications()
        self.kinds = load_kinds(document)
        self.figures = figures or UnitFigures(db)  # shared with the report service: one cache per database
        self._past: OrderedDict[tuple[str, str], dict[int, IndicatorProgress]] = OrderedDict()
        self._windows: OrderedDict[tuple[str, str], WindowFacts] = OrderedDict()
        self._judged: Judged = {}
        self._drawing = asyncio.Lock()  # matplotlib is not thread-safe: one chart at a time

    def require_admin(self, actor: Actor) -> None:
        if not self.is_admin(actor.user_id):
            raise PermissionDenied(ADMINS_ONLY, ADMIN_EXAMPLE)

    def now(self) -> dt.datetime:
        """The clock in the bot's zone, whatever zone the injected clock uses."""
        return self.clock().astimezone(self.settings.zone)

    # ---- weekly summary -------------------------------------------------------------------------------
    async def weekly(self, actor: Actor, week_text: str | None = None) -> WeeklyReport:
        """`/weekly [2026-W47]` for an admin, in a private chat."""
        self.require_admin(actor)
        require_private(actor)
        return await self.weekly_report(parse_week(week_text, self.now(), self.document.years[0]))

    async def active_liaisons(self) -> list[Liaison]:
        """Active liaisons with their indicators in two statements (not one per liaison)."""
        async with self.db.reading() as conn:
            return [x for x in await self.queries.all_liaisons(conn) if x.revoked_at is None]

    async def progress_at(self, instant: dt.datetime, period: Period) -> dict[int, IndicatorProgress]:
        """Every indicator's progress as it stood just before `instant`, as of the reporting month `period`.

        A past instant's state never changes (rows are only added and marked, stamped by the clock), so it is kept;
        one after now is computed again each time from the cache of current figures, which follows every write.
        """
        key = (instant_text(instant), period.key)
        found = self._past.get(key)
        if found is not None:
            self._past.move_to_end(key)
            return found
        indicators = self.document.indicators
        units = await self.figures.at(instant, [i.number for i in indicators])
        found = {i.number: indicator_progress(i, self.kinds[i.number], units[i.number], period) for i in indicators}
        if instant <= self.now():
            _keep(self._past, key, found)
        return found

    async def window_facts(self, win: Window) -> WindowFacts:
        """A week's activity and duties at its end; kept once the week is past (nothing can change them then)."""
        key = (instant_text(win.end), win.period.key)
        found = self._windows.get(key)
        if found is None:
            found = await self.db.run(lambda conn: window_facts(conn, win.start, win.end, win.period.key))
            if win.end <= self.now():
                _keep(self._windows, key, found)
        return found

    async def build_weekly(self, week: Week | None = None) -> WeeklySummary:
        """The summary of `week` (default: this week so far), as of now or the week's end if earlier."""
        now = self.now()
        week = week or parse_week(None, now, self.document.years[0])
        win = window(week, self.settings.zone, now)
        progress = await self.progress_at(win.end, win.period)
        previous = await self.progress_at(win.start, win.previous_period)
        facts = await self.window_facts(win)
        figures = await self.db.run(lambda conn: week_figures(conn, win.start, win.end))
        spreads = await self.figures.spreads({(f.indicator, f.unit_id) for f in figures})
        if len(self._judged) > JUDGED_KEPT:
            self._judged.clear()
        outliers = find_outliers(self.document, self.kinds, figures, spreads, self._judged)
        summary = compute_weekly(SummaryInput(
            document=self.document, kinds=self.kinds, week=week, window=win, remind_day=self.settings.remind_day,
            progress=progress, previous=previous, facts=facts, outliers=outliers,
        ))
        awaiting = await self.db.run(awaiting_by_indicator)  # shown apart: they count once approved
        return summary.model_copy(update={"awaiting_review": awaiting}) if awaiting else summary

    async def weekly_report(self, week: Week | None = None) -> WeeklyReport:
        from reporting.chart import chart_caption, render_chart  # matplotlib loads on first use, not at bot start

        summary = await self.build_weekly(week)
        async with self._drawing:
            png = await asyncio.to_thread(render_chart, summary)
        chart = SummaryFile(name=f"weekly-{summary.week}.png", data=png, caption=chart_caption(summary))
        return WeeklyReport(summary=summary, text=render_weekly(summary), chart=chart)

    # ---- exports --------------------------------------------------------------------------------------
    async def export(self, actor: Actor, fmt: str | None = None) -> ExportFile:
        """`/export` (XLSX) or `/export csv` (a zip of CSV files) for an admin, in a private chat.

        The file lies on disk beside the database: the caller sends it and then discards it (`with file:`)."""
        self.require_admin(actor)
        require_private(actor)
        kind = EXPORT_FORMATS.get((fmt or "").strip().lower())
        if kind is None:
            raise InputError(f"不支持的导出格式“{fmt}”。可选：xlsx（默认）或 csv。", "/export 或 /export csv")
        return await self.build_export(kind)

    async def build_export(self, kind: str = "xlsx", week: Week | None = None,
                           directory: Path | None = None) -> ExportFile:
        """Streamed from the database in a worker thread (bot/services/exports.py) into a folder in `directory`."""
        summary = await self.build_weekly(week)
        async with self.db.reading() as conn:
            liaisons = await self.queries.all_liaisons(conn)
        job = ExportJob(kind, self.db.target, summary, tuple(liaisons), self.document.indicators,
                        tuple(self.settings.admins))
        return await write_export(job, directory or self.db.scratch)

    # ---- reminders ------------------------------------------------------------------------------------
    async def reminders(self, period: str | None = None) -> list[Reminder]:
        """A reminder for every active liaison still missing an assigned indicator for `period`."""
        month = period or self.current_period().key
        liaisons = await self.active_liaisons()
        missing_of = await self.db.run(lambda conn: missing_now(conn, month))
        out = []
        for liaison in liaisons:
            missing = missing_of.get(liaison.id)
            if not missing:
                continue
            indicators = [i for n in missing if (i := self.document.indicator(n)) is not None]
            out.append(Reminder(
                key=f"{month}:{liaison.id}", period=month, liaison_id=liaison.id,
                liaison=liaison.name or (f"@{liaison.username}" if liaison.username else str(liaison.user_id)),
                chat_id=liaison.chat_id or liaison.user_id,
                unit=liaison.unit_name, missing=missing, text=render_reminder(liaison.unit_name, month, indicators),
            ))
        return out

    async def remind_now(self, actor: Actor, force: bool = False) -> ReminderPlan:
        """`/remind`: every missing liaison not reminded yet this period; `force` (/remind force): all of them."""
        self.require_admin(actor)
        period = self.current_period().key
        if force:
            return ReminderPlan(period=period, reminders=tuple(await self.reminders(period)), forced=True)
        due = await self.due_reminders(period)
        keys = {r.key for r in due}
        skipped = tuple(r for r in await self.reminders(period) if r.key not in keys)
        return ReminderPlan(period=period, reminders=tuple(due), skipped=skipped)

    async def due_reminders(self, period: str | None = None) -> list[Reminder]:
        """Scheduled reminders not yet sent for the period (a restart finds them already recorded)."""
        reminders = await self.reminders(period)
        async with self.db.reading() as conn:
            sent = {r.key for r in reminders if await self.sent.was_sent(conn, REMINDER_KIND, r.key)}
        return [r for r in reminders if r.key not in sent]

    def current_period(self) -> Period:
        """The month just ended: what reminders ask for."""
        return last_month(self.now().date())

    # ---- send-once records ----------------------------------------------------------------------------
    async def claim(self, kind: str, key: str) -> dt.datetime | None:
        """Mark (kind, key) as sent before sending; None when someone (or an earlier run) already did."""
        now = self.now()
        async with self.db.transaction() as conn:
            return now if await self.sent.claim(conn, kind, key, now) else None

    async def release(self, kind: str, key: str, claimed_at: dt.datetime) -> None:
        """The send failed: forget our claim so the next run tries again."""
        async with self.db.transaction() as conn:
            await self.sent.release(conn, kind, key, claimed_at)

    async def has_pushed_before(self) -> bool:
        """Whether this database has seen a scheduled push: only then is a missed one a restart's to catch up."""
        async with self.db.reading() as conn:
            return await self.sent.any_sent(conn)

    async def record(self, kind: str, key: str) -> None:
        """Note a send that happened anyway (a manual /remind), so the schedule does not repeat it."""
        await self.claim(kind, key)


def _keep(kept: OrderedDict, key: tuple, value: object) -> None:
    """Remember `value` as the newest of at most PAST_KEPT."""
    kept[key] = value
    while len(kept) > PAST_KEPT:
        kept.popitem(last=False)
