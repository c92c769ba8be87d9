"""What every benchmark returns, so `make bench` can print one table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchResult:
    """One measured target; `peer` and `ratio` are set where a peer was measured in the same run."""

    name: str
    value: float
    unit: str
    target: str
    ok: bool
    peer: float | None = None
    ratio: float | None = None
    detail: str = ""
