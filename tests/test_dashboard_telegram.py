"""/dashboard and approval in Telegram, end to end through the real Application polling the fake Bot API: the Web
App button for admins only, the admins' menu, review cards with 通过 / 退回, the reason as a reply, the liaison told;
and webhook mode served by the dashboard's own web server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot_driver import ADMIN_ID, GROUP_ID, WORKER_ID, running_bot, settings_for
from tests.dashboard_support import Dashboard, dashboard, free_port
from tests.fake_bot_api import FakeBotApi

pytestmark = [pytest.mark.telegram, pytest.mark.both_engines]


@pytest.fixture
async def board(fake_api: FakeBotApi, tmp_path: Path):
    async with dashboard(fake_api, tmp_path) as running:
        await running.join_liaison()
        yield running


async def test_dashboard_gives_the_web_app_button_to_admins_only(board: Dashboard) -> None:
    [reply] = await board.driver.send_text(ADMIN_ID, "/dashboard")
    assert reply.buttons == [[("打开数据看板", board.base)]]
    assert reply.reply_markup is not None
    assert reply.reply_markup["inline_keyboard"][0][0]["web_app"] == {"url": board.base}
    [refused] = await board.driver.send_text(WORKER_ID, "/dashboard")
    assert "只有管理员" in refused.text and not refused.buttons
    [in_group] = await board.driver.send_text(ADMIN_ID, "/dashboard", GROUP_ID)
    assert "私聊" in in_group.text and not in_group.buttons
    admin_menu = [c["command"] for c in board.api.commands[f"chat:{ADMIN_ID}"]]
    assert "dashboard" in admin_menu and "dashboard" not in [c["command"] for c in board.api.commands["default"]]


async def test_dashboard_without_a_web_server_says_how_to_open_one(fake_api: FakeBotApi, tmp_path: Path) -> None:
    async with running_bot(fake_api, settings_for(fake_api, tmp_path)) as driver:
        [reply] = await driver.send_text(ADMIN_ID, "/dashboard")
    assert "BOT_WEB_PORT" in reply.text and "BOT_WEB_URL" in reply.text and not reply.buttons


async def test_admins_approve_from_the_card_they_receive(board: Dashboard) -> None:
    await board.driver.send_text(WORKER_ID, "济南工匠 12 2026年10月")
    await board.api.wait_for(lambda: board.driver.messages_in(ADMIN_ID))
    [card] = board.driver.messages_in(ADMIN_ID)
    assert "待审核" in card.text and "济南工匠" in card.text and "12 人" in card.text
    assert [text for row in card.buttons for text, _ in row] == ["✅ 通过", "↩️ 退回", "打开数据看板"]
    approve = card.buttons[0][0][1]
    await board.driver.tap(WORKER_ID, card, "✅ 通过")
    assert "只有管理员" in (board.driver.last_callback_answer or {}).get("text", "")
    await board.driver.tap(ADMIN_ID, card, "✅ 通过", expect=1)
    decided = board.api.messages[(ADMIN_ID, card.message_id)]
    assert "已审核通过" in decided.text and "42 人" in decided.text and not decided.buttons
    assert "已审核通过" in board.driver.messages_in(WORKER_ID)[-1].text
    await board.driver.tap_data(ADMIN_ID, card, approve)  # another admin's card, tapped later
    assert "已经审核通过" in (board.driver.last_callback_answer or {}).get("text", "")


async def test_admins_return_with_a_reason_sent_as_a_reply(board: Dashboard) -> None:
    await board.driver.send_text(WORKER_ID, "首席技师 3 2026年10月")
    await board.api.wait_for(lambda: board.driver.messages_in(ADMIN_ID))
    [card] = board.driver.messages_in(ADMIN_ID)
    [prompt] = await board.driver.tap(ADMIN_ID, card, "↩️ 退回", expect=1)
    assert "写明退回" in prompt.text and (prompt.reply_markup or {}).get("force_reply") is True
    [done] = await board.driver.send_text(ADMIN_ID, "请按台账核对后重报", reply_to=prompt)
    assert "已退回" in done.text and "请按台账核对后重报" in done.text
    told = board.driver.messages_in(WORKER_ID)[-1].text
    assert "退回" in told and "请按台账核对后重报" in told and "首席技师" in told
    _, queue = await board.call("GET", "api/pending")
    assert queue["pending"] == []


async def test_with_approval_off_no_card_and_the_receipt_is_as_before(fake_api: FakeBotApi, tmp_path: Path) -> None:
    async with dashboard(fake_api, tmp_path, approval=False) as running:
        await running.join_liaison()
        [receipt] = await running.driver.send_text(WORKER_ID, "济南工匠 12 2026年10月")
        assert receipt.text.startswith("✅ 已保存") and "待审核" not in receipt.text
        assert running.driver.messages_in(ADMIN_ID) == []


async def test_webhook_mode_is_served_by_the_dashboards_server(fake_api: FakeBotApi, tmp_path: Path) -> None:
    port = free_port()
    settings = settings_for(fake_api, tmp_path, web_port=port, web_url=f"http://127.0.0.1:{port}/",
                            webhook_url=f"http://127.0.0.1:{port}/telegram")
    async with running_bot(fake_api, settings) as driver:
        assert fake_api.webhook["url"] == f"http://127.0.0.1:{port}/telegram"
        [answer] = await driver.send_text(WORKER_ID, "谁负责产教融合?")
        assert "产教融合" in answer.text
        from aiohttp import ClientSession

        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/") as page:
            assert page.status == 200 and "数据看板" in await page.text()
        async with ClientSession() as http, http.post(f"http://127.0.0.1:{port}/telegram", json={}) as forged:
            assert forged.status == 403  # no secret header: not Telegram
