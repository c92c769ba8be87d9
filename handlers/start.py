"""/start and /help: a welcome and a usage text that fit the sender's role."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.telegram.context import BotContext
from bot.telegram.views import render_help, render_outcome, render_welcome
from handlers.common import actor_of, role_of, send_reply


async def start(update: Update, context: BotContext) -> None:
    """Welcome; a deep-link payload (an invite code) is the service's to redeem."""
    message = update.effective_message
    if message is None:
        return
    actor = actor_of(update)
    service = context.service
    if context.args:
        await send_reply(message, render_outcome(await service.start(actor, context.args[0])))
        return
    await send_reply(message, render_welcome(await role_of(service, actor), actor.name))


async def help_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    role = await role_of(context.service, actor_of(update))
    await send_reply(message, render_help(role, context.bot.username))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
