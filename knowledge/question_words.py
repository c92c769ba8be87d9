"""The lexicon's question words as patterns: cue words, small talk, other places; built once per lexicon."""

from __future__ import annotations

import re

from knowledge.frame import Cue
from knowledge.lexicon import Lexicon, any_of


class QuestionWords:
    """What a question asks (cue words), whether it is small talk, and whether it is about another place."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.patterns = {cue: any_of(lexicon.cue_words[cue.value]) for cue in Cue}
        self.starts = {cue: frozenset(w[0] for w in lexicon.cue_words[cue.value] if w) for cue in Cue}
        cues_of: dict[str, set[Cue]] = {}
        for cue in Cue:
            for word in filter(None, lexicon.cue_words[cue.value]):
                cues_of.setdefault(word, set()).add(cue)
        # every cue word found, overlapping ones too, in one scan: the longest word at each place and its prefixes
        self.cues_at = {w: frozenset(c for k in range(1, len(w) + 1) for c in cues_of.get(w[:k], ())) for w in cues_of}
        self.any_cue = re.compile(f"(?=({any_of(cues_of, nested=True).pattern}))")
        self.small_talk_kinds = {kind: any_of(words) for kind, words in lexicon.small_talk.items()}
        self.other_places = any_of(lexicon.other_places)
        self.elsewhere = any_of(lexicon.elsewhere_words)
        self.document_words = any_of(lexicon.document_words)
        self.home_places = any_of(lexicon.home_places)

    def cues(self, scan: str) -> set[Cue]:
        """Every cue word's cues, but an indicator word inside a who-leads phrase (几个 in 哪几个部门) asks no value."""
        found = set().union(*map(self.cues_at.__getitem__, self.any_cue.findall(scan)))
        if Cue.LEAD not in found or Cue.INDICATOR not in found:
            return found  # the common case, in C
        found, reach, outer = set[Cue](), 0, frozenset[Cue]()
        for match in self.any_cue.finditer(scan):
            word = match.group(1)
            mine, end = self.cues_at[word], match.start() + len(word)
            if end > reach:
                reach, outer = end, mine
            elif Cue.LEAD in outer:
                mine = mine - {Cue.INDICATOR}
            found |= mine
        return found

    def other_place(self, plain: str) -> str | None:
        """Another city's policy (外地的政策, not 外地人才), unless the question also names ours."""
        place = self.other_places.search(plain) or (
            self.document_words.search(plain) and self.elsewhere.search(plain))
        return place.group(0) if place and not self.home_places.search(plain) else None

    def small_talk(self, plain: str) -> str | None:
        for kind, pattern in self.small_talk_kinds.items():
            if pattern.search(plain):
                return kind
        return None
