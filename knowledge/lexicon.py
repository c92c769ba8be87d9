"""Vocabulary from the data file and the document itself: departments, phrases, question words."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import jieba

from knowledge.indicator_names import short_names
from knowledge.models import PolicyDocument

LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.json"
PHRASE_SPLIT = re.compile(r"[，,。；;：:、“”‘’\"（）()《》\s]|和|与|及|等")
QUOTED = re.compile(r"[“\"]([^”\"]{2,12})[”\"]")
DEPARTMENT_LIKE = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:局|委|办|部|联|协|会|连|汇|据)")
FUZZY_DEPARTMENT = 66
CUE_KEYS = (
    "lead_words", "department_scope_words", "together_words", "indicator_words", "detail_words", "count_words",
    "each_words", "negation_words", "exclusion_words", "mention_words", "filter_words", "anaphora_words",
    "category_of_words", "only_words", "yes_no_words", "all_years_words", "list_words", "measure_words",
)


@dataclass(frozen=True)
class Lexicon:
    """Everything the engine matches against, built once at start-up."""

    department_aliases: dict[str, str]  # alias (normalised) → canonical department
    alias_pattern: re.Pattern[str]  # alternation longest first, so 总工会 wins over 工会
    lead_words: tuple[str, ...]
    scope_words: tuple[str, ...]
    together_words: tuple[str, ...]
    indicator_words: tuple[str, ...]
    followup_words: tuple[str, ...]
    detail_words: tuple[str, ...]
    fillers: tuple[str, ...]
    document_words: tuple[str, ...]
    facts: dict[str, tuple[str, ...]]
    weak_facts: dict[str, tuple[str, ...]]
    examples: tuple[str, ...]
    cue_words: dict[str, tuple[str, ...]]  # lexicon list name → words (see knowledge.frame.Cue)
    small_talk: dict[str, tuple[str, ...]]
    other_places: tuple[str, ...]
    elsewhere_words: tuple[str, ...]  # 外地, 外省: another place's policy only beside a document word
    home_places: tuple[str, ...]
    year_words: dict[str, tuple[str, ...]]  # baseline / middle / final → words
    removable: frozenset[str]  # question words and fillers: never part of a topic
    synonyms: dict[str, str]  # colloquial word → the document's word
    synonym_pattern: re.Pattern[str] | None
    tokenizer: jieba.Tokenizer

    def find_departments(self, text: str) -> list[str]:
        """Canonical departments named in the text, in order; the longest alias wins (总工会 over 工会)."""
        ordered: dict[str, None] = {}
        for match in self.alias_pattern.finditer(text):
            ordered.setdefault(self.department_aliases[match.group(0)], None)
        return list(ordered)

    def strip_departments(self, text: str) -> str:
        return self.alias_pattern.sub(" ", text)

    def canonical_words(self, text: str) -> str:
        """Replace colloquial or misspelt words (老师, 人材) with the document's own."""
        if self.synonym_pattern is None:
            return text
        return self.synonym_pattern.sub(self._synonym, text)

    def _synonym(self, match: re.Match[str]) -> str:
        """The document's word, except inside a longer English word ("lead" in "leader") or where the
        replacement is already written (中小企 in 中小企业)."""
        word, text, end = match.group(0), match.string, match.end()
        target = self.synonyms[word]
        if word.isascii() and (_latin_at(text, match.start() - 1) or _latin_at(text, end)):
            return word
        if target.startswith(word) and text.startswith(target[len(word):], end):
            return word
        return target

    def fuzzy_departments(self, text: str) -> dict[str, str]:
        """Departments behind misspelt names (教肓局, 人设局, 妇连) → the text that named them."""
        from rapidfuzz import fuzz, process  # loaded lazily: only misspelt department names need it

        found: dict[str, str] = {}
        for match in DEPARTMENT_LIKE.finditer(text):
            name = match.group(0)
            tails = [name[start:] for start in range(max(0, len(name) - 6), len(name) - 2)]
            scored = [(best[1], -len(tail), tail, best[0]) for tail in tails
                      if (best := process.extractOne(tail, self.department_aliases.keys(), scorer=fuzz.ratio,
                                                     score_cutoff=FUZZY_DEPARTMENT)) and len(best[0]) >= 3]
            if scored:  # the closest tail, so 不是市总公会 gives 市总公会 and leaves 不是 to the question
                _, _, tail, alias = max(scored)
                found.setdefault(self.department_aliases[alias], tail)
            else:
                self._two_character_slip(name[-2:], found)
        return found

    def _two_character_slip(self, written: str, found: dict[str, str]) -> None:
        """妇连 → 妇联: a two-character alias with the same first character, the only one that fits."""
        fits = {canonical for alias, canonical in self.department_aliases.items()
                if len(alias) == 2 and alias[0] == written[0] and alias != written}
        if len(fits) == 1:
            found.setdefault(fits.pop(), written)

    def tokens(self, text: str) -> list[str]:
        """jieba words of two or more characters, using the domain dictionary only."""
        return [t for t in self.tokenizer.lcut(text, HMM=False) if len(t) > 1]


def any_of(words, nested: bool = False) -> re.Pattern[str]:
    """One compiled pattern matching the longest of the words at each place: one C-speed scan.

    `nested` folds the words into a trie ("工作(?:室|站)?" rather than 工作室|工作站|工作): `re` tries
    the branches of a flat alternation one by one at every position, which for the few hundred
    question words scanned on every question costs more than the trie's slower compile at start-up.
    """
    unique = {w for w in words if w}
    if not nested:
        return re.compile("|".join(re.escape(w) for w in sorted(unique, key=len, reverse=True)) or "(?!)")
    trie: dict = {}
    for word in unique:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(_trie_regex(trie) or "(?!)")


def _trie_regex(node: dict) -> str:
    branches = [re.escape(char) + _trie_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def document_phrases(document: PolicyDocument) -> set[str]:
    """Candidate words from the document: quoted terms, list items, titles, indicator names."""
    phrases: set[str] = set()
    texts = [m.title for m in document.measures] + [m.body for m in document.measures]
    texts += [p.title for p in document.principles] + [g.title for g in document.guarantees]
    for text in texts:
        phrases.update(QUOTED.findall(text))
        phrases.update(p for p in PHRASE_SPLIT.split(text) if 2 <= len(p) <= 6)
    for indicator in document.indicators:
        phrases.update(short_names(indicator.name))
    phrases.update(document.categories)
    return phrases


def load_lexicon(document: PolicyDocument, path: Path = LEXICON_FILE) -> Lexicon:
    """Merge the data file with what the document names; the document's departments are canonical."""
    data = json.loads(path.read_text(encoding="utf-8"))
    synonyms = {k: v for k, v in data.get("synonyms", {}).items() if not k.startswith("_")}
    aliases: dict[str, str] = {}
    for dept in document.departments:
        aliases[dept] = dept
        for prefix in ("市委", "市"):
            if dept.startswith(prefix) and len(dept) - len(prefix) >= 2:
                aliases.setdefault(dept[len(prefix) :], dept)
    for canonical, names in data["department_aliases"].items():
        for alias in names:
            aliases.setdefault(alias.lower(), canonical)
    cue_words = {key: tuple(data[key]) for key in CUE_KEYS}
    question_keys = (*CUE_KEYS, "followup_words", "fillers")
    removable = frozenset(w for key in question_keys if key != "together_words" for w in data[key])
    removable |= {w for words in data["year_words"].values() for w in words}
    removable |= {w for words in data["small_talk"].values() for w in words if len(w) > 1}
    words = set(aliases) | document_phrases(document) | {w for w in removable if len(w) > 1}
    words.update(data["domain_words"])
    return Lexicon(
        department_aliases=aliases,
        alias_pattern=any_of(aliases),
        lead_words=tuple(data["lead_words"]),
        scope_words=tuple(data["department_scope_words"]),
        together_words=tuple(data["together_words"]),
        indicator_words=tuple(data["indicator_words"]),
        followup_words=tuple(data["followup_words"]),
        detail_words=tuple(data["detail_words"]),
        fillers=tuple(sorted(data["fillers"], key=len, reverse=True)),
        document_words=tuple(data["document_words"]),
        facts={k: tuple(v) for k, v in data["facts"].items()},
        weak_facts={k: tuple(v) for k, v in data["weak_facts"].items()},
        examples=tuple(data["out_of_scope_examples"]),
        cue_words=cue_words,
        small_talk={k: tuple(v) for k, v in data["small_talk"].items()},
        other_places=tuple(data["other_places"]),
        elsewhere_words=tuple(data["elsewhere_words"]["words"]),
        home_places=tuple(data["home_places"]),
        year_words={k: tuple(v) for k, v in data["year_words"].items()},
        removable=removable,
        synonyms=synonyms,
        synonym_pattern=any_of(synonyms) if synonyms else None,
        tokenizer=_tokenizer(words),
    )


def _latin_at(text: str, at: int) -> bool:
    return 0 <= at < len(text) and text[at].isascii() and text[at].isalpha()


def _tokenizer(words: set[str]) -> jieba.Tokenizer:
    """A jieba tokenizer over our few thousand domain words instead of its 350k-word default."""
    tokenizer = jieba.Tokenizer()
    lines = "\n".join(f"{w} {max(3, 20 * len(w))}" for w in sorted(words) if " " not in w)
    tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(io.BytesIO(lines.encode("utf-8")))
    tokenizer.initialized = True
    return tokenizer
