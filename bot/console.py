"""The terminal chat: same facade as Telegram, acting as a local admin; works piped too."""

from __future__ import annotations

import sys

from bot.models import Actor
from bot.service import BotService
from bot.settings import Settings
from knowledge.answers import Answer, ChatContext
from knowledge.render import render_text

CONSOLE_USER_ID = 0
WELCOME = "济南市提升产业工人创新力 政策助手（终端模式）。直接输入问题，例如：谁负责产教融合?  输入 /quit 退出。"


def render_console(outcome: object) -> str:
    """Plain text for whatever the service returned."""
    if isinstance(outcome, Answer):
        return render_text(outcome)
    return str(outcome)


async def run_console(settings: Settings) -> int:
    """Read lines until EOF or /quit; answer each; keep the follow-up context between lines."""
    interactive = sys.stdin.isatty()
    service = BotService.for_questions(settings)
    actor = Actor(user_id=CONSOLE_USER_ID, chat_id=CONSOLE_USER_ID, name="本地管理员")
    context: ChatContext | None = None
    if interactive:
        print(WELCOME)
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        text = line.strip()
        if text in ("/quit", "/exit", "退出"):
            return 0
        if not text and not interactive:
            continue
        outcome = await service.handle_text(actor, text, context)
        if isinstance(outcome, Answer):
            context = outcome.context
        print(render_console(outcome), flush=True)
