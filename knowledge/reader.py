"""Read a normalised question into a Frame: entities by exact lookup, question words by list, the topic left over."""

from __future__ import annotations

import re

from knowledge.facts import FactFinder
from knowledge.frame import Cue, Frame
from knowledge.lexicon import DEPARTMENT_LIKE, Lexicon, any_of
from knowledge.models import PolicyDocument
from knowledge.normalize import cn_to_int, strip_noise
from knowledge.search import IndicatorMatcher

NUM = r"(\d{1,3}(?!\d)|[零〇一二两三四五六七八九十百]{1,4}(?![共些起下样直般定切致律同旦再]))"
NOT_A_YEAR = r"(?!\d)(?!\s*[年月万%])"
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
    re.compile(r"^\s*(\d{1,2})\s*[.．、](?!\d)"),
    re.compile(rf"^\s*{NUM}\s*条"),
]
AND_NUMBER = re.compile(rf"^\s*(?:和|与|及|、|,|，|跟|还有)\s*(?:第\s*)?{NUM}\s*(?:条|项|个|号)?")
FULL_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
SHORT_YEAR = re.compile(r"(?<!\d)(\d{2})\s*年")
CN_YEAR = re.compile(r"([二〇零一三四五六七八九]{4})\s*年")
CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
ONLY_N = re.compile(rf"{NUM}\s*(?:个|家)\s*(?:牵头|负责|责任)?\s*(?:单位|部门)")
EXTREMES = {"最多": "max", "最少": "min"}
GENERIC_UNITS = re.compile(r"部门|单位|部分|委员会|协调小组|办公室|联席会|座谈会|大会")
NUMBERS = re.compile(r"\d+(\.\d+)?\s*(年|%|万)?")
FOLLOWUP = re.compile(r"^(?:那|那么|还有|换成|换到|改成|再看|再问)|呢\s*$")
MIN_TOPIC = 2
HAS_NUMBER = re.compile(r"[\d零〇一二两三四五六七八九十百]")
EDGE_CHARS = "了的在是有哪些吗呢啊么过"
WHICH = re.compile(r"哪几|哪些")
CJK = re.compile(r"[\u4e00-\u9fff]")
CATEGORY_BEFORE = "的是和与及在了看问查跟说"
CATEGORY_AFTER = "类方面指标这下里中的有包共一几和与及跟呢吗属是板块都"


class QuestionReader:
    """Turns one normalised question into a Frame; built once per document."""

    def __init__(self, document: PolicyDocument, lexicon: Lexicon, indicators: IndicatorMatcher,
                 facts: FactFinder) -> None:
        self.document = document
        self.facts = facts
        self.lexicon = lexicon
        self.indicator_matcher = indicators
        self.measure_numbers = frozenset(m.number for m in document.measures)
        self.indicator_numbers = frozenset(i.number for i in document.indicators)
        self.years = tuple(sorted({y for i in document.indicators for y in i.values}))
        self.cue_patterns = {cue: any_of(lexicon.cue_words[cue.value]) for cue in Cue}
        self.small_talk = {kind: any_of(words) for kind, words in lexicon.small_talk.items()}
        self.other_places = any_of(lexicon.other_places)
        self.home_places = any_of(lexicon.home_places)
        self.year_words = [(any_of(words), slot) for slot, words in lexicon.year_words.items()]
        self.categories = document.categories
        self.question_words = any_of(w for w in lexicon.removable if len(w) > 1)
        self.all_question_words = any_of(lexicon.removable)

    def read(self, text: str) -> Frame:
        frame = Frame(text=text, fact=self.facts.find(text, strong=True))
        frame.departments = self.lexicon.find_departments(text)
        plain = self.lexicon.strip_departments(text)
        for dept, written in self._fuzzy_departments(plain).items():
            if dept not in frame.departments:
                frame.departments.append(dept)
            plain = plain.replace(written, " ")
        self._cues(frame, plain)
        frame.followup = bool(FOLLOWUP.search(plain.strip("?？。!！ ")))
        self._numbers(frame, plain)
        frame.categories = [c for c in self.categories if _names_category(plain, c)]
        frame.topic, frame.topic_words = self._topic(plain)
        about_departments = frame.departments and not frame.has(Cue.INDICATOR, Cue.CATEGORY_OF)
        if not (frame.indicators or frame.missing_indicators or frame.measures or about_departments):
            frame.indicators = self._named_indicators(frame, plain)
            frame.indicators_by_name = bool(frame.indicators)
        if frame.has(Cue.MENTION):
            frame.topic = quoted(text) or self._mention_term(plain) or frame.topic
        self._years(frame, plain)
        place = self.other_places.search(plain)
        if place and not self.home_places.search(plain):
            frame.other_place = place.group(0)
        if not frame.has_entities and not frame.years and not frame.asks:
            frame.small_talk = self._small_talk(plain)
        return frame

    def _cues(self, frame: Frame, plain: str) -> None:
        yes_no = self.cue_patterns[Cue.YES_NO].search(plain)
        scan = self.cue_patterns[Cue.YES_NO].sub(" ", plain) if yes_no else plain
        frame.cues = {cue for cue, pattern in self.cue_patterns.items() if pattern.search(scan)}
        if Cue.COUNT in frame.cues and not self.cue_patterns[Cue.COUNT].search(WHICH.sub(" ", scan)):
            frame.cues.discard(Cue.COUNT)  # 哪几条 lists, 几条 counts
        if yes_no:
            frame.cues.add(Cue.YES_NO)
        only = ONLY_N.search(plain)
        if only:
            frame.only_n = cn_to_int(only.group(1))
        frame.extreme = next((v for k, v in EXTREMES.items() if k in plain), None)

    def _numbers(self, frame: Frame, plain: str) -> None:
        if not HAS_NUMBER.search(plain):
            return
        for numbers, missing, patterns, known in (
            (frame.indicators, frame.missing_indicators, INDICATOR_NO, self.indicator_numbers),
            (frame.measures, frame.missing_measures, MEASURE_NO, self.measure_numbers),
        ):
            for number in _numbers(patterns, plain):
                (numbers if number in known else missing).append(number)
            if numbers or missing:
                plain = _blank(INDICATOR_NO, plain)  # "第9项指标" is not also measure 9
        if frame.only_n is not None:
            frame.measures[:] = [n for n in frame.measures if n != frame.only_n]
            frame.missing_measures[:] = [n for n in frame.missing_measures if n != frame.only_n]

    def _years(self, frame: Frame, plain: str) -> None:
        found = [int(m.group(1)) for m in FULL_YEAR.finditer(plain)]
        found += [int("".join(CN_DIGIT[c] for c in m.group(1))) for m in CN_YEAR.finditer(plain)]
        for match in SHORT_YEAR.finditer(plain):
            year = 2000 + int(match.group(1))
            if year in self.years:
                found.append(year)
        about_values = frame.indicators or frame.categories or frame.has(Cue.INDICATOR) or not frame.topic
        if not found and self.years and about_values:
            slots = {"baseline": self.years[0], "middle": self.years[len(self.years) // 2], "final": self.years[-1]}
            found = [slots[slot] for pattern, slot in self.year_words if pattern.search(plain)][:1]
        frame.years = list(dict.fromkeys(found))

    def _fuzzy_departments(self, plain: str) -> dict[str, str]:
        residual = GENERIC_UNITS.sub(" ", plain)
        if not DEPARTMENT_LIKE.search(residual):
            return {}
        return self.lexicon.fuzzy_departments(residual)

    def _topic(self, plain: str) -> tuple[str, tuple[str, ...]]:
        """The question minus numbers and question words (what it is about), and its jieba words."""
        plain = NUMBERS.sub(" ", plain)
        if len(strip_noise(self.all_question_words.sub("", plain))) < MIN_TOPIC:
            return "", ()  # nothing but question words: no need to segment
        out: list[str] = []
        words: list[str] = []
        for token in self.lexicon.tokenizer.lcut(plain, HMM=False):
            if token in self.lexicon.removable or not strip_noise(token):
                out.append(" ")
            else:
                out.append(token)
                if len(token) > 1 and token.isalnum():
                    words.append(token)
        core = " ".join("".join(out).split())
        return (core if len(strip_noise(core)) >= MIN_TOPIC else ""), tuple(words)

    def _mention_term(self, plain: str) -> str:
        """The words on either side of 提到/涉及, minus question words: searched verbatim, never segmented."""
        match = self.cue_patterns[Cue.MENTION].search(plain)
        if match is None:
            return ""
        sides = [self.question_words.sub(" ", side) for side in (plain[: match.start()], plain[match.end():])]
        words = [[strip_noise(w).strip(EDGE_CHARS) for w in side.split()] for side in sides]
        terms = [" ".join(w for w in side if len(w) >= 2) for side in words]
        return max(terms, key=len)

    def _named_indicators(self, frame: Frame, plain: str) -> list[int]:
        fuzzy = (frame.followup or bool(frame.years) or frame.has(Cue.INDICATOR, Cue.CATEGORY_OF)) and not (
            frame.departments or frame.measures or frame.has(Cue.LEAD))
        return self.indicator_matcher.named(plain, frame.topic, fuzzy)

    def _small_talk(self, plain: str) -> str | None:
        for kind, pattern in self.small_talk.items():
            if pattern.search(plain):
                return kind
        return None


QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")


def quoted(text: str) -> str | None:
    """A term the question quotes ("哪些措施提到“济南工匠”"): searched as written."""
    match = QUOTED.search(text)
    return match.group(1) if match else None


def _names_category(text: str, category: str) -> bool:
    """The category as a word of its own, not inside another name ("职工创新创效竞赛" is no 创新创效 question)."""
    if category not in text:
        return False
    for match in re.finditer(re.escape(category), text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if (not CJK.match(before) or before in CATEGORY_BEFORE) and (not CJK.match(after) or after in CATEGORY_AFTER):
            return True
    return False


def _numbers(patterns: list[re.Pattern[str]], text: str) -> list[int]:
    """Every number the patterns find, plus ones chained after it ("第8条和第9条", "8、9条")."""
    out: list[int] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = cn_to_int(match.group(1))
            if value is None:
                continue
            out.append(value)
            rest = text[match.end():]
            while (more := AND_NUMBER.match(rest)) and (extra := cn_to_int(more.group(1))) is not None:
                out.append(extra)
                rest = rest[more.end():]
        if out:
            break
    return list(dict.fromkeys(out))


def _blank(patterns: list[re.Pattern[str]], text: str) -> str:
    for pattern in patterns:
        text = pattern.sub(" ", text)
    return text
