"""The weekly summary as frozen data, so the message, the chart, the export and the CLI show the same facts."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from knowledge.models import Frozen, Target


class IndicatorStatus(Frozen):
    """One indicator's city figure at the end of the week, and how it moved since the week before."""

    number: int
    category: str
    name: str
    unit: str
    kind: str
    baseline: float
    targets: tuple[Target, ...]  # the document's target years, in order
    figure: float | None
    previous_figure: float | None
    shares: tuple[float | None, ...]  # the figure as a percentage of each target
    expected: float | None
    status: str
    rule: str
    reporting_units: int

    @property
    def change(self) -> float | None:
        if self.figure is None or self.previous_figure is None:
            return None
        return self.figure - self.previous_figure

    @property
    def final(self) -> Target | None:
        """The last target year's target: the one the chart and the summary text measure against."""
        return self.targets[-1] if self.targets else None

    @property
    def final_share(self) -> float | None:
        return self.shares[-1] if self.shares else None

    def target_for(self, year: int) -> float | None:
        return next((t.value for t in self.targets if t.year == year), None)

    def share_for(self, year: int) -> float | None:
        return next((s for t, s in zip(self.targets, self.shares, strict=True) if t.year == year), None)

    @property
    def expected_share(self) -> float | None:
        """Where the trajectory says the figure should be now, as a share of the final target."""
        if self.expected is None or self.final is None or not self.final.value:
            return None
        return 100.0 * self.expected / self.final.value


class LateUnit(Frozen):
    """A unit still missing some of its assigned indicators for the current period."""

    unit: str
    missing: tuple[int, ...]
    liaisons: tuple[str, ...]


class Outlier(Frozen):
    """A figure stored this week that is far out of line with the unit's earlier figures."""

    unit: str
    indicator: int
    period: str
    value: float
    reason: str


class WeeklySummary(Frozen):
    """Everything `/weekly` says about one ISO week, computed once from the stored reports."""

    week: str
    years: tuple[int, ...]  # the indicator table's year columns: the baseline year, then the target years
    monday: dt.date
    sunday: dt.date
    as_of: dt.datetime
    period: str
    deadline: dt.date
    deadline_passed: bool
    report_count: int
    correction_count: int
    reporting_units: tuple[str, ...]
    expected_units: tuple[str, ...]
    complete_units: tuple[str, ...]
    late_units: tuple[LateUnit, ...]
    indicators: tuple[IndicatorStatus, ...]
    outliers: tuple[Outlier, ...]
    rule: str
    # indicator → figures awaiting an admin's review, not counted (BOT_APPROVAL)
    awaiting_review: dict[int, int] = Field(default_factory=dict)

    @property
    def completeness(self) -> float | None:
        """Share of expected units that reported every assigned indicator for the period, in percent."""
        if not self.expected_units:
            return None
        return 100.0 * len(self.complete_units) / len(self.expected_units)
