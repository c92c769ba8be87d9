"""Every name an indicator goes by (the table's, its short forms, a data file's aliases): questions and reports read
them here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from knowledge.models import Indicator
from knowledge.normalize import match_key

ALIASES_FILE = Path(__file__).parent / "data" / "indicator_aliases.json"
NAME_PREFIXES = ("新增", "市级", "参加", "开展", "全市", "各级", "省级")  # dropped while two characters are left
PLACE_PREFIXES = ("泉城", "济南")  # dropped only while three characters are left: 济南工匠 stays whole
QUOTES = re.compile(r"[“”\"]")
BRACKETS = re.compile(r"[（）()]")
PARENTHETICAL = re.compile(r"[（(][^（）()]*[）)]")


def short_names(name: str) -> list[str]:
    """Ways people shorten a name: 技能人才（劳模）师徒结对 → 技能人才师徒结对;
    新增泉城首席技师 → 泉城首席技师 → 首席技师."""
    plain = QUOTES.sub("", name)
    forms = [name, BRACKETS.sub("", plain), PARENTHETICAL.sub("", plain)]
    for form in forms[1:3]:
        forms += _without_prefixes(form, NAME_PREFIXES, 2)
    for form in list(forms):
        forms += _without_prefixes(form, PLACE_PREFIXES, 3)
    return list(dict.fromkeys(forms))


def _without_prefixes(name: str, prefixes: tuple[str, ...], keep: int) -> list[str]:
    """新增参加企业新型学徒培训 → 参加企业新型学徒培训, 企业新型学徒培训: each prefix in turn, at least `keep` left."""
    out: list[str] = []
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if name.startswith(prefix) and len(name) - len(prefix) >= keep:
                name = name[len(prefix):]
                out.append(name)
                changed = True
    return out


def load_aliases(path: Path = ALIASES_FILE) -> dict[str, list[str]]:
    """The data file's aliases by the indicator's name as the table gives it; none if there is no file."""
    return json.loads(path.read_text(encoding="utf-8")).get("aliases", {}) if path.exists() else {}


class IndicatorNames:
    """Each indicator's names, and the one indicator a name resolves to when only one goes by it."""

    def __init__(self, indicators: Iterable[Indicator], aliases_file: Path = ALIASES_FILE) -> None:
        indicators = tuple(indicators)
        aliases = {match_key(name): words for name, words in load_aliases(aliases_file).items()}
        self.names: dict[int, tuple[str, ...]] = {  # an alias for an indicator this document lacks is left out
            i.number: tuple(dict.fromkeys([*short_names(i.name), *aliases.get(match_key(i.name), ())]))
            for i in indicators}
        full = {match_key(i.name): i.number for i in indicators}
        owners: dict[str, set[int]] = {}
        for number, names in self.names.items():
            for name in names:
                owners.setdefault(match_key(name), set()).add(number)
        self.keys: dict[str, int] = {key: next(iter(numbers)) for key, numbers in owners.items()
                                     if len(numbers) == 1 and len(key) >= 2 and key not in full}
        self.keys.update(full)  # a full name is always its own indicator's, even where it shortens another's

    def resolve(self, name: str) -> int | None:
        """The indicator this name (folded) belongs to, or None."""
        return self.keys.get(match_key(name))
