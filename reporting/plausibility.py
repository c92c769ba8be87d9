"""Figures that are possible but probably not meant: asked back before storing, flagged in summaries.

One home for every plausibility rule. Each rule looks at one figure with its indicator's kind
(count or level, summed or averaged) and, where a slip is likely, says what was probably meant.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from knowledge.models import Frozen, Indicator
from knowledge.numerals import amount, format_number
from reporting.drafts import ReportItem
from reporting.kinds import Aggregate, IndicatorKind, Kind
from reporting.periods import Period
from reporting.units import MULTIPLIERS, UnitSpec

HISTORY_FACTOR = 10
TARGET_FACTOR = 3
RULES = (
    "比例写成小数（0.66 应为 66%）；人数、个数等写成小数；"
    f"与本单位以往上报的中位数相差{HISTORY_FACTOR}倍以上，或超过全市最终目标的{TARGET_FACTOR}倍"
    "（月度新增：超过全市最终目标与基线之差），并提示可能的单位写错（如把“万人”写成人数）；"
    "累计数比之前月份上报的累计数还少"
)


class Doubt(Frozen):
    """Why a figure is questioned, and the value the sender most likely meant (None when there is no guess)."""

    reason: str
    suggestion: float | None = None


def doubt(item: ReportItem, indicator: Indicator, kind: IndicatorKind, history: Sequence[float],
          earlier_totals: Sequence[tuple[str, float]] = ()) -> Doubt | None:
    """The first rule the figure breaks, or None.

    `history`: the unit's other current values of the same sort (monthly or running total);
    `earlier_totals`: (period key, value) of the unit's running totals, to catch one that falls.
    """
    return (_fraction_of_percent(item, indicator) or _fraction_of_count(item, indicator, kind)
            or _out_of_scale(item, indicator, kind, history) or _total_fell(item, indicator, earlier_totals))


def _fraction_of_percent(item: ReportItem, indicator: Indicator) -> Doubt | None:
    """双师型 0.66: a share written as a fraction, not as a percentage."""
    if not (indicator.percent or indicator.unit == "%") or "%" in item.typed or "％" in item.typed:
        return None
    if not 0 < item.value < 1:
        return None
    meant = round(item.value * 100, 6)
    return Doubt(reason=f"{format_number(item.value)} 像是小数写法，比例一般写作 {format_number(meant)}%",
                 suggestion=meant)


def _fraction_of_count(item: ReportItem, indicator: Indicator, kind: IndicatorKind) -> Doubt | None:
    """济南工匠 1.5: people, studios or items come in whole numbers (万人 and averages may have decimals)."""
    spec = UnitSpec.parse(indicator.unit)
    if spec.multiplier != 1 or spec.percent or kind.aggregate is Aggregate.MEAN or float(item.value).is_integer():
        return None
    return Doubt(reason=f"“{indicator.name}”按{indicator.unit}计，一般是整数，您写的是 {format_number(item.value)}")


def _out_of_scale(item: ReportItem, indicator: Indicator, kind: IndicatorKind,
                  history: Sequence[float]) -> Doubt | None:
    """Far above the city's target or far off the unit's own figures; a 万 slip suggested where it fits."""
    value, unit = item.value, "" if indicator.percent else indicator.unit
    final = max(abs(v) for v in indicator.values.values())
    monthly = kind.kind is Kind.COUNT and not item.cumulative
    ceiling = abs(indicator.values[max(indicator.values)] - indicator.baseline) if monthly else final * TARGET_FACTOR
    if ceiling and value > ceiling:
        scope = "全市最终目标与基线之差" if monthly else f"全市最终目标的{TARGET_FACTOR}倍"
        return Doubt(reason=f"{format_number(value)}{unit} 超过了{scope}（{format_number(ceiling)}{unit}）",
                     suggestion=_slip(value, indicator, lambda v: v <= ceiling))
    positive = [v for v in history if v > 0]
    if not positive:
        return None
    typical = median(positive)

    def near(v: float) -> bool:
        return typical / HISTORY_FACTOR <= v <= typical * HISTORY_FACTOR

    if value > typical * HISTORY_FACTOR:
        return Doubt(reason=f"{format_number(value)}{unit} 是本单位以往中位数（{format_number(typical)}{unit}）的"
                            f"{HISTORY_FACTOR}倍以上", suggestion=_slip(value, indicator, near))
    if not monthly and value * HISTORY_FACTOR < typical:
        return Doubt(reason=f"{format_number(value)}{unit} 不到本单位以往中位数"
                            f"（{format_number(typical)}{unit}）的十分之一")
    return None


def _slip(value: float, indicator: Indicator, fits) -> float | None:
    """1368000 for a 万人 indicator is most likely 136.8万: the value in the indicator's unit, if that fits."""
    multiplier = UnitSpec.parse(indicator.unit).multiplier
    if multiplier == 1 or multiplier not in MULTIPLIERS.values():
        return None
    meant = round(value / multiplier, 6)
    return meant if fits(meant) else None


def _total_fell(item: ReportItem, indicator: Indicator, earlier_totals: Sequence[tuple[str, float]]) -> Doubt | None:
    """A running total (累计) cannot fall: below one reported for an earlier month is a slip or a misunderstanding."""
    if not item.cumulative:
        return None
    before = [(key, v) for key, v in earlier_totals if key < item.period.key and v > item.value]
    if not before:
        return None
    key, highest = max(before, key=lambda kv: kv[1])
    return Doubt(reason=f"累计数 {amount(item.value, indicator.unit, indicator.percent)} "
                        f"比{Period.parse_key(key).label}上报的累计数 "
                        f"{amount(highest, indicator.unit, indicator.percent)} 还少")
