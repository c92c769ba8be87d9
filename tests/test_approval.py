"""Approval (BOT_APPROVAL=on) through the services: held figures do not count until approved, returns say why,
every decision is kept with who and when, corrections of approved figures wait again, and every view agrees."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.services.facade import BotService
from bot.settings import Settings
from errors import Conflict, InputError, NotFound, PermissionDenied
from reporting.effective import CORRECTED, EFFECTIVE, PENDING, RETURNED, UNDONE
from reporting.outcomes import InviteCreated, ReportReceipt
from reporting.render import render_report_text
from storage.db import open_database
from storage.reports import IS_CURRENT_AT, instant_text
from storage.unit_figures import UnitFigures
from tests.crafted_rows import Rows, schema
from tests.report_support import ADMIN, LIAISON, STRANGER, Clock, Messages, at, expect, exported

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

START = at(2026, 11, 24)
BASELINE_15 = 30  # 济南工匠's 2021 baseline: the city figure before anything counts


@pytest.fixture
async def approving(tmp_path: Path, clock: Clock) -> AsyncIterator[BotService]:
    settings = Settings(_env_file=None, db=tmp_path / "bot.db", admins=(ADMIN.user_id,), approval=True)
    service = await BotService.open(settings, clock)
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 15,16", "jinan_policy_bot"),
                    InviteCreated)
    await service.reports.liaisons.join(LIAISON, invite.code)
    yield service
    await service.close()


async def city(service: BotService, number: int = 15) -> float | None:
    return (await service.reports.progress.city_progress({number}))[number].figure


async def report(service: BotService, text: str, messages: Messages) -> ReportReceipt:
    receipt = await service.handle_text(LIAISON, text, None, messages(LIAISON))
    assert isinstance(receipt, ReportReceipt)
    return receipt


async def test_approval_off_counts_at_once_as_before(service: BotService, clock: Clock) -> None:
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 15", "jinan_policy_bot"),
                    InviteCreated)
    await service.reports.liaisons.join(LIAISON, invite.code)
    receipt = await report(service, "济南工匠 12 2026年10月", Messages())
    assert not receipt.items[0].held and "待审核" not in render_report_text(receipt)
    assert await city(service) == BASELINE_15 + 12
    assert (await service.reviews.queue(ADMIN)).total == 0


async def test_a_held_figure_counts_only_once_approved(approving: BotService, clock: Clock) -> None:
    messages, held_ids = Messages(), list[tuple[int, ...]]()
    approving.reports.intake.on_held = held_ids.append
    receipt = await report(approving, "济南工匠 12 2026年10月", messages)
    [item] = receipt.items
    assert item.held and item.progress.figure == BASELINE_15  # the receipt's progress does not count it yet
    text = render_report_text(receipt)
    assert "⏳ 已保存，待审核" in text and "审核通过后才计入" in text
    assert held_ids == [receipt.report_ids]
    assert await city(approving) == BASELINE_15
    progress = render_report_text(await approving.reports.progress.view(LIAISON, "济南工匠"))
    assert "另有 1 条数据待审核" in progress
    weekly = await approving.summaries.build_weekly()
    assert weekly.awaiting_review == {15: 1}
    queue = await approving.reviews.queue(ADMIN)
    assert [(f.report_id, f.unit_name, f.value, f.reporter) for f in queue.items] == [
        (item.report_id, "市总工会", 12, "张三")]

    clock.now = at(2026, 11, 24, 11)
    decision = await approving.reviews.approve(ADMIN, item.report_id)
    assert decision.approved and decision.notify_chat_id == LIAISON.user_id
    assert decision.progress.figure == BASELINE_15 + 12 and await city(approving) == BASELINE_15 + 12
    assert (await approving.reviews.queue(ADMIN)).total == 0
    history = await approving.dashboard.unit_history(ADMIN, 15, decision.figure.unit_id)
    [entry] = history.entries
    assert (entry.status, entry.approved, entry.reviewed_by, entry.reviewed_at) == (EFFECTIVE, True, ADMIN.user_id,
                                                                                    clock.now)
    with pytest.raises(Conflict, match="已经审核通过"):
        await approving.reviews.approve(ADMIN, item.report_id)


async def test_a_returned_figure_never_counts_and_says_why(approving: BotService, clock: Clock) -> None:
    messages = Messages()
    receipt = await report(approving, "济南工匠 12 2026年10月", messages)
    report_id = receipt.report_ids[0]
    with pytest.raises(InputError, match="退回原因"):
        await approving.reviews.return_figure(ADMIN, report_id, "  ")
    with pytest.raises(InputError, match="最多 200"):
        await approving.reviews.return_figure(ADMIN, report_id, "太长" * 101)
    decision = await approving.reviews.return_figure(ADMIN, report_id, "数值与台账不符")
    assert not decision.approved and decision.reason == "数值与台账不符"
    assert await city(approving) == BASELINE_15
    [entry] = (await approving.dashboard.unit_history(ADMIN, 15, decision.figure.unit_id)).entries
    assert (entry.status, entry.review_note, entry.reviewed_by) == (RETURNED, "数值与台账不符", ADMIN.user_id)
    mine = render_report_text(await approving.reports.progress.mine(LIAISON))
    assert "已退回：数值与台账不符" in mine
    missing = await approving.summaries.reminders("2026-10")  # returned: the month is to be sent again
    assert [r.missing for r in missing] == [(15, 16)]
    with pytest.raises(Conflict, match="已经退回"):
        await approving.reviews.approve(ADMIN, report_id)


async def test_a_correction_of_an_approved_figure_waits_again(approving: BotService, clock: Clock) -> None:
    messages = Messages()
    first = (await report(approving, "济南工匠 12 2026年10月", messages)).report_ids[0]
    await approving.reviews.approve(ADMIN, first)
    clock.now = at(2026, 11, 25)
    correction = await report(approving, "济南工匠 14 2026年10月", messages)
    [item] = correction.items
    assert item.held and item.replaced_value == 12
    assert await city(approving) == BASELINE_15 + 12  # the approved figure goes on counting meanwhile
    [waiting] = (await approving.reviews.queue(ADMIN)).items
    assert (waiting.report_id, waiting.counted_value) == (item.report_id, 12)
    history = await approving.dashboard.unit_history(ADMIN, 15, waiting.unit_id)
    entries = {e.report_id: e.status for e in history.entries}
    assert entries == {first: EFFECTIVE, item.report_id: PENDING}
    await approving.reviews.approve(ADMIN, item.report_id)
    assert await city(approving) == BASELINE_15 + 14
    history = await approving.dashboard.unit_history(ADMIN, 15, waiting.unit_id)
    entries = {e.report_id: e.status for e in history.entries}
    assert entries == {first: CORRECTED, item.report_id: EFFECTIVE}


async def test_decisions_refused_with_a_reason(approving: BotService, clock: Clock) -> None:
    messages = Messages()
    older = (await report(approving, "济南工匠 12 2026年10月", messages)).report_ids[0]
    newer = (await report(approving, "济南工匠 13 2026年10月", messages)).report_ids[0]
    with pytest.raises(Conflict, match="新数据更正"):
        await approving.reviews.approve(ADMIN, older)
    with pytest.raises(PermissionDenied):
        await approving.reviews.approve(LIAISON, newer)
    with pytest.raises(PermissionDenied):
        await approving.reviews.queue(STRANGER)
    with pytest.raises(NotFound):
        await approving.reviews.approve(ADMIN, 999_999)
    await approving.reports.undo.given(LIAISON, (newer,))
    with pytest.raises(Conflict, match="撤销"):
        await approving.reviews.approve(ADMIN, newer)
    assert [f.report_id for f in (await approving.reviews.queue(ADMIN)).items] == [older]  # the latest word again
    admins_own = expect(await approving.handle_text(ADMIN, "市总工会 首席技师 3 2026年10月", None, messages(ADMIN)),
                        ReportReceipt)
    assert not admins_own.items[0].held  # an admin's figure needs nobody's approval
    with pytest.raises(Conflict, match="不需要审核"):
        await approving.reviews.approve(ADMIN, admins_own.report_ids[0])


async def test_exports_name_waiting_and_returned_rows(approving: BotService, clock: Clock) -> None:
    from openpyxl import load_workbook
    import io

    messages = Messages()
    kept = (await report(approving, "济南工匠 12 2026年10月", messages)).report_ids[0]
    returned = (await report(approving, "首席技师 2 2026年10月", messages)).report_ids[0]
    await approving.reviews.return_figure(ADMIN, returned, "单位不对")
    book = load_workbook(io.BytesIO(await exported(approving)), read_only=True)
    header, *rows = list(book["上报明细"].iter_rows(values_only=True))
    by_id = {row[0]: dict(zip(header, row, strict=False)) for row in rows}  # a row may end before its empty cells
    assert by_id[kept]["状态"] == PENDING and by_id[returned]["状态"] == RETURNED
    assert by_id[returned]["退回原因"] == "单位不对" and by_id[returned]["审核人ID"] == ADMIN.user_id
    assert UNDONE not in {r["状态"] for r in by_id.values()}


async def test_the_summary_cache_follows_approvals_made_anywhere(tmp_path: Path) -> None:
    """An approval by another connection is caught by the review watermark, even one stamped before the last seen."""
    db = await open_database(tmp_path / "bot.db")
    conn = schema(tmp_path / "bot.db")
    rows = Rows(conn)
    figures = UnitFigures(db)
    try:
        first = rows.report(1, 15, "2026-09", 5, at(2026, 10, 3))
        second = rows.report(2, 15, "2026-09", 7, at(2026, 10, 3))
        conn.execute("UPDATE reports SET held = 'pending' WHERE id IN (?, ?)", (first, second))
        assert [(u.unit_id, u.total) for u in (await figures.now([15]))[15]] == []
        conn.execute("UPDATE reports SET held = NULL, reviewed_at = ?, reviewed_by = 1 WHERE id = ?",
                     (at(2026, 10, 9).isoformat(), second))
        assert [(u.unit_id, u.total) for u in (await figures.now([15]))[15]] == [(2, 7)]
        conn.execute("UPDATE reports SET held = NULL, reviewed_at = ?, reviewed_by = 1 WHERE id = ?",
                     (at(2026, 10, 5).isoformat(), first))  # stamped before the review already seen
        assert [(u.unit_id, u.total) for u in (await figures.now([15]))[15]] == [(1, 5), (2, 7)]
        assert [(u.unit_id, u.total) for u in (await figures.at(at(2026, 10, 6), [15]))[15]] == [(1, 5)]
        assert (await figures.at(at(2026, 10, 4), [15]))[15] == ()  # reported, not yet approved
        with closing(sqlite3.connect(tmp_path / "bot.db")) as reader:
            counted = f"SELECT r.id FROM reports r WHERE r.indicator = 15 AND {IS_CURRENT_AT}"
            assert [r[0] for r in reader.execute(counted, {"at": instant_text(at(2026, 10, 10))})] == [first, second]
            assert reader.execute("SELECT reviewed FROM report_counts").fetchone()[0] == 2
    finally:
        await db.close()
