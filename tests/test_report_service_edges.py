"""The report service at its edges: slips asked back, non-numbers, revocation, replays, groups, over-long reports."""

from __future__ import annotations

import pytest

from bot.services.facade import BotService
from errors import InviteError, NotFound, PermissionDenied, ReportInputError, UserFacingError
from knowledge.answers import Answer
from reporting.outcomes import (
    Cancelled, InviteCreated, Notice, PendingConfirmation, ReportReceipt, Revoked, UndoReceipt,
)
from reporting.render import render_report_text
from tests.report_support import (
    ADMIN, LIAISON, STRANGER, Messages, count_reports, expect, invite_and_join,
)

pytestmark = [pytest.mark.service, pytest.mark.both_engines]


@pytest.fixture
def messages() -> Messages:
    return Messages()


async def test_likely_slips_are_asked_back_with_what_was_meant_and_nothing_is_stored_before(
        service: BotService, messages: Messages) -> None:
    from bot.telegram.report_views import render_report_outcome

    await invite_and_join(service, args="市总工会 23,15,16,1")
    share = await service.handle_text(LIAISON, "双师型 0.66", None, messages(LIAISON))
    assert isinstance(share, PendingConfirmation) and share.items[0].suggestion == 66
    reply = render_report_outcome(share)
    assert [b.text for row in reply.keyboard for b in row] == ["按 66% 保存", "按原值保存", "取消"]
    assert "/confirm 建议" in render_report_text(share) and "66%" in render_report_text(share)
    people = await service.handle_text(LIAISON, "济南工匠 1.5", None, messages(LIAISON))
    assert isinstance(people, PendingConfirmation) and people.items[0].suggestion is None
    slip = await service.handle_text(LIAISON, "技能人才 1368000", None, messages(LIAISON))
    assert isinstance(slip, PendingConfirmation) and slip.items[0].suggestion == 136.8
    assert await count_reports(service) == 0

    stored = expect(await service.reports.intake.confirm(LIAISON, share.token, as_suggested=True), ReportReceipt)
    assert stored.items[0].value == 66
    as_written = expect(await service.reports.intake.confirm(LIAISON, slip.token), ReportReceipt)
    assert as_written.items[0].value == 1368000
    assert isinstance(await service.reports.intake.cancel(LIAISON, people.token), Cancelled)
    assert await count_reports(service) == 2

    await service.handle_text(LIAISON, "首席技师 累计 25 2026年8月", None, messages(LIAISON))
    fell = await service.handle_text(LIAISON, "首席技师 累计 20 2026年9月", None, messages(LIAISON))
    assert isinstance(fell, PendingConfirmation) and "2026年8月" in (fell.items[0].reason or "")
    assert await count_reports(service) == 3


async def test_numbers_that_are_not_numbers_are_refused(service: BotService, messages: Messages) -> None:
    await invite_and_join(service)
    for text in ("济南工匠 inf", "济南工匠 nan", "济南工匠 " + "9" * 400, "济南工匠 1e400"):
        try:
            outcome = await service.handle_text(LIAISON, text, None, messages(LIAISON))
        except UserFacingError as refused:
            assert "例如" in refused.reply, text
        else:
            assert not isinstance(outcome, (ReportReceipt, PendingConfirmation)), (text, outcome)
    assert await count_reports(service) == 0


async def test_revocation_ends_every_way_back_in(service: BotService, messages: Messages) -> None:
    joined_via = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 15,16", "jinan_policy_bot"),
                        InviteCreated)
    await service.reports.liaisons.join(LIAISON, joined_via.code)
    spare = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 17", "jinan_policy_bot"),
                   InviteCreated)
    receipt = expect(await service.handle_text(LIAISON, "济南工匠 12", None, messages(LIAISON)), ReportReceipt)
    revoked = expect(await service.reports.liaisons.revoke(ADMIN, "市总工会"), Revoked)
    assert [n.chat_id for n in revoked.told] == [LIAISON.chat_id] and "撤销" in revoked.told[0].text
    assert any("未使用的邀请码 1 个" in w for w in revoked.what)

    with pytest.raises(PermissionDenied):
        await service.reports.undo.given(LIAISON, receipt.report_ids)
    with pytest.raises(PermissionDenied):
        await service.reports.undo.last(LIAISON)
    for code in (joined_via.code, spare.code):  # the used code and the unit's unused one
        with pytest.raises(InviteError):
            await service.reports.liaisons.join(LIAISON, code)
    told = await service.handle_text(LIAISON, "济南工匠 13", None, messages(LIAISON))
    assert isinstance(told, Answer) and "已被撤销" in (told.note or "") and "没有保存" in (told.note or "")
    stranger = await service.handle_text(STRANGER, "济南工匠 13", None, messages(STRANGER))
    assert isinstance(stranger, Answer) and "/join" in (stranger.note or "") and stranger.indicators
    question = await service.handle_text(STRANGER, "济南工匠2025年目标是多少", None, messages(STRANGER))
    assert isinstance(question, Answer) and not question.note
    assert await count_reports(service) == 1


async def test_a_command_delivered_twice_is_carried_out_once(service: BotService, messages: Messages) -> None:
    await invite_and_join(service)
    await service.handle_text(LIAISON, "济南工匠 2 2026年9月", None, messages(LIAISON))
    await service.handle_text(LIAISON, "济南工匠 5 2026年10月", None, messages(LIAISON))
    command = messages(LIAISON)
    first = await service.reports.undo.last(LIAISON, command=command)
    assert isinstance(first, UndoReceipt) and first.items[0].value == 5
    again = await service.reports.undo.last(LIAISON, command=command)
    assert isinstance(again, Notice) and "已处理" in again.text
    assert (await service.reports.progress.view(LIAISON, "济南工匠")).items[0].figure == 32  # September's 2 stays
    invite_command = messages(ADMIN)
    created = expect(await service.reports.liaisons.create_invite(ADMIN, "市教育局 15", None, invite_command),
                     InviteCreated)
    replayed = await service.reports.liaisons.create_invite(ADMIN, "市教育局 15", None, invite_command)
    assert created.code and isinstance(replayed, Notice)
    assert len((await service.reports.liaisons.list_liaisons(ADMIN)).invites) == 1


async def test_invite_names_a_department_of_the_policy_or_asks(service: BotService) -> None:
    from bot.telegram.report_views import render_report_outcome
    from reporting.outcomes import InviteCreated, InviteQuestion

    alias = await service.reports.liaisons.create_invite(ADMIN, "总工会 15", None)
    assert isinstance(alias, InviteCreated) and alias.unit_name == "市总工会"
    typo = await service.reports.liaisons.create_invite(ADMIN, "市总公会 15,16", None)
    assert isinstance(typo, InviteQuestion) and typo.suggestions[0] == "市总工会"
    assert [b.text for row in render_report_outcome(typo).keyboard for b in row] == [
        "用“市总工会”", "新建“市总公会”", "取消"]
    assert "/invite 市总工会 15,16" in render_report_text(typo)
    assert "市总公会" not in await service.reports.units.names()
    chosen = await service.reports.liaisons.choose_unit(ADMIN, typo.token, 0)
    assert chosen.unit_name == "市总工会" and [r.number for r in chosen.indicators] == [15, 16]
    with pytest.raises(NotFound):
        await service.reports.liaisons.choose_unit(ADMIN, typo.token, 0)  # answered once

    county = await service.reports.liaisons.create_invite(ADMIN, "历下区人社局 15", None)
    assert isinstance(county, InviteQuestion)
    with pytest.raises(PermissionDenied):
        await service.reports.liaisons.choose_unit(LIAISON, county.token, None)
    created = await service.reports.liaisons.choose_unit(ADMIN, county.token, None)
    assert created.unit_name == "历下区人社局"
    direct = await service.reports.liaisons.create_invite(ADMIN, "槐荫区人社局 15 新建", None)
    assert isinstance(direct, InviteCreated) and direct.unit_name == "槐荫区人社局"
    with pytest.raises(ReportInputError, match="混淆"):
        await service.reports.liaisons.create_invite(ADMIN, "济南 15", None)


async def test_codes_figures_and_exports_stay_out_of_groups(service: BotService, messages: Messages) -> None:
    joined = await invite_and_join(service)
    assert joined.unit_name == "市总工会"
    in_group = {actor: actor.model_copy(update={"private": False, "chat_id": -100}) for actor in (ADMIN, LIAISON)}
    calls = (
        service.reports.liaisons.create_invite(in_group[ADMIN], "市教育局 22"),
        service.reports.liaisons.list_liaisons(in_group[ADMIN]),
        service.reports.liaisons.join(in_group[LIAISON], "AAAAAAAAAAAA"),
        service.reports.progress.mine(in_group[LIAISON]),
        service.summaries.weekly(in_group[ADMIN]), service.summaries.export(in_group[ADMIN]),
    )
    for call in calls:
        with pytest.raises(PermissionDenied, match="私聊"):
            await call
    assert (await service.reports.progress.view(in_group[LIAISON], "济南工匠")).items  # progress is city-wide: fine


async def test_an_over_long_report_is_refused_whole_and_an_edited_one_can_still_be_undone(
        service: BotService, messages: Messages) -> None:
    from reporting.grammar import MAX_MESSAGE

    await invite_and_join(service)
    long = "济南工匠 1；" * (MAX_MESSAGE // 7) + "首席技师 123"
    assert len(long) > MAX_MESSAGE
    with pytest.raises(ReportInputError, match="分成几条"):
        await service.handle_text(LIAISON, long, None, messages(LIAISON))
    assert await count_reports(service) == 0

    original = messages(LIAISON)
    await service.handle_text(LIAISON, "济南工匠 12 2026年10月", None, original)
    edit = original.model_copy(update={"edited": True, "update_id": 99_001})
    edited = await service.handle_text(LIAISON, "济南工匠 13 2026年10月", None, edit)
    assert isinstance(edited, ReportReceipt) and edited.items[0].value == 13
    undone = await service.reports.undo.last(LIAISON)
    assert isinstance(undone, UndoReceipt) and undone.items[0].value == 13 and undone.items[0].restored_value == 12
    to_text = original.model_copy(update={"edited": True, "update_id": 99_002})
    dropped = await service.handle_text(LIAISON, "没有数据", None, to_text)
    assert isinstance(dropped, ReportReceipt) and dropped.undone and not dropped.items
    back = original.model_copy(update={"edited": True, "update_id": 99_003})
    again = await service.handle_text(LIAISON, "济南工匠 14 2026年10月", None, back)
    assert isinstance(again, ReportReceipt) and again.items[0].value == 14
    assert (await service.reports.progress.view(LIAISON, "济南工匠")).items[0].figure == 44


async def test_a_receipt_states_the_rule_once_however_many_items(service: BotService, messages: Messages) -> None:
    await invite_and_join(service)
    receipt = expect(await service.handle_text(LIAISON, "济南工匠 2 2026年10月\n首席技师 3", None, messages(LIAISON)),
                     ReportReceipt)
    text = render_report_text(receipt)
    assert len(receipt.items) == 2 and text.count("规则：") == 1 and text.count("说明：") == 1
    assert text.count("✅ 已保存") == 2 and "完成2025年目标（150 人）的" in text
    total = await service.handle_text(LIAISON, "济南工匠 累计 120 2026年10月", None, messages(LIAISON))
    assert "说明：" not in render_report_text(total)  # a running total covers the months before
