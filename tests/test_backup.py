"""`main.py backup` copies a live WAL database consistently and refuses nonsense targets."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BOT_DB": str(tmp_path / "bot.db"), "BOT_TOKEN": ""}
    return subprocess.run([sys.executable, "main.py", "backup", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_backup_copies_a_live_wal_database(tmp_path):
    live = sqlite3.connect(tmp_path / "bot.db")
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("CREATE TABLE t (v INTEGER)")
    live.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
    live.commit()  # still open: the rows may live only in the WAL file
    result = _run(tmp_path, str(tmp_path / "copies" / "b.db"))
    assert result.returncode == 0, result.stderr
    assert "完整性校验通过" in result.stdout
    copy = sqlite3.connect(tmp_path / "copies" / "b.db")
    assert copy.execute("SELECT count(*), sum(v) FROM t").fetchone() == (1000, sum(range(1000)))
    live.close()


def test_backup_without_a_database_says_how(tmp_path):
    result = _run(tmp_path, str(tmp_path / "b.db"))
    assert result.returncode == 1 and "BOT_DB" in result.stderr
    assert not (tmp_path / "b.db").exists()
