"""One export in a fresh process, so its peak memory is its own: `python -m bench.export_child WRITER DB OUT`.

WRITER: ours-xlsx / ours-csv (SummaryService.build_export, after the summary the bot builds at start) or a floor
of bench/floors.py. Prints one JSON line: seconds, RSS before the export and the peak above it (MB), file size.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

from bench.common import peak_rss_mb, proc_status_mb, reset_peak


def _before() -> tuple[float, bool]:
    """RSS now, and whether the peak could be reset to it (else the peak is the process's whole life)."""
    return proc_status_mb(os.getpid(), "VmRSS") or 0.0, reset_peak(os.getpid())


def _peak(before: float, was_reset: bool) -> float:
    peak = proc_status_mb(os.getpid(), "VmHWM") if was_reset else None
    return (peak if peak is not None else peak_rss_mb()) - before


async def _ours(kind: str, db: Path, out: Path) -> dict:
    from bench.datasets import ADMIN
    from bot.services.facade import BotService
    from bot.settings import Settings

    service = await BotService.open(Settings(_env_file=None, db=db, admins=(ADMIN,)))
    try:
        await service.summaries.build_weekly()  # the running bot did this at start (catch-up) or on /weekly
        before, was_reset = _before()
        start = time.perf_counter()
        exported = await service.summaries.build_export(kind)
        seconds = time.perf_counter() - start
        peak = _peak(before, was_reset)
    finally:
        await service.close()
    data = getattr(exported, "data", None)  # in memory (older code) or a file on disk to discard
    size = len(data) if data is not None else exported.path.stat().st_size
    if hasattr(exported, "discard"):
        exported.discard()
    return {"seconds": seconds, "before_mb": before, "peak_mb": peak, "bytes": size}


def _floor(writer: str, db: Path, out: Path) -> dict:
    from bench.floors import FLOORS

    before, was_reset = _before()
    start = time.perf_counter()
    rows = FLOORS[writer](db, out)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "before_mb": before, "peak_mb": _peak(before, was_reset), "bytes": out.stat().st_size,
            "rows": rows}


def main(argv: list[str]) -> int:
    writer, db, out = argv[0], Path(argv[1]), Path(argv[2])
    if writer.startswith("ours-"):
        result = asyncio.run(_ours(writer.removeprefix("ours-"), db, out))
    else:
        import knowledge.parser  # noqa: F401 - imported before the baseline, as the bot has it loaded

        result = _floor(writer, db, out)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
