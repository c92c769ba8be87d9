"""Steps every thin handler shares: who is acting, and sending or editing a rendered Reply."""

from __future__ import annotations

from telegram import CallbackQuery, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.telegram.chat_states import ChatState
from bot.telegram.keyboards import keyboard_markup
from bot.services.actors import Actor, MessageRef
from bot.telegram.views import Reply, Role, split_html
from bot.services.facade import BotService


def actor_of(update: Update) -> Actor:
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        raise ValueError("an update without a sender cannot be acted on")
    return Actor(user_id=user.id, chat_id=chat.id if chat else user.id, name=user.full_name, username=user.username,
                 private=chat is None or chat.type == "private")


def message_ref(update: Update, message: Message) -> MessageRef:
    return MessageRef(chat_id=message.chat_id, message_id=message.message_id, update_id=update.update_id,
                      edited=update.edited_message is not None)


async def role_of(service: BotService, actor: Actor) -> Role:
    """Admin from settings; liaison when the report side (open with a database) knows the user as one."""
    if service.is_admin(actor.user_id):
        return Role.ADMIN
    if service.storage is not None and await service.storage.reports.roles.is_liaison(actor.user_id):
        return Role.LIAISON
    return Role.WORKER


async def send_reply(message: Message, reply: Reply, state: ChatState | None = None) -> list[Message]:
    """Send `reply` under `message` in as many parts as the length limit needs; buttons go on the last."""
    if state is not None and reply.choices:
        state.remember_choices(dict(reply.choices))
    chunks = split_html(reply.text)
    sent = []
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        sent.append(await message.reply_html(
            chunk, reply_markup=keyboard_markup(reply.keyboard) if last else None, do_quote=_quote(message, index)
        ))
    return sent


async def edit_reply(query: CallbackQuery, reply: Reply) -> None:
    """Show `reply` in place of the tapped message; parts beyond the first follow as new messages."""
    chunks = split_html(reply.text)
    markup = keyboard_markup(reply.keyboard)
    try:
        await query.edit_message_text(chunks[0], parse_mode=ParseMode.HTML,
                                      reply_markup=markup if len(chunks) == 1 else None)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    message = query.message
    if len(chunks) > 1 and isinstance(message, Message):
        await send_reply(message, Reply(text="\n".join(chunks[1:]), keyboard=reply.keyboard))


def _quote(message: Message, index: int) -> bool:
    """In groups the first part quotes the question so the asker sees it is theirs."""
    return index == 0 and message.chat.type != "private"
