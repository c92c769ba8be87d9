"""Follow-ups that pick from what the chat was shown: a place in the last list, or one more to compare with."""

from __future__ import annotations

import re

from knowledge.answers import ChatContext
from knowledge.frame import Frame, Op

INDICATOR_OPS = (Op.VALUES, Op.CATEGORY_OF)
MEASURE_OPS = (Op.WHO_LEADS, Op.FULL_TEXT, Op.SHOW, Op.OTHERS)
COMPARED = re.compile(r"^\s*(?:那|那么)?\s*(?:和|跟|与|同)[^，,。？?]+?(?:比|相比|对比|比较)")  # "和新增济南工匠比呢"


def at_position(f: Frame, ctx: ChatContext) -> bool:
    """"第二个呢", "最后那个谁牵头", "另外那条": the item at that place of the list just shown, in its order."""
    position = f.position
    if ctx.listed_fact and position:
        f.fact, f.fact_item = ctx.listed_fact, position
        f.measures, f.missing_measures, f.items_as_indicators, f.known_topic = [], [], None, ""
        return True
    measures = bool(ctx.listed_measures)
    items = ctx.listed_measures or ctx.listed_indicators
    if position is None or not items:
        return False
    if position == 0:  # the other one: of two, the one not discussed just before the list
        recent = ctx.recent_measures if measures else ctx.recent_indicators
        others = [n for n in items if n not in recent[:1]]
        if len(items) != 2 or len(others) != 1:
            return False
        picked = others[0]
    elif abs(position) <= len(items):
        picked = items[position - 1] if position > 0 else items[position]
    else:
        return False
    f.measures, f.indicators = ([picked], []) if measures else ([], [picked])
    f.missing_measures, f.missing_indicators, f.items_as_indicators, f.fact = [], [], None, None
    f.known_topic = ""
    return True


def compared(f: Frame, ctx: ChatContext, previous: Op | None) -> bool:
    """"和新增济南工匠比呢": the new one beside the one just answered, asked the same (values: the same years)."""
    if not COMPARED.match(f.text):
        return False
    if f.indicators and ctx.indicators and previous in (*INDICATOR_OPS, None):
        f.indicators = list(dict.fromkeys([*ctx.indicators, *f.indicators]))
        f.years = f.years or list(ctx.years)
    elif f.measures and ctx.measures and previous in MEASURE_OPS:
        f.measures = list(dict.fromkeys([*ctx.measures, *f.measures]))
    else:
        return False
    f.inherited_op = previous
    return True
