"""Which report counts: for each unit × indicator × month, the newest report that is neither undone nor held back.

This is the one rule every view follows, written here in words and in storage.reports as SQL, its only form:
IS_CURRENT for the state now (receipts, /progress, /mine, /weekly, the exports, the dashboard) and IS_CURRENT_AT
for the state just before a past instant (a past week: rows counting from before it and not undone by then). A
correction is simply a newer report, so undoing it brings the one before back.

Held back: with BOT_APPROVAL=on a liaison's report awaits an admin (待审核) and counts only from the instant it is
approved; a returned one (已退回) never counts. Until a correction is approved, the figure approved before it goes
on counting. Two companions of the rule, also in storage.reports: the sender's latest word on a key (IS_LATEST:
the newest report not undone, whatever its review; what a correction replaces and /undo takes back) and whether a
month is reported (REPORTED: a report neither undone nor returned; reminders and late units). With approval off
nothing is held back, so the latest word is the report that counts.
"""

from __future__ import annotations

from storage.reports import HELD_PENDING, HELD_RETURNED

EFFECTIVE = "有效"
CORRECTED = "已更正"
UNDONE = "已撤销"
PENDING = "待审核"
RETURNED = "已退回"


def status(undone: bool, effective: bool, held: str | None = None, latest: bool = False) -> str:
    """已撤销 when undone, 有效 when it counts, 已退回 when returned, 待审核 while it is the latest word awaiting
    review, else 已更正 (a later report replaced it)."""
    if undone:
        return UNDONE
    if effective:
        return EFFECTIVE
    if held == HELD_RETURNED:
        return RETURNED
    return PENDING if held == HELD_PENDING and latest else CORRECTED
