"""Memory over time: RSS of the bot after warming up vs after a long stream of messages from many users.

The real Application (durable inbox, per-chat processor, service, handlers) handles updates put on its
update_queue as the Updater would (batches of 100, each followed by the poll barrier); replies go to a sink that
answers like the Bot API and keeps nothing, so the process's RSS is the bot's own. Send limits are off (a soak of
100k replies at Telegram's 30 a second would take an hour); the per-chat state, flood counters, inbox and
processor bookkeeping are all exercised. SOAK_MESSAGES and SOAK_USERS change the size (default 100k / 1,000).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import BenchResult

TARGET_MB = 30.0
BATCH = 100
WARM_SHARE = 0.1  # RSS is taken as the start once this share of the messages is handled
QUESTIONS = ("谁负责产教融合?", "那2025年呢？", "市总工会负责哪些工作", "济南工匠2023年目标是多少", "第8条", "谢谢",
             "双师型教师占比", "誰負責產教融合？", "公租房怎么申请", "产教融合有哪些指标", "一共几条?", "原文是什么?")
LIAISONS = 10
TOKEN = "123456:SOAK-sink-token"


def rss_mb() -> float:
    """VmRSS of this process from /proc (0.0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def sink_request() -> Any:
    """A BaseRequest that answers every Bot API call as Telegram would, from the call itself, and keeps nothing."""
    from telegram.request import BaseRequest

    ids = itertools.count(1)

    class Sink(BaseRequest):
        @property
        def read_timeout(self) -> float | None:
            return 1.0

        async def initialize(self) -> None:
            """Nothing to open."""

        async def shutdown(self) -> None:
            """Nothing to close."""

        async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any,
                             **kwargs: Any) -> tuple[int, bytes]:
            endpoint = url.rsplit("/", 1)[-1]
            params = request_data.parameters if request_data else {}
            if endpoint == "getMe":
                result: Any = {"id": 42, "is_bot": True, "first_name": "Soak", "username": "soak_bot"}
            elif endpoint.startswith("send") or endpoint.startswith("edit"):
                chat = int(params.get("chat_id", 1))
                result = {"message_id": next(ids), "date": int(time.time()), "text": str(params.get("text", "")),
                          "chat": {"id": chat, "type": "private" if chat > 0 else "group", "title": "g"}}
            else:
                result = True
            return 200, json.dumps({"ok": True, "result": result}).encode()

    return Sink()


def _update(update_id: int, user: int, text: str) -> dict:
    message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": user, "type": "private"},
               "from": {"id": user, "is_bot": False, "first_name": f"用户{user}"}, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}]
    return {"update_id": update_id, "message": message}


async def soak(folder: Path, messages: int, users: int) -> dict[str, float]:
    """Handle `messages` updates from `users` users; RSS after the warm-up share, at the end, and sizes of state."""
    from telegram import Update
    from telegram.ext import TypeHandler

    from application import build_application
    from bot.services.actors import Actor
    from bot.settings import Settings
    from bot.telegram.inbox import DurableUpdateQueue
    from reporting.outcomes import InviteCreated

    settings = Settings(_env_file=None, token=TOKEN, db=folder / "soak.db", admins=(1,))
    app = build_application(settings, flood_limits=False, request=sink_request())
    handled = 0

    async def count(update: object, context: object) -> None:
        nonlocal handled
        handled += 1

    app.add_handler(TypeHandler(Update, count), group=2**30)
    post_init, post_shutdown = app.post_init, app.post_shutdown
    assert post_init is not None and post_shutdown is not None  # build_application sets both
    await app.initialize()
    await post_init(app)
    await app.start()
    out: dict[str, float] = {}
    try:
        service = app.bot_data.service
        assert service is not None  # post_init opened it
        admin = Actor(user_id=1, chat_id=1)
        liaisons = []
        for index in range(LIAISONS):
            invite = await service.reports.liaisons.create_invite(admin, f"浸泡单位{index} 19 新建")
            assert isinstance(invite, InviteCreated)
            liaisons.append(500_000 + index)
            await service.reports.liaisons.join(Actor(user_id=liaisons[-1], chat_id=liaisons[-1]), invite.code)
        months = [f"{y}年{m}月" for y in range(2022, 2027) for m in range(1, 13)][:58]
        gc.collect()
        out["cold_mb"] = rss_mb()
        queue = app.update_queue
        assert isinstance(queue, DurableUpdateQueue)
        warm_at = int(messages * WARM_SHARE)
        for start in range(0, messages, BATCH):
            for n in range(start, min(start + BATCH, messages)):
                if n % 20 == 0:
                    user = liaisons[n % LIAISONS]
                    text = f"#19 {1 + n % 4} {months[(n // 20) % len(months)]}"
                else:
                    user = 100_000 + (n * 7919) % users
                    text = "/start" if n % 97 == 0 else QUESTIONS[n % len(QUESTIONS)]
                await queue.put(Update.de_json(_update(n + 1, user, text), app.bot))
            await queue.barrier()  # as the next getUpdates would
            while handled < min(start + BATCH, messages) - BATCH:
                await asyncio.sleep(0.005)
            if start <= warm_at < start + BATCH:
                gc.collect()
                out["start_mb"] = rss_mb()
        while handled < messages:
            await asyncio.sleep(0.01)
        gc.collect()
        out["end_mb"] = rss_mb()
        out["chats"] = len(app.chat_data)
        out["flood_users"] = service.flood.tracked_users()
        out["inbox_in_flight"] = queue.in_flight()
    finally:
        await app.stop()
        await app.shutdown()
        await post_shutdown(app)
    return out


def run(quick: bool = False) -> list[BenchResult]:
    messages = int(os.environ.get("SOAK_MESSAGES", str(10_000 if quick else 100_000)))
    users = int(os.environ.get("SOAK_USERS", str(200 if quick else 1_000)))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        found = asyncio.run(soak(Path(folder), messages, users))
    growth = found["end_mb"] - found["cold_mb"]
    return [BenchResult(
        f"soak: RSS growth over {messages:,} messages from {users:,} users", growth, "MB", f"≤ {TARGET_MB:.0f} MB",
        growth <= TARGET_MB,
        detail=(f"RSS {found['cold_mb']:.0f} MB before the first message, {found['start_mb']:.0f} MB after "
                f"{int(messages * WARM_SHARE):,}, {found['end_mb']:.0f} MB at the end; "
                f"{found['chats']:.0f} chat states kept, "
                f"{found['inbox_in_flight']:.0f} updates in flight; {time.perf_counter() - started:.0f} s"),
    )]


if __name__ == "__main__":
    for result in run(quick=bool(os.environ.get("SOAK_QUICK"))):
        print(result)
