"""Last resorts: the one error handler, and replies to buttons and commands nobody else claimed."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.telegram.context import BotContext
from bot.services.storage_errors import STORAGE_DOWN
from errors import StorageUnavailable, UserFacingError

log = logging.getLogger(__name__)

CALM_REPLY = "抱歉，刚才处理您的消息时出了点问题，请稍后再试一次。"
UNKNOWN_BUTTON = "这个按钮已失效，请发送 /help 查看用法。"
UNKNOWN_COMMAND = "没有这个命令。可用命令请看 /help，也可以直接提问，例如：谁负责产教融合？"


async def on_error(update: object, context: BotContext) -> None:
    """Expected errors become their Chinese reply; anything else is logged with its traceback."""
    error = context.error
    if isinstance(error, StorageUnavailable):  # storage says what failed; the words are made here
        await _tell(update, STORAGE_DOWN)
        return
    if isinstance(error, UserFacingError):
        if not getattr(error, "quiet", False):  # a flooding sender is told once, not once per message
            await _tell(update, error.reply)
        return
    log.error("handling update %s failed", getattr(update, "update_id", None), exc_info=error)
    await _tell(update, CALM_REPLY)


async def on_unknown_button(update: Update, context: BotContext) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(UNKNOWN_BUTTON)


async def on_unknown_command(update: Update, context: BotContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(UNKNOWN_COMMAND)


async def _tell(update: object, text: str) -> None:
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=len(text) > 60)
        elif update.effective_message is not None and update.inline_query is None:
            await update.effective_message.reply_text(text)
    except TelegramError:
        log.exception("could not tell the user about a failure")


def register(app: Application) -> None:
    """Register last: the catch-alls only see what every other handler let through."""
    app.add_handler(CallbackQueryHandler(on_unknown_button))
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, on_unknown_command))
    app.add_error_handler(on_error)
