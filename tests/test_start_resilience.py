"""Passing trouble is waited out, visibly: a locked database in the console, an unreachable Bot API at start."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from telegram.error import InvalidToken, NetworkError

import main
import storage.db
from bot.telegram.api_wait import initialize_when_reachable
from bot.cli.console import CONSOLE_USER_ID, ConsoleSession
from bot.services.actors import Actor
from bot.services.facade import BotService
from bot.settings import Settings
from bot.services.storage_errors import STORAGE_DOWN

pytestmark = pytest.mark.service

MAIN = Path(__file__).resolve().parents[1] / "main.py"
REPORT = "济南工匠 12 2026年10月"


@pytest.fixture(autouse=True)
def short_lock_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 50)  # the console's wait for a lock, not the test's 5 s


def test_the_console_starts_and_answers_while_another_program_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    for name in [n for n in os.environ if n.startswith("BOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main.main(["console"]) == 0  # creates data/console.db
    holder = sqlite3.connect(tmp_path / "data" / "console.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO(f"谁负责产教融合?\n{REPORT}\n/progress 济南工匠\n"))
        assert main.main(["console"]) == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out = capsys.readouterr().out
    assert "市教育局" in out and STORAGE_DOWN in out and "全市累计：30 人" in out
    assert not (tmp_path / "data" / "bot.db").exists()


async def test_a_console_line_meeting_a_lock_is_answered_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = await BotService.open(Settings(_env_file=None, db=tmp_path / "console.db"))
    session = ConsoleSession(service, Actor(user_id=CONSOLE_USER_ID, chat_id=CONSOLE_USER_ID, name="本地管理员"))
    await session.ensure_local()
    holder = sqlite3.connect(tmp_path / "console.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    assert await session.line(REPORT) == STORAGE_DOWN
    holder.execute("ROLLBACK")
    holder.close()
    assert "已保存" in await session.line(REPORT)

    async def locked_read(*args: object) -> None:  # a read refused by a lock, as SQLite reports it
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorname = "SQLITE_BUSY"
        raise error

    monkeypatch.setattr(service, "handle_text", locked_read)
    assert await session.line("谁负责产教融合?") == STORAGE_DOWN
    await service.close()


class FlakyApp:
    """An Application whose getMe fails `failures` times, then succeeds."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    async def initialize(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error


@pytest.mark.pure
async def test_every_failed_attempt_to_reach_the_api_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    caplog.set_level("WARNING", logger="bot.telegram.api_wait")
    app: Any = FlakyApp(6, NetworkError("All connection attempts failed"))  # stands in for the Application
    assert await initialize_when_reachable(app, "http://10.0.0.1:8081/bot", sleep) == 7
    assert sleeps == [1, 2, 4, 8, 16, 30]
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.api_wait"]
    assert len(lines) == 7 and all("http://10.0.0.1:8081/bot" in line for line in lines)
    assert "第 6 次尝试失败，30 秒后重试" in lines[5] and "已连接（第 7 次尝试）" in lines[6]

    rejected: Any = FlakyApp(1, InvalidToken("Unauthorized"))
    with pytest.raises(InvalidToken):  # a rejected token is no network trouble: no waiting
        await initialize_when_reachable(rejected, None, sleep)
    assert len(sleeps) == 6


@pytest.mark.process
async def test_main_run_keeps_trying_an_unreachable_api_and_says_so(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BOT_")}, "BOT_TOKEN": "123456:TEST-token",
           "BOT_API_URL": f"http://127.0.0.1:{port}/bot", "BOT_DB": str(tmp_path / "bot.db"), "PYTHONUNBUFFERED": "1"}
    process = await asyncio.create_subprocess_exec(sys.executable, str(MAIN), "run", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    seen: list[str] = []
    assert process.stderr is not None
    try:
        while not any("无法连接 Bot API" in line for line in seen):
            raw = await asyncio.wait_for(process.stderr.readline(), 30)
            assert raw, seen
            seen.append(raw.decode())
    finally:
        process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stderr.read(), 30)
        code = await asyncio.wait_for(process.wait(), 30)
    assert f"http://127.0.0.1:{port}/bot" in seen[-1] and "第 1 次尝试失败" in seen[-1]
    assert code == 0 and "Traceback" not in "".join(seen) + rest.decode() and "TEST-token" not in "".join(seen)
