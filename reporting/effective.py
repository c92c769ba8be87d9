"""Which report counts: for each unit × indicator × month, the newest report that was not undone.

This is the one rule every view follows. The ledger (/weekly, the summary CLI) and the exports apply it here;
storage.reports.IS_CURRENT is the same rule written as SQL, for /progress, /mine and the checks that run inside
a write transaction. A correction is simply a newer report, so undoing it brings the one before back.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

EFFECTIVE = "有效"
CORRECTED = "已更正"
UNDONE = "已撤销"
STATUSES = (EFFECTIVE, CORRECTED, UNDONE)

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def effective_of(rows: Iterable[T], undone: Callable[[T], bool]) -> T | None:
    """The effective row among one key's rows given in id (arrival) order, or None when all were undone."""
    found = None
    for row in rows:
        if not undone(row):
            found = row
    return found


def effective_by_key(rows: Iterable[T], key: Callable[[T], K], undone: Callable[[T], bool]) -> dict[K, T]:
    """The effective row of every key, for rows in id order; keys whose rows were all undone are absent."""
    out: dict[K, T] = {}
    for row in rows:
        if not undone(row):
            out[key(row)] = row
    return out


def status(undone: bool, effective: bool) -> str:
    """已撤销 when undone, 有效 when it is the one that counts, else 已更正 (a later report replaced it)."""
    if undone:
        return UNDONE
    return EFFECTIVE if effective else CORRECTED
