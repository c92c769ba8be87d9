"""A database that cannot serve stops the start with one line; the console keeps to its own sandbox database."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sqlite3
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import main
from bot.services.roles import LOCAL_USER_ID
from bot.settings import Settings
from bot.cli.startup import prepare
from bot.services.storage_errors import unusable_reason
from errors import DatabaseUnusable, Unusable
from storage.preflight import APPLICATION_IDS

pytestmark = pytest.mark.service

NOBODY = 65534
REPORT = "济南工匠 12 2026年10月\n"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """BOT_DB and BOT_CONSOLE_DB in tmp_path, a token, no .env and nothing else from the caller."""
    for name in list(os.environ):
        if name.startswith("BOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("BOT_DB", str(tmp_path / "bot.db"))
    monkeypatch.setenv("BOT_CONSOLE_DB", str(tmp_path / "console.db"))
    return tmp_path


def _console(monkeypatch: pytest.MonkeyPatch, lines: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    return main.main(["console"])


def _one_line(capsys: pytest.CaptureFixture[str], setting: str, path: Path, says: str) -> None:
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith(f"设置错误：{setting}={path} ") and says in err and "可以这样写：" in err, err


def _ours(path: Path, role: str | None = None) -> Path:
    """A database of this program at `path`, claimed for `role` as `run` or `console` would."""
    settings = Settings(_env_file=None, db=path)
    prepare(settings, "summary")  # creates the file
    import asyncio

    from bot.services.facade import BotService

    async def migrate() -> None:
        await (await BotService.open(settings)).close()

    asyncio.run(migrate())
    if role:
        _sql(path, f"PRAGMA application_id = {APPLICATION_IDS[role]}")
    return path


def _corrupt_pages(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE IF NOT EXISTS filler (x TEXT)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(200)])
    conn.close()
    data = bytearray(path.read_bytes())
    data[4096 * 3: 4096 * 12] = bytes((i * 37) % 256 for i in range(4096 * 9))
    path.write_bytes(bytes(data))


def _sql(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(statement)
    conn.close()  # the last connection folds the WAL into the file, so the file alone shows any later write


BROKEN = {
    "random bytes": (lambda p: p.write_bytes(bytes((i * 7919) % 256 for i in range(8192))), "不是 SQLite 数据库"),
    "another program's tables": (lambda p: _sql(p, "CREATE TABLE customers (id)"), "含有其他程序的表（customers）"),
    "a newer schema": (lambda p: _sql(_ours(p), "INSERT INTO schema_migrations VALUES (999, 'future', 'x')"),
                       "由更新版本的程序写入"),
    "corrupt pages": (lambda p: _corrupt_pages(_ours(p)), "已损坏"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_database_that_cannot_serve_stops_every_command_that_opens_it(
    kind: str, env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    make, says = BROKEN[kind]
    broken = env / "broken.db"
    make(broken)
    before = broken.read_bytes()
    capsys.readouterr()
    monkeypatch.setenv("BOT_DB", str(broken))
    copies = kind in ("random bytes", "corrupt pages")  # a backup copies any SQLite file, if it is whole
    for argv in (["run"], ["summary"], ["backup", str(env / "copy.db")] if copies else ["summary"]):
        assert main.main(argv) == 2, argv
        _one_line(capsys, "BOT_DB", broken, says)
    monkeypatch.setenv("BOT_DB", str(env / "bot.db"))
    monkeypatch.setenv("BOT_CONSOLE_DB", str(broken))
    assert _console(monkeypatch, REPORT) == 2
    _one_line(capsys, "BOT_CONSOLE_DB", broken, says)
    assert broken.read_bytes() == before and not (env / "copy.db").exists()


@contextlib.contextmanager
def _unprivileged() -> Iterator[None]:
    """Permissions as an ordinary user sees them: root ignores them, so root acts as nobody for a moment."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.mark.parametrize(("mode", "says"), [(0o444, "是只读的"), (0o000, "没有读取权限")])
def test_a_read_only_or_unreadable_database_stops_the_start(
    mode: int, says: str, env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bot-perm-"))  # tmp_path is private to root; this one nobody may enter
    try:
        folder.chmod(0o755)
        database = _ours(folder / "bot.db")
        os.chown(database, NOBODY, NOBODY) if os.geteuid() == 0 else None
        database.chmod(mode)
        monkeypatch.chdir(folder)
        monkeypatch.setenv("BOT_DB", str(database))
        capsys.readouterr()
        with _unprivileged():
            code = main.main(["run"])
        assert code == 2
        _one_line(capsys, "BOT_DB", database, says)
    finally:
        shutil.rmtree(folder)


def test_the_console_works_in_its_own_database_and_never_in_the_bots(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    assert _console(monkeypatch, REPORT + "/liaisons\n") == 0
    out, err = capsys.readouterr()
    assert "已保存：本地单位" in out
    assert err.splitlines() == [(f"终端模式使用独立的试用数据库 {env / 'console.db'}（BOT_CONSOLE_DB），"
                                 f"不会读写 Telegram 机器人的数据库 {env / 'bot.db'}（BOT_DB）。")]
    assert not (env / "bot.db").exists()

    monkeypatch.setenv("BOT_DB", str(env / "console.db"))  # the bot refuses the console's sandbox …
    assert main.main(["run"]) == 2
    _one_line(capsys, "BOT_DB", env / "console.db", "是终端模式的试用数据库")
    monkeypatch.setenv("BOT_DB", str(env / "bot.db"))
    prepare(Settings(_env_file=None), "run")  # … and the console the bot's: by its mark …
    monkeypatch.setenv("BOT_DB", str(env / "elsewhere" / "bot.db"))
    monkeypatch.setenv("BOT_CONSOLE_DB", str(env / "bot.db"))
    assert _console(monkeypatch, REPORT) == 2
    _one_line(capsys, "BOT_CONSOLE_DB", env / "bot.db", "是 Telegram 机器人的数据库")
    monkeypatch.setenv("BOT_DB", str(env / "." / "bot.db"))  # … or by its path
    assert _console(monkeypatch, REPORT) == 2
    _one_line(capsys, "BOT_CONSOLE_DB", env / "bot.db", "与 BOT_DB 是同一个文件")


def test_an_unmarked_database_with_telegram_liaisons_is_not_the_consoles(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    older = _ours(env / "older.db")
    with sqlite3.connect(older) as conn:
        conn.execute("INSERT INTO units (id, name, created_at) VALUES (1, '市总工会', 'x')")
        conn.execute("INSERT INTO liaisons (user_id, unit_id, joined_at) VALUES (4242, 1, 'x')")
    monkeypatch.setenv("BOT_CONSOLE_DB", str(older))
    assert _console(monkeypatch, REPORT) == 2
    _one_line(capsys, "BOT_CONSOLE_DB", older, "是 Telegram 机器人的数据库")


async def test_the_bot_revokes_a_local_liaison_an_older_console_left_in_its_database(tmp_path: Path) -> None:
    from bot.services.actors import Actor
    from bot.services.facade import BotService

    settings = Settings(_env_file=None, db=tmp_path / "bot.db", admins=(1,))
    service = await BotService.open(settings)  # as the console of an older version opened BOT_DB
    assert service.reports is not None and service.summaries is not None
    await service.reports.liaisons.ensure_local_liaison(Actor(user_id=LOCAL_USER_ID, chat_id=LOCAL_USER_ID,
                                                              name="本地管理员"))
    await service.close()

    assert prepare(settings, "run") == 1
    assert prepare(settings, "run") == 0
    service = await BotService.open(settings)
    try:
        assert service.summaries is not None
        assert [x.user_id for x in await service.summaries.active_liaisons()] == []
        assert (await service.summaries.remind_now(Actor(user_id=1, chat_id=1, name="管理员"))).reminders == ()
    finally:
        await service.close()


def test_database_wal_and_backup_files_are_private(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = _ours(env / "bot.db")
    with sqlite3.connect(database) as conn:  # keeps the WAL and shared-memory files while it is open
        conn.execute("INSERT INTO units (name, created_at) VALUES ('市总工会', 'x')")
        assert main.main(["backup", str(env / "backups" / "b.db")]) == 0
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [*env.glob("bot.db*"), env / "backups" / "b.db"]}
    assert set(modes) == {"bot.db", "bot.db-wal", "bot.db-shm", "b.db"} and set(modes.values()) == {0o600}, modes


def test_a_big_database_is_checked_by_its_schema_and_small_tables_not_page_by_page(
    env: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from storage import preflight

    path = _ours(env / "big.db", "bot")
    monkeypatch.setattr(preflight, "FULL_CHECK_BYTES", 0)  # any file counts as big: no whole-file read at start
    preflight.check_database(path, role="bot")
    conn = sqlite3.connect(path)
    root, size = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'units'").fetchone()[0], 4096
    assert conn.execute("PRAGMA page_size").fetchone()[0] == size
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * size: root * size] = bytes((i * 37) % 256 for i in range(size))
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseUnusable) as refused:
        preflight.check_database(path, role="bot")
    assert refused.value.problem is Unusable.CORRUPT and unusable_reason(refused.value).startswith("已损坏")
