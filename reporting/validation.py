"""What may be stored at all: negative values, shares above 100% and impossible months are refused outright."""

from __future__ import annotations

import datetime as dt
import math

from errors import ReportInputError
from knowledge.models import Indicator
from knowledge.numerals import format_number
from reporting.grammar import ReportItem
from reporting.periods import check_period


def check_item(item: ReportItem, indicator: Indicator, today: dt.date) -> None:
    """Raise ReportInputError for a value or month that cannot be right."""
    if not math.isfinite(item.value):
        raise ReportInputError(f"“{indicator.name}”的数值无法识别，请写一个普通数字。", f"{indicator.name} 12")
    if item.value < 0:
        raise ReportInputError(
            f"“{indicator.name}”的数值不能是负数（{format_number(item.value)}）。如需更正，直接重发正确数值即可。",
            f"{indicator.name} 12",
        )
    if (indicator.percent or indicator.unit == "%") and item.value > 100:
        raise ReportInputError(
            f"“{indicator.name}”是比例，不能超过100%（您写的是{format_number(item.value)}%）。", f"{indicator.name} 66%"
        )
    check_period(item.period, today, indicator.baseline_year)
