"""The per-user flood limit: a sliding window on the injected clock, told once, admins exempt, commands included."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.flood import FloodLimit, Verdict, flood_reply
from bot.services.facade import BotService
from errors import RateLimited
from reporting.outcomes import InviteCreated, ReportReceipt
from tests.bot_driver import ADMIN_ID, BotDriver
from tests.report_support import ADMIN, LIAISON, STRANGER, Clock, Messages, at, expect

pytestmark = pytest.mark.pure

START = at(2026, 11, 24)


async def count_reports(service: BotService) -> int:
    return (await service.reports.db.fetchall("SELECT COUNT(*) FROM reports"))[0][0]


# ---- per-user flood limit -----------------------------------------------------------------------------------

def test_flood_limit_is_a_sliding_window_that_tells_once() -> None:
    clock = Clock(START)
    limit = FloodLimit(3, clock)
    assert [limit.hit(1) for _ in range(3)] == [Verdict.ALLOW] * 3
    assert [limit.hit(1) for _ in range(3)] == [Verdict.TELL, Verdict.QUIET, Verdict.QUIET]
    assert limit.hit(2) is Verdict.ALLOW  # per user
    clock.now = START + dt.timedelta(seconds=59)
    assert limit.hit(1) is Verdict.QUIET
    clock.now = START + dt.timedelta(seconds=60)
    assert limit.hit(1) is Verdict.ALLOW  # refused messages did not extend the window
    with pytest.raises(RateLimited) as told:
        for _ in range(3):
            limit.check(1)
    assert not told.value.quiet and told.value.reply == flood_reply(3) and "每分钟最多 3 条" in told.value.reply


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40)), max_size=80))
def test_flood_limit_never_accepts_more_than_the_limit_in_any_minute(limit: int, steps: list[tuple[int, int]]) -> None:
    clock = Clock(START)
    flood = FloodLimit(limit, clock)
    accepted: dict[int, list[dt.datetime]] = {}
    for user, seconds in steps:
        clock.now += dt.timedelta(seconds=seconds)
        if flood.hit(user) is Verdict.ALLOW:
            accepted.setdefault(user, []).append(clock.now)
    for times in accepted.values():
        for i, t in enumerate(times):
            assert sum(1 for u in times[i:] if u - t < dt.timedelta(minutes=1)) <= limit


def test_flood_limit_forgets_quiet_users() -> None:
    clock = Clock(START)
    flood = FloodLimit(2, clock)
    for user in range(3000):
        clock.now += dt.timedelta(seconds=1)
        flood.hit(user)
    assert flood.tracked_users() < 1100  # swept: only the last minute's senders (plus one sweep period) remain


@pytest.mark.service
async def test_the_service_limits_strangers_and_liaisons_but_not_admins(service: BotService, clock: Clock) -> None:
    service.flood = FloodLimit(5, clock)
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 15"), InviteCreated)
    await service.reports.liaisons.join(LIAISON, invite.code)
    messages = Messages()
    for _ in range(5):
        await service.handle_text(STRANGER, "谁负责产教融合?")
    with pytest.raises(RateLimited):
        await service.handle_text(STRANGER, "谁负责产教融合?")
    for month in range(1, 6):
        assert isinstance(await service.handle_text(LIAISON, f"济南工匠 1 2026年{month}月", None, messages(LIAISON)),
                          ReportReceipt)
    with pytest.raises(RateLimited):
        await service.handle_text(LIAISON, "济南工匠 1 2026年6月", None, messages(LIAISON))
    assert await count_reports(service) == 5  # the refused report was not stored
    for _ in range(20):
        await service.handle_text(ADMIN, "谁负责产教融合?")
    clock.now = START + dt.timedelta(minutes=1)
    stored = await service.handle_text(LIAISON, "济南工匠 1 2026年6月", None, messages(LIAISON))
    assert isinstance(stored, ReportReceipt)


@pytest.mark.telegram
async def test_telegram_floods_get_one_polite_reply_and_commands_are_limited_too(bot: BotDriver) -> None:
    service = bot.app.bot_data.service
    clock = Clock(START)
    service.flood = FloodLimit(3, clock)
    user = 7300
    for _ in range(3):
        assert len(await bot.send_text(user, "/measure 8")) == 1
    [told] = await bot.send_text(user, "谁负责产教融合?")
    assert told.text == flood_reply(3)
    assert await bot.send_text(user, "/measures") == []  # already told: quiet, and the command did not run
    assert await bot.send_text(user, "谁负责产教融合?") == []
    [listing] = await bot.send_text(ADMIN_ID, "/measures")  # admins are exempt
    await bot.tap_data(user, listing, "m:8")
    assert bot.last_callback_answer is not None and bot.last_callback_answer.get("text") == flood_reply(3)
    assert listing.edits == 0
    clock.now = START + dt.timedelta(minutes=1)
    [answer] = await bot.send_text(user, "谁负责产教融合?")
    assert "市国资委" in answer.text
    assert bot.api.rejected == []
