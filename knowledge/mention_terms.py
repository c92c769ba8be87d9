"""The term a "which measures mention X" question asks about, cut from the question without segmenting it."""

from __future__ import annotations

import functools
import re

from knowledge.lexicon import CUE_KEYS, Lexicon, any_of
from knowledge.normalize import strip_noise

MENTION_EDGE_CHARS = "了的在是有吗呢啊过"  # only these single characters come off a mention term's ends
YEARS = re.compile(r"\d{2,4}\s*年")
CHUNKS = re.compile(r"[\s,，。？?！!：:；;]+")
DEMONSTRATIVE = re.compile(r"^[这那哪]")  # "那一条" points back; it is not a term
ASKING = frozenset({"什么", "啥", "多少", "怎么", "如何", "怎样", "为何"})  # "原文说了什么": no term is named


class MentionTerms:
    """提到/涉及/出现 and the words on either side of it."""

    def __init__(self, lexicon: Lexicon, mention_cue: re.Pattern[str]) -> None:
        self.lexicon = lexicon
        self.mention_cue = mention_cue

    def term(self, plain: str) -> str:
        """The words on either side of 提到/涉及, minus question words: searched verbatim, never segmented."""
        match = self.mention_cue.search(plain)
        if match is None:
            return ""
        head, tail = plain[: match.start()], plain[match.end():]
        cut = self.cue_anywhere.search(tail.lstrip(MENTION_EDGE_CHARS))  # "提到了数字经济的有哪些": up to 有哪些
        tail = tail.lstrip(MENTION_EDGE_CHARS)[: cut.start()] if cut and cut.start() else tail
        cut = self.cue_anywhere.search(head)  # "成果转化在哪几条措施里出现": up to 哪几条
        head = head[: cut.start()] if cut and cut.start() else head
        before, after = (
            [w for w in (self._trim(strip_noise(w)) for w in CHUNKS.split(YEARS.sub(" ", side)))
             if len(w) >= 2 and not DEMONSTRATIVE.match(w) and w not in ASKING]
            for side in (head, tail)
        )
        return after[0] if after else before[-1] if before else ""  # 提到X…, or …X出现在

    @functools.cached_property
    def edge_words(self) -> re.Pattern[str]:
        """Question words at either end of a term; compiled on the first mention question, not at start-up."""
        lexicon = self.lexicon
        cues = any_of([w for key in CUE_KEYS for w in lexicon.cue_words[key]] + list(lexicon.document_words)
                      + list(MENTION_EDGE_CHARS), nested=True).pattern
        return re.compile(f"^(?:{cues})+|(?:{cues})+$")

    @functools.cached_property
    def cue_anywhere(self) -> re.Pattern[str]:
        """Question words of two or more characters, wherever they stand: where a mention term ends."""
        return any_of([w for key in CUE_KEYS for w in self.lexicon.cue_words[key] if len(w) > 1], nested=True)

    def _trim(self, word: str) -> str:
        """Question words off both ends of a mention term, never out of its middle (创新工作室 keeps 工作)."""
        while True:
            trimmed = self.edge_words.sub("", word)
            if trimmed == word:
                return word
            word = trimmed
