"""Liaison and report commands, the undo/confirm buttons and the guided /report: read, call the service, render."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TypeVar

from telegram import CallbackQuery, Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.telegram import report_views
from bot.telegram.chat_states import ChatState, ChatStates, Guide
from bot.telegram.context import BotApplication, BotContext
from bot.services.actors import MessageRef
from bot.telegram.views import Button, Reply, render_outcome
from bot.services.reports import ReportServices
from errors import UserFacingError
from handlers.common import actor_of, edit_reply, message_ref, send_reply
from reporting.outcomes import Revoked
from reporting.periods import Period, last_month

log = logging.getLogger(__name__)
T = TypeVar("T")
PICK = re.compile(r"rp:i:(\d{1,9}):(\d{1,3})")
PERIOD = re.compile(r"rp:p:(\d{4})-(\d{2})")
CANCEL_DATA = "rp:x"
NO_STORAGE = "数据报送功能需要数据库，当前未开启。"
NOTHING_TO_CANCEL = "当前没有进行中的报送。要报送数据，请发送 /report 或直接发送，例如：济南工匠 12"
STALE_BUTTON = "这个按钮已失效，请重新发送 /report 或直接发送数据，例如：济南工匠 12"


def _reports(context: BotContext) -> ReportServices:
    if context.service.storage is None:
        raise UserFacingError(NO_STORAGE)
    return context.service.storage.reports


def _args(context: BotContext) -> str:
    return " ".join(context.args or [])


async def _reply(update: Update, outcome: object) -> None:
    if update.effective_message is not None:
        await send_reply(update.effective_message, render_outcome(outcome))


def _command(update: Update) -> MessageRef | None:
    message = update.effective_message
    return message_ref(update, message) if message is not None else None


async def invite(update: Update, context: BotContext) -> None:
    outcome = await _reports(context).liaisons.create_invite(actor_of(update), _args(context), context.bot.username,
                                                    _command(update))
    await _reply(update, outcome)


async def join(update: Update, context: BotContext) -> None:
    if not context.args:
        raise UserFacingError("请在命令后写邀请码。", "/join 邀请码")
    await _reply(update, await _reports(context).liaisons.join(actor_of(update), context.args[0]))


async def liaisons(update: Update, context: BotContext) -> None:
    await _reply(update, await _reports(context).liaisons.list_liaisons(actor_of(update)))


async def revoke(update: Update, context: BotContext) -> None:
    """Revoke, then tell each revoked liaison (one who blocked the bot is only logged)."""
    outcome = await _reports(context).liaisons.revoke(actor_of(update), _args(context), _command(update))
    await _reply(update, outcome)
    for notice in outcome.told if isinstance(outcome, Revoked) else ():
        try:
            await context.bot.send_message(notice.chat_id, notice.text)
        except TelegramError as exc:
            log.warning("revoked liaison in chat %s not told: %s", notice.chat_id, exc)


async def undo(update: Update, context: BotContext) -> None:
    await _reply(update, await _reports(context).undo.last(actor_of(update), _command(update)))


async def progress(update: Update, context: BotContext) -> None:
    await _reply(update, await _reports(context).progress.view(actor_of(update), _args(context) or None))


async def mine(update: Update, context: BotContext) -> None:
    await _reply(update, await _reports(context).progress.mine(actor_of(update)))


async def _tapped(update: Update, parse: Callable[[object], T | None]) -> tuple[CallbackQuery, T] | None:
    """The tapped button's query and parsed data; a button we did not build is answered as stale."""
    query = update.callback_query
    if query is None:
        return None
    parsed = parse(query.data)
    if parsed is None:
        await query.answer(STALE_BUTTON)
        return None
    return query, parsed


async def on_undo_button(update: Update, context: BotContext) -> None:
    """Undo the reports of a receipt; the receipt keeps its text, the button goes away."""
    tapped = await _tapped(update, report_views.parse_undo)
    if tapped is None:
        return
    query, ids = tapped
    outcome = await _reports(context).undo.given(actor_of(update), ids)
    await query.answer("已撤销")
    if isinstance(query.message, Message):
        await query.edit_message_reply_markup(reply_markup=None)
        await send_reply(query.message, render_outcome(outcome))


async def on_confirm_button(update: Update, context: BotContext) -> None:
    tapped = await _tapped(update, report_views.parse_token)
    if tapped is None:
        return
    query, (action, token) = tapped
    reports = _reports(context)
    actor = actor_of(update)
    intake = reports.intake
    outcome = await (intake.cancel(actor, token) if action == "rx" else intake.confirm(actor, token, action == "rs"))
    await query.answer()
    await edit_reply(query, render_outcome(outcome))


async def on_unit_button(update: Update, context: BotContext) -> None:
    """The admin's choice of unit for an /invite that named none of the policy's departments."""
    tapped = await _tapped(update, report_views.parse_unit_choice)
    if tapped is None:
        return
    query, (token, choice) = tapped
    outcome = await _reports(context).liaisons.choose_unit(actor_of(update), token, choice, context.bot.username)
    await query.answer()
    await edit_reply(query, render_outcome(outcome))


# ---- guided /report: its step is stored in the chat state (bot/telegram/chat_states.py), so any replica goes on --
async def _guide(context: BotContext) -> ChatState:
    return await context.chat_state()


async def report_start(update: Update, context: BotContext) -> None:
    """`/report 济南工匠 12` stores at once; `/report` alone offers the sender's indicators as buttons."""
    message = update.effective_message
    if message is None:
        return
    reports = _reports(context)
    actor = actor_of(update)
    state = await _guide(context)
    state.guide = None  # a new /report starts over
    if context.args:
        await _reply(update, await reports.intake.submit_text(actor, _args(context), message_ref(update, message)))
        return
    choices = await reports.intake.choices(actor)  # raises for senders who may not report
    rows = [(Button(text=f"{c.unit_name}·{c.name}"[:60], data=f"rp:i:{c.unit_id}:{c.indicator}"),) for c in choices]
    rows.append((Button(text="取消", data=CANCEL_DATA),))
    await send_reply(message, Reply(text="请选择要报送的指标：", keyboard=tuple(rows)))
    state.guide = Guide(step="indicator", at=reports.clock.now())


async def _at_step(update: Update, context: BotContext, step: str) -> tuple[CallbackQuery, ChatState] | None:
    """The tapped query when the sender's guided /report awaits `step`; else the button is answered as stale."""
    query = update.callback_query
    if query is None:
        return None
    state = await _guide(context)
    if state.guide is None or state.guide.step != step:
        await query.answer(STALE_BUTTON)
        return None
    return query, state


async def report_pick_indicator(update: Update, context: BotContext) -> None:
    at_step = await _at_step(update, context, "indicator")
    if at_step is None:
        return
    query, state = at_step
    match = PICK.fullmatch(query.data or "")
    if match is None:
        await query.answer(STALE_BUTTON)
        state.guide = None
        return
    reports = _reports(context)
    choice = await reports.intake.choice(actor_of(update), int(match.group(1)), int(match.group(2)))
    await query.answer()
    if choice is None:
        state.guide = None
        await edit_reply(query, Reply(text="这个指标没有分配给您，请重新发送 /report。"))
        return
    state.guide = Guide(step="period", at=reports.clock.now(), choice=choice)
    ended = last_month(reports.clock.today())
    periods = [ended.shift(1), ended, ended.shift(-1), ended.shift(-2)]
    buttons = tuple(Button(text=p.label, data=f"rp:p:{p.key}") for p in periods)
    keyboard = (buttons[:2], buttons[2:], (Button(text="取消", data=CANCEL_DATA),))
    text = f"{choice.unit_name} · {choice.name}：请选择月份（默认上个月 {ended.label}）"
    await edit_reply(query, Reply(text=text, keyboard=keyboard))


async def report_pick_period(update: Update, context: BotContext) -> None:
    at_step = await _at_step(update, context, "period")
    if at_step is None:
        return
    query, state = at_step
    match = PERIOD.fullmatch(query.data or "")
    choice = state.guide.choice if state.guide is not None else None
    if match is None or choice is None or not 1 <= int(match.group(2)) <= 12:  # buttons can be forged
        await query.answer(STALE_BUTTON)
        state.guide = None
        return
    period = Period(year=int(match.group(1)), month=int(match.group(2)))
    state.guide = Guide(step="value", at=_reports(context).clock.now(), choice=choice, period=period)
    await query.answer()
    await edit_reply(query, Reply(text=f"{choice.unit_name} · {choice.name} · {period.label}："
                                       f"请输入数值（单位：{choice.unit}），例如 12。发送 /cancel 取消。"))


async def report_value(update: Update, context: BotContext) -> None:
    """The typed value, with the unit, indicator and month chosen by button: stored as they are, not re-read."""
    message = update.effective_message
    state = await _guide(context)
    guide = state.guide
    if message is None or message.text is None or guide is None or guide.choice is None or guide.period is None:
        return
    state.guide = None
    outcome = await _reports(context).intake.submit_figure(actor_of(update), guide.choice, guide.period,
                                                           message.text, message_ref(update, message))
    await _reply(update, outcome)


async def report_cancel(update: Update, context: BotContext) -> None:
    state = await _guide(context)
    if state.guide is None:
        if update.callback_query is not None:
            await update.callback_query.answer(STALE_BUTTON)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(NOTHING_TO_CANCEL)
        return
    state.guide = None
    if update.callback_query is not None:
        await update.callback_query.answer()
        await edit_reply(update.callback_query, Reply(text="已取消报送。"))
    elif update.effective_message is not None:
        await update.effective_message.reply_text("已取消报送。")


class AwaitingValue(filters.UpdateFilter):
    """The sender's guided /report awaits the typed value (the state handlers/flood_guard.py read for this update)."""

    def __init__(self, states: ChatStates) -> None:
        super().__init__(name="AwaitingValue")
        self.states = states

    def filter(self, update: Update) -> bool:
        state = self.states.peek(update.update_id)
        return state is not None and state.guide is not None and state.guide.step == "value"


def register(app: BotApplication) -> None:
    typed = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(typed & AwaitingValue(app.bot_data.states), report_value))
    app.add_handler(CommandHandler("report", report_start))
    app.add_handler(CommandHandler("cancel", report_cancel))
    app.add_handler(CallbackQueryHandler(report_cancel, pattern=r"^rp:x$"))
    app.add_handler(CallbackQueryHandler(report_pick_indicator, pattern=r"^rp:i:"))
    app.add_handler(CallbackQueryHandler(report_pick_period, pattern=r"^rp:p:"))
    for name, callback in (("invite", invite), ("join", join), ("liaisons", liaisons), ("revoke", revoke),
                           ("undo", undo), ("progress", progress), ("mine", mine)):
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(on_undo_button, pattern=r"^ru:"))
    app.add_handler(CallbackQueryHandler(on_confirm_button, pattern=r"^r[cxs]:"))
    app.add_handler(CallbackQueryHandler(on_unit_button, pattern=r"^iu:"))
