"""Acts as Telegram users against FakeBotApi: sends text and commands, taps buttons, asks inline, edits.

With `hook(app)` (a bot polling in this process) an exchange ends exactly when the bot finished the update;
without it (a bot in a subprocess) it ends after the first reply and a quiet spell. With `direct(app)` updates
skip the network and go straight to `app.process_update` (fast handler tests with a RecordingRequest).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.settings import Settings
from tests.engines import database_for

from tests.fake_bot_api import BOT_USER, BotMessage, FakeBotApi, chat_dict, text_entities, user_dict

HOOK_GROUP = 2**30
ADMIN_ID = 1001
WORKER_ID = 2002
OTHER_WORKER_ID = 2003
GROUP_ID = -3003


def invite_code(text: str) -> str:
    """The code in an invite's deep link (…?start=CODE)."""
    found = re.search(r"start=([A-Za-z0-9_-]+)", text)
    assert found is not None, text
    return found.group(1)


class BotDriver:
    """Users talking to the bot through the fake server; every wait is bounded by `timeout`."""

    def __init__(self, api: FakeBotApi, timeout: float = 20.0, settle: float = 0.3) -> None:
        self.api = api
        self.timeout = timeout
        self.settle = settle
        self.processed: set[int] = set()
        self.hooked = False
        self.app: Any = None
        self.last_callback_answer: dict | None = None
        self.user_messages: dict[int, dict] = {}
        self.names: dict[int, str] = {}
        self._query_ids = itertools.count(1)

    def hook(self, app: Any) -> None:
        """Mark each update processed after every handler group ran (in-process bots only).

        A handler that raises ApplicationHandlerStop skips this mark; the exchange then ends by its timeout.
        """
        from telegram import Update
        from telegram.ext import TypeHandler

        async def mark(update: Update, context: Any) -> None:
            self.processed.add(update.update_id)
            await self.api.notify()

        app.add_handler(TypeHandler(Update, mark), group=HOOK_GROUP)
        self.hooked = True

    def direct(self, app: Any) -> BotDriver:
        """Hand updates to `app.process_update` instead of the fake server's getUpdates queue."""
        self.app = app
        return self

    # ---- users' actions -----------------------------------------------------------------------------
    async def send_text(self, user_id: int, text: str, chat_id: int | None = None, *,
                        reply_to: BotMessage | None = None, expect: int = 1) -> list[BotMessage]:
        """A user types `text` (commands and @mentions get their entities); returns the bot's new messages."""
        message = self._user_message(user_id, text, chat_id or user_id)
        if reply_to is not None:
            message["reply_to_message"] = reply_to.raw
        self.user_messages[user_id] = message
        return await self._exchange({"message": message}, chat_id or user_id, expect)

    async def edit_last(self, user_id: int, text: str, expect: int = 1) -> list[BotMessage]:
        """The user edits their last message to `text`."""
        previous = self.user_messages[user_id]
        edited = {**previous, "text": text, "entities": text_entities(text), "edit_date": int(time.time())}
        self.user_messages[user_id] = edited
        return await self._exchange({"edited_message": edited}, previous["chat"]["id"], expect)

    async def tap(self, user_id: int, message: BotMessage, button_text: str, expect: int = 0) -> list[BotMessage]:
        """The user taps the button labelled `button_text`; returns new and edited bot messages."""
        for row in message.buttons:
            for text, data in row:
                if text == button_text:
                    return await self.tap_data(user_id, message, data, expect)
        raise KeyError(f"no button {button_text!r}; buttons: {message.button_texts}")

    async def tap_data(self, user_id: int, message: BotMessage, data: str, expect: int = 0) -> list[BotMessage]:
        """A callback query with arbitrary data (a forged or stale button, for instance)."""
        query_id = f"cq{next(self._query_ids)}"
        payload = {"callback_query": {"id": query_id, "from": self._user(user_id), "message": message.raw,
                                      "chat_instance": f"ci{message.chat_id}", "data": data}}
        changed = await self._exchange(payload, message.chat_id, expect, answered=query_id)
        self.last_callback_answer = self.api.callback_answers.get(query_id)
        return changed

    async def inline_query(self, user_id: int, query: str) -> list[dict]:
        """`@bot query` typed in any chat; returns the results the bot offered."""
        query_id = f"iq{next(self._query_ids)}"
        payload = {"inline_query": {"id": query_id, "from": self._user(user_id), "query": query, "offset": "",
                                    "chat_type": "sender"}}
        await self._deliver(payload, lambda: query_id in self.api.inline_answers)
        return (self.api.inline_answers.get(query_id) or {}).get("results", [])

    # ---- inspection ---------------------------------------------------------------------------------
    def messages_in(self, chat_id: int) -> list[BotMessage]:
        return [m for m in self.api.sent if m.chat_id == chat_id]

    def files_in(self, chat_id: int) -> list[BotMessage]:
        """Photos and documents the bot sent to the chat; `.data` holds the bytes, `.file_name` the name."""
        return [m for m in self.messages_in(chat_id) if m.kind in ("photo", "document")]

    # ---- internals ----------------------------------------------------------------------------------
    def _user(self, user_id: int) -> dict:
        user = user_dict(user_id)
        if user_id in self.names:
            user["first_name"] = self.names[user_id]
        return user

    def _user_message(self, user_id: int, text: str, chat_id: int) -> dict:
        message = {"message_id": self.api.next_message_id(), "date": int(time.time()), "chat": chat_dict(chat_id),
                   "from": self._user(user_id), "text": text}
        entities = text_entities(text, BOT_USER["username"])
        if entities:
            message["entities"] = entities
        return message

    async def _exchange(self, payload: dict, chat_id: int, expect: int,
                        answered: str | None = None) -> list[BotMessage]:
        before = {key: m.edits for key, m in self.api.messages.items() if key[0] == chat_id}
        count = len(self.api.sent)

        def changes() -> list[BotMessage]:
            fresh = [m for m in self.api.sent[count:] if m.chat_id == chat_id]
            edited = [m for key, m in self.api.messages.items() if key in before and m.edits > before[key]]
            return edited + fresh

        def done() -> bool:
            return len(changes()) >= expect and (answered is None or answered in self.api.callback_answers)

        await self._deliver(payload, done)
        return changes()

    async def _deliver(self, payload: dict, done: Any) -> None:
        if self.app is not None:
            from telegram import Update

            update_id = self.api.next_message_id()
            async with asyncio.timeout(self.timeout):
                await self.app.process_update(Update.de_json({"update_id": update_id, **payload}, self.app.bot))
            return
        update_id = await self.api.push_update(payload)
        if self.hooked:
            await self.api.wait_for(lambda: update_id in self.processed, self.timeout)
        else:
            await self.api.wait_for(done, self.timeout)
            await self.api.wait_quiet(self.settle, self.timeout)


def settings_for(api: FakeBotApi, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings pointing at the fake server; .env is ignored so the developer's own token never leaks in."""
    values: dict[str, Any] = {"token": api.token, "api_url": api.api_url, "db": database_for(tmp_path),
                                 "admins": (ADMIN_ID,)}
    return Settings(_env_file=None, **{**values, **overrides})


@asynccontextmanager
async def running_bot(api: FakeBotApi, settings: Settings, **build: Any) -> AsyncIterator[BotDriver]:
    """The Application exactly as `main.py run` builds it, polling `api` (or on a webhook), with a driver hooked in."""
    from application import build_application
    from bot.telegram.running import serving

    app = build_application(settings, **build)
    driver = BotDriver(api)
    driver.hook(app)
    async with serving(app, settings):
        yield driver
