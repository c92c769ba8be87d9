"""Figure reporting end to end: the real Application polls the fake Bot API; users invite, join, report, undo."""

from __future__ import annotations

import re

import pytest

from bot.settings import Settings
from tests.bot_driver import BotDriver
from tests.conftest import ADMIN_ID, OTHER_WORKER_ID, WORKER_ID
from tests.engines import rows

pytestmark = [pytest.mark.telegram, pytest.mark.both_engines]

STRANGER_ID = 7007


def reports_in(settings: Settings) -> list[tuple]:
    """(indicator, month, value, undone 0/1) of every stored row, read from the database itself (either engine)."""
    return [(*row[:3], int(row[3])) for row in rows(
        settings.db, "SELECT indicator, period, value, undone_at IS NOT NULL FROM reports ORDER BY id")]


async def join_as_liaison(telegram: BotDriver) -> str:
    [invite] = await telegram.send_text(ADMIN_ID, "/invite 市总工会 15,16")
    match = re.search(r"https://t\.me/jinan_policy_bot\?start=([\w-]+)", invite.text)
    assert match and f"邀请码：{match.group(1)}" in invite.text
    code = match.group(1)
    [joined] = await telegram.send_text(WORKER_ID, f"/start {code}")
    assert "您已成为 市总工会 的联络员" in joined.text and "新增济南工匠" in joined.text
    return code


async def test_invite_join_report_correct_undo(telegram: BotDriver, bot_settings: Settings) -> None:
    code = await join_as_liaison(telegram)
    [refused] = await telegram.send_text(OTHER_WORKER_ID, f"/start {code}")
    assert "已经被使用过" in refused.text
    [refused_join] = await telegram.send_text(OTHER_WORKER_ID, f"/join {code}")
    assert "已经被使用过" in refused_join.text

    [receipt] = await telegram.send_text(WORKER_ID, "济南工匠 12 2026年10月")
    for phrase in ("市总工会", "新增济南工匠", "2026年10月", "12 人", "全市累计：42 人",
                   "完成2023年目标（90 人）的46.7%", "完成2025年目标（150 人）的28.0%", "状态：滞后", "规则："):
        assert phrase in receipt.text, phrase
    assert receipt.button_texts == ["撤销"] and "<b>" in receipt.html

    [corrected] = await telegram.send_text(WORKER_ID, "济南工匠 14 2026年10月")
    assert "已更正" in corrected.text and "更正了此前上报的 12 人" in corrected.text and "44 人" in corrected.text

    changed = await telegram.tap(WORKER_ID, corrected, "撤销", expect=2)
    undo_reply = next(m for m in changed if m.message_id != corrected.message_id)
    assert "已撤销" in undo_reply.text and "恢复为此前上报的 12 人" in undo_reply.text
    assert corrected.button_texts == []
    [progress] = await telegram.send_text(WORKER_ID, "/progress 济南工匠")
    assert "全市累计：42 人" in progress.text

    [undone] = await telegram.send_text(WORKER_ID, "/undo")
    assert "已撤销" in undone.text and "全市累计：30 人" in undone.text
    assert reports_in(bot_settings) == [(15, "2026-10", 12.0, 1), (15, "2026-10", 14.0, 1)]
    assert telegram.api.rejected == []


async def test_strangers_and_unassigned_indicators_store_nothing(telegram: BotDriver, bot_settings: Settings) -> None:
    [answer] = await telegram.send_text(STRANGER_ID, "济南工匠 12")
    assert "已保存" not in answer.text
    [denied] = await telegram.send_text(STRANGER_ID, "/report 济南工匠 12")
    assert "不是联络员" in denied.text
    [no_invite] = await telegram.send_text(STRANGER_ID, "/invite 市总工会 15")
    assert "只有管理员" in no_invite.text
    await join_as_liaison(telegram)
    [unassigned] = await telegram.send_text(WORKER_ID, "技能人才 136.5万")
    assert "没有分配给市总工会" in unassigned.text
    bad = {"济南大工匠 12": "新增济南工匠", "济南工匠 -5": "负数", "济南工匠 12个": "单位不符",
           "济南工匠 12 2030年1月": "还没到", "济南工匠 12 2021年3月": "2022年1月", "上报 济南工匠": "数值"}
    for text, phrase in bad.items():
        [reply] = await telegram.send_text(WORKER_ID, text)
        assert phrase in reply.text and "例如" in reply.text, (text, reply.text)
    assert reports_in(bot_settings) == []


async def test_edits_redeliveries_and_confirmations(telegram: BotDriver, bot_settings: Settings) -> None:
    await join_as_liaison(telegram)
    await telegram.send_text(WORKER_ID, "济南工匠 12 2026年10月")
    [edited] = await telegram.edit_last(WORKER_ID, "济南工匠 13 2026年10月")
    assert "修改了原消息" in edited.text and "更正了此前上报的 12 人" in edited.text
    message = telegram.user_messages[WORKER_ID]
    await telegram.api.push_update({"message": {k: v for k, v in message.items() if k != "edit_date"}})
    await telegram.api.wait_quiet(0.5)
    [pending] = await telegram.send_text(WORKER_ID, "首席技师 5000")
    assert "尚未保存" in pending.text and pending.button_texts == ["确认保存", "取消"]
    changed = await telegram.tap(WORKER_ID, pending, "确认保存", expect=1)
    assert "已保存" in changed[0].text and "5000 人" in changed[0].text
    assert [r[:3] for r in reports_in(bot_settings)] == [(15, "2026-10", 12.0), (15, "2026-10", 13.0),
                                                         (16, "2026-10", 5000.0)]


async def test_guided_report_with_buttons(telegram: BotDriver, bot_settings: Settings) -> None:
    await join_as_liaison(telegram)
    [menu] = await telegram.send_text(WORKER_ID, "/report")
    assert "市总工会·新增泉城首席技师" in menu.button_texts
    [periods] = await telegram.tap(WORKER_ID, menu, "市总工会·新增泉城首席技师", expect=1)
    label = periods.button_texts[1]  # the month just ended
    await telegram.tap(WORKER_ID, periods, label, expect=1)
    [receipt] = await telegram.send_text(WORKER_ID, "7")
    assert "新增泉城首席技师" in receipt.text and f"{label} · 7 人" in receipt.text
    assert [r[0] for r in reports_in(bot_settings)] == [16]


async def test_revoked_liaisons_and_strangers_are_told_and_groups_get_no_codes(
        telegram: BotDriver, bot_settings: Settings) -> None:
    code = await join_as_liaison(telegram)
    [receipt] = await telegram.send_text(WORKER_ID, "济南工匠 12 2026年10月")
    [stranger] = await telegram.send_text(STRANGER_ID, "济南工匠 12")
    assert "没有保存" in stranger.text and "/join" in stranger.text
    await telegram.send_text(ADMIN_ID, "/revoke 市总工会", expect=2)  # the admin's reply and the liaison's notice
    [told] = telegram.messages_in(WORKER_ID)[-1:]
    assert "联络员身份已被管理员撤销" in told.text
    [refused] = await telegram.send_text(WORKER_ID, "济南工匠 13 2026年10月")
    assert "已被撤销" in refused.text and "没有保存" in refused.text
    [no_undo] = await telegram.send_text(WORKER_ID, "/undo")
    assert "只能撤销" in no_undo.text
    [no_rejoin] = await telegram.send_text(WORKER_ID, f"/join {code}")
    assert "已经被使用过" in no_rejoin.text
    [in_group] = await telegram.send_text(ADMIN_ID, "/invite 市教育局 22", chat_id=-100123)
    assert "私聊" in in_group.text and "邀请码" not in in_group.text.replace("显示邀请码", "")
    assert reports_in(bot_settings) == [(15, "2026-10", 12.0, 0)]
    assert receipt.button_texts == ["撤销"]
