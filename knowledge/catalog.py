"""Lookups over the parsed document built once: who leads what, groups, full-text mentions, answer hits."""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain

from knowledge.answers import MeasureHit
from knowledge.lexicon import Lexicon, any_of
from knowledge.models import PolicyDocument, split_sentences
from knowledge.normalize import bigrams, match_key
from knowledge.numerals import cn_numeral, cn_to_int

GROUP_NUMBER = re.compile(r"[（(]([一二三四五六七八九十])[）)]|第([一二三四五六七八九十])(?:部分|组|大类|方面)"
                          r"|group\s*(\d)|第(\d)组")
CJK_ONLY = re.compile(r"[\u4e00-\u9fff]+")
MIN_GROUP_PHRASE = 4
MIN_PROSE_GRAMS, MIN_PROSE_SHARE = 3, 0.6  # a question about the document's prose must say this much of it


class Catalog:
    """Exact facts of the document the executor combines; no ranking here."""

    def __init__(self, document: PolicyDocument, lexicon: Lexicon) -> None:
        self.document = document
        self.lexicon = lexicon
        self.measure_numbers = tuple(m.number for m in document.measures)
        self.by_department = {
            dept: tuple(m.number for m in document.measures if dept in m.departments) for dept in document.departments
        }
        self._hits = {
            m.number: MeasureHit(number=m.number, title=m.title, group_number=m.group_number,
                                 group_title=m.group_title, departments=m.departments)
            for m in document.measures
        }
        self._texts = {m.number: match_key(m.title + m.body) for m in document.measures}
        self._sentences = {m.number: [(match_key(s), s) for s in m.sentences] for m in document.measures}
        self.group_measures: dict[int, tuple[int, ...]] = {}
        self.group_titles: dict[int, str] = {}
        for m in document.measures:
            self.group_measures[m.group_number] = (*self.group_measures.get(m.group_number, ()), m.number)
            self.group_titles[m.group_number] = m.group_title
        doc = document
        sections = [(doc.guiding_thought.title, doc.guiding_thought.text)]
        sections += [(f"基本原则·{p.title}", p.text) for p in doc.principles]
        sections += [(f"组织保障·{g.title}", g.text) for g in doc.guarantees]
        self._sections = [(label, match_key(sentence), sentence) for label, text in sections
                          for sentence in split_sentences(text)]
        # bigram → sentences holding it: sections by index, measure sentences as negative ids
        self._prose_postings: dict[str, list[int]] = {}
        measure_sentences = [folded for sentences in self._sentences.values() for folded, _ in sentences]
        for ids, texts in ((range(len(self._sections)), [f for _, f, _ in self._sections]),
                           (range(-1, -len(measure_sentences) - 1, -1), measure_sentences)):
            for at, folded in zip(ids, texts, strict=True):
                for gram in set(bigrams(folded)):
                    self._prose_postings.setdefault(gram, []).append(at)
        self._group_phrases = [
            (number, match_key(variant)) for number, title in self.group_titles.items()
            for phrase in re.split(r"[，,、\s]", title)
            for variant in {phrase, phrase.removeprefix("坚持")} if len(variant) >= MIN_GROUP_PHRASE
        ]  # "坚持育用结合" is asked as "育用结合" too
        self._any_group_phrase = any_of([phrase for _, phrase in self._group_phrases], nested=True)

    def measure_hit(self, number: int, quotes: tuple[str, ...] = ()) -> MeasureHit:
        hit = self._hits[number]
        if not quotes:
            return hit
        return MeasureHit(number=number, title=hit.title, group_number=hit.group_number,
                          group_title=hit.group_title, departments=hit.departments, quotes=quotes)

    def mentions(self, topic: str) -> tuple[int, ...]:
        """Measures whose title or body contains every part of the topic, as written."""
        parts = [match_key(p) for p in topic.split() if p]
        if not parts:
            return ()
        return tuple(n for n, text in self._texts.items() if all(p in text for p in parts))

    def sentences_with(self, number: int, topic: str) -> tuple[str, ...]:
        parts = [match_key(p) for p in topic.split() if p]
        return tuple(s for folded, s in self._sentences[number] if parts and any(p in folded for p in parts))

    def sections_with(self, topic: str) -> list[tuple[str, str]]:
        """(section, sentence) outside the measures that contain the topic: where else the document says it."""
        parts = [match_key(p) for p in topic.split() if p]
        return [(label, s) for label, folded, s in self._sections if parts and all(p in folded for p in parts)]

    def prose_answer(self, topic: str) -> tuple[str, str] | None:
        """The sentence outside the measures that holds more of the topic than any measure's sentence does."""
        grams = {g for part in topic.split() for g in bigrams(match_key(part))}
        if len(grams) < MIN_PROSE_GRAMS:
            return None
        counts = Counter(chain.from_iterable(self._prose_postings.get(g, ()) for g in grams))
        sections = [(n, at) for at, n in counts.items() if at >= 0]
        if not sections:
            return None
        best, at = max(sections)
        in_measures = max((n for at, n in counts.items() if at < 0), default=0)
        label, _, sentence = self._sections[at]
        return (label, sentence) if best >= MIN_PROSE_SHARE * len(grams) and best > in_measures else None

    def groups_named(self, text: str) -> list[int]:
        """Groups of measures named by number ("（四）", "第二部分") or by a phrase of their title."""
        found = ([n for n, phrase in self._group_phrases if phrase in text]
                 if self._any_group_phrase.search(text) else [])
        for match in GROUP_NUMBER.finditer(text):
            number = cn_to_int(next(g for g in match.groups() if g))
            if number in self.group_titles:
                found.append(number)
        return list(dict.fromkeys(found))

    def group_label(self, number: int) -> str:
        return f"（{cn_numeral(number)}）{self.group_titles[number]}"


def contexts_of(document: PolicyDocument, word: str) -> list[str]:
    """The word with two more characters either side, as the document uses it (产教融合试点, 职工创新创效)."""
    texts = [m.title + m.body for m in document.measures] + [i.name for i in document.indicators]
    found: set[str] = set()
    for text in texts:
        for match in re.finditer(re.escape(word), text):
            before, after = text[max(0, match.start() - 2): match.start()], text[match.end(): match.end() + 2]
            found.update(w for w in (before + word, word + after) if CJK_ONLY.fullmatch(w) and w != word)
    return sorted(found)
