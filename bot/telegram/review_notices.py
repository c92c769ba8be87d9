"""Approval messages the bot sends on its own: a card to every admin for each held figure, and the liaison's notice.

Sending is best effort: a figure stays in the dashboard's queue whether or not its card arrived, and a liaison
who blocked the bot is only logged.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.telegram.keyboards import keyboard_markup
from bot.telegram.review_views import render_decision_notice, render_review_card
from bot.services.facade import BotService
from reporting.review_outcomes import Decision

log = logging.getLogger(__name__)


async def announce_held(bot: Bot, service: BotService, report_ids: tuple[int, ...]) -> int:
    """Send every admin a card with 通过 / 退回 buttons for each figure still held; returns the cards sent."""
    if service.storage is None:
        return 0
    sent = 0
    for figure in await service.reviews.held(report_ids):
        card = render_review_card(figure, service.settings.web_url)
        for admin in service.settings.admins:
            try:
                await bot.send_message(admin, card.text, parse_mode=ParseMode.HTML,
                                       reply_markup=keyboard_markup(card.keyboard))
                sent += 1
            except TelegramError as exc:  # e.g. the admin never opened a chat with the bot
                log.warning("review card for #%s not sent to admin %s: %s", figure.report_id, admin, exc)
    return sent


async def tell_reporter(bot: Bot, decision: Decision) -> bool:
    """The liaison learns the verdict (and the reason of a return); False when Telegram refused the message."""
    try:
        await bot.send_message(decision.notify_chat_id, render_decision_notice(decision))
    except TelegramError as exc:
        log.warning("reporter %s not told about #%s: %s", decision.notify_chat_id, decision.figure.report_id, exc)
        return False
    return True
