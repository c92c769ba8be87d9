"""The composition root: the Telegram Application built from Settings, handlers registered, services opened in
post_init. The one module that imports both handlers/ and the Telegram building blocks of bot/telegram/;
`main.py run`, the tests and the bench all build the bot here.
"""

from __future__ import annotations

import asyncio
import sys

from telegram import LinkPreviewOptions, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application, ApplicationBuilder, Defaults, JobQueue
from telegram.request import BaseRequest

from bot.services.facade import BotService
from bot.settings import Settings
from bot.telegram.api_wait import wait_for_api
from bot.telegram.context import CONTEXT_TYPES, BotApplication, BotContext, BotData
from bot.telegram.inbox import DurableUpdateQueue, PollingRequest, UpdateInbox
from bot.telegram.jobs import schedule
from bot.telegram.retry import RetryingRequest
from bot.telegram.review_notices import announce_held
from bot.telegram.running import (
    MISSING_TOKEN, POLLING, configure_logging, quiet_http_logs, register_menu, serve_until_stopped,
    webhook_options, webhook_secret,
)
from bot.telegram.send_limits import FairRateLimiter
from bot.telegram.updates import PerChatUpdateProcessor
from bot.web.server import start_web_server
from errors import ConfigError
from handlers import admin, browse, fallbacks, flood_guard, inline, questions, reports, review, start

# Order matters: commands and buttons first, free text next, the catch-alls of `fallbacks` last.
HANDLER_MODULES = (flood_guard, start, browse, inline, reports, admin, review, questions, fallbacks)


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
    updates = DurableUpdateQueue()  # bot/telegram/inbox.py: an update is committed or handled before Telegram is told
    builder = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .context_types(CONTEXT_TYPES)
        .job_queue(JobQueue[BotContext]())  # what build() would make, typed for our context
        .request(request or RetryingRequest(connection_pool_size=64, read_timeout=15, write_timeout=20,
                                            pool_timeout=10))
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
    schedule(app, service_settings)  # bot/telegram/jobs.py: weekly summary, reminders, catch-up after a restart
    return app


def run_bot(settings: Settings) -> int:
    """`main.py run`: long polling, or a webhook server when BOT_WEBHOOK_URL is set."""
    if settings.token is None:
        print(MISSING_TOKEN, file=sys.stderr)
        return 2
    configure_logging(settings.token.get_secret_value())
    app = build_application(settings)
    try:
        if not wait_for_api(app, settings.api_url):  # logs every failed attempt to reach the API
            return 0
        if settings.webhook_url and settings.web_port is not None:  # one server: dashboard and webhook
            asyncio.get_event_loop().run_until_complete(serve_until_stopped(app, settings))
        elif settings.webhook_url:
            app.run_webhook(**webhook_options(settings))
        else:
            app.run_polling(**POLLING)
    except InvalidToken:
        hint = "，或 BOT_API_URL 不是 Bot API 地址" if settings.api_url else ""
        print(f"设置错误：BOT_TOKEN 无效，Bot API 拒绝了它{hint}；请向 @BotFather 核对。"
              "可以这样写：BOT_TOKEN=123456789:AAExample", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"无法连接 Bot API（{exc}）；请检查网络或 BOT_API_URL。\nCannot reach the Bot API.", file=sys.stderr)
        return 1
    return 0


async def _post_init(app: Application, settings: Settings) -> None:
    """Open the service (policy, index, database) once, queue what a crash left unhandled, register the menu;
    start the dashboard's web server (and its webhook) when BOT_WEB_PORT is set."""
    data: BotData = app.bot_data
    data.service = await BotService.open(settings)
    service = data.service
    if isinstance(app.update_queue, DurableUpdateQueue) and service.storage is not None:
        await app.update_queue.open(UpdateInbox(service.storage.reports.db, service.clock), app.bot)
    if service.storage is not None:  # each figure held for review gets a card to every admin
        def on_held(ids: tuple[int, ...]) -> None:
            app.create_task(announce_held(app.bot, service, ids), name="review")

        service.storage.reports.intake.on_held = on_held
    await register_menu(app, settings)
    if settings.web_port is not None:
        token = settings.token.get_secret_value() if settings.token else ""
        data.web = await start_web_server(app, settings, webhook_secret(token))
        if settings.webhook_url:
            await app.bot.set_webhook(settings.webhook_url, secret_token=webhook_secret(token),
                                      allowed_updates=Update.ALL_TYPES)


async def _post_shutdown(app: Application) -> None:
    """Stop what post_init started, in reverse: the web server, the inbox, the service."""
    data: BotData = app.bot_data
    if data.web is not None:
        await data.web.stop()
        data.web = None
    if isinstance(app.update_queue, DurableUpdateQueue):
        await app.update_queue.close()
    if data.service is not None:
        await data.service.close()
        data.service = None
