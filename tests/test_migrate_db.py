"""`main.py migrate-db --to postgresql://…`: a generated deployment with the service's own writes on top goes into a
fresh PostgreSQL database whole; the bot on it shows what it showed on SQLite and ids go on; refusals keep it empty."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from bench.deployment import ZONE
from bench.generate import generate
from bot.cli.migrate_db import run_migrate_db
from bot.services.facade import BotService
from bot.settings import Settings
from reporting.outcomes import InviteCreated, PendingConfirmation, ReportReceipt
from reporting.summary_text import render_weekly
from storage.copy_to_pg import COPIES, COUNTS, FIRST, READS, copy_deployment
from storage.db import open_database
from tests.engines import Engine, rows
from tests.report_support import ADMIN, LIAISON, OTHER, Clock, Messages, expect, invite_and_join

pytestmark = pytest.mark.service

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 11, 24, 12, tzinfo=ZONE)
REPORTS = 800
SOURCE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated history, then the service's own writes: a join, reports, an undo, a figure awaiting confirmation,
    one held for review, an update in the inbox."""
    path = tmp_path_factory.mktemp("deployment") / "bot.db"
    generate(path, REPORTS, now=NOW)
    asyncio.run(_service_writes(path))
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("INSERT INTO update_inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
                     (9001, '{"update_id": 9001}', NOW.isoformat()))
    return path


async def _service_writes(path: Path) -> None:
    messages = Messages()
    for approval in (False, True):
        service = await _open(path, approval=approval)
        try:
            if not approval:
                await invite_and_join(service)
                await invite_and_join(service, OTHER, "市教育局 15 新建")
                expect(await service.handle_text(LIAISON, "济南工匠 12 2026年10月", None, messages(LIAISON)),
                       ReportReceipt)
                expect(await service.handle_text(LIAISON, "济南工匠 14 2026年10月", None, messages(LIAISON)),
                       ReportReceipt)
                await service.reports.undo.last(LIAISON)
                expect(await service.handle_text(LIAISON, "济南工匠 1.5 2026年9月", None, messages(LIAISON)),
                       PendingConfirmation)
            else:
                expect(await service.handle_text(OTHER, "济南工匠 3 2026年10月", None, messages(OTHER)),
                       ReportReceipt)
        finally:
            await service.close()


async def _open(target: Path | str, approval: bool = False) -> BotService:
    settings = Settings(_env_file=None, db=target, admins=(ADMIN.user_id,), approval=approval)
    return await BotService.open(settings, Clock(NOW))


@pytest.fixture
def server(pg_engine: Engine) -> Engine:
    """Databases of this test's own on the test server, dropped at its end; no server: one skip line (CI: fail)."""
    return pg_engine


@pytest.fixture
def source(deployment: Path, tmp_path: Path) -> Path:
    """A copy of the deployment for this test (a migration brings the file to the newest schema)."""
    path = tmp_path / "source" / "bot.db"
    path.parent.mkdir()
    shutil.copy(deployment, path)
    return path


def _migrate(source: Path, url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_migrate_db(Settings(_env_file=None, db=source), url)
    out, err = capsys.readouterr()
    return code, out, err


def _tables(source: Path) -> list[str]:
    return sorted(name for (name,) in rows(source, SOURCE_TABLES) if name != "schema_migrations")


def _counts(target: Path | str, tables: list[str]) -> dict[str, int]:
    return {table: rows(target, COUNTS[table])[0][0] for table in tables}


async def test_every_table_of_the_schema_has_its_statements(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "fresh.db")
    await db.close()
    tables = _tables(tmp_path / "fresh.db")
    assert set(FIRST) <= set(tables)
    assert READS.keys() == COPIES.keys() == COUNTS.keys()
    assert [table for table in tables if table not in READS] == []  # a new migration's table: list its statements


async def test_everything_goes_across_and_the_bot_sees_the_same(
        source: Path, server: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(server.database_for(tmp_path, "target"))
    code, out, err = await asyncio.to_thread(_migrate, source, url, capsys)
    assert code == 0, err
    assert "逐表核对行数一致" in out and "下一步：把 BOT_DB 设为" in out
    tables = _tables(source)
    counts = _counts(source, tables)
    assert counts["reports"] == REPORTS + 3 and counts["pending_reports"] == 1 and counts["update_inbox"] == 1
    assert _counts(url, tables) == counts
    for table in tables:
        assert f"{table} " in out
    assert rows(url, "SELECT version FROM schema_migrations ORDER BY version") == rows(
        source, "SELECT version FROM schema_migrations ORDER BY version")
    assert rows(url, "SELECT undone, reviewed FROM report_counts") == rows(
        source, "SELECT undone, reviewed FROM report_counts")

    before, after = await _open(source, approval=True), await _open(url, approval=True)
    try:
        assert await after.reports.progress.view(ADMIN) == await before.reports.progress.view(ADMIN)
        assert render_weekly(await after.summaries.build_weekly()) == render_weekly(
            await before.summaries.build_weekly())
        [newest] = rows(url, "SELECT MAX(id) FROM reports")[0]
        expect(await after.handle_text(ADMIN, "市总工会 济南工匠 20 2026年10月", None, Messages()(ADMIN)),
               ReportReceipt)
        assert rows(url, "SELECT MAX(id), COUNT(*) FROM reports") == [(newest + 1, counts["reports"] + 1)]
        [units] = rows(url, "SELECT MAX(id) FROM units")[0]
        expect(await after.reports.liaisons.create_invite(ADMIN, "迁移测试中心 1 新建"), InviteCreated)
        assert rows(url, "SELECT MAX(id), COUNT(*) FROM units") == [(units + 1, counts["units"] + 1)]
    finally:
        await before.close()
        await after.close()


async def test_rows_are_identical_in_small_batches(source: Path, server: Engine, tmp_path: Path) -> None:
    url = str(server.database_for(tmp_path, "target"))
    told: list[tuple[str, int]] = []
    copied = await copy_deployment(source, url, 97, lambda table, n: told.append((table, n)))
    assert [table for table, _ in told][:len(FIRST)] == list(FIRST) and dict(told) == copied.counts
    for table in ("reports", "liaisons", "invites", "processed_updates"):
        order = READS[table]
        assert rows(url, order) == rows(source, order), table


async def test_a_target_with_data_is_refused_and_left_as_it_was(
        source: Path, server: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(server.database_for(tmp_path, "target"))
    assert (await asyncio.to_thread(_migrate, source, url, capsys))[0] == 0
    counts = _counts(url, _tables(source))
    code, _, err = await asyncio.to_thread(_migrate, source, url, capsys)
    assert code == 1 and "已有数据" in err and "reports" in err and "migrate-db --to postgresql://" in err
    assert _counts(url, _tables(source)) == counts

    foreign = str(server.database_for(tmp_path, "foreign"))
    rows(foreign, "CREATE TABLE ledger (id INTEGER)")
    code, _, err = await asyncio.to_thread(_migrate, source, foreign, capsys)
    assert code == 1 and "其他程序的表（ledger）" in err
    assert rows(foreign, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'") == [(1,)]


async def test_a_failed_copy_leaves_the_target_empty_and_can_be_run_again(
        source: Path, server: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(server.database_for(tmp_path, "target"))
    with closing(sqlite3.connect(source)) as conn, conn:  # a figure of a unit that does not exist: PostgreSQL says no
        conn.execute("UPDATE reports SET unit_id = 99999 WHERE id = 5")
    code, _, err = await asyncio.to_thread(_migrate, source, url, capsys)
    assert code == 1 and "PostgreSQL 拒绝了复制" in err and "已全部撤销" in err
    tables = _tables(source)
    assert {table: n for table, n in _counts(url, tables).items() if n} == {"report_counts": 1}
    assert rows(url, "SELECT undone, reviewed FROM report_counts") == [(0, 0)]

    with closing(sqlite3.connect(source)) as conn, conn:
        conn.execute("UPDATE reports SET unit_id = (SELECT MIN(id) FROM units) WHERE id = 5")
    held = sqlite3.connect(source)  # a bot still running on the file
    try:
        held.execute("SELECT COUNT(*) FROM units").fetchall()
        code, _, err = await asyncio.to_thread(_migrate, source, url, capsys)
        assert code == 1 and "正被机器人或其他程序使用" in err and "请先停止机器人" in err
    finally:
        held.close()
    code, _, err = await asyncio.to_thread(_migrate, source, url, capsys)
    assert code == 0, err
    assert _counts(url, tables) == _counts(source, tables)


@pytest.mark.parametrize(("bot_db", "to", "expected", "said"), [
    ("bot.db", None, 2, "缺少 --to"),
    ("bot.db", "mysql://db.example.com/bot", 2, "不支持 mysql://"),
    ("bot.db", "data/other.db", 2, "不是 postgresql:// 地址"),
    ("postgresql://bot@db.example.com/bot", "postgresql://bot@db.example.com/bot2", 2, "已经是 PostgreSQL 地址"),
    ("missing.db", "postgresql://bot@127.0.0.1:1/bot", 1, "找不到数据库文件"),
])
def test_bad_usage_is_one_message_with_an_example(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], bot_db: str, to: str | None, expected: int,
        said: str) -> None:
    db: Path | str = bot_db if "://" in bot_db else tmp_path / bot_db
    if bot_db == "bot.db":
        generate(tmp_path / bot_db, 10, now=NOW)
    assert run_migrate_db(Settings(_env_file=None, db=db), to) == expected
    out, err = capsys.readouterr()
    assert out == "" and said in err and "python main.py migrate-db --to postgresql://" in err
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.process
def test_the_command_line(deployment: Path, server: Engine, tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    shutil.copy(deployment, source)
    url = str(server.database_for(tmp_path, "target"))
    env = {**os.environ, "BOT_DB": str(source), "BOT_TOKEN": ""}
    command = [sys.executable, "main.py", "migrate-db"]
    helped = subprocess.run([*command, "--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert helped.returncode == 0 and "空的 PostgreSQL 数据库" in helped.stdout and "--to" in helped.stdout
    done = subprocess.run([*command, "--to", url], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "逐表核对行数一致" in done.stdout and f"上报 {REPORTS + 3:,} 条" in done.stdout
    again = subprocess.run([*command, "--to", url], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                           check=False)
    assert again.returncode == 1 and "已有数据" in again.stderr
