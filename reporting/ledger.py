"""Every stored report held in memory and kept up to date by id, so a summary never re-reads 100k rows.

Reports are append-only and their marks carry timestamps, so the figures as they stood at a past instant
never change: those are computed once and remembered. The current figures are maintained per indicator
as rows arrive, and progress is recomputed only for indicators that changed.
"""

from __future__ import annotations

import gc
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from reporting.effective import effective_by_key, effective_of
from reporting.periods import Period
from reporting.progress import Figure

Key = tuple[int, int, str]  # (indicator, unit id, period key)
PAST_STATES_KEPT = 6
RESULTS_KEPT = 512
BULK = 5000


class LedgerRow(NamedTuple):
    """One stored row as loaded: ids, key, figure, and when it was created and undone (epoch seconds)."""

    id: int
    indicator: int
    period_key: str
    figure: Figure
    created: float
    undone: float | None
    correction: bool

    @property
    def key(self) -> Key:
        return (self.indicator, self.figure.unit_id, self.period_key)


class ReportLedger:
    """All rows in id order, the current row per key, and memoised states of past instants."""

    def __init__(self) -> None:
        self.rows: list[LedgerRow] = []
        self.index: dict[int, int] = {}
        self.by_key: dict[Key, list[int]] = {}
        self.periods_of: dict[tuple[int, int], list[str]] = {}
        self.current: dict[int, dict[tuple[int, str], LedgerRow]] = {}
        self.versions: dict[int, int] = {}
        self.last_id = 0
        self.latest_event = -math.inf
        self._periods: dict[str, Period] = {}
        self._past: OrderedDict[float, dict[int, list[Figure]]] = OrderedDict()
        self._results: OrderedDict[tuple, object] = OrderedDict()

    def period(self, key: str) -> Period:
        found = self._periods.get(key)
        if found is None:
            found = self._periods[key] = Period.parse_key(key)
        return found

    # ---- loading ---------------------------------------------------------------------------------------
    def add(self, rows: Iterable[Sequence]) -> None:
        """Append rows (id, unit id, unit name, indicator, period, value, cumulative, created, undone, replaces)."""
        rows = list(rows)
        if len(rows) < BULK:
            self._add(rows)
            return
        collecting = gc.isenabled()
        gc.disable()  # a bulk load makes only acyclic tuples; cycle collection would just rescan them (half the time)
        try:
            self._add(rows)
        finally:
            if collecting:
                gc.enable()

    def _add(self, rows: list[Sequence]) -> None:
        names: dict[str, str] = {}
        periods, index, by_key = self._periods, self.index, self.by_key
        periods_of, current = self.periods_of, self.current
        append, latest, changed = self.rows.append, self.latest_event, set()
        for rid, unit_id, unit_name, indicator, period, value, cumulative, created, undone, replaces in rows:
            if rid <= self.last_id:
                continue
            when = periods.get(period) or self.period(period)
            figure = Figure(unit_id, names.setdefault(unit_name, unit_name), when, value, bool(cumulative))
            row = LedgerRow(rid, indicator, period, figure, created, undone, replaces is not None)
            index[rid] = len(self.rows)
            append(row)
            key = (indicator, unit_id, period)
            ids = by_key.get(key)
            if ids is None:
                by_key[key] = [rid]
                periods_of.setdefault((indicator, unit_id), []).append(period)
            else:
                ids.append(rid)
            self.last_id = rid
            if created > latest:
                latest = created
            changed.add(indicator)
            if undone is None:  # the newest row of its key and not undone: effective (reporting.effective)
                bucket = current.get(indicator)
                if bucket is None:
                    bucket = current[indicator] = {}
                bucket[(unit_id, period)] = row
            else:
                latest = max(latest, undone)
                self._refresh_key(key)
        self.latest_event = latest
        for indicator in changed:
            self.versions[indicator] = self.versions.get(indicator, 0) + 1

    def mark_undone(self, undone: Iterable[tuple[int, float]]) -> None:
        """Apply undo marks (row id, when); rows already marked, or unknown, are skipped."""
        for rid, when in undone:
            position = self.index.get(rid)
            if position is None or self.rows[position].undone is not None:
                continue
            self.rows[position] = self.rows[position]._replace(undone=when)
            self._event(when)
            self._refresh_key(self.rows[position].key)

    def _event(self, when: float) -> None:
        self.latest_event = max(self.latest_event, when)

    def _refresh_key(self, key: Key) -> None:
        indicator, unit_id, period = key
        found = effective_of((self.rows[self.index[i]] for i in self.by_key[key]), lambda row: row.undone is not None)
        bucket = self.current.setdefault(indicator, {})
        if found is not None:
            bucket[(unit_id, period)] = found
        else:
            bucket.pop((unit_id, period), None)
        self.versions[indicator] = self.versions.get(indicator, 0) + 1

    # ---- states ----------------------------------------------------------------------------------------
    def is_current(self, instant: float) -> bool:
        """Nothing happened at or after `instant`: the state then is the current one."""
        return instant > self.latest_event

    def figures_of(self, indicator: int, instant: float) -> list[Figure]:
        """One indicator's figures as they stood just before `instant`."""
        if self.is_current(instant):
            return [row.figure for row in self.current.get(indicator, {}).values()]
        return self.figures_at(instant).get(indicator, [])

    def has_figure(self, indicator: int, unit_id: int, period: str, instant: float) -> bool:
        """Whether the unit had a figure for the period just before `instant`."""
        if self.is_current(instant):
            return (unit_id, period) in self.current.get(indicator, {})
        rows = (self.rows[self.index[rid]] for rid in self.by_key.get((indicator, unit_id, period), ()))
        return effective_of((row for row in rows if row.created < instant), _undone_before(instant)) is not None

    def unit_history(self, indicator: int, unit_id: int, cumulative: bool, skip_period: str) -> list[float]:
        """The unit's current values of the indicator in other periods, of the same sort (累计 or monthly)."""
        bucket = self.current.get(indicator, {})
        out = []
        for period in self.periods_of.get((indicator, unit_id), ()):
            row = bucket.get((unit_id, period))
            if period != skip_period and row is not None and row.figure.cumulative == cumulative:
                out.append(row.figure.value)
        return out

    def figures_at(self, instant: float) -> dict[int, list[Figure]]:
        """Per indicator, the figure of each (unit, period) as it stood just before `instant`."""
        if self.is_current(instant):
            return {n: [r.figure for r in rows.values()] for n, rows in self.current.items()}
        found = self._past.get(instant)
        if found is not None:
            self._past.move_to_end(instant)
            return found
        existing = (row for row in self.rows if row.created < instant)
        latest = effective_by_key(existing, lambda row: row.key, _undone_before(instant))
        state: dict[int, list[Figure]] = {}
        for row in latest.values():
            state.setdefault(row.indicator, []).append(row.figure)
        self._past[instant] = state
        while len(self._past) > PAST_STATES_KEPT:
            self._past.popitem(last=False)
        return state

    def memo(self, indicator: int, instant: float, extra: object, compute: Callable[[], object]) -> object:
        """Remember a pure result over one indicator's figures at `instant` until those figures change."""
        source = ("now", self.versions.get(indicator, 0)) if self.is_current(instant) else ("at", instant)
        key = (indicator, source, extra)
        if key in self._results:
            self._results.move_to_end(key)
            return self._results[key]
        value = self._results[key] = compute()
        while len(self._results) > RESULTS_KEPT:
            self._results.popitem(last=False)
        return value

    def created_between(self, start: float, end: float) -> list[LedgerRow]:
        return [row for row in self.rows if start <= row.created < end]


def _undone_before(instant: float) -> Callable[[LedgerRow], bool]:
    """Whether a row had been undone by `instant`: the state then ignores it, as it ignores undone rows now."""
    return lambda row: row.undone is not None and row.undone < instant
