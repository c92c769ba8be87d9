"""Indicator names in reports: exact or contained names resolve, near misses get suggestions (names from knowledge)."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from rapidfuzz import fuzz, process

from errors import ReportInputError
from knowledge.indicator_names import ALIASES_FILE, IndicatorNames
from knowledge.models import Indicator, PolicyDocument
from knowledge.normalize import match_key
from reporting.outcomes import IndicatorRef

SUGGEST_CUTOFF = 45
NEAR_CUTOFF = 70
ALL_WORDS = ("全部", "所有", "all")
LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")


class IndicatorCatalog:
    """Resolves what a sender called an indicator to its number, or suggests the closest names."""

    def __init__(self, document: PolicyDocument, aliases_file: Path = ALIASES_FILE) -> None:
        self.indicators: dict[int, Indicator] = {i.number: i for i in document.indicators}
        self.keys: dict[str, int] = IndicatorNames(document.indicators, aliases_file).keys

    def get(self, number: int) -> Indicator | None:
        return self.indicators.get(number)

    @cached_property
    def _by_length(self) -> list[tuple[str, int]]:
        return sorted(self.keys.items(), key=lambda kv: len(kv[0]), reverse=True)

    def match(self, text: str) -> int | None:
        """Exact name or alias, else the longest name or alias contained in the text."""
        key = match_key(text)
        if not key:
            return None
        if key in self.keys:
            return self.keys[key]
        for alias, number in self._by_length:
            if alias in key:
                return number
        return None

    def clashes(self, name: str) -> bool:
        """A unit called this would be read as (the start of) an indicator: 济南 in "济南工匠 12"."""
        key = match_key(name)
        return bool(key) and (self.match(name) is not None or any(k.startswith(key) for k in self.keys))

    def suggest(self, text: str, limit: int = 3) -> list[Indicator]:
        """The closest indicators by name or alias (rapidfuzz), best first, each once."""
        key = match_key(text)
        if not key:
            return []
        scored = process.extract(key, list(self.keys), scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=SUGGEST_CUTOFF)
        out: list[Indicator] = []
        for alias, _score, _index in scored:
            indicator = self.indicators[self.keys[alias]]
            if indicator not in out:
                out.append(indicator)
        return out[:limit]

    def near(self, text: str) -> bool:
        """Close enough to some indicator that a number after it is probably a report with a typo."""
        key = match_key(text)
        if len(key) < 2:
            return False
        best = process.extractOne(key, list(self.keys), scorer=fuzz.ratio, score_cutoff=NEAR_CUTOFF)
        return best is not None

    def label(self, number: int) -> str:
        indicator = self.indicators[number]
        return f"{indicator.name}（#{number}）"

    def refs(self, numbers: tuple[int, ...]) -> tuple[IndicatorRef, ...]:
        """Number and name of each known indicator among `numbers`, in their order."""
        return tuple(IndicatorRef(number=n, name=self.indicators[n].name) for n in numbers if n in self.indicators)

    def parse_list(self, text: str, example: str) -> tuple[int, ...]:
        """'15,16', '15、16', '#15 首席技师' or '全部' → indicator numbers; ReportInputError names what is unknown."""
        if text.strip() in ALL_WORDS:
            return tuple(sorted(self.indicators))
        numbers: list[int] = []
        for written in LIST_SEPARATORS.split(text.strip()):
            token = written.strip().lstrip("#＃")
            if not token:
                continue
            number = int(token) if token.isdigit() else self.match(token)
            if number is None or number not in self.indicators:
                hint = "、".join(self.label(i.number) for i in self.suggest(token))
                raise ReportInputError(f"没有找到指标“{token}”。{('您是不是指：' + hint) if hint else ''}", example)
            if number not in numbers:
                numbers.append(number)
        if not numbers:
            raise ReportInputError("请写明指标编号或名称。", example)
        return tuple(numbers)
