"""Handlers in process: updates go straight to the Application, Bot API calls are recorded in memory."""

from __future__ import annotations

import html
import logging
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Message

from bot.telegram import callbacks
from bot.telegram.context import BotData
from bot.telegram.views import Reply, split_html
from handlers.browse import UNKNOWN_MEASURE
from handlers.common import send_reply
from handlers.fallbacks import UNKNOWN_BUTTON
from handlers.questions import EXPIRED_CHOICE
from knowledge.answers import Answer, Candidate, Intent
from tests.bot_driver import BotDriver, invite_code
from tests.conftest import ADMIN_ID, GROUP_ID, WORKER_ID
from tests.fake_html import parse_html, utf16_len

pytestmark = [pytest.mark.telegram, pytest.mark.both_engines]

FIVE = ("市发展改革委", "市教育局", "市工业和信息化局", "市人力资源社会保障局", "市国资委")


def service_of(bot: BotDriver):
    data: BotData = bot.app.bot_data
    return data.service


async def test_menu_is_registered_with_chinese_descriptions(bot: BotDriver) -> None:
    menu = {c["command"]: c["description"] for c in bot.api.commands["default"]}
    assert {"start", "help", "measures", "measure", "indicators", "dept", "report", "join"} <= set(menu)
    assert menu["measures"] == "工作措施列表" and "invite" not in menu
    admin_menu = {c["command"] for c in bot.api.commands[f"chat:{ADMIN_ID}"]}
    assert {"invite", "liaisons", "revoke"} <= admin_menu and set(menu) <= admin_menu


async def test_start_welcomes_by_role_and_escapes_the_name(bot: BotDriver) -> None:
    bot.names[WORKER_ID] = "<b>张&三"
    [worker] = await bot.send_text(WORKER_ID, "/start")
    assert worker.text.startswith("您好，<b>张&三！") and "管理员" not in worker.text
    [admin] = await bot.send_text(ADMIN_ID, "/start")
    assert "您是管理员" in admin.text


async def test_deep_link_redeems_an_invite_and_then_welcomes_a_liaison(bot: BotDriver) -> None:
    [invite] = await bot.send_text(ADMIN_ID, "/invite 市总工会 15,16")
    code = invite_code(invite.text)
    [joined] = await bot.send_text(WORKER_ID, f"/start {code}")
    assert "您已成为 市总工会 的联络员" in joined.text
    [liaison] = await bot.send_text(WORKER_ID, "/start")
    [other] = await bot.send_text(WORKER_ID + 1, "/start")
    assert "您是联络员" in liaison.text and "联络员" not in other.text
    [reused] = await bot.send_text(WORKER_ID + 1, f"/start {code}")
    assert "已经被使用过" in reused.text


async def test_help_depends_on_role(bot: BotDriver) -> None:
    [worker] = await bot.send_text(WORKER_ID, "/help")
    [admin] = await bot.send_text(ADMIN_ID, "/help")
    assert "/measures" in worker.text and "@jinan_policy_bot 产教融合" in worker.text
    assert "/invite" not in worker.text and "/invite" in admin.text


async def test_question_names_the_five_departments_with_a_full_text_button(bot: BotDriver) -> None:
    [reply] = await bot.send_text(WORKER_ID, "谁负责产教融合?")
    assert all(dept in reply.text for dept in FIVE)
    assert "<b>第4条「积极推进产教融合试点」</b>" in reply.html
    [full] = await bot.tap(WORKER_ID, reply, "第4条全文")
    assert full is not reply and "按照职责分工负责" in full.text


async def test_follow_up_uses_the_chat_context(bot: BotDriver) -> None:
    [first] = await bot.send_text(WORKER_ID, "济南工匠2023年目标是多少")
    [second] = await bot.send_text(WORKER_ID, "那2025年呢？")
    assert "2023年目标：90" in first.text
    assert "2025年目标：150" in second.text.split("\n")[1]


async def test_contexts_are_per_chat(bot: BotDriver) -> None:
    await bot.send_text(WORKER_ID, "济南工匠2023年目标是多少")
    [other] = await bot.send_text(WORKER_ID + 1, "那2025年呢？")
    assert "新增济南工匠" not in other.text


async def test_edited_question_is_answered_again(bot: BotDriver) -> None:
    await bot.send_text(WORKER_ID, "市总工会负责哪些工作")
    [again] = await bot.edit_last(WORKER_ID, "谁负责产教融合?")
    assert "市发展改革委" in again.text


async def test_measure_browsing_opens_full_text_and_goes_back(bot: BotDriver) -> None:
    [listing] = await bot.send_text(WORKER_ID, "/measures")
    assert "（一）坚持党建统领，营造创新氛围" in listing.text and len(listing.buttons) == 15
    [opened] = await bot.tap(WORKER_ID, listing, "8. 完善劳动和技能竞赛体系")
    assert opened is listing and "市委网信办" in opened.text and opened.button_texts == ["全文", "« 返回列表"]
    await bot.tap(WORKER_ID, opened, "全文")
    assert "按照职责分工负责" in opened.text
    await bot.tap(WORKER_ID, opened, "« 返回")
    await bot.tap(WORKER_ID, opened, "« 返回列表")
    assert len(opened.buttons) == 15 and bot.last_callback_answer is not None


@pytest.mark.parametrize("argument, number", [("8", 8), ("第八条", 8), ("十二", 12)])
async def test_measure_command_accepts_numerals(bot: BotDriver, argument: str, number: int) -> None:
    [reply] = await bot.send_text(WORKER_ID, f"/measure {argument}")
    assert reply.text.startswith(f"第{number}条「")


async def test_unknown_measure_gets_a_chinese_reply_with_an_example(bot: BotDriver) -> None:
    [reply] = await bot.send_text(WORKER_ID, "/measure 99")
    assert "没有找到“99”" in reply.text and "例如：/measure 8" in reply.text


async def test_indicators_and_departments(bot: BotDriver) -> None:
    [table] = await bot.send_text(WORKER_ID, "/indicators")
    assert "指标15 新增济南工匠（人）：2021年 30 → 2023年 90 → 2025年 150" in table.text
    assert "指标13" not in table.text
    [dept] = await bot.send_text(WORKER_ID, "/dept 市发展改革委")
    assert "第3条" in dept.text and "第4条" in dept.text and dept.button_texts == ["第3条", "第4条"]
    [full] = await bot.tap(WORKER_ID, dept, "第4条")
    assert full is not dept and "产教融合集团" in full.text and dept.edits == 0
    [unknown] = await bot.send_text(WORKER_ID, "/dept 火星局")
    assert "没有找到“火星局”" in unknown.text and "/dept 市总工会" in unknown.text
    [bare] = await bot.send_text(WORKER_ID, "/dept")
    assert "市总工会" in bare.text


@pytest.mark.parametrize("data", ["m:99", "mf:0", "zz", "q:0123456789ab", "m:1; DROP", "x" * 80])
async def test_forged_callback_data_is_refused_politely(bot: BotDriver, data: str) -> None:
    [listing] = await bot.send_text(WORKER_ID, "/measures")
    changed = await bot.tap_data(WORKER_ID, listing, data)
    assert changed == []
    assert bot.last_callback_answer is not None
    assert bot.last_callback_answer["text"] in (UNKNOWN_MEASURE, UNKNOWN_BUTTON, EXPIRED_CHOICE)
    assert listing.edits == 0


async def test_candidate_buttons_ask_their_question(bot: BotDriver, monkeypatch: pytest.MonkeyPatch) -> None:
    service = service_of(bot)
    real_ask = service.ask
    offer = Answer(question="工匠", intent=Intent.AMBIGUOUS,
                   candidates=(Candidate(label="指标15 新增济南工匠", question="新增济南工匠2025年目标是多少"),))
    monkeypatch.setattr(service, "ask", lambda q, c=None: offer if q == "工匠" else real_ask(q, c))
    [reply] = await bot.send_text(WORKER_ID, "工匠")
    [answer] = await bot.tap(WORKER_ID, reply, "指标15 新增济南工匠")
    assert "2025年目标：150" in answer.text


async def test_groups_answer_only_commands_mentions_and_replies(bot: BotDriver) -> None:
    assert await bot.send_text(WORKER_ID, "谁负责产教融合?", chat_id=GROUP_ID) == []
    [mentioned] = await bot.send_text(WORKER_ID, "@jinan_policy_bot 谁负责产教融合?", chat_id=GROUP_ID)
    assert "市国资委" in mentioned.text and mentioned.reply_to is not None
    [replied] = await bot.send_text(WORKER_ID, "那市总工会呢", chat_id=GROUP_ID, reply_to=mentioned)
    assert replied.text
    [command] = await bot.send_text(WORKER_ID, "/help@jinan_policy_bot", chat_id=GROUP_ID)
    assert "/measures" in command.text
    assert await bot.send_text(WORKER_ID, "/nosuch", chat_id=GROUP_ID) == []


async def test_unknown_command_in_private_chat(bot: BotDriver) -> None:
    [reply] = await bot.send_text(WORKER_ID, "/nosuch")
    assert "没有这个命令" in reply.text


async def test_inline_query_offers_the_answer_and_full_texts(bot: BotDriver) -> None:
    results = await bot.inline_query(WORKER_ID, "产教融合")
    assert results[0]["id"] == "answer" and "市国资委" in results[0]["input_message_content"]["message_text"]
    assert any(r["id"] == "measure-4" for r in results)
    examples = await bot.inline_query(WORKER_ID, "")
    assert examples[0]["title"] == "谁负责产教融合？"


async def test_unexpected_error_is_logged_and_answered_calmly(
    bot: BotDriver, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> Answer:
        raise RuntimeError("boom")

    monkeypatch.setattr(service_of(bot), "handle_text", broken)
    with caplog.at_level(logging.ERROR):
        [reply] = await bot.send_text(WORKER_ID, "谁负责产教融合?")
    assert "出了点问题" in reply.text
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)


async def test_long_replies_are_split_with_buttons_on_the_last_part(bot: BotDriver) -> None:
    from bot.telegram.views import Button

    message = Message.de_json(bot.api.message_dict(_user_message(bot)), bot.app.bot)
    reply = Reply(text="\n".join(f"第{i}行：" + "政策" * 30 for i in range(200)),
                  keyboard=((Button(text="全文", data="mf:1"),),))
    sent = await send_reply(message, reply)
    assert len(sent) == 4
    assert [m.reply_markup is not None for m in sent] == [False, False, False, True]
    assert "".join(m.text for m in bot.api.sent).count("行") == 200


def _user_message(bot: BotDriver):
    from tests.fake_bot_api import BotMessage

    return BotMessage(chat_id=WORKER_ID, message_id=bot.api.next_message_id(), kind="text", text="hi")


# ---- pure rendering: callback grammar and message splitting ----------------------------------------------

@pytest.mark.pure
@given(st.text(max_size=80))
def test_callback_parse_never_trusts_garbage(data: str) -> None:
    parsed = callbacks.parse(data)
    assert parsed is None or parsed.data == data


@pytest.mark.pure
@given(st.sampled_from(["ml", "m", "mf", "mt", "q"]), st.integers(1, 999), st.text(min_size=1, max_size=40))
def test_callback_data_round_trips_within_64_bytes(kind: str, number: int, question: str) -> None:
    data = {"ml": callbacks.measure_list(), "m": callbacks.measure(number), "mf": callbacks.measure_full(number),
            "mt": callbacks.measure_text(number), "q": callbacks.choice(question)}[kind]
    parsed = callbacks.parse(data)
    assert len(data.encode()) <= 64 and parsed is not None and parsed.data == data


_LINE = st.lists(st.one_of(st.text(alphabet="政策<>&\"a 😀", max_size=30).map(html.escape),
                           st.text(alphabet="工匠&", min_size=1, max_size=30)
                           .map(lambda t: f"<b>{html.escape(t)}</b>")),
                 max_size=12).map("".join)


@pytest.mark.pure
@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=30), st.integers(40, 300))
def test_split_html_keeps_every_part_valid_and_under_the_limit(lines: list[str], limit: int) -> None:
    source = "\n".join(lines)
    parts = split_html(source, limit)
    whole, _ = parse_html(source)
    plain = [parse_html(p)[0] for p in parts]
    assert all(utf16_len(p) <= limit for p in parts)
    assert re.sub(r"\s", "", "".join(plain)) == re.sub(r"\s", "", whole)


# ---- wiring: per-chat ordering and token redaction ---------------------------------------------------------

@pytest.mark.pure
async def test_one_chat_in_order_different_chats_at_once() -> None:
    import asyncio

    from telegram import Update

    from bot.telegram.updates import PerChatUpdateProcessor

    processor = PerChatUpdateProcessor(8)
    release = asyncio.Event()
    order: list[str] = []

    async def step(name: str, wait: bool) -> None:
        order.append(f"{name} start")
        if wait:
            await release.wait()
        order.append(f"{name} end")

    def update(update_id: int, chat_id: int) -> Update:
        return Update.de_json({"update_id": update_id, "message": {"message_id": update_id, "date": 0,
                               "chat": {"id": chat_id, "type": "private"}, "text": "x"}}, None)

    first = asyncio.create_task(processor.process_update(update(1, 10), step("question", True)))
    follow = asyncio.create_task(processor.process_update(update(2, 10), step("follow-up", False)))
    other = asyncio.create_task(processor.process_update(update(3, 20), step("other chat", False)))
    await asyncio.wait_for(other, 5)
    assert order == ["question start", "other chat start", "other chat end"]
    release.set()
    await asyncio.wait_for(asyncio.gather(first, follow), 5)
    assert order[3:] == ["question end", "follow-up start", "follow-up end"]


@pytest.mark.pure
def test_the_token_is_redacted_from_log_lines() -> None:
    from bot.telegram.running import RedactToken

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "GET https://api/bot%s/getMe failed", ("123:SECRET",),
                               None)
    RedactToken("123:SECRET").filter(record)
    assert record.getMessage() == "GET https://api/bot<BOT_TOKEN>/getMe failed"


@pytest.mark.pure
def test_admin_help_lists_every_admin_and_liaison_command() -> None:
    from bot.telegram.commands import ADMIN_COMMANDS
    from bot.telegram.views import LIAISON_HELP, Role, render_help

    admin = render_help(Role.ADMIN, "jinan_policy_bot").text
    assert all(f"/{name} " in admin for name in (*ADMIN_COMMANDS, *LIAISON_HELP))
    worker = render_help(Role.WORKER, "jinan_policy_bot").text
    assert not any(f"/{name} " in worker for name in ADMIN_COMMANDS)
