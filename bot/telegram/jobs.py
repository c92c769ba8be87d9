"""Scheduled pushes with PTB's JobQueue: the weekly summary to admins and the monthly reminders to liaisons.

Every push is claimed in sent_notifications before it goes out (and released if it fails), so a restart,
a catch-up run or two overlapping runs never send the same summary or reminder twice. After a restart a
push whose time passed less than GRACE ago is sent by the catch-up job, if the database shows the bot has
pushed before (a brand-new bot, or a test bot, does not start by sending a summary).

Replicas on one database: the pushes run only in the replica holding the PUSHES lease (job_leases), renewed every
TERM / 3; a replica that takes the lease over (its holder stopped renewing) catches up at once what fell due.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import Application

from bot.telegram.context import BotContext
from errors import StorageUnavailable
from bot.telegram.views import split_html
from bot.settings import Settings
from bot.services.facade import BotService
from bot.services.leases import TERM
from bot.services.summaries import REMINDER_KIND, WEEKLY_KIND, Reminder, SummaryService
from bot.telegram.summary_views import render_weekly_reply
from reporting.periods import last_month
from reporting.weeks import last_remind_slot, last_weekly_slot, scheduled_week

log = logging.getLogger(__name__)

WEEKLY_JOB = "weekly-summary"
REMIND_JOB = "liaison-reminders"
CATCH_UP_JOB = "catch-up"
LEASE_JOB = "pushes-lease"
PUSHES = "scheduled-pushes"  # the lease: the one replica that sends summaries and reminders
CATCH_UP_DELAY = 2.0
GRACE = dt.timedelta(hours=12)


def schedule(app: Application, settings: Settings) -> None:
    """Weekly summary at BOT_WEEKLY_AT, reminders on BOT_REMIND_DAY at the same time of day, catch-up at start."""
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    weekday, at = settings.weekly_schedule
    when = at.replace(tzinfo=settings.zone)
    queue.run_daily(weekly_job, time=when, days=((weekday + 1) % 7,), name=WEEKLY_JOB)  # PTB: 0 is Sunday
    queue.run_monthly(reminder_job, when=when, day=settings.remind_day, name=REMIND_JOB)
    queue.run_once(catch_up_job, when=CATCH_UP_DELAY, name=CATCH_UP_JOB)
    renew = TERM.total_seconds() / 3
    queue.run_repeating(lease_job, interval=renew, first=CATCH_UP_DELAY + renew, name=LEASE_JOB)


def _stored(context: BotContext) -> BotService | None:
    """None while the service is not open or runs without a database (questions only)."""
    service = context.bot_data.service
    return service if service is not None and service.storage is not None else None


async def _leading(service: BotService) -> SummaryService | None:
    """The summaries when this replica holds the pushes' lease (taking or renewing it now); None otherwise."""
    storage = service.storage
    if storage is None or not await storage.leases.hold(PUSHES):
        return None
    return storage.summaries


async def weekly_job(context: BotContext) -> None:
    service = _stored(context)
    summaries = await _leading(service) if service is not None else None
    if summaries is not None:
        await send_weekly(context.bot, summaries)


async def reminder_job(context: BotContext) -> None:
    service = _stored(context)
    summaries = await _leading(service) if service is not None else None
    if summaries is not None:
        await send_reminders(context.bot, summaries)


async def lease_job(context: BotContext) -> None:
    """Renew the pushes' lease, or take it over from a replica that stopped renewing it and catch up at once."""
    service = _stored(context)
    if service is None or service.storage is None:
        return
    held_before = PUSHES in service.storage.leases.held
    summaries = await _leading(service)
    if summaries is not None and not held_before:
        log.info("jobs: replica %s holds the scheduled pushes now", service.replica)
        await catch_up(context.bot, summaries)


async def catch_up_job(context: BotContext) -> None:
    """After a (re)start: warm what reports read, send whatever fell due (if leading), build this week's summary."""
    service = _stored(context)
    if service is None or service.storage is None:  # not open yet, or questions only
        return
    await service.warm()
    summaries = await _leading(service)
    if summaries is not None:
        await catch_up(context.bot, summaries)
    await service.storage.summaries.build_weekly()


async def release_leases(service: BotService) -> None:
    """A clean shutdown: give the pushes' lease up, so another replica takes them at its next renewal."""
    storage = service.storage
    if storage is None or PUSHES not in storage.leases.held:
        return
    try:
        await storage.leases.release(PUSHES)
    except StorageUnavailable:
        log.warning("jobs: the pushes' lease was not released; it expires within %s", TERM)


async def catch_up(bot: Bot, summaries: SummaryService) -> None:
    """Whatever push fell due within GRACE and was not sent, if this database ever pushed before."""
    if await summaries.has_pushed_before():
        await send_weekly(bot, summaries)
        await send_reminders(bot, summaries)


async def send_weekly(bot: Bot, summaries: SummaryService) -> int:
    """The summary of the week the latest slot covers, to every admin not yet sent it; returns how many got it."""
    now = summaries.now()
    weekday, at = summaries.settings.weekly_schedule
    slot = last_weekly_slot(now, weekday, at)
    if now - slot > GRACE:
        return 0
    week = scheduled_week(slot)
    report = None
    sent = 0
    for admin in summaries.settings.admins:
        key = f"{week.label}:{admin}"
        claimed = await summaries.claim(WEEKLY_KIND, key)
        if claimed is None:
            continue
        try:
            report = report or await summaries.weekly_report(week)
            for chunk in split_html(render_weekly_reply(report.text).text):
                await bot.send_message(admin, chunk, parse_mode="HTML")
            await bot.send_photo(admin, report.chart.data, caption=report.chart.caption, filename=report.chart.name)
            sent += 1
        except TelegramError as exc:
            log.warning("weekly summary %s to admin %s not delivered: %s", week.label, admin, exc)
            await summaries.release(WEEKLY_KIND, key, claimed)
    return sent


async def send_reminders(bot: Bot, summaries: SummaryService) -> int:
    """On the reminder day: one message to each liaison still missing figures for the month just ended."""
    now = summaries.now()
    slot = last_remind_slot(now, summaries.settings.remind_day, summaries.settings.weekly_schedule[1])
    if now - slot > GRACE:
        return 0
    reminders = await summaries.due_reminders(last_month(slot.date()).key)
    sent, _failed = await deliver(bot, summaries, reminders, claim=True)
    return len(sent)


async def deliver(
    bot: Bot, summaries: SummaryService, reminders: Sequence[Reminder], *, claim: bool
) -> tuple[list[Reminder], list[Reminder]]:
    """Send each reminder; with `claim`, skip ones already sent and release on failure; else just record."""
    sent: list[Reminder] = []
    failed: list[Reminder] = []
    for reminder in reminders:
        claimed = await summaries.claim(REMINDER_KIND, reminder.key) if claim else None
        if claim and claimed is None:
            continue
        try:
            await bot.send_message(reminder.chat_id, reminder.text)
        except TelegramError as exc:
            log.warning("reminder %s not delivered: %s", reminder.key, exc)
            failed.append(reminder)
            if claimed is not None:
                await summaries.release(REMINDER_KIND, reminder.key, claimed)
            continue
        if not claim:
            await summaries.record(REMINDER_KIND, reminder.key)
        sent.append(reminder)
    return sent, failed
