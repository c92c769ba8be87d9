"""Typed per-bot and per-chat state for the Telegram handlers, so nothing lives in module globals."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.service import BotService
from knowledge.answers import ChatContext

MAX_CHOICES = 64


class BotData:
    """bot_data: the one service the Application opened in post_init."""

    def __init__(self) -> None:
        self.service: BotService | None = None


class ChatState:
    """chat_data: what a follow-up resolves against, and the questions behind the choice buttons."""

    def __init__(self) -> None:
        self.context: ChatContext | None = None
        self.choices: dict[str, str] = {}

    def remember_choices(self, choices: dict[str, str]) -> None:
        """Keep the newest choices, dropping the oldest beyond MAX_CHOICES."""
        self.choices.update(choices)
        while len(self.choices) > MAX_CHOICES:
            self.choices.pop(next(iter(self.choices)))


class BotContext(CallbackContext[ExtBot[None], dict, ChatState, BotData]):
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
        return self.chat_data if self.chat_data is not None else ChatState()


CONTEXT_TYPES = ContextTypes(context=BotContext, chat_data=ChatState, bot_data=BotData)

BotApplication = Application[ExtBot[None], BotContext, dict, ChatState, BotData, JobQueue[BotContext]]
