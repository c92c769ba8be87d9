"""What may be stored: ranges and periods are refused outright; figures far out of line need a confirmation."""

from __future__ import annotations

import datetime as dt
from statistics import median

from errors import ReportInputError
from knowledge.models import Indicator
from reporting.grammar import ReportItem
from reporting.kinds import IndicatorKind, Kind
from reporting.periods import check_period
from reporting.units import format_number

HISTORY_FACTOR = 10
TARGET_FACTOR = 3
OUTLIER_RULE = (
    f"与本单位以往上报的中位数相差{HISTORY_FACTOR}倍以上，或超过全市最终目标的{TARGET_FACTOR}倍"
    "（月度新增：超过全市最终目标与基线之差）"
)


def check_item(item: ReportItem, indicator: Indicator, today: dt.date) -> None:
    """Raise ReportInputError for a value or month that cannot be right."""
    if item.value < 0:
        raise ReportInputError(
            f"“{indicator.name}”的数值不能是负数（{format_number(item.value)}）。如需更正，直接重发正确数值即可。",
            f"{indicator.name} 12",
        )
    if (indicator.percent or indicator.unit == "%") and item.value > 100:
        raise ReportInputError(
            f"“{indicator.name}”是比例，不能超过100%（您写的是{format_number(item.value)}%）。", f"{indicator.name} 66%"
        )
    check_period(item.period, today)


def outlier_reason(item: ReportItem, indicator: Indicator, kind: IndicatorKind, history: list[float]) -> str | None:
    """Why the value looks far out of line, or None. `history`: the unit's other current values of the same sort."""
    value = item.value
    unit = "" if indicator.percent else indicator.unit
    final = max(abs(v) for v in indicator.values.values())
    monthly_count = kind.kind is Kind.COUNT and not item.cumulative
    ceiling = abs(indicator.values[max(indicator.values)] - indicator.baseline) if monthly_count else final * TARGET_FACTOR
    if ceiling and value > ceiling:
        scope = "全市最终目标与基线之差" if monthly_count else f"全市最终目标的{TARGET_FACTOR}倍"
        return f"{format_number(value)}{unit} 超过了{scope}（{format_number(ceiling)}{unit}）"
    positive = [v for v in history if v > 0]
    if not positive:
        return None
    typical = median(positive)
    if value > typical * HISTORY_FACTOR:
        return f"{format_number(value)}{unit} 是本单位以往中位数（{format_number(typical)}{unit}）的{HISTORY_FACTOR}倍以上"
    if not monthly_count and value * HISTORY_FACTOR < typical:
        return f"{format_number(value)}{unit} 不到本单位以往中位数（{format_number(typical)}{unit}）的十分之一"
    return None
