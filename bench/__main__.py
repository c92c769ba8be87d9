"""Run every bench/bench_*.py module and print one table of targets, values and peer ratios; or `generate` data."""

from __future__ import annotations

import argparse
import importlib
import math
import pkgutil
import sys
import traceback
from pathlib import Path

from bench.common import BenchResult

ORDER = ("bench_dataset", "bench_questions", "bench_roundtrips", "bench_load", "bench_reports", "bench_summary",
         "bench_export", "bench_bot")  # cheap and self-contained first; the rest in the order of the README's table


def _modules(only: list[str]) -> list[str]:
    names = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_")]
    names.sort(key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    return [n for n in names if not only or any(o in n for o in only)]


def _cell(value: float | None, low: float | None, unit: str) -> str:
    """'31.2 ms (min 29)': the median and, where rounds were repeated, the best of them."""
    if value is None or math.isnan(value):
        return ""
    return f"{value:.3g} {unit}" + ("" if low is None else f" (min {low:.3g})")


def _table(results: list[BenchResult]) -> str:
    rows = [("benchmark", "value", "target", "peer", "ratio", "ok")]
    for r in results:
        rows.append(
            (
                r.name,
                _cell(r.value, r.low, r.unit),
                r.target,
                _cell(r.peer, r.peer_low, r.unit),
                "" if r.ratio is None else f"{r.ratio:.2f}×",
                "yes" if r.ok else "NO",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:  # python -m bench generate --db PATH --reports N
        from bench.generate import main as generate

        return generate(argv[1:])
    parser = argparse.ArgumentParser(
        description="Run the benchmarks (sizes: BENCH_SIZES=10000,100000; BENCH_BIG=1 adds 1M)")
    parser.add_argument("only", nargs="*", help="substrings of benchmark module names")
    parser.add_argument("--quick", action="store_true", help="10k only and fewer rounds, for a smoke run")
    args = parser.parse_args(argv)
    results: list[BenchResult] = []
    for name in _modules(args.only):
        print(f"running {name} …", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            results.extend(module.run(quick=args.quick))
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            results.append(BenchResult(f"{name}: failed, {type(exc).__name__}: {exc}"[:100], math.nan, "", "runs",
                                       False))
    print(_table(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
