"""Indicator names people type: the parsed table's names, derived short forms and a data file of aliases."""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge.models import Indicator, PolicyDocument
from knowledge.normalize import match_key

ALIASES_FILE = Path(__file__).parent / "data" / "indicator_aliases.json"
DROP_PREFIXES = ("新增", "市级", "参加", "开展", "全市", "各级", "省级")
PARENTHETICAL = re.compile(r"[（(][^（）()]*[）)]")
SUGGEST_CUTOFF = 45
NEAR_CUTOFF = 70


def short_forms(name: str) -> list[str]:
    """技能人才（劳模）师徒结对 → 技能人才师徒结对; 新增泉城首席技师 → 泉城首席技师 …"""
    forms = [name, PARENTHETICAL.sub("", name)]
    for form in list(forms):
        current = form
        changed = True
        while changed:
            changed = False
            for prefix in DROP_PREFIXES:
                if current.startswith(prefix) and len(current) > len(prefix) + 1:
                    current = current[len(prefix):]
                    forms.append(current)
                    changed = True
    return forms


class IndicatorCatalog:
    """Resolves what a sender called an indicator to its number, or suggests the closest names."""

    def __init__(self, document: PolicyDocument, aliases_file: Path = ALIASES_FILE) -> None:
        self.indicators: dict[int, Indicator] = {i.number: i for i in document.indicators}
        extra = json.loads(aliases_file.read_text(encoding="utf-8")).get("aliases", {}) if aliases_file.exists() else {}
        self.keys: dict[str, int] = {}
        full = {match_key(i.name): i.number for i in document.indicators}
        derived: dict[str, set[int]] = {}
        for indicator in document.indicators:
            for form in short_forms(indicator.name):
                derived.setdefault(match_key(form), set()).add(indicator.number)
        for name, words in extra.items():
            number = full.get(match_key(name))
            if number is None:
                continue  # an alias for an indicator this document does not have
            for word in words:
                derived.setdefault(match_key(word), set()).add(number)
        for key, numbers in derived.items():
            if len(numbers) == 1 and key not in full and len(key) >= 2:
                self.keys[key] = next(iter(numbers))
        self.keys.update(full)

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
