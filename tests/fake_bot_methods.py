"""The Bot API methods of the fake server and the Telegram objects they return, checked as Telegram checks them.

`BotApiMethods` is mixed into FakeBotApi, which owns the state (messages, answers, files, webhook).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from tests.fake_bot_message import BotMessage
from tests.fake_html import HtmlError, parse_html, utf16_len

BOT_USER: dict[str, Any] = {"id": 123456, "is_bot": True, "first_name": "政策助手", "username": "jinan_policy_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
MAX_TEXT = 4096


class ApiError(Exception):
    """An error answer of the fake server: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


class BotApiMethods:
    """Bot API methods as `_api_<name>(params)`; FakeBotApi dispatches to them and holds the state they use."""

    # The state they use, made by FakeBotApi.__init__.
    long_poll_cap: float
    updates: list[dict]
    confirmed_offset: int
    messages: dict[tuple[int, int], BotMessage]
    sent: list[BotMessage]
    calls: list[tuple[str, dict]]
    callback_answers: dict[str, dict]
    inline_answers: dict[str, dict]
    commands: dict[str, list[dict]]
    chat_actions: list[dict]
    deleted: list[tuple[int, int]]
    files: dict[str, bytes]
    webhook: dict

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        raise NotImplementedError  # FakeBotApi's

    def next_message_id(self) -> int:
        raise NotImplementedError  # FakeBotApi's

    # ---- methods ---------------------------------------------------------------------------------------
    async def _api_getMe(self, params: dict) -> dict:
        return BOT_USER

    async def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = {"url": ""}
        self._drop_pending(params)
        return True

    async def _api_setWebhook(self, params: dict) -> bool:
        self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        self._drop_pending(params)
        return True

    def _drop_pending(self, params: dict) -> None:
        if str(params.get("drop_pending_updates", "")).lower() in {"true", "1"}:
            self.updates = []

    async def _api_getWebhookInfo(self, params: dict) -> dict:
        return {"url": self.webhook["url"], "has_custom_certificate": False, "pending_update_count": len(self.updates)}

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        """Telegram's offset rule: offset N confirms (forgets) every update below N; the rest is sent again."""
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), self.long_poll_cap)
        if offset < 0:  # the last -offset updates; all earlier ones are forgotten
            self.updates = self.updates[offset:]
            offset = self.updates[0]["update_id"] if self.updates else 0
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

        def pending() -> list[dict]:
            return [u for u in self.updates if u["update_id"] >= offset]

        if not pending() and timeout > 0:
            with contextlib.suppress(TimeoutError):
                await self.wait_for(lambda: bool(pending()), timeout)
        return pending()[:limit]

    async def _api_setMyCommands(self, params: dict) -> bool:
        self.commands[_scope_key(params)] = params.get("commands") or []
        return True

    async def _api_getMyCommands(self, params: dict) -> list[dict]:
        return self.commands.get(_scope_key(params), [])

    async def _api_deleteMyCommands(self, params: dict) -> bool:
        self.commands.pop(_scope_key(params), None)
        return True

    async def _api_sendChatAction(self, params: dict) -> bool:
        self.chat_actions.append(params)
        return True

    async def _api_sendMessage(self, params: dict) -> dict:
        text, html_source = _formatted(params, "text")
        _check_markup(params.get("reply_markup"))
        reply = (params.get("reply_parameters") or {}).get("message_id") or params.get("reply_to_message_id")
        message = BotMessage(int(params["chat_id"]), self.next_message_id(), "text", text, html_source,
                             params.get("reply_markup"), reply_to=int(reply) if reply else None)
        return self._store(message)

    async def _api_editMessageText(self, params: dict) -> dict | bool:
        text, html_source = _formatted(params, "text")
        _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            self.calls.append(("inline-edit", params))
            return True
        message = self._find(params)
        if message.text == text and message.reply_markup == params.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message.text, message.html, message.reply_markup = text, html_source, params.get("reply_markup")
        message.edits += 1
        return self._store(message)

    async def _api_editMessageReplyMarkup(self, params: dict) -> dict | bool:
        _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._find(params)
        message.reply_markup = params.get("reply_markup")
        message.edits += 1
        return self._store(message)

    async def _api_deleteMessage(self, params: dict) -> bool:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to delete not found")
        self.deleted.append(key)
        return True

    async def _api_answerCallbackQuery(self, params: dict) -> bool:
        if len(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[str(params["callback_query_id"])] = params
        return True

    async def _api_answerInlineQuery(self, params: dict) -> bool:
        results = params.get("results") or []
        if len(results) > 50 or len({r["id"] for r in results}) != len(results):
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH or duplicate result id")
        for result in results:
            content = result.get("input_message_content") or {}
            if content.get("parse_mode") == "HTML":
                _parse_or_400(content.get("message_text", ""))
            _check_markup(result.get("reply_markup"))
        self.inline_answers[str(params["inline_query_id"])] = params
        return True

    async def _api_sendPhoto(self, params: dict, files: dict[str, tuple[str, bytes]]) -> dict:
        return self._store_file(params, files, "photo")

    async def _api_sendDocument(self, params: dict, files: dict[str, tuple[str, bytes]]) -> dict:
        return self._store_file(params, files, "document")

    async def _api_getFile(self, params: dict) -> dict:
        file_id = params["file_id"]
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                "file_path": file_id}

    # ---- helpers ---------------------------------------------------------------------------------------
    def _find(self, params: dict) -> BotMessage:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    def _store(self, message: BotMessage) -> dict:
        key = (message.chat_id, message.message_id)
        if key not in self.messages:
            self.messages[key] = message
            self.sent.append(message)
        message.raw = self.message_dict(message)
        return message.raw

    def _store_file(self, params: dict, files: dict[str, tuple[str, bytes]], kind: str) -> dict:
        value = params.get(kind, "")
        name = value[len("attach://"):] if isinstance(value, str) and value.startswith("attach://") else kind
        if name not in files:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        file_name, data = files[name]
        caption, caption_html = _formatted(params, "caption") if params.get("caption") else ("", "")
        _check_markup(params.get("reply_markup"))
        message = BotMessage(int(params["chat_id"]), self.next_message_id(), kind, caption=caption,
                             html=caption_html, file_name=file_name, data=data, reply_markup=params.get("reply_markup"))
        file_id = f"{kind}-{message.message_id}"
        self.files[file_id] = data
        return self._store(message)

    def message_dict(self, message: BotMessage) -> dict:
        """The Message object Telegram would return for this bot message."""
        body: dict[str, Any] = {"message_id": message.message_id, "date": int(time.time()),
                                "chat": chat_dict(message.chat_id), "from": BOT_USER}
        file_id = f"{message.kind}-{message.message_id}"
        if message.kind == "text":
            body["text"] = message.text
            _, entities = parse_html(message.html) if message.html else ("", [])
            if entities:
                body["entities"] = entities
        elif message.kind == "photo":
            body["photo"] = [{"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 600,
                              "file_size": len(message.data)}]
        else:
            body["document"] = {"file_id": file_id, "file_unique_id": file_id, "file_name": message.file_name,
                                "file_size": len(message.data)}
        if message.caption:
            body["caption"] = message.caption
        if message.reply_markup and "inline_keyboard" in message.reply_markup:  # a ForceReply is not echoed
            body["reply_markup"] = message.reply_markup
        if message.edits:
            body["edit_date"] = int(time.time())
        return body


def chat_dict(chat_id: int) -> dict:
    """Private chats share the user's id; negative ids are groups."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"用户{chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": f"测试群{-chat_id}"}


def user_dict(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}", "language_code": "zh-hans"}


def _scope_key(params: dict) -> str:
    """'default', or 'chat:<id>' for a per-chat menu."""
    scope = params.get("scope") or {}
    return f"{scope.get('type', 'default')}:{scope['chat_id']}" if "chat_id" in scope else scope.get("type", "default")


def _formatted(params: dict, key: str) -> tuple[str, str]:
    source = str(params.get(key, ""))
    if not source.strip():
        raise ApiError(400, f"Bad Request: {key} must be non-empty")
    if params.get("parse_mode") == "HTML":
        text, _ = _parse_or_400(source)
    else:
        text = source
    limit = MAX_TEXT if key == "text" else 1024
    if utf16_len(text) > limit:
        raise ApiError(400, f"Bad Request: {key} is too long")
    return text, source if params.get("parse_mode") == "HTML" else ""


def _parse_or_400(source: str) -> tuple[str, list[dict]]:
    try:
        return parse_html(source)
    except HtmlError as exc:
        raise ApiError(400, str(exc)) from exc


def _check_markup(markup: dict | None) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
