"""Generated databases shared by the benchmarks of one run: each size is written once, into a folder removed at exit."""

from __future__ import annotations

import atexit
import functools
import shutil
import sqlite3
import tempfile
from pathlib import Path

from bench.generate import Generated, generate

ADMIN = 1  # the generator's admin: BOT_ADMINS of every bot the benchmarks start
_made: dict[int, tuple[Path, Generated]] = {}


@functools.cache
def folder() -> Path:
    """A scratch folder for this run (datasets, copies, exports), removed when the process exits."""
    made = Path(tempfile.mkdtemp(prefix="bench-"))
    atexit.register(shutil.rmtree, made, True)
    return made


def dataset(reports: int) -> Path:
    """The database with `reports` generated reports (history up to last month, by the real clock)."""
    if reports not in _made:
        path = folder() / f"reports-{reports}.db"
        _made[reports] = (path, generate(path, reports, admin=ADMIN))
    return _made[reports][0]


def generated(reports: int) -> Generated:
    dataset(reports)
    return _made[reports][1]


def copy_of(reports: int, name: str) -> Path:
    """A private copy for a benchmark that writes (SQLite's backup API: consistent, WAL folded in)."""
    target = folder() / f"{name}-{reports}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    source = sqlite3.connect(dataset(reports))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target
