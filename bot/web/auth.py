"""Telegram Mini App init data, verified exactly as Telegram specifies: the dashboard's only credential.

secret_key = HMAC-SHA256(key "WebAppData", message: the bot token); the data-check-string is every received field
but `hash`, sorted by key, as `key=value` lines joined by "\\n"; its HMAC-SHA256 under secret_key, in hex, must equal
`hash` (compared in constant time), and `auth_date` must be at most a day old by the service clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, urlencode

from errors import Unauthorized
from knowledge.models import Frozen

MAX_AGE = dt.timedelta(days=1)
CLOCK_SKEW = dt.timedelta(minutes=5)  # an auth_date this far ahead of our clock is still believed
MAX_LENGTH = 4096
REOPEN = "请从机器人的 /dashboard 按钮重新打开看板。"
MISSING = "缺少 Telegram 登录信息（Authorization: tma …）。" + REOPEN
INVALID = "Telegram 登录信息无效：签名不符或格式不对。" + REOPEN
STALE = "Telegram 登录信息已过期（超过一天）。" + REOPEN


class WebAppUser(Frozen):
    """The Telegram user the init data was signed for."""

    id: int
    first_name: str = ""
    last_name: str = ""
    username: str | None = None

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def _secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _check_string(fields: list[tuple[str, str]]) -> str:
    return "\n".join(f"{key}={value}" for key, value in sorted(fields))


def sign(fields: dict[str, str], token: str) -> str:
    """Init data for `fields` as a Telegram client would receive it (tests open the page with it)."""
    digest = hmac.new(_secret(token), _check_string(list(fields.items())).encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def from_header(header: str | None) -> str:
    """The init data of an `Authorization: tma <initData>` header; Unauthorized when it has none."""
    scheme, _, data = (header or "").strip().partition(" ")
    if scheme.lower() != "tma" or not data.strip():
        raise Unauthorized(MISSING)
    return data.strip()


def verify(init_data: str, token: str, now: dt.datetime, max_age: dt.timedelta = MAX_AGE) -> WebAppUser:
    """The user `init_data` was signed for by Telegram for this bot, if it is intact and fresh."""
    if len(init_data) > MAX_LENGTH:
        raise Unauthorized(INVALID)
    try:
        fields = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise Unauthorized(INVALID) from None
    keys = [key for key, _ in fields]
    if len(set(keys)) != len(keys):  # a field given twice could be read two ways
        raise Unauthorized(INVALID)
    given = dict(fields)
    received = given.pop("hash", "")
    expected = hmac.new(_secret(token), _check_string(list(given.items())).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise Unauthorized(INVALID)
    try:
        signed_at = dt.datetime.fromtimestamp(int(given["auth_date"]), dt.UTC)
        user = WebAppUser.model_validate(json.loads(given["user"]))
    except (KeyError, ValueError, OverflowError, OSError):  # pydantic's ValidationError is a ValueError
        raise Unauthorized(INVALID) from None
    if now - signed_at > max_age or signed_at - now > CLOCK_SKEW:
        raise Unauthorized(STALE)
    return user
