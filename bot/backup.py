"""`main.py backup PATH`: a consistent copy of the live database while the bot keeps running."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from bot.settings import Settings
from storage.preflight import create_private


async def run_backup(settings: Settings, target: str) -> int:
    """SQLite's online backup API: pages are copied under a read lock, so WAL writers never see a torn file."""
    import aiosqlite

    source, destination = Path(settings.db), Path(target)
    if not source.exists():
        print(f"找不到数据库文件 {source}（可用 BOT_DB 指定）。例如：BOT_DB=data/bot.db python main.py backup backup.db", file=sys.stderr)
        return 1
    if destination.resolve() == source.resolve():
        print("备份文件不能与数据库文件相同。例如：python main.py backup backups/bot-2026-11-24.db", file=sys.stderr)
        return 1
    try:
        create_private(destination)  # a backup holds every figure and liaison: 0600 like the database
    except OSError as error:
        print(f"无法创建备份文件 {destination}：{error.strerror or error}", file=sys.stderr)
        return 1
    try:
        async with aiosqlite.connect(source) as live, aiosqlite.connect(destination) as copy:
            await live.backup(copy)
            rows = await copy.execute_fetchall("PRAGMA integrity_check")
    except sqlite3.Error as error:
        print(f"备份失败：{error}", file=sys.stderr)
        return 1
    if rows[0][0] != "ok":
        print(f"备份文件校验失败：{rows[0][0]}", file=sys.stderr)
        return 1
    print(f"已备份到 {destination}（{destination.stat().st_size} 字节，完整性校验通过）")
    return 0
