"""The benchmark harness on a tiny generated database: rounds alternate, the table shows min and median, every
floor writes every row, and each benchmark's own path (reports, /weekly, export child, the bot in a subprocess)
runs end to end. Nothing here asserts a speed: speed targets live in bench/ and `make bench`."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench.__main__ import _table
from bench.bot_process import quiet_schedule
from bench.common import BenchResult, alternate, compared, label
from bench.deployment import ZONE
from bench.floors import FLOORS, have_xlsxwriter
from bench.generate import generate
from bot.telegram.jobs import GRACE
from reporting.weeks import last_remind_slot, last_weekly_slot

pytestmark = pytest.mark.service

ROOT = Path(__file__).resolve().parents[1]
REPORTS = 1200


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "tiny.db"
    generate(path, REPORTS, now=dt.datetime(2026, 11, 24, 12, tzinfo=ZONE))
    return path


def copy(source: Path, target: Path) -> Path:
    with closing(sqlite3.connect(source)) as conn, closing(sqlite3.connect(target)) as out:
        conn.backup(out)
    return target


def count(path: Path, sql: str) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.mark.pure
def test_rounds_alternate_who_goes_first_and_the_table_shows_min_and_median() -> None:
    calls: list[str] = []
    def measured(name: str, value: float) -> Callable[[], float]:
        def run() -> float:
            calls.append(name)
            return value
        return run

    ours, peer = alternate(3, measured("a", 1.0), measured("b", 2.0))
    assert calls == ["a", "b", "b", "a", "a", "b"] and ours == [1.0] * 3 and peer == [2.0] * 3
    result = compared("x", [3.0, 1.0, 2.0], [4.0, 8.0], "ms", "≤ 5 ms", lambda value, ratio: value <= 5)
    assert (result.value, result.low, result.peer, result.peer_low, result.ratio, result.ok) == (2.0, 1.0, 6.0, 4.0,
                                                                                                  2.0 / 6.0, True)
    table = _table([result, BenchResult("y", 5.0, "s", "report only", True)])
    assert "| 2 ms (min 1) " in table and "| 6 ms (min 4) " in table and "| 5 s " in table
    assert [label(n) for n in (10_000, 100_000, 1_000_000, 1500)] == ["10k", "100k", "1M", "1500"]


@pytest.mark.pure
@pytest.mark.parametrize("day", [dt.date(2026, 11, 24), dt.date(2026, 3, 1), dt.date(2026, 3, 3), dt.date(2026, 1, 31)])
def test_the_benchmark_bot_has_nothing_to_catch_up(day: dt.date) -> None:
    now = dt.datetime.combine(day, dt.time(8, 30), ZoneInfo("Asia/Shanghai"))
    schedule = quiet_schedule(now)
    weekday = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN").index(schedule["BOT_WEEKLY_AT"].split()[0])
    assert now - last_weekly_slot(now, weekday, dt.time(9)) > GRACE
    assert now - last_remind_slot(now, int(schedule["BOT_REMIND_DAY"]), dt.time(9)) > GRACE


def test_every_floor_writes_every_report_row(tiny: Path, tmp_path: Path) -> None:
    for writer in FLOORS:
        if writer == "xlsxwriter" and not have_xlsxwriter():
            continue
        out = tmp_path / f"{writer}.out"
        assert FLOORS[writer](tiny, out) == REPORTS
        assert zipfile.is_zipfile(out)  # an xlsx is a zip too
    with zipfile.ZipFile(tmp_path / "csv.out") as archive:
        assert archive.read("上报明细.csv").decode("utf-8-sig").count("\r\n") == REPORTS + 1


@pytest.mark.process
def test_the_export_child_reports_time_memory_and_size(tiny: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench.export_child", "ours-csv", str(copy(tiny, tmp_path / "c.db")),
                           str(tmp_path / "out.zip")], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["seconds"] > 0 and result["before_mb"] > 0 and result["peak_mb"] >= 0 and result["bytes"] > 1000


def test_the_reports_benchmark_stores_every_figure_and_its_floor_too(tiny: Path, tmp_path: Path) -> None:
    from bench.bench_reports import _floor, _ours, plan_reports

    for runner, name in ((_ours, "ours"), (_floor, "floor")):
        db = copy(tiny, tmp_path / f"{name}.db")
        plan = plan_reports(db, 5, 40)
        assert asyncio.run(runner(db, plan)) > 0
        assert count(db, "SELECT COUNT(*) FROM reports") == REPORTS + 40
        assert count(db, "SELECT COUNT(*) FROM reports WHERE replaces_id IS NOT NULL AND id > 1200") == 0


def test_the_weekly_benchmark_runs_through_the_service(tiny: Path, tmp_path: Path) -> None:
    from bench.bench_summary import _session, floor_ms

    db = copy(tiny, tmp_path / "weekly.db")
    measured = asyncio.run(_session(db, cycles=2))
    assert [len(measured[k]) for k in ("cold", "after", "same", "chart")] == [1, 2, 2, 2]
    assert count(db, "SELECT COUNT(*) FROM reports") == REPORTS + 2
    assert floor_ms(db) > 0


@pytest.mark.process
def test_the_bot_benchmark_session_end_to_end(tiny: Path, tmp_path: Path) -> None:
    from bench.bench_bot import session

    db = copy(tiny, tmp_path / "bot.db")
    figures = asyncio.run(session(db, tmp_path, window=0.3))
    assert set(figures) >= {"first", "start_worst", "rss", "weekly_first", "weekly_chart", "idle_worst", "export",
                            "export_peak", "export_worst"}
    assert figures["rss"] > 20 and figures["weekly_chart"] >= figures["weekly_first"] > 0 and figures["export"] > 0
