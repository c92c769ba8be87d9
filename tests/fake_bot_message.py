"""A message the fake Bot API keeps for each one the bot sent, with what tests read of it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BotMessage:
    """A message the bot sent, as the fake server keeps it (edits update it in place)."""

    chat_id: int
    message_id: int
    kind: str
    text: str = ""
    html: str = ""
    reply_markup: dict | None = None
    caption: str = ""
    file_name: str | None = None
    data: bytes = b""
    reply_to: int | None = None
    edits: int = 0
    raw: dict = field(default_factory=dict)

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Inline keyboard as rows of (text, callback_data, url or a Web App's url)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[(b["text"], b.get("callback_data") or b.get("url") or (b.get("web_app") or {}).get("url", ""))
                 for b in row] for row in rows]

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text, _ in row]
