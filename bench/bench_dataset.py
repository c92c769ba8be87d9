"""How long `python -m bench generate` takes for each size this run uses (issue 11: 1M reports in under 2 minutes)."""

from __future__ import annotations

from bench.common import BenchResult, label, sizes
from bench.datasets import generated

SECONDS_PER_MILLION = 120.0


def run(quick: bool = False) -> list[BenchResult]:
    out = []
    for reports in sizes(quick):
        done = generated(reports)  # made once per run and shared by the other benchmarks
        limit = SECONDS_PER_MILLION * max(reports, 100_000) / 1_000_000  # pro rata, start-up costs aside
        out.append(BenchResult(
            f"generate {label(reports)} reports (python -m bench generate)", done.seconds, "s",
            f"≤ {SECONDS_PER_MILLION:g} s per 1M",
            done.seconds <= limit, detail=f"once; {done.units} units, {done.corrections} corrections, "
                                          f"{done.undone} undone, months from {done.first_period}"))
    return out
