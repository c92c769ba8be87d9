"""Which unit an admin means in /invite: the policy's departments by official name or alias, else a question."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.lexicon import Lexicon
from knowledge.models import Frozen
from knowledge.normalize import match_key

NEW_UNIT_WORDS = ("新建", "确认新建")  # "/invite 历下区人社局 15 新建": a unit outside the policy, on purpose
SIMILAR_UNIT = 80


class UnitResolution(Frozen):
    """The unit to use without asking, or the official names the written one may mean."""

    resolved: str | None
    suggestions: tuple[str, ...] = ()


def resolve_unit(written: str, lexicon: Lexicon | None, known_units: Sequence[str]) -> UnitResolution:
    """A unit already in use or a department named exactly (总工会 → 市总工会) resolves; typos and others ask."""
    if written in known_units:
        return UnitResolution(resolved=written)
    if lexicon is None:
        return UnitResolution(resolved=written)
    official = lexicon.department_aliases.get(match_key(written))
    if official is not None:
        return UnitResolution(resolved=official)
    suggestions = list(lexicon.fuzzy_departments(written)) + lexicon.find_departments(written)
    from rapidfuzz import fuzz, process  # loaded lazily: only names that are not exact need it

    suggestions += [name for name, _, _ in process.extract(written, list(known_units), scorer=fuzz.ratio,
                                                             score_cutoff=SIMILAR_UNIT, limit=3)]
    return UnitResolution(resolved=None, suggestions=tuple(dict.fromkeys(s for s in suggestions if s != written))[:4])


def split_new_unit_word(args: str) -> tuple[str, bool]:
    """The /invite arguments without a trailing 新建, and whether it was there."""
    words = args.split()
    if words and words[-1] in NEW_UNIT_WORDS:
        return " ".join(words[:-1]), True
    return args, False
