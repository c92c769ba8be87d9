"""Plausible figures per indicator kind, and the message text a liaison would have typed for them.

Scales are chosen so the sum over units of a count reaches the policy's 2025 target from its 2021 baseline over
2022–2025, a summed level sits near the target, and shares stay around it: summaries look like real data and
the bot's own plausibility rules accept every generated figure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from knowledge.indicator_names import load_aliases
from knowledge.models import PolicyDocument
from knowledge.numerals import format_number
from reporting.kinds import Aggregate, Kind, load_kinds
from reporting.units import UnitSpec

TARGET_MONTHS = 48  # 2022-01 … 2025-12: the policy's horizon
CUMULATIVE_SHARE = 0.05  # keys whose unit reports running totals (累计) instead of monthly new counts


@dataclass(frozen=True)
class Model:
    """How one indicator's figures are drawn."""

    number: int
    label: str  # what a liaison types for it
    kind: Kind
    mean: bool
    percent: bool
    whole: bool  # people, studios, items: whole numbers
    wan: bool  # the unit is 万…: written as 0.35万
    scale: float  # one unit's typical monthly count, or its level at the target
    start: float  # level as a share of the target in 2021 (levels and shares)


def _labels() -> dict[str, str]:
    return {name: words[0] for name, words in load_aliases().items() if words}


def models(document: PolicyDocument, reporters: dict[int, int]) -> dict[int, Model]:
    """One model per indicator; `reporters` counts the units assigned each indicator."""
    kinds = load_kinds(document)
    labels = _labels()
    out = {}
    for indicator in document.indicators:
        kind = kinds[indicator.number]
        final = indicator.values[max(indicator.values)]
        units = max(1, reporters.get(indicator.number, 1))
        mean = kind.aggregate is Aggregate.MEAN
        if mean or indicator.percent:
            scale = final
        elif kind.kind is Kind.COUNT:
            scale = (final - indicator.baseline) / (units * TARGET_MONTHS)
        else:
            scale = final / units
        spec = UnitSpec.parse(indicator.unit)
        out[indicator.number] = Model(
            number=indicator.number, label=labels.get(indicator.name, indicator.name), kind=kind.kind, mean=mean,
            percent=indicator.percent or spec.percent, whole=spec.multiplier == 1 and not mean and not spec.percent,
            wan=spec.multiplier == 10_000, scale=scale, start=indicator.baseline / final if final else 1.0)
    return out


def _round(model: Model, value: float, rng: random.Random | None) -> float:
    if model.whole:  # stochastic rounding keeps small monthly means right on average; totals round half up
        return float(int(value + (rng.random() if rng else 0.5)))
    if model.wan:  # 万人, 万人次: whole people, i.e. four decimals
        return float(int(value * 10_000 + (rng.random() if rng else 0.5))) / 10_000
    if model.percent:
        return min(100.0, round(value, 1))
    return float(f"{value:.3g}") if value < 100 else round(value, 1)


def trend(model: Model, month_index: int) -> float:
    """A level's share of its target, rising from the 2021 baseline to the target over the policy's horizon."""
    return model.start + (1 - model.start) * min(1.0, (month_index + 1) / TARGET_MONTHS)


def figure(model: Model, factor: float, month_index: int, cumulative: bool, rng: random.Random) -> float:
    """One unit's figure for one month; `factor` is the unit's size for this indicator (about 1 on average)."""
    if model.kind is Kind.COUNT:
        if cumulative:  # a running total: grows with the months, so it never falls
            return _round(model, model.scale * factor * (month_index + 1), None)
        return _round(model, model.scale * factor * rng.uniform(0.4, 1.6), rng)
    if model.mean:  # shares differ a little between units, not by the unit's size, and wobble month to month
        share = trend(model, month_index) * model.scale * (0.85 + 0.3 * (factor % 1))
        return _round(model, share * rng.uniform(0.98, 1.02), rng)
    level = trend(model, month_index) * model.scale * factor  # a stock: it grows steadily and never drops to 0
    return _round(model, level if model.whole else level * rng.uniform(0.99, 1.01), None)


def corrected(model: Model, value: float, cumulative: bool, rng: random.Random) -> float:
    """The figure a liaison sends to correct `value`: a typo fixed or a late count added."""
    if cumulative:  # a running total is corrected upwards: a late count added
        return _round(model, value * rng.uniform(1.0, 1.03), None)
    if model.kind is Kind.COUNT:
        return _round(model, value * rng.uniform(0.8, 1.25), rng)  # may equal `value`: sent again as it was
    return max(_round(model, value * rng.uniform(0.95, 1.05), None), min(value, 1.0))  # a stock stays above 0


def item_text(model: Model, value: float, cumulative: bool) -> str:
    """'济南工匠 3', '技能人才 0.35万', '双师型 66.5%', '济南工匠 累计 35'."""
    written = format_number(value) + ("%" if model.percent else "万" if model.wan else "")
    return f"{model.label} {'累计 ' if cumulative else ''}{written}"


def reporters_per_indicator(assignments: list[tuple[int, ...]]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for numbers in assignments:
        for number in numbers:
            counts[number] = counts.get(number, 0) + 1
    return counts
