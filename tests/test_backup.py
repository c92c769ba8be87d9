"""`main.py backup` copies a live WAL database consistently and refuses nonsense targets."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from reporting.outcomes import InviteCreated
from tests.report_support import expect

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parent.parent


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BOT_DB": str(tmp_path / "bot.db"), "BOT_TOKEN": ""}
    return subprocess.run([sys.executable, "main.py", "backup", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


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


def _main(tmp_path: Path, command: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BOT_DB": str(tmp_path / "bot.db"), "BOT_TOKEN": ""}
    return subprocess.run([sys.executable, "main.py", command, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


async def _bot_database_with_reports(tmp_path: Path, *texts: str) -> None:
    from tests.report_support import ADMIN, LIAISON, Clock, Messages, at, open_service

    service = await open_service(tmp_path, Clock(at(2026, 11, 24)))
    if not await service.reports.units.names():
        invite = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 15"), InviteCreated)
        await service.reports.liaisons.join(LIAISON, invite.code)
    messages = Messages()
    messages.next_id = 100 + 10 * len(list(tmp_path.glob("*.db*")))
    for text in texts:
        await service.handle_text(LIAISON, text, None, messages(LIAISON))
    await service.close()


def _reports(path: Path) -> int:
    conn = sqlite3.connect(path)  # closed at once: an open connection is exactly what restore refuses
    try:
        return conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        conn.close()


async def test_restore_refuses_while_the_database_is_open_and_keeps_what_it_replaces(tmp_path):
    await _bot_database_with_reports(tmp_path, "济南工匠 1 2026年9月")
    assert _main(tmp_path, "backup", str(tmp_path / "b.db")).returncode == 0
    await _bot_database_with_reports(tmp_path, "济南工匠 2 2026年10月")
    assert _reports(tmp_path / "bot.db") == 2

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT 1 FROM reports').fetchall();"
        " print('open', flush=True); sys.stdin.read()"), str(tmp_path / "bot.db")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "open"
        refused = _main(tmp_path, "restore", str(tmp_path / "b.db"))
        assert refused.returncode == 2 and "正在被机器人" in refused.stderr and "Traceback" not in refused.stderr
        assert _reports(tmp_path / "bot.db") == 2
    finally:
        holder.communicate("", timeout=30)

    restored = _main(tmp_path, "restore", str(tmp_path / "b.db"))
    assert restored.returncode == 0, restored.stderr
    assert _reports(tmp_path / "bot.db") == 1
    [kept] = tmp_path.glob("bot.db.before-restore-*")
    assert _reports(kept) == 2 and oct(kept.stat().st_mode & 0o777) == "0o600"


async def test_restore_refuses_a_bad_backup_and_replaces_a_corrupt_database(tmp_path):
    await _bot_database_with_reports(tmp_path, "济南工匠 1 2026年9月")
    assert _main(tmp_path, "backup", str(tmp_path / "b.db")).returncode == 0
    (tmp_path / "junk.db").write_bytes(os.urandom(8192))
    bad = _main(tmp_path, "restore", str(tmp_path / "junk.db"))
    assert bad.returncode == 2 and "没有恢复" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "bot.db").write_bytes(os.urandom(8192))
    for leftover in ("bot.db-wal", "bot.db-shm"):
        (tmp_path / leftover).unlink(missing_ok=True)
    fixed = _main(tmp_path, "restore", str(tmp_path / "b.db"))
    assert fixed.returncode == 0, fixed.stderr
    assert _reports(tmp_path / "bot.db") == 1 and list(tmp_path.glob("bot.db.broken-*"))
