"""Fold the many ways people type Chinese (traditional, full-width, upper case) into one form."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_QUESTION_CHARS = 200
CJK = re.compile(r"[\u3400-\u9fff]")
NOISE = re.compile(r"[^\w%\u3400-\u9fff]+")


class TextNormalizer:
    """Simplified, half-width, lower-case text; zhconv only runs for characters we do not know."""

    def __init__(self, known_chars: Iterable[str]) -> None:
        self._known = set(known_chars)  # grows by the characters zhconv left alone: bounded by the CJK range

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text)[: MAX_QUESTION_CHARS * 2]
        unknown = {ch for ch in set(text).difference(self._known) if CJK.match(ch)}
        if unknown:
            import zhconv  # loaded lazily: it costs ~0.1 s and most questions never need it

            text = zhconv.convert(text, "zh-cn")
            self._known |= {ch for ch in unknown if ch in text}  # simplified already: no need to convert again
        return text.lower().strip()[:MAX_QUESTION_CHARS]


def strip_noise(text: str) -> str:
    """Keep letters, digits, CJK and %; punctuation and emoji carry no meaning for search."""
    return NOISE.sub("", text)


def fold(text: str) -> str:
    """Text in the form searched: NFKC, lower case, no punctuation ("事争一流、唯旗是夺" ~ "事争一流唯旗是夺")."""
    return strip_noise(unicodedata.normalize("NFKC", text).lower())


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs: robust to typos and to words jieba does not know."""
    return [text[i : i + 2] for i in range(len(text) - 1)]
