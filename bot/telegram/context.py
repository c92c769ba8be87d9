"""Typed per-bot state and each update's chat state for the Telegram handlers, so nothing lives in module globals."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.services.facade import BotService
from bot.telegram.chat_states import ChatState, ChatStates


class BotData:
    """bot_data: the one service the Application opened in post_init, and the chat states of updates in flight."""

    def __init__(self) -> None:
        self.service: BotService | None = None
        self.web: Any = None  # bot.web.server.WebServer while the dashboard's server runs (BOT_WEB_PORT)
        self.states = ChatStates()  # bot/telegram/chat_states.py: read from and saved to the database


class BotContext(CallbackContext[ExtBot[int], dict, dict, BotData]):
    """CallbackContext with typed access to the service and the chat state."""

    handled: Update | None = None  # the update being handled (set by from_update)

    @classmethod
    def from_update(cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]) -> BotContext:
        context: BotContext = super().from_update(update, application)
        context.handled = update if isinstance(update, Update) else None
        return context

    @property
    def service(self) -> BotService:
        service = self.bot_data.service
        if service is None:
            raise RuntimeError("the service is opened in post_init; no update is handled before it")
        return service

    async def chat_state(self) -> ChatState:
        """The chat's state, read from the database once per update; without a chat (inline queries), a fresh one."""
        update = self.handled
        chat = update.effective_chat if update is not None else None
        if update is None or chat is None:
            return ChatState()
        user = update.effective_user
        return await self.bot_data.states.of(update.update_id, chat.id, user.id if user is not None else 0)


CONTEXT_TYPES = ContextTypes(context=BotContext, chat_data=dict, bot_data=BotData)

# ExtBot[int]: the bot's rate limiter (FairRateLimiter) is a BaseRateLimiter[int]
BotApplication = Application[ExtBot[int], BotContext, dict, dict, BotData, JobQueue[BotContext]]
