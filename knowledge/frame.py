"""A question read into what it mentions and what it asks, so answers compose instead of matching cues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Op(StrEnum):
    """What the question asks of the entities it mentions (decided once, by the executor's planner)."""

    SHOW = "show"  # nothing asked beyond naming something: show it
    WHO_LEADS = "who_leads"
    LEADS_WHAT = "leads_what"
    OTHERS = "others"  # lead departments of a measure besides the ones named
    VALUES = "values"
    LIST = "list"
    MENTIONS = "mentions"
    FULL_TEXT = "full_text"
    CATEGORY_OF = "category_of"
    ONLY_N = "only_n"
    FACT = "fact"


class Cue(StrEnum):
    """Question words found in the text; each names a lexicon list."""

    LEAD = "lead_words"
    SCOPE = "department_scope_words"
    TOGETHER = "together_words"
    INDICATOR = "indicator_words"
    DETAIL = "detail_words"
    COUNT = "count_words"
    EACH = "each_words"
    NEGATION = "negation_words"
    EXCLUSION = "exclusion_words"
    MENTION = "mention_words"
    FILTER = "filter_words"
    ANAPHORA = "anaphora_words"
    CATEGORY_OF = "category_of_words"
    ONLY = "only_words"
    YES_NO = "yes_no_words"
    ALL_YEARS = "all_years_words"
    LIST = "list_words"
    MEASURE_WORD = "measure_words"


@dataclass(slots=True)
class Frame:
    """Entities and cues of one question; dialog state fills what a follow-up leaves out."""

    text: str
    departments: list[str] = field(default_factory=list)
    measures: list[int] = field(default_factory=list)
    indicators: list[int] = field(default_factory=list)
    missing_measures: list[int] = field(default_factory=list)
    missing_indicators: list[int] = field(default_factory=list)
    items_as_indicators: tuple[list[int], list[int]] | None = None  # 第N项 read as indicators: (known, missing)
    indicators_by_name: bool = False  # named, not numbered: a topic may be what is really asked
    negated_departments: list[str] = field(default_factory=list)  # set only when others are not negated
    categories: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)  # groups of measures named by number or title words
    group_members: set[int] = field(default_factory=set)
    years: list[int] = field(default_factory=list)
    fact: str | None = None
    known_topic: str | None = None  # see `topic`; None until first asked for
    known_words: tuple[str, ...] = ()
    segment: Callable[[], tuple[str, tuple[str, ...]]] | None = None  # the reader's jieba pass, run on demand
    cues: set[Cue] = field(default_factory=set)
    only_n: int | None = None
    recalled_departments: int | None = None  # "这两个部门": how many of the chat's last departments (0: all)
    adds_departments: bool = False  # "也算上": the departments join the last question's
    asks_group: bool = False  # "属于哪个部分"
    this_group: bool = False  # "这个部分都有哪几条"
    group_step: int = 0  # "下一部分呢": +1, "上一部分": -1
    replaced: tuple[list[str], list[str]] | None = None  # "把X换成Y": departments out, departments in
    size_bound: tuple[str, int] | None = None  # ("超过", 5): measures by how many departments lead them
    plural_reference: bool = False  # "这俩", "它们", "两个都": the last few of whatever the chat was about
    reverses: bool = False  # "反过来呢": the last "A but not B" the other way round
    recalls_measures: bool = False  # "这两条", "各自", "分别": every measure the last answer listed
    bare_count: int | None = None  # "三个的呢": a number to put in the last question's place
    discussed: int | None = None  # the one measure the chat is on: a topic it also covers means it
    fact_item: int | None = None  # "基本原则第四条": one item of a listed fact (1-based)
    step: int = 0  # "下一条呢": +1, "上一条": -1, from the measure just discussed
    position: int | None = None  # "第二个呢", "最后那个" (-1), "另外那条" (0): a place in the last list
    departments_with_n: int | None = None  # "哪些部门只负责一条": departments leading exactly N measures
    ranks_departments: bool = False  # the extreme is over departments ("哪个部门负责的最多"), not measures
    extreme: str | None = None  # "max" / "min": the measures with the most or fewest lead departments
    small_talk: str | None = None
    other_place: str | None = None
    followup: bool = False  # 那…呢, …呢, 换成…: a swap of something said before
    # filled by the dialog state
    base_measures: tuple[int, ...] | None = None  # the list a filter or count applies to
    base_indicators: tuple[int, ...] | None = None
    inherited_op: Op | None = None
    tentative: bool = False  # a filter the dialog guessed: a fresh question if nothing in the list fits
    excluded_departments: tuple[str, ...] = ()
    excluded_indicators: tuple[int, ...] = ()  # "同一类的其他指标": the one just discussed is not among them

    @property
    def topic(self) -> str:
        """What is left once entities and question words are removed; segmented only when someone needs it."""
        if self.known_topic is None:
            self.known_topic, self.known_words = self.segment() if self.segment else ("", ())
        return self.known_topic

    @topic.setter
    def topic(self, value: str) -> None:
        self.known_topic = value

    @property
    def topic_words(self) -> tuple[str, ...]:
        """The topic's jieba words (for BM25)."""
        return self.known_words if self.topic else ()

    def has(self, *cues: Cue) -> bool:
        return cues[0] in self.cues if len(cues) == 1 else not self.cues.isdisjoint(cues)

    @property
    def has_entities(self) -> bool:
        return bool(
            self.departments or self.measures or self.indicators or self.missing_measures
            or self.missing_indicators or self.categories or self.fact or self.only_n is not None or self.extreme
            or self.size_bound or self.departments_with_n is not None or self.topic
        )

    @property
    def names_something(self) -> bool:
        """Entities other than a fact about the whole document ("叫什么" is also the document's title)."""
        return bool(self.departments or self.measures or self.indicators or self.categories or self.topic)

    @property
    def names_something_but_topic(self) -> bool:
        return bool(self.departments or self.measures or self.indicators or self.categories)

    @property
    def asks(self) -> bool:
        """True when the question says what it wants (not a bare entity or a bare year)."""
        return self.has(Cue.LEAD, Cue.SCOPE, Cue.DETAIL, Cue.COUNT, Cue.MENTION, Cue.CATEGORY_OF, Cue.LIST,
                        Cue.EXCLUSION, Cue.NEGATION, Cue.EACH, Cue.INDICATOR)
