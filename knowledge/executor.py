"""Answer a resolved Frame exactly from the parsed document: lookups, filters, set operations, counts."""

from __future__ import annotations

import re
from dataclasses import replace

from knowledge.answers import Answer, Candidate, Fact, Intent, combine
from knowledge.catalog import Catalog
from knowledge.facts import COUNT_FACTS, FactFinder
from knowledge.frame import Cue, Frame, Op
from knowledge.indicators import IndicatorAnswers
from knowledge.measure_lists import MeasureLists, not_leading, verdict
from knowledge.references import NAME_FILTER
from knowledge.search import MeasureIndex, Ranked

ALONE = re.compile(r"一家|一个单位|一个部门|单独|独家|自己")
TOPIC_PARTS = re.compile(r"以及|[和与及、,，\s]")
MIN_COVERAGE = 0.34  # below this share of the question's weight, the document does not speak to it
# ... unless one measure stands out: a colloquial question ("留点容错空间") covers little of itself, but the words it
# shares with the document are that measure's alone
DISTINCT_COVERAGE, DISTINCT_LEAD, DISTINCT_SCORE = 0.2, 3.0, 4.0  # share, lead over the second, BM25 score
AMBIGUOUS_MARGIN = 0.12  # top two measures this close (relative) and weakly covered: offer both


class Executor:
    """Plans the operation a frame asks for and runs it; never guesses where the document is structured."""

    def __init__(self, catalog: Catalog, index: MeasureIndex, facts: FactFinder, indicators: IndicatorAnswers) -> None:
        self.catalog = catalog
        self.index = index
        self.facts = facts
        self.indicators = indicators
        self.lists = MeasureLists(catalog)
        self.examples = catalog.lexicon.examples

    def run(self, f: Frame, raw: str) -> tuple[Answer, Op | None]:
        """The answer and the operation it carried out (kept in the dialog state)."""
        if f.small_talk:
            return Answer(question=raw, intent=Intent.SMALL_TALK, note=f.small_talk, suggestions=self.examples), None
        if f.other_place:
            note = f"我只掌握《{self.catalog.document.meta.title}》，没有{f.other_place}的政策内容。"
            return Answer(question=raw, intent=Intent.OUT_OF_SCOPE, suggestions=self.examples, note=note), None
        if f.base_measures is not None:
            followed = self.lists.followup(f, raw)
            if followed.measures or not (f.has(Cue.YES_NO) and f.topic):
                return followed, Op.LIST
            return self._not_listed(f, raw)  # "里面有没有创新服务体系": no, and which measure that is
        if f.base_indicators is not None:
            followed = self.indicators.list_followup(f, raw)
            if followed.indicators or not f.tentative:
                return followed, Op.VALUES if len(followed.indicators) == 1 else Op.LIST
            f.base_indicators = None  # "公租房怎么申请" after a list: not a filter after all
        if f.step:  # a step past either end of the measures
            f.missing_measures += [n for n in f.measures if n not in self.catalog.measure_numbers]
            f.measures = [n for n in f.measures if n in self.catalog.measure_numbers]
        missing = self._missing(f, raw)
        if missing:  # the operation stays, so "那第14项呢" goes on from here
            return missing, Op.VALUES if f.missing_indicators else f.inherited_op or Op.SHOW
        asks_list = f.has(Cue.LIST, Cue.COUNT, Cue.MEASURE_WORD) or (f.inherited_op is Op.LIST and f.followup)
        groups = self.catalog.groups_named(f.text) if asks_list else []  # "第五部分呢" after a group
        if groups and f.has(Cue.LEAD) and not (f.measures or f.departments):  # "第三组各条谁牵头"
            f.measures = [n for g in groups for n in self.catalog.group_measures[g]]
            return self._measures(f, raw)
        if groups and not (f.has(Cue.LEAD) or f.measures or f.departments):
            numbers = tuple(n for g in groups for n in self.catalog.group_measures[g])
            labels = "、".join(self.catalog.group_label(g) for g in groups)
            return self.lists.measure_list(raw, numbers, f"{labels}包括的措施", f), Op.LIST
        if f.has(Cue.MENTION) and not (f.measures or f.years or f.has(Cue.LEAD) or f.departments) and f.topic:
            listed = self.indicators.listing(f, raw) if not f.has(Cue.MEASURE_WORD) else None
            return listed or (self.lists.mentions(f, raw), Op.MENTIONS)  # 指标 names, else the measures' text
        bounded = f.only_n is not None or f.extreme or f.departments_with_n is not None or f.size_bound is not None
        if bounded and not (f.departments or f.measures):
            return self.lists.only_n(f, raw), Op.ONLY_N
        topic_counted = (f.fact in COUNT_FACTS and f.has(Cue.LEAD) and f.topic  # "知识产权保护有多少个单位负责"
                         and bool(self._ranking(self.index.query(f.topic, f.topic_words))))
        if f.fact and not (f.measures or f.indicators or f.departments or f.inherited_op or topic_counted):
            if f.fact == "categories":  # "一级指标有几个": the next "创新创效有哪些" is one of them
                f.categories = list(self.catalog.document.categories)
            facts = self.facts.build(f.fact, f.fact_item)
            return Answer(question=raw, intent=Intent.DOCUMENT_FACT, facts=facts), Op.FACT
        if f.measures and (f.group_step or f.this_group or f.asks_group):
            return self._groups_of(f, raw), Op.LIST
        if f.measures:
            return self._measures(f, raw)
        if f.categories and not f.has(Cue.CATEGORY_OF, Cue.LEAD):
            listed = self.indicators.listing(f, raw)
            if listed:
                return listed
        if f.indicators and NAME_FILTER.search(f.text) and f.has(Cue.LIST, Cue.MENTION):
            listed = self.indicators.listing(f, raw)  # "名字带职工创新创效竞赛的指标": every name with it
            if listed:
                return listed
        if f.indicators_by_name and f.has(Cue.MEASURE_WORD) and not (
                f.years or f.departments or f.has(Cue.INDICATOR, Cue.LEAD, Cue.DETAIL)) and f.topic:  # topic: jieba
            return self._topic(f, raw)  # "哪条措施讲公共实训基地": the measure, not the 指标 of that name
        if f.indicators and self._asks_indicator(f):
            return self.indicators.answer(f, raw)
        if f.departments:
            return self.departments(f, raw)
        listed = self.indicators.listing(f, raw)
        if listed:
            return listed
        if f.has(Cue.MEASURE_WORD) and f.has(Cue.LIST, Cue.COUNT) and not f.topic:
            return self.lists.measure_list(raw, self.catalog.measure_numbers, "工作措施", f), Op.LIST
        weak = self.facts.find(f.text, strong=False)
        if weak:
            return Answer(question=raw, intent=Intent.DOCUMENT_FACT, facts=self.facts.build(weak)), Op.FACT
        if f.topic:
            return self._topic(f, raw)
        if f.inherited_op or f.has(Cue.ANAPHORA) or f.followup:
            note = "请说得具体些：想问哪一条措施、哪个部门或哪项指标？"
            return Answer(question=raw, intent=Intent.EMPTY, suggestions=self.examples, note=note), None
        if f.has(Cue.LEAD, Cue.SCOPE, Cue.INDICATOR, Cue.DETAIL):
            return Answer(question=raw, intent=Intent.EMPTY, suggestions=self.examples), None
        return Answer(question=raw, intent=Intent.OUT_OF_SCOPE, suggestions=self.examples), None

    def _asks_indicator(self, f: Frame) -> bool:
        """A named indicator is the subject unless the question asks who leads, or a topic that is more than it."""
        if f.has(Cue.LEAD) and not f.years and not f.has(Cue.INDICATOR):
            return False
        if (not f.indicators_by_name or f.years or f.inherited_op
                or f.has(Cue.INDICATOR, Cue.CATEGORY_OF, Cue.ALL_YEARS)):
            return True
        return len(self.indicators.rest_of_topic(f)) < 2

    # --- measures -------------------------------------------------------------------------

    def _missing(self, f: Frame, raw: str) -> Answer | None:
        if f.missing_measures and not f.measures and not f.indicators:
            numbers = self.catalog.measure_numbers
            note = (f"文件共有 {len(numbers)} 条工作措施（第{numbers[0]}条至第{numbers[-1]}条），"
                    f"没有第{f.missing_measures[0]}条。")
            return Answer(question=raw, intent=Intent.NOT_FOUND, note=note, suggestions=self.examples[:3])
        if f.missing_indicators and not f.indicators and not f.measures:
            return self.indicators.not_found(f.missing_indicators[0], raw)
        return None

    def _measures(self, f: Frame, raw: str) -> tuple[Answer, Op]:
        op = self._measure_op(f)
        if len(f.measures) > 1 and f.has(Cue.TOGETHER) and ("共同" in f.text or "都" in f.text) and not f.departments:
            return self.lists.shared_leads(f, raw), Op.WHO_LEADS  # "这两条共同的牵头部门"
        parts = []
        for number in f.measures:
            measure = self.catalog.document.measure(number)
            assert measure is not None
            if op is Op.FULL_TEXT:
                hit = self.catalog.measure_hit(number, measure.sentences)
                parts.append(Answer(question=raw, intent=Intent.MEASURE_TEXT, measures=(hit,),
                                    departments=hit.departments))
            elif op is Op.OTHERS:
                excluded = set(f.departments) | set(f.excluded_departments)
                others = tuple(d for d in measure.departments if d not in excluded)
                named = [d for d in measure.departments if d in excluded]
                title = f"第{number}条「{measure.title}」除{'、'.join(named)}外，" if named else None
                parts.append(Answer(question=raw, intent=Intent.OTHER_DEPARTMENTS, title=title,
                                    measures=(self.catalog.measure_hit(number),), departments=others,
                                    note=not_leading(f.departments, self.catalog.measure_hit(number))))
            else:
                quotes = self.index.quotes(number, self.index.query(f.topic, f.topic_words)) if f.topic else ()
                hit = self.catalog.measure_hit(number, quotes or measure.sentences[:1])
                intent = Intent.LEAD_DEPARTMENTS if op is Op.WHO_LEADS else Intent.MEASURE
                parts.append(Answer(question=raw, intent=intent, measures=(hit,), departments=hit.departments,
                                    note=verdict(f.departments, hit)))
        return combine(raw, parts), op

    def _groups_of(self, f: Frame, raw: str) -> Answer:
        """The groups the measures are in ("各在哪个部分"), or one group's measures ("这个部分", "下一部分")."""
        catalog = self.catalog
        measures = [catalog.document.measure(n) for n in f.measures]
        groups = list(dict.fromkeys(m.group_number for m in measures if m is not None))
        if f.group_step or f.this_group:
            group = groups[0] + f.group_step
            if group not in catalog.group_titles:
                return Answer(question=raw, intent=Intent.NOT_FOUND, note="工作措施共分五个部分，没有这一部分。")
            title = f"{catalog.group_label(group)}包括的措施"
            return self.lists.measure_list(raw, catalog.group_measures[group], title, f)
        hits = tuple(catalog.measure_hit(n) for n in f.measures)
        title = "；".join(f"第{h.number}条属于{catalog.group_label(h.group_number)}" for h in hits)
        return Answer(question=raw, intent=Intent.MEASURE_LIST, measures=hits, title=title)

    def _measure_op(self, f: Frame) -> Op:
        if f.has(Cue.EXCLUSION) and (f.departments or f.excluded_departments):
            return Op.OTHERS
        if f.has(Cue.DETAIL):
            return Op.FULL_TEXT
        if f.has(Cue.LEAD) or f.departments:
            return Op.WHO_LEADS
        if f.inherited_op in (Op.FULL_TEXT, Op.WHO_LEADS, Op.OTHERS):
            return f.inherited_op if f.inherited_op is not Op.OTHERS else Op.WHO_LEADS
        return Op.SHOW

    def departments(self, f: Frame, raw: str) -> tuple[Answer, Op | None]:
        """What the named departments lead (each, together, one but not another); also `/dept`'s typed lookup."""
        catalog = self.catalog
        if f.has(Cue.MENTION) and f.topic:
            return self.lists.mentions(f, raw), Op.MENTIONS
        if f.has(Cue.LEAD, Cue.YES_NO, Cue.EXCLUSION) and not f.has(Cue.SCOPE, Cue.NEGATION) and f.topic:
            return self._topic(f, raw)
        groups = catalog.groups_named(f.text)  # "育用结合那组里国资委不负责的": within those groups only
        scope = {n for g in groups for n in catalog.group_measures[g]} or set(catalog.measure_numbers)
        sets = {d: set(catalog.by_department[d]) & scope for d in f.departments}
        if len(f.departments) > 1 and f.has(Cue.EACH):
            parts = [self._department_list(f, raw, d, sets[d]) for d in f.departments]
            return combine(raw, parts, Intent.EACH), Op.LEADS_WHAT
        if f.negated_departments:  # "A参与但B没参与"
            positive = [d for d in f.departments if d not in f.negated_departments]
            negated = set[int]().union(*(sets[d] for d in f.negated_departments))
            numbers = set.intersection(*(sets[d] for d in positive)) - negated
            title = f"{'和'.join(positive)}参与、{'和'.join(f.negated_departments)}没有参与的措施"
            return self.lists.measure_list(raw, tuple(numbers), title, f, Intent.DEPARTMENT_COMPLEMENT,
                                      tuple(f.departments)), Op.LEADS_WHAT
        if f.has(Cue.NEGATION):
            numbers = scope - set[int]().union(*sets.values())
            who = "和".join(f.departments)
            return self.lists.measure_list(raw, tuple(numbers), f"{who}没有参与（不在牵头单位中）的措施", f,
                                      Intent.DEPARTMENT_COMPLEMENT, tuple(f.departments)), Op.LEADS_WHAT
        alone = len(f.departments) == 1 and ALONE.search(f.text)
        if f.has(Cue.ONLY) and (len(f.departments) > 1 or alone):  # "只有总工会和科技局负责的那条": exactly these
            wanted = set(f.departments)
            numbers = {m.number for m in catalog.document.measures if set(m.departments) == wanted} & scope
            title = f"只由{'、'.join(f.departments)}负责的措施"
            return self.lists.measure_list(raw, tuple(numbers), title, f, Intent.DEPARTMENT_INTERSECTION,
                                      tuple(f.departments)), Op.LEADS_WHAT
        numbers = set.intersection(*sets.values())
        if f.has(Cue.SCOPE) and not f.has(Cue.LIST, Cue.COUNT) and f.topic:
            narrowed = numbers & set(catalog.mentions(f.topic))
            numbers = narrowed or numbers
        if len(f.departments) > 1:
            note = None if numbers else f"没有同时由{'、'.join(f.departments)}负责的措施。"
            return self.lists.measure_list(raw, tuple(numbers), f"{'和'.join(f.departments)}共同负责的措施", f,
                                      Intent.DEPARTMENT_INTERSECTION, tuple(f.departments), note), Op.LEADS_WHAT
        return self._department_list(f, raw, f.departments[0], numbers), Op.LEADS_WHAT

    def _department_list(self, f: Frame, raw: str, dept: str, numbers: set[int]) -> Answer:
        return self.lists.measure_list(raw, tuple(numbers), f"{dept}负责（牵头或参与）的措施", f,
                                       Intent.DEPARTMENT_MEASURES, (dept,))

    def _topic(self, f: Frame, raw: str) -> tuple[Answer, Op | None]:
        topics = [t for t in TOPIC_PARTS.split(f.topic) if len(t) >= 2] if f.has(Cue.EACH) else []
        if len(topics) > 1:  # "产教融合试点和创新服务体系分别由哪些部门负责"
            parts = [self._topic(replace(f, known_topic=t, known_words=tuple(self.catalog.lexicon.tokens(t)),
                                         cues=f.cues - {Cue.EACH}), raw)[0] for t in topics]
            tops = [p.measures[0].number for p in parts if p.measures]
            if len(tops) == len(parts) and len(set(tops)) == len(tops):
                return combine(raw, parts), Op.WHO_LEADS if f.has(Cue.LEAD) else Op.SHOW
        query = self.index.query(f.topic, f.topic_words)
        ranked = self._ranking(query)
        discussed = next((r for r in ranked if r.number == f.discussed), None)
        if discussed is not None and discussed.coverage >= ranked[0].coverage:  # "依托哪些平台" about the one shown
            ranked = [discussed, *(r for r in ranked if r is not discussed)]
        op = Op.WHO_LEADS if f.has(Cue.LEAD) or f.departments else Op.SHOW
        prose = self.catalog.prose_answer(f.topic) if not ranked or self._about_document(f) else None
        if prose:  # "文件要推动形成什么样的创新氛围": said in the 指导思想, not in a measure
            label, sentence = prose
            return Answer(question=raw, intent=Intent.DOCUMENT_FACT, facts=(Fact(label=label, text=sentence),)), Op.FACT
        if not ranked:
            return Answer(question=raw, intent=Intent.OUT_OF_SCOPE, suggestions=self.examples), None
        stated = not f.years and any(ch.isdigit() for q in self.index.quotes(ranked[0].number, query, limit=1)
                                         for ch in q)  # "每年征集多少个竞赛项目": the measure says the number
        if f.years or (f.has(Cue.INDICATOR) and not f.has(Cue.LEAD) and not stated):
            values = self.indicators.for_topic(f, raw, ranked[0].number)
            if values:
                return values
        top = ranked[0]
        runner = ranked[1] if len(ranked) > 1 else None
        if runner and runner.score >= top.score * (1 - AMBIGUOUS_MARGIN) and top.coverage < 0.75:
            close = [r for r in ranked[:3] if r.score >= top.score * (1 - AMBIGUOUS_MARGIN)]
            hits = tuple(self.catalog.measure_hit(r.number, self.index.quotes(r.number, query, limit=1)) for r in close)
            candidates = tuple(Candidate(label=f"第{h.number}条 {h.title}", question=f"第{h.number}条") for h in hits)
            return Answer(question=raw, intent=Intent.AMBIGUOUS, measures=hits, candidates=candidates), op
        hit = self.catalog.measure_hit(top.number, self.index.quotes(top.number, query))
        if f.has(Cue.DETAIL) or (f.has(Cue.EXCLUSION) and f.departments):  # its full text, or its other leads
            f.measures = [top.number]
            return self._measures(f, raw)
        intent = Intent.LEAD_DEPARTMENTS if op is Op.WHO_LEADS else Intent.TOPIC
        return Answer(question=raw, intent=intent, measures=(hit,), departments=hit.departments,
                      note=verdict(f.departments, hit)), op

    def _about_document(self, f: Frame) -> bool:
        return not f.has(Cue.LEAD) and any(word in f.text for word in self.catalog.lexicon.document_words)

    def _not_listed(self, f: Frame, raw: str) -> tuple[Answer, Op | None]:
        """A measure asked about as one of the last list's, which it is not: say so, and show it."""
        answer, op = self._topic(replace(f, base_measures=None), raw)
        if len(answer.measures) != 1:
            return self.lists.followup(f, raw), Op.LIST
        hit = answer.measures[0]
        note = f"上面列出的措施中没有这一条：它是第{hit.number}条「{hit.title}」。"
        return answer.model_copy(update={"note": note}), op

    def _ranking(self, query: frozenset[str]) -> list[Ranked]:
        ranked = self.index.rank(query)
        if not ranked or ranked[0].coverage < DISTINCT_COVERAGE:
            return []
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if ranked[0].coverage < MIN_COVERAGE and (
                ranked[0].score < DISTINCT_LEAD * runner_up or ranked[0].score < DISTINCT_SCORE):
            return []
        return ranked
