"""The weekly summary and the reminder as plain Chinese text, shared by Telegram, the console and the CLI."""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.models import Indicator
from knowledge.numerals import format_number
from reporting.periods import Period
from reporting.summary_models import IndicatorStatus, WeeklySummary

MAX_NAMES = 12


def number(value: float | None, digits: int = 2) -> str:
    """136.5, 12, 0.25: at most `digits` decimals, no trailing zeros, no scientific notation."""
    return "—" if value is None else format_number(value, digits, grouped=True)


def signed(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) < 1e-9:
        return "持平"
    return ("+" if value > 0 else "") + number(value)


def names(items: Sequence[str], limit: int = MAX_NAMES) -> str:
    """'甲、乙、丙' or '甲、乙…等 30 个' so a long list stays one line."""
    if len(items) <= limit:
        return "、".join(items)
    return "、".join(items[:limit]) + f"…等 {len(items)} 个"


def _period_label(key: str) -> str:
    return Period.parse_key(key).label


def _indicator_line(i: IndicatorStatus) -> str:
    if i.figure is None:
        return f"{i.number} {i.name}：暂无数据"
    share = "—" if i.final_share is None else f"{i.final_share:.0f}%"
    final = f"占{i.final.year}目标" if i.final else "目标"
    return (f"{i.number} {i.name}：{number(i.figure)}{i.unit}｜{final} {share}｜{i.status}"
            f"｜较上周 {signed(i.change)}")


def render_weekly(summary: WeeklySummary) -> str:
    """Headline numbers first, then late units, every indicator, outliers and the rule used."""
    period = _period_label(summary.period)
    lines = [f"📊 周报 {summary.week}（{summary.monday:%Y年%m月%d日}—{summary.sunday:%m月%d日}）"]
    units = summary.reporting_units
    reported = f"，来自 {len(units)} 个单位：{names(units)}" if units else ""
    corrections = f"（其中更正 {summary.correction_count} 条）" if summary.correction_count else ""
    lines.append(f"本周上报 {summary.report_count} 条{corrections}{reported}")
    if summary.completeness is None:
        lines.append(f"{period}报送完成率：还没有分配了指标的联络员")
    else:
        lines.append(f"{period}报送完成率：{len(summary.complete_units)}/{len(summary.expected_units)} 个单位"
                     f"（{summary.completeness:.0f}%），截止 {summary.deadline:%m月%d日}"
                     + ("（已过）" if summary.deadline_passed else ""))
    if summary.late_units:
        title = "逾期未报齐" if summary.deadline_passed else "尚未报齐"
        late = [f"{u.unit}（缺指标 {','.join(str(n) for n in u.missing)}）" for u in summary.late_units]
        lines.append(f"{title}：{names(late)}")
    final = f"占{summary.years[-1]}目标" if len(summary.years) > 1 else "目标"
    lines += ["", f"指标进度（城市数值｜{final}｜状态｜较上周）："]
    lines += [_indicator_line(i) for i in summary.indicators]
    if summary.awaiting_review:
        waiting = [f"指标{n} {count} 条" for n, count in sorted(summary.awaiting_review.items())]
        total = sum(summary.awaiting_review.values())
        lines.append(f"当前待审核（未计入以上数值）：共 {total} 条，{names(waiting)}")
    if summary.outliers:
        lines += ["", "异常值（与该单位以往数值相差悬殊，请核实）："]
        lines += [f"{o.unit} 指标{o.indicator} {_period_label(o.period)}：{number(o.value)}（{o.reason}）"
                  for o in summary.outliers[:MAX_NAMES]]
        if len(summary.outliers) > MAX_NAMES:
            lines.append(f"…共 {len(summary.outliers)} 条，详见 /export")
    lines += ["", f"判定规则：{summary.rule}"]
    return "\n".join(lines)


def render_reminder(unit: str, period: str, missing: Sequence[Indicator]) -> str:
    """One message per liaison, naming what is still missing and how to send it."""
    label = _period_label(period)
    items = "、".join(f"{i.name}（#{i.number}）" for i in missing)
    first = missing[0].name if missing else "济南工匠"
    return (f"您好！{unit} {label}的数据还没有报齐：{items}。\n"
            f"请直接发送数值，例如：{first} 12 {label}")
