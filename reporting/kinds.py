"""Whether an indicator is a level (时点值) or a count (累计值): from its name and unit, unless a data file says
otherwise."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

from knowledge.models import Frozen, Indicator, PolicyDocument
from knowledge.normalize import match_key

KINDS_FILE = Path(__file__).parent / "data" / "indicator_kinds.json"
COUNT_WORDS = ("新增", "开展", "参加", "参与")
COUNT_UNITS = ("人次", "场次", "项")
RATIO_WORDS = ("每万人", "比例", "率", "占")


class Kind(StrEnum):
    LEVEL = "level"
    COUNT = "count"


class Aggregate(StrEnum):
    SUM = "sum"
    MEAN = "mean"


class IndicatorKind(Frozen):
    """How reports of one indicator add up to the city figure."""

    kind: Kind
    aggregate: Aggregate = Aggregate.SUM

    def rule(self, baseline_year: int) -> str:
        """The rule in words, as replies and summaries state it, for the document's baseline year."""
        if self.kind is Kind.COUNT:
            return (f"累计值：{baseline_year}年基线 + {baseline_year + 1}年1月起各单位每月新增之和"
                    "（单位报“累计”时以其累计数为准）")
        if self.aggregate is Aggregate.MEAN:
            return "时点值（比例，不跨单位相加）：各单位最新上报值的平均"
        return "时点值：各单位最新一次上报之和"

    @property
    def label(self) -> str:
        return "累计值" if self.kind is Kind.COUNT else "时点值"


def default_kind(indicator: Indicator) -> IndicatorKind:
    """新增/开展/参加/参与 or 人次/场次/项 → count; %, 每万人, 比例 → a level averaged across units."""
    if any(word in indicator.name for word in COUNT_WORDS) or any(indicator.unit.endswith(u) for u in COUNT_UNITS):
        return IndicatorKind(kind=Kind.COUNT)
    if indicator.percent or indicator.unit == "%" or any(word in indicator.name for word in RATIO_WORDS):
        return IndicatorKind(kind=Kind.LEVEL, aggregate=Aggregate.MEAN)
    return IndicatorKind(kind=Kind.LEVEL)


def load_kinds(document: PolicyDocument, kinds_file: Path = KINDS_FILE) -> dict[int, IndicatorKind]:
    """Every indicator's kind: the default, replaced where the data file names the indicator."""
    overrides: dict[str, dict] = {}
    if kinds_file.exists():
        raw = json.loads(kinds_file.read_text(encoding="utf-8")).get("kinds", {})
        overrides = {match_key(name): spec for name, spec in raw.items()}
    kinds: dict[int, IndicatorKind] = {}
    for indicator in document.indicators:
        spec = overrides.get(match_key(indicator.name))
        kinds[indicator.number] = IndicatorKind.model_validate(spec) if spec else default_kind(indicator)
    return kinds
