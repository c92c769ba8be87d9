"""The dashboard's web server in the running bot: the page, and the /api/ JSON behind Telegram's signed init data.

Every call without valid, fresh init data signed for this bot is 401; a valid one from a non-admin is 403; bad
ids and bodies are 4xx with a Chinese message, never 500. Approval through the API is end to end: the liaison's
figure waits, the API approves it, the board counts it and the liaison hears of it through the fake Bot API.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest

from tests.bot_driver import ADMIN_ID, WORKER_ID
from tests.dashboard_support import Dashboard, dashboard, init_data
from tests.fake_bot_api import FakeBotApi

pytestmark = [pytest.mark.telegram, pytest.mark.both_engines]

ENDPOINTS = (("GET", "api/indicators"), ("GET", "api/indicators/15"), ("GET", "api/indicators/15/units/1"),
             ("GET", "api/completeness"), ("GET", "api/pending"), ("POST", "api/pending/1/approve"),
             ("POST", "api/pending/1/return"))
BASELINE_15 = 30


def by_number(board: dict) -> dict[int, dict]:
    return {row["number"]: row for row in board["indicators"]}


def tampered(data: str, key: str, value: str) -> str:
    fields = dict(parse_qsl(data))
    fields[key] = value
    return urlencode(fields)


def auth_failures(token: str) -> dict[str, str]:
    """Authorization headers that must all be refused with 401, by what is wrong with them."""
    good = init_data(token)
    now = dt.datetime.now(dt.UTC)
    return {
        "no header": "",
        "another scheme": f"Bearer {good}",
        "scheme only": "tma ",
        "tampered user": "tma " + tampered(good, "user", json.dumps({"id": WORKER_ID + 1, "first_name": "x"})),
        "tampered auth_date": "tma " + tampered(good, "auth_date", str(int(now.timestamp()) + 60)),
        "tampered hash": "tma " + tampered(good, "hash", "0" * 64),
        "no hash": "tma " + urlencode({k: v for k, v in parse_qsl(good) if k != "hash"}),
        "another bot's token": f"tma {init_data('654321:ANOTHER-bot-token')}",
        "stale (two days)": f"tma {init_data(token, signed_at=now - dt.timedelta(days=2))}",
        "a day and a minute": f"tma {init_data(token, signed_at=now - dt.timedelta(days=1, minutes=1))}",
        "from the future": f"tma {init_data(token, signed_at=now + dt.timedelta(hours=1))}",
        "a field twice": f"tma {good}&auth_date=1",
        "not a query string": "tma %%%",
        "no user": "tma " + init_data(token).replace("user=", "usr="),
    }


@pytest.fixture
async def board(fake_api: FakeBotApi, tmp_path: Path):
    async with dashboard(fake_api, tmp_path) as running:
        await running.join_liaison()
        yield running


async def test_the_page_and_its_assets_come_from_the_bot(board: Dashboard) -> None:
    async with board.http.get(board.base) as page:
        html = await page.text()
        assert page.status == 200 and page.content_type == "text/html"
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'lang="zh-CN"' in html and "数据看板" in html and 'name="viewport"' in html
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not asset.startswith(("http:", "https:", "//")), asset  # nothing from a CDN
        async with board.http.get(board.base + asset) as response:
            body = await response.text()
            assert response.status == 200 and not re.search(r"https?://", body), asset
    async with board.http.get(board.base + "app.css") as css:
        assert "--tg-theme-bg-color" in await css.text()  # Telegram's theme colours


async def test_no_data_without_valid_signed_init_data(board: Dashboard) -> None:
    for why, header in auth_failures(board.api.token).items():
        for method, path in ENDPOINTS:
            status, body = await board.call(method, path, header)
            assert status == 401, (why, path, status, body)
            assert set(body) == {"error"} and "/dashboard" in body["error"], (why, body)
    assert (await board.call("GET", "api/indicators"))[0] == 200  # the same call, signed: answered


async def test_non_admins_are_403_on_every_endpoint(board: Dashboard) -> None:
    for method, path in ENDPOINTS:
        status, body = await board.call(method, path, user=WORKER_ID, body={"reason": "x"})
        assert status == 403 and "管理员" in body["error"], (path, status, body)


async def test_the_board_has_the_22_indicators_with_targets(board: Dashboard) -> None:
    status, body = await board.call("GET", "api/indicators")
    assert status == 200 and len(body["indicators"]) == 22 and body["approval"] is True
    for row in body["indicators"]:
        assert {"number", "name", "current", "targets", "status", "baseline", "expected", "chart_svg"} <= set(row)
        assert set(row["targets"]) == {"2023", "2025"} and row["chart_svg"].startswith("<svg")
    craftsmen = by_number(body)[15]
    assert (craftsmen["number"], craftsmen["name"], craftsmen["current"]) == (15, "新增济南工匠", BASELINE_15)
    assert craftsmen["targets"] == {"2023": 90, "2025": 150} and craftsmen["baseline"] == {"year": 2021, "value": 30}


async def test_a_pending_figure_counts_once_approved_through_the_api(board: Dashboard) -> None:
    await board.driver.send_text(WORKER_ID, "济南工匠 12 2026年10月")
    receipt = board.driver.messages_in(WORKER_ID)[-1].text
    assert "待审核" in receipt and "审核通过后才计入" in receipt
    status, queue = await board.call("GET", "api/pending")
    [waiting] = queue["pending"]
    assert status == 200 and (waiting["unit"], waiting["indicator"], waiting["period"], waiting["value"]) == (
        "市总工会", 15, "2026-10", 12)
    craftsmen = by_number((await board.call("GET", "api/indicators"))[1])[15]
    assert craftsmen["current"] == BASELINE_15 and craftsmen["pending"] == 1

    status, decided = await board.call("POST", f"api/pending/{waiting['id']}/approve")
    assert status == 200 and decided["decision"]["approved"] and decided["notified"] is True
    assert decided["decision"]["current"] == BASELINE_15 + 12
    craftsmen = by_number((await board.call("GET", "api/indicators"))[1])[15]
    assert craftsmen["current"] == BASELINE_15 + 12 and craftsmen["pending"] == 0
    assert "已审核通过" in board.driver.messages_in(WORKER_ID)[-1].text  # the liaison is told
    assert (await board.call("GET", "api/pending"))[1]["pending"] == []
    status, again = await board.call("POST", f"api/pending/{waiting['id']}/approve")
    assert status == 409 and "已经审核通过" in again["error"]

    unit = (await board.call("GET", "api/indicators/15"))[1]["units"][0]
    history = (await board.call("GET", f"api/indicators/15/units/{unit['unit_id']}"))[1]["history"]
    assert [(h["status"], h["approved"], h["reviewed_by"]) for h in history] == [("有效", True, ADMIN_ID)]
    grid = (await board.call("GET", "api/completeness?months=3"))[1]
    assert len(grid["months"]) == 3 and grid["units"][0]["unit"] == "市总工会"


async def test_a_return_needs_a_reason_and_the_liaison_hears_it(board: Dashboard) -> None:
    await board.driver.send_text(WORKER_ID, "首席技师 3 2026年10月")
    [waiting] = (await board.call("GET", "api/pending"))[1]["pending"]
    path = f"api/pending/{waiting['id']}/return"
    for raw in ("", "not json", "[]", '{"reason": 5}', '{"why": "x"}', '{"reason": "   "}',
                json.dumps({"reason": "长" * 201})):
        status, body = await board.call("POST", path, raw=raw)
        assert status == 400 and body["error"], (raw, status, body)
    status, body = await board.call("POST", path, body={"reason": "单位口径不对"})
    assert status == 200 and body["decision"]["approved"] is False and body["decision"]["reason"] == "单位口径不对"
    told = board.driver.messages_in(WORKER_ID)[-1].text
    assert "退回" in told and "单位口径不对" in told


async def test_bad_ids_and_routes_are_4xx_with_a_message(board: Dashboard) -> None:
    cases = {("POST", "api/pending/abc/approve"): 400, ("POST", "api/pending/0/approve"): 400,
             ("POST", "api/pending/-1/approve"): 400, ("POST", "api/pending/１２/approve"): 400,
             ("POST", f"api/pending/{2**63}/approve"): 400, ("POST", "api/pending/99999/approve"): 404,
             ("GET", "api/indicators/99"): 404, ("GET", "api/indicators/x"): 400,
             ("GET", "api/indicators/15/units/9999"): 404, ("GET", "api/completeness?months=0"): 400,
             ("GET", "api/completeness?months=abc"): 400, ("GET", "api/pending/1/approve"): 405,
             ("GET", "api/nothing"): 404, ("DELETE", "api/pending"): 405}
    for (method, path), expected in cases.items():
        status, body = await board.call(method, path)
        assert status == expected and isinstance(body.get("error"), str) and body["error"], (path, status, body)
