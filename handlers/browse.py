"""Browsing the document: /measures, /measure N, /indicators, /dept 名称 and the measure buttons."""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

import errors
from bot.telegram import callbacks
from bot.telegram.callbacks import Action
from bot.telegram.context import BotContext
from bot.telegram.views import (
    render_answer,
    render_departments,
    render_indicators,
    render_measure,
    render_measure_full,
    render_measure_list,
)
from handlers.common import edit_reply, send_reply
from knowledge.numerals import cn_to_int

UNKNOWN_MEASURE = "没有这一条措施，请重新打开 /measures"


def measure_number(argument: str) -> int | None:
    """'8', '第8条', '八', '第十二项' → the number; None if it is not one."""
    return cn_to_int(re.sub(r"^第|[条项]$", "", argument.strip()))


async def measures_command(update: Update, context: BotContext) -> None:
    if update.effective_message is not None:
        await send_reply(update.effective_message, render_measure_list(context.service.document))


async def measure_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    document = context.service.document
    argument = " ".join(context.args or ())
    if not argument:
        await send_reply(message, render_measure_list(document))
        return
    number = measure_number(argument)
    measure = document.measure(number) if number is not None else None
    if measure is None:
        raise errors.NotFound(f"没有找到“{argument}”这一条，工作措施共 {len(document.measures)} 条。", "/measure 8")
    await send_reply(message, render_measure(measure))


async def indicators_command(update: Update, context: BotContext) -> None:
    if update.effective_message is not None:
        await send_reply(update.effective_message, render_indicators(context.service.document))


async def dept_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    name = " ".join(context.args or ()).strip()
    if not name:
        await send_reply(message, render_departments(context.service.document))
        return
    answer = context.service.department(name)
    if answer is None:
        raise errors.NotFound(f"没有找到“{name}”这个部门。", "/dept 市总工会")
    (await context.chat_state()).context = answer.context
    await send_reply(message, render_answer(answer))


async def on_measure_button(update: Update, context: BotContext) -> None:
    """List, measure and full-text buttons; the number is checked against the document, not trusted."""
    query = update.callback_query
    if query is None:
        return
    parsed = callbacks.parse(query.data)
    document = context.service.document
    if parsed is None:
        await query.answer(UNKNOWN_MEASURE)
        return
    if parsed.action is Action.MEASURE_LIST:
        await query.answer()
        await edit_reply(query, render_measure_list(document))
        return
    measure = document.measure(parsed.number or 0)
    if measure is None or parsed.action is Action.CHOICE:
        await query.answer(UNKNOWN_MEASURE)
        return
    await query.answer()
    if parsed.action is Action.MEASURE_TEXT and isinstance(query.message, Message):
        await send_reply(query.message, render_measure_full(measure))
        return
    view = render_measure(measure) if parsed.action is Action.MEASURE else render_measure_full(measure)
    await edit_reply(query, view)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("measures", measures_command))
    app.add_handler(CommandHandler("measure", measure_command))
    app.add_handler(CommandHandler("indicators", indicators_command))
    app.add_handler(CommandHandler("dept", dept_command))
    app.add_handler(CallbackQueryHandler(on_measure_button, pattern=r"^(ml|m[ft]?:)"))
