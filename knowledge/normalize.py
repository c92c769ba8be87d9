"""Fold the many ways people type Chinese (traditional, full-width, numerals) into one form."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_QUESTION_CHARS = 200
CN_NUMERAL = re.compile(r"[零〇一二两俩仨三四五六七八九十百]+")
SMALL_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2, "俩": 2, "仨": 3}
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


def cn_to_int(token: str) -> int | None:
    """Arabic or Chinese numeral (十二, 二十三, 两) to int; None if it is not a number."""
    if token.isdigit():
        return int(token)
    if not CN_NUMERAL.fullmatch(token):
        return None
    small = _below_hundred(token)
    if small is not None:
        return small
    import cn2an  # loaded lazily for start-up speed; only numbered questions need it

    try:
        return int(cn2an.cn2an(token.replace("两", "二"), "smart"))
    except (ValueError, KeyError):
        return None


def _below_hundred(token: str) -> int | None:
    """十二, 二十三, 九 without cn2an (which costs ~8 µs a call); None for anything longer."""
    tens, ten, ones = token.partition("十")
    if not ten:
        return SMALL_DIGITS.get(token) if len(token) == 1 else None
    if len(tens) > 1 or len(ones) > 1:
        return None
    high = SMALL_DIGITS.get(tens, -1) if tens else 1
    low = SMALL_DIGITS.get(ones, -1) if ones else 0
    return None if high < 1 or low < 0 else high * 10 + low


def cn_numeral(n: int) -> str:
    """Small counts and group numbers as written in the document (五, 十二); larger ones in digits."""
    digits = "零一二三四五六七八九"
    if 0 <= n < 10:
        return digits[n]
    if 10 <= n < 100:
        return (digits[n // 10] if n >= 20 else "") + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


def fold(text: str) -> str:
    """Text in the form searched: NFKC, lower case, no punctuation ("事争一流、唯旗是夺" ~ "事争一流唯旗是夺")."""
    return strip_noise(unicodedata.normalize("NFKC", text).lower())


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs: robust to typos and to words jieba does not know."""
    return [text[i : i + 2] for i in range(len(text) - 1)]
