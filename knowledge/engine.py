"""Question in, answer out: read a frame, fill it from the dialog state, run it against the document."""

from __future__ import annotations

import datetime as dt

from knowledge import dialog
from knowledge.answers import Answer, ChatContext, Intent
from knowledge.catalog import Catalog
from knowledge.executor import Executor
from knowledge.facts import FactFinder
from knowledge.frame import Frame
from knowledge.indicator_names import IndicatorNames
from knowledge.indicators import IndicatorAnswers
from knowledge.lexicon import Lexicon, load_lexicon
from knowledge.models import PolicyDocument, Principle, Section
from knowledge.normalize import fold_question, know_simplified, strip_noise
from knowledge.reader import QuestionReader
from knowledge.search import IndicatorMatcher, MeasureIndex


class QuestionEngine:
    """Answers questions about one policy document; the dialog state comes back in with each question."""

    def __init__(self, document: PolicyDocument, lexicon: Lexicon | None = None) -> None:
        self.document = document
        self.lexicon = lexicon or load_lexicon(document)
        known = "".join(m.title + m.body + m.group_title for m in document.measures)
        known += "".join(self.lexicon.department_aliases) + "".join(self.lexicon.removable)
        known += "".join(i.name + i.category for i in document.indicators)
        sections: tuple[Section | Principle, ...] = (document.guiding_thought, *document.principles,
                                                     *document.guarantees)
        known += "".join(s.title + s.text for s in sections)
        know_simplified(known)  # before anything below folds the document's text
        self.index = MeasureIndex(document.measures, self.lexicon)
        matcher = IndicatorMatcher(document.indicators, IndicatorNames(document.indicators))
        self.catalog = Catalog(document, self.lexicon)
        self.facts = FactFinder(document, self.lexicon)
        self.reader = QuestionReader(document, self.lexicon, matcher, self.facts, self.catalog)
        indicators = IndicatorAnswers(self.catalog, self.index, matcher)
        self.executor = Executor(self.catalog, self.index, self.facts, indicators)

    def answer(self, question: str, context: ChatContext | None = None, now: dt.datetime | None = None) -> Answer:
        """One question in, one Answer out (its `context` is the next dialog state); never raises on odd text."""
        text = self.lexicon.canonical_words(fold_question(question or ""))
        ctx = dialog.live(context, now)
        if not strip_noise(text):
            answer = Answer(question=question, intent=Intent.EMPTY, suggestions=self.lexicon.examples)
            return answer.model_copy(update={"context": ctx or ChatContext()})
        frame = self.reader.read(text)
        frame = dialog.resolve(frame, ctx)
        answer, op = self.executor.run(frame, question)
        return answer.model_copy(update={"context": dialog.remember(frame, answer, op, ctx, now)})

    def department_measures(self, names: str, now: dt.datetime | None = None) -> Answer | None:
        """`/dept 名称`: the measures the named departments lead (together, when several), a fresh dialog state after
        it; None when the text names no department."""
        text = self.lexicon.canonical_words(fold_question(names or ""))
        departments, _ = self.reader.departments(text)
        if not departments:
            return None
        frame = Frame(text=text, departments=departments)
        answer, op = self.executor.departments(frame, names)
        return answer.model_copy(update={"context": dialog.remember(frame, answer, op, None, now)})
