"""What the report service returns, as data: each surface (console, Telegram) renders it its own way."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from knowledge.models import Frozen
from reporting.periods import Period
from reporting.progress import IndicatorProgress


class StoredItem(Frozen):
    """A figure just stored, what it replaced, and the progress it makes."""

    report_id: int
    unit_name: str
    indicator: int
    name: str
    unit: str
    percent: bool
    period: Period
    value: float
    cumulative: bool = False
    replaced_value: float | None = None
    replaced_cumulative: bool = False
    progress: IndicatorProgress
    held: bool = False  # awaiting an admin's review (BOT_APPROVAL): not counted in `progress` yet


class UndoneItem(Frozen):
    """A figure taken back; `restored_value` is the earlier figure that counts again, if any."""

    report_id: int
    unit_name: str
    indicator: int
    name: str
    unit: str
    percent: bool
    period: Period
    value: float
    restored_value: float | None = None
    progress: IndicatorProgress


class ReportReceipt(Frozen):
    """The acknowledgement of a report message (or of its edit, or of its redelivery)."""

    items: tuple[StoredItem, ...] = ()
    undone: tuple[UndoneItem, ...] = ()
    duplicate: bool = False
    edited: bool = False

    @property
    def report_ids(self) -> tuple[int, ...]:
        return tuple(item.report_id for item in self.items)


class UndoReceipt(Frozen):
    items: tuple[UndoneItem, ...]


class ConfirmItem(Frozen):
    unit_name: str
    name: str
    unit: str
    percent: bool
    period: Period
    value: float
    reason: str | None = None
    suggestion: float | None = None  # what the sender most likely meant (66 for 0.66 of a percentage)


class PendingConfirmation(Frozen):
    """Questionable figures: stored only once the sender confirms with `token`, as written or as suggested."""

    token: str
    items: tuple[ConfirmItem, ...]  # every item of the message; those questioned carry a reason

    @property
    def suggests(self) -> bool:
        return any(item.suggestion is not None for item in self.items)


class Cancelled(Frozen):
    token: str


class FigureChoice(Frozen):
    """One indicator a liaison may report for one of their units: a button of the guided /report."""

    unit_id: int
    unit_name: str
    indicator: int
    name: str
    unit: str  # the indicator's unit (人, 万人, %)


class IndicatorRef(Frozen):
    number: int
    name: str


class InviteCreated(Frozen):
    code: str
    unit_name: str
    indicators: tuple[IndicatorRef, ...]
    expires_at: dt.datetime
    link: str | None = None


class Joined(Frozen):
    """The result of redeeming an invite."""

    unit_name: str
    indicators: tuple[IndicatorRef, ...]
    example: str


class LiaisonEntry(Frozen):
    user_id: int
    name: str
    username: str | None
    unit_name: str
    indicators: tuple[int, ...]
    joined_at: dt.datetime


class OpenInvite(Frozen):
    code: str
    unit_name: str
    indicators: tuple[int, ...]
    expires_at: dt.datetime


class LiaisonList(Frozen):
    liaisons: tuple[LiaisonEntry, ...]
    invites: tuple[OpenInvite, ...]


class InviteQuestion(Frozen):
    """/invite named a unit that is no department of the policy: which one was meant, or create it as written."""

    token: str
    written: str
    suggestions: tuple[str, ...]
    indicators: tuple[IndicatorRef, ...]

    @property
    def numbers(self) -> str:
        return ",".join(str(ref.number) for ref in self.indicators)


class RevokedNotice(Frozen):
    """The message a revoked liaison gets, so they do not go on sending figures that are dropped."""

    chat_id: int
    text: str


class Revoked(Frozen):
    what: tuple[str, ...]
    told: tuple[RevokedNotice, ...] = ()


class ProgressView(Frozen):
    items: tuple[IndicatorProgress, ...]
    as_of: Period
    # indicator → figures awaiting review, not counted (BOT_APPROVAL)
    pending: dict[int, int] = Field(default_factory=dict)


class MyUnit(Frozen):
    unit_name: str
    indicators: tuple[IndicatorRef, ...]
    missing: tuple[IndicatorRef, ...]
    missing_period: Period


class RecentReport(Frozen):
    report_id: int
    unit_name: str
    name: str
    unit: str
    percent: bool
    period: Period
    value: float
    cumulative: bool
    active: bool
    held: str | None = None  # 'pending' 待审核 or 'returned' 已退回
    review_note: str | None = None


class MineView(Frozen):
    units: tuple[MyUnit, ...]
    recent: tuple[RecentReport, ...]
    is_admin: bool = False


class Notice(Frozen):
    """A plain message, e.g. the answer to a redelivered update."""

    text: str
