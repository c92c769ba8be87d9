"""Answers as data, so the console, the CLI and Telegram each render the same result their own way."""

from __future__ import annotations

from enum import StrEnum

from knowledge.models import Frozen, Indicator


class Intent(StrEnum):
    """What the question asked for."""

    LEAD_DEPARTMENTS = "lead_departments"
    DEPARTMENT_MEASURES = "department_measures"
    DEPARTMENT_INTERSECTION = "department_intersection"
    MEASURE = "measure"
    MEASURE_LIST = "measure_list"
    INDICATOR = "indicator"
    INDICATOR_CATEGORY = "indicator_category"
    INDICATOR_LIST = "indicator_list"
    DOCUMENT_FACT = "document_fact"
    TOPIC = "topic"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"
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
    """What a follow-up ("那2025年呢?", "它由谁负责?") resolves against; the caller keeps it."""

    intent: Intent | None = None
    measures: tuple[int, ...] = ()
    indicators: tuple[int, ...] = ()
    departments: tuple[str, ...] = ()
    year: int | None = None


class Answer(Frozen):
    """The engine's whole result for one question."""

    question: str
    intent: Intent
    measures: tuple[MeasureHit, ...] = ()
    indicators: tuple[IndicatorHit, ...] = ()
    departments: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    suggestions: tuple[str, ...] = ()
    note: str | None = None
    context: ChatContext = ChatContext()
