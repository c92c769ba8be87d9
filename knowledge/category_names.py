"""Which 一级指标 categories a question names: by name (not inside a longer one), misspelt, or by place (第二类)."""

from __future__ import annotations

from collections.abc import Iterator

from knowledge.catalog import contexts_of
from knowledge.models import PolicyDocument
from knowledge.numerals import cn_to_int
from knowledge.references import CATEGORY_ORDINAL

FUZZY_CATEGORY = 75


class CategoryNames:
    """The document's categories and the longer names each hides in ("产教融合试点" is no category)."""

    def __init__(self, document: PolicyDocument) -> None:
        self.categories = document.categories
        self.category_containers = {c: contexts_of(document, c) for c in self.categories}

    def find(self, plain: str) -> list[str]:
        return [c for c in self.categories if self._alone(plain, c)] or self._misspelt(plain) or self._by_place(plain)

    def _by_place(self, plain: str) -> list[str]:
        """"第二类": the document's second category (the indicator table lists them in order)."""
        match = CATEGORY_ORDINAL.search(plain) if "类" in plain or "指标" in plain else None
        number = cn_to_int(match.group(1)) if match else None
        return [self.categories[number - 1]] if number and 0 < number <= len(self.categories) else []

    def _alone(self, text: str, category: str) -> bool:
        """The category on its own, not inside a longer name ("产教融合试点", "职工创新创效竞赛" are no category)."""
        if category not in text:
            return False
        covered: set[int] = set()
        for word in self.category_containers[category]:
            covered.update(i for at in _places(word, text) for i in range(at, at + len(word)))
        return any(at not in covered for at in _places(category, text))

    def _misspelt(self, plain: str) -> list[str]:
        """创新换境类 → 创新环境: only where the question says 类 or 一级指标."""
        if "类" not in plain and "一级指标" not in plain:
            return []
        from rapidfuzz import fuzz, process

        best = process.extractOne(plain, self.categories, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CATEGORY)
        return [best[0]] if best else []

def _places(word: str, text: str) -> Iterator[int]:
    """Where the word starts in the text, overlaps included (str.find: no pattern to escape and compile)."""
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)
