"""The composition root: the bot built from Settings, handlers registered, services opened in post_init.

The one module that imports both handlers/ and the Telegram building blocks of bot/telegram/ (and no telegram
itself); `main.py run`, the tests and the bench all build the bot here.
"""

from __future__ import annotations

import sys

from bot.services.facade import BotService
from bot.settings import Settings
from bot.telegram.builder import Request, new_application, run_until_stopped, set_webhook
from bot.telegram.context import BotApplication, BotData
from bot.services.update_inbox import UpdateInbox
from bot.telegram.inbox import DurableUpdateQueue
from bot.telegram.jobs import release_leases, schedule
from bot.telegram.review_notices import announce_held
from bot.telegram.running import MISSING_TOKEN, configure_logging, quiet_http_logs, register_menu, webhook_secret
from bot.telegram.send_limits import FairRateLimiter
from bot.web.server import start_web_server
from errors import ConfigError
from handlers import admin, browse, fallbacks, flood_guard, inline, questions, reports, review, start

# Order matters: commands and buttons first, free text next, the catch-alls of `fallbacks` last.
HANDLER_MODULES = (flood_guard, start, browse, inline, reports, admin, review, questions, fallbacks)


def build_application(
    settings: Settings, *, flood_limits: bool = True, request: Request | None = None
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
    app = new_application(settings, limiter, updates, lambda app: _post_init(app, service_settings), _post_shutdown,
                          request)
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
    return run_until_stopped(build_application(settings), settings)


async def _post_init(app: BotApplication, settings: Settings) -> None:
    """Open the service (policy, index, database) once, queue what a crash left unhandled, register the menu;
    start the dashboard's web server (and its webhook) when BOT_WEB_PORT is set."""
    data: BotData = app.bot_data
    data.service = await BotService.open(settings)
    service = data.service
    storage = service.storage
    # lambdas: a test swaps service.clock or service.flood after post_init
    data.states.attach(storage.reports.db if storage is not None else None, lambda: service.clock(),  # noqa: PLW0108
                       lambda: service.flood)
    if isinstance(app.update_queue, DurableUpdateQueue) and storage is not None:
        await app.update_queue.open(UpdateInbox(storage.reports.db, service.clock, service.replica), app.bot)
    if service.storage is not None:  # each figure held for review gets a card to every admin
        def on_held(ids: tuple[int, ...]) -> None:
            app.create_task(announce_held(app.bot, service, ids), name="review")

        service.storage.reports.intake.on_held = on_held
    await register_menu(app, settings)
    if settings.web_port is not None:
        token = settings.token.get_secret_value() if settings.token else ""
        data.web = await start_web_server(app, settings, webhook_secret(token))
        if settings.webhook_url:
            await set_webhook(app, settings.webhook_url, webhook_secret(token))


async def _post_shutdown(app: BotApplication) -> None:
    """Stop what post_init started, in reverse: the web server, the inbox, the service."""
    data: BotData = app.bot_data
    if data.web is not None:
        await data.web.stop()
        data.web = None
    if isinstance(app.update_queue, DurableUpdateQueue):
        await app.update_queue.close()
    if data.service is not None:
        await release_leases(data.service)
        await data.service.close()
        data.service = None
