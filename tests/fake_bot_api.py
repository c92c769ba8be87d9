"""A small Bot API server on 127.0.0.1 and a driver acting as users, so the real Application runs end to end offline.

The server speaks what python-telegram-bot calls (getUpdates long polling, sendMessage, edits, callback and
inline answers, multipart uploads, commands, webhooks info …), checks HTML and button limits as Telegram does,
and can inject 502s and 429s from a seeded random source. Every wait is bounded; `stop()` ends it all.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import ClientConnectionError, ClientSession, ClientTimeout, web

from tests.fake_bot_methods import BOT_USER, ApiError, BotApiMethods, BotMessage, chat_dict, user_dict
from tests.fake_html import utf16_len

__all__ = ["BOT_USER", "SEND_METHODS", "TOKEN", "BotMessage", "FakeBotApi", "FaultPlan", "chat_dict",
           "decode_params", "text_entities", "user_dict"]

TOKEN = "123456:TEST-fake-token"
SEND_METHODS = frozenset({
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery", "answerInlineQuery",
    "sendPhoto", "sendDocument", "sendChatAction", "deleteMessage", "setMyCommands",
})
JSON_PARAMS = frozenset({"reply_markup", "results", "commands", "scope", "reply_parameters", "entities",
                         "link_preview_options", "allowed_updates", "button", "caption_entities"})


@dataclass
class FaultPlan:
    """Which share of calls fails with 502 or is answered 429, drawn from a seeded source."""

    fail_rate: float = 0.0
    retry_after_rate: float = 0.0
    retry_after: float = 1
    methods: frozenset[str] = SEND_METHODS
    seed: int = 1
    max_in_a_row: int = 3


class FakeBotApi(BotApiMethods):
    """The Bot API of one bot, in memory; `api_url` goes into BOT_API_URL."""

    max_upload = 50 * 1024 * 1024  # the cloud Bot API's limit for a bot's upload; a local server takes 2 GB

    def __init__(self, token: str = TOKEN, faults: FaultPlan | None = None, long_poll_cap: float = 1.0) -> None:
        self.token = token
        self.faults = faults or FaultPlan()
        self.long_poll_cap = long_poll_cap
        self.updates: list[dict] = []
        self.confirmed_offset = 0
        self.messages: dict[tuple[int, int], BotMessage] = {}
        self.sent: list[BotMessage] = []
        self.calls: list[tuple[str, dict]] = []
        self.callback_answers: dict[str, dict] = {}
        self.inline_answers: dict[str, dict] = {}
        self.commands: dict[str, list[dict]] = {}
        self.chat_actions: list[dict] = []
        self.deleted: list[tuple[int, int]] = []
        self.rejected: list[tuple[str, str]] = []
        self.unknown_methods: list[str] = []
        self.files: dict[str, bytes] = {}
        self.webhook: dict = {"url": ""}
        self.injected = {"502": 0, "429": 0, "early": 0}  # early: a call made before retry_after had passed
        self.held: list[int] = []  # chats of the sendMessage calls waiting behind hold_messages()
        self._hold: tuple[list[int], asyncio.Event] | None = None
        self.events = 0
        self._random = random.Random(self.faults.seed)
        self._faults_in_a_row = 0
        self._blocked_until = 0.0
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------------------
    async def start(self) -> Self:
        app = web.Application(client_max_size=self.max_upload)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._stopping = True
        await self.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # ---- waiting ---------------------------------------------------------------------------------------
    async def notify(self) -> None:
        async with self._changed:
            self.events += 1
            self._changed.notify_all()

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        """Wait until predicate() is true; TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: self._stopping or predicate())

    async def wait_quiet(self, quiet: float, timeout: float = 10.0) -> None:
        """Wait until nothing happened for `quiet` seconds (for a bot we cannot hook, e.g. a subprocess)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = self.events
            await asyncio.sleep(quiet)
            if self.events == seen:
                return
        raise TimeoutError("the fake Bot API never went quiet")

    # ---- updates from users ----------------------------------------------------------------------------
    async def push_update(self, payload: dict) -> int:
        """Queue an update for getUpdates, or POST it to the webhook the bot set (as Telegram would)."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **payload}
        if self.webhook["url"]:
            await self._deliver_webhook(update)
        else:
            self.updates.append(update)
        await self.notify()
        return update_id

    async def _deliver_webhook(self, update: dict, attempts: int = 50) -> None:
        """POST until answered 200, as Telegram retries (a bot sets its webhook just before it listens)."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook["secret_token"] or ""}
        async with ClientSession(timeout=ClientTimeout(total=5)) as session:
            for _ in range(attempts):
                try:
                    async with session.post(self.webhook["url"], json=update, headers=headers) as response:
                        if response.status == 200:
                            return
                except ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the webhook refused update {update['update_id']}")

    def next_message_id(self) -> int:
        return next(self._ids)

    # ---- a bot that dies between handling and answering --------------------------------------------------
    def hold_messages(self, after: int = 0) -> None:
        """Let `after` more sendMessage calls through, then leave the rest unanswered until release_messages()."""
        self._hold = ([after], asyncio.Event())

    def release_messages(self) -> None:
        """Held calls fail with 502 (their bot was killed meanwhile and never reads the answer); new ones pass."""
        if self._hold is not None:
            self._hold[1].set()
            self._hold = None

    async def _pass_hold(self, method: str, params: dict) -> None:
        if self._hold is None or method != "sendMessage":
            return
        allowance, released = self._hold
        if allowance[0] > 0:
            allowance[0] -= 1
            return
        chat = int(params["chat_id"])
        self.held.append(chat)
        await self.notify()
        await released.wait()
        self.held.remove(chat)
        raise ApiError(502, "Bad Gateway")

    # ---- HTTP ------------------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params, files = await _read_params(request)
        status, body = await self.call(method, params, files)
        return web.json_response(body, status=status)

    async def call(self, method: str, params: dict,
                   files: dict[str, tuple[str, bytes]] | None = None) -> tuple[int, dict]:
        """One Bot API call on the in-memory state: (HTTP status, JSON body); also used without HTTP."""
        self.calls.append((method, params))
        try:
            self._maybe_fault(method)
            await self._pass_hold(method, params)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                self.unknown_methods.append(method)
                raise ApiError(404, "Not Found: method not found")
            files = files or {}
            result = await handler(params, files) if method in {"sendPhoto", "sendDocument"} else await handler(params)
        except ApiError as exc:
            if exc.status == 400:
                self.rejected.append((method, exc.description))
            await self.notify()
            body: dict[str, Any] = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return exc.status, body
        await self.notify()
        return 200, {"ok": True, "result": result}

    def _maybe_fault(self, method: str) -> None:
        plan = self.faults
        if method not in plan.methods:
            return
        now = time.monotonic()
        if now < self._blocked_until:
            self.injected["early"] += 1
            raise ApiError(429, "Too Many Requests: retry later", {"retry_after": self._blocked_until - now})
        if self._faults_in_a_row >= plan.max_in_a_row:
            self._faults_in_a_row = 0
            return
        draw = self._random.random()
        if draw < plan.fail_rate:
            self._faults_in_a_row += 1
            self.injected["502"] += 1
            raise ApiError(502, "Bad Gateway")
        if draw < plan.fail_rate + plan.retry_after_rate:
            self._faults_in_a_row += 1
            self.injected["429"] += 1
            self._blocked_until = now + plan.retry_after
            raise ApiError(429, f"Too Many Requests: retry after {plan.retry_after}", {"retry_after": plan.retry_after})
        self._faults_in_a_row = 0

    async def _file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["path"])
        return web.Response(body=data) if data is not None else web.Response(status=404)


def text_entities(text: str, bot_username: str = BOT_USER["username"]) -> list[dict]:
    """The entities Telegram attaches to what a user typed: a leading command and @mentions."""
    entities: list[dict] = []
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
    mention = f"@{bot_username}"
    start = text.find(mention)
    while start >= 0:
        if not (text.startswith("/") and start < len(text.split(maxsplit=1)[0])):
            entities.append({"type": "mention", "offset": utf16_len(text[:start]), "length": utf16_len(mention)})
        start = text.find(mention, start + 1)
    return entities


async def _read_params(request: web.Request) -> tuple[dict, dict[str, tuple[str, bytes]]]:
    if request.method == "GET":
        raw: Any = request.query
    elif request.content_type == "application/json":
        raw = await request.json()
    else:
        raw = await request.post()
    files = {key: (value.filename, value.file.read()) for key, value in raw.items() if hasattr(value, "file")}
    return decode_params({k: v for k, v in raw.items() if k not in files}), files


def decode_params(raw: Any) -> dict:
    """Form fields as PTB sends them: objects arrive JSON-encoded in strings."""
    return {key: json.loads(value) if key in JSON_PARAMS and isinstance(value, str) else value
            for key, value in raw.items()}
