"""Answers about the indicator table: values by year, categories, lists, and the indicators behind a topic."""

from __future__ import annotations

import re

from knowledge.answers import Answer, IndicatorHit, Intent, combine
from knowledge.catalog import Catalog
from knowledge.frame import Cue, Frame, Op
from knowledge.normalize import strip_noise
from knowledge.references import NAME_FILTER, explicit_years, unit_said
from knowledge.search import IndicatorMatcher, MeasureIndex

INDICATOR_WORD = "指标"


WHICH_MEASURE = re.compile(r"哪[一几些]?(?:条|项|个)?(?:措施|举措)|什么(?:措施|举措)|对应.{0,3}措施|措施是哪")

class IndicatorAnswers:
    """Looks up indicator rows exactly; the only ranking is which measure an indicator belongs to."""

    def __init__(self, catalog: Catalog, index: MeasureIndex, matcher: IndicatorMatcher) -> None:
        document = catalog.document
        self.catalog = catalog
        self.index = index
        self.matcher = matcher
        self.numbers = tuple(i.number for i in document.indicators)
        self.years = document.years
        self.by_category = {c: tuple(i.number for i in document.indicators if i.category == c)
                            for c in document.categories}
        self._hits = {
            (i.number, year): IndicatorHit(**dict(i), year=year if year in i.values else None)
            for i in document.indicators
            for year in (None, *self.years)
        }
        self.measure_of: dict[int, int] = {}  # indicator → the measure whose text best matches its name
        for indicator in document.indicators:
            ranked = index.rank(index.query(indicator.name))
            if ranked:
                self.measure_of[indicator.number] = ranked[0].number

    def rest_of_topic(self, f: Frame) -> str:
        """The topic without the indicator names it contains ("济南工匠建设工程" → "建设工程")."""
        rest = f.topic
        for number in f.indicators:
            for name in self.matcher.names[number]:
                rest = rest.replace(name, "")
        return strip_noise(rest)

    def hit(self, number: int, year: int | None = None) -> IndicatorHit:
        return self._hits[(number, year if year in self.years else None)]

    def not_found(self, number: int, raw: str) -> Answer:
        note = (f"指标体系里没有第{number}项指标。"
                f"现有指标共 {len(self.numbers)} 项，编号为 {_ranges(list(self.numbers))}。")
        return Answer(question=raw, intent=Intent.NOT_FOUND, note=note)

    def answer(self, f: Frame, raw: str) -> tuple[Answer, Op]:
        """Indicators the question named: their category, the measure behind them, or their values."""
        if f.has(Cue.CATEGORY_OF) or (f.inherited_op is Op.CATEGORY_OF and not f.years):
            parts = [self._category_of(n, raw) for n in f.indicators]
            return combine(raw, parts), Op.CATEGORY_OF
        if f.has(Cue.LEAD) and not f.years and not f.has(Cue.INDICATOR):
            return self._measures_behind(f, raw), Op.WHO_LEADS
        if f.has(Cue.MEASURE_WORD) and WHICH_MEASURE.search(f.text) and not explicit_years(f.text, self.years):
            return self._measures_behind(f, raw), Op.SHOW  # "对应哪条措施": the measure behind the indicator
        return self.values(f, raw, tuple(f.indicators)), Op.VALUES

    def values(self, f: Frame, raw: str, numbers: tuple[int, ...], title: str | None = None) -> Answer:
        year = f.years[0] if len(f.years) == 1 else None
        note = None
        if year is not None and year not in self.years:
            note = f"指标表只列出 {'、'.join(f'{y}年' for y in self.years)} 的数值，没有 {year} 年的。"
        hits = tuple(self.hit(n, year) for n in numbers)
        count = len(hits) if f.has(Cue.COUNT) and len(hits) > 1 else None
        if len(hits) == 1 and title is None:
            return Answer(question=raw, intent=Intent.INDICATOR, indicators=hits, note=note)
        heading = title or "指标"
        if year in self.years:
            heading += f"（{year}年数值）"
        intent = Intent.COUNT if count is not None else Intent.INDICATOR_LIST
        return Answer(question=raw, intent=intent, indicators=hits, title=heading, count=count, note=note)

    def listing(self, f: Frame, raw: str) -> tuple[Answer, Op] | None:
        """A category's indicators, or the whole table, when the question asks for a list or a count."""
        if f.has(Cue.LEAD):
            return None
        said = unit_said(f.text)
        if said and INDICATOR_WORD in f.text:  # "哪些指标的单位是个"
            numbers = tuple(n for n in self.numbers if self.hit(n).unit == said)
            return self.values(f, raw, numbers, f"单位是“{said}”的指标").model_copy(
                update={"intent": self._list_intent(f)}), Op.LIST
        if NAME_FILTER.search(f.text) and INDICATOR_WORD in f.text and f.topic:  # "名字带新增的指标都有哪些"
            numbers = self._named_by_words(self.numbers, [t for t in f.topic.split() if len(t) >= 2])
            if numbers:
                return self.values(f, raw, numbers, "名称符合的指标").model_copy(
                    update={"intent": self._list_intent(f)}), Op.LIST
        names_table = INDICATOR_WORD in f.text or "类" in f.text  # "产教融合有什么要求" asks the measure
        asks = (f.has(Cue.INDICATOR, Cue.CATEGORY_OF) or bool(f.years) or f.inherited_op in (Op.LIST, Op.VALUES)
                or (f.has(Cue.LIST, Cue.COUNT) and names_table))
        if f.categories and asks:
            numbers = tuple(n for c in f.categories for n in self.by_category[c] if n not in f.excluded_indicators)
            title = f"{'、'.join(f.categories)}类指标" + ("（其他）" if f.excluded_indicators else "")
            answer = self.values(f, raw, numbers, title)
            return answer.model_copy(update={"intent": self._list_intent(f, True)}), Op.LIST
        if INDICATOR_WORD in f.text and (f.has(Cue.LIST, Cue.COUNT, Cue.MENTION) or "指标体系" in f.text):
            if not f.topic:
                answer = self.values(f, raw, self.numbers, "指标体系")
                return answer.model_copy(update={"intent": self._list_intent(f)}), Op.LIST
            named = tuple(n for n in self.numbers if all(p in self.hit(n).name for p in f.topic.split()))
            if named:  # "哪些指标是新增的": the indicators whose names say so
                title = f"名称含“{f.topic.replace(' ', '')}”的指标"
                return self.values(f, raw, named, title).model_copy(update={"intent": self._list_intent(f)}), Op.LIST
        return None

    def _list_intent(self, f: Frame, category: bool = False) -> Intent:
        if f.has(Cue.COUNT):
            return Intent.COUNT
        return Intent.INDICATOR_CATEGORY if category else Intent.INDICATOR_LIST

    def list_followup(self, f: Frame, raw: str) -> Answer:
        """A filter or count over the indicators the last answer listed ("市级的呢", "一共几个")."""
        numbers = f.base_indicators or ()
        if f.indicators and f.has(Cue.NEGATION):  # "去掉参赛企业那个"
            numbers = tuple(n for n in numbers if n not in f.indicators)
        if f.categories:  # "其中创新环境类的", "不是创新环境类的那个"
            keep = not f.has(Cue.NEGATION)
            numbers = tuple(n for n in numbers if (self.hit(n).category in f.categories) == keep)
        said = unit_said(f.text)
        if said:  # "只看单位是项的", "哪些的单位没用万人次"
            same = tuple(n for n in numbers if self.hit(n).unit == said)
            numbers = tuple(n for n in numbers if n not in same) if f.has(Cue.NEGATION) else same
        elif f.topic and not f.categories and not (f.indicators and f.has(Cue.NEGATION)):
            named = self._named_by_words(numbers, f.topic.split())
            if f.has(Cue.NEGATION):  # "去掉新增的"
                numbers = tuple(n for n in numbers if n not in named)
            else:
                numbers = named or self._variant(numbers, f.topic)
        title = "其中符合条件的指标" if numbers != f.base_indicators else "上面列出的指标"
        answer = self.values(f, raw, numbers, title)
        return answer if numbers else answer.model_copy(update={"note": "上面列出的指标中没有符合条件的。"})

    def _named_by_words(self, numbers: tuple[int, ...], parts: list[str]) -> tuple[int, ...]:
        """The listed indicators whose names hold the longest piece of a word the question used ("带市级" → 市级)."""
        for part in parts:
            for size in range(len(part), 1, -1):
                for start in range(len(part) - size + 1):
                    piece = part[start: start + size]
                    named = tuple(n for n in numbers if piece in self.hit(n).name or piece == self.hit(n).unit)
                    if named:
                        return named
        return ()

    def _variant(self, numbers: tuple[int, ...], word: str) -> tuple[int, ...]:
        """"市级的呢" after 劳模和工匠人才创新工作室: the indicator whose name is the last one's plus the word."""
        if len(numbers) != 1:
            return ()
        base = strip_noise(self.hit(numbers[0]).name)
        return tuple(n for n in self.numbers
                     if n != numbers[0] and word.replace(" ", "") in (name := strip_noise(self.hit(n).name))
                     and base in name)

    def for_topic(self, f: Frame, raw: str, measure: int) -> tuple[Answer, Op] | None:
        """Year values for a topic that has none itself (产教融合 → its category's indicators)."""
        categories = f.categories or [c for c in self.by_category if c in f.topic]
        if categories:
            numbers = tuple(n for c in categories for n in self.by_category[c])
            return self.values(f, raw, numbers, f"{'、'.join(categories)}类指标"), Op.VALUES
        named = next((found for part in f.topic.split() if (found := self.matcher.named(part, part, loose=True))), [])
        if named:
            return self.values(f, raw, tuple(named)), Op.VALUES
        behind = tuple(n for n, m in self.measure_of.items() if m == measure)
        if behind:
            return self.values(f, raw, behind, f"与第{measure}条相关的指标"), Op.VALUES
        return None

    def _category_of(self, number: int, raw: str) -> Answer:
        hit = self.hit(number)
        siblings = self.by_category[hit.category]
        note = f"指标{hit.number}「{hit.name}」属于“{hit.category}”类（一级指标），该类共 {len(siblings)} 项指标。"
        return Answer(question=raw, intent=Intent.CATEGORY_OF, indicators=(hit,), note=note)

    def _measures_behind(self, f: Frame, raw: str) -> Answer:
        """The indicator table names no departments: answer with the measure that covers the indicator."""
        parts = []
        for number in f.indicators:
            measure = self.measure_of.get(number)
            if measure is None:
                continue
            hit = self.catalog.measure_hit(measure)
            indicator = self.hit(number)
            note = f"指标表不列牵头单位；与指标{number}「{indicator.name}」最相关的是第{measure}条措施。"
            parts.append(Answer(question=raw, intent=Intent.LEAD_DEPARTMENTS, measures=(hit,),
                                indicators=(indicator,), departments=hit.departments, note=note))
        if not parts:
            return self.values(f, raw, tuple(f.indicators))
        return combine(raw, parts)


def _ranges(numbers: list[int]) -> str:
    """1,2,3,5,6 → '1–3、5–6'."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(f"{start}–{prev}" if prev != start else f"{start}")
        if n is not None:
            start = prev = n
    return "、".join(parts)
