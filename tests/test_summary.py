"""Weekly summary content on fixed data with an injected clock: counts, completeness, late units, status, weeks."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services.facade import BotService
from errors import InputError, PermissionDenied
from bot.settings import Settings
from bot.services.summaries import SummaryService
from knowledge.parser import load_policy
from reporting.summary_text import render_weekly
from reporting.weeks import Week, last_remind_slot, last_weekly_slot, parse_week, scheduled_week
from storage.db import open_database
from reporting.outcomes import InviteCreated
from tests.crafted_rows import Rows, schema
from tests.crafted_rows import at as crafted_at
from tests.report_support import ADMIN, LIAISON, OTHER, STRANGER, ZONE, Clock, Messages, at, expect, open_service

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

W46, W47 = Week(year=2026, number=46), Week(year=2026, number=47)


@pytest.fixture
def clock() -> Clock:
    return Clock(at(2026, 11, 2))


@pytest.fixture
async def service(tmp_path: Path, clock: Clock) -> AsyncIterator[BotService]:
    service = await open_service(tmp_path, clock)
    yield service
    await service.close()


async def join(service: BotService, actor, args: str) -> None:
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, args, "jinan_policy_bot"), InviteCreated)
    await service.reports.liaisons.join(actor, invite.code)


async def report(service: BotService, clock: Clock, when: dt.datetime, actor, text: str, messages: Messages) -> None:
    clock.now = when
    await service.handle_text(actor, text, None, messages(actor))


@pytest.fixture
def messages() -> Messages:
    return Messages()


@pytest.fixture
async def two_weeks(service: BotService, clock: Clock, messages: Messages) -> BotService:
    """W46: 市总工会 reports 15 and 16 for October. W47: it corrects 15, 市人社局 reports 1. Now: Monday of W48."""
    await join(service, LIAISON, "市总工会 15,16")
    await join(service, OTHER, "市人社局 1")
    await report(service, clock, at(2026, 11, 10), LIAISON, "济南工匠 12 2026年10月", messages)
    await report(service, clock, at(2026, 11, 11), LIAISON, "泉城首席技师 5 2026年10月", messages)
    await report(service, clock, at(2026, 11, 17), LIAISON, "济南工匠 14 2026年10月", messages)
    await report(service, clock, at(2026, 11, 18), OTHER, "技能人才 136.5万 2026年10月", messages)
    clock.now = at(2026, 11, 23, 9)
    return service


def line(summary, number: int):
    return next(i for i in summary.indicators if i.number == number)


async def test_a_finished_week_counts_its_reports_completeness_and_changes(two_weeks: BotService) -> None:
    summary = (await two_weeks.summaries.weekly(ADMIN, "2026-W47")).summary
    assert (summary.week, summary.monday, summary.sunday) == ("2026-W47", dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert summary.as_of == dt.datetime(2026, 11, 23, tzinfo=ZONE)
    assert (summary.report_count, summary.correction_count) == (2, 1)
    assert summary.reporting_units == ("市人力资源社会保障局", "市总工会")
    assert summary.period == "2026-10" and summary.completeness == 100.0 and summary.late_units == ()
    jiangjiang = line(summary, 15)
    assert (jiangjiang.figure, jiangjiang.previous_figure, jiangjiang.change) == (44, 42, 2)
    assert jiangjiang.status == "滞后" and jiangjiang.expected == 150  # flat at the 2025 target after Dec 2025
    assert jiangjiang.final_share == jiangjiang.share_for(2025) == pytest.approx(44 / 150 * 100)
    assert summary.years == (2021, 2023, 2025) and jiangjiang.target_for(2023) == 90
    assert line(summary, 16).change == 0
    skilled = line(summary, 1)
    assert (skilled.figure, skilled.previous_figure, skilled.change) == (136.5, None, None)
    assert line(summary, 2).figure is None and line(summary, 2).status == "暂无数据"
    assert len(summary.indicators) == 22 and 13 not in [i.number for i in summary.indicators]


async def test_an_earlier_week_sees_the_late_unit_and_the_figures_as_they_stood(two_weeks: BotService) -> None:
    summary = await two_weeks.summaries.build_weekly(W46)
    assert (summary.report_count, summary.correction_count, summary.reporting_units) == (2, 0, ("市总工会",))
    assert summary.expected_units == ("市人力资源社会保障局", "市总工会") and summary.complete_units == ("市总工会",)
    assert summary.completeness == 50.0
    [late] = summary.late_units
    assert (late.unit, late.missing, late.liaisons) == ("市人力资源社会保障局", (1,), ("李四",))
    assert summary.deadline == dt.date(2026, 11, 5) and summary.deadline_passed
    assert (line(summary, 15).figure, line(summary, 15).previous_figure) == (42, 30)
    text = render_weekly(summary)
    for phrase in ("2026-W46", "本周上报 2 条", "1/2 个单位（50%）", "逾期未报齐：市人力资源社会保障局（缺指标 1）",
                   "15 新增济南工匠：42人｜占2025目标 28%｜滞后｜较上周 +12", "判定规则"):
        assert phrase in text


async def test_the_current_week_runs_to_now_and_an_undone_report_does_not_count(
    two_weeks: BotService, clock: Clock, messages: Messages
) -> None:
    await report(two_weeks, clock, at(2026, 11, 24, 10), LIAISON, "济南工匠 20 2026年10月", messages)
    summary = (await two_weeks.summaries.weekly(ADMIN)).summary
    assert summary.week == "2026-W48" and summary.report_count == 1 and line(summary, 15).figure == 50
    await two_weeks.reports.undo.last(LIAISON)
    summary = await two_weeks.summaries.build_weekly()
    assert summary.report_count == 0 and line(summary, 15).figure == 44 and line(summary, 15).change == 0


async def test_weeks_are_cut_at_midnight_in_shanghai_not_utc(
    service: BotService, clock: Clock, messages: Messages
) -> None:
    await join(service, LIAISON, "市总工会 15,16")
    utc = dt.UTC
    await report(service, clock, dt.datetime(2026, 11, 15, 15, 50, tzinfo=utc), LIAISON, "济南工匠 3 2026年10月",
                 messages)
    await report(service, clock, dt.datetime(2026, 11, 15, 16, 30, tzinfo=utc), LIAISON,
                 "泉城首席技师 4 2026年10月", messages)
    clock.now = dt.datetime(2026, 11, 20, tzinfo=utc)
    w46, w47 = await service.summaries.build_weekly(W46), await service.summaries.build_weekly(W47)
    assert (w46.report_count, w47.report_count) == (1, 1)  # Sunday 23:50 and Monday 00:30 local time
    assert (line(w46, 15).figure, line(w46, 16).figure) == (33, 50)
    assert (line(w47, 16).previous_figure, line(w47, 16).figure) == (50, 54)


async def test_only_admins_get_summaries_exports_and_reminders(two_weeks: BotService) -> None:
    for actor in (LIAISON, STRANGER):
        with pytest.raises(PermissionDenied) as refused:
            await two_weeks.summaries.weekly(actor)
        assert "管理员" in refused.value.reply
        with pytest.raises(PermissionDenied):
            await two_weeks.summaries.export(actor)
        with pytest.raises(PermissionDenied):
            await two_weeks.summaries.remind_now(actor)
    with pytest.raises(InputError) as bad:
        await two_weeks.summaries.export(ADMIN, "pdf")
    assert "/export csv" in bad.value.reply


@pytest.mark.pure
def test_week_arguments() -> None:
    now = dt.datetime(2026, 11, 25, 12, tzinfo=ZONE)
    assert parse_week(None, now, 2021) == Week(year=2026, number=48)
    for same in ("上周", "2026W47", "w47", "第47周", "2026-W47"):
        assert parse_week(same, now, 2021) == W47
    assert parse_week("2026-W01", now, 2021).monday == dt.date(2025, 12, 29)
    for bad, phrase in (("2026-W60", "第 1 到第 53 周"), ("2027-W01", "还没有开始"), ("2021-W10", "2022"),
                        ("0000-W01", "2022"), ("0001-W53", "2022"), ("下周二", "看不懂")):
        with pytest.raises(InputError) as refused:
            parse_week(bad, now, 2021)
        assert phrase in refused.value.reply and "2026-W47" in refused.value.reply


@pytest.mark.pure
def test_schedule_slots() -> None:
    monday_nine = dt.time(9)
    now = dt.datetime(2026, 11, 23, 9, 0, 30, tzinfo=ZONE)
    assert last_weekly_slot(now, 0, monday_nine) == dt.datetime(2026, 11, 23, 9, tzinfo=ZONE)
    assert last_weekly_slot(now - dt.timedelta(minutes=1), 0, monday_nine) == dt.datetime(2026, 11, 16, 9, tzinfo=ZONE)
    assert scheduled_week(dt.datetime(2026, 11, 23, 9, tzinfo=ZONE)) == W47  # Monday: the week just ended
    assert scheduled_week(dt.datetime(2026, 11, 20, 17, tzinfo=ZONE)) == W47  # Friday: the week so far
    assert last_remind_slot(dt.datetime(2026, 12, 5, 9, 1, tzinfo=ZONE), 5, monday_nine).date() == dt.date(2026, 12, 5)
    assert last_remind_slot(dt.datetime(2026, 12, 4, tzinfo=ZONE), 5, monday_nine).date() == dt.date(2026, 11, 5)


# ---- the summary's SQL on crafted rows ---------------------------------------------------------------
async def test_outliers_and_liaisons_without_figures_on_crafted_rows(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "bot.db")
    rows = Rows(schema(tmp_path / "bot.db"))
    for i, month in enumerate(["2026-06", "2026-07", "2026-08", "2026-09"]):
        rows.report(1, 15, month, 10 + i, crafted_at(2026, 7 + i, 2))
    rows.report(1, 15, "2026-10", 600, crafted_at(2026, 11, 17))
    for i, month in enumerate(["2026-06", "2026-07", "2026-08", "2026-09"]):
        rows.report(3, 15, month, 2 + i, crafted_at(2026, 7 + i, 3))
    rows.report(3, 15, "2026-10", 4, crafted_at(2026, 11, 18))
    rows.report(3, 15, "2026-10", 60, crafted_at(2026, 11, 19))  # a correction, far above the unit's 2 3 4 5
    rows.liaison(1, 1, (15,), name="张三")
    rows.liaison(2, 2, (15, 16), username="lisi")
    rows.liaison(3, 2, (16,), name="王五", revoked=crafted_at(2026, 11, 20))  # gone before the week ended
    settings = Settings(_env_file=None, db=tmp_path / "bot.db", admins=(ADMIN.user_id,))
    summaries = SummaryService(db, load_policy(), settings, lambda: crafted_at(2026, 11, 30))
    try:
        summary = await summaries.build_weekly(W47)
    finally:
        await db.close()
    [outlier, out_of_line] = summary.outliers
    assert (outlier.unit, outlier.indicator, outlier.period, outlier.value) == ("单位1", 15, "2026-10", 600)
    assert "600" in outlier.reason and "120" in outlier.reason  # above the city's whole target
    assert (out_of_line.unit, out_of_line.value) == ("单位3", 60)
    assert "中位数（3.5人）" in out_of_line.reason  # of its other months: 2, 3, 4, 5
    assert summary.complete_units == ("单位1",) and summary.late_units[0].missing == (15, 16)
    assert summary.late_units[0].liaisons == ("lisi",)
    assert line(summary, 15).figure == 30 + 10 + 11 + 12 + 13 + 600 + 2 + 3 + 4 + 5 + 60
    assert line(summary, 15).previous_figure == 30 + 10 + 11 + 12 + 13 + 2 + 3 + 4 + 5
    assert (summary.report_count, summary.correction_count) == (3, 1)
    assert summary.reporting_units == ("单位1", "单位3")
    assert "异常值" in render_weekly(summary) and "单位1 指标15 2026年10月：600" in render_weekly(summary)


async def test_only_units_with_a_liaison_in_that_week_are_late(two_weeks: BotService) -> None:
    from bot.services.actors import Actor

    newcomer = Actor(user_id=77, chat_id=77, name="王五")
    await join(two_weeks, newcomer, "市教育局 22")  # joins in W48: not late for W46 or W47
    await two_weeks.reports.liaisons.revoke(ADMIN, "市人力资源社会保障局")  # revoked in W48: still late for W46
    past = await two_weeks.summaries.build_weekly(W46)
    assert past.expected_units == ("市人力资源社会保障局", "市总工会")
    now = await two_weeks.summaries.build_weekly()
    assert now.expected_units == ("市总工会", "市教育局")
