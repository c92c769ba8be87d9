"""BM25 over jieba words plus character bigrams: exact where words match, tolerant where they don't."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import chain, repeat

from knowledge.indicator_names import IndicatorNames, short_names
from knowledge.lexicon import Lexicon
from knowledge.models import Indicator, Measure, split_sentences
from knowledge.normalize import bigrams, strip_noise

TITLE_WEIGHT = 3
WORD_WEIGHT = 2
K1 = 1.2
MIN_TOPIC_BIGRAMS = 3
B = 0.75
INDICATOR_MIN = 0.67  # share of an indicator's name that must appear in the question
CLEAR_LEAD_MIN, CLEAR_LEAD = 0.55, 0.08  # or a smaller share, well ahead of every other indicator
LOOSE_MIN = 0.4
IRRELEVANT = CLEAR_LEAD_MIN - CLEAR_LEAD  # a share below this is neither a match nor a close runner-up
SEGMENT = re.compile(r"以及|[和跟与及、,，]")
PUNCTUATION = re.compile(r"[^\w%\u3400-\u9fff ]+")
PARTS = re.compile(r"以及|[和跟与及、,，\s]")
FUZZY_NAME = 75  # rapidfuzz partial_ratio for a misspelt indicator name (济南公匠)


def features(text: str, lexicon: Lexicon) -> list[str]:
    """Bigrams of each space-separated segment plus domain words; words count double, being sharper."""
    out: list[str] = []
    for segment in text.lower().split():
        clean = strip_noise(segment)
        out += bigrams(clean) + lexicon.tokens(clean) * WORD_WEIGHT
    return out


@dataclass(frozen=True)
class Ranked:
    """A measure number with its score and the share of the question's weight it covers."""

    number: int
    score: float
    coverage: float


class MeasureIndex:
    """BM25 over the measures; titles weigh more than bodies."""

    def __init__(self, measures: tuple[Measure, ...], lexicon: Lexicon) -> None:
        self._lexicon = lexicon
        self._numbers = [m.number for m in measures]
        docs = [
            Counter(features(m.title, lexicon) * TITLE_WEIGHT + features(m.group_title + m.body, lexicon))
            for m in measures
        ]
        lengths = [sum(d.values()) for d in docs]
        average = sum(lengths) / len(lengths)
        df = Counter(f for d in docs for f in d)
        n = len(docs)
        self._idf = {f: math.log(1 + (n - c + 0.5) / (c + 0.5)) for f, c in df.items()}
        self.max_idf = math.log(1 + (n - 0.5) / 1.5) if n > 1 else 1.0
        # per feature: its BM25 weight in every measure, and its idf where the measure has it (else 0),
        # so rank() adds whole rows with zip/sum instead of looping over postings
        weights: dict[str, list[float]] = {}
        for at, (doc, length) in enumerate(zip(docs, lengths, strict=True)):
            norm = K1 * (1 - B + B * length / average)
            for feature, tf in doc.items():
                row = weights.setdefault(feature, [0.0] * n)
                row[at] = self._idf[feature] * tf * (K1 + 1) / (tf + norm)
        self._rows = {
            feature: (tuple(row), tuple(self._idf[feature] if w else 0.0 for w in row))
            for feature, row in weights.items()
        }
        self._sentences = {m.number: split_sentences(m.body) for m in measures}
        self._sentence_features = {
            number: [set(features(s, lexicon)) for s in sentences] for number, sentences in self._sentences.items()
        }

    def idf(self, feature: str) -> float:
        return self._idf.get(feature, self.max_idf)

    def query(self, text: str, words: tuple[str, ...] | None = None) -> frozenset[str]:
        """The features of a question, computed once and handed to rank() and quotes().

        `words` are the jieba words already cut from `text`, so the question is segmented only once.
        """
        if words is None:
            return frozenset(features(text, self._lexicon))
        grams = [g for segment in text.split() for g in bigrams(strip_noise(segment))]
        return frozenset(grams + list(words))

    def rank(self, query: frozenset[str], limit: int = 3) -> list[Ranked]:
        """The best measures by BM25 score, with the idf share of the query found in each."""
        if not query:
            return []
        rows = [self._rows[f] for f in sorted(query) if f in self._rows]
        if not rows:
            return []
        idf, unseen = self._idf.get, self.max_idf
        total = sum(idf(f, unseen) for f in query)
        scores = map(sum, zip(*(weight for weight, _ in rows), strict=True))
        covered = list(map(sum, zip(*(cover for _, cover in rows), strict=True)))
        best = sorted(((-score, self._numbers[at], covered[at]) for at, score in enumerate(scores) if covered[at]))
        return [Ranked(number, -score, cover / total) for score, number, cover in best[:limit]]

    def quotes(self, number: int, query: frozenset[str], limit: int = 2) -> tuple[str, ...]:
        """The body sentences that share the most weight with the question."""
        sentences = self._sentences[number]
        if not sentences:
            return ()
        scored = [
            (sum(map(self._idf.get, query & feats, repeat(self.max_idf))), at)
            for at, feats in enumerate(self._sentence_features[number])
        ]
        scored.sort(key=lambda s: (-s[0], s[1]))
        best = scored[0][0]
        if best <= 0:
            return (sentences[0],)
        chosen = [at for score, at in scored[:limit] if score >= 0.6 * best]
        return tuple(sentences[at] for at in sorted(chosen))


class IndicatorMatcher:
    """Finds indicators named in a question by bigram overlap with their names and short forms; a topic that is
    exactly one of the data file's aliases names its indicator, as it does in a report."""

    def __init__(self, indicators: tuple[Indicator, ...], names: IndicatorNames) -> None:
        self.names = names.names  # knowledge.indicator_names: the names the report grammar resolves too
        self._names = [
            (ind.number, name, len(grams))
            for ind in indicators
            for name in short_names(ind.name)
            if (grams := set(bigrams(strip_noise(name))))
        ]
        derived = {strip_noise(name) for _, name, _ in self._names}
        self._aliases = {key: number for key, number in names.keys.items() if key not in derived}
        self._plain = {ind.number: strip_noise(ind.name) for ind in indicators}
        self._bare_names = [strip_noise(name) for _, name, _ in self._names]
        fuzzy = sorted(((number, name) for number, name, _ in self._names if len(name) >= 3), key=lambda nn: len(nn[1]))
        self._fuzzy_numbers = [number for number, _ in fuzzy]  # shortest first: a tie goes to the general name
        self._fuzzy_names = [name for _, name in fuzzy]
        self._postings: dict[str, list[int]] = {}
        for at, (_, name, _) in enumerate(self._names):
            for gram in set(bigrams(strip_noise(name))):
                self._postings.setdefault(gram, []).append(at)

    def _shared(self, grams: set[str]) -> Counter[int]:
        """How many of the grams each name has (counted in C: this runs for nearly every question)."""
        return Counter(chain.from_iterable(map(self._postings.get, grams, repeat(()))))

    def named(self, text: str, core: str = "", fuzzy: bool = False, parts: bool = True,
              loose: bool = False) -> list[int]:
        """Indicators the question names: every name found whole (not inside a longer one found), else the best.

        Ties go to the shorter name, the more general indicator ("创新工作室" → 3, not 市级 4).
        With `fuzzy`, a misspelt name ("济南公匠") is looked for when nothing else matched.
        """
        found = self._scored(text, core)
        whole = [(number, name) for number, (score, name) in found.items() if score > 1.0]
        if whole:
            outer = [(n, name) for n, name in whole if not any(name != other and name in other for _, other in whole)]
            # one name can be one indicator's own and another's short form (3 and 市级 4): the own one
            outer = [(n, name) for n, name in outer
                     if not any(o != n and other == name and len(self._plain[o]) < len(self._plain[n])
                                for o, other in outer)]
            numbers = [n for n, name in sorted(outer, key=lambda item: text.find(item[1]))]
            bare_names = [strip_noise(name) for _, name in outer]
            for segment in PARTS.split(core) if parts else ():  # parts the whole names leave ("…场次和参赛企业")
                bare = strip_noise(segment)
                if len(bare) >= 2 and not any(name in bare or bare in name for name in bare_names) and any(
                        gram in self._postings for gram in bigrams(bare)):  # "目标" shares nothing with any name
                    numbers += [n for n in self.named(segment, segment, parts=False)[:1] if n not in numbers]
            return numbers
        segments = [s for s in SEGMENT.split(core) if len(s) >= 2] if parts else []
        if len(segments) > 1:
            several = []
            for at, segment in enumerate(segments):  # "创新工作室和市级的": 市级 refines the name before it
                found_here = self.named(segment, segment, parts=False)[:1]
                if not found_here and at:
                    found_here = self.named(segment + segments[at - 1], segment + segments[at - 1], parts=False)[:1]
                several += [n for n in found_here if n not in several]
            if len(several) > 1:
                return list(dict.fromkeys(several))
        partial = sorted(((score, -len(name), number) for number, (score, name) in found.items()), reverse=True)
        runner_up = partial[1][0] if len(partial) > 1 else 0.0
        least = LOOSE_MIN if loose else CLEAR_LEAD_MIN  # loose: a topic the dialog carries ("双师型教师队伍建设")
        if partial and (partial[0][0] >= INDICATOR_MIN or (partial[0][0] >= least and
                        partial[0][0] - runner_up >= CLEAR_LEAD)):
            return [partial[0][2]]
        if fuzzy:
            return self._fuzzy(strip_noise(core) or strip_noise(re.sub(r"\d+", "", text)))
        return []

    def _fuzzy(self, text: str) -> list[int]:
        if len(text) < 3:
            return []
        from rapidfuzz import fuzz, process

        best = process.extractOne(text, self._fuzzy_names, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_NAME)
        return [self._fuzzy_numbers[best[2]]] if best else []

    def _scored(self, text: str, core: str = "") -> dict[int, tuple[float, str]]:
        """(indicator number, score) best first: the share of the name found, or of the topic in the name.

        A name found whole scores above 1; a topic (`core`, question words removed) of three or more
        bigrams lying wholly inside a long name ("双师型教师" in the 双师型 ratio) scores 0.9.
        """
        bare = PUNCTUATION.sub("", text)  # either width of bracket names the same; a space still separates names
        in_text = self._shared(set(bigrams(bare.replace(" ", ""))))
        topic = {g for segment in core.split() for g in bigrams(strip_noise(segment))}
        in_topic = self._shared(topic) if len(topic) >= 2 else {}
        best: dict[int, tuple[float, str]] = {}
        need = min(MIN_TOPIC_BIGRAMS, len(topic))
        for at, shared in in_text.items():
            number, name, size = self._names[at]
            on_topic = in_topic.get(at, 0)
            if shared < size * IRRELEVANT and on_topic < need:
                continue  # could only score below anything named() considers
            if shared == size and self._bare_names[at] in bare:
                score = 1.0 + len(name) / 100
            else:
                score = shared / size
                if on_topic and on_topic >= need:
                    score = max(score, 0.9 * on_topic / len(topic))
            if score > best.get(number, (0.0, ""))[0]:
                best[number] = (score, name)
        alias = strip_noise(core)
        aliased = self._aliases.get(alias)  # the topic is exactly a data file's alias: as the report grammar reads it
        if aliased is not None and alias in bare:
            best[aliased] = (1.0 + len(alias) / 100, alias)
        return best
