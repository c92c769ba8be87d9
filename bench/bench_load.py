"""Mixed load through the real Application: workers asking and liaisons reporting at once, against the fake Bot API.

The scenario is tests/load_scenario.py (every reply checked against the engine, the city figure against every
acknowledged report) at a larger size. Send caps and the per-user flood limit are lifted, as in
bench_roundtrips: the number is what the bot itself sustains. Peak RSS is this process's (bot, fake server and
driver share it), so it is an upper bound for the bot alone.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bench.common import BenchResult, peak_rss_mb
from tests.bot_driver import settings_for
from tests.fake_bot_api import FakeBotApi
from tests.load_scenario import LoadResult, city_figure, run_load

TRIPS_TARGET = 100.0
RSS_TARGET_MB = 400.0


async def _load(workers: int, liaisons: int, questions: int, reports: int) -> tuple[LoadResult, float | None]:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeBotApi() as api:
            settings = settings_for(api, Path(tmp))
            result = await run_load(api, settings, workers=workers, liaisons=liaisons, questions_each=questions,
                                    reports_each=reports, flood_limits=False, timeout=120)
            return result, await city_figure(settings)


def run(quick: bool = False) -> list[BenchResult]:
    workers, liaisons, questions, reports = (40, 10, 3, 3) if quick else (40, 10, 25, 25)
    result, figure = asyncio.run(_load(workers, liaisons, questions, reports))
    correct = (not result.wrong and len(result.acknowledged) == liaisons * reports
               and figure is not None and abs(figure - result.expected_figure) < 1e-6)
    detail = (f"{workers} workers × {questions} questions + {liaisons} liaisons × {reports} reports at once; "
              f"{len(result.wrong)} wrong replies; city figure {figure} (expected {result.expected_figure:g})")
    rss = peak_rss_mb()
    return [
        BenchResult("mixed load round trips, asking + reporting (no send limits)", result.per_second, "trips/s",
                    f">= {TRIPS_TARGET:g}, all correct", correct and result.per_second >= TRIPS_TARGET, detail=detail),
        BenchResult("mixed load peak RSS (bot + fake API + driver)", rss, "MB", f"<= {RSS_TARGET_MB:g}",
                    rss <= RSS_TARGET_MB, detail="resource.getrusage ru_maxrss of the bench process"),
    ]


if __name__ == "__main__":
    for line in run(quick="--quick" in sys.argv):
        print(line)
