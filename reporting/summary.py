"""The weekly summary computed from what SQL found for the week, the city progress and the clock; pure, no I/O.

City figures, shares, trajectory and status all come from reporting.progress; the counts, duties and the week's
figures from storage.summary_queries. This module decides which instants a week looks at, and which units are
complete, late, or out of line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from knowledge.models import PolicyDocument
from knowledge.numerals import format_number
from reporting.drafts import ReportItem
from reporting.kinds import IndicatorKind
from reporting.periods import Period, last_month
from reporting.plausibility import RULES, doubt
from reporting.progress import IndicatorProgress, status_rule
from reporting.summary_models import IndicatorStatus, LateUnit, Outlier, WeeklySummary
from reporting.weeks import Week
from storage.summary_queries import Duty, WeekFigure, WindowFacts
from storage.unit_figures import Pair, Spread

INCLUSIVE = dt.timedelta(milliseconds=1)  # reports stamped at `now` belong to a summary made at `now` (julianday: ms)


@dataclass(frozen=True)
class Window:
    """The instants a week's summary looks at, and the reporting month at its end and at its start."""

    start: dt.datetime
    end: dt.datetime  # exclusive: the week's end, or just after now for the week under way
    as_of: dt.datetime
    period: Period
    previous_period: Period


def window(week: Week, zone: ZoneInfo, now: dt.datetime) -> Window:
    """A past week ends at its Sunday midnight; the current week ends now."""
    start, week_end = week.start(zone), week.end(zone)
    if now < week_end:
        as_of = now.astimezone(zone)
        end = as_of + INCLUSIVE
    else:
        as_of = end = week_end
    last_day = (as_of - dt.timedelta(microseconds=1)).date()
    before_day = (start - dt.timedelta(microseconds=1)).date()
    return Window(start, end, as_of, last_month(last_day), last_month(before_day))


@dataclass(frozen=True)
class SummaryInput:
    """What a summary is computed from: the window, each indicator's progress at its end and start, the facts."""

    document: PolicyDocument
    kinds: dict[int, IndicatorKind]
    week: Week
    window: Window
    remind_day: int
    progress: Mapping[int, IndicatorProgress]  # at the window's end, as of its reporting month
    previous: Mapping[int, IndicatorProgress]  # at the window's start
    facts: WindowFacts
    outliers: tuple[Outlier, ...]  # find_outliers over the week's figures


def deadline_of(period: Period, remind_day: int) -> dt.date:
    """Figures for a month are due by the reminder day of the month after."""
    following = period.shift(1)
    return dt.date(following.year, following.month, remind_day)


def _indicator_status(data: SummaryInput, number: int) -> IndicatorStatus:
    indicator, now = data.document.indicator(number), data.progress[number]
    if indicator is None:
        raise KeyError(f"indicator {number} is not in the document")
    return IndicatorStatus(
        number=number, category=indicator.category, name=indicator.name, unit=indicator.unit,
        kind=now.kind.kind.value, baseline=now.baseline, targets=now.targets, figure=now.figure,
        previous_figure=data.previous[number].figure, shares=tuple(now.share(t.value) for t in now.targets),
        expected=now.expected, status=now.status.value, rule=now.kind.rule(now.baseline_year),
        reporting_units=now.units_reported,
    )


def _units(duties: tuple[Duty, ...]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[LateUnit, ...]]:
    """(expected units, complete units, late units) from the liaisons on duty at the window's end.

    Only units with a liaison then are expected: one who joined later or was revoked before is not late.
    """
    missing: dict[str, set[int]] = {}
    people: dict[str, list[str]] = {}
    for duty in duties:
        missing.setdefault(duty.unit, set()).update(duty.missing)
        people.setdefault(duty.unit, []).append(duty.name or duty.username or str(duty.user_id))
    expected = tuple(sorted(missing))
    complete = tuple(u for u in expected if not missing[u])
    late = tuple(LateUnit(unit=u, missing=tuple(sorted(missing[u])), liaisons=tuple(people[u]))
                 for u in expected if missing[u])
    return expected, complete, late


Judged = MutableMapping[tuple[int, float, bool, str, tuple[float, ...]], str | None]


def find_outliers(document: PolicyDocument, kinds: Mapping[int, IndicatorKind], figures: Sequence[WeekFigure],
                  spreads: Mapping[Pair, Mapping[bool, Spread]], judged: Judged) -> tuple[Outlier, ...]:
    """The week's figures that count now and break a plausibility rule against the unit's other figures.

    `judged` remembers the reason (or None) per figure and middle of the others, so a /weekly asked again judges
    only what changed; what it holds never goes stale, the key being all the rules read.
    """
    out = []
    for row in figures:
        indicator = document.indicator(row.indicator)
        if indicator is None:
            continue
        spread = spreads.get((row.indicator, row.unit_id), {}).get(row.cumulative)
        others = spread.others(row.value) if spread else ()
        key = (row.indicator, row.value, row.cumulative, row.period, others)
        if key not in judged:
            item = ReportItem(indicator=row.indicator, value=row.value, typed=format_number(row.value),
                              period=Period.parse_key(row.period), cumulative=row.cumulative)
            found = doubt(item, indicator, kinds[row.indicator], others)
            judged[key] = found.reason if found else None
        reason = judged[key]
        if reason is not None:
            out.append(Outlier(unit=row.unit, indicator=row.indicator, period=row.period, value=row.value,
                               reason=reason))
    return tuple(out)


def compute_weekly(data: SummaryInput) -> WeeklySummary:
    """Everything /weekly reports for one week, as of now or the week's end, whichever is earlier."""
    win, activity = data.window, data.facts.activity
    expected, complete, late = _units(data.facts.duties)
    deadline = deadline_of(win.period, data.remind_day)
    rules = "；".join(dict.fromkeys(data.kinds[i.number].rule(i.baseline_year) for i in data.document.indicators))
    return WeeklySummary(
        week=data.week.label, years=data.document.years, monday=data.week.monday, sunday=data.week.sunday,
        as_of=win.as_of,
        period=win.period.key, deadline=deadline, deadline_passed=win.as_of.date() >= deadline,
        report_count=sum(a.reports for a in activity), correction_count=sum(a.corrections for a in activity),
        reporting_units=tuple(a.unit for a in activity),
        expected_units=expected, complete_units=complete, late_units=late,
        indicators=tuple(_indicator_status(data, i.number) for i in data.document.indicators),
        outliers=data.outliers,
        rule=f"{status_rule(data.document.years)}。口径：{rules}。异常值：{RULES}。",
    )
