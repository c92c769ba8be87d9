"""The Telegram Application: built from Settings in one factory that `main.py run`, tests and bench all use."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlparse

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, LinkPreviewOptions, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    Defaults,
)
from telegram.request import BaseRequest

from bot.api_wait import STOP_SIGNALS, wait_for_api
from bot.commands import ADMIN_COMMANDS, PUBLIC_COMMANDS
from bot.context import CONTEXT_TYPES, BotApplication, BotData
from bot.inbox import DurableUpdateQueue, PollingRequest, UpdateInbox
from bot.jobs import schedule
from bot.retry import RetryingRequest
from bot.review_notices import announce_held
from bot.send_limits import FairRateLimiter
from bot.service import BotService
from bot.settings import Settings
from bot.updates import PerChatUpdateProcessor
from bot.web_server import start_web_server
from errors import ConfigError
from handlers import admin, browse, fallbacks, flood_guard, inline, questions, reports, review, start

log = logging.getLogger(__name__)

# Order matters: commands and buttons first, free text next, the catch-alls of `fallbacks` last.
HANDLER_MODULES = (flood_guard, start, browse, inline, reports, admin, review, questions, fallbacks)
POLLING = {"timeout": 30, "bootstrap_retries": -1, "allowed_updates": Update.ALL_TYPES, "drop_pending_updates": False}
MISSING_TOKEN = (
    "未设置 BOT_TOKEN，无法启动 Telegram 机器人。请在环境变量或 .env 文件中设置，例如：\n"
    "  export BOT_TOKEN=123456789:AAExample（向 @BotFather 申请）\n"
    "不联网试用请运行：make run（未设置 BOT_TOKEN 时进入终端对话，使用独立的试用数据库）\n"
    "BOT_TOKEN is not set. Set it in the environment or in .env, e.g. `export BOT_TOKEN=123456789:AAExample`\n"
    "(get one from @BotFather), or try `make run` offline (without BOT_TOKEN it starts the console)."
)


def build_application(
    settings: Settings, *, flood_limits: bool = True, request: BaseRequest | None = None
) -> BotApplication:
    """The Application for `settings`.

    `flood_limits=False` lifts the per-second send caps and the per-user flood limit (bench only); `request`
    replaces the HTTP transport (handler tests record calls in memory).
    """
    if settings.token is None:
        raise ConfigError(MISSING_TOKEN)
    quiet_http_logs()
    service_settings = settings if flood_limits else settings.model_copy(update={"flood_per_minute": 0})
    limiter = FairRateLimiter() if flood_limits else FairRateLimiter(0, 0)  # Telegram's limits, a quiet chat first
    updates = DurableUpdateQueue()  # bot/inbox.py: an update is committed or handled before Telegram is told
    builder = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .context_types(CONTEXT_TYPES)
        .request(request or RetryingRequest(connection_pool_size=64, read_timeout=15, write_timeout=20, pool_timeout=10))
        .get_updates_request(request or PollingRequest(updates.barrier, connection_pool_size=2, read_timeout=15))
        .rate_limiter(limiter)
        .update_queue(updates)
        .concurrent_updates(PerChatUpdateProcessor(64, finished=updates.finished))
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True), tzinfo=settings.zone))
        .post_init(lambda app: _post_init(app, service_settings))
        .post_shutdown(_post_shutdown)
    )
    if settings.api_url and settings.file_api_url:
        builder = builder.base_url(settings.api_url).base_file_url(settings.file_api_url)
    app: BotApplication = builder.build()
    for module in HANDLER_MODULES:
        module.register(app)
    schedule(app, service_settings)  # bot/jobs.py: weekly summary, reminders, catch-up after a restart
    return app


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments of run_webhook / start_webhook: the local server listens on the path of BOT_WEBHOOK_URL."""
    token = settings.token.get_secret_value() if settings.token else ""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlparse(settings.webhook_url or "").path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": webhook_secret(token),
        "allowed_updates": Update.ALL_TYPES,
        "bootstrap_retries": -1,
    }


@asynccontextmanager
async def serving(app: BotApplication, settings: Settings, **overrides: Any) -> AsyncIterator[BotApplication]:
    """Run `app` inside a running event loop, as run_bot would (polling, or webhook when configured).

    The order is Application.run_polling's: initialize, post_init, updater, start; then the reverse.
    """
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        if settings.webhook_url and settings.web_port is not None:
            pass  # the web server (started in post_init) takes the webhook: bot/web_server.py
        elif settings.webhook_url:
            await app.updater.start_webhook(**{**webhook_options(settings), **overrides})
        else:
            await app.updater.start_polling(**{**POLLING, **overrides})
        await app.start()
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def run_bot(settings: Settings) -> int:
    """`main.py run`: long polling, or a webhook server when BOT_WEBHOOK_URL is set."""
    if settings.token is None:
        print(MISSING_TOKEN, file=sys.stderr)
        return 2
    _configure_logging(settings.token.get_secret_value())
    app = build_application(settings)
    try:
        if not wait_for_api(app, settings.api_url):  # bot/api_wait.py: logs every failed attempt to reach the API
            return 0
        if settings.webhook_url and settings.web_port is not None:  # one server: dashboard and webhook
            asyncio.get_event_loop().run_until_complete(_serve_until_stopped(app, settings))
        elif settings.webhook_url:
            app.run_webhook(**webhook_options(settings))
        else:
            app.run_polling(**POLLING)
    except InvalidToken:
        hint = "，或 BOT_API_URL 不是 Bot API 地址" if settings.api_url else ""
        print(f"设置错误：BOT_TOKEN 无效，Bot API 拒绝了它{hint}；请向 @BotFather 核对。可以这样写：BOT_TOKEN=123456789:AAExample",
              file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"无法连接 Bot API（{exc}）；请检查网络或 BOT_API_URL。\nCannot reach the Bot API.", file=sys.stderr)
        return 1
    return 0


def webhook_secret(token: str) -> str:
    """Telegram echoes this header on every webhook call; derived from the token, never the token itself."""
    return hashlib.sha256(f"webhook:{token}".encode()).hexdigest()[:48]


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and the URL carries the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


class RedactToken(logging.Filter):
    """Replaces the token wherever it would appear in a log line (an exception text, a URL)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<BOT_TOKEN>"), None
        if record.exc_info and record.exc_info[1] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = text.replace(self.token, "<BOT_TOKEN>")
        return True


def _configure_logging(token: str) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
    quiet_http_logs()


async def _serve_until_stopped(app: BotApplication, settings: Settings) -> None:
    """Webhook mode on the dashboard's server: run as run_webhook would, until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    async with serving(app, settings):
        await stop.wait()


async def _post_init(app: Application, settings: Settings) -> None:
    """Open the service (policy, index, database) once, queue what a crash left unhandled, register the menu;
    start the dashboard's web server (and its webhook) when BOT_WEB_PORT is set."""
    data: BotData = app.bot_data
    data.service = await BotService.open(settings)
    if isinstance(app.update_queue, DurableUpdateQueue) and data.service.reports is not None:
        await app.update_queue.open(UpdateInbox(data.service.reports.db, data.service.clock), app.bot)
    if data.service.reports is not None:  # each figure held for review gets a card to every admin
        service = data.service
        service.reports.on_held = lambda ids: app.create_task(announce_held(app.bot, service, ids), name="review")
    await register_menu(app, settings)
    if settings.web_port is not None:
        token = settings.token.get_secret_value() if settings.token else ""
        data.web = await start_web_server(app, settings, webhook_secret(token))
        if settings.webhook_url:
            await app.bot.set_webhook(settings.webhook_url, secret_token=webhook_secret(token),
                                      allowed_updates=Update.ALL_TYPES)


async def _post_shutdown(app: Application) -> None:
    data: BotData = app.bot_data
    if data.web is not None:
        await data.web.stop()
        data.web = None
    if isinstance(app.update_queue, DurableUpdateQueue):
        await app.update_queue.close()
    if data.service is not None:
        await data.service.close()
        data.service = None


async def register_menu(app: Application, settings: Settings) -> None:
    """setMyCommands with Chinese descriptions, for the commands actually registered; admins see theirs too."""
    registered = {c for h in _all_handlers(app) if isinstance(h, CommandHandler) for c in h.commands}
    public = [BotCommand(c, d) for c, d in PUBLIC_COMMANDS.items() if c in registered]
    admin = public + [BotCommand(c, d) for c, d in ADMIN_COMMANDS.items() if c in registered]
    await app.bot.set_my_commands(public, scope=BotCommandScopeDefault())
    if admin == public:
        return
    for admin_id in settings.admins:
        try:
            await app.bot.set_my_commands(admin, scope=BotCommandScopeChat(admin_id))
        except TelegramError as exc:  # e.g. the admin never opened a chat with the bot
            log.warning("admin menu for %s not set: %s", admin_id, exc)


def _all_handlers(app: Application) -> list[BaseHandler]:
    """Every handler, including the entry points of conversations (/report is one)."""
    found: list[BaseHandler] = []
    for group in app.handlers.values():
        for handler in group:
            found += handler.entry_points if isinstance(handler, ConversationHandler) else [handler]
    return found
