"""A flaky Bot API (seeded 502s and 429s with retry_after) loses no reply and does not stop the bot."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import NetworkError

from bot.telegram.retry import RetryingRequest
from tests.conftest import WORKER_ID, running_bot, settings_for
from tests.fake_bot_api import SEND_METHODS, FakeBotApi, FaultPlan

pytestmark = pytest.mark.telegram


async def test_every_reply_arrives_through_502s_and_429s(faulty_api: FakeBotApi, tmp_path: Path) -> None:
    questions = ["谁负责产教融合?", "市总工会负责哪些工作", "济南工匠2023年目标是多少", "那2025年呢？",
                 "第8条", "双师型教师占比", "誰負責產教融合？", "公租房怎么申请"] * 2
    async with running_bot(faulty_api, settings_for(faulty_api, tmp_path)) as driver:
        for question in questions:
            replies = await driver.send_text(WORKER_ID, question)
            assert len(replies) == 1, question
        [listing] = await driver.send_text(WORKER_ID, "/measures")
        [opened] = await driver.tap(WORKER_ID, listing, "8. 完善劳动和技能竞赛体系")
        assert "市委网信办" in opened.text and driver.last_callback_answer is not None
        assert (await driver.inline_query(WORKER_ID, "产教融合"))[0]["id"] == "answer"
        [still_there] = await driver.send_text(WORKER_ID, "/help")
        assert "/measures" in still_there.text
    assert faulty_api.injected["502"] >= 3 and faulty_api.injected["429"] >= 2
    assert faulty_api.injected["early"] == 0  # after a 429 the bot waited retry_after before the next call
    answered = [m for m in faulty_api.sent if m.chat_id == WORKER_ID]
    assert len(answered) == len(questions) + 2


@pytest.mark.parametrize("faulty_api_plan", [FaultPlan(fail_rate=0.3, methods=SEND_METHODS | {"getUpdates"}, seed=3)])
async def test_polling_survives_a_failing_get_updates(faulty_api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(faulty_api, settings_for(faulty_api, tmp_path)) as driver:
        for user in range(7000, 7010):
            [reply] = await driver.send_text(user, "济南工匠2025年目标是多少")
            assert "150 人" in reply.text
    failed_polls = [c for c in faulty_api.calls if c[0] == "getUpdates"]
    assert faulty_api.injected["502"] > 0 and len(failed_polls) > 10


async def test_retries_are_bounded_and_then_the_error_surfaces() -> None:
    plan = FaultPlan(fail_rate=1.0, methods=frozenset({"sendMessage"}), max_in_a_row=1000)
    async with FakeBotApi(faults=plan) as api:
        bot = Bot(api.token, base_url=api.api_url, request=RetryingRequest(attempts=3, first_delay=0.0))
        async with bot:
            with pytest.raises(NetworkError):
                await bot.send_message(WORKER_ID, "你好")
    assert [m for m, _ in api.calls].count("sendMessage") == 3


async def test_a_single_502_is_retried_without_the_caller_noticing() -> None:
    plan = FaultPlan(fail_rate=1.0, methods=frozenset({"sendMessage"}), max_in_a_row=2)
    async with FakeBotApi(faults=plan) as api:
        bot = Bot(api.token, base_url=api.api_url, request=RetryingRequest(first_delay=0.0))
        async with bot:
            message = await bot.send_message(WORKER_ID, "你好")
    assert message.text == "你好" and [m for m, _ in api.calls].count("sendMessage") == 3
