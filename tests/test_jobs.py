"""Scheduling: jobs at the configured local times; summaries and reminders sent once, also across restarts."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import Forbidden
from telegram.ext import ApplicationBuilder

from bot.telegram.jobs import (
    CATCH_UP_JOB, REMIND_JOB, WEEKLY_JOB, catch_up_job, deliver, reminder_job, schedule, send_reminders, send_weekly,
    weekly_job,
)
from bot.services.actors import Actor
from bot.services.facade import BotService
from bot.settings import Settings
from reporting.outcomes import InviteCreated
from tests.report_support import LIAISON, OTHER, ZONE, Clock, Messages, at, expect

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

ADMINS = (1, 5)
ADMIN = Actor(user_id=1, chat_id=1, name="管理员")
THIRD = Actor(user_id=4, chat_id=4, name="王五")


class FakeBot:  # a stand-in for telegram.Bot: the tests hold it as Any
    """Records what the jobs send; chats in `unreachable` fail like a user who blocked the bot."""

    def __init__(self, unreachable: set[int] | None = None) -> None:
        self.unreachable = unreachable or set()
        self.sent: list[tuple[str, int, object]] = []

    def _check(self, chat_id: int) -> None:
        if chat_id in self.unreachable:
            raise Forbidden("Forbidden: bot was blocked by the user")

    async def send_message(self, chat_id: int, text: str, **kwargs: object) -> None:
        self._check(chat_id)
        self.sent.append(("text", chat_id, text))

    async def send_photo(self, chat_id: int, photo: bytes, **kwargs: object) -> None:
        self._check(chat_id)
        self.sent.append(("photo", chat_id, photo))

    def to(self, chat_id: int, kind: str | None = None) -> list:
        return [s for s in self.sent if s[1] == chat_id and (kind is None or s[0] == kind)]


def job_context(bot: FakeBot, service: BotService) -> Any:
    """A stand-in for the jobs' BotContext: the two things they read of it."""
    return SimpleNamespace(bot=bot, bot_data=SimpleNamespace(service=service))


def settings_at(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"db": tmp_path / "bot.db", "admins": ADMINS, "weekly_at": "MON 09:00", "remind_day": 5}
    return Settings(_env_file=None, **{**values, **overrides})


@pytest.fixture
def clock() -> Clock:
    return Clock(at(2026, 11, 2))


@pytest.fixture
async def service(tmp_path: Path, clock: Clock) -> AsyncIterator[BotService]:
    """市总工会 (liaison 2: 15,16; liaison 4: 15) and 市人社局 (liaison 3: 1); November: 15 and 1 reported, 16 not."""
    service = await BotService.open(settings_at(tmp_path), clock)
    for actor, args in ((LIAISON, "市总工会 15,16"), (OTHER, "市人社局 1"), (THIRD, "市总工会 15")):
        invite = expect(await service.reports.liaisons.create_invite(ADMIN, args, "jinan_policy_bot"), InviteCreated)
        await service.reports.liaisons.join(actor, invite.code)
    messages = Messages()
    clock.now = at(2026, 12, 1)
    await service.handle_text(LIAISON, "济南工匠 3 2026年11月", None, messages(LIAISON))
    await service.handle_text(OTHER, "技能人才 137万 2026年11月", None, messages(OTHER))
    yield service
    await service.close()


async def test_schedule_puts_the_jobs_at_the_configured_local_times(tmp_path: Path) -> None:
    settings = settings_at(tmp_path, weekly_at="周三 18:30", remind_day=7)
    app = ApplicationBuilder().token("123:TEST").build()
    schedule(app, settings)
    jobs = app.job_queue
    assert jobs is not None
    await jobs.start()
    try:
        [weekly] = jobs.get_jobs_by_name(WEEKLY_JOB)
        [remind] = jobs.get_jobs_by_name(REMIND_JOB)
        assert jobs.get_jobs_by_name(CATCH_UP_JOB)
        assert weekly.next_t is not None and remind.next_t is not None
        weekly_at = weekly.next_t.astimezone(ZONE)
        assert (weekly_at.weekday(), weekly_at.hour, weekly_at.minute) == (2, 18, 30)  # PTB counts Sunday as 0
        remind_at = remind.next_t.astimezone(ZONE)
        assert (remind_at.day, remind_at.hour, remind_at.minute) == (7, 18, 30)
    finally:
        await jobs.stop()


async def test_the_weekly_summary_goes_to_every_admin_once_even_after_a_restart(
    service: BotService, clock: Clock, tmp_path: Path
) -> None:
    clock.now = at(2026, 11, 23, 9) + dt.timedelta(seconds=1)  # the job fires on Monday 09:00
    bot: Any = FakeBot(unreachable={5})
    assert await send_weekly(bot, service.summaries) == 1
    [text] = [s[2] for s in bot.to(1, "text")]
    assert "2026-W47" in text and len(bot.to(1, "photo")) == 1 and bot.to(5) == []
    bot.unreachable.clear()
    assert await send_weekly(bot, service.summaries) == 1  # the failed admin is retried, the other is not
    assert len(bot.to(1, "photo")) == 1 and len(bot.to(5, "photo")) == 1
    restarted = await BotService.open(service.settings, clock)
    try:
        await catch_up_job(job_context(bot, restarted))
        clock.now = at(2026, 11, 23, 9) + dt.timedelta(minutes=5)
        await weekly_job(job_context(bot, restarted))
        assert len(bot.to(1, "photo")) == 1 and len(bot.to(5, "photo")) == 1
        clock.now = at(2026, 11, 24, 12)  # a restart long after the slot sends nothing stale
        assert await send_weekly(bot, restarted.summaries) == 0
        clock.now = at(2026, 11, 30, 9)
        assert await send_weekly(bot, restarted.summaries) == 2
        assert "2026-W48" in bot.to(1, "text")[-1][2]
    finally:
        await restarted.close()


async def test_reminders_go_to_exactly_the_missing_liaisons_once(service: BotService, clock: Clock) -> None:
    bot: Any = FakeBot(unreachable={LIAISON.chat_id})
    clock.now = at(2026, 12, 5, 9)
    assert await send_reminders(bot, service.summaries) == 0  # delivery failed: not recorded
    bot.unreachable.clear()
    await reminder_job(job_context(bot, service))
    assert [(kind, chat) for kind, chat, _ in bot.sent] == [("text", LIAISON.chat_id)]
    text = bot.sent[0][2]
    assert "市总工会" in text and "2026年11月" in text
    assert "新增泉城首席技师（#16）" in text and "济南工匠（" not in text
    assert await send_reminders(bot, service.summaries) == 0
    restarted = await BotService.open(service.settings, clock)
    try:
        await catch_up_job(job_context(bot, restarted))
        assert len(bot.sent) == 1
        clock.now = at(2026, 12, 6, 9)
        assert await send_reminders(bot, restarted.summaries) == 0  # not the reminder day
    finally:
        await restarted.close()


async def test_remind_now_reaches_the_missing_liaisons_and_the_schedule_does_not_repeat_it(
    service: BotService, clock: Clock
) -> None:
    clock.now = at(2026, 12, 3, 15)
    plan = await service.summaries.remind_now(ADMIN)
    reminders = plan.reminders
    assert plan.period == "2026-11"
    assert [(r.liaison, r.unit, r.missing, r.period) for r in reminders] == [("张三", "市总工会", (16,), "2026-11")]
    bot: Any = FakeBot()
    sent, failed = await deliver(bot, service.summaries, reminders, claim=False)
    assert len(sent) == 1 and failed == [] and len(bot.sent) == 1
    clock.now = at(2026, 12, 5, 9)
    assert await send_reminders(bot, service.summaries) == 0 and len(bot.sent) == 1
    messages = Messages()
    messages.next_id = 900
    await service.handle_text(LIAISON, "泉城首席技师 2 2026年11月", None, messages(LIAISON))
    assert (await service.summaries.remind_now(ADMIN)).reminders == ()


async def test_after_a_restart_a_missed_slot_is_caught_up_only_by_a_bot_that_pushed_before(
    service: BotService, clock: Clock
) -> None:
    bot: Any = FakeBot()
    context = job_context(bot, service)
    clock.now = at(2026, 11, 23, 9) + dt.timedelta(minutes=40)  # started 40 minutes after the Monday slot
    await catch_up_job(context)
    assert bot.sent == []  # a fresh database: nothing was ever pushed, nothing to catch up
    clock.now = at(2026, 11, 16, 9)
    assert await send_weekly(bot, service.summaries) == 2  # W46 went out on time
    clock.now = at(2026, 11, 23, 9) + dt.timedelta(minutes=40)
    await catch_up_job(context)
    assert len(bot.to(1, "photo")) == 2 and "2026-W47" in bot.to(1, "text")[-1][2]


async def test_a_second_remind_sends_nothing_new_unless_forced(service: BotService, clock: Clock) -> None:
    from bot.telegram.summary_views import render_remind_receipt

    clock.now = at(2026, 12, 3, 15)
    bot: Any = FakeBot()
    first = await service.summaries.remind_now(ADMIN)
    sent, _ = await deliver(bot, service.summaries, first.reminders, claim=True)
    assert len(sent) == 1 and first.skipped == ()
    second = await service.summaries.remind_now(ADMIN)
    assert second.reminders == () and [r.liaison for r in second.skipped] == ["张三"]
    assert (await deliver(bot, service.summaries, second.reminders, claim=True))[0] == [] and len(bot.sent) == 1
    receipt = render_remind_receipt("2026年11月", [], [], ["张三（市总工会）"]).text
    assert "跳过 1 位" in receipt and "/remind force" in receipt
    forced = await service.summaries.remind_now(ADMIN, force=True)
    assert forced.forced and [r.liaison for r in forced.reminders] == ["张三"]
    await deliver(bot, service.summaries, forced.reminders, claim=False)
    assert len(bot.sent) == 2
