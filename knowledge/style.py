"""One rendering style for every reply: plain text (the console, the CLI) or Telegram HTML, where buttons stand in
for the typed commands the console names; every renderer takes one of the two, so user text is escaped in one place."""

from __future__ import annotations

import html


class Style:
    """How to escape text and mark emphasis, and whether the reply can carry buttons."""

    def __init__(self, html_mode: bool) -> None:
        self.html_mode = html_mode

    @property
    def buttons(self) -> bool:
        """Telegram shows buttons under a reply; the console says which command to type instead."""
        return self.html_mode

    def esc(self, text: object) -> str:
        return html.escape(str(text)) if self.html_mode else str(text)

    def bold(self, text: str) -> str:
        """Emphasis around text already escaped."""
        return f"<b>{text}</b>" if self.html_mode else text

    def heading(self, text: str) -> str:
        """Plain text, escaped and emphasised."""
        return self.bold(self.esc(text))

    def code(self, text: str) -> str:
        return f"<code>{self.esc(text)}</code>" if self.html_mode else text


PLAIN = Style(html_mode=False)
HTML = Style(html_mode=True)
