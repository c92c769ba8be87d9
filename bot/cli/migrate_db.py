"""`main.py migrate-db --to postgresql://…`: a deployment grows from its SQLite file to a PostgreSQL server with
all its history; every refusal is one Chinese message with a working example, and the target keeps nothing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.services.storage_errors import unusable_reason
from bot.settings import Settings, unsupported_reason
from errors import CopyProblem, CopyRefused, DatabaseUnusable, StorageUnavailable, UnsupportedDatabase, show_value
from storage.targets import PostgresUrl, database_target

if TYPE_CHECKING:  # psycopg is imported only when the command runs: main.py reads USAGE for every command
    from storage.copy_to_pg import Copied

EXAMPLE = "BOT_DB=data/bot.db python main.py migrate-db --to postgresql://bot@127.0.0.1:5432/bot"
USAGE = f"""把 BOT_DB 指向的 SQLite 数据库（全部历史：单位、邀请、联络员、上报及其更正和撤销、提醒记录、去重记录等）
复制到一个空的 PostgreSQL 数据库，在同一个事务中逐表核对行数，有任何不一致就全部撤销。

步骤：先停止机器人；在 PostgreSQL 中新建一个空数据库（例如 createdb -h 127.0.0.1 -U postgres bot）；运行本命令；
成功后把 BOT_DB 改为同一个 postgresql:// 地址，再启动机器人。SQLite 文件中的数据不会改动，可留作备份。

例如：
  {EXAMPLE}"""
NEW_DATABASE = "请新建一个空数据库（例如 createdb -h 127.0.0.1 -U postgres bot），再运行：\n" + EXAMPLE
ROLLED_BACK = "已全部撤销，PostgreSQL 数据库中没有留下任何复制的数据"
LABELS = {
    "units": "单位", "invites": "邀请码", "liaisons": "联络员", "liaison_indicators": "联络员负责的指标",
    "reports": "上报，含更正和撤销", "chat_states": "对话状态", "flood_windows": "频率限制窗口",
    "job_leases": "定时任务租约", "pending_reports": "待确认的上报", "processed_updates": "已处理的消息",
    "report_counts": "撤销与审核计数", "sent_notifications": "已发送的周报和提醒", "update_inbox": "收到的更新",
}


def run_migrate_db(settings: Settings, to: str | None) -> int:
    """Check the usage, the source and the target; migrate both schemas; copy, verify, print. Returns the exit code."""
    source = settings.db
    if not isinstance(source, Path):
        return _say(f"BOT_DB 已经是 PostgreSQL 地址（{source.redacted}）：migrate-db 从 SQLite 文件复制，"
                    f"请把 BOT_DB 设为原来的 SQLite 文件。例如：\n{EXAMPLE}", 2)
    if not to:
        return _say(f"缺少 --to：请给出目标 PostgreSQL 数据库的地址。例如：\n{EXAMPLE}", 2)
    try:
        target = database_target(to)
    except UnsupportedDatabase as problem:
        return _say(f"--to {show_value(to)}：{unsupported_reason(problem)}。例如：\n{EXAMPLE}", 2)
    if not isinstance(target, PostgresUrl):
        return _say(f"--to {show_value(to)} 不是 postgresql:// 地址。例如：\n{EXAMPLE}", 2)
    if not source.exists():
        return _say(f"找不到数据库文件 {source}（可用 BOT_DB 指定要迁移的 SQLite 文件）。例如：\n{EXAMPLE}", 1)
    from storage.copy_to_pg import copy_deployment
    from storage.pg import check_server
    from storage.preflight import check_database

    try:
        check_database(source, role="bot", create=False)
    except DatabaseUnusable as problem:
        return _say(f"数据库文件 {source} {unusable_reason(problem)}，没有复制。", 1)
    try:
        check_server(target)
    except DatabaseUnusable as problem:
        return _say(f"PostgreSQL 数据库 {target.redacted} {unusable_reason(problem)}。", 1)
    try:
        copied = asyncio.run(copy_deployment(source, target, started=_started))
    except CopyRefused as refused:
        return _say(refusal(refused, source, target), 1)
    except StorageUnavailable:
        return _say(f"数据库文件 {source} 正被其他程序锁定，没有复制。请先停止机器人，再运行：\n{EXAMPLE}", 1)
    except Exception as exc:  # the server refused a migration (rights, a full disk): one line, not a traceback
        if not type(exc).__module__.startswith("psycopg"):
            raise
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        return _say(f"无法在 PostgreSQL 数据库 {target.redacted} 中建表：{first}。"
                    "请确认该用户可以在数据库中建表（例如数据库的所有者）。", 1)
    print(done(copied, source, target))
    return 0


def _started(table: str, rows: int) -> None:
    print(f"正在复制 {table}（{LABELS.get(table, table)}）：{rows:,} 行", flush=True)


def done(copied: Copied, source: Path, target: PostgresUrl) -> str:
    """The verified counts, one table a line, and what to do next."""
    width = max(len(table) for table in copied.counts)
    lines = [f"已把 {source} 复制到 {target.redacted}，逐表核对行数一致："]
    lines += [f"  {table:<{width}}  {rows:>12,} 行  {LABELS.get(table, '')}" for table, rows in copied.counts.items()]
    reports, newest, values = int(copied.spot[0]), int(copied.spot[1]), copied.spot[2]
    lines.append(f"合计 {sum(copied.counts.values()):,} 行；上报 {reports:,} 条，最大编号 {newest}，"
                 f"数值合计 {values:,.2f}，两边相同。新的上报编号从 {newest + 1} 开始。")
    lines.append(f"下一步：把 BOT_DB 设为 {target.redacted} 并启动机器人。{source} 中的数据没有改动，可留作备份。")
    return "\n".join(lines)


def refusal(refused: CopyRefused, source: Path, target: PostgresUrl) -> str:
    """Why nothing was copied, in Chinese, with what to do."""
    url, detail = target.redacted, refused.detail
    if refused.problem is CopyProblem.SOURCE_BUSY:
        return f"数据库文件 {source} 正被机器人或其他程序使用，没有复制。请先停止机器人，再运行：\n{EXAMPLE}"
    if refused.problem is CopyProblem.TARGET_BUSY:
        return f"PostgreSQL 数据库 {url} 正被其他进程写入（可能已有机器人在使用它），没有复制。{NEW_DATABASE}"
    if refused.problem is CopyProblem.TARGET_FOREIGN:
        return f"PostgreSQL 数据库 {url} 中已有其他程序的表（{_few(detail)}），不是空数据库，没有复制。{NEW_DATABASE}"
    if refused.problem is CopyProblem.TARGET_NEWER:
        return (f"PostgreSQL 数据库 {url} 记录了本程序不认识的架构版本 {list(refused.versions)}，"
                f"可能由更新版本的程序写入，没有复制。{NEW_DATABASE}")
    if refused.problem is CopyProblem.TARGET_NOT_EMPTY:
        held = "、".join(f"{table} {rows} 行" for table, rows in (item.split("=") for item in detail.split(", ")))
        return (f"PostgreSQL 数据库 {url} 中已有数据（{held}），没有复制：migrate-db 只复制到空数据库，"
                f"不覆盖也不合并。{NEW_DATABASE}")
    if refused.problem is CopyProblem.SCHEMA_DIFFERS:
        return f"两边的表结构不一致（{detail}），没有复制。请确认两边使用同一版本的程序。"
    if refused.problem is CopyProblem.UNLISTED_TABLE:
        return f"表 {detail} 没有列入 storage/copy_to_pg.py 的复制清单，没有复制（程序缺陷，请报告）。"
    if refused.problem is CopyProblem.COUNTS_DIFFER:
        return f"复制后核对不一致（{detail}），{ROLLED_BACK}。"
    return f"PostgreSQL 拒绝了复制（{detail}），{ROLLED_BACK}。"


def _few(names: str, shown: int = 4) -> str:
    tables = names.split(", ")
    return "、".join(tables[:shown]) + ("…" if len(tables) > shown else "")


def _say(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code
