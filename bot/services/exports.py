"""Exports written off the event loop into a private temporary folder, handed over as a file on disk.

One export at a time per process, in its own thread with its own read-only connection: a million rows take a
minute of CPU but neither the bot's connection nor its loop, and memory stays flat. The caller sends or moves
the file and then discards it; a cancelled export stops at its next batch and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from knowledge.models import Indicator
from reporting.summary_models import WeeklySummary
from storage.export_queries import last_report_id, open_reader, report_batches, unit_names
from storage.models import Liaison
from storage.targets import DatabaseTarget

FOLDER_PREFIX = ".export-"
LEFTOVER_AGE_S = 24 * 3600  # a folder this old belongs to no running export: a killed process left it
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")  # one at a time: memory stays bounded


@dataclass(frozen=True)
class ExportFile:
    """A finished export on disk: send or move it, then discard it (`with file:` does that)."""

    name: str
    path: Path
    caption: str
    reports: int

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def save_as(self, target: Path) -> Path:
        """Move the file to `target` (a rename on the same disk, a copy elsewhere) and drop the folder."""
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(self.path, target)
        self.discard()
        return target

    def discard(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)

    def __enter__(self) -> ExportFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


@dataclass(frozen=True)
class ExportJob:
    """What the worker thread needs: small things only, the reports are read there."""

    kind: str  # xlsx or csv
    database: DatabaseTarget  # the SQLite file or the PostgreSQL URL the export reads one snapshot of
    summary: WeeklySummary
    liaisons: tuple[Liaison, ...]
    indicators: tuple[Indicator, ...]
    admins: tuple[int, ...]

    @property
    def name(self) -> str:
        stamp = f"{self.summary.as_of:%Y%m%d-%H%M}"
        return f"export-{stamp}-csv.zip" if self.kind == "csv" else f"export-{stamp}.xlsx"

    def caption(self, reports: int) -> str:
        what = "CSV 压缩包：指标进度" if self.kind == "csv" else "指标进度"
        return f"导出（{what}、上报明细 {reports} 条、联络员），截至 {self.summary.as_of:%Y-%m-%d %H:%M}"


def write_job(job: ExportJob, target: Path, stop: threading.Event | None = None) -> int:
    """Runs in the worker thread: one snapshot of the reports, streamed into `target`. Returns the reports."""
    from reporting.export import write_export_csv, write_export_xlsx  # xlsxwriter loads on first export

    conn = open_reader(job.database)
    try:
        rows = chain.from_iterable(report_batches(conn, stop))
        if job.kind == "csv":
            return write_export_csv(target, job.summary, rows, job.liaisons, job.indicators, job.admins)
        return write_export_xlsx(target, job.summary, rows, job.liaisons, job.indicators, job.admins,
                                 unit_names(conn), last_report_id(conn))
    finally:
        conn.close()


def sweep_leftovers(directory: Path, now: float | None = None) -> list[Path]:
    """Remove export folders a killed process left (older than a day); a running export's folder is newer."""
    now = time.time() if now is None else now
    removed = []
    for folder in directory.glob(f"{FOLDER_PREFIX}*"):
        try:
            old = now - folder.stat().st_mtime > LEFTOVER_AGE_S
        except OSError:
            continue
        if old and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


async def write_export(job: ExportJob, directory: Path) -> ExportFile:
    """Write the export in the worker thread into a new private folder in `directory`.

    Cancelled (the bot stops), the thread stops at its next batch and the folder is removed once it has."""
    directory.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(directory)
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=directory))  # 0700: exports hold people's data
    target = folder / job.name
    stop = threading.Event()
    future = _WORKER.submit(write_job, job, target, stop)
    try:
        count = await asyncio.wrap_future(future)
    except BaseException:
        stop.set()
        future.add_done_callback(lambda _: shutil.rmtree(folder, ignore_errors=True))
        raise
    os.chmod(target, 0o600)  # it keeps this mode when the console or the CLI moves it out of the folder
    return ExportFile(name=job.name, path=target, caption=job.caption(count), reports=count)
