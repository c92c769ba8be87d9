"""Answers as data, so the console, the CLI and Telegram each render the same result their own way."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from knowledge.models import Frozen, Indicator


class Intent(StrEnum):
    """What the question asked for."""

    LEAD_DEPARTMENTS = "lead_departments"
    OTHER_DEPARTMENTS = "other_departments"
    DEPARTMENT_MEASURES = "department_measures"
    DEPARTMENT_INTERSECTION = "department_intersection"
    DEPARTMENT_COMPLEMENT = "department_complement"
    MEASURE = "measure"
    MEASURE_TEXT = "measure_text"
    MEASURE_LIST = "measure_list"
    MENTIONS = "mentions"
    INDICATOR = "indicator"
    INDICATOR_CATEGORY = "indicator_category"
    INDICATOR_LIST = "indicator_list"
    CATEGORY_OF = "category_of"
    COUNT = "count"
    EACH = "each"
    DOCUMENT_FACT = "document_fact"
    TOPIC = "topic"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"
    SMALL_TALK = "small_talk"
    OUT_OF_SCOPE = "out_of_scope"
    EMPTY = "empty"


class MeasureHit(Frozen):
    """A measure in an answer, with the body sentences that matched the question."""

    number: int
    title: str
    group_number: int
    group_title: str
    departments: tuple[str, ...]
    quotes: tuple[str, ...] = ()


class IndicatorHit(Indicator):
    """An indicator in an answer; `year` is set when the question asked about one year."""

    year: int | None = None


class Fact(Frozen):
    """A labelled statement about the document itself (issuer, date, principles …)."""

    label: str
    text: str


class Candidate(Frozen):
    """An option offered when a question is ambiguous: a label and the question it stands for."""

    label: str
    question: str


class ChatContext(Frozen):
    """Dialog state a follow-up ("那2025年呢?", "这里面哪些有国资委") resolves against; the caller keeps it."""

    intent: Intent | None = None
    op: str | None = None
    measures: tuple[int, ...] = ()  # what the last answer listed
    indicators: tuple[int, ...] = ()
    departments: tuple[str, ...] = ()  # what the last question named
    negated_departments: tuple[str, ...] = ()  # the "but not" side of the last question
    recent_departments: tuple[str, ...] = ()  # the last few departments the chat named, newest first
    recent_measures: tuple[int, ...] = ()  # the last few measures answered one at a time, newest first
    recent_indicators: tuple[int, ...] = ()  # the last few indicators answered one at a time, newest first
    listed_measures: tuple[int, ...] = ()  # the last list of several ("第二个呢", "最后那个" pick from it)
    listed_indicators: tuple[int, ...] = ()
    listed_fact: str = ""  # the last list was a fact's items (基本原则): "第三个" is its third
    categories: tuple[str, ...] = ()
    topic: str = ""
    years: tuple[int, ...] = ()
    count: bool = False
    asks_group: bool = False  # the last question also asked which 部分 its measures are in
    at: dt.datetime | None = None

    @property
    def year(self) -> int | None:
        return self.years[0] if len(self.years) == 1 else None


class Answer(Frozen):
    """The engine's whole result for one question; `parts` holds one answer per entity of a 分别 question."""

    question: str
    intent: Intent
    measures: tuple[MeasureHit, ...] = ()
    indicators: tuple[IndicatorHit, ...] = ()
    departments: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    suggestions: tuple[str, ...] = ()
    parts: tuple[Answer, ...] = ()
    title: str | None = None  # heading of a list ("市总工会负责以下 12 条措施")
    count: int | None = None
    note: str | None = None
    context: ChatContext = ChatContext()


def combine(raw: str, parts: list[Answer], intent: Intent = Intent.EACH) -> Answer:
    """One answer, or one made of parts whose lists are the union (the `ask --json` contract)."""
    if len(parts) == 1:
        return parts[0]
    measures = {h.number: h for p in parts for h in p.measures}
    indicators = {h.number: h for p in parts for h in p.indicators}
    departments = dict.fromkeys(d for p in parts for d in p.departments)
    return Answer(question=raw, intent=intent, parts=tuple(parts), measures=tuple(measures.values()),
                  indicators=tuple(indicators.values()), departments=tuple(departments))
