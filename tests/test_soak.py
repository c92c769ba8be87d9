"""Bounded memory over time: whatever the bot keeps per chat, per user or per update is bounded or expires.

A small soak through the real Application (in process, replies recorded in memory): users come and go over two
hours of the service clock, asking, following up and reporting; afterwards each per-chat and per-user structure
holds only what recent traffic needs. The full-size soak, with RSS measured over 100k messages from 1,000 users,
is `bench/bench_soak.py` (`SOAK_MESSAGES=100000 SOAK_USERS=1000 .venv/bin/python -m bench.bench_soak`).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

import bot.services.flood
from bot.services.flood import PRUNE_EVERY as FLOOD_PRUNE_EVERY, WINDOW
from bot.telegram.chat_states import KEEP, PRUNE_EVERY
from bot.telegram.send_limits import FairRateLimiter
from tests.bot_driver import ADMIN_ID, invite_code
from tests.conftest import in_process_bot
from tests.load_scenario import MONTHS, QUESTIONS, hardening_scale
from tests.report_support import Clock, at

pytestmark = pytest.mark.telegram

WAVE_USERS = 25  # a round's replies fit in Telegram's burst of 30 sends
STEP = dt.timedelta(minutes=4)  # service time between two rounds: a wave of 12 rounds lasts longer than KEEP
SWEEP = 16


async def test_per_chat_and_per_user_state_follows_recent_traffic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the flood limit's own count (used while the database is locked) sweeps every 1,024 look-ups; a small soak sooner
    monkeypatch.setattr(bot.services.flood, "SWEEP_EVERY", SWEEP)
    clock = Clock(at(2026, 11, 24, 8))
    waves = 3 * hardening_scale()
    async with in_process_bot(tmp_path) as driver:
        app = driver.app
        service = app.bot_data.service
        service.clock = service.flood.clock = service.reports.clock.source = clock  # hours pass in a second
        limiter = app.bot.rate_limiter
        assert isinstance(limiter, FairRateLimiter)
        start = clock.now
        limiter.clock = lambda: time.monotonic() + (clock.now - start).total_seconds()  # jumps with the service
        [invite] = await driver.send_text(ADMIN_ID, "/invite 浸泡单位 19 新建")
        await driver.send_text(500, f"/join {invite_code(invite.text)}")
        seen: dict[int, dt.datetime] = {}
        for wave in range(waves):  # each wave a new crowd; the earlier ones fall quiet
            for round_ in range(len(QUESTIONS)):
                clock.now += STEP
                for user in range(1000 * (wave + 1), 1000 * (wave + 1) + WAVE_USERS):
                    await driver.send_text(user, QUESTIONS[(user + round_) % len(QUESTIONS)])
                    seen[user] = clock.now
                year, month = MONTHS[(wave * len(QUESTIONS) + round_) % len(MONTHS)]
                [receipt] = await driver.send_text(500, f"#19 {1 + round_ % 3} {year}年{month}月")
                assert "✅ 已保存" in receipt.text or "✅ 已更正" in receipt.text  # months come round again at scale
        now = clock.now
        recent = {user for user, when in seen.items() if now - when <= KEEP + PRUNE_EVERY}
        states = (await service.reports.db.fetchall("SELECT COUNT(*) FROM chat_states"))[0][0]
        assert 0 < states <= len(recent) + 2 < len(seen)  # chat state lives in the database, pruned as chats go quiet
        flooding = {user for user, when in seen.items() if now - when <= FLOOD_PRUNE_EVERY + WINDOW}
        windows = (await service.reports.db.fetchall("SELECT COUNT(*) FROM flood_windows"))[0][0]
        assert 0 < windows <= len(flooding) + 2 < len(seen)
        assert len(app.chat_data) == 0 and app.bot_data.states.in_flight() == 0  # nothing per chat in memory
        assert service.flood.tracked_users() <= WAVE_USERS + 2 + SWEEP  # users of the last minute or so
        assert len(app.user_data) <= 1  # only what the guided /report keeps, per liaison
        assert limiter.tracked_chats() <= WAVE_USERS + 2  # chats served within its last minute
        assert app.update_processor.chats_in_flight() == 0
        assert service.reports.directory.ready() is not None and len(service.reports.directory.ready().active) == 1
