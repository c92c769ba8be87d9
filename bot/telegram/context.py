"""Typed per-bot and per-chat state for the Telegram handlers, so nothing lives in module globals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.services.facade import BotService
from knowledge.answers import ChatContext
from knowledge.dialog import DIALOG_TTL

MAX_CHOICES = 64
IDLE = DIALOG_TTL  # a chat quiet this long has nothing worth keeping: its dialog context has expired
SWEEP_EVERY = 1024  # chat-state look-ups between two sweeps of idle chats


class BotData:
    """bot_data: the one service the Application opened in post_init."""

    def __init__(self) -> None:
        self.service: BotService | None = None
        self.web: Any = None  # bot.web.server.WebServer while the dashboard's server runs (BOT_WEB_PORT)
        self._lookups = 0

    def tick(self, app: Application[Any, Any, Any, Any, Any, Any], now: dt.datetime) -> None:
        """Count a chat-state look-up; every SWEEP_EVERY of them, forget the chats gone idle."""
        self._lookups += 1
        if self._lookups % SWEEP_EVERY == 0:
            forget_idle_chats(app, now)


class ChatState:
    """chat_data: what a follow-up resolves against, and the questions behind the choice buttons."""

    def __init__(self) -> None:
        self.context: ChatContext | None = None
        self.choices: dict[str, str] = {}
        self.seen_at: dt.datetime | None = None  # last look-up, on the service clock

    def remember_choices(self, choices: dict[str, str]) -> None:
        """Keep the newest choices, dropping the oldest beyond MAX_CHOICES."""
        self.choices.update(choices)
        while len(self.choices) > MAX_CHOICES:
            self.choices.pop(next(iter(self.choices)))


class BotContext(CallbackContext[ExtBot[int], dict, ChatState, BotData]):
    """CallbackContext with typed access to the service and the chat state."""

    @property
    def service(self) -> BotService:
        service = self.bot_data.service
        if service is None:
            raise RuntimeError("the service is opened in post_init; no update is handled before it")
        return service

    @property
    def chat_state(self) -> ChatState:
        """The chat's state; updates without a chat (inline queries) get a fresh, unsaved one."""
        state = self.chat_data
        if state is None:
            return ChatState()
        state.seen_at = self.service.clock()
        self.bot_data.tick(self.application, state.seen_at)
        return state


def forget_idle_chats(app: Application[Any, Any, Any, Any, Any, Any], now: dt.datetime) -> int:
    """Drop the state of chats quiet for longer than IDLE, so memory follows active chats, not every chat ever seen."""
    dropped = 0
    for chat_id, state in list(app.chat_data.items()):
        if not isinstance(state, ChatState):
            continue
        if state.seen_at is None:  # made without a look-up (nothing of ours does): idle from now on
            state.seen_at = now
        elif now - state.seen_at > IDLE:
            app.drop_chat_data(chat_id)
            dropped += 1
    return dropped


CONTEXT_TYPES = ContextTypes(context=BotContext, chat_data=ChatState, bot_data=BotData)

# ExtBot[int]: the bot's rate limiter (FairRateLimiter) is a BaseRateLimiter[int]
BotApplication = Application[ExtBot[int], BotContext, dict, ChatState, BotData, JobQueue[BotContext]]
