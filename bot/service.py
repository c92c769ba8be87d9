"""The one facade that Telegram handlers, the console and the CLI all drive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.models import Actor, MessageRef
from bot.settings import Settings
from knowledge.answers import Answer, ChatContext
from knowledge.engine import QuestionEngine
from knowledge.models import PolicyDocument
from knowledge.parser import load_policy

Clock = Callable[[], dt.datetime]


class BotService:
    """Questions, reports and summaries behind one object; permissions are checked here."""

    def __init__(self, settings: Settings, document: PolicyDocument, clock: Clock | None = None) -> None:
        self.settings = settings
        self.document = document
        self.engine = QuestionEngine(document)
        self.clock: Clock = clock or (lambda: dt.datetime.now(settings.zone))

    @classmethod
    def for_questions(cls, settings: Settings, clock: Clock | None = None) -> BotService:
        """A service that only answers questions: no database, the fastest start."""
        return cls(settings, load_policy(settings.policy), clock)

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.settings.admins

    def ask(self, question: str, context: ChatContext | None = None) -> Answer:
        """Answer a policy question; pass the previous answer's context for follow-ups."""
        return self.engine.answer(question, context)

    async def handle_text(
        self,
        actor: Actor,
        text: str,
        context: ChatContext | None = None,
        message: MessageRef | None = None,
    ) -> Answer:
        """Route a free-text message: a figure report from an entitled sender, else a question.

        Every surface (Telegram, console) sends free text here so the routing is decided once.
        """
        return self.ask(text, context)
