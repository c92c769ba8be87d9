"""Plain-text rendering of answers for the console and the CLI, and the `ask --json` record."""

from __future__ import annotations

from knowledge.answers import Answer, IndicatorHit, Intent, MeasureHit

CN_GROUP = "零一二三四五六七八九十"


def format_value(value: float, percent: bool = False) -> str:
    """134.0 → '134', 0.4 → '0.4', 60 with percent → '60%'."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{text}%" if percent else text


def value_with_unit(hit: IndicatorHit, year: int) -> str:
    value = format_value(hit.values[year], hit.percent)
    return value if hit.percent else f"{value} {hit.unit}".rstrip()


def measure_heading(hit: MeasureHit) -> str:
    return f"第{hit.number}条「{hit.title}」"


def group_label(hit: MeasureHit) -> str:
    number = CN_GROUP[hit.group_number] if hit.group_number < len(CN_GROUP) else str(hit.group_number)
    return f"（{number}）{hit.group_title}"


def indicator_line(hit: IndicatorHit) -> str:
    """'指标15 新增济南工匠（人）：2021年 30 → 2023年 90 → 2025年 150'."""
    years = sorted(hit.values)
    series = " → ".join(f"{y}年 {format_value(hit.values[y], hit.percent)}" for y in years)
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


def render_text(answer: Answer) -> str:
    """The reply a user sees, as plain text."""
    lines: list[str] = []
    intent = answer.intent
    if intent in (Intent.LEAD_DEPARTMENTS, Intent.MEASURE, Intent.TOPIC):
        for hit in answer.measures:
            lines += measure_answer(hit)
        lines.append("（发送“全文”查看该条措施全文）")
    elif intent in (Intent.DEPARTMENT_MEASURES, Intent.DEPARTMENT_INTERSECTION):
        who = "和".join(answer.departments)
        verb = "共同负责" if intent == Intent.DEPARTMENT_INTERSECTION else "负责（牵头或参与）"
        if answer.measures:
            lines.append(f"{who}{verb}以下 {len(answer.measures)} 条措施：")
            lines += [f"· {measure_heading(h)}（{'、'.join(h.departments)}）" for h in answer.measures]
    elif intent == Intent.MEASURE_LIST:
        lines.append(f"工作措施共 {len(answer.measures)} 条：")
        lines += [f"· {measure_heading(h)}" for h in answer.measures]
    elif intent == Intent.INDICATOR:
        lines += indicator_answer(answer.indicators[0])
    elif intent in (Intent.INDICATOR_CATEGORY, Intent.INDICATOR_LIST):
        head = f"{answer.note}类指标" if intent == Intent.INDICATOR_CATEGORY else "指标体系"
        lines.append(f"{head}共 {len(answer.indicators)} 项：")
        lines += [f"· {indicator_line(h)}" for h in answer.indicators]
        return "\n".join(lines)
    elif intent == Intent.DOCUMENT_FACT:
        lines += [f"{f.label}：{f.text}" for f in answer.facts]
    elif intent == Intent.AMBIGUOUS:
        lines.append("您问的可能是以下几项之一，请选择或说得更具体些：")
        for hit in answer.measures:
            lines.append(f"· {measure_heading(hit)}（{'、'.join(hit.departments)}）")
        for hit in answer.indicators:
            lines.append(f"· {indicator_line(hit)}")
    elif intent == Intent.OUT_OF_SCOPE:
        lines.append("这个问题不在《济南市提升产业工人创新力实施意见》的内容范围内，我只能回答这份政策的问题。")
        lines.append("可以这样问：" + "；".join(answer.suggestions))
    elif intent == Intent.EMPTY:
        lines.append("请输入您想了解的问题。")
        lines.append("例如：" + "；".join(answer.suggestions))
    if answer.note and intent not in (Intent.INDICATOR_CATEGORY,):
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
