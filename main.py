"""Command line: ask, console, run, summary, backup, restore, migrate-db. Settings load once; bad ones exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from bot.settings import Settings, load_settings
from errors import ConfigError, PolicyFormatError, StorageUnavailable


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="济南市提升产业工人创新力 政策助手")
    commands = parser.add_subparsers(dest="command")
    ask = commands.add_parser("ask", help="回答政策问题（- 表示从标准输入逐行读取）")
    ask.add_argument("--json", action="store_true", help="每个问题输出一行 JSON")
    ask.add_argument("question", nargs="+", help="问题，或 - 从标准输入读取")
    commands.add_parser("console",
                        help="在终端里对话（本地管理员兼本地单位联络员；使用独立的试用数据库 BOT_CONSOLE_DB）")
    commands.add_parser("run", help="启动 Telegram 机器人")
    summary = commands.add_parser("summary", help="生成周报（文字、PNG 图表、XLSX）")
    summary.add_argument("--week", help="ISO 周，例如 2026-W47；默认本周")
    summary.add_argument("--png", help="图表输出路径")
    summary.add_argument("--xlsx", help="XLSX 输出路径")
    backup = commands.add_parser("backup", help="在线备份数据库")
    backup.add_argument("path", help="备份文件路径")
    restore = commands.add_parser("restore", help="用备份文件恢复数据库（须先停止机器人）")
    restore.add_argument("path", help="备份文件路径")
    from bot.cli.migrate_db import USAGE

    migrate = commands.add_parser("migrate-db", help="把 SQLite 数据库（全部历史）复制到空的 PostgreSQL 数据库",
                                  description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    migrate.add_argument("--to", metavar="postgresql://…", help="目标 PostgreSQL 数据库的地址（须为空数据库）")
    return parser


def _questions(words: list[str]) -> Iterable[str]:
    if words == ["-"]:
        for line in sys.stdin:
            yield line.rstrip("\n")
    else:
        yield " ".join(words)


def cmd_ask(settings: Settings, words: list[str], as_json: bool) -> int:
    """One answer per question; with `-`, one output line per input line."""
    from bot.services.facade import BotService
    from knowledge.render import answer_json, render_text

    service = BotService.for_questions(settings)
    for question in _questions(words):
        answer = service.ask(question)
        if as_json:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
        else:
            text = render_text(answer)
            print(text.replace("\n", " ") if words == ["-"] else text, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Load settings once, check what the command will open, run it; an operator error is one line, exit 2."""
    args = _parser().parse_args(argv)
    command = args.command or "console"
    settings: Settings | None = None
    try:
        settings = load_settings()
        if command != "ask" and not (command == "run" and settings.token is None):  # run_bot explains a missing token
            from bot.cli.startup import prepare

            prepare(settings, command)
        return _run(command, args, settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except PolicyFormatError as exc:
        from bot.cli.startup import policy_error

        print(policy_error(settings, exc) if settings else exc, file=sys.stderr)
        return 2
    except StorageUnavailable:  # locked for longer than the busy timeout while starting
        from bot.services.storage_errors import STORAGE_DOWN

        print(STORAGE_DOWN, file=sys.stderr)
        return 1


def _run(command: str, args: argparse.Namespace, settings: Settings) -> int:
    if command == "ask":
        return cmd_ask(settings, args.question, args.json)
    import asyncio

    if command == "console":
        from bot.cli.console import run_console

        return asyncio.run(run_console(settings))
    if command == "run":
        from application import run_bot

        return run_bot(settings)
    if command == "summary":
        from bot.cli.summary import run_summary

        return asyncio.run(run_summary(settings, week=args.week, png=args.png, xlsx=args.xlsx))
    if command == "backup":
        from bot.cli.backup import run_backup

        return asyncio.run(run_backup(settings, args.path))
    if command == "restore":
        from bot.cli.backup import run_restore

        return run_restore(settings, args.path)
    if command == "migrate-db":
        from bot.cli.migrate_db import run_migrate_db

        return run_migrate_db(settings, args.to)
    return 2


if __name__ == "__main__":
    sys.exit(main())
