"""/dashboard and approval in Telegram: the Web App button, 通过 / 退回 on a review card, the reason as a reply."""

from __future__ import annotations

from telegram import ForceReply, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.telegram.context import BotContext
from bot.telegram.views import Button, Reply
from bot.telegram.review_notices import tell_reporter
from bot.services.reviews import ReviewService
from bot.telegram.review_views import parse_decision, prompted_id, render_decided, render_reason_prompt
from handlers.common import actor_of, edit_reply, send_reply

FEATURE = "看板和审核"
STALE_BUTTON = "这个按钮已失效，请打开 /dashboard 查看待审核的数据。"
DASHBOARD_TEXT = ("点下面的按钮打开数据看板：各指标进度与目标轨迹、各单位每月数据和历史、报送完成情况，"
                  "以及待审核的数据。")


def _reviews(context: BotContext) -> ReviewService:
    return context.service.storage_for(FEATURE).reviews


class ReasonReply(filters.MessageFilter):
    """A reply to our own "写明退回 #id 的原因" prompt."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return (replied is not None and replied.from_user is not None and replied.from_user.id == message.get_bot().id
                and prompted_id(replied.text) is not None)


async def dashboard(update: Update, context: BotContext) -> None:
    """`/dashboard`: a Web App button for admins (the service checks who asks, and where)."""
    message = update.effective_message
    if message is None:
        return
    url = context.service.storage_for(FEATURE).dashboard.link(actor_of(update))
    await send_reply(message, Reply(text=DASHBOARD_TEXT, keyboard=((Button(text="打开数据看板", web_app=url),),)))


async def on_decision_button(update: Update, context: BotContext) -> None:
    """通过 approves at once; 退回 asks for the reason, which the admin sends as a reply."""
    query = update.callback_query
    if query is None:
        return
    parsed = parse_decision(query.data)
    if parsed is None or not isinstance(query.message, Message):
        await query.answer(STALE_BUTTON)
        return
    action, report_id = parsed
    reviews, actor = _reviews(context), actor_of(update)
    if action == "rt":
        await reviews.require_pending(actor, report_id)
        await query.answer()
        await query.message.reply_text(render_reason_prompt(report_id),
                                       reply_markup=ForceReply(input_field_placeholder="退回原因"))
        return
    decision = await reviews.approve(actor, report_id)
    await query.answer("已通过")
    await edit_reply(query, render_decided(decision))
    await tell_reporter(context.bot, decision)


async def on_reason(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return
    report_id = prompted_id(message.reply_to_message.text)
    if report_id is None:
        return
    decision = await _reviews(context).return_figure(actor_of(update), report_id, message.text or "")
    await send_reply(message, render_decided(decision))
    await tell_reporter(context.bot, decision)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("dashboard", dashboard))
    app.add_handler(CallbackQueryHandler(on_decision_button, pattern=r"^(ap|rt):"))
    app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & ReasonReply(),
                                   on_reason))
