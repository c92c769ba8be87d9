"""Route a question to the part of the document that answers it, exactly where the document is structured."""

from __future__ import annotations

from knowledge.analysis import Question, analyse
from knowledge.answers import Answer, Candidate, ChatContext, IndicatorHit, Intent, MeasureHit
from knowledge.facts import FactFinder
from knowledge.lexicon import Lexicon, load_lexicon, short_names
from knowledge.models import PolicyDocument
from knowledge.normalize import TextNormalizer, strip_noise
from knowledge.search import IndicatorMatcher, MeasureIndex, Ranked

MIN_COVERAGE = 0.34  # below this share of the question's weight, the document does not speak to it
AMBIGUOUS_MARGIN = 0.12  # top two measures this close (relative) and weakly covered: offer both
INDICATOR_MIN = 0.67  # share of an indicator's name that must appear in the question
BASELINE_WORDS = ("基数", "基准", "基线", "现状", "起点")
FINAL_WORDS = ("最终", "远期", "末期")
MIDTERM_WORDS = ("中期", "阶段性", "近期")


class QuestionEngine:
    """Answers questions about one policy document; stateless between calls (context comes back in)."""

    def __init__(self, document: PolicyDocument, lexicon: Lexicon | None = None) -> None:
        self.document = document
        self.lexicon = lexicon or load_lexicon(document)
        known = "".join(m.title + m.body + m.group_title for m in document.measures)
        known += "".join(self.lexicon.department_aliases) + "".join(self.lexicon.removable)
        known += "".join(i.name + i.category for i in document.indicators)
        self.normalize = TextNormalizer(known)
        self.index = MeasureIndex(document.measures, self.lexicon)
        self.indicator_matcher = IndicatorMatcher(document.indicators)
        self.facts = FactFinder(document, self.lexicon)
        self.years = tuple(sorted({y for i in document.indicators for y in i.values}))
        self.year_words = self._year_words()
        self._measure_hits = {
            m.number: MeasureHit(
                number=m.number,
                title=m.title,
                group_number=m.group_number,
                group_title=m.group_title,
                departments=m.departments,
            )
            for m in document.measures
        }
        self._indicator_hits = {
            (i.number, year): IndicatorHit(**dict(i), year=year if year in i.values else None)
            for i in document.indicators
            for year in (None, *self.years)
        }
        self.by_department = {
            dept: tuple(m.number for m in document.measures if dept in m.departments) for dept in document.departments
        }

    def _year_words(self) -> dict[str, int]:
        if not self.years:
            return {}
        words = {w: self.years[0] for w in BASELINE_WORDS}
        words.update({w: self.years[-1] for w in FINAL_WORDS})
        words.update({w: self.years[len(self.years) // 2] for w in MIDTERM_WORDS})
        return words

    def answer(self, question: str, context: ChatContext | None = None) -> Answer:
        """One question in, one Answer out; never raises on odd text."""
        text = self.lexicon.canonical_words(self.normalize(question or ""))
        if not strip_noise(text):
            return self._empty(question)
        q = analyse(text, self.lexicon, self.years, self.year_words)
        if not q.departments and (q.scope or q.together) and not q.lead:
            q.departments = self.lexicon.fuzzy_departments(q.text)
        answer = self._route(question, q, context or ChatContext())
        return answer.model_copy(update={"context": self._context_of(answer, q)})

    def _route(self, raw: str, q: Question, ctx: ChatContext) -> Answer:
        if q.indicator_no is not None:
            return self._indicator(raw, q.indicator_no, q.year)
        if q.measure_no is not None:
            return self._measure(raw, q.measure_no, q, lead=q.lead)
        fact = self.facts.find(q.text, strong=True)
        if fact:
            return Answer(question=raw, intent=Intent.DOCUMENT_FACT, facts=fact)
        followed = self._follow_up(raw, q, ctx)
        if followed:
            return followed
        if q.departments and (q.scope or not q.core or len(q.departments) > 1 or not q.lead):
            by_dept = self._departments(raw, q)
            if by_dept:
                return by_dept
        listing = self._listing(raw, q)
        if listing:
            return listing
        indicator = self._indicator_by_name(raw, q)
        if indicator:
            return indicator
        fact = self.facts.find(q.text, strong=False)
        if fact:
            return Answer(question=raw, intent=Intent.DOCUMENT_FACT, facts=fact)
        return self._topic(raw, q)

    # --- follow-ups -------------------------------------------------------------------------

    def _follow_up(self, raw: str, q: Question, ctx: ChatContext) -> Answer | None:
        if ctx.intent is None or q.departments:
            return None
        bare = not q.core
        if ctx.indicators and (q.year or q.indicator_cue) and (bare or q.followup):
            named = self._best_indicator(q)
            number = named if named is not None else ctx.indicators[0]
            return self._indicator(raw, number, q.year or ctx.year)
        if ctx.indicators and q.followup and not bare:
            named = self._best_indicator(q)
            if named is not None:
                return self._indicator(raw, named, q.year or ctx.year)
        measures = ctx.measures or self._measures_for_indicators(ctx.indicators)
        if measures and (bare or q.followup) and (q.lead or q.detail):
            if bare or not self._topic_ranking(q):
                return self._measure(raw, measures[0], q, lead=q.lead, full=q.detail)
        if ctx.intent == Intent.LEAD_DEPARTMENTS and q.followup and not bare:
            q.lead = True
        return None

    def _measures_for_indicators(self, numbers: tuple[int, ...]) -> tuple[int, ...]:
        """The measure whose text best matches an indicator's name: who works on that indicator."""
        for number in numbers[:1]:
            indicator = self.document.indicator(number)
            ranked = self.index.rank(self.index.query(indicator.name)) if indicator else []
            if ranked:
                return (ranked[0].number,)
        return ()

    def _context_of(self, answer: Answer, q: Question) -> ChatContext:
        return ChatContext(
            intent=answer.intent,
            measures=tuple(m.number for m in answer.measures),
            indicators=tuple(i.number for i in answer.indicators),
            departments=answer.departments,
            year=q.year,
        )

    # --- structured parts -------------------------------------------------------------------

    def _measure_hit(self, number: int, quotes: tuple[str, ...] = ()) -> MeasureHit:
        hit = self._measure_hits[number]
        return hit.model_copy(update={"quotes": quotes}) if quotes else hit

    def _measure(self, raw: str, number: int, q: Question, lead: bool = False, full: bool = False) -> Answer:
        if self.document.measure(number) is None:
            numbers = [m.number for m in self.document.measures]
            note = f"文件共有 {len(numbers)} 条工作措施（第{numbers[0]}条至第{numbers[-1]}条），没有第{number}条。"
            return Answer(question=raw, intent=Intent.NOT_FOUND, note=note, suggestions=self.lexicon.examples[:3])
        measure = self.document.measure(number)
        quotes = measure.sentences if full else (self.index.quotes(number, self._query(q)) if q.core else ())
        hit = self._measure_hit(number, quotes)
        intent = Intent.LEAD_DEPARTMENTS if lead else Intent.MEASURE
        return Answer(question=raw, intent=intent, measures=(hit,), departments=hit.departments)

    def _indicator_hit(self, number: int, year: int | None) -> IndicatorHit:
        return self._indicator_hits[(number, year if year in self.years else None)]

    def _indicator(self, raw: str, number: int, year: int | None) -> Answer:
        if self.document.indicator(number) is None:
            numbers = [i.number for i in self.document.indicators]
            note = (
                f"指标体系里没有第{number}项指标。现有指标共 {len(numbers)} 项，"
                f"编号为 {_ranges(numbers)}。"
            )
            return Answer(question=raw, intent=Intent.NOT_FOUND, note=note)
        hit = self._indicator_hit(number, year)
        note = None
        if year is not None and hit.year is None:
            note = f"指标表只列出 {'、'.join(f'{y}年' for y in self.years)} 的数值，没有 {year} 年的。"
        return Answer(question=raw, intent=Intent.INDICATOR, indicators=(hit,), note=note)

    def _best_indicator(self, q: Question) -> int | None:
        matches = self.indicator_matcher.match(q.text, q.core)
        if matches and matches[0][1] >= INDICATOR_MIN:
            return matches[0][0]
        return None

    def _only_names(self, q: Question) -> bool:
        """True when the topic is an indicator name and nothing more (高技能人才培训基地 is more)."""
        rest = q.core
        for number, _ in self.indicator_matcher.match(q.text)[:3]:
            indicator = self.document.indicator(number)
            for name in short_names(indicator.name):
                rest = rest.replace(name, "")
        return len(strip_noise(rest)) < 2

    def _indicator_by_name(self, raw: str, q: Question) -> Answer | None:
        if q.lead:
            return None
        matches = [m for m in self.indicator_matcher.match(q.text, q.core) if m[1] >= INDICATOR_MIN]
        if not matches:
            return None
        top_score = matches[0][1]
        exact = top_score >= 1.0
        if not (q.indicator_cue or q.year) and not (exact and self._only_names(q)):
            return None
        close = [n for n, s in matches if s >= top_score - 0.05 and s < 1.0 or n == matches[0][0]]
        if len(close) > 1 and not exact:
            hits = tuple(self._indicator_hit(n, q.year) for n in close[:4])
            candidates = tuple(Candidate(label=f"指标{h.number} {h.name}", question=f"指标{h.number}") for h in hits)
            return Answer(question=raw, intent=Intent.AMBIGUOUS, indicators=hits, candidates=candidates)
        return self._indicator(raw, matches[0][0], q.year)

    def _departments(self, raw: str, q: Question) -> Answer | None:
        sets = [set(self.by_department.get(d, ())) for d in q.departments]
        if len(q.departments) > 1:
            numbers = set.intersection(*sets) if (q.together or True) else set()
            intent = Intent.DEPARTMENT_INTERSECTION
        else:
            numbers = sets[0]
            intent = Intent.DEPARTMENT_MEASURES
        hits = tuple(self._measure_hit(n) for n in sorted(numbers))
        note = None
        if not hits:
            note = f"没有同时由{'、'.join(q.departments)}负责的措施。"
        return Answer(question=raw, intent=intent, measures=hits, departments=tuple(q.departments), note=note)

    def _listing(self, raw: str, q: Question) -> Answer | None:
        category = next((c for c in self.document.categories if c in q.text), None)
        rest = strip_noise(q.core.replace(category or "", "").replace("类", "").replace("方面", ""))
        if category and q.category_cue and (q.list_cue or not rest):
            hits = tuple(self._indicator_hit(i.number, q.year) for i in self.document.indicators if i.category == category)
            return Answer(question=raw, intent=Intent.INDICATOR_CATEGORY, indicators=hits, note=category)
        if "指标" in q.text and (q.list_cue or "指标体系" in q.text) and self._best_indicator(q) is None:
            hits = tuple(self._indicator_hit(i.number, q.year) for i in self.document.indicators)
            return Answer(question=raw, intent=Intent.INDICATOR_LIST, indicators=hits)
        if ("措施" in q.text or "举措" in q.text) and q.list_cue and not q.departments and len(q.core) <= 4:
            hits = tuple(self._measure_hit(m.number) for m in self.document.measures)
            return Answer(question=raw, intent=Intent.MEASURE_LIST, measures=hits)
        return None

    # --- free topics ------------------------------------------------------------------------

    def _query(self, q: Question) -> frozenset[str]:
        if q.features is None:
            q.features = self.index.query(q.core, q.core_words)
        return q.features

    def _topic_ranking(self, q: Question) -> list[Ranked]:
        ranked = self.index.rank(self._query(q))
        if not ranked or ranked[0].coverage < MIN_COVERAGE:
            return []
        return ranked

    def _topic(self, raw: str, q: Question) -> Answer:
        ranked = self._topic_ranking(q)
        if not ranked:
            return self._out_of_scope(raw)
        top = ranked[0]
        runner = ranked[1] if len(ranked) > 1 else None
        if runner and runner.score >= top.score * (1 - AMBIGUOUS_MARGIN) and top.coverage < 0.75:
            close = [r for r in ranked[:3] if r.score >= top.score * (1 - AMBIGUOUS_MARGIN)]
            hits = tuple(self._measure_hit(r.number, self.index.quotes(r.number, self._query(q), limit=1)) for r in close)
            candidates = tuple(Candidate(label=f"第{h.number}条 {h.title}", question=f"第{h.number}条") for h in hits)
            return Answer(question=raw, intent=Intent.AMBIGUOUS, measures=hits, candidates=candidates)
        hit = self._measure_hit(top.number, self.index.quotes(top.number, self._query(q)))
        intent = Intent.LEAD_DEPARTMENTS if q.lead or q.departments else Intent.TOPIC
        return Answer(question=raw, intent=intent, measures=(hit,), departments=hit.departments)

    def _out_of_scope(self, raw: str) -> Answer:
        return Answer(question=raw, intent=Intent.OUT_OF_SCOPE, suggestions=self.lexicon.examples)

    def _empty(self, raw: str) -> Answer:
        return Answer(question=raw, intent=Intent.EMPTY, suggestions=self.lexicon.examples)


def _ranges(numbers: list[int]) -> str:
    """1,2,3,5,6 → '1–3、5–6'."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(f"{start}–{prev}" if prev != start else f"{start}")
        if n is not None:
            start = prev = n
    return "、".join(parts)
