"""A console killed with SIGKILL right after acknowledging a figure still has it when restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

MAIN = Path(__file__).resolve().parents[1] / "main.py"
READ_TIMEOUT = 30


async def _console(tmp_path: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["BOT_CONSOLE_DB"] = str(tmp_path / "console.db")  # the console keeps to its own sandbox database
    return await asyncio.create_subprocess_exec(
        sys.executable, str(MAIN), "console", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def _read_until(process: asyncio.subprocess.Process, marker: str) -> list[str]:
    lines: list[str] = []
    assert process.stdout is not None
    while True:
        raw = await asyncio.wait_for(process.stdout.readline(), READ_TIMEOUT)
        if not raw:
            raise AssertionError(f"console ended before {marker!r}: {lines}")
        lines.append(raw.decode())
        if marker in lines[-1]:
            return lines


async def test_an_acknowledged_report_survives_sigkill(tmp_path: Path) -> None:
    first = await _console(tmp_path)
    assert first.stdin is not None
    first.stdin.write("济南工匠 12 2026年10月\n".encode())
    await first.stdin.drain()
    acknowledged = await _read_until(first, "已保存")
    assert "新增济南工匠" in acknowledged[-1]
    first.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(first.wait(), READ_TIMEOUT) == -signal.SIGKILL

    second = await _console(tmp_path)
    out, _ = await asyncio.wait_for(second.communicate("/progress 济南工匠\n".encode()), READ_TIMEOUT)
    assert second.returncode == 0
    assert "全市累计：42 人" in out.decode()
