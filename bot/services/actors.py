"""Who is acting and where, as the service layer sees it (no Telegram types cross this line)."""

from __future__ import annotations

from errors import PermissionDenied
from knowledge.models import Frozen

PRIVATE_ONLY = ("这个命令会显示邀请码或各单位的数据，只能在私聊中使用。"
                "请点开机器人的头像，选择“发消息”，在私聊里再发一次。")


class Actor(Frozen):
    """The user behind a request; admin rights are decided by the service, not by this object."""

    user_id: int
    chat_id: int
    name: str = ""
    username: str | None = None
    private: bool = True  # False in a group: invite codes, units' figures and exports are not shown there


def require_private(actor: Actor) -> None:
    """Invite codes, a unit's figures and exports are for the one who asked, never for a whole group."""
    if not actor.private:
        raise PermissionDenied(PRIVATE_ONLY)


class MessageRef(Frozen):
    """Identifies one incoming message, so a redelivery or an edit is recognised."""

    chat_id: int
    message_id: int
    update_id: int | None = None
    edited: bool = False
