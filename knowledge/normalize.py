"""Fold the many ways people type Chinese (traditional, full-width, upper case) into one form."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_QUESTION_CHARS = 200
CJK = re.compile(r"[\u3400-\u9fff]")
NOISE = re.compile(r"[^\w%\u3400-\u9fff]+")
_SIMPLIFIED: set[str] = set()  # CJK characters zhconv leaves alone; grows, bounded by the CJK range


def know_simplified(text: str) -> None:
    """Mark a simplified text's characters (the document's) so that folding them never loads or runs zhconv."""
    _SIMPLIFIED.update(CJK.findall(text))


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """NFKC (half-width), traditional → simplified, lower case: the one form every comparison is made in."""
    text = unicodedata.normalize("NFKC", text)
    unknown = {ch for ch in set(text).difference(_SIMPLIFIED) if CJK.match(ch)}
    if unknown:
        import zhconv  # loaded lazily: it costs ~0.1 s and most texts never need it

        text = zhconv.convert(text, "zh-cn")
        _SIMPLIFIED.update(ch for ch in unknown if ch in text)  # simplified already: no need to convert again
    return text.lower()


def fold_question(text: str) -> str:
    """A question folded and cut to MAX_QUESTION_CHARS."""
    return fold(text[: MAX_QUESTION_CHARS * 2]).strip()[:MAX_QUESTION_CHARS]


def strip_noise(text: str) -> str:
    """Keep letters, digits, CJK and %; punctuation and emoji carry no meaning for search."""
    return NOISE.sub("", text)


@lru_cache(maxsize=4096)
def match_key(text: str) -> str:
    """Folded text without punctuation, spaces or emoji: "事争一流、唯旗是夺" ~ "事争一流唯旗是夺"."""
    return strip_noise(fold(text))


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs: robust to typos and to words jieba does not know."""
    return [text[i : i + 2] for i in range(len(text) - 1)]
