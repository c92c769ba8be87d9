"""/export on generated databases, in process, against floors writing the same report rows in a tiny script.

Each export runs in a fresh process (bench/export_child.py), so its peak memory is its own; the peak is counted
above the process's RSS just before the export (for ours: after the summary the bot builds at start). Floors:
openpyxl write_only, xlsxwriter constant_memory (when installed) and csv into a zip, all streamed from a cursor.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial
from pathlib import Path

from bench.common import BenchResult, alternate, compared, label, sizes
from bench.datasets import dataset, folder
from bench.floors import have_xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
RSS_TARGET_MB = 150.0  # issue 11: peak ≤ start RSS + 150 MB


def export_once(writer: str, db: Path) -> dict:
    """One export in a child process: seconds, before_mb, peak_mb (above before), bytes."""
    out = folder() / f"export-{writer}{'.zip' if writer.endswith('csv') else '.xlsx'}"
    done = subprocess.run([sys.executable, "-m", "bench.export_child", writer, str(db), str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"export {writer} failed: {done.stderr[-2000:]}")
    out.unlink(missing_ok=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[BenchResult]:
    rounds = 2
    writers = ["ours-xlsx", "openpyxl", "ours-csv", "csv"] + (["xlsxwriter"] if have_xlsxwriter() else [])
    out: list[BenchResult] = []
    for reports in sizes(quick):
        db = dataset(reports)
        runs = alternate(rounds, *[partial(export_once, w, db) for w in writers])
        got = dict(zip(writers, runs, strict=True))

        def field(writer: str, key: str, got: dict[str, list[dict]] = got) -> list[float]:
            return [r[key] for r in got[writer]]

        size = label(reports)
        floors = [w for w in ("xlsxwriter", "openpyxl") if w in got]
        best = min(floors, key=lambda w: sorted(field(w, "seconds"))[len(got[w]) // 2])
        names = {"openpyxl": "openpyxl write_only", "xlsxwriter": "xlsxwriter constant_memory"}
        mb = f"{got['ours-xlsx'][0]['bytes'] / 2**20:.1f} MB xlsx, {got['ours-csv'][0]['bytes'] / 2**20:.1f} MB zip"
        out += [
            compared(f"/export xlsx, {size} reports (in process)", field("ours-xlsx", "seconds"),
                     field(best, "seconds"), "s", "report only", detail=f"floor: {names[best]} (the faster); {mb}"),
            compared(f"/export xlsx, {size}: peak RSS above start", field("ours-xlsx", "peak_mb"),
                     field(best, "peak_mb"), "MB", f"≤ {RSS_TARGET_MB:g} MB",
                     lambda value, ratio: value <= RSS_TARGET_MB,
                     detail=f"ours started at {got['ours-xlsx'][0]['before_mb']:.0f} MB; floor: {names[best]}"),
            compared(f"/export csv, {size} reports (in process)", field("ours-csv", "seconds"), field("csv", "seconds"),
                     "s", "report only", detail="floor: csv.writer into a deflated zip member"),
            compared(f"/export csv, {size}: peak RSS above start", field("ours-csv", "peak_mb"),
                     field("csv", "peak_mb"), "MB", f"≤ {RSS_TARGET_MB:g} MB",
                     lambda value, ratio: value <= RSS_TARGET_MB),
        ]
        if len(floors) == 2:
            out.append(compared(f"floor: openpyxl write_only, {size} (peer: xlsxwriter constant_memory)",
                                field("openpyxl", "seconds"), field("xlsxwriter", "seconds"), "s", "report only",
                                detail=f"peaks {max(field('openpyxl', 'peak_mb')):.0f} / "
                                       f"{max(field('xlsxwriter', 'peak_mb')):.0f} MB above start"))
    return out
