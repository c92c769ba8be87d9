"""What reading a report message makes: the message split into (indicator, number) pairs, then the typed draft.

The grammar (reporting/grammar.py) fills these once per message; the service validates, authorises and stores the
draft without reading the text again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from errors import ReportInputError
from knowledge.models import Frozen
from reporting.periods import Period
from reporting.units import TypedValue


@dataclass
class Head:
    """What names the indicator: an explicit number (#15, 指标15, 第15项) or text."""

    text: str
    number: int | None = None


@dataclass
class Number:
    """A number as written: its value, multiplier and unit, its sign, and the text it came from."""

    typed: TypedValue
    negative: bool
    raw: str

    @property
    def bare_int(self) -> bool:
        return not self.typed.unit and not self.typed.multiplier and self.typed.number.is_integer()


@dataclass
class Pair:
    head: Head | None
    number: Number | None


@dataclass
class Segment:
    """One line or clause: its pairs, the months it names, and whether it gives running totals (累计)."""

    pairs: list[Pair]
    periods: list[Period]
    cumulative: bool
    bad_months: list[str] = field(default_factory=list)


@dataclass
class SplitMessage:
    """A message split into pairs, before any indicator is looked up."""

    unit_name: str | None
    unit_hint: str | None = None
    segments: list[Segment] = field(default_factory=list)
    question: bool = False
    marker: bool = False
    cut: bool = False  # longer than the grammar's MAX_MESSAGE: read only in part, so never stored

    @property
    def pairs(self) -> list[Pair]:
        return [p for s in self.segments for p in s.pairs]

    @property
    def periods(self) -> list[Period]:
        return [p for s in self.segments for p in s.periods]


class ReportItem(Frozen):
    """One figure to store: indicator, value in the indicator's unit, month, and whether it is a running total."""

    indicator: int
    value: float
    typed: str
    period: Period
    cumulative: bool = False


class ReportDraft(Frozen):
    """The typed draft of a report message: the unit named at its start (as written, if any) and its items."""

    unit_name: str | None
    items: tuple[ReportItem, ...]


@dataclass(frozen=True)
class ReportReading:
    """A message read once: whether it is a report attempt, and its draft or why it cannot be stored as written."""

    is_report: bool
    draft: ReportDraft | None = None
    problem: ReportInputError | None = None

    def report(self) -> ReportDraft:
        """The draft; raises the reading's ReportInputError (with a working example) when there is none."""
        if self.draft is None:
            raise self.problem or ReportInputError("没有找到要上报的指标和数值。", "济南工匠 12 2026年10月")
        return self.draft
