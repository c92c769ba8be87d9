"""/weekly, /export and /remind for admins: read the command, call the summary service, send text and files."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import Application, CommandHandler

from bot.context import BotContext
from bot.jobs import deliver
from bot.summary_service import SummaryService
from bot.summary_views import render_remind_receipt, render_weekly_reply
from errors import UserFacingError
from handlers.common import actor_of, send_reply
from reporting.periods import Period

FORCE_WORDS = ("force", "强制", "再次")
NO_DATABASE = "周报、导出和提醒需要数据库，当前机器人只开启了问答功能。"


def _summaries(context: BotContext) -> SummaryService:
    summaries = context.service.summaries
    if summaries is None:
        raise UserFacingError(NO_DATABASE)
    return summaries


async def weekly_command(update: Update, context: BotContext) -> None:
    """`/weekly [2026-W47]`: the summary as a message, then the chart."""
    message = update.effective_message
    if message is None:
        return
    summaries = _summaries(context)
    report = await summaries.weekly(actor_of(update), " ".join(context.args or ()) or None)
    await send_reply(message, render_weekly_reply(report.text))
    await message.reply_photo(report.chart.data, caption=report.chart.caption, filename=report.chart.name)


async def export_command(update: Update, context: BotContext) -> None:
    """`/export` sends an XLSX; `/export csv` a zip of CSV files."""
    message = update.effective_message
    if message is None:
        return
    summaries = _summaries(context)
    actor = actor_of(update)
    summaries.require_admin(actor)
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    file = await summaries.export(actor, " ".join(context.args or ()) or None)
    await message.reply_document(file.data, filename=file.name, caption=file.caption)


async def remind_command(update: Update, context: BotContext) -> None:
    """`/remind`: remind liaisons still missing figures for the month just ended, once; `/remind force` again."""
    message = update.effective_message
    if message is None:
        return
    summaries = _summaries(context)
    force = any(word in FORCE_WORDS for word in context.args or ())
    plan = await summaries.remind_now(actor_of(update), force)
    sent, failed = await deliver(context.bot, summaries, plan.reminders, claim=not force)
    await send_reply(message, render_remind_receipt(
        Period.parse_key(plan.period).label,
        [f"{r.liaison}（{r.unit}，缺指标 {','.join(map(str, r.missing))}）" for r in sent],
        [f"{r.liaison}（{r.unit}）" for r in failed],
        [f"{r.liaison}（{r.unit}）" for r in plan.skipped],
    ))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("weekly", weekly_command))
    app.add_handler(CommandHandler("export", export_command))
    app.add_handler(CommandHandler("remind", remind_command))
