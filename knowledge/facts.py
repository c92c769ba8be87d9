"""Answers about the document itself (date, issuer, principles …), taken from the parsed metadata."""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge.answers import Fact
from knowledge.lexicon import Lexicon, any_of
from knowledge.models import PolicyDocument, split_sentences
from knowledge.numerals import cn_numeral

COUNT_FACTS = ("scope_counts", "departments")  # the document's counts: not what a list just shown or a topic asks
ITEMIZED_FACTS = ("principles", "guarantees")  # facts that list items a question can pick one of


class FactFinder:
    """Maps fact cue words (from the lexicon) to statements built from the document."""

    def __init__(self, document: PolicyDocument, lexicon: Lexicon) -> None:
        self._doc = document
        self._lexicon = lexicon
        self._strong = _first_cue(lexicon.facts)
        self._weak = _first_cue(lexicon.weak_facts)
        self._any_strong = any_of([w for words in lexicon.facts.values() for w in words], nested=True)  # one trie:
        # the named-group scan tries every fact's branch at every place, so run it only where some cue is
        self._builders: dict[str, Callable[[], tuple[Fact, ...]]] = {
            "issued_on": self._issued_on,
            "issuer": self._issuer,
            "meeting": self._meeting,
            "principles": self._principles,
            "guiding": self._guiding,
            "guarantees": self._guarantees,
            "title": self._title,
            "addressees": self._addressees,
            "definition": self._definition,
            "scope_counts": self._scope_counts,
            "annex": self._annex,
            "departments": self._departments,
            "categories": self._categories,
        }

    def build(self, key: str, item: int | None = None) -> tuple[Fact, ...]:
        """The fact; of an itemized one, only its `item`-th part when there is one (the full list otherwise)."""
        facts = self._builders[key]()
        index = None if item is None else item if item > 0 else len(facts) + item  # -1: the last one
        if key in ITEMIZED_FACTS and index is not None and 1 <= index < len(facts):
            return (facts[index],)
        return facts

    def find(self, text: str, strong: bool) -> str | None:
        """The fact a cue asks for; weak cues (时间, 哪年) count only when the document is named."""
        if not strong and not any(w in text for w in self._lexicon.document_words):
            return None
        if strong and not self._any_strong.search(text):
            return None
        match = (self._strong if strong else self._weak).search(text)
        return match.lastgroup if match else None

    def _issued_on(self) -> tuple[Fact, ...]:
        d = self._doc.meta.issued_on
        return (
            Fact(label="印发时间", text=f"{d.year}年{d.month}月{d.day}日"),
            Fact(label="发文单位", text=self._issuer_text()),
        )

    def _issuer_text(self) -> str:
        meta = self._doc.meta
        return meta.issuer + (f"（{meta.seal}）" if meta.seal else "")

    def _issuer(self) -> tuple[Fact, ...]:
        return (Fact(label="发文单位", text=self._issuer_text()), *self._issued_on()[:1])

    def _meeting(self) -> tuple[Fact, ...]:
        return (Fact(label="审议情况", text=self._doc.meta.notice_text),)

    def _principles(self) -> tuple[Fact, ...]:
        principles = self._doc.principles
        head = Fact(label="基本原则", text=f"共{len(principles)}条：" + "、".join(p.title for p in principles))
        return (head, *(Fact(label=p.title, text=p.text) for p in principles))

    def _guiding(self) -> tuple[Fact, ...]:
        return (Fact(label=self._doc.guiding_thought.title, text=self._doc.guiding_thought.text),)

    def _guarantees(self) -> tuple[Fact, ...]:
        sections = self._doc.guarantees
        head = Fact(label="组织保障", text=f"共{len(sections)}个方面：" + "、".join(g.title for g in sections))
        return (head, *(Fact(label=g.title, text=g.text) for g in sections))

    def _categories(self) -> tuple[Fact, ...]:
        doc = self._doc
        sizes = "、".join(f"{c}（{sum(i.category == c for i in doc.indicators)}项）" for c in doc.categories)
        return (Fact(label="一级指标", text=f"指标体系分为{len(doc.categories)}类：{sizes}"),)

    def _departments(self) -> tuple[Fact, ...]:
        names = self._doc.departments
        return (Fact(label="牵头单位", text=f"文件中共有{len(names)}个牵头单位：" + "、".join(names)),)

    def _title(self) -> tuple[Fact, ...]:
        meta = self._doc.meta
        return (Fact(label="文件名称", text=f"《{meta.title}》"), Fact(label="印发通知", text=meta.notice_title))

    def _annex(self) -> tuple[Fact, ...]:
        doc = self._doc
        return (Fact(label="附件", text=f"{doc.indicator_table_title}（共{len(doc.indicators)}项指标，"
                                         f"分为{'、'.join(doc.categories)}{len(doc.categories)}类）"),)

    def _addressees(self) -> tuple[Fact, ...]:
        return (Fact(label="主送", text=self._doc.meta.addressees),)

    def _definition(self) -> tuple[Fact, ...]:
        sentence = next((s for s in split_sentences(self._doc.meta.preamble) if "是指" in s), None)
        return (Fact(label="定义", text=sentence or self._doc.meta.preamble),)

    def _scope_counts(self) -> tuple[Fact, ...]:
        doc = self._doc
        groups = dict.fromkeys((m.group_number, m.group_title) for m in doc.measures)
        group_text = "；".join(f"（{cn_numeral(n)}）{title}" for n, title in groups)
        return (
            Fact(label="工作措施", text=f"共{len(doc.measures)}条，分{len(groups)}个方面：{group_text}"),
            Fact(label="指标体系",
                 text=f"共{len(doc.indicators)}项指标，分为{'、'.join(doc.categories)}{len(doc.categories)}类"),
        )


def _first_cue(table: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    """One scan for all fact cues; a named group per fact, the earlier fact winning at the same place."""
    return re.compile("|".join(f"(?P<{key}>{any_of(cues, nested=True).pattern})" for key, cues in table.items()))
