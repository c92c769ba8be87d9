"""What every benchmark returns, how rounds alternate with their peer, and the sizes a run covers."""

from __future__ import annotations

import os
import resource
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

DEFAULT_SIZES = (10_000, 100_000)
BIG_SIZE = 1_000_000
T = TypeVar("T")


@dataclass(frozen=True)
class BenchResult:
    """One measured target; `peer` and `ratio` are set where a peer was measured in the same run.

    `low` and `peer_low` are the minimum over the rounds when `value` and `peer` are medians.
    """

    name: str
    value: float
    unit: str
    target: str
    ok: bool
    peer: float | None = None
    ratio: float | None = None
    detail: str = ""
    low: float | None = None
    peer_low: float | None = None


def compared(name: str, ours: Sequence[float], peer: Sequence[float] | None, unit: str, target: str,
             ok: Callable[[float, float | None], bool] = lambda value, ratio: True, detail: str = "",
             scale: float = 1.0) -> BenchResult:
    """Median (and min) of our rounds against the peer's, ratio of the medians; `scale` converts units."""
    value = statistics.median(ours) * scale
    peer_value = statistics.median(peer) * scale if peer else None
    ratio = value / peer_value if peer_value else None
    rounds = f"median of {len(ours)}, alternated with the peer" if peer else f"median of {len(ours)}"
    return BenchResult(name, value, unit, target, ok(value, ratio), peer_value, ratio,
                       "; ".join(filter(None, (rounds, detail))), low=min(ours) * scale,
                       peer_low=min(peer) * scale if peer else None)


def at_most(limit: float) -> Callable[[float, float | None], bool]:
    """A result's ok rule: its value is at most `limit` (bound when the rule is made)."""
    return lambda value, ratio: value <= limit


def alternate(rounds: int, *runs: Callable[[], T]) -> list[list[T]]:
    """Run each measurement once per round, rotating who goes first, so drift and warm caches hit all alike."""
    out: list[list[T]] = [[] for _ in runs]
    for round_index in range(rounds):
        for offset in range(len(runs)):
            index = (round_index + offset) % len(runs)
            out[index].append(runs[index]())
    return out


def sizes(quick: bool = False) -> list[int]:
    """Report counts of the generated databases: BENCH_SIZES=10000,… overrides; BENCH_BIG=1 adds a million."""
    given = os.environ.get("BENCH_SIZES", "").strip()
    if given:
        return [int(part) for part in given.split(",") if part.strip()]
    chosen = list(DEFAULT_SIZES[:1] if quick else DEFAULT_SIZES)
    if os.environ.get("BENCH_BIG", "").strip() not in ("", "0"):
        chosen.append(BIG_SIZE)
    return chosen


def label(reports: int) -> str:
    """10k, 100k, 1M."""
    return f"{reports // 1_000_000}M" if reports % 1_000_000 == 0 else f"{reports // 1000}k" if reports % 1000 == 0 \
        else str(reports)


def peak_rss_mb() -> float:
    """ru_maxrss of this process: KiB on Linux, bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def proc_status_mb(pid: int | str, field: str) -> float | None:
    """VmRSS (now) or VmHWM (peak since start or the last reset) of a Linux process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def reset_peak(pid: int | str) -> bool:
    """Start VmHWM again from the current RSS (Linux ≥ 4.0), so a peak belongs to what runs next."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False
