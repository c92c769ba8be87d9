"""The Telegram Application itself: the builder chain and running it, so the composition root imports no telegram."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import ApplicationBuilder, Defaults, JobQueue
from telegram.request import BaseRequest

from bot.settings import Settings
from bot.telegram.api_wait import wait_for_api
from bot.telegram.context import CONTEXT_TYPES, BotApplication, BotContext
from bot.telegram.inbox import DurableUpdateQueue, PollingRequest
from bot.telegram.retry import RetryingRequest
from bot.telegram.running import POLLING, serve_until_stopped, webhook_options
from bot.telegram.send_limits import FairRateLimiter
from bot.telegram.updates import PerChatUpdateProcessor

class ReplicaApplication(BotApplication):
    """An Application that saves each update's chat state when its handlers are done (bot/telegram/chat_states.py)."""

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        try:
            await super().process_update(update)
        except BaseException:  # cut off (shutdown): handled again after a restart, from the state it started with
            self.bot_data.states.forget(update.update_id)
            raise
        await self.bot_data.states.settle(update.update_id)


Request = BaseRequest  # the HTTP transport a test may put in place of ours
Hook = Callable[[Any], Coroutine[Any, Any, None]]  # post_init / post_shutdown, as PTB types them


def new_application(settings: Settings, limiter: FairRateLimiter, updates: DurableUpdateQueue, post_init: Hook,
                    post_shutdown: Hook, request: Request | None = None) -> BotApplication:
    """The builder chain: our context types, transport, send limits, durable queue and per-chat concurrency."""
    assert settings.token is not None  # the composition root refuses a missing token first
    builder = (
        ApplicationBuilder()
        .application_class(ReplicaApplication)
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
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.api_url and settings.file_api_url:
        builder = builder.base_url(settings.api_url).base_file_url(settings.file_api_url)
    app: BotApplication = builder.build()
    return app


def run_until_stopped(app: BotApplication, settings: Settings) -> int:
    """Long polling, a webhook, or one server for the dashboard and the webhook; a bad token or no network exits."""
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


async def set_webhook(app: BotApplication, url: str, secret: str) -> None:
    await app.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
