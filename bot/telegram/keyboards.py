"""Our Button specs as Telegram inline keyboards: the one place a Reply's buttons become Telegram objects."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.telegram.views import Button


def keyboard_markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup([[_button(b) for b in row] for row in rows])


def _button(button: Button) -> InlineKeyboardButton:
    """A Web App button opens the dashboard (private chats only); any other carries callback data."""
    if button.web_app:
        return InlineKeyboardButton(button.text, web_app=WebAppInfo(button.web_app))
    return InlineKeyboardButton(button.text, callback_data=button.data)
