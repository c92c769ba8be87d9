"""End to end over HTTP: the real Application long-polls our fake Bot API, in process and as `main.py run`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.bot_driver import BotDriver
from tests.conftest import GROUP_ID, WORKER_ID, running_bot, settings_for
from tests.fake_bot_api import FakeBotApi

pytestmark = [pytest.mark.telegram, pytest.mark.both_engines]

MAIN = Path(__file__).resolve().parents[1] / "main.py"
FIVE = ("市发展改革委", "市教育局", "市工业和信息化局", "市人力资源社会保障局", "市国资委")


async def test_a_worker_session_through_the_bot_api(telegram: BotDriver) -> None:
    [welcome] = await telegram.send_text(WORKER_ID, "/start")
    assert "政策助手" in welcome.text
    [usage] = await telegram.send_text(WORKER_ID, "/help")
    assert "/measures" in usage.text

    [lead] = await telegram.send_text(WORKER_ID, "谁负责产教融合?")
    assert "牵头部门（5个）" in lead.text and all(dept in lead.text for dept in FIVE)
    [union] = await telegram.send_text(WORKER_ID, "市总工会负责哪些工作")
    assert "共 12 条" in union.text and len(union.button_texts) == 12

    [target] = await telegram.send_text(WORKER_ID, "济南工匠2023年目标是多少")
    assert "2023年目标：90 人" in target.text
    [follow_up] = await telegram.send_text(WORKER_ID, "那2025年呢？")
    assert "2025年目标：150 人" in follow_up.text.split("\n")[1]

    [listing] = await telegram.send_text(WORKER_ID, "/measures")
    [opened] = await telegram.tap(WORKER_ID, listing, "4. 积极推进产教融合试点")
    assert "牵头部门（5个）" in opened.text
    await telegram.tap(WORKER_ID, opened, "全文")
    assert "产教融合集团" in opened.text

    [traditional] = await telegram.send_text(WORKER_ID, "誰負責產教融合？")
    assert all(dept in traditional.text for dept in FIVE)
    [outside] = await telegram.send_text(WORKER_ID, "公租房怎么申请")
    assert "不在" in outside.text and "可以这样问" in outside.text

    results = await telegram.inline_query(WORKER_ID, "产教融合")
    assert "市国资委" in results[0]["input_message_content"]["message_text"]
    assert telegram.api.rejected == [] and telegram.api.unknown_methods == []


async def test_a_conversation_keeps_its_state_through_the_bot_api(telegram: BotDriver) -> None:
    user = WORKER_ID + 7
    [lead] = await telegram.send_text(user, "谁负责产教融合?")
    assert "第4条" in lead.text
    [thanks] = await telegram.send_text(user, "谢谢")
    assert "例如" in thanks.text
    [year] = await telegram.send_text(user, "那2025年呢?")
    assert "指标22" in year.text and "70%" in year.text
    [union] = await telegram.send_text(user, "市总工会负责哪些措施")
    assert "共 12 条" in union.text
    [within] = await telegram.send_text(user, "这里面哪些有国资委")
    assert "共 8 条" in within.text and len(within.button_texts) == 8
    [count] = await telegram.send_text(user, "一共几条")
    assert "共 8 条" in count.text
    [hello] = await telegram.send_text(WORKER_ID + 8, "那2025年呢?")  # another chat has no state to follow
    assert "指标22" not in hello.text


async def test_group_chat_only_answers_when_addressed(telegram: BotDriver) -> None:
    assert await telegram.send_text(WORKER_ID, "谁负责产教融合?", chat_id=GROUP_ID) == []
    [answer] = await telegram.send_text(WORKER_ID, "@jinan_policy_bot 谁负责产教融合?", chat_id=GROUP_ID)
    assert "市国资委" in answer.text and answer.reply_to is not None


async def test_fifty_users_at_once_each_get_their_own_answer(telegram: BotDriver) -> None:
    users = range(5000, 5050)
    questions = ["济南工匠2023年目标是多少", "谁负责产教融合?"]
    replies = await asyncio.gather(*(telegram.send_text(u, questions[u % 2]) for u in users))
    for user, [reply] in zip(users, replies, strict=True):
        assert reply.chat_id == user
        assert ("90 人" in reply.text) if user % 2 == 0 else ("市国资委" in reply.text)


async def test_the_bot_api_url_and_file_url_come_from_settings(fake_api: FakeBotApi, tmp_path: Path) -> None:
    from application import build_application

    app = build_application(settings_for(fake_api, tmp_path))
    assert app.bot.base_url == f"{fake_api.api_url}{fake_api.token}"
    assert app.bot.base_file_url == f"http://127.0.0.1:{fake_api.port}/file/bot{fake_api.token}"


@pytest.mark.process
async def test_main_run_serves_a_user_and_stops_on_sigterm(fake_api: FakeBotApi, tmp_path: Path) -> None:
    env = {**os.environ, "BOT_TOKEN": fake_api.token, "BOT_API_URL": fake_api.api_url,
           "BOT_DB": str(tmp_path / "bot.db"), "BOT_ADMINS": "1001", "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(sys.executable, str(MAIN), "run", cwd=tmp_path, env=env,
                                                       stdout=log, stderr=asyncio.subprocess.STDOUT)
        try:
            await fake_api.wait_for(lambda: any(m == "getUpdates" for m, _ in fake_api.calls), timeout=60)
            driver = BotDriver(fake_api)
            [reply] = await driver.send_text(WORKER_ID, "谁负责产教融合?")
            assert all(dept in reply.text for dept in FIVE)
            assert fake_api.commands["default"][0] == {"command": "start", "description": "开始使用"}
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), timeout=30)
    output = log_path.read_text()
    assert code == 0, output
    assert fake_api.token not in output and "HTTP Request" not in output


@pytest.mark.process
async def test_main_run_without_a_token_explains_how_to_set_it(tmp_path: Path) -> None:
    env = {**os.environ, "BOT_TOKEN": ""}
    process = await asyncio.create_subprocess_exec(sys.executable, str(MAIN), "run", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    message = err.decode()
    assert process.returncode == 2
    assert "未设置 BOT_TOKEN" in message and "export BOT_TOKEN=" in message and "BOT_TOKEN is not set" in message
    assert "Traceback" not in message and out == b""


@pytest.mark.process
async def test_main_run_with_a_rejected_token_exits_2_without_showing_it(fake_api: FakeBotApi, tmp_path: Path) -> None:
    env = {**os.environ, "BOT_TOKEN": "999:WRONG-TOKEN", "BOT_API_URL": fake_api.api_url,
           "BOT_DB": str(tmp_path / "b.db")}
    process = await asyncio.create_subprocess_exec(sys.executable, str(MAIN), "run", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert "BOT_TOKEN 无效" in out.decode() and "WRONG-TOKEN" not in out.decode()


@pytest.mark.pure
def test_settings_blank_token_is_missing() -> None:
    assert Settings(_env_file=None, token="  ").token is None


async def test_webhook_mode_receives_updates_posted_by_the_api(fake_api: FakeBotApi, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_for(fake_api, tmp_path, webhook_url=f"http://127.0.0.1:{port}/tg/hook", webhook_port=port)
    async with running_bot(fake_api, settings) as driver:
        assert fake_api.webhook["url"].endswith("/tg/hook") and fake_api.token not in fake_api.webhook["secret_token"]
        [reply] = await driver.send_text(WORKER_ID, "济南工匠2025年目标是多少")
        assert "150 人" in reply.text
    assert not any(method == "getUpdates" for method, _ in fake_api.calls)
