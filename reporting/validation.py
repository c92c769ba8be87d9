"""What may be stored at all: too many items, negative values, shares above 100% and impossible months are refused
outright."""

from __future__ import annotations

import datetime as dt
import math

from errors import ReportInputError
from knowledge.models import Indicator
from knowledge.numerals import format_number
from reporting.catalog import IndicatorCatalog
from reporting.drafts import ReportDraft, ReportItem
from reporting.periods import check_period

MAX_ITEMS = 30  # more than there are indicators; one message must not write hundreds of rows


def check_draft(draft: ReportDraft, catalog: IndicatorCatalog, today: dt.date) -> None:
    """Raise ReportInputError for a message with too many items, or any item that cannot be right."""
    if len(draft.items) > MAX_ITEMS:
        raise ReportInputError(f"一条消息最多报送 {MAX_ITEMS} 项（这条有 {len(draft.items)} 项），请分成几条发送。",
                               "济南工匠 12；首席技师 3")
    for item in draft.items:
        check_item(item, catalog.indicators[item.indicator], today)


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
