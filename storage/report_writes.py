"""A figure report as one plain function on the connection's thread: every statement of it in one hop.

Database.write runs `store_message` inside BEGIN IMMEDIATE … COMMIT, so the acknowledgement path pays one thread
hop and one commit per message; the plausibility history comes from the same indexed query that finds the row a
figure replaces (reports_current: indicator, unit, period, id, not undone): the sender's latest word on each month
(IS_LATEST), which with approval off is the figure that counts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from storage import reports

# The statements of storage/reports.py, named here as constants of this module (tests/test_security.py checks it).
IS_LATEST = reports.IS_LATEST
INSERT_PENDING = reports.INSERT_PENDING
INSERT_PROCESSED = reports.INSERT_PROCESSED
INSERT_REPORT = reports.INSERT_REPORT
MARK_SUPERSEDED = reports.MARK_SUPERSEDED
MARK_UNDONE = reports.MARK_UNDONE
RESOLVE_PENDING = reports.RESOLVE_PENDING
UNIT_HISTORY = ("SELECT r.id, r.period, r.value, r.cumulative FROM reports r"
                f" WHERE r.indicator = ? AND r.unit_id = ? AND {IS_LATEST}")
LATEST_ID_VALUE = ("SELECT r.id, r.value FROM reports r"
                   f" WHERE r.indicator = ? AND r.unit_id = ? AND r.period = ? AND {IS_LATEST}")
MESSAGE_ROWS = (
    "SELECT r.id, r.unit_id, u.name, r.indicator, r.period, r.value FROM reports r JOIN units u ON u.id = r.unit_id"
    " WHERE r.chat_id = ? AND r.message_id = ? AND r.undone_at IS NULL ORDER BY r.id"
)


class NewFigure(NamedTuple):
    """One figure to store: unit, indicator, period key ('2026-10'), value, running total or monthly."""

    unit_id: int
    indicator: int
    period: str
    value: float
    cumulative: bool


class CurrentFigure(NamedTuple):
    """The latest row of a month of a unit's indicator: what plausibility compares with and a new figure replaces."""

    id: int
    period: str
    value: float
    cumulative: bool


class DroppedFigure(NamedTuple):
    """A figure an edit no longer contains, undone; `restored` is the value that counts again (None: nothing)."""

    id: int
    unit_id: int
    unit_name: str
    indicator: int
    period: str
    value: float
    restored: float | None


History = dict[str, CurrentFigure]  # period key → current row, of one (unit, indicator)
Judge = Callable[[list[History]], str | None]  # per figure its history → the payload to park, or None to store


@dataclass(frozen=True)
class StorePlan:
    """What one message stores and under which keys; `judge` may park it instead (plausibility)."""

    figures: tuple[NewFigure, ...]
    reporter_id: int
    chat_id: int | None
    message_id: int | None
    source_text: str
    now: str
    key: str | None = None  # processed_updates key: a redelivery stores nothing
    token: str | None = None  # the parked message being confirmed
    edit: bool = False  # undo this message's figures that the edit dropped
    judge: Judge | None = None
    park_token: str = ""
    held: str | None = None  # storage.reports.HELD_PENDING: stored awaiting an admin's review (BOT_APPROVAL=on)


@dataclass
class StoreResult:
    """What the transaction did: nothing (stale token, duplicate), parked the message, or stored and undid."""

    stale: bool = False  # the parked message was confirmed or cancelled already
    duplicate: bool = False
    parked: bool = False
    stored: list[tuple[int, CurrentFigure | None]] = field(default_factory=list)  # (report id, row it replaced)
    dropped: list[DroppedFigure] = field(default_factory=list)


def store_message(conn: sqlite3.Connection, plan: StorePlan) -> StoreResult:
    """The whole message in the caller's transaction: resolve, mark, judge or park, undo what an edit dropped,
    insert."""
    if plan.token is not None and conn.execute(RESOLVE_PENDING, (plan.now, plan.token)).rowcount != 1:
        return StoreResult(stale=True)
    if plan.key is not None and conn.execute(INSERT_PROCESSED, (plan.key, plan.now)).rowcount != 1:
        return StoreResult(duplicate=True)
    histories = _histories(conn, plan.figures)
    if plan.judge is not None:
        payload = plan.judge([histories[(f.unit_id, f.indicator)] for f in plan.figures])
        if payload is not None:
            conn.execute(INSERT_PENDING, (plan.park_token, plan.reporter_id, payload, plan.now))
            return StoreResult(parked=True)
    result = StoreResult()
    if plan.edit and plan.message_id is not None:
        result.dropped = _undo_dropped(conn, plan)
    for figure in plan.figures:
        history = histories[(figure.unit_id, figure.indicator)]
        previous = history.get(figure.period)
        ((report_id,),) = conn.execute(INSERT_REPORT, (
            figure.unit_id, figure.indicator, figure.period, figure.value, int(figure.cumulative), plan.reporter_id,
            plan.chat_id, plan.message_id, plan.source_text, plan.now, previous.id if previous else None,
            plan.held)).fetchall()
        if previous is not None:
            conn.execute(MARK_SUPERSEDED, (report_id, plan.now, previous.id))
        history[figure.period] = CurrentFigure(report_id, figure.period, figure.value, figure.cumulative)
        result.stored.append((report_id, previous))
    return result


def _histories(conn: sqlite3.Connection, figures: tuple[NewFigure, ...]) -> dict[tuple[int, int], History]:
    """Current rows per (unit, indicator) of the message, one indexed query each (usually one in all)."""
    out: dict[tuple[int, int], History] = {}
    for figure in figures:
        pair = (figure.unit_id, figure.indicator)
        if pair not in out:
            rows = conn.execute(UNIT_HISTORY, (figure.indicator, figure.unit_id)).fetchall()
            out[pair] = {row[1]: CurrentFigure(row[0], row[1], row[2], bool(row[3])) for row in rows}
    return out


def _undo_dropped(conn: sqlite3.Connection, plan: StorePlan) -> list[DroppedFigure]:
    """An edited message: its current figures for keys the new text no longer has are undone."""
    keep = {(f.unit_id, f.indicator, f.period) for f in plan.figures}
    dropped = []
    for row_id, unit_id, unit_name, indicator, period, value in conn.execute(
            MESSAGE_ROWS, (plan.chat_id, plan.message_id)).fetchall():
        if (unit_id, indicator, period) in keep or _latest_id(conn, unit_id, indicator, period) != row_id:
            continue
        conn.execute(MARK_UNDONE, (plan.now, plan.reporter_id, row_id))
        restored = conn.execute(LATEST_ID_VALUE, (indicator, unit_id, period)).fetchone()
        dropped.append(DroppedFigure(row_id, unit_id, unit_name, indicator, period, value,
                                     restored[1] if restored else None))
    return dropped


def _latest_id(conn: sqlite3.Connection, unit_id: int, indicator: int, period: str) -> int | None:
    row = conn.execute(LATEST_ID_VALUE, (indicator, unit_id, period)).fetchone()
    return row[0] if row else None
