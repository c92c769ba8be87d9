"""Shared by the dashboard's tests: a free port, signed init data, a running bot with its web server, a liaison."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from application import build_application
from bot.telegram.running import serving
from bot.services.actors import Actor
from bot.services.facade import BotService
from bot.web.auth import sign
from reporting.outcomes import InviteCreated
from tests.bot_driver import ADMIN_ID, WORKER_ID, BotDriver, settings_for
from tests.fake_bot_api import FakeBotApi


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def init_data(token: str, user_id: int = ADMIN_ID, signed_at: dt.datetime | None = None, **extra: str) -> str:
    """What a Telegram client hands the page for `user_id`, signed with the bot's token."""
    when = signed_at or dt.datetime.now(dt.UTC)
    user = {"id": user_id, "first_name": f"用户{user_id}", "language_code": "zh-hans", "allows_write_to_pm": True}
    fields = {"query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
              "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
              "auth_date": str(int(when.timestamp())), **extra}
    return sign(fields, token)


class Dashboard:
    """A running bot with its web server on 127.0.0.1, and an HTTP client speaking to it as a Mini App would."""

    def __init__(self, app: Any, driver: BotDriver, api: FakeBotApi, base: str, http: ClientSession) -> None:
        self.app, self.driver, self.api, self.base, self.http = app, driver, api, base, http

    @property
    def service(self) -> BotService:
        return self.app.bot_data.service

    async def call(self, method: str, path: str, auth: str | None = None, *, user: int = ADMIN_ID,
                   body: Any = None, raw: str | None = None) -> tuple[int, Any]:
        """(status, JSON) of an API call; `auth` replaces the header (None: admin's signed init data)."""
        header = auth if auth is not None else f"tma {init_data(self.api.token, user)}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        async with self.http.request(method, self.base + path, headers={"Authorization": header} if header else {},
                                     data=data) as response:
            return response.status, await response.json(content_type=None)

    async def join_liaison(self, user_id: int = WORKER_ID, args: str = "市总工会 15,16") -> None:
        invite = await self.service.reports.liaisons.create_invite(Actor(user_id=ADMIN_ID, chat_id=ADMIN_ID), args,
                                                                   "bot")
        assert isinstance(invite, InviteCreated), invite
        await self.service.reports.liaisons.join(Actor(user_id=user_id, chat_id=user_id, name="张三"), invite.code)


@asynccontextmanager
async def dashboard(api: FakeBotApi, tmp_path: Path, **settings: object) -> AsyncIterator[Dashboard]:
    """The bot as `main.py run` builds it, polling `api`, with BOT_WEB_PORT on a free port (approval on by default)."""
    port = free_port()
    values = {"web_port": port, "web_url": f"http://127.0.0.1:{port}/", "approval": True, **settings}
    config = settings_for(api, tmp_path, **values)
    app = build_application(config)
    driver = BotDriver(api)
    driver.hook(app)
    async with serving(app, config), ClientSession(timeout=ClientTimeout(total=10)) as http:
        yield Dashboard(app, driver, api, f"http://127.0.0.1:{port}/", http)
