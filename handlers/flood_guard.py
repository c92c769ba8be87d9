"""Commands and button taps count against the sender's flood limit before any other handler sees them.

Free text is limited inside BotService.handle_text; this covers the command and button paths with the same
service check, so a refused command stores nothing and asks nothing of the engine.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application, ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, TypeHandler, filters,
)

from bot.telegram.context import BotContext
from errors import RateLimited

GUARD_GROUP = -1
READ_GROUP = -2  # before the guard: the sender's shared flood window is read with the chat state


async def read_state(update: Update, context: BotContext) -> None:
    """One read per update of the chat state and the sender's flood window (bot/telegram/chat_states.py), before
    the guard counts the sender and before any filter looks at the state (the guided /report's value step)."""
    if update.effective_chat is not None:
        await context.chat_state()


async def guard(update: Update, context: BotContext) -> None:
    """Let the update through, or answer politely (once per spell) and stop every later handler."""
    user = update.effective_user
    if user is None:
        return
    try:
        context.service.check_flood(user.id)
    except RateLimited as limited:
        if update.callback_query is not None:
            await update.callback_query.answer(limited.message[:200])
        elif not limited.quiet and update.effective_message is not None:
            await update.effective_message.reply_text(limited.reply)
        raise ApplicationHandlerStop from None


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, read_state), group=READ_GROUP)
    app.add_handler(MessageHandler(filters.COMMAND, guard), group=GUARD_GROUP)
    app.add_handler(CallbackQueryHandler(guard), group=GUARD_GROUP)
