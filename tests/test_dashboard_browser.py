"""The dashboard in a real browser: headless Chromium (Debian's, driven by Playwright) opens the page as Telegram
does, with signed init data in the URL fragment (#tgWebAppData=…), and shows the board with real figures; an admin
approves a waiting figure on the page; a screenshot is taken. Skipped, with one line saying so, without Chromium."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.bot_driver import ADMIN_ID, WORKER_ID
from tests.dashboard_support import Dashboard, dashboard, init_data
from tests.fake_bot_api import FakeBotApi

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium): the dashboard's browser tests "
                "did not run", allow_module_level=True)

from playwright.async_api import Page, ViewportSize, async_playwright, expect  # noqa: E402 - only once Chromium is known

pytestmark = pytest.mark.process  # a browser is a child process
THEME = {"bg_color": "#17212b", "text_color": "#f5f5f5", "hint_color": "#708499", "link_color": "#6ab3f3",
         "button_color": "#5288c1", "button_text_color": "#ffffff", "secondary_bg_color": "#232e3c"}
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


def launch_url(board: Dashboard, user_id: int = ADMIN_ID, **sign: Any) -> str:
    """The page's address as a Telegram client opens it: launch parameters in the fragment."""
    fragment = urlencode({"tgWebAppData": init_data(board.api.token, user_id, **sign), "tgWebAppVersion": "8.0",
                          "tgWebAppPlatform": "android", "tgWebAppThemeParams": json.dumps(THEME)}, quote_via=quote)
    return f"{board.base}#{fragment}"


@pytest.fixture
async def board(fake_api: FakeBotApi, tmp_path: Path):
    async with dashboard(fake_api, tmp_path) as running:
        await running.join_liaison()
        yield running


@pytest.fixture
async def page():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = await browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
            tab = await context.new_page()
            tab.set_default_timeout(TIMEOUT_MS)
            yield tab
        finally:
            await browser.close()


async def screenshot(page: Page, path: Path) -> None:
    await page.screenshot(path=str(path), full_page=False)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    keep = os.environ.get("DASHBOARD_SCREENSHOTS")  # a folder to keep them in (CI artifacts, a look by eye)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)


async def test_the_board_shows_real_figures_in_telegrams_colours(board: Dashboard, page: Page, tmp_path: Path) -> None:
    await board.driver.send_text(WORKER_ID, "济南工匠 12 2026年10月")
    waiting = (await board.call("GET", "api/pending"))[1]["pending"][0]["id"]
    assert (await board.call("POST", f"api/pending/{waiting}/approve"))[0] == 200
    await page.goto(launch_url(board))
    await expect(page.locator("body")).to_have_attribute("data-ready", "board")
    await expect(page.locator("#board .card")).to_have_count(22)
    craftsmen = page.locator('#board .card[data-number="15"]')
    await expect(craftsmen.locator(".current")).to_have_text("42 人")
    await expect(craftsmen).to_contain_text("2025年目标 150 人")
    await expect(craftsmen.locator("svg.trajectory circle.now")).to_have_count(1)
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"  # the theme's bg_color, from the fragment
    await craftsmen.scroll_into_view_if_needed()
    await screenshot(page, tmp_path / "dashboard-board.png")

    await craftsmen.click()
    await expect(page.locator("#detail tr.unit")).to_have_count(1)
    await page.locator("#detail tr.unit").click()
    entry = page.locator(f'#detail .entry[data-id="{waiting}"]')
    await expect(entry).to_contain_text("有效")
    await expect(entry).to_contain_text("审核通过")

    await page.locator('#tabs button[data-tab="grid"]').click()
    await expect(page.locator("#grid tbody tr")).to_have_count(1)
    await expect(page.locator("#grid tbody tr th")).to_contain_text("市总工会")


async def test_an_admin_approves_a_waiting_figure_on_the_page(board: Dashboard, page: Page, tmp_path: Path) -> None:
    await board.driver.send_text(WORKER_ID, "济南工匠 12 2026年10月")
    await page.goto(launch_url(board))
    craftsmen = page.locator('#board .card[data-number="15"]')
    await expect(craftsmen.locator(".current")).to_have_text("30 人")  # the baseline: nothing approved yet
    await expect(craftsmen.locator(".pending-note")).to_contain_text("1 条待审核")
    await expect(page.locator("#queue-count")).to_have_text("1")
    await page.locator('#tabs button[data-tab="queue"]').click()
    item = page.locator("#queue .item")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("市总工会 · 新增济南工匠 · 2026年10月 · 12 人")
    await screenshot(page, tmp_path / "dashboard-queue.png")
    await item.locator("button.approve").click()
    await expect(page.locator("#message")).to_contain_text("已通过")
    await expect(page.locator("#queue .empty")).to_be_visible()
    await expect(page.locator("#queue-count")).to_have_text("")
    await expect(craftsmen.locator(".current")).to_have_text("42 人")
    assert "已审核通过" in board.driver.messages_in(WORKER_ID)[-1].text  # the liaison was told


async def test_the_page_shows_no_data_without_an_admins_fresh_signature(board: Dashboard, page: Page) -> None:
    import datetime as dt

    await page.goto(board.base)  # opened outside Telegram: no init data at all
    await expect(page.locator("#message")).to_contain_text("/dashboard")
    await expect(page.locator("#board .card")).to_have_count(0)
    await page.goto("about:blank")
    await page.goto(launch_url(board, WORKER_ID))
    await expect(page.locator("#message")).to_contain_text("只有管理员")
    await expect(page.locator("#board .card")).to_have_count(0)
    await page.goto("about:blank")
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    await page.goto(launch_url(board, signed_at=stale))
    await expect(page.locator("#message")).to_contain_text("已过期")
    await expect(page.locator("#board .card")).to_have_count(0)
