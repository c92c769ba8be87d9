"""The dashboard's JSON: pure functions from the services' outcomes to what the page reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reporting.board import Board, CompletenessGrid, HistoryEntry, IndicatorCard, IndicatorDetail, UnitHistory
from reporting.review_outcomes import Decision, HeldFigure, ReviewQueue

Json = dict[str, Any]


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def card_json(card: IndicatorCard) -> Json:
    p = card.progress
    years = sorted(card.values)
    return {
        "number": p.number, "name": p.name, "category": card.category, "unit": p.unit, "percent": p.percent,
        "kind": p.kind.kind.value, "kind_label": p.kind.label, "rule": p.kind.rule(years[0]),
        "current": p.figure, "baseline": {"year": years[0], "value": card.values[years[0]]},
        "targets": {str(year): card.values[year] for year in years[1:]},
        "expected": p.expected, "as_of": p.as_of.key, "as_of_label": p.as_of.label, "status": p.status.value,
        "share": {str(year): (None if p.figure is None or not card.values[year] else p.figure / card.values[year] * 100)
                  for year in years[1:]},
        "units_reported": p.units_reported, "pending": card.awaiting, "chart_svg": card.chart_svg,
    }


def board_json(board: Board) -> Json:
    return {"indicators": [card_json(card) for card in board.cards], "as_of": board.as_of.key,
            "as_of_label": board.as_of.label, "approval": board.approval, "pending": board.awaiting}


def detail_json(detail: IndicatorDetail) -> Json:
    return {"indicator": card_json(detail.card), "units": [
        {"unit_id": u.unit_id, "unit": u.unit_name, "first": u.first.key, "last": u.last.key, "latest": u.latest,
         "total": u.total, "cumulative": u.cumulative} for u in detail.units]}


def _entry_json(e: HistoryEntry) -> Json:
    return {"id": e.report_id, "period": e.period.key, "value": e.value, "cumulative": e.cumulative,
            "reporter_id": e.reporter_id, "reporter": e.reporter, "reported_at": _time(e.reported_at),
            "text": e.source_text, "replaces_id": e.replaces_id, "status": e.status, "undone_at": _time(e.undone_at),
            "undone_by": e.undone_by, "reviewed_at": _time(e.reviewed_at), "reviewed_by": e.reviewed_by,
            "approved": e.approved, "review_note": e.review_note}


def history_json(history: UnitHistory) -> Json:
    return {"indicator": {"number": history.indicator, "name": history.name, "unit": history.unit,
                          "percent": history.percent},
            "unit": {"unit_id": history.unit_id, "name": history.unit_name},
            "history": [_entry_json(e) for e in history.entries]}


def grid_json(grid: CompletenessGrid) -> Json:
    return {"months": [p.key for p in grid.months], "deadline_day": grid.deadline_day, "units": [
        {"unit_id": row.unit_id, "unit": row.unit_name, "indicators": list(row.assigned), "late": row.late,
         "cells": [{"period": c.period.key, "assigned": c.assigned, "reported": c.reported, "counted": c.counted,
                    "state": c.state, "late": c.late} for c in row.cells]} for row in grid.rows]}


def held_json(f: HeldFigure) -> Json:
    return {"id": f.report_id, "indicator": f.indicator, "indicator_name": f.name, "unit": f.unit_name,
            "unit_id": f.unit_id, "period": f.period.key, "period_label": f.period.label, "value": f.value,
            "measure": f.unit, "percent": f.percent, "cumulative": f.cumulative, "reporter": f.reporter,
            "reporter_id": f.reporter_id, "reported_at": _time(f.reported_at), "text": f.source_text,
            "replaces_id": f.replaces_id, "counted_value": f.counted_value}


def queue_json(queue: ReviewQueue) -> Json:
    return {"pending": [held_json(f) for f in queue.items], "total": queue.total}


def decision_json(decision: Decision, notified: bool) -> Json:
    return {"decision": {"id": decision.figure.report_id, "approved": decision.approved, "reason": decision.reason,
                         "reviewer_id": decision.reviewer_id, "decided_at": _time(decision.decided_at),
                         "figure": held_json(decision.figure), "current": decision.progress.figure,
                         "status": decision.progress.status.value},
            "notified": notified}
