"""The weekly summary computed from the report ledger, the liaisons and the clock; pure, no I/O.

City figures, shares, trajectory and status all come from reporting.progress; this module only decides
which figures (as of which instant) go in, and which units are complete, late, or out of line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from knowledge.models import Indicator, PolicyDocument
from reporting.grammar import ReportItem
from reporting.kinds import IndicatorKind
from reporting.ledger import ReportLedger
from reporting.periods import Period, last_month
from reporting.progress import STATUS_RULE, IndicatorProgress, indicator_progress
from reporting.summary_models import IndicatorStatus, LateUnit, Outlier, WeeklySummary
from reporting.units import format_number
from reporting.plausibility import RULES, doubt
from reporting.weeks import Week
from storage.models import Liaison

INCLUSIVE = 0.001  # reports stamped at `now` itself belong to a summary made at `now` (julianday keeps ms)


@dataclass(frozen=True)
class SummaryInput:
    """What a summary is computed from: the ledger must be refreshed before."""

    document: PolicyDocument
    kinds: dict[int, IndicatorKind]
    ledger: ReportLedger
    week: Week
    zone: ZoneInfo
    now: dt.datetime
    remind_day: int
    liaisons: Sequence[Liaison]


@dataclass(frozen=True)
class Window:
    """The instants a week's summary looks at, as epoch seconds, and the reporting month then."""

    start: float
    end: float
    as_of: dt.datetime
    period: Period
    previous_period: Period


def window(week: Week, zone: ZoneInfo, now: dt.datetime) -> Window:
    """A past week ends at its Sunday midnight; the current week ends now."""
    start, week_end = week.start(zone), week.end(zone)
    if now < week_end:
        as_of, end = now.astimezone(zone), now.timestamp() + INCLUSIVE
    else:
        as_of, end = week_end, week_end.timestamp()
    last_day = (as_of - dt.timedelta(microseconds=1)).date()
    before_day = (start - dt.timedelta(microseconds=1)).date()
    return Window(start.timestamp(), end, as_of, last_month(last_day), last_month(before_day))


def deadline_of(period: Period, remind_day: int) -> dt.date:
    """Figures for a month are due by the reminder day of the month after."""
    following = period.shift(1)
    return dt.date(following.year, following.month, remind_day)


def missing_by_liaison(
    liaisons: Sequence[Liaison], has_figure: Callable[[int, int], bool]
) -> dict[int, tuple[int, ...]]:
    """Liaison id → the assigned indicators its unit has no figure for (liaisons with none missing are left out)."""
    out: dict[int, tuple[int, ...]] = {}
    for liaison in liaisons:
        if liaison.revoked_at is not None:
            continue
        missing = tuple(n for n in sorted(set(liaison.indicators)) if not has_figure(n, liaison.unit_id))
        if missing:
            out[liaison.id] = missing
    return out


def _progress(data: SummaryInput, indicator: Indicator, instant: float, period: Period) -> IndicatorProgress:
    kind = data.kinds[indicator.number]

    def compute() -> IndicatorProgress:
        figures = data.ledger.figures_of(indicator.number, instant)
        return indicator_progress(indicator, kind, figures, period)

    return data.ledger.memo(indicator.number, instant, period.key, compute)  # type: ignore[return-value]


def _indicator_status(data: SummaryInput, indicator: Indicator, win: Window) -> IndicatorStatus:
    now = _progress(data, indicator, win.end, win.period)
    before = _progress(data, indicator, win.start, win.previous_period)
    return IndicatorStatus(
        number=indicator.number, category=indicator.category, name=indicator.name, unit=indicator.unit,
        kind=now.kind.kind.value, baseline=now.baseline, target_2023=now.target_2023, target_2025=now.target_2025,
        figure=now.figure, previous_figure=before.figure, share_2023=now.share_2023, share_2025=now.share_2025,
        expected=now.expected, status=now.status.value, rule=now.kind.rule, reporting_units=now.units_reported,
    )


def _units(data: SummaryInput, win: Window) -> tuple[tuple[str, ...], tuple[str, ...], tuple[LateUnit, ...]]:
    """(expected units, complete units, late units) for the window's reporting month.

    Only units with a liaison at the window's end are expected: one who joined later or was revoked before is not late.
    """
    period = win.period.key
    active = [x for x in data.liaisons if x.indicators and x.joined_at.timestamp() < win.end
              and (x.revoked_at is None or x.revoked_at.timestamp() >= win.end)]

    def has(indicator: int, unit_id: int) -> bool:
        return data.ledger.has_figure(indicator, unit_id, period, win.end)

    missing = missing_by_liaison(active, has)
    units: dict[str, set[int]] = {}
    people: dict[str, list[str]] = {}
    for liaison in active:
        units.setdefault(liaison.unit_name, set()).update(missing.get(liaison.id, ()))
        people.setdefault(liaison.unit_name, []).append(liaison.name or liaison.username or str(liaison.user_id))
    expected = tuple(sorted(units))
    complete = tuple(u for u in expected if not units[u])
    late = tuple(
        LateUnit(unit=u, missing=tuple(sorted(units[u])), liaisons=tuple(people[u])) for u in expected if units[u]
    )
    return expected, complete, late


def _outliers(data: SummaryInput, rows: Sequence) -> tuple[Outlier, ...]:
    out = []
    for row in rows:
        indicator = data.document.indicator(row.indicator)
        figure = row.figure
        current = data.ledger.current.get(row.indicator, {}).get((figure.unit_id, row.period_key))
        if indicator is None or current is None or current.id != row.id:
            continue  # undone or corrected since: the later row is the one that counts
        history = data.ledger.unit_history(row.indicator, figure.unit_id, figure.cumulative, row.period_key)
        item = ReportItem(indicator=row.indicator, value=figure.value, typed=format_number(figure.value),
                          period=figure.period, cumulative=figure.cumulative)
        found = doubt(item, indicator, data.kinds[row.indicator], history)
        if found is not None:
            out.append(Outlier(unit=figure.unit_name, indicator=row.indicator, period=row.period_key,
                               value=figure.value, reason=found.reason))
    return tuple(out)


def compute_weekly(data: SummaryInput) -> WeeklySummary:
    """Everything /weekly reports for one week, as of now or the week's end, whichever is earlier."""
    win = window(data.week, data.zone, data.now)
    activity = [r for r in data.ledger.created_between(win.start, win.end) if r.undone is None or r.undone >= win.end]
    expected, complete, late = _units(data, win)
    deadline = deadline_of(win.period, data.remind_day)
    rules = "；".join(dict.fromkeys(data.kinds[i.number].rule for i in data.document.indicators))
    return WeeklySummary(
        week=data.week.label, monday=data.week.monday, sunday=data.week.sunday, as_of=win.as_of,
        period=win.period.key, deadline=deadline, deadline_passed=win.as_of.date() >= deadline,
        report_count=len(activity), correction_count=sum(1 for r in activity if r.correction),
        reporting_units=tuple(sorted({r.figure.unit_name for r in activity})),
        expected_units=expected, complete_units=complete, late_units=late,
        indicators=tuple(_indicator_status(data, i, win) for i in data.document.indicators),
        outliers=_outliers(data, activity),
        rule=f"{STATUS_RULE}。口径：{rules}。异常值：{RULES}。",
    )
