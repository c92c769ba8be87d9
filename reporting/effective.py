"""Which report counts: for each unit × indicator × month, the newest report that was not undone.

This is the one rule every view follows, written here in words and in storage.reports as SQL, its only form:
IS_CURRENT for the state now (receipts, /progress, /mine, /weekly, the exports, the checks inside a write
transaction) and IS_CURRENT_AT for the state just before a past instant (a past week: rows created before it and
not undone by then). A correction is simply a newer report, so undoing it brings the one before back.
"""

from __future__ import annotations

EFFECTIVE = "有效"
CORRECTED = "已更正"
UNDONE = "已撤销"


def status(undone: bool, effective: bool) -> str:
    """已撤销 when undone, 有效 when it is the one that counts, else 已更正 (a later report replaced it)."""
    if undone:
        return UNDONE
    return EFFECTIVE if effective else CORRECTED
