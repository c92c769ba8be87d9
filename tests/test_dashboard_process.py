"""`main.py run` as deployed with the dashboard: one web server takes Telegram's webhook and serves the page and its
API; figures held for review wait, an approval through the API counts one and tells its liaison; SIGTERM stops it
cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiohttp import ClientSession, ClientTimeout

from tests.bot_driver import ADMIN_ID, settings_for
from tests.dashboard_support import free_port, init_data
from tests.fake_bot_api import FakeBotApi
from tests.test_durable_inbox import WAIT, bot_process, burst, enrol
from tests.test_fault_tolerance import _report_update

pytestmark = pytest.mark.process


async def test_main_run_serves_webhook_page_and_api_on_one_port(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {"BOT_WEB_PORT": str(port), "BOT_WEB_URL": base, "BOT_WEBHOOK_URL": f"{base}tg/hook", "BOT_APPROVAL": "on"}
    async with FakeBotApi() as api:
        settings = settings_for(api, tmp_path)
        sent = burst(await enrol(settings, 3), per_liaison=1)
        async with bot_process(api, settings, tmp_path / "bot.log", "setWebhook", **env) as process:
            assert api.webhook["url"] == f"{base}tg/hook"
            for user, text, _, _ in sent:
                await api.push_update(_report_update(api, user, text))  # POSTed to the dashboard's server
            waiting = {user for user, *_ in sent}
            await api.wait_for(lambda: waiting <= {m.chat_id for m in api.sent if "待审核" in m.text}, WAIT)
            headers = {"Authorization": f"tma {init_data(api.token, ADMIN_ID)}"}
            async with ClientSession(timeout=ClientTimeout(total=10)) as http:
                async with http.get(base) as page:
                    assert page.status == 200 and "数据看板" in await page.text()
                async with http.get(f"{base}api/pending", headers=headers) as response:
                    queue = json.loads(await response.text())
                assert response.status == 200 and queue["total"] == len(sent)
                first = queue["pending"][0]
                async with http.post(f"{base}api/pending/{first['id']}/approve", headers=headers) as response:
                    assert response.status == 200
                async with http.get(f"{base}api/pending") as response:
                    assert response.status == 401
            told = first["reporter_id"]
            await api.wait_for(lambda: any("已审核通过" in m.text for m in api.sent if m.chat_id == told), WAIT)
        assert process.returncode == 0  # stopped by SIGTERM, cleanly
    assert "Traceback" not in (tmp_path / "bot.log").read_text()
