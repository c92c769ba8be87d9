"""One settings class, loaded once in main.py, so every knob lives in the environment or .env."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

WEEKDAYS = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}
CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


class Settings(BaseSettings):
    """Environment variables prefixed BOT_ (BOT_TOKEN, BOT_DB …), or the same in .env."""

    model_config = SettingsConfigDict(env_prefix="BOT_", env_file=".env", extra="ignore")

    token: SecretStr | None = None
    api_url: str | None = None
    admins: Annotated[tuple[int, ...], NoDecode] = ()
    db: Path = Path("data/bot.db")
    policy: Path | None = None
    tz: str = "Asia/Shanghai"
    weekly_at: str = "MON 09:00"
    remind_day: int = 5
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    invite_days: int = 7
    flood_per_minute: int = 30

    @field_validator("token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in re.split(r"[,\s]+", value) if part)
        return value

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @field_validator("weekly_at")
    @classmethod
    def _weekly_parses(cls, value: str) -> str:
        parse_weekly_at(value)
        return value

    @field_validator("remind_day")
    @classmethod
    def _day_of_month(cls, value: int) -> int:
        if not 1 <= value <= 28:
            raise ValueError("BOT_REMIND_DAY must be 1..28")
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


def parse_weekly_at(value: str) -> tuple[int, dt.time]:
    """Accept 'MON 09:00', 'monday 9:00' or '周一 09:00'."""
    match = re.fullmatch(r"\s*(?:周|星期)?([A-Za-z]+|[一二三四五六日天])\s+(\d{1,2}):(\d{2})\s*", value)
    if not match:
        raise ValueError("BOT_WEEKLY_AT looks like 'MON 09:00'")
    day = match.group(1)
    weekday = CN_WEEKDAYS.get(day, WEEKDAYS.get(day[:3].upper()))
    if weekday is None:
        raise ValueError(f"unknown weekday {day!r}")
    return weekday, dt.time(int(match.group(2)), int(match.group(3)))
