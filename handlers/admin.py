"""/weekly, /export and /remind for admins: read the command, call the summary service, send text and files."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler

from bot.telegram.context import BotContext
from bot.telegram.jobs import deliver
from bot.services.summaries import SummaryService
from bot.telegram.summary_views import render_remind_receipt, render_weekly_reply
from handlers.common import actor_of, send_reply
from reporting.periods import Period

FORCE_WORDS = ("force", "强制", "再次")
UPLOAD_LIMIT = 50 * 2**20  # what the official Bot API accepts from a bot; a local Bot API server takes 2000 MB
UPLOAD_TIMEOUT_S = 300.0
CHAT_ACTION_S = 4.5
TOO_BIG = ("导出文件有 {size:.0f} MB，超过 Telegram 允许机器人发送的 50 MB，所以没有发送。"
           "请改用 /export csv（压缩包小得多），或在服务器上运行 python main.py summary --xlsx 导出.xlsx。")


def _summaries(context: BotContext) -> SummaryService:
    return context.service.storage_for("周报、导出和提醒").summaries


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
    """`/export` sends an XLSX; `/export csv` a zip of CSV files. Both are written to disk and sent from there."""
    message = update.effective_message
    if message is None:
        return
    summaries = _summaries(context)
    actor = actor_of(update)
    summaries.require_admin(actor)
    uploading = asyncio.create_task(_show_uploading(message))  # a million rows take a minute: keep saying so
    try:
        file = await summaries.export(actor, " ".join(context.args or ()) or None)
    finally:
        uploading.cancel()
    with file:  # the temporary folder goes once the file is sent, or could not be
        if file.size > UPLOAD_LIMIT and not context.service.settings.api_url:
            await message.reply_text(TOO_BIG.format(size=file.size / 2**20))
            return
        with file.path.open("rb") as handle:  # streamed by the HTTP client, not read into memory first
            document = InputFile(handle, filename=file.name, read_file_handle=False)
            await message.reply_document(document, caption=file.caption, write_timeout=UPLOAD_TIMEOUT_S)


async def _show_uploading(message: Message) -> None:
    """Telegram's "sending a file…" under the chat title until the export is ready (it shows for 5 s)."""
    try:
        while True:
            await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
            await asyncio.sleep(CHAT_ACTION_S)
    except TelegramError:
        return  # only a courtesy: the export goes on


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
