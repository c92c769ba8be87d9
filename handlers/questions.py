"""Free-text messages and choice buttons: the service decides what the text is; we render its outcome."""

from __future__ import annotations

import re

from telegram import Message, MessageEntity, Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.telegram import callbacks
from bot.telegram.context import BotContext
from bot.telegram.views import render_answer, render_outcome
from handlers.common import actor_of, message_ref, send_reply
from knowledge.answers import Answer

EXPIRED_CHOICE = "这个选项已过期，请直接再问一次，例如：谁负责产教融合？"


class AddressedToBot(filters.MessageFilter):
    """Private chats always; in groups only messages that mention the bot or reply to it."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == "private":
            return True
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        mention = f"@{bot.username}".lower()
        return any(text.lower() == mention for text in message.parse_entities([MessageEntity.MENTION]).values())


def without_mention(text: str, username: str) -> str:
    return re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()


async def on_text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    state = await context.chat_state()
    text = without_mention(message.text, context.bot.username)
    outcome = await context.service.handle_text(actor_of(update), text, state.context, message_ref(update, message))
    if isinstance(outcome, Answer):
        state.context = outcome.context
    await send_reply(message, render_outcome(outcome), state)


async def on_choice(update: Update, context: BotContext) -> None:
    """A candidate button: ask the question it stands for, in the chat's context."""
    query = update.callback_query
    if query is None:
        return
    parsed = callbacks.parse(query.data)
    state = await context.chat_state()
    question = state.choices.get(parsed.key or "") if parsed else None
    if question is None or not isinstance(query.message, Message):
        await query.answer(EXPIRED_CHOICE)
        return
    await query.answer()
    answer = context.service.ask(question, state.context)
    state.context = answer.context
    await send_reply(query.message, render_answer(answer), state)


def register(app: Application) -> None:
    text = filters.UpdateType.MESSAGES & filters.TEXT & ~filters.COMMAND & AddressedToBot()
    app.add_handler(MessageHandler(text, on_text))
    app.add_handler(CallbackQueryHandler(on_choice, pattern=r"^q:"))
