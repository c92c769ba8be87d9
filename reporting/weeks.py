"""ISO weeks in the bot's time zone, and when the scheduled summary and reminders fall due."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from errors import InputError
from knowledge.models import Frozen

WEEK_EXAMPLE = "/weekly 2026-W47（或 /weekly 上周）"
_WEEK = re.compile(r"(?:(\d{4})\s*[-年]?\s*)?[Ww第]\s*(\d{1,2})\s*周?")


class Week(Frozen):
    """An ISO week (Monday to Sunday) as local dates."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    def start(self, zone: ZoneInfo) -> dt.datetime:
        """Monday 00:00 local time, the first instant of the week."""
        return dt.datetime.combine(self.monday, dt.time(), zone)

    def end(self, zone: ZoneInfo) -> dt.datetime:
        """Next Monday 00:00 local time, the first instant after the week."""
        return dt.datetime.combine(self.monday + dt.timedelta(days=7), dt.time(), zone)

    def previous(self) -> Week:
        return week_of(self.monday - dt.timedelta(days=1))


def week_of(day: dt.date) -> Week:
    iso = day.isocalendar()
    return Week(year=iso.year, number=iso.week)


def parse_week(text: str | None, now: dt.datetime, baseline_year: int) -> Week:
    """'2026-W47', '2026W47', 'W47' (this year), '第47周', '本周', '上周'; none means this week."""
    today = now.date()
    current = week_of(today)
    spec = (text or "").strip()
    if spec in ("", "本周", "这周"):
        return current
    if spec in ("上周", "上星期"):
        return current.previous()
    match = _WEEK.fullmatch(spec)
    if not match:
        raise InputError(f"看不懂周次“{spec}”。请用 ISO 周，格式为 年-W周数。", WEEK_EXAMPLE)
    year = int(match.group(1)) if match.group(1) else current.year
    number = int(match.group(2))
    if year <= baseline_year:  # figures start the year after the baseline; checked first: year 0 is no date at all
        raise InputError(f"数据从 {baseline_year + 1} 年开始，{year}年第{number}周没有数据。", WEEK_EXAMPLE)
    last_week = dt.date(year, 12, 28).isocalendar().week  # 28 December is always in the year's last ISO week
    if not 1 <= number <= last_week:
        raise InputError(f"{year} 年只有第 1 到第 {last_week} 周。", WEEK_EXAMPLE)
    week = Week(year=year, number=number)
    if week.monday > today:
        raise InputError(f"{week.label} 还没有开始，无法汇总。", WEEK_EXAMPLE)
    return week


def scheduled_week(moment: dt.datetime) -> Week:
    """Which week a scheduled summary sent at `moment` covers.

    Monday to Wednesday it is the week just ended (complete); Thursday to Sunday the current week so far.
    """
    day = moment.date()
    current = week_of(day)
    return current.previous() if day.weekday() <= 2 else current


def last_weekly_slot(now: dt.datetime, weekday: int, at: dt.time) -> dt.datetime:
    """The most recent scheduled summary moment at or before `now` (local time of `now`)."""
    zone = now.tzinfo
    days_back = (now.weekday() - weekday) % 7
    slot = dt.datetime.combine(now.date() - dt.timedelta(days=days_back), at, zone)
    if slot > now:
        slot -= dt.timedelta(days=7)
    return slot


def last_remind_slot(now: dt.datetime, day_of_month: int, at: dt.time) -> dt.datetime:
    """The most recent reminder moment (day `day_of_month` at `at`) at or before `now`."""
    zone = now.tzinfo
    slot = dt.datetime.combine(now.date().replace(day=day_of_month), at, zone)
    if slot > now:
        prev_month_end = now.date().replace(day=1) - dt.timedelta(days=1)
        slot = dt.datetime.combine(prev_month_end.replace(day=day_of_month), at, zone)
    return slot
