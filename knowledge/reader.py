"""Read a normalised question into a Frame: entities by exact lookup, question words by list, the topic left over."""

from __future__ import annotations

import re

from knowledge.category_names import CategoryNames
from knowledge.catalog import Catalog
from knowledge.facts import ITEMIZED_FACTS, FactFinder
from knowledge.frame import Cue, Frame
from knowledge.lexicon import DEPARTMENT_LIKE, Lexicon, any_of
from knowledge.mention_terms import MentionTerms
from knowledge.models import PolicyDocument
from knowledge.normalize import NOISE, strip_noise
from knowledge.numerals import cn_to_int
from knowledge.question_words import QuestionWords
from knowledge.references import (
    ADDED, BARE_COUNT, COUNTS_DEPARTMENTS, DEPARTMENT_SUBJECT, DEPARTMENTS_WITH_N, ELIDED_PARTNER,
    EXCEPT, EXTREMES, GROUP_ASKED, HAS_NUMBER, INDICATOR_NO, MEASURE_NO, MORE_THAN, NEXT_GROUP, ONLY_N,
    PLURAL_REFERENCE, RECALLED_DEPARTMENTS, RECALLED_MEASURES, REPLACED, REVERSED, STEP, THIS_GROUP, blank,
    explicit_years, list_position, numbers_in, quoted,
)
from knowledge.search import IndicatorMatcher

GENERIC_UNITS = re.compile(r"部门|单位|部分|委员会|协调小组|办公室|联席会|座谈会|大会|省会|社会|学会|协会|机会")
NUMBERS = re.compile(r"\d+(\.\d+)?\s*(年|%|万)?|[二〇零一三四五六七八九]{4}\s*年")  # 二〇二五年: a year too
FOLLOWUP = re.compile(r"^(?:那|那么|还有|换成|换到|改成|再看|再问)|呢\s*$")
MIN_TOPIC = 2
ALL_OF = ("都", "均", "全", "皆")
ENUMERATION = re.compile(r"[，,;；]")
LATIN_WORD = re.compile(r"[a-z][a-z'\-]*")
INDICATOR_ONLY = re.compile(r"指标")
MEASURE_TALK = re.compile(r"措施|举措|条|款|任务")
WHICH = re.compile(r"哪几|哪些|[这那]几")  # 哪几条 lists, 这几条 points back: neither counts
CHOICE = re.compile(r"还是|或是|或者")  # "A还是B": one of the two is asked for
REFERENCE_CHARS = frozenset("这那它他她两俩二三各分反倒对调换个把除超多大至不少低只仅加算部组块板最下上家单"
                            "第末另弟头首")


class QuestionReader:
    """Turns one normalised question into a Frame; built once per document."""

    def __init__(self, document: PolicyDocument, lexicon: Lexicon, indicators: IndicatorMatcher,
                 facts: FactFinder, catalog: Catalog) -> None:
        self.document = document
        self.catalog = catalog
        self.facts = facts
        self.lexicon = lexicon
        self.indicator_matcher = indicators
        self.measure_numbers = frozenset(m.number for m in document.measures)
        self.indicator_numbers = frozenset(i.number for i in document.indicators)
        self.years = document.years
        self.words = QuestionWords(lexicon)
        self.cue_patterns, self.cue_starts = self.words.patterns, self.words.starts
        self.year_words = [(any_of(words), slot) for slot, words in lexicon.year_words.items()]
        self.categories = document.categories
        self.short_names = indicators.names
        self.names = {i.number: strip_noise(i.name) for i in document.indicators}
        self.units = {i.number: i.unit for i in document.indicators if len(i.unit) > 1}
        self.unit_pattern = any_of(self.units.values())
        self.latin_words = frozenset(LATIN_WORD.findall(" ".join(m.title + m.body for m in document.measures).lower()))
        self.category_names = CategoryNames(document)
        self.mention_terms = MentionTerms(lexicon, self.cue_patterns[Cue.MENTION])
        self.all_question_words = any_of(lexicon.removable, nested=True)
        inside_domain_words = {
            word[i:j] for word, freq in lexicon.tokenizer.FREQ.items() if freq and word not in lexicon.removable
            for i in range(len(word)) for j in range(i + 2, len(word) + 1)
        }
        # question words no domain word contains: jieba would cut them out whole anyway
        self.unambiguous_question_words = any_of(
            [w for w in lexicon.removable if len(w) > 1 and w not in inside_domain_words], nested=True)
        self.edge_chars = "".join(w for w in lexicon.removable if len(w) == 1)
        self.name_edge_chars = "".join(c for c in self.edge_chars if not any(c in i.name for i in document.indicators))
        names = [i.name for i in document.indicators]
        units = {u for i in document.indicators for u in (i.unit, i.unit.removeprefix("万"))
                 if len(u) > 1 and not any(u in n for n in names)}
        self.name_safe_words = any_of([w for w in lexicon.removable if len(w) > 1 and not any(w in n for n in names)]
                                      + sorted(units), nested=True)

    def read(self, text: str) -> Frame:
        frame = Frame(text=text, fact=self.facts.find(text, strong=True))
        frame.departments, plain = self.departments(text)
        self._cues(frame, plain)
        if Cue.NEGATION in frame.cues and len(frame.departments) > 1:
            frame.negated_departments = self._negated(text, frame.departments)
        frame.followup = bool(FOLLOWUP.search(plain.strip("?？。!！ ")))
        self._numbers(frame, plain)
        frame.categories = self.category_names.find(plain)
        frame.groups = self.catalog.groups_named(plain)
        frame.group_members = {n for g in frame.groups for n in self.catalog.group_measures[g]}
        frame.segment = lambda: self._topic(plain)
        frame.years = explicit_years(plain, self.years)
        values_asked = frame.years or frame.has(Cue.INDICATOR, Cue.CATEGORY_OF)
        about_departments = (frame.departments or frame.has(Cue.LEAD)) and not values_asked  # who leads: no names
        if not (frame.indicators or frame.missing_indicators or frame.measures or about_departments):
            frame.indicators = self._named_indicators(frame, plain)
            frame.indicators_by_name = bool(frame.indicators)
        if frame.indicators and len(frame.categories) > 1 and CHOICE.search(plain):
            frame.categories = []  # "首席技师算素质提升还是创新创效": which of the two it is
            frame.cues.add(Cue.CATEGORY_OF)
        numbered = frame.measures + frame.missing_measures
        if frame.fact in ITEMIZED_FACTS and len(numbered) == 1 and not frame.departments:
            frame.fact_item = numbered[0]  # "基本原则第四条": the fourth principle, not measure 4
            frame.measures, frame.missing_measures, frame.items_as_indicators = [], [], None
        if frame.has(Cue.MENTION):
            frame.topic = quoted(text) or self.mention_terms.term(plain) or frame.topic
        if not frame.years and self.years and self._about_values(frame):
            frame.years = self._slot_years(plain)
        frame.other_place = self.words.other_place(plain)
        if not frame.asks and not frame.years and not frame.has_entities:
            frame.small_talk = self.words.small_talk(plain)
        return frame

    def _cues(self, frame: Frame, plain: str) -> None:
        chars = set(plain)  # each list is scanned only if the question has one of its words' first characters
        yes_no = not self.cue_starts[Cue.YES_NO].isdisjoint(chars) and self.cue_patterns[Cue.YES_NO].search(plain)
        scan = self.cue_patterns[Cue.YES_NO].sub(" ", plain) if yes_no else plain
        frame.cues = self.words.cues(scan)
        if Cue.CATEGORY_OF in frame.cues and "类" in scan:
            frame.cues.discard(Cue.LEAD)  # "归哪一类": a category, not who leads
        if Cue.COUNT in frame.cues and not self.cue_patterns[Cue.COUNT].search(WHICH.sub(" ", scan)):
            frame.cues.discard(Cue.COUNT)  # 哪几条 lists, 几条 counts
        if Cue.COUNT in frame.cues and COUNTS_DEPARTMENTS.search(scan):
            frame.cues.add(Cue.LEAD)  # "产教融合试点有几个部门负责": how many lead it
        if yes_no:
            frame.cues.add(Cue.YES_NO)
        if not REFERENCE_CHARS.isdisjoint(chars):
            self._references(frame, plain, chars)
        if Cue.TOGETHER in frame.cues and ELIDED_PARTNER.match(frame.text):
            frame.adds_departments = True  # "和团市委共同负责的": together with the department just named

    def _references(self, frame: Frame, plain: str, chars: set[str]) -> None:
        """Back-references and counts ("这两个部门", "把X换成Y", "三个的呢", "超过5个"), each behind its characters."""
        near = chars.isdisjoint  # True when none of the characters is in the question
        recalled = None if near("这那两俩三") else RECALLED_DEPARTMENTS.search(plain)
        if recalled:  # "这两个部门": the departments the chat named last, not "only two departments"
            frame.recalled_departments = cn_to_int(recalled.group(1) or recalled.group(2)) or 0
        bound = None if near("超多大至不少低") else MORE_THAN.search(plain)
        if bound:  # "牵头单位超过5个的措施"
            frame.size_bound = (bound.group(1), cn_to_int(bound.group(2)) or 0)
        frame.plural_reference = not near("这那它他她两二俩") and bool(PLURAL_REFERENCE.search(plain))
        frame.recalls_measures = not near("这那各分") and bool(RECALLED_MEASURES.search(plain))
        frame.adds_departments = not near("加算") and bool(ADDED.search(plain))
        if not near("部组块板"):
            frame.asks_group = bool(GROUP_ASKED.search(plain))
            frame.this_group = bool(THIS_GROUP.search(plain))
            step = NEXT_GROUP.search(plain)
            frame.group_step = (1 if step.group(1) == "下" else -1) if step else 0
        if "除" in chars and EXCEPT.search(plain):
            frame.cues.add(Cue.EXCLUSION)
        replaced = REPLACED.search(frame.text) if "把" in chars else None
        if replaced:  # "把人社局换成国资委": what goes out of the last question, what comes in
            frame.replaced = (self.lexicon.find_departments(replaced.group(1)),
                              self.lexicon.find_departments(replaced.group(2)))
        frame.reverses = not near("反倒对调换") and bool(REVERSED.search(plain))
        if "个" in chars:
            bare = BARE_COUNT.search(plain)
            if bare:  # "三个的呢" after "只有两个牵头单位的措施"
                frame.bare_count = cn_to_int(bare.group(1))
        only = None if recalled or near("个家单部") else ONLY_N.search(plain)
        if only:
            frame.only_n = cn_to_int(next(g for g in only.groups() if g))
        per_department = None if near("只仅") else DEPARTMENTS_WITH_N.search(plain)
        if per_department and DEPARTMENT_SUBJECT.search(plain):  # "哪些部门只出现在一条措施里"
            frame.departments_with_n = cn_to_int(per_department.group(1))
            frame.only_n = None
        if not near("第弟最倒末另头首"):
            frame.position = list_position(plain)
        if not near("上下") and (step := STEP.search(plain)) and not NEXT_GROUP.search(plain):
            frame.step = 1 if step.group(1) == "下" else -1
        if "最" in chars:
            frame.extreme = next((v for k, v in EXTREMES.items() if k in plain), None)
            frame.ranks_departments = bool(frame.extreme and DEPARTMENT_SUBJECT.search(plain))

    def departments(self, text: str) -> tuple[list[str], str]:
        """The departments a text names (aliases, then misspellings), and the text without them."""
        found, plain = self.lexicon.find_departments(text), self.lexicon.strip_departments(text)
        for dept, written in self._fuzzy_departments(plain).items():
            if dept not in found:
                found.append(dept)
            plain = plain.replace(written, " ")
        return found, plain

    def _negated(self, text: str, departments: list[str]) -> list[str]:
        """"教育局参与了但国资委没参与", "工会有份 人社局没份": each negation word negates the nearest department."""
        named = [(m.start(), m.end(), self.lexicon.department_aliases[m.group(0)])
                 for m in self.lexicon.alias_pattern.finditer(text)]
        named += [(at, at + len(written), dept) for dept, written in self._fuzzy_departments(text).items()
                  if (at := text.find(written)) >= 0]
        if len(named) < 2:
            return []
        scan = self.cue_patterns[Cue.YES_NO].sub(lambda m: " " * len(m.group(0)), text)
        negated: list[str] = []
        for match in self.cue_patterns[Cue.NEGATION].finditer(scan):
            if scan[max(0, match.start() - 1): match.start()] in ALL_OF:  # "都没有参与": every one named
                return []
            _, _, dept = min(named, key=lambda d: min(abs(match.start() - d[1]), abs(d[0] - match.end())))
            if dept in departments and dept not in negated:
                negated.append(dept)
        return negated if len(negated) < len(set(departments)) else []

    def _numbers(self, frame: Frame, plain: str) -> None:
        if not HAS_NUMBER.search(plain):
            return
        for numbers, missing, patterns, known in (
            (frame.indicators, frame.missing_indicators, INDICATOR_NO if "指标" in plain else [],
             self.indicator_numbers),
            (frame.measures, frame.missing_measures, MEASURE_NO, self.measure_numbers),
        ):
            for number in numbers_in(patterns, plain):
                (numbers if number in known else missing).append(number)
            if numbers or missing:
                plain = blank(INDICATOR_NO, plain)  # "第9项指标" is not also measure 9
        if ((frame.measures or frame.missing_measures) and INDICATOR_ONLY.search(plain)
                and not MEASURE_TALK.search(plain)):
            for number in frame.measures + frame.missing_measures:  # "指标体系第3项": the table's row 3
                (frame.indicators if number in self.indicator_numbers else frame.missing_indicators).append(number)
            frame.measures.clear()
            frame.missing_measures.clear()
        items = frame.measures + frame.missing_measures
        if items and not MEASURE_TALK.search(plain):  # "第16项" alone: an indicator if one was just discussed
            frame.items_as_indicators = ([n for n in items if n in self.indicator_numbers],
                                         [n for n in items if n not in self.indicator_numbers])
        if frame.only_n is not None:
            frame.measures[:] = [n for n in frame.measures if n != frame.only_n]
            frame.missing_measures[:] = [n for n in frame.missing_measures if n != frame.only_n]

    def _slot_years(self, plain: str) -> list[int]:
        """起点/中期/最终 as the table's first, middle and last year."""
        slots = {"baseline": self.years[0], "middle": self.years[len(self.years) // 2], "final": self.years[-1]}
        scan = self.cue_patterns[Cue.MENTION].sub(" ", plain)
        return [slots[slot] for pattern, slot in self.year_words if pattern.search(scan)][:1]

    def _about_values(self, frame: Frame) -> bool:
        """起点/现状 name a year only where values are asked about, not in 出现在 or a topic's prose."""
        if not any(pattern.search(frame.text) for pattern, _ in self.year_words):
            return False
        return bool(frame.indicators or frame.categories or frame.has(Cue.INDICATOR) or not frame.topic)

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
        plain = self.unambiguous_question_words.sub(" ", plain)  # shorter input: jieba's DAG is pure Python
        for token in self.lexicon.tokenizer.lcut(plain, HMM=False):
            if token in self.lexicon.removable or not (token.isalnum() or strip_noise(token)):
                out.append(" ")
            else:
                out.append(token)
                if len(token) > 1 and token.isalnum():
                    words.append(token)
        core = " ".join("".join(out).split())
        if LATIN_WORD.search(core):  # English the document does not use is no topic ("green channel for …")
            kept = LATIN_WORD.sub(lambda m: m.group(0) if m.group(0) in self.latin_words else " ", core)
            core = " ".join(kept.split())
            words = [w for w in words if not LATIN_WORD.fullmatch(w) or w in self.latin_words]
        meaningful = any(len(strip_noise(part)) >= MIN_TOPIC for part in core.split())  # "两 叫" is no topic
        return (core if meaningful else ""), tuple(words)

    def _named_indicators(self, frame: Frame, plain: str) -> list[int]:
        fuzzy = (frame.followup or bool(frame.years) or frame.has(Cue.INDICATOR, Cue.CATEGORY_OF)) and not (
            frame.departments or frame.measures or frame.has(Cue.LEAD))
        listed = ENUMERATION.sub("、", self.name_safe_words.sub(" ", NUMBERS.sub(" ", plain)))
        segments = NOISE.sub(lambda m: "、" if "、" in m.group(0) else " ", listed).split()
        rough = " ".join(kept for w in segments if (kept := w.strip(self.name_edge_chars)))
        named = self.indicator_matcher.named(plain, rough, fuzzy)
        if frame.categories:  # "创新创效的呢" is the category unless an indicator's own name is there
            named = [n for n in named if any(name in plain for name in self.short_names[n])]
        return named + [n for n in self._by_unit(plain, rough) if n not in named]

    def _by_unit(self, plain: str, rough: str) -> list[int]:
        """"竞赛场次": a unit only one indicator counts in, and a word of its name."""
        if not self.unit_pattern.search(plain):
            return []
        fits = [n for n, unit in self.units.items() if unit in plain and any(
            w and w in self.names[n] for w in (part.replace(unit, "") for part in rough.split()))]
        return fits if len(fits) == 1 else []
