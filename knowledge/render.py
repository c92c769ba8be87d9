"""Answers as text, in either style of knowledge.style: plain for the console and the CLI (and the `ask --json`
record), HTML for Telegram, where buttons replace the hint to type 全文."""

from __future__ import annotations

from knowledge.answers import Answer, IndicatorHit, Intent, MeasureHit
from knowledge.numerals import amount, cn_numeral, format_number
from knowledge.style import PLAIN, Style


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


def indicator_heading(hit: IndicatorHit) -> str:
    return f"指标{hit.number}「{hit.name}」"


def indicator_answer(hit: IndicatorHit, s: Style = PLAIN) -> list[str]:
    years = sorted(hit.values)
    lines = [s.heading(indicator_heading(hit)) + s.esc(f"（{hit.category}类）")]
    if hit.year is not None:
        label = "基数" if hit.year == years[0] else "目标"
        lines.append(s.esc(f"{hit.year}年{label}：{value_with_unit(hit, hit.year)}"))
    for y in years:
        label = "基数" if y == years[0] else "目标"
        lines.append(s.esc(f"· {y}年{label}：{value_with_unit(hit, y)}"))
    return lines


def measure_answer(hit: MeasureHit, s: Style = PLAIN, with_departments: bool = True) -> list[str]:
    lines = [s.heading(measure_heading(hit)) + s.esc(f"，属于{group_label(hit)}")]
    if with_departments:
        lines.append(s.esc(f"牵头部门（{len(hit.departments)}个）：{'、'.join(hit.departments)}"))
    for quote in hit.quotes:
        lines.append(s.esc(f"原文：“{quote}”"))
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


def _measure_lines(answer: Answer, s: Style) -> list[str]:
    lines: list[str] = []
    for hit in answer.measures:
        lines += measure_answer(hit, s)
    return lines if s.buttons else [*lines, FULL_TEXT_HINT]  # Telegram offers 全文 buttons instead


def _measure_text(answer: Answer, s: Style) -> list[str]:
    hit = answer.measures[0]
    lines = measure_answer(hit.model_copy(update={"quotes": ()}), s)
    return [*lines, s.esc("原文：" + "".join(hit.quotes))]


def _others(answer: Answer, s: Style) -> list[str]:
    hit = answer.measures[0]
    heading = measure_heading(hit)
    head = answer.title or heading  # a title names the measure first: "第8条「…」除市总工会外，"
    head = s.heading(heading) + s.esc(head[len(heading):]) if head.startswith(heading) else s.esc(head)
    if not answer.departments:
        return [f"{head}{s.esc('没有其他牵头单位。')}"]
    return [head + s.esc(f"其他牵头单位（{len(answer.departments)}个）：{'、'.join(answer.departments)}"),
            s.esc(f"全部牵头单位：{'、'.join(hit.departments)}")]


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


def _plain_lines(answer: Answer) -> list[str]:
    """Replies with no heading to mark: facts, choices, lists, small talk and refusals."""
    intent = answer.intent
    if intent == Intent.DOCUMENT_FACT:
        return [f"{f.label}：{f.text}" for f in answer.facts]
    if intent == Intent.AMBIGUOUS:
        return _ambiguous(answer)
    if intent == Intent.OUT_OF_SCOPE:
        return ["这个问题不在《济南市提升产业工人创新力实施意见》的内容范围内，我只能回答这份政策的问题。",
                "可以这样问：" + "；".join(answer.suggestions)]
    if intent == Intent.EMPTY:
        return ["请输入您想了解的问题。", "例如：" + "；".join(answer.suggestions)]
    return _list_lines(answer) if intent != Intent.NOT_FOUND else []


def render_answer(answer: Answer, s: Style) -> str:
    """The reply a user sees, in style `s` (every line escaped once, headings emphasised)."""
    if answer.parts:
        body = "\n\n".join(render_answer(p, s) for p in answer.parts)
        return body + (f"\n{_note(answer, s)}" if answer.note else "")
    intent = answer.intent
    if intent == Intent.SMALL_TALK:
        return "\n".join(s.esc(line) for line in (SMALL_TALK.get(answer.note or "", SMALL_TALK["greeting"]),
                                                   "例如：" + "；".join(answer.suggestions[:4])))
    if intent in MEASURE_INTENTS:
        lines = _measure_lines(answer, s)
    elif intent == Intent.MEASURE_TEXT:
        lines = _measure_text(answer, s)
    elif intent == Intent.OTHER_DEPARTMENTS:
        lines = _others(answer, s)
    elif intent == Intent.INDICATOR:
        lines = indicator_answer(answer.indicators[0], s)
    elif intent == Intent.CATEGORY_OF:
        lines = indicator_answer(answer.indicators[0], s)[:1]
    else:
        lines = [s.esc(line) for line in _plain_lines(answer)]
    if answer.note:
        lines.append(_note(answer, s))
    return "\n".join(lines)


def _note(answer: Answer, s: Style) -> str:
    """The engine's note, escaped; a line that begins with a heading of the answer ("指标15「…」属于…") keeps it
    emphasised as the answer's own heading is."""
    headings = [indicator_heading(h) for h in answer.indicators] + [measure_heading(h) for h in answer.measures]
    lines = []
    for line in (answer.note or "").split("\n"):
        heading = next((h for h in headings if line.startswith(h)), None)
        lines.append(s.heading(heading) + s.esc(line[len(heading):]) if heading else s.esc(line))
    return "\n".join(lines)


def render_text(answer: Answer) -> str:
    """The reply as plain text: the console, `ask`, and the evaluation."""
    return render_answer(answer, PLAIN)


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
