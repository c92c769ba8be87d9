"""Liaisons of a generated database and figures they would plausibly send next: their latest ones."""

from __future__ import annotations

import functools
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.values import Model

LIAISONS = (
    "SELECT l.user_id, l.unit_id, group_concat(li.indicator) FROM liaisons l"
    " JOIN liaison_indicators li ON li.liaison_id = l.id WHERE l.revoked_at IS NULL GROUP BY l.id"
    " ORDER BY COUNT(*) DESC, l.id"
)
LATEST = "SELECT indicator, value, cumulative FROM reports WHERE unit_id = ? AND undone_at IS NULL ORDER BY id DESC"


@dataclass(frozen=True)
class Sender:
    """An active liaison with the unit's newest figure (value, running total?) per assigned indicator."""

    user_id: int
    unit_id: int
    latest: dict[int, tuple[float, bool]]

    @property
    def indicators(self) -> list[int]:
        return sorted(self.latest)


def senders(db: Path, count: int | None = None) -> list[Sender]:
    """Active liaisons, those with the most indicators first."""
    with closing(sqlite3.connect(db)) as conn:
        people = conn.execute(LIAISONS).fetchall()[:count]
        out = []
        for user_id, unit_id, numbers in people:
            newest: dict[int, tuple[float, bool]] = {}
            for indicator, value, cumulative in conn.execute(LATEST, (unit_id,)):
                newest.setdefault(indicator, (value, bool(cumulative)))
            out.append(Sender(user_id, unit_id, {int(n): newest.get(int(n), (1.0, False)) for n in numbers.split(",")}))
    return out


def item(number: int, value: float, cumulative: bool) -> str:
    """'济南工匠 3' as a liaison types it (bench.values.item_text with the indicator's model)."""
    from bench.values import item_text

    return item_text(_models()[number], value, cumulative)


@functools.cache
def _models() -> dict[int, Model]:
    from bench.values import models
    from knowledge.parser import load_policy

    return models(load_policy(), {})
