"""Run every bench/bench_*.py module and print one table of targets, values and peer ratios."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from bench.common import BenchResult


def _modules(only: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    return [n for n in names if not only or any(o in n for o in only)]


def _table(results: list[BenchResult]) -> str:
    rows = [("benchmark", "value", "target", "peer", "ratio", "ok")]
    for r in results:
        rows.append(
            (
                r.name,
                f"{r.value:.3g} {r.unit}",
                r.target,
                "" if r.peer is None else f"{r.peer:.3g} {r.unit}",
                "" if r.ratio is None else f"{r.ratio:.2f}×",
                "yes" if r.ok else "NO",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks")
    parser.add_argument("only", nargs="*", help="substrings of benchmark module names")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    results: list[BenchResult] = []
    for name in _modules(args.only):
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} …", file=sys.stderr, flush=True)
        results.extend(module.run(quick=args.quick))
    print(_table(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
