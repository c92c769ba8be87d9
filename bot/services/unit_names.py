"""Units by name: as senders write them in reports (aliases too), and which unit an admin means in /invite."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.services.directory import LiaisonDirectory, People
from knowledge.lexicon import Lexicon
from knowledge.models import Frozen
from knowledge.normalize import match_key
from reporting.grammar import prepare_unit_words
from storage.models import Unit

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


class UnitNames:
    """Units as senders write them: every unit's name and, for the policy's departments, their aliases (市人社局)."""

    def __init__(self, directory: LiaisonDirectory, lexicon: Lexicon | None) -> None:
        self.directory = directory
        self.lexicon = lexicon  # the policy's departments and their aliases
        self._words: tuple[People, list[str]] | None = None

    async def names(self) -> list[str]:
        """Official names of every unit, in creation order."""
        return list((await self.directory.get()).unit_names)

    async def words(self) -> list[str]:
        return self.words_of(await self.directory.get())

    def words_of(self, people: People) -> list[str]:
        """Every unit name and the aliases of the departments among them, kept while the directory is unchanged."""
        if self._words is not None and self._words[0] is people:
            return self._words[1]
        names = list(people.unit_names)
        known = set(names)
        aliases = self.lexicon.department_aliases.items() if self.lexicon is not None else ()
        words = names + [alias for alias, official in aliases if official in known and alias not in known]
        self._words = (people, words)
        return words

    def official(self, written: str) -> str:
        """市人社局 → 市人力资源社会保障局; any other name as written."""
        return self.lexicon.department_aliases.get(match_key(written), written) if self.lexicon else written

    async def by_name(self, name: str) -> Unit | None:
        return (await self.directory.get()).units.get(self.official(name))

    async def warm(self) -> None:
        """Compile the unit-name pattern off the event loop, before the first report waits for it."""
        await asyncio.to_thread(prepare_unit_words, await self.words())
