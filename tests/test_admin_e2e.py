"""Admin summaries end to end: the real Application long-polls the fake Bot API; photos and documents arrive."""

from __future__ import annotations

import io
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from reporting.export import REPORTS_SHEET
from tests.bot_driver import BotDriver
from tests.conftest import ADMIN_ID, OTHER_WORKER_ID, WORKER_ID

pytestmark = [pytest.mark.telegram, pytest.mark.both_engines]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _liaison_who_reported(telegram: BotDriver) -> None:
    """WORKER becomes the liaison of 市总工会 for 15 and 16 and reports 15 for last month (16 stays missing)."""
    [invite] = await telegram.send_text(ADMIN_ID, "/invite 市总工会 15,16")
    code = re.search(r"start=([\w-]+)", invite.text)
    assert code, invite.text
    await telegram.send_text(WORKER_ID, f"/start {code.group(1)}")
    [receipt] = await telegram.send_text(WORKER_ID, "济南工匠 12 上月")
    assert "市总工会" in receipt.text


async def test_weekly_and_export_reach_the_admin_as_message_chart_and_files(telegram: BotDriver) -> None:
    await _liaison_who_reported(telegram)
    text, chart = await telegram.send_text(ADMIN_ID, "/weekly", expect=2)
    assert text.kind == "text" and "周报" in text.text and "本周上报 1 条" in text.text and "市总工会" in text.text
    assert "15 新增济南工匠：42人" in text.text
    assert chart.kind == "photo" and chart.data.startswith(PNG_SIGNATURE)

    [document] = await telegram.send_text(ADMIN_ID, "/export")
    assert document.kind == "document" and (document.file_name or "").endswith(".xlsx")
    book = load_workbook(io.BytesIO(document.data), read_only=True)
    rows = list(book[REPORTS_SHEET].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "市总工会" and rows[1][5] == 12

    [archive] = await telegram.send_text(ADMIN_ID, "/export csv")
    assert (archive.file_name or "").endswith(".zip")
    assert "上报明细.csv" in zipfile.ZipFile(io.BytesIO(archive.data)).namelist()

    [bad_week] = await telegram.send_text(ADMIN_ID, "/weekly 下周")
    assert "2026-W47" in bad_week.text and len(telegram.files_in(ADMIN_ID)) == 3


async def test_non_admins_get_neither_summary_nor_files(telegram: BotDriver) -> None:
    await _liaison_who_reported(telegram)
    for user in (WORKER_ID, OTHER_WORKER_ID):
        for command in ("/weekly", "/export", "/remind"):
            [refusal] = await telegram.send_text(user, command)
            assert "只有管理员" in refusal.text, (user, command, refusal.text)
        assert telegram.files_in(user) == []
    assert [m for m in telegram.messages_in(WORKER_ID) if "还没有报齐" in m.text] == []


async def test_remind_messages_the_liaison_still_missing_figures(telegram: BotDriver) -> None:
    await _liaison_who_reported(telegram)
    before = len(telegram.messages_in(WORKER_ID))
    [receipt] = await telegram.send_text(ADMIN_ID, "/remind")
    assert "已提醒 1 位联络员" in receipt.text and "缺指标 16" in receipt.text
    [reminder] = telegram.messages_in(WORKER_ID)[before:]
    assert "新增泉城首席技师（#16）" in reminder.text and "还没有报齐" in reminder.text


async def test_the_scheduled_summary_fires_through_the_real_job_queue_once(fake_api, tmp_path) -> None:
    import datetime as dt

    from application import build_application
    from bot.telegram.running import serving
    from bot.telegram.jobs import WEEKLY_JOB
    from tests.conftest import settings_for

    slot = dt.datetime.now(ZoneInfo("Asia/Shanghai")) - dt.timedelta(minutes=1)
    weekday = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[slot.weekday()]
    settings = settings_for(fake_api, tmp_path, weekly_at=f"{weekday} {slot:%H:%M}")
    app = build_application(settings)
    async with serving(app, settings):
        assert app.job_queue is not None
        [job] = app.job_queue.get_jobs_by_name(WEEKLY_JOB)
        await job.run(app)  # what the JobQueue does at BOT_WEEKLY_AT
        await job.run(app)  # a second firing (or a restart) sends nothing new
    to_admin = [m for m in fake_api.sent if m.chat_id == ADMIN_ID]
    assert [m.kind for m in to_admin] == ["text", "photo"] and "周报" in to_admin[0].text
