"""What the review service returns (approval, BOT_APPROVAL=on), as data: Telegram and the dashboard render it."""

from __future__ import annotations

import datetime as dt

from knowledge.models import Frozen
from reporting.periods import Period
from reporting.progress import IndicatorProgress


class HeldFigure(Frozen):
    """A figure awaiting review: what was reported, by whom and when, and what counts for its month meanwhile."""

    report_id: int
    unit_id: int
    unit_name: str
    indicator: int
    name: str
    unit: str
    percent: bool
    period: Period
    value: float
    cumulative: bool
    reporter_id: int
    reporter: str  # the liaison's name, or their user id
    reported_at: dt.datetime
    source_text: str
    replaces_id: int | None = None
    counted_value: float | None = None  # the figure approved before, counting until this one is decided


class ReviewQueue(Frozen):
    """The oldest figures awaiting review, and how many await in all."""

    items: tuple[HeldFigure, ...]
    total: int


class Decision(Frozen):
    """An admin approved or returned a figure; `progress` is the indicator's standing after it."""

    figure: HeldFigure
    approved: bool
    reason: str | None = None
    reviewer_id: int
    reviewer: str
    decided_at: dt.datetime
    progress: IndicatorProgress
    notify_chat_id: int  # where the liaison is told (their private chat with the bot)
