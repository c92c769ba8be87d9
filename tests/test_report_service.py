"""The report service through the BotService facade: permissions, invites, corrections, undo, idempotency."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.services.facade import BotService
from errors import InviteError, NotFound, PermissionDenied, ReportInputError, UserFacingError
from knowledge.answers import Answer
from reporting.outcomes import (
    Cancelled, InviteCreated, Joined, Notice, PendingConfirmation, ReportReceipt, Revoked, UndoReceipt,
)
from reporting.progress import Status
from reporting.render import render_report_html, render_report_text
from tests.report_support import (
    ADMIN, LIAISON, OTHER, STRANGER, Clock, Messages, at, count_reports, expect, invite_and_join,
)

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

START = at(2026, 11, 24)


@pytest.fixture
def messages() -> Messages:
    return Messages()




async def test_the_acceptance_path(service: BotService, messages: Messages) -> None:
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 15,16", "jinan_policy_bot"),
                    InviteCreated)
    assert invite.link == f"https://t.me/jinan_policy_bot?start={invite.code}" and len(invite.code) >= 12
    assert invite.expires_at - START == dt.timedelta(days=7)
    joined = await service.start(LIAISON, invite.code)
    assert isinstance(joined, Joined) and joined.unit_name == "市总工会"
    assert [r.number for r in joined.indicators] == [15, 16]
    refused = await service.start(OTHER, invite.code)
    assert isinstance(refused, Notice) and "已经被使用" in refused.text

    receipt = await service.handle_text(LIAISON, "济南工匠 12 2026年10月", None, messages(LIAISON))
    assert isinstance(receipt, ReportReceipt)
    [item] = receipt.items
    assert (item.unit_name, item.indicator, item.period.label, item.value, item.unit) == (
        "市总工会", 15, "2026年10月", 12, "人")
    assert item.progress.figure == 42 and item.replaced_value is None
    text = render_report_text(receipt)
    for phrase in ("2026年10月", "12 人", "42 人", "完成2023年目标（90 人）的46.7%", "完成2025年目标（150 人）的28.0%",
                   "滞后", "规则", "基线 30", "此前各月的新增还没有录入"):
        assert phrase in text

    corrected = expect(await service.handle_text(LIAISON, "济南工匠 14 2026年10月", None, messages(LIAISON)),
                       ReportReceipt)
    assert corrected.items[0].replaced_value == 12 and corrected.items[0].progress.figure == 44
    assert "更正了此前上报的 12 人" in render_report_text(corrected)

    undone = await service.reports.undo.given(LIAISON, corrected.report_ids)
    assert isinstance(undone, UndoReceipt) and undone.items[0].restored_value == 12
    assert undone.items[0].progress.figure == 42
    again = expect(await service.reports.undo.given(LIAISON, receipt.report_ids), UndoReceipt)
    assert again.items[0].restored_value is None and again.items[0].progress.figure == 30
    assert await count_reports(service) == 2  # history keeps both rows
    view = await service.reports.progress.view(LIAISON, "济南工匠")
    assert view.items[0].figure == 30


async def test_strangers_ask_questions_and_store_nothing(service: BotService, messages: Messages) -> None:
    outcome = await service.handle_text(STRANGER, "济南工匠 12", None, messages(STRANGER))
    assert isinstance(outcome, Answer)
    for call in (service.reports.intake.submit_text(STRANGER, "济南工匠 12"), service.reports.progress.view(STRANGER),
                 service.reports.liaisons.create_invite(STRANGER, "市总工会 15"),
                 service.reports.liaisons.list_liaisons(STRANGER),
                 service.reports.liaisons.revoke(STRANGER, "市总工会"), service.reports.progress.mine(STRANGER)):
        with pytest.raises(PermissionDenied):
            await call
    assert await count_reports(service) == 0


async def test_liaisons_report_only_their_indicators(service: BotService, messages: Messages) -> None:
    await invite_and_join(service)
    with pytest.raises(PermissionDenied) as denied:
        await service.handle_text(LIAISON, "技能人才 136.5万", None, messages(LIAISON))
    assert "没有分配给市总工会" in denied.value.reply and "新增济南工匠" in denied.value.reply
    with pytest.raises(PermissionDenied):
        await service.handle_text(LIAISON, "济南工匠 12；技能人才 136.5万", None, messages(LIAISON))
    await service.reports.liaisons.create_invite(ADMIN, "市人社局 1")
    with pytest.raises(PermissionDenied):
        await service.handle_text(LIAISON, "市人社局 技能人才 136.5万", None, messages(LIAISON))
    assert await count_reports(service) == 0
    question = await service.handle_text(LIAISON, "济南工匠2025年目标是多少?", None, messages(LIAISON))
    assert isinstance(question, Answer)


async def test_admins_report_for_a_known_unit_named_first(service: BotService, messages: Messages) -> None:
    with pytest.raises(ReportInputError) as unnamed:
        await service.handle_text(ADMIN, "技能人才 136.5万", None, messages(ADMIN))
    assert "写明单位" in unnamed.value.reply
    with pytest.raises(NotFound):
        await service.handle_text(ADMIN, "市人社局 技能人才 136.5万", None, messages(ADMIN))
    await service.reports.liaisons.create_invite(ADMIN, "市人社局 1")
    await service.reports.liaisons.create_invite(ADMIN, "历下区 1 新建")
    first = expect(await service.handle_text(ADMIN, "市人社局 技能人才 136.5万", None, messages(ADMIN)), ReportReceipt)
    assert first.items[0].unit_name == "市人力资源社会保障局" and first.items[0].progress.figure == 136.5
    second = expect(await service.handle_text(ADMIN, "历下区 技能人才 30000人", None, messages(ADMIN)), ReportReceipt)
    assert second.items[0].value == 3 and second.items[0].progress.figure == 139.5
    assert second.items[0].progress.units_reported == 2


async def test_invites_expire_are_single_use_and_can_be_revoked(service: BotService, clock: Clock) -> None:
    reports = service.reports
    invite = expect(await reports.liaisons.create_invite(ADMIN, "市总工会 15,16"), InviteCreated)
    clock.now = START + dt.timedelta(days=8)
    with pytest.raises(InviteError, match="过期"):
        await reports.liaisons.join(LIAISON, invite.code)
    fresh = expect(await reports.liaisons.create_invite(ADMIN, "市总工会 济南工匠 首席技师"), InviteCreated)
    assert [r.number for r in fresh.indicators] == [15, 16]
    assert await reports.liaisons.join(LIAISON, fresh.code)
    assert (await reports.liaisons.join(LIAISON, fresh.code)).unit_name == "市总工会"  # a redelivered /start
    with pytest.raises(InviteError, match="使用过"):
        await reports.liaisons.join(OTHER, fresh.code)
    with pytest.raises(InviteError):
        await reports.liaisons.join(OTHER, "no-such-code-123")
    with pytest.raises(InviteError, match="格式"):
        await reports.liaisons.join(OTHER, "短")
    unused = expect(await reports.liaisons.create_invite(ADMIN, "市教育局 23"), InviteCreated)
    assert expect(await reports.liaisons.revoke(ADMIN, unused.code), Revoked).what
    with pytest.raises(InviteError, match="撤销"):
        await reports.liaisons.join(OTHER, unused.code)
    listing = await reports.liaisons.list_liaisons(ADMIN)
    assert [x.unit_name for x in listing.liaisons] == ["市总工会"] and listing.invites == ()
    revoked = expect(await reports.liaisons.revoke(ADMIN, "@zhangsan"), Revoked)
    assert "市总工会" in revoked.what[0]
    assert isinstance(await service.handle_text(LIAISON, "济南工匠 12"), Answer)
    with pytest.raises(ReportInputError):
        await reports.liaisons.create_invite(ADMIN, "市总工会 13")
    with pytest.raises(ReportInputError):
        await reports.liaisons.create_invite(ADMIN, "市总工会")


async def test_the_same_message_or_update_twice_stores_once(service: BotService, messages: Messages) -> None:
    await invite_and_join(service)
    ref = messages(LIAISON)
    first = expect(await service.handle_text(LIAISON, "济南工匠 12", None, ref), ReportReceipt)
    again = expect(await service.handle_text(LIAISON, "济南工匠 12", None, ref), ReportReceipt)
    replayed = ref.model_copy(update={"update_id": 1})
    redelivered = expect(await service.handle_text(LIAISON, "济南工匠 12", None, replayed), ReportReceipt)
    assert first.items[0].progress.figure == 42
    assert again.duplicate and redelivered.duplicate and again.items[0].progress.figure == 42
    assert await count_reports(service) == 1
    assert "没有重复保存" in render_report_text(again)


async def test_an_edited_message_corrects_its_report(service: BotService, messages: Messages) -> None:
    await invite_and_join(service)
    ref = messages(LIAISON)
    await service.handle_text(LIAISON, "济南工匠 12；首席技师 3", None, ref)
    edit = ref.model_copy(update={"edited": True, "update_id": 9001})
    receipt = expect(await service.handle_text(LIAISON, "济南工匠 13", None, edit), ReportReceipt)
    assert receipt.edited and receipt.items[0].replaced_value == 12 and receipt.items[0].progress.figure == 43
    assert [u.indicator for u in receipt.undone] == [16] and receipt.undone[0].progress.figure == 50
    assert isinstance(await service.handle_text(LIAISON, "济南工匠 13", None, edit), Notice)
    assert await count_reports(service) == 3
    gone = expect(await service.handle_text(LIAISON, "谁负责产教融合", None,
                                            edit.model_copy(update={"update_id": 9002})), ReportReceipt)
    assert [u.indicator for u in gone.undone] == [15] and gone.items == ()


async def test_every_bad_input_is_refused_with_an_example(service: BotService, messages: Messages) -> None:
    await invite_and_join(service, args="市总工会 15,16,23,1")
    bad = {
        "济南大工匠 12": "您是不是要报", "济南工匠 -5": "负数", "双师型 120%": "100%", "济南工匠 12个": "单位不符",
        "济南工匠 12 2026年12月": "还没到", "济南工匠 12 2021年6月": "2022年1月", "上报 济南工匠": "数值",
        "技能人才 66%": "单位不符", "#13 5": "没有编号为 13",
    }
    for text, phrase in bad.items():
        with pytest.raises(UserFacingError) as caught:
            await service.handle_text(LIAISON, text, None, messages(LIAISON))
        assert phrase in caught.value.reply and "例如" in caught.value.reply, text
    assert await count_reports(service) == 0


async def test_a_value_far_out_of_line_waits_for_confirmation(service: BotService, messages: Messages) -> None:
    await invite_and_join(service, args="市总工会 15,1")
    for month in (7, 8, 9):
        await service.handle_text(LIAISON, f"济南工匠 3 2026年{month}月", None, messages(LIAISON))
    pending = await service.handle_text(LIAISON, "济南工匠 40 2026年10月", None, messages(LIAISON))
    assert isinstance(pending, PendingConfirmation) and "中位数" in (pending.items[0].reason or "")
    assert await count_reports(service) == 3
    with pytest.raises(NotFound):
        await service.reports.intake.confirm(OTHER, pending.token)
    stored = expect(await service.reports.intake.confirm(LIAISON, pending.token), ReportReceipt)
    assert stored.items[0].value == 40 and stored.items[0].progress.figure == 79
    with pytest.raises(NotFound):
        await service.reports.intake.confirm(LIAISON, pending.token)
    huge = await service.handle_text(LIAISON, "技能人才 1365000", None, messages(LIAISON))
    assert isinstance(huge, PendingConfirmation)
    assert isinstance(await service.reports.intake.cancel(LIAISON, huge.token), Cancelled)
    assert await count_reports(service) == 4


async def test_undo_rules(service: BotService, messages: Messages) -> None:
    await invite_and_join(service)
    await invite_and_join(service, OTHER, "市教育局 15")
    several = expect(await service.handle_text(LIAISON, "济南工匠 2\n首席技师 3", None, messages(LIAISON)),
                     ReportReceipt)
    with pytest.raises(PermissionDenied):
        await service.reports.undo.given(OTHER, several.report_ids)
    undone = expect(await service.reports.undo.last(LIAISON), UndoReceipt)
    assert sorted(i.indicator for i in undone.items) == [15, 16]
    with pytest.raises(NotFound):
        await service.reports.undo.given(LIAISON, several.report_ids)
    first = expect(await service.handle_text(LIAISON, "济南工匠 2", None, messages(LIAISON)), ReportReceipt)
    await service.handle_text(LIAISON, "济南工匠 4", None, messages(LIAISON))
    with pytest.raises(ReportInputError, match="更正"):
        await service.reports.undo.given(LIAISON, first.report_ids)
    restored = expect(await service.reports.undo.given(ADMIN, (first.report_ids[0] + 1,)), UndoReceipt)
    assert restored.items[0].restored_value == 2


async def test_counts_with_cumulative_totals_across_units(service: BotService, messages: Messages) -> None:
    await invite_and_join(service)
    await invite_and_join(service, OTHER, "历下区 15 新建")
    await service.handle_text(LIAISON, "济南工匠 5 2026年8月", None, messages(LIAISON))
    await service.handle_text(LIAISON, "济南工匠 累计 20 2026年9月", None, messages(LIAISON))
    await service.handle_text(OTHER, "济南工匠 4 2026年9月", None, messages(OTHER))
    last = expect(await service.handle_text(LIAISON, "济南工匠 3 2026年10月", None, messages(LIAISON)), ReportReceipt)
    progress = last.items[0].progress
    assert progress.figure == 30 + 20 + 3 + 4 and progress.units_reported == 2
    assert progress.status is Status.BEHIND


async def test_mine_and_progress_views(service: BotService, messages: Messages) -> None:
    await invite_and_join(service)
    await service.handle_text(LIAISON, "济南工匠 5", None, messages(LIAISON))
    mine = await service.reports.progress.mine(LIAISON)
    assert [r.number for r in mine.units[0].missing] == [16] and mine.recent[0].value == 5
    view = await service.reports.progress.view(LIAISON)
    assert len(view.items) == 22 and view.as_of.label == "2026年10月"
    html = render_report_html(view)
    assert "<b>" in html and "新增济南工匠" in html
    with pytest.raises(ReportInputError):
        await service.reports.progress.view(LIAISON, "天气")


async def test_html_escapes_user_text(service: BotService, messages: Messages) -> None:
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, "<b>局 15 新建"), InviteCreated)
    assert "&lt;b&gt;局" in render_report_html(invite)
    joined = await service.reports.liaisons.join(LIAISON.model_copy(update={"name": "<i>x</i>"}), invite.code)
    assert "&lt;b&gt;" in render_report_html(joined)
    listing = render_report_html(await service.reports.liaisons.list_liaisons(ADMIN))
    assert "&lt;i&gt;x&lt;/i&gt;" in listing and "<i>x" not in listing


async def test_the_default_month_follows_bot_tz(service: BotService, clock: Clock, messages: Messages) -> None:
    await invite_and_join(service)
    clock.now = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # already 1 December in Asia/Shanghai
    receipt = expect(await service.handle_text(LIAISON, "济南工匠 1", None, messages(LIAISON)), ReportReceipt)
    assert receipt.items[0].period.label == "2026年11月"
    current = expect(await service.handle_text(LIAISON, "济南工匠 1 本月", None, messages(LIAISON)), ReportReceipt)
    assert current.items[0].period.label == "2026年12月"
