"""Running a built Application: polling or webhook options, the serving order, the menu, and token-safe logs."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypedDict, TypeVar
from urllib.parse import urlparse

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler

from bot.settings import Settings
from bot.telegram.api_wait import STOP_SIGNALS
from bot.telegram.commands import ADMIN_COMMANDS, PUBLIC_COMMANDS
from bot.telegram.context import BotApplication

log = logging.getLogger(__name__)


class PollingOptions(TypedDict):
    timeout: int
    bootstrap_retries: int
    allowed_updates: Sequence[str]
    drop_pending_updates: bool


POLLING: PollingOptions = {"timeout": 30, "bootstrap_retries": -1, "allowed_updates": Update.ALL_TYPES,
                           "drop_pending_updates": False}
MISSING_TOKEN = (
    "未设置 BOT_TOKEN，无法启动 Telegram 机器人。请在环境变量或 .env 文件中设置，例如：\n"
    "  export BOT_TOKEN=123456789:AAExample（向 @BotFather 申请）\n"
    "不联网试用请运行：make run（未设置 BOT_TOKEN 时进入终端对话，使用独立的试用数据库）\n"
    "BOT_TOKEN is not set. Set it in the environment or in .env, e.g. `export BOT_TOKEN=123456789:AAExample`\n"
    "(get one from @BotFather), or try `make run` offline (without BOT_TOKEN it starts the console)."
)


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


AppT = TypeVar("AppT", bound=Application[Any, Any, Any, Any, Any, Any])


@asynccontextmanager
async def serving(app: AppT, settings: Settings, **overrides: Any) -> AsyncIterator[AppT]:
    """Run `app` inside a running event loop, as run_bot would (polling, or webhook when configured).

    The order is Application.run_polling's: initialize, post_init, updater, start; then the reverse.
    """
    updater = app.updater
    if updater is None:
        raise RuntimeError("the Application was built without an Updater")
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        if settings.webhook_url and settings.web_port is not None:
            pass  # the web server (started in post_init) takes the webhook: bot/web/server.py
        elif settings.webhook_url:
            await updater.start_webhook(**{**webhook_options(settings), **overrides})
        else:
            await updater.start_polling(**{**POLLING, **overrides})
        await app.start()
        yield app
    finally:
        if updater.running:
            await updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


async def serve_until_stopped(app: BotApplication, settings: Settings) -> None:
    """Webhook mode on the dashboard's server: run as run_webhook would, until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    async with serving(app, settings):
        await stop.wait()


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


def configure_logging(token: str) -> None:
    """INFO to stderr with the token redacted from every line."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
    quiet_http_logs()


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
