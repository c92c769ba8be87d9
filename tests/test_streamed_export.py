"""Streamed exports: rows read from a cursor in one snapshot, written in a worker thread to a private folder on
disk with memory flat in the row count, sent or moved from there, and nothing left behind, even when cancelled."""

from __future__ import annotations

import asyncio
import io
import os
import threading
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.services import exports
from bot.services.exports import LEFTOVER_AGE_S, ExportJob, sweep_leftovers, write_export
from bot.services.facade import BotService
from reporting.effective import CORRECTED, EFFECTIVE
from reporting.outcomes import InviteCreated
from reporting.xlsx import Percent, Sheet, write_xlsx
from storage.export_queries import ExportStopped, open_reader, report_batches
from tests.conftest import ADMIN_ID, in_process_bot
from tests.report_support import ADMIN, LIAISON, Clock, Messages, at, expect, open_service

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

HEADER = ("记录ID", "单位", "数值", "比例", "原文")


@pytest.fixture
async def reported(tmp_path: Path) -> AsyncIterator[BotService]:
    """市总工会 reports 济南工匠 three times for one month: two corrections, the last one counts."""
    service = await open_service(tmp_path, Clock(at(2026, 11, 2)))
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 15,16", "jinan_policy_bot"),
                    InviteCreated)
    await service.reports.liaisons.join(LIAISON, invite.code)
    messages = Messages()
    for value in (10, 11, 12):
        await service.handle_text(LIAISON, f"济南工匠 {value} 2026年10月", None, messages(LIAISON))
    yield service
    await service.close()


def _rows(count: int) -> Iterator[tuple[object, ...]]:
    for i in range(count):
        yield (i + 1, f"单位{i % 120:04d}", 12.5 + i, Percent(66.0), f"济南工匠 {i} 2026年10月")


def test_a_sheet_past_the_row_limit_goes_on_in_a_second_sheet(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    assert write_xlsx(path, [Sheet("上报明细", HEADER, (8.0,) * 5, _rows(7))], max_rows=4) == [7]
    book = load_workbook(path)
    assert book.sheetnames == ["上报明细", "上报明细（2）", "上报明细（3）"]
    ids = []
    for sheet in book:
        assert [c.value for c in sheet[1]] == list(HEADER) and sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:E{sheet.max_row}"
        ids += [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == list(range(1, 8))


def _peak(path: Path, count: int) -> int:
    tracemalloc.start()
    try:
        write_xlsx(path, [Sheet("上报明细", HEADER, (8.0,) * 5, _rows(count))])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_rows(tmp_path: Path) -> None:
    small, large = _peak(tmp_path / "small.xlsx", 3000), _peak(tmp_path / "large.xlsx", 15000)
    assert large < small + 128 * 1024, (small, large)  # 12,000 more rows held would take megabytes


async def test_the_export_reads_one_snapshot_while_the_bot_writes(reported: BotService) -> None:
    conn = open_reader(reported.summaries.db.target)
    try:
        batches = report_batches(conn, size=1)
        first = next(batches)
        await reported.handle_text(LIAISON, "济南工匠 13 2026年10月", None, Messages()(LIAISON))  # a 4th, committed
        rows = first + [row for batch in batches for row in batch]
    finally:
        conn.close()
    assert [row[0] for row in rows] == [1, 2, 3]  # nothing the snapshot did not hold
    assert [(bool(row[11]), bool(row[12])) for row in rows] == [(False, False), (False, False), (False, True)]


def test_a_stopped_export_gives_up_between_batches(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "x.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("CREATE TABLE units (id INTEGER PRIMARY KEY, name TEXT);"
                           "CREATE TABLE reports (id INTEGER PRIMARY KEY, unit_id, indicator, period, value,"
                           " cumulative, reporter_id, created_at, source_text, replaces_id, superseded_by, undone_at,"
                           " undone_by, held, reviewed_at, reviewed_by, review_note);"
                           "INSERT INTO units VALUES (1, '市总工会');"
                           "INSERT INTO reports (unit_id, indicator, period, value) VALUES (1, 15, '2026-10', 12);")
    conn = open_reader(path)
    stop = threading.Event()
    stop.set()
    with pytest.raises(ExportStopped):
        next(report_batches(conn, stop))
    conn.close()


async def test_the_file_lies_in_a_private_folder_that_goes_once_it_is_read(reported: BotService) -> None:
    file = await reported.summaries.export(ADMIN)
    folder = file.path.parent
    assert folder.parent == reported.summaries.db.scratch and folder.name.startswith(".export-")
    assert folder.stat().st_mode & 0o777 == 0o700 and file.path.stat().st_mode & 0o777 == 0o600
    with file:
        statuses = [row[14] for row in load_workbook(io.BytesIO(file.path.read_bytes()))["上报明细"].iter_rows(
            min_row=2, values_only=True)]
    assert statuses == [CORRECTED, CORRECTED, EFFECTIVE] and not folder.exists()
    assert file.caption.startswith("导出（指标进度、上报明细 3 条")


async def test_a_cancelled_export_leaves_nothing_behind(reported: BotService, monkeypatch: pytest.MonkeyPatch) -> None:
    started, gate, seen = threading.Event(), threading.Event(), []

    def stuck(job: ExportJob, target: Path, stop: threading.Event) -> int:
        started.set()
        gate.wait()
        target.write_bytes(b"half a file")  # the worker was still writing when the export was cancelled
        seen.append(stop.is_set())
        return 1

    monkeypatch.setattr(exports, "write_job", stuck)
    summary = await reported.summaries.build_weekly()
    job = ExportJob("xlsx", reported.summaries.db.target, summary, (), (), ())
    folder = reported.summaries.db.scratch
    task = asyncio.create_task(write_export(job, folder))
    await asyncio.to_thread(started.wait)  # the worker is writing
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    gate.set()
    exports._WORKER.submit(lambda: None).result()  # one worker: this runs once the stuck export has finished
    assert seen == [True] and list(folder.glob(".export-*")) == []


def test_folders_a_killed_process_left_are_swept(tmp_path: Path) -> None:
    now = 2_000_000_000.0
    old, fresh = tmp_path / ".export-old", tmp_path / ".export-running"
    for folder, age in ((old, LEFTOVER_AGE_S + 60), (fresh, 60)):
        folder.mkdir()
        (folder / "export.xlsx").write_bytes(b"x")
        os.utime(folder, (now - age, now - age))
    assert sweep_leftovers(tmp_path, now) == [old]
    assert not old.exists() and fresh.exists()


@pytest.mark.telegram
async def test_telegram_gets_the_file_from_disk_or_hears_it_is_too_big(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.admin

    async with in_process_bot(tmp_path) as bot:
        [document] = await bot.send_text(ADMIN_ID, "/export csv")
        assert document.kind == "document" and (document.file_name or "").endswith("-csv.zip")
        assert document.data.startswith(b"PK")
        monkeypatch.setattr(handlers.admin, "UPLOAD_LIMIT", 100)
        [refusal] = await bot.send_text(ADMIN_ID, "/export")
        assert "超过 Telegram" in refusal.text and "/export csv" in refusal.text
        assert len(bot.files_in(ADMIN_ID)) == 1
    assert list(tmp_path.glob(".export-*")) == []
