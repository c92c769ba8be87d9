"""Typed, frozen models of the policy document so every layer shares one faithful picture."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Base for models that cross layers: immutable and hashable."""

    model_config = ConfigDict(frozen=True)


class PolicyMeta(Frozen):
    """What the notice says about the document itself."""

    title: str
    notice_title: str
    issuer: str
    seal: str | None
    issued_on: dt.date
    addressees: str
    notice_text: str
    preamble: str


class Principle(Frozen):
    """One of the 基本原则: a short title and its explanation."""

    title: str
    text: str


class Measure(Frozen):
    """One numbered 工作措施 with its group and the departments from its parentheses."""

    number: int
    group_number: int
    group_title: str
    title: str
    body: str
    departments: tuple[str, ...]

    @cached_property
    def sentences(self) -> tuple[str, ...]:
        """The body split at full stops, for quoting the sentence that matched (split once, asked often)."""
        return split_sentences(self.body)


class Section(Frozen):
    """A titled item of prose (指导思想, each 组织保障 point)."""

    title: str
    text: str


class Target(Frozen):
    """One of the indicator table's target years and the value set for it (None where a row has none)."""

    year: int
    value: float | None


class Indicator(Frozen):
    """A row of the 指标体系 table: values keyed by year, the first year the baseline."""

    number: int
    category: str
    name: str
    unit: str
    values: dict[int, float]
    percent: bool = False

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self.values))

    @property
    def baseline_year(self) -> int:
        return self.years[0]

    @property
    def baseline(self) -> float:
        return self.values[self.baseline_year]

    @property
    def targets(self) -> tuple[Target, ...]:
        """The years after the baseline, as the document's table gives them (2023 and 2025 in the shipped one)."""
        return tuple(Target(year=year, value=self.values[year]) for year in self.years[1:])


class PolicyDocument(Frozen):
    """The whole parsed document."""

    meta: PolicyMeta
    guiding_thought: Section
    principles: tuple[Principle, ...]
    measures: tuple[Measure, ...]
    guarantees: tuple[Section, ...]
    indicators: tuple[Indicator, ...]
    indicator_table_title: str

    def measure(self, number: int) -> Measure | None:
        return next((m for m in self.measures if m.number == number), None)

    def indicator(self, number: int) -> Indicator | None:
        return next((i for i in self.indicators if i.number == number), None)

    @property
    def departments(self) -> tuple[str, ...]:
        """Every lead department in order of first appearance."""
        seen: dict[str, None] = {}
        for measure in self.measures:
            for dept in measure.departments:
                seen.setdefault(dept, None)
        return tuple(seen)

    @property
    def years(self) -> tuple[int, ...]:
        """The indicator table's year columns: the baseline year, then the target years."""
        return tuple(sorted({year for i in self.indicators for year in i.values}))

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.category for i in self.indicators))


def split_sentences(text: str) -> tuple[str, ...]:
    """Split Chinese prose after 。！？； keeping the punctuation."""
    out: list[str] = []
    start = 0
    for pos, char in enumerate(text):
        if char in "。！？；":
            piece = text[start : pos + 1].strip()
            if piece:
                out.append(piece)
            start = pos + 1
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return tuple(out)
