"""Read a normalised question once: numbers, years, departments, cue words and the topic left over."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from knowledge.lexicon import Lexicon, any_of
from knowledge.normalize import cn_to_int

NUM = r"(\d{1,3}(?!\d)|[零〇一二两三四五六七八九十百]{1,4})"
NOT_A_YEAR = r"(?!\s*[年月万%\d])"
INDICATOR_NO = [
    re.compile(rf"第\s*{NUM}\s*(?:项|个|条|号)?\s*指标"),
    re.compile(rf"{NUM}\s*号\s*指标"),
    re.compile(rf"指标\s*(?:第|编号|序号|no\.?|#)?\s*{NUM}{NOT_A_YEAR}"),
    re.compile(rf"(?:no\.?|#)\s*{NUM}\s*(?:项|个|号)?\s*指标"),
]
MEASURE_NO = [
    re.compile(rf"(?:措施|举措)\s*(?:第|编号|序号|no\.?|#)?\s*{NUM}{NOT_A_YEAR}"),
    re.compile(rf"第\s*{NUM}\s*(?:条|项|个|点|款)"),
    re.compile(rf"{NUM}\s*号\s*(?:措施|举措)"),
    re.compile(rf"(?:no\.?|#)\s*{NUM}{NOT_A_YEAR}"),
    re.compile(rf"^\s*第\s*{NUM}\s*$"),
]
FULL_YEAR = re.compile(r"(20\d{2})\s*年?")
SHORT_YEAR = re.compile(r"(?<!\d)(\d{2})\s*年")
CATEGORY_CUES = ("指标", "类", "方面")
LIST_CUES = ("哪些", "有什么", "几个", "几项", "都有", "全部", "所有", "列表", "清单", "包括", "包含", "多少个")
NUMBERS = re.compile(r"\d+(\.\d+)?\s*(年|%|万)?")
FOLLOWUP_END = "?？。!！ "


@dataclass
class Question:
    """Everything the router needs about one question."""

    text: str
    core: str
    core_words: tuple[str, ...]  # the domain words jieba found in `core`
    departments: list[str]
    indicator_no: int | None
    measure_no: int | None
    year: int | None
    lead: bool
    scope: bool
    together: bool
    indicator_cue: bool
    followup: bool
    detail: bool
    list_cue: bool
    category_cue: bool
    features: frozenset[str] | None = None  # search features of `core`, computed on first use


def _number(patterns: list[re.Pattern[str]], text: str) -> int | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            value = cn_to_int(match.group(1))
            if value is not None:
                return value
    return None


def _year(text: str, years: tuple[int, ...]) -> int | None:
    for match in FULL_YEAR.finditer(text):
        return int(match.group(1))
    for match in SHORT_YEAR.finditer(text):
        candidate = 2000 + int(match.group(1))
        if candidate in years:
            return candidate
    return None


def _has(text: str, words: tuple[str, ...]) -> bool:
    return _pattern(words).search(text) is not None


@functools.cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return any_of(words)


def analyse(text: str, lexicon: Lexicon, years: tuple[int, ...], year_words: dict[str, int]) -> Question:
    """Pull every signal out of the normalised question in one pass."""
    indicator_no = _number(INDICATOR_NO, text)
    measure_no = None if indicator_no is not None else _number(MEASURE_NO, text)
    year = _year(text, years)
    if year is None:
        year = next((y for w, y in year_words.items() if w in text), None)
    departments = lexicon.find_departments(text)
    core, words = topic_core(text, lexicon)
    return Question(
        text=text,
        core=core,
        core_words=words,
        departments=departments,
        indicator_no=indicator_no,
        measure_no=measure_no,
        year=year,
        lead=_has(text, lexicon.lead_words),
        scope=_has(text, lexicon.scope_words),
        together=_has(lexicon.strip_departments(text), lexicon.together_words),
        indicator_cue=_has(text, lexicon.indicator_words),
        followup=text.startswith("那") or text.rstrip(FOLLOWUP_END).endswith("呢") or _has(text, lexicon.followup_words[2:]),
        detail=_has(text, lexicon.detail_words),
        list_cue=_has(text, LIST_CUES),
        category_cue=_has(text, CATEGORY_CUES),
    )


def topic_core(text: str, lexicon: Lexicon) -> tuple[str, tuple[str, ...]]:
    """The question minus departments, numbers and question words (what it is about), and its words."""
    text = NUMBERS.sub(" ", lexicon.strip_departments(text))
    removable = lexicon.removable
    out: list[str] = []
    words: list[str] = []
    for token in lexicon.tokenizer.lcut(text, HMM=False):
        if token in removable or not token.strip():
            out.append(" ")
        else:
            out.append(token)
            if len(token) > 1 and token.isalnum():
                words.append(token)
    return " ".join("".join(out).split()), tuple(words)
