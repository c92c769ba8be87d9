"""Report outcomes as Telegram replies (HTML + buttons), and the strict grammar of the report buttons."""

from __future__ import annotations

import re

from bot.telegram.views import Button, Reply
from knowledge.numerals import amount
from reporting.outcomes import InviteQuestion, PendingConfirmation, ReportReceipt, UndoReceipt
from reporting.render import REPORT_OUTCOMES, render_report_html

MAX_BYTES = 64
UNDO_PREFIX = "ru:"
CONFIRM_PREFIX = "rc:"
CANCEL_PREFIX = "rx:"
SUGGESTED_PREFIX = "rs:"
UNIT_PREFIX = "iu:"
_UNIT_CHOICE = re.compile(r"iu:([0-9a-f]{12}):(\d|n)")
_UNDO = re.compile(r"ru:([1-9][0-9]{0,11}(?:,[1-9][0-9]{0,11}){0,9})")
_TOKEN = re.compile(r"(rc|rx|rs):([0-9a-f]{12})")


def is_report_outcome(outcome: object) -> bool:
    return isinstance(outcome, REPORT_OUTCOMES)


def undo_data(report_ids: tuple[int, ...]) -> str | None:
    """Button data for undoing these reports; None when they do not fit Telegram's 64 bytes."""
    data = UNDO_PREFIX + ",".join(str(i) for i in report_ids)
    return data if report_ids and _UNDO.fullmatch(data) and len(data) <= MAX_BYTES else None


def parse_undo(data: object) -> tuple[int, ...] | None:
    if not isinstance(data, str):
        return None
    match = _UNDO.fullmatch(data)
    return tuple(int(x) for x in match.group(1).split(",")) if match else None


def parse_token(data: object) -> tuple[str, str] | None:
    """('rc', 'rs' or 'rx', token) for a confirm, confirm-as-suggested or cancel button; None for anything else."""
    if not isinstance(data, str):
        return None
    match = _TOKEN.fullmatch(data)
    return (match.group(1), match.group(2)) if match else None


def parse_unit_choice(data: object) -> tuple[str, int | None] | None:
    """(token, suggestion number or None for "create as written") from an /invite question's button."""
    match = _UNIT_CHOICE.fullmatch(data) if isinstance(data, str) else None
    if match is None:
        return None
    return match.group(1), None if match.group(2) == "n" else int(match.group(2))


def render_report_outcome(outcome: object) -> Reply:
    """The HTML text, plus undo or confirm/cancel buttons where the outcome offers them."""
    text = render_report_html(outcome)
    rows: tuple[tuple[Button, ...], ...] = ()
    if isinstance(outcome, ReportReceipt) and outcome.items and not outcome.duplicate:
        data = undo_data(outcome.report_ids)
        if data:
            rows = ((Button(text="撤销", data=data),),)
    elif isinstance(outcome, PendingConfirmation) and outcome.suggests:
        rows = ((Button(text=_suggested_label(outcome), data=SUGGESTED_PREFIX + outcome.token),),
                (Button(text="按原值保存", data=CONFIRM_PREFIX + outcome.token),
                 Button(text="取消", data=CANCEL_PREFIX + outcome.token)))
    elif isinstance(outcome, PendingConfirmation):
        rows = ((Button(text="确认保存", data=CONFIRM_PREFIX + outcome.token),
                 Button(text="取消", data=CANCEL_PREFIX + outcome.token)),)
    elif isinstance(outcome, InviteQuestion):
        rows = tuple((Button(text=f"用“{name}”", data=f"{UNIT_PREFIX}{outcome.token}:{i}"),)
                     for i, name in enumerate(outcome.suggestions))
        rows += ((Button(text=f"新建“{outcome.written}”", data=f"{UNIT_PREFIX}{outcome.token}:n"),
                  Button(text="取消", data=CANCEL_PREFIX + outcome.token)),)
    elif isinstance(outcome, UndoReceipt):
        rows = ()
    return Reply(text=text, keyboard=rows)


def _suggested_label(outcome: PendingConfirmation) -> str:
    """"按 66% 保存" for one suggestion, "按建议值保存" for several."""
    suggested = [item for item in outcome.items if item.suggestion is not None]
    if len(suggested) > 1:
        return "按建议值保存"
    item = suggested[0]
    return f"按 {amount(item.suggestion, item.unit, item.percent).replace(' ', '')} 保存"
