"""`main.py run` under a flaky Bot API (failing polls, 502s and 429s on sends) and SIGKILL in a stream of reports.

tests/test_faults.py covers the in-process bot and the retry layer; tests/test_crash_recovery.py one report in
the console; tests/test_durable_inbox.py that a kill loses no update Telegram counts as delivered. Here the real
process is attacked: it must stay alive and answer everything, and a kill at a random point of a report stream
must leave every acknowledged report counted and none counted twice, also when impatient liaisons resend what
was not yet acknowledged (the durable inbox handles the original after the restart too, so both arrive).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.services.actors import Actor
from bot.services.facade import BotService
from bot.settings import Settings
from reporting.outcomes import InviteCreated
from tests.bot_driver import ADMIN_ID, BotDriver, settings_for
from tests.fake_bot_api import SEND_METHODS, FakeBotApi, FaultPlan, chat_dict, user_dict
from tests.fake_bot_methods import ApiError
from tests.load_scenario import INDICATOR, MONTHS, QUESTIONS, city_figure, expected_replies, hardening_scale
from tests.report_support import expect

pytestmark = pytest.mark.process

MAIN = Path(__file__).resolve().parents[1] / "main.py"
START_TIMEOUT = 60
SAVED = re.compile(r"✅ (?:已保存|已保存过|已更正)：(\S+) · .*? · (\d{4}年\d{1,2}月) · ")


class FlakyPollsApi(FakeBotApi):
    """FakeBotApi whose getUpdates also fails with 502, from its own seeded source (sends follow `faults`)."""

    def __init__(self, poll_fail_rate: float, faults: FaultPlan) -> None:
        super().__init__(faults=faults)
        self.poll_fail_rate = poll_fail_rate
        self.failed_polls = 0
        self._poll_random = random.Random(faults.seed + 1)

    def _maybe_fault(self, method: str) -> None:
        if method != "getUpdates":
            super()._maybe_fault(method)
        elif self._poll_random.random() < self.poll_fail_rate:
            self.failed_polls += 1
            self.injected["502"] += 1
            raise ApiError(502, "Bad Gateway")


@asynccontextmanager
async def bot_process(api: FakeBotApi, db: Path | str, log: Path,
                      **env: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """`main.py run` against `api`; stopped with SIGTERM (exit code checked) unless the test killed it."""
    environment = {**os.environ, "BOT_TOKEN": api.token, "BOT_API_URL": api.api_url, "BOT_DB": str(db),
                   "BOT_ADMINS": str(ADMIN_ID), "PYTHONUNBUFFERED": "1", **env}
    polls_before = sum(1 for method, _ in api.calls if method == "getUpdates")
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(sys.executable, str(MAIN), "run", cwd=log.parent,
                                                       env=environment, stdout=output, stderr=asyncio.subprocess.STDOUT)
        try:
            await api.wait_for(lambda: sum(1 for m, _ in api.calls if m == "getUpdates") > polls_before, START_TIMEOUT)
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)


async def test_main_run_answers_everything_through_failing_polls_502s_and_429s(tmp_path: Path) -> None:
    plan = FaultPlan(fail_rate=0.15, retry_after_rate=0.10, retry_after=1, methods=SEND_METHODS, seed=11)
    users = [50_000 + u for u in range(12)]  # a subprocess bot is watched by quiet spells: scale turns, not users
    asked = {user: [QUESTIONS[(user + i) % len(QUESTIONS)] for i in range(2 * hardening_scale())] for user in users}
    from knowledge.engine import QuestionEngine
    from knowledge.parser import load_policy

    engine = QuestionEngine(load_policy())
    async with FlakyPollsApi(poll_fail_rate=0.25, faults=plan) as api:
        driver = BotDriver(api, timeout=90, settle=0.2)
        async with bot_process(api, tmp_path / "bot.db", tmp_path / "bot.log") as process:

            async def user_session(user: int) -> list[str]:
                wrong = []
                for question, expected in zip(asked[user], expected_replies(engine, asked[user]), strict=True):
                    replies = await driver.send_text(user, question, expect=len(expected))
                    if [m.html for m in replies] != expected:
                        wrong.append(f"{user} {question}: {[m.text[:40] for m in replies]}")
                return wrong

            wrong = [w for found in await asyncio.gather(*(user_session(u) for u in users)) for w in found]
            [alive] = await driver.send_text(users[0], "/help")
            assert process.returncode is None and "/measures" in alive.text
        assert process.returncode == 0  # stopped by SIGTERM, not by a fault
    assert wrong == []
    assert api.failed_polls >= 3 and api.injected["502"] - api.failed_polls >= 3 and api.injected["429"] >= 2
    for user in users:  # exactly one reply per question: nothing lost, nothing sent twice
        assert len([m for m in api.sent if m.chat_id == user]) == len(asked[user]) + (user == users[0])
    log = (tmp_path / "bot.log").read_text()
    assert api.token not in log and "Traceback" not in log


async def _enrol(settings: Settings, count: int) -> list[Actor]:
    """Liaisons of one unit each for the reported indicator, made through the service as an admin would."""
    service = await BotService.open(settings)
    try:
        assert service.reports is not None
        admin = Actor(user_id=ADMIN_ID, chat_id=ADMIN_ID)
        liaisons = []
        for index in range(count):
            invite = expect(await service.reports.liaisons.create_invite(admin, f"报送单位{index} {INDICATOR} 新建"),
                            InviteCreated)
            liaison = Actor(user_id=60_000 + index, chat_id=60_000 + index, name=f"联络员{index}")
            await service.reports.liaisons.join(liaison, invite.code)
            liaisons.append(liaison)
        return liaisons
    finally:
        await service.close()


def _report_update(api: FakeBotApi, user: int, text: str) -> dict:
    return {"message": {"message_id": api.next_message_id(), "date": int(time.time()), "chat": chat_dict(user),
                        "from": user_dict(user), "text": text}}


def _acknowledged(api: FakeBotApi) -> list[tuple[str, str]]:
    """(unit, period) of every receipt the bot sent, in order, first deliveries and replays alike."""
    return [(match.group(1), match.group(2)) for m in list(api.sent) if (match := SAVED.search(m.text))]


@pytest.mark.both_engines
@pytest.mark.parametrize("seed", [5, 23])
async def test_sigkill_in_a_report_stream_loses_no_acknowledged_report_and_counts_none_twice(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    per_liaison = 12 * hardening_scale()
    async with FakeBotApi() as api:
        settings = settings_for(api, tmp_path)
        liaisons = await _enrol(settings, 2)
        stream: dict[tuple[str, str], float] = {}
        texts: dict[tuple[str, str], tuple[int, str]] = {}
        for step in range(per_liaison):
            for index, liaison in enumerate(liaisons):
                year, month = MONTHS[(step * 2 + index) % len(MONTHS)]
                key = (f"报送单位{index}", f"{year}年{month}月")
                stream[key] = float(rng.randint(1, 5))
                texts[key] = (liaison.user_id, f"#{INDICATOR} {stream[key]:g} {year}年{month}月")
        kill_after = rng.randint(2, len(stream) - 3)
        env = {"BOT_FLOOD_PER_MINUTE": "100000"}
        log = tmp_path / "bot.log"

        async with bot_process(api, settings.db, log, **env) as first:
            for user, text in list(texts.values())[: kill_after + 2]:  # the rest is never sent before the kill
                await api.push_update(_report_update(api, user, text))
            await api.wait_for(lambda: len(_acknowledged(api)) >= kill_after, 60)
            await asyncio.sleep(rng.uniform(0, 0.05))
            first.send_signal(signal.SIGKILL)
            assert await asyncio.wait_for(first.wait(), 30) == -signal.SIGKILL
        before_kill = set(_acknowledged(api))
        assert 0 < len(before_kill) < len(stream)  # killed in the middle of the stream

        async with bot_process(api, settings.db, log, **env):
            for key in stream.keys() - before_kill:  # no receipt: the liaison sends it again
                await api.push_update(_report_update(api, *texts[key]))
            await api.wait_for(lambda: set(_acknowledged(api)) >= set(stream), 60)

    assert before_kill <= set(stream)
    service = await BotService.open(settings)
    try:
        assert service.reports is not None
        rows = await service.reports.db.fetchall(
            "SELECT u.name, r.period, r.value FROM reports r JOIN units u ON u.id = r.unit_id"
            " WHERE r.indicator = ? AND r.undone_at IS NULL ORDER BY r.id", (INDICATOR,))
    finally:
        await service.close()
    latest = {(name, f"{int(period[:4])}年{int(period[5:])}月"): value for name, period, value in rows}
    assert latest == stream  # every report is there with its value, acknowledged before the kill or resent after
    baseline = next(i.baseline for i in service.document.indicators if i.number == INDICATOR)
    assert await city_figure(settings) == pytest.approx(baseline + sum(stream.values()))  # none counted twice
    assert api.token not in log.read_text()
