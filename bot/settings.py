"""One settings class, loaded once in main.py, so every knob lives in the environment or .env."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from pydantic import SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from errors import SettingInvalid, UnsupportedDatabase
from storage.targets import DatabaseTarget, database_target

WEEKDAYS = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}
CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOSTNAME = re.compile(rf"(?=.{{1,253}}$){LABEL}(?:\.{LABEL})*")

# Per field: what a wrong value of the wrong type means, and a value that works.
HELP: dict[str, tuple[str, str]] = {
    "token": ("不是有效的机器人令牌", "BOT_TOKEN=123456789:AAExample"),
    "api_url": ("不是 Bot API 地址", "BOT_API_URL=http://127.0.0.1:8081/bot"),
    "admins": ("应为逗号分隔的 Telegram 用户 ID（正整数）", "BOT_ADMINS=123456789,987654321"),
    "db": ("不是可用的数据库文件路径或 postgresql:// 地址",
           "BOT_DB=data/bot.db（或 BOT_DB=postgresql://bot@db.example.com/bot）"),
    "console_db": ("不是可用的数据库文件路径", "BOT_CONSOLE_DB=data/console.db"),
    "policy": ("不是可读取的政策原文文件",
               "BOT_POLICY=knowledge/data/policy_jinan_2022.txt（或不设置，使用随程序发布的原文）"),
    "tz": ("不是已知的时区", "BOT_TZ=Asia/Shanghai"),
    "weekly_at": ("不是“星期 时:分”格式", "BOT_WEEKLY_AT='MON 09:00'（或 '周一 09:00'）"),
    "remind_day": ("应为 1 到 28 之间的整数", "BOT_REMIND_DAY=5"),
    "webhook_url": ("不是 http(s) 网址", "BOT_WEBHOOK_URL=https://bot.example.com/telegram"),
    "webhook_listen": ("不是 IP 地址或主机名", "BOT_WEBHOOK_LISTEN=127.0.0.1"),
    "webhook_port": ("应为 1 到 65535 之间的端口号", "BOT_WEBHOOK_PORT=8443"),
    "invite_days": ("应为 1 到 3650 之间的天数", "BOT_INVITE_DAYS=7"),
    "flood_per_minute": ("应为不小于 0 的整数（0 表示不限）", "BOT_FLOOD_PER_MINUTE=30"),
    "web_listen": ("不是 IP 地址或主机名", "BOT_WEB_LISTEN=127.0.0.1"),
    "web_port": ("应为 1 到 65535 之间的端口号", "BOT_WEB_PORT=8080"),
    "web_url": ("不是 https 网址（Telegram 只打开 https 页面；本机测试可用 http://127.0.0.1）",
                "BOT_WEB_URL=https://bot.example.com/"),
    "approval": ("应为 on 或 off", "BOT_APPROVAL=on"),
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def unsupported_reason(exc: UnsupportedDatabase) -> str:
    """BOT_DB or migrate-db's --to with a scheme we cannot use, as one Chinese clause (here: bot.services is heavy)."""
    return f"不支持 {exc.scheme}:// 地址，应为 SQLite 文件路径或 postgresql:// 地址"


class Settings(BaseSettings):
    """Environment variables prefixed BOT_ (BOT_TOKEN, BOT_DB …), or the same in .env."""

    model_config = SettingsConfigDict(env_prefix="BOT_", env_file=".env", extra="ignore")

    token: SecretStr | None = None
    api_url: str | None = None
    admins: Annotated[tuple[int, ...], NoDecode] = ()
    db: DatabaseTarget = Path("data/bot.db")  # an SQLite file, or a postgresql:// URL (the server database)
    console_db: Path = Path("data/console.db")
    policy: Path | None = None
    tz: str = "Asia/Shanghai"
    weekly_at: str = "MON 09:00"
    remind_day: int = 5
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    invite_days: int = 7
    flood_per_minute: int = 30
    web_listen: str = "127.0.0.1"
    web_port: int | None = None  # unset: no web server (no dashboard)
    web_url: str | None = None  # the public https address Telegram opens for /dashboard
    approval: bool = False  # on: a liaison's figures count only once an admin approves them

    @field_validator("token", "api_url", "policy", "webhook_url", "web_port", "web_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = tuple(int(part) for part in re.split(r"[,，\s]+", value) if part)
            except ValueError:
                raise ValueError(HELP["admins"][0]) from None
        if isinstance(value, Iterable) and any(isinstance(v, int) and v <= 0 for v in value):
            raise ValueError(HELP["admins"][0])
        return value

    @field_validator("db", "console_db", mode="before")
    @classmethod
    def _database_path(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str | Path) and not str(value).strip():
            raise ValueError("为空，应为数据库文件的路径")
        if isinstance(value, str | Path) and os.path.isdir(value):  # False, not an error, where we may not look
            raise ValueError("是一个目录，应为数据库文件的路径")
        if info.field_name == "db" and isinstance(value, str | Path):
            try:
                return database_target(value)
            except UnsupportedDatabase as exc:
                raise ValueError(unsupported_reason(exc)) from None
        if isinstance(value, str) and "://" in value:
            raise ValueError("终端模式的试用数据库只能是 SQLite 文件路径")
        return value

    @field_validator("policy")
    @classmethod
    def _readable_policy(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                value.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise ValueError("文件不存在") from None
            except UnicodeDecodeError:
                raise ValueError("不是 UTF-8 文本") from None
            except OSError:
                raise ValueError("无法读取（是目录，或没有读取权限）") from None
        return value

    @field_validator("api_url", "webhook_url", "web_url")
    @classmethod
    def _http_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value)
        try:
            parsed.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError:
            raise ValueError("端口不对") from None
        if parsed.scheme not in ("http", "https") or not parsed.hostname or any(c.isspace() for c in value):
            raise ValueError("不是 http(s) 网址")
        if info.field_name == "api_url" and not parsed.path.rstrip("/").endswith("/bot"):
            raise ValueError("应以 /bot 结尾（令牌直接接在后面）")
        if info.field_name == "web_url" and parsed.scheme != "https" and parsed.hostname not in LOOPBACK:
            raise ValueError(HELP["web_url"][0])  # Telegram opens Web Apps over https only
        return value

    @field_validator("webhook_listen", "web_listen")
    @classmethod
    def _listen_address(cls, value: str, info: ValidationInfo) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not HOSTNAME.fullmatch(value):
                raise ValueError(HELP[str(info.field_name)][0]) from None
        return value

    @field_validator("approval", mode="before")
    @classmethod
    def _on_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("on", "off", "true", "false", "1", "0", "yes", "no"):
            return value.strip().lower() in ("on", "true", "1", "yes")
        if isinstance(value, str):
            raise ValueError(HELP["approval"][0])
        return value

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(HELP["tz"][0]) from None
        return value

    @field_validator("weekly_at")
    @classmethod
    def _weekly_parses(cls, value: str) -> str:
        parse_weekly_at(value)
        return value

    @field_validator("remind_day", "webhook_port", "invite_days", "flood_per_minute", "web_port")
    @classmethod
    def _in_range(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return None
        low, high = RANGES[str(info.field_name)]
        if not low <= value <= high:
            raise ValueError(HELP[str(info.field_name)][0])
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def weekly_schedule(self) -> tuple[int, dt.time]:
        """(weekday 0=Monday, local time) of the weekly summary."""
        return parse_weekly_at(self.weekly_at)

    @property
    def file_api_url(self) -> str | None:
        """The file endpoint follows the API one: …/bot → …/file/bot."""
        if not self.api_url:
            return None
        base = self.api_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}" if head else f"file/{tail}"


RANGES = {"remind_day": (1, 28), "webhook_port": (1, 65535), "invite_days": (1, 3650), "flood_per_minute": (0, 2**62),
          "web_port": (1, 65535)}


def load_settings(**values: Any) -> Settings:
    """Settings from the environment and .env; a bad value raises errors.SettingInvalid, never a traceback."""
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        raise setting_error(exc) from None
    if settings.web_url and settings.web_port is None:  # the page would have no server behind it
        raise SettingInvalid("BOT_WEB_URL", settings.web_url, "已设置，但没有设置 BOT_WEB_PORT，看板不会启动",
                             "BOT_WEB_PORT=8080（并设置 BOT_WEB_URL=https://bot.example.com/）")
    return settings


def setting_error(exc: ValidationError) -> SettingInvalid:
    """The first bad setting in full; any others are named in the same line."""
    errors = exc.errors()
    names = [f"BOT_{str(e['loc'][0]).upper()}" if e["loc"] else "BOT_?" for e in errors]
    field = names[0].removeprefix("BOT_").lower()
    problem, example = HELP.get(field, ("无效", f"{names[0]}=…"))
    cause = (errors[0].get("ctx") or {}).get("error")
    if isinstance(cause, ValueError) and str(cause):
        problem = str(cause)
    value = "（已隐藏）" if field == "token" else errors[0].get("input", "")
    also = tuple(dict.fromkeys(n for n in names[1:] if n != names[0]))
    return SettingInvalid(names[0], value, problem, example, also)


def parse_weekly_at(value: str) -> tuple[int, dt.time]:
    """Accept 'MON 09:00', 'monday 9:00' or '周一 09:00'."""
    match = re.fullmatch(r"\s*(?:周|星期)?([A-Za-z]+|[一二三四五六日天])\s+(\d{1,2}):(\d{2})\s*", value)
    if not match:
        raise ValueError(HELP["weekly_at"][0])
    day = match.group(1)
    weekday = CN_WEEKDAYS.get(day, WEEKDAYS.get(day[:3].upper()))
    if weekday is None:
        raise ValueError(f"星期“{day}”不认识")
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ValueError("时间超出范围")
    return weekday, dt.time(hour, minute)
