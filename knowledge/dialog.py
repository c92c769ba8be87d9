"""Dialog state: a follow-up fills the slots it leaves out from what the chat said last."""

from __future__ import annotations

import datetime as dt
import re

from knowledge.answers import Answer, ChatContext, Intent
from knowledge.facts import COUNT_FACTS, ITEMIZED_FACTS
from knowledge.frame import Cue, Frame, Op
from knowledge.dialog_picks import INDICATOR_OPS, MEASURE_OPS, at_position, compared
from knowledge.references import COUNTS_DEPARTMENTS, unit_said

MAX_RECENT = 4
GROUP_WORDS = re.compile(r"部分|组|[（(][一二三四五六七八九十][）)]")
TOGETHER_WORDS = re.compile(r"都|一起|共同|同时")
SAME_CATEGORY = re.compile(r"同一类|同一个类|同类|这一类|这个类|该类|这类")
OTHERS = re.compile(r"其他|其它|其余|另外|另一")  # 还有哪些: the whole category, as people mean it
UNIT_ASKED = re.compile(r"单位是|计量单位|什么单位|啥单位|哪个单位计|按什么计|用什么单位")
WHOLE_DOCUMENT = re.compile(r"所有|全部|整个|文件|政策|意见|全文|一共|总共")  # a question of all measures, not the list
DIALOG_TTL = dt.timedelta(minutes=30)  # after this much silence a question starts afresh
LIST_INTENTS = (Intent.DEPARTMENT_MEASURES, Intent.DEPARTMENT_INTERSECTION, Intent.DEPARTMENT_COMPLEMENT,
                Intent.MEASURE_LIST, Intent.MENTIONS, Intent.COUNT, Intent.EACH, Intent.INDICATOR_LIST,
                Intent.INDICATOR_CATEGORY)
KEEPS_STATE = (Intent.SMALL_TALK, Intent.OUT_OF_SCOPE, Intent.EMPTY)


def live(context: ChatContext | None, now: dt.datetime | None) -> ChatContext | None:
    """The context if it has not expired; a context without a time never expires (tests, CLI)."""
    if context is None or context.intent is None:
        return None
    if now is not None and context.at is not None and now - context.at > DIALOG_TTL:
        return None
    return context


def resolve(f: Frame, ctx: ChatContext | None) -> Frame:
    """Fill the frame from the context where it is a follow-up; leave a fresh question alone."""
    if ctx is None or f.small_talk or f.other_place:
        return f
    previous = Op(ctx.op) if ctx.op else None
    if f.position is not None and not (f.departments or f.categories) and at_position(f, ctx):
        return f
    if compared(f, ctx, previous):
        return f
    if len(ctx.measures) == 1:
        f.discussed = ctx.measures[0]
        if f.step and not f.names_something_but_topic:  # "下一条呢", "再下一条"
            f.measures, f.known_topic, f.inherited_op = [ctx.measures[0] + f.step], "", previous
            return f
    if SAME_CATEGORY.search(f.text) and len(ctx.categories) == 1 and not (f.categories or f.departments):
        f.categories, f.indicators, f.known_topic = list(ctx.categories), [], ""  # "同一类的其他指标"
        f.excluded_indicators = ctx.indicators if f.position == 0 or OTHERS.search(f.text) else ()
        f.position = None
        return f
    if len(ctx.indicators) == 1 and not (ctx.measures or f.names_something_but_topic or f.has(Cue.LEAD)) and (
            UNIT_ASKED.search(f.text)):
        f.indicators, f.known_topic = list(ctx.indicators), ""  # "单位是万人还是万人次": the indicator's unit
        return f
    if f.recalled_departments is not None and not f.departments and ctx.recent_departments:
        f.departments = list(ctx.recent_departments[: f.recalled_departments or MAX_RECENT])
        if not (f.has(Cue.EXCLUSION) and ctx.measures):
            return f
    elif f.plural_reference and not f.names_something:
        _plural(f, ctx)
        if f.measures or f.indicators:
            f.fact = None  # "这两条分别叫什么": their titles, not the document's
    if f.adds_departments and f.departments and ctx.departments:  # "市国资委也算上": one more in the last question
        f.departments = list(dict.fromkeys([*ctx.departments, *f.departments]))
        f.cues.add(Cue.TOGETHER)
        return f
    if (f.group_step or f.this_group or f.asks_group) and not f.names_something and ctx.measures:
        f.fact = None
        f.measures = list(ctx.measures)  # "下一部分呢", "这个部分都有哪几条", "各在哪个部分"
        f.inherited_op = Op.LIST
        return f
    if f.replaced and ctx.departments:  # "把市人社局换成市国资委": the last question with one department swapped
        out, into = f.replaced
        f.departments = [d for d in ctx.departments if d not in out] + [d for d in into if d not in ctx.departments]
        f.cues |= {Cue.TOGETHER} | ({Cue.COUNT} if ctx.count else set())
        f.asks_group = f.asks_group or ctx.asks_group
        return f
    if f.reverses and ctx.negated_departments and not f.departments:  # "反过来呢"
        f.departments = list(ctx.departments)
        f.negated_departments = [d for d in ctx.departments if d not in ctx.negated_departments]
        f.cues.add(Cue.NEGATION)
        return f
    if f.bare_count is not None and previous is Op.ONLY_N:  # "三个的呢"
        f.only_n, f.inherited_op = f.bare_count, previous
        return f
    counts_leads = f.has(Cue.COUNT) and COUNTS_DEPARTMENTS.search(f.text) and _names_nothing(f)
    if counts_leads and (len(ctx.measures) == 1 or (ctx.measures and (f.recalls_measures or f.has(Cue.EACH)))):
        f.measures, f.fact = list(ctx.measures), None  # "几个部门啊", "分别几个部门" about the measures shown
        f.inherited_op = Op.WHO_LEADS
        f.cues.add(Cue.LEAD)
        return f
    if f.fact == "scope_counts" and "属于" in f.text and len(ctx.measures) == 1:  # "属于第几部分"
        f.fact, f.measures = None, [ctx.measures[0]]
        return f
    if f.items_as_indicators and (previous in INDICATOR_OPS or (ctx.indicators and not ctx.measures)):
        f.indicators, f.missing_indicators = f.items_as_indicators
        f.measures, f.missing_measures = [], []
    about_last = f.has(Cue.EXCLUSION) or (f.has(Cue.YES_NO) and not f.has(Cue.SCOPE, Cue.LIST, Cue.NEGATION))
    if about_last and f.departments and not (f.measures or f.topic) and len(ctx.measures) == 1:
        f.excluded_departments = tuple(f.departments) if f.recalled_departments is not None else ()
        f.measures = [ctx.measures[0]]  # "发改委参与吗", "除了市总工会还有哪些单位" about the measure just shown
        return f
    after_table = (previous is Op.LIST and len(ctx.indicators) > 1) or len(ctx.categories) > 1
    if f.categories and f.has(Cue.LIST, Cue.COUNT) and after_table and not (
            f.measures or f.departments or f.has(Cue.MEASURE_WORD, Cue.LEAD, Cue.FILTER)):
        f.inherited_op = Op.LIST  # "一级指标有几个" → "创新创效有哪些": that category's indicators
        return f
    if _is_filter(f, ctx):
        f.fact = None
        if ctx.measures and not ctx.indicators:
            f.base_measures = ctx.measures
        elif ctx.indicators:
            f.base_indicators = ctx.indicators
        return f
    behind = f.has(Cue.MEASURE_WORD) and bool(ctx.indicators) and not ctx.measures  # "对应哪条措施" after a 指标
    if not f.has_entities and (f.asks or f.years or f.followup or behind or f.has(Cue.ANAPHORA, Cue.FILTER)):
        _fill(f, ctx, previous)
    elif f.followup or not f.asks:
        _swap(f, ctx, previous)
    return f


def _is_filter(f: Frame, ctx: ChatContext) -> bool:
    """"其中哪些有国资委", "这里面哪些提到培训", "一共几条", "市级的呢", "去掉第八条" over the last list."""
    if f.measures and f.has(Cue.NEGATION) and len(ctx.measures) > 1 and set(f.measures) <= set(ctx.measures):
        return True
    if f.indicators and f.has(Cue.NEGATION) and len(ctx.indicators) > 1 and set(f.indicators) <= set(ctx.indicators):
        return True  # "去掉参赛企业那个", "去掉第12项"
    if f.indicators and f.has(Cue.FILTER) and len(ctx.indicators) > 1 and f.indicators_by_name:
        return True  # "其中名称里有“工作室”的": a name filter, not a new indicator ("其中第5项": that one)
    if f.measures or f.indicators or f.missing_measures or f.missing_indicators:
        return False  # "指标十三呢": a number the table lacks, not a filter of the last list
    if ctx.categories and "类" in f.text and not f.categories:
        return False  # "这个类别一共有几个指标": the category, not the last list
    if f.groups and len(ctx.measures) > 1 and not f.departments and f.group_members & set(ctx.measures) and (
            f.has(Cue.LIST, Cue.NEGATION, Cue.FILTER) or "属于" in f.text):
        return True  # "哪些属于培育创新生态那部分", "去掉坚持党建统领那部分的"
    if f.followup and f.topic and not f.departments and not f.categories and ctx.indicators:
        return len(ctx.indicators) > 1 or ctx.op in (Op.VALUES, Op.CATEGORY_OF)  # "市级的呢"
    if not (len(ctx.measures) > 1 or len(ctx.indicators) > 1 or ctx.intent in LIST_INTENTS):
        return False
    if f.has(Cue.FILTER) and (f.departments or f.topic or f.categories or unit_said(f.text)):
        return True
    if len(ctx.indicators) > 1 and not (f.departments or f.categories) and (not f.years or f.has(Cue.ANAPHORA)) and (
            unit_said(f.text) or (not f.has(Cue.MEASURE_WORD, Cue.LEAD, Cue.DETAIL) and f.topic)):
        f.tentative = True  # "名称以新增开头的" after a list of indicators, unless no name fits
        return True
    if f.departments and f.has(Cue.NEGATION) and f.has(Cue.LIST) and not WHOLE_DOCUMENT.search(f.text):
        return len(ctx.measures) > 1  # "哪些没有人社局", "没有人社局的是哪几条" right after a list
    if (not f.has_entities and not f.years and f.has(Cue.LIST, Cue.EACH)
            and not f.has(Cue.LEAD, Cue.DETAIL, Cue.INDICATOR)):
        return len(ctx.measures) > 1 or len(ctx.indicators) > 1  # "分别是啥", "列出来看看": the list itself
    if f.departments and f.has(Cue.LIST) and not f.has(Cue.MEASURE_WORD, Cue.SCOPE, Cue.LEAD, Cue.TOGETHER):
        return len(ctx.measures) > 1  # "哪些还有市委组织部" right after a list
    return _names_nothing(f) and f.has(Cue.COUNT) and not f.has(Cue.LEAD)


def _names_nothing(f: Frame) -> bool:
    """No entity, or only a count of the document ("一共多少条", "几个牵头单位") that a list just shown answers."""
    return not f.has_entities or (f.fact in COUNT_FACTS and not (f.departments or f.categories or f.topic))


def _plural(f: Frame, ctx: ChatContext) -> None:
    """"这俩": the indicators, departments or measures the last turns were about, by what is asked of them."""
    asks_values = bool(f.years) or f.has(Cue.INDICATOR, Cue.CATEGORY_OF)
    if asks_values and len(ctx.recent_indicators) > 1 and len(ctx.indicators) < 2:
        f.indicators = list(reversed(ctx.recent_indicators[:2]))  # the two answered one after the other
    elif ctx.measures and f.has(Cue.MEASURE_WORD) and len(ctx.measures) > 1:
        f.measures = list(ctx.measures)  # "两条都有的部门", "这俩条各自都有哪些牵头单位"
    elif TOGETHER_WORDS.search(f.text) and not f.has(Cue.LEAD) and len(ctx.recent_departments) > 1:
        f.departments = list(ctx.recent_departments[:2])  # "这俩一起负责的", "俩都负责的有几条"
    elif len(ctx.measures) == 1 and len(ctx.recent_measures) > 1 and f.has(Cue.LEAD, Cue.DETAIL, Cue.EACH, Cue.COUNT):
        f.measures = list(reversed(ctx.recent_measures[:2]))  # "这两条共同的牵头部门" after 第3条, 第4条
    elif ctx.measures and f.has(Cue.LEAD, Cue.DETAIL, Cue.EACH, Cue.COUNT):
        f.measures = list(ctx.measures)  # "这俩各归哪些部门"
        f.cues.add(Cue.LEAD) if not f.has(Cue.DETAIL, Cue.COUNT) else None


def _fill(f: Frame, ctx: ChatContext, previous: Op | None) -> None:
    """A follow-up that names nothing ("那2025年呢", "原文是什么", "它是哪类指标"): the last subject."""
    wants_indicators = bool(f.years) or f.has(Cue.INDICATOR, Cue.CATEGORY_OF, Cue.ALL_YEARS)
    if not f.years:
        f.years = list(ctx.years)
    if f.has(Cue.LIST, Cue.COUNT) and ctx.categories and (not f.has(Cue.CATEGORY_OF) or "指标" in f.text):
        f.categories = list(ctx.categories)
    elif wants_indicators and ctx.indicators:
        f.indicators = list(ctx.indicators)
    elif wants_indicators and ctx.categories:
        f.categories = list(ctx.categories)
    elif wants_indicators and ctx.topic:
        f.topic = ctx.topic  # a topic with no year values: the executor finds its indicators
    elif ctx.measures and (f.recalls_measures or f.has(Cue.EACH)) and f.has(Cue.LEAD, Cue.DETAIL, Cue.EXCLUSION):
        f.measures = list(ctx.measures)  # "这两条分别是谁牵头的", "各自谁牵头"
        f.excluded_departments = ctx.departments
    elif len(ctx.measures) == 1 or (ctx.measures and previous in MEASURE_OPS):
        several = len(ctx.measures) > 1 and previous is Op.WHO_LEADS and f.has(Cue.LEAD)  # "具体是哪些部门"
        f.measures = list(ctx.measures) if several else [ctx.measures[0]]
        f.excluded_departments = ctx.departments
    elif ctx.indicators:
        f.indicators = list(ctx.indicators)
    elif ctx.topic:
        f.topic = ctx.topic
    f.inherited_op = previous if not f.asks else None


def _swap(f: Frame, ctx: ChatContext, previous: Op | None) -> None:
    """"那团市委呢", "那第九条呢", "首席技师呢": the new entity under the last question's operation."""
    if previous is None:
        return
    same_kind = (
        (f.indicators and previous in INDICATOR_OPS)
        or (f.measures and previous in MEASURE_OPS)
        or (f.departments and previous is Op.LEADS_WHAT)
        or (f.categories and previous in (Op.LIST, Op.VALUES))
        or (previous is Op.LIST and (GROUP_WORDS.search(f.text) or f.groups))
        or (f.topic and not (f.indicators or f.measures or f.departments)
            and previous in (Op.WHO_LEADS, Op.MENTIONS, Op.SHOW))
    )
    if not same_kind or (f.indicators and f.has(Cue.MEASURE_WORD) and not (f.years or f.has(Cue.INDICATOR))):
        return  # "哪条措施讲公共实训基地" after that 指标's values: a measure is asked
    if not f.years:
        f.years = list(ctx.years)
    if ctx.count:
        f.cues.add(Cue.COUNT)
    f.asks_group = f.asks_group or ctx.asks_group
    f.inherited_op = previous
    if f.departments and ctx.intent == Intent.DEPARTMENT_COMPLEMENT:
        f.cues.add(Cue.NEGATION)  # "总工会没参与哪些" → "那国资委呢": still what it is not part of
    if previous is Op.WHO_LEADS:
        f.cues.add(Cue.LEAD)
    elif previous is Op.MENTIONS:
        f.cues.add(Cue.MENTION)


def remember(f: Frame, answer: Answer, op: Op | None, ctx: ChatContext | None, now: dt.datetime | None) -> ChatContext:
    """The state after this answer; small talk and refusals keep the old one (a digression is not a reset)."""
    if answer.intent in KEEPS_STATE and ctx is not None:
        return ctx
    categories = f.categories or (answer.intent == Intent.CATEGORY_OF and list(dict.fromkeys(
        h.category for h in answer.indicators)))
    measures = tuple([m.number for m in answer.measures])
    indicators = tuple([i.number for i in answer.indicators])
    listed = answer.intent == Intent.DOCUMENT_FACT and f.fact in ITEMIZED_FACTS and f.fact_item is None
    fact_list = f.fact if listed and f.fact else ""
    new_list = len(measures) > 1 or len(indicators) > 1 or bool(fact_list)
    return ChatContext(
        intent=answer.intent,
        op=op.value if op else None,
        measures=measures,
        indicators=indicators,
        departments=tuple(f.departments),
        negated_departments=tuple(f.negated_departments),
        recent_indicators=_recent(ctx.recent_indicators if ctx else (), indicators),
        recent_measures=_recent(ctx.recent_measures if ctx else (), measures),
        listed_measures=measures if len(measures) > 1 else () if new_list or not ctx else ctx.listed_measures,
        listed_indicators=indicators if len(indicators) > 1 else () if new_list or not ctx else ctx.listed_indicators,
        listed_fact=fact_list or ("" if new_list or not ctx else ctx.listed_fact),
        recent_departments=tuple(dict.fromkeys([*f.departments, *ctx.recent_departments]))[:MAX_RECENT]
        if ctx else tuple(dict.fromkeys(f.departments))[:MAX_RECENT],
        categories=tuple(categories or ()),
        topic="" if answer.intent == Intent.DOCUMENT_FACT else f.known_topic or "",  # a topic the answer looked at
        years=tuple(f.years),
        count=Cue.COUNT in f.cues,
        asks_group=f.asks_group,
        at=now,
    )


def _recent(before: tuple[int, ...], numbers: tuple[int, ...]) -> tuple[int, ...]:
    """Measures or indicators answered one at a time, newest first ("第3条…", "第4条呢", "这两条…")."""
    if len(numbers) != 1:
        return before
    return tuple(dict.fromkeys([*numbers, *before]))[:MAX_RECENT]
