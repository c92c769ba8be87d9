"""`python -m bench generate --db PATH --reports N`: a deployment's worth of data in the bot's own database format.

The schema comes from the project's migrations (storage.db.open_database); rows go in with plain sqlite3
executemany in large transactions. Only the migrations whose tables are filled here run first; later ones run
afterwards, as they would when an older deployment upgrades, so whatever they derive from reports is derived
from these rows too. The file is claimed as the Telegram bot's database and passes storage.preflight.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.deployment import ZONE, Plan, iso, months_until, plan, setup_rows, stamp, weekly_records
from bench.generator import settle, simulate_month, row_tuple

BASE_SCHEMA = 3  # units … reports (1), current index (2), update inbox (3): the tables written here
BATCH_ROWS = 250_000  # rows per transaction
INSERTS = {
    "units": "INSERT INTO units (id, name, created_at) VALUES (?, ?, ?)",
    "invites": "INSERT INTO invites (code, unit_id, indicators, created_by, created_at, expires_at, used_by, used_at)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "liaisons": "INSERT INTO liaisons (id, user_id, unit_id, name, username, chat_id, invite_code, joined_at,"
                " revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "liaison_indicators": "INSERT INTO liaison_indicators (liaison_id, indicator) VALUES (?, ?)",
}
INSERT_ROW = (
    "INSERT INTO reports (id, unit_id, indicator, period, value, cumulative, reporter_id, chat_id, message_id,"
    " source_text, created_at, replaces_id, superseded_by, superseded_at, undone_at, undone_by)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_PROCESSED = "INSERT OR IGNORE INTO processed_updates (key, processed_at) VALUES (?, ?)"
INSERT_SENT = "INSERT OR IGNORE INTO sent_notifications (kind, key, sent_at) VALUES (?, ?, ?)"


@dataclass
class Generated:
    """What was written, for the summary line and the tests."""

    reports: int
    corrections: int
    undone: int
    units: int
    liaisons: int
    first_period: str
    seconds: float


async def _migrate(path: Path, up_to: int | None) -> None:
    from storage.db import open_database
    from storage.migrations import MIGRATIONS

    db = await open_database(path, migrations=[m for m in MIGRATIONS if up_to is None or m.version <= up_to])
    await db.close()


def generate(path: Path, reports: int, seed: int = 7, admin: int = 1, now: dt.datetime | None = None,
             role: str = "bot") -> Generated:
    """Write `reports` rows (the newest of a history from 2022-01 to last month) into a new file at `path`.

    `role` claims the file for the Telegram bot (BOT_DB) or the terminal console (BOT_CONSOLE_DB).
    """
    from knowledge.parser import load_policy
    from storage.preflight import CLAIM_BOT, CLAIM_CONSOLE, check_database

    started = time.perf_counter()
    clock = int((now or dt.datetime.now(ZONE)).timestamp())
    asyncio.run(_migrate(path, BASE_SCHEMA))
    months = months_until(clock)
    deployment = plan(load_policy(), reports, months, seed, admin)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # a half-written generated file is simply generated again
        conn.execute("BEGIN")
        for table, rows in setup_rows(deployment).items():
            conn.executemany(INSERTS[table], rows)
        written, corrections, undone, first = _write_reports(conn, deployment, months, reports, clock)
        conn.executemany(INSERT_SENT, weekly_records(stamp(*first), clock, admin))
        conn.execute(CLAIM_BOT if role == "bot" else CLAIM_CONSOLE)
        conn.execute("COMMIT")
    finally:
        conn.close()
    asyncio.run(_migrate(path, None))  # later migrations run on the filled file, as on an upgrade
    check_database(path, role=role)
    return Generated(reports=written, corrections=corrections, undone=undone, units=len(deployment.units),
                     liaisons=len(deployment.liaisons), first_period=f"{first[0]:04d}-{first[1]:02d}",
                     seconds=time.perf_counter() - started)


def _write_reports(conn: sqlite3.Connection, deployment: Plan, months: list[tuple[int, int]], reports: int,
                   clock: int) -> tuple[int, int, int, tuple[int, int]]:
    """Newest month first, ids counting down from `reports`; commits every BATCH_ROWS rows."""
    next_id, corrections, undone, pending = reports, 0, 0, 0
    first = months[-1] if months else (2022, 1)
    for index in range(len(months) - 1, -1, -1):
        if next_id <= 0:
            break
        year, month = first = months[index]
        period = f"{year:04d}-{month:02d}"
        simulated = simulate_month(deployment, index, year, month, clock)
        rows = settle(simulated, next_id, next_id)
        conn.executemany(INSERT_ROW, [row_tuple(row, period) for row in rows])
        corrections += sum(1 for row in rows if row.replaces is not None)
        undone += sum(1 for row in rows if row.undone_at is not None)
        kept = {id(row.message) for row in rows}
        conn.executemany(INSERT_PROCESSED, [(f"msg:{m.reporter}:{m.message_id}", iso(m.time))
                                            for m in simulated.messages if id(m) in kept])
        conn.executemany(INSERT_PROCESSED, [(f"cmd:{u.target.reporter}:{u.message_id}", iso(u.time))
                                            for u in simulated.undos if id(u.target) in kept])
        remind = stamp(year + month // 12, month % 12 + 1, 5, 9)
        if remind <= clock:
            conn.executemany(INSERT_SENT, [("reminder", f"{period}:{liaison}", iso(remind))
                                           for liaison in sorted(simulated.late)])
        next_id -= len(rows)
        pending += len(rows)
        if pending >= BATCH_ROWS:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
            pending = 0
    return reports - next_id, corrections, undone, first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench generate",
                                     description="生成一个模拟部署的数据库（单位、联络员、2022年1月起的月度上报、更正与撤销）")
    parser.add_argument("--db", required=True, type=Path, help="要生成的数据库文件（不能已存在，除非加 --force）")
    parser.add_argument("--reports", type=int, default=100_000, help="上报记录条数（默认 100000）")
    parser.add_argument("--seed", type=int, default=7, help="随机种子（相同种子生成相同数据）")
    parser.add_argument("--admin", type=int, default=_first_admin(),
                        help="代报和发出邀请的管理员 ID（默认 BOT_ADMINS 的第一个，或 1）")
    parser.add_argument("--now", type=dt.datetime.fromisoformat,
                        help="把“现在”定在这个时间（ISO 格式，默认当前时间）")
    parser.add_argument("--console", action="store_true",
                        help="生成终端对话用的试用数据库（BOT_CONSOLE_DB），"
                             "不联网即可试用 /weekly、/export 等管理员功能")
    parser.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    args = parser.parse_args(argv)
    if args.reports < 1:
        parser.error("--reports 至少为 1")
    if args.db.exists() and not args.force:
        print(f"{args.db} 已存在；换一个路径，或加 --force 覆盖。", file=sys.stderr)
        return 2
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    now = args.now.replace(tzinfo=args.now.tzinfo or ZONE) if args.now else None
    role = "console" if args.console else "bot"
    done = generate(args.db, args.reports, args.seed, args.admin, now, role)
    print(f"已生成 {args.db}：{done.reports} 条上报（其中更正 {done.corrections} 条、已撤销 {done.undone} 条），"
          f"{done.units} 个单位，{done.liaisons} 个联络员，月份 {done.first_period} 起；用时 {done.seconds:.1f} 秒")
    if args.console:
        print(f"试用：BOT_CONSOLE_DB={args.db} make run（终端对话，本地用户即管理员）")
    else:
        print(f"试用：BOT_DB={args.db} BOT_ADMINS={args.admin} BOT_TOKEN=… make run")
    return 0


def _first_admin() -> int:
    first = os.environ.get("BOT_ADMINS", "").replace(" ", "").split(",")[0]
    return int(first) if first.lstrip("-").isdigit() else 1
