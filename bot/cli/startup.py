"""Fail-fast checks before a command starts, so a bad database or policy stops it with one line, not later."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bot.settings import HELP, Settings
from bot.services.storage_errors import unusable_reason
from errors import DatabaseUnusable, PolicyFormatError, SettingInvalid
from storage.preflight import check_database
from storage.targets import DatabaseTarget

log = logging.getLogger(__name__)
SAME_FILE = "与 BOT_DB 是同一个文件；终端模式不能使用 Telegram 机器人的数据库"


def prepare(settings: Settings, command: str) -> int:
    """Check what `command` will open; raise SettingInvalid naming the setting. Returns leftovers revoked (run).

    The policy comes first, so a command that cannot start creates no database file.
    """
    if command in ("console", "run", "summary"):
        from knowledge.parser import load_policy

        try:
            load_policy(settings.policy)  # parsed again when the service opens; about a millisecond
        except PolicyFormatError as exc:
            raise policy_error(settings, exc) from None
    if command == "console":
        if isinstance(settings.db, Path) and _same_file(settings.console_db, settings.db):
            raise SettingInvalid("BOT_CONSOLE_DB", settings.console_db, SAME_FILE, HELP["console_db"][1])
        return _database("console_db", settings.console_db, role="console")
    if command == "run":
        from bot.services.roles import LOCAL_USER_ID

        revoked = _database("db", settings.db, role="bot", local_user_id=LOCAL_USER_ID)
        if revoked:
            log.warning("BOT_DB 中有旧版终端模式留下的本地联络员（%d 个），已撤销：机器人不会提醒或统计它。", revoked)
        return revoked
    if command == "summary":
        return _database("db", settings.db)
    if command == "backup" and isinstance(settings.db, Path) and settings.db.exists():  # a missing file: run_backup
        return _database("db", settings.db, create=False, schema=False)  # a copy of any SQLite file is harmless
    return 0


def policy_error(settings: Settings, exc: PolicyFormatError) -> SettingInvalid:
    """BOT_POLICY points to a text that is not the policy (or the shipped file was damaged)."""
    from knowledge.parser import SHIPPED_POLICY

    return SettingInvalid("BOT_POLICY", settings.policy or SHIPPED_POLICY, f"不是可识别的政策原文（{exc}）",
                          HELP["policy"][1])


def _database(field: str, path: DatabaseTarget, **options: Any) -> int:
    """The SQLite file's preflight; a PostgreSQL server is checked when the service connects."""
    if not isinstance(path, Path):
        from storage.pg import check_server
        try:
            check_server(path)
        except DatabaseUnusable as exc:
            raise SettingInvalid(f"BOT_{field.upper()}", path.redacted, unusable_reason(exc), HELP[field][1]) from None
        return 0
    try:
        return check_database(path, **options)
    except DatabaseUnusable as exc:
        raise SettingInvalid(f"BOT_{field.upper()}", path, unusable_reason(exc), HELP[field][1]) from None


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve() or (one.exists() and other.exists() and one.samefile(other))
    except OSError:
        return False
