"""`main.py backup PATH` while the bot runs; `main.py restore PATH` only once it has stopped."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from bot.settings import Settings
from bot.services.storage_errors import unusable_reason
from errors import DatabaseUnusable
from storage.preflight import check_database, create_private

PG_BACKUP = ("BOT_DB 是 PostgreSQL 数据库：请用 PostgreSQL 自带的工具备份和恢复（见 README“PostgreSQL 备份”），"
             "例如：pg_dump -Fc -d 'postgresql://bot@db.example.com/bot' -f bot.dump")
HELD = 0.5  # seconds to wait for the live database before deciding a bot holds it


async def run_backup(settings: Settings, target: str) -> int:
    """SQLite's online backup API: pages are copied under a read lock, so WAL writers never see a torn file."""
    import aiosqlite

    if not isinstance(settings.db, Path):
        print(PG_BACKUP, file=sys.stderr)
        return 1
    source, destination = settings.db, Path(target)
    if not source.exists():
        print(f"找不到数据库文件 {source}（可用 BOT_DB 指定）。"
              "例如：BOT_DB=data/bot.db python main.py backup backup.db", file=sys.stderr)
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
            rows = list(await copy.execute_fetchall("PRAGMA integrity_check"))
    except sqlite3.Error as error:
        print(f"备份失败：{error}", file=sys.stderr)
        return 1
    if rows[0][0] != "ok":
        print(f"备份文件校验失败：{rows[0][0]}", file=sys.stderr)
        return 1
    print(f"已备份到 {destination}（{destination.stat().st_size} 字节，完整性校验通过）")
    return 0


def run_restore(settings: Settings, source: str) -> int:
    """Replace BOT_DB by a backup: refused while any process has it open; the replaced file is kept beside it.

    The copy goes through SQLite's backup API under an exclusive lock, so the live file's WAL can never be
    mixed with the restored pages (the manual copy's classic mistake).
    """
    if not isinstance(settings.db, Path):
        print(PG_BACKUP, file=sys.stderr)
        return 1
    backup, live = Path(source), settings.db
    try:
        check_database(backup, create=False)
    except DatabaseUnusable as problem:
        print(f"备份文件 {backup} {unusable_reason(problem)}，没有恢复。"
              "例如：python main.py restore backups/bot-2026-11-24.db",
              file=sys.stderr)
        return 2
    if live.exists() and backup.resolve() == live.resolve():
        print("备份文件就是当前数据库，无需恢复。", file=sys.stderr)
        return 2
    kept = live.with_name(f"{live.name}.before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}")
    create_private(live)
    target = _exclusive(live)
    try:
        if target is None:
            print(f"数据库 {live} 正在被机器人或其他程序使用，没有恢复。请先停止机器人（Ctrl+C 或停止服务），再运行：\n"
                  f"python main.py restore {backup}", file=sys.stderr)
            return 2
        if isinstance(target, Path):  # not a database at all: moved aside whole, restored into a new file
            target = _exclusive(live)
            assert isinstance(target, sqlite3.Connection)
        else:
            create_private(kept)
            with closing(sqlite3.connect(kept)) as copy:
                target.backup(copy)
        with closing(sqlite3.connect(backup)) as restored:
            restored.backup(target)
        if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            print(f"恢复后的数据库校验失败；原数据库保存在 {kept}。", file=sys.stderr)
            return 1
    finally:
        if isinstance(target, sqlite3.Connection):
            target.close()
    print(f"已从 {backup} 恢复到 {live}；恢复前的数据库另存为 {kept}。请重新启动机器人（make run）。"
          "备份之后收到的报送需要联络员重新发送。")
    return 0


def _exclusive(live: Path) -> sqlite3.Connection | Path | None:
    """The live database locked for us alone; None while another process has it open; a Path when it was no
    database (then moved aside to that path)."""
    conn = sqlite3.connect(live, timeout=HELD, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")  # an open connection anywhere else (a running bot) makes this fail
        conn.execute("COMMIT")  # exclusive mode keeps the lock until we close
        return conn
    except sqlite3.OperationalError:
        conn.close()
        return None
    except sqlite3.DatabaseError:  # corrupt beyond opening: keep it for inspection, start from the backup
        conn.close()
        aside = live.with_name(f"{live.name}.broken-{dt.datetime.now():%Y%m%d-%H%M%S}")
        live.rename(aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        create_private(live)
        return aside
