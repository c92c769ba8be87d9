"""Who is acting and where, as the service layer sees it (no Telegram types cross this line)."""

from __future__ import annotations

from knowledge.models import Frozen


class Actor(Frozen):
    """The user behind a request; admin rights are decided by the service, not by this object."""

    user_id: int
    chat_id: int
    name: str = ""
    username: str | None = None


class MessageRef(Frozen):
    """Identifies one incoming message, so a redelivery or an edit is recognised."""

    chat_id: int
    message_id: int
    update_id: int | None = None
    edited: bool = False
