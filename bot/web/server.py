"""The web server inside the bot process (aiohttp on the bot's event loop): the dashboard page, its API and, in
webhook mode, Telegram's webhook, one app on BOT_WEB_LISTEN:BOT_WEB_PORT (PTB's custom-webserver pattern).

Every /api/ call carries `Authorization: tma <initData>`, verified here (bot/web/auth.py) before a route runs:
401 when missing, forged or stale. Expected errors become JSON {"error": …} with their status; nothing the page
loads comes from elsewhere (the assets are files of this package).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib import resources
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.services.actors import Actor
from bot.telegram.review_notices import tell_reporter
from bot.services.facade import BotService
from bot.settings import Settings
from bot.web.api import ACTOR, routes
from bot.web.auth import from_header, verify
from errors import Conflict, InputError, NotFound, PermissionDenied, RateLimited, StorageUnavailable, Unauthorized
from errors import UserFacingError
from reporting.review_outcomes import Decision

log = logging.getLogger(__name__)

ASSETS = {"/": ("index.html", "text/html"), "/app.js": ("app.js", "text/javascript"),
          "/app.css": ("app.css", "text/css")}
STATUS = ((Unauthorized, 401), (PermissionDenied, 403), (NotFound, 404), (Conflict, 409), (RateLimited, 429),
          (InputError, 400), (UserFacingError, 400))
BUSY = "数据库暂时不可用（正在启动、停止，或被其他程序锁定），请稍后再试。"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                               " connect-src 'self'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(exc: UserFacingError) -> web.Response:
    status = next(code for kind, code in STATUS if isinstance(exc, kind))
    return web.json_response({"error": exc.reply}, status=status, headers=HEADERS)


def build_web_app(service: Callable[[], BotService], token: str, webhook: Handler | None = None,
                  notify: Callable | None = None, webhook_path: str | None = None) -> web.Application:
    """The aiohttp app: page, assets, API (and the webhook at `webhook_path`) over the running bot's service."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            if request.path.startswith("/api/"):
                found = service()
                user = verify(from_header(request.headers.get("Authorization")), token, found.clock())
                request[ACTOR] = Actor(user_id=user.id, chat_id=user.id, name=user.name, username=user.username)
            response = await handler(request)
        except UserFacingError as exc:
            return _error(exc)
        except StorageUnavailable:
            return web.json_response({"error": BUSY}, status=503, headers=HEADERS)
        except web.HTTPException as exc:
            if request.path.startswith("/api/") and exc.status >= 400:  # an unknown route or method: JSON too
                return web.json_response({"error": f"没有这个接口：{request.method} {request.path}"}, status=exc.status,
                                         headers=HEADERS)
            raise
        except Exception:
            log.exception("dashboard request %s %s failed", request.method, request.path)
            return web.json_response({"error": "服务器内部错误，请稍后再试。"}, status=500, headers=HEADERS)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app.add_routes(routes(service, notify or (lambda decision: _false())))
    for path, (name, kind) in ASSETS.items():
        app.router.add_get(path, _asset(name, kind))
    if webhook is not None and webhook_path:
        app.router.add_post(webhook_path, webhook)
    return app


async def _false() -> bool:
    return False


def _asset(name: str, kind: str) -> Handler:
    body = resources.files("bot.web").joinpath("assets", name).read_bytes()  # read once, at start

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=kind, charset="utf-8")

    return serve


def webhook_handler(app: Application, secret: str) -> Handler:
    """Telegram's POSTs: checked by their secret header, queued (bot/telegram/inbox.py answers once it is committed)."""

    async def receive(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), app.bot)
        except ValueError:
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        await app.update_queue.put(update)
        return web.Response()

    return receive


class WebServer:
    """The running site; `stop()` closes it before the service it reads goes."""

    def __init__(self, runner: web.AppRunner, url: str) -> None:
        self.runner = runner
        self.url = url

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_web_server(app: Application, settings: Settings, secret: str) -> WebServer:
    """Listen on BOT_WEB_LISTEN:BOT_WEB_PORT; in webhook mode also take Telegram's updates at BOT_WEBHOOK_URL's path."""
    from bot.telegram.context import BotData

    data: BotData = app.bot_data

    def service() -> BotService:
        if data.service is None:
            raise StorageUnavailable
        return data.service

    async def notify(decision: Decision) -> bool:
        return await tell_reporter(app.bot, decision)

    path = urlparse(settings.webhook_url).path or "/" if settings.webhook_url else None
    receive = webhook_handler(app, secret)
    web_app = build_web_app(service, settings.token.get_secret_value() if settings.token else "",
                            webhook=receive, notify=notify, webhook_path=path)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.web_listen, settings.web_port)
    await site.start()
    log.info("dashboard listening on %s:%s", settings.web_listen, settings.web_port)
    return WebServer(runner, f"http://{settings.web_listen}:{settings.web_port}/")
