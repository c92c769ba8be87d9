"""Plain-text rendering of answers for the console and the CLI, and the `ask --json` record."""

from __future__ import annotations

from knowledge.answers import Answer, IndicatorHit, Intent, MeasureHit
from knowledge.numerals import amount, cn_numeral, format_number


def value_with_unit(hit: IndicatorHit, year: int) -> str:
    return amount(hit.values[year], hit.unit, hit.percent)


def measure_heading(hit: MeasureHit) -> str:
    return f"第{hit.number}条「{hit.title}」"


def group_label(hit: MeasureHit) -> str:
    number = cn_numeral(hit.group_number)
    return f"（{number}）{hit.group_title}"


def indicator_line(hit: IndicatorHit) -> str:
    """'指标15 新增济南工匠（人）：2021年 30 → 2023年 90 → 2025年 150'."""
    years = sorted(hit.values)
    series = " → ".join(f"{y}年 {format_number(hit.values[y])}{'%' if hit.percent else ''}" for y in years)
    unit = "" if hit.percent else f"（{hit.unit}）"
    return f"指标{hit.number} {hit.name}{unit}：{series}"


def indicator_answer(hit: IndicatorHit) -> list[str]:
    years = sorted(hit.values)
    lines = [f"指标{hit.number}「{hit.name}」（{hit.category}类）"]
    if hit.year is not None:
        label = "基数" if hit.year == years[0] else "目标"
        lines.append(f"{hit.year}年{label}：{value_with_unit(hit, hit.year)}")
    for y in years:
        label = "基数" if y == years[0] else "目标"
        lines.append(f"· {y}年{label}：{value_with_unit(hit, y)}")
    return lines


def measure_answer(hit: MeasureHit, with_departments: bool = True) -> list[str]:
    lines = [f"{measure_heading(hit)}，属于{group_label(hit)}"]
    if with_departments:
        lines.append(f"牵头部门（{len(hit.departments)}个）：{'、'.join(hit.departments)}")
    for quote in hit.quotes:
        lines.append(f"原文：“{quote}”")
    return lines


SMALL_TALK = {
    "greeting": "您好！我是《济南市提升产业工人创新力实施意见》政策助手，"
                "可以查措施的牵头部门、部门负责的措施、指标目标和文件原文。",
    "thanks": "不客气！还有问题可以接着问，也可以追问“那2025年呢？”“原文是什么？”。",
    "identity": "我是《济南市提升产业工人创新力实施意见》政策助手："
                "回答这份文件里谁负责什么、指标目标是多少、原文怎么写。",
    "usage": "直接用中文提问即可，可以追问（“那2025年呢？”“其中哪些有国资委？”“原文是什么？”）。",
    "farewell": "再见！有问题随时来问。",
}
MEASURE_INTENTS = (Intent.LEAD_DEPARTMENTS, Intent.MEASURE, Intent.TOPIC)
FULL_TEXT_HINT = "（发送“全文”查看该条措施全文）"


def _measure_lines(answer: Answer) -> list[str]:
    lines: list[str] = []
    for hit in answer.measures:
        lines += measure_answer(hit)
    return [*lines, FULL_TEXT_HINT]


def _measure_text(answer: Answer) -> list[str]:
    hit = answer.measures[0]
    lines = measure_answer(hit.model_copy(update={"quotes": ()}))
    return [*lines, "原文：" + "".join(hit.quotes)]


def _others(answer: Answer) -> list[str]:
    hit = answer.measures[0]
    head = answer.title or f"{measure_heading(hit)}"
    if not answer.departments:
        return [f"{head}没有其他牵头单位。"]
    return [f"{head}其他牵头单位（{len(answer.departments)}个）：{'、'.join(answer.departments)}",
            f"全部牵头单位：{'、'.join(hit.departments)}"]


def _list_lines(answer: Answer) -> list[str]:
    if answer.measures or not answer.indicators:
        head = f"{answer.title or '措施'}：共 {len(answer.measures)} 条"
        lines = [head + ("：" if answer.measures else "")]
        for h in answer.measures:
            lines.append(f"· {measure_heading(h)}（{'、'.join(h.departments)}）")
            lines += [f"  原文：“{q}”" for q in h.quotes if answer.intent == Intent.MENTIONS]
        return lines
    head = f"{answer.title or '指标'}：共 {len(answer.indicators)} 项："
    return [head, *(f"· {indicator_line(h)}" for h in answer.indicators)]


def _ambiguous(answer: Answer) -> list[str]:
    lines = ["您问的可能是以下几项之一，请选择或说得更具体些："]
    lines += [f"· {measure_heading(h)}（{'、'.join(h.departments)}）" for h in answer.measures]
    return lines + [f"· {indicator_line(h)}" for h in answer.indicators]


def render_text(answer: Answer) -> str:
    """The reply a user sees, as plain text."""
    if answer.parts:
        body = "\n\n".join(render_text(p) for p in answer.parts)
        return body + (f"\n{answer.note}" if answer.note else "")
    intent = answer.intent
    lines: list[str] = []
    if intent in MEASURE_INTENTS:
        lines = _measure_lines(answer)
    elif intent == Intent.MEASURE_TEXT:
        lines = _measure_text(answer)
    elif intent == Intent.OTHER_DEPARTMENTS:
        lines = _others(answer)
    elif intent == Intent.INDICATOR:
        lines = indicator_answer(answer.indicators[0])
    elif intent == Intent.CATEGORY_OF:
        lines = indicator_answer(answer.indicators[0])[:1]
    elif intent == Intent.DOCUMENT_FACT:
        lines = [f"{f.label}：{f.text}" for f in answer.facts]
    elif intent == Intent.AMBIGUOUS:
        lines = _ambiguous(answer)
    elif intent == Intent.SMALL_TALK:
        lines = [SMALL_TALK.get(answer.note or "", SMALL_TALK["greeting"]),
                 "例如：" + "；".join(answer.suggestions[:4])]
        return "\n".join(lines)
    elif intent == Intent.OUT_OF_SCOPE:
        lines = ["这个问题不在《济南市提升产业工人创新力实施意见》的内容范围内，我只能回答这份政策的问题。",
                 "可以这样问：" + "；".join(answer.suggestions)]
    elif intent == Intent.EMPTY:
        lines = ["请输入您想了解的问题。", "例如：" + "；".join(answer.suggestions)]
    elif intent != Intent.NOT_FOUND:
        lines = _list_lines(answer)
    if answer.note:
        lines.append(answer.note)
    return "\n".join(lines)


def answer_json(answer: Answer) -> dict:
    """The `ask --json` record (contract in SPEC)."""
    return {
        "question": answer.question,
        "intent": answer.intent.value,
        "measures": [m.number for m in answer.measures],
        "indicators": [i.number for i in answer.indicators],
        "departments": list(answer.departments),
        "text": render_text(answer),
    }
