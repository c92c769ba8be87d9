"""Measurement units: '136.5万', '1365000人' and '66%' converted into the indicator's own unit."""

from __future__ import annotations

from errors import ReportInputError
from knowledge.models import Frozen
from knowledge.numerals import format_number

MULTIPLIERS = {"": 1.0, "千": 1000.0, "万": 10_000.0, "亿": 100_000_000.0}
BASE_ALIASES = {"人": "人", "名": "人", "位": "人", "人次": "人次", "个": "个", "项": "项", "场次": "场次",
                "场": "场次", "家": "家", "件": "件", "对": "对", "%": "%"}


class UnitSpec(Frozen):
    """A unit as a base ('人', '人次', '%' …) and a multiplier ('万人' = 10000 × 人)."""

    base: str | None
    multiplier: float = 1.0

    @classmethod
    def parse(cls, text: str) -> UnitSpec:
        """'万人次' → (人次, 10000); '' → no base; unknown words keep their text as the base."""
        text = text.strip().replace("％", "%")
        multiplier = 1.0
        if len(text) > 1 and text[0] in "千万亿":
            multiplier, text = MULTIPLIERS[text[0]], text[1:]
        if not text:
            return cls(base=None, multiplier=multiplier)
        return cls(base=BASE_ALIASES.get(text, text), multiplier=multiplier)

    @property
    def percent(self) -> bool:
        return self.base == "%"


class TypedValue(Frozen):
    """A number as the sender typed it: '136.5万人' is 136.5, multiplier 万, unit 人."""

    number: float
    multiplier: str = ""
    unit: str = ""

    @property
    def text(self) -> str:
        return f"{format_number(self.number)}{self.multiplier}{self.unit}"


def to_indicator_unit(typed: TypedValue, indicator_unit: str, indicator_label: str) -> float:
    """Convert into the indicator's unit; a bare number is already in it; a base that differs is refused."""
    target = UnitSpec.parse(indicator_unit)
    given_base = BASE_ALIASES.get(typed.unit, typed.unit) if typed.unit else None
    scale = MULTIPLIERS[typed.multiplier]
    if given_base is None and not typed.multiplier:
        return typed.number
    if given_base is not None and given_base != target.base:
        example = f"{indicator_label} 12{indicator_unit}"
        raise ReportInputError(
            f"单位不符：指标“{indicator_label}”的单位是“{indicator_unit}”，您写的是“{typed.multiplier}{typed.unit}”。",
            example,
        )
    return round(typed.number * scale / target.multiplier, 9)
