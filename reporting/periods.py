"""Report months: parsed from anywhere in a message, resolved against an injected 'today'."""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property, lru_cache, total_ordering

from errors import ReportInputError
from knowledge.models import Frozen
from knowledge.numerals import cn_to_int, digits_to_int

CN_MONTH = "(?:十[一二]?|[一二三四五六七八九])"
CN_YEAR = "[零〇○一二三四五六七八九]{4}"
EXAMPLE = "济南工匠 12 2026年10月"
# 2026.10 (and 2026-10, 2026/10) is a month unless a multiplier or a unit follows: 2000.75万人 is a figure

PERIOD_PATTERN = re.compile(
    rf"(?P<ym>(?P<y>(?<!\d)\d{{4}}|{CN_YEAR})\s*年\s*(?P<m>\d{{1,2}}|{CN_MONTH})\s*月份?)"
    rf"|(?P<dash>(?<![\d.])(?P<dy>20\d{{2}})\s*[-/.]\s*(?P<dm>\d{{1,2}})(?![\d.]|\s*[万亿千百%％人个家项次对名场]))"
    rf"|(?P<rel>(?P<ry>今年|去年|前年)\s*(?P<rm>\d{{1,2}}|{CN_MONTH})\s*月份?)"
    rf"|(?P<mo>(?<![\d.年])(?P<om>\d{{1,2}}|{CN_MONTH})\s*月份?)"
    r"|(?P<last>上个?月份?|上一个?月)"
    r"|(?P<this>本月份?|这个?月|当月)"
)


@total_ordering
class Period(Frozen):
    """A calendar month that a figure is reported for."""

    year: int
    month: int

    @classmethod
    def of(cls, day: dt.date) -> Period:
        return cls(year=day.year, month=day.month)

    @classmethod
    def parse_key(cls, key: str) -> Period:
        return _period_of_key(key)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @cached_property
    def ordinal(self) -> int:
        return self.year * 12 + self.month - 1

    def shift(self, months: int) -> Period:
        ordinal = self.ordinal + months
        return Period(year=ordinal // 12, month=ordinal % 12 + 1)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.ordinal < other.ordinal

    def __hash__(self) -> int:
        return hash((self.year, self.month))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Period) and (self.year, self.month) == (other.year, other.month)


@lru_cache(maxsize=1024)
def _period_of_key(key: str) -> Period:
    """Periods are immutable, so the few hundred months in use are parsed once."""
    year, month = key.split("-")
    return Period(year=int(year), month=int(month))


def last_month(today: dt.date) -> Period:
    """The default period: the month just ended."""
    return Period.of(today).shift(-1)


class BadMonth(ValueError):
    """A month number outside 1..12, reported to the sender later (reading never raises)."""


def _month(text: str) -> int:
    month = cn_to_int(text)
    if month is None or not 1 <= month <= 12:
        raise BadMonth(text)
    return month


def _year(text: str) -> int:
    year = digits_to_int(text)
    if year is None:  # the pattern only lets digits through
        raise ValueError(text)
    return year


def _resolve(match: re.Match[str], today: dt.date) -> Period:
    if match.group("ym"):
        return Period(year=_year(match.group("y")), month=_month(match.group("m")))
    if match.group("dash"):
        return Period(year=int(match.group("dy")), month=_month(match.group("dm")))
    if match.group("rel"):
        offset = {"今年": 0, "去年": 1, "前年": 2}[match.group("ry")]
        return Period(year=today.year - offset, month=_month(match.group("rm")))
    if match.group("mo"):
        month = _month(match.group("om"))
        year = today.year if month <= today.month else today.year - 1
        return Period(year=year, month=month)
    if match.group("last"):
        return last_month(today)
    return Period.of(today)


def find_periods(text: str, today: dt.date) -> tuple[list[Period], str, list[str]]:
    """Every period named in `text` (in order), the text with them blanked out, and month names that do not exist."""
    found: list[Period] = []
    bad: list[str] = []

    def blank(match: re.Match[str]) -> str:
        try:
            found.append(_resolve(match, today))
        except BadMonth:
            bad.append(match.group(0).strip())
        return " "

    rest = PERIOD_PATTERN.sub(blank, text)
    return found, rest, bad


def bad_month_error(text: str) -> ReportInputError:
    return ReportInputError(f"“{text}”不是有效的月份，月份应为1到12。", EXAMPLE)


def check_period(period: Period, today: dt.date, baseline_year: int) -> None:
    """Reject months still to come and months before reporting began (the year after the document's baseline)."""
    if period > Period.of(today):
        current = Period.of(today)
        raise ReportInputError(
            f"{period.label}还没到，不能上报未来月份（现在是{current.label}）。",
            f"济南工匠 12 {last_month(today).label}",
        )
    first = baseline_year + 1
    if period.year < first:
        raise ReportInputError(
            f"{period.label}早于{first}年1月；{baseline_year}年是基线，上报从{first}年1月开始。",
            f"济南工匠 12 {first}年3月",
        )
