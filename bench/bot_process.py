"""`main.py run` in a subprocess against the fake Bot API, and users talking to it: for bench_bot.

The bot runs exactly as deployed (run_bot: Telegram's send limits by FairRateLimiter, the per-user flood limit, the
durable inbox, the catch-up job at start). Its schedule is moved so no weekly summary or reminder falls due while it
runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo


from bench.common import proc_status_mb, reset_peak
from tests.fake_bot_api import BotMessage, FakeBotApi, chat_dict, text_entities, user_dict

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ("谁负责产教融合?", "市总工会负责哪些工作", "济南工匠2023年目标是多少", "第8条", "双师型教师比例2025年目标")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
STOP_WAIT = 30
TIMEOUT_SETTLE = 120.0


def quiet_schedule(now: dt.datetime) -> dict[str, str]:
    """BOT_WEEKLY_AT three days ago and BOT_REMIND_DAY two or more days ago: nothing for the catch-up to send."""
    weekly = f"{WEEKDAYS[(now - dt.timedelta(days=3)).weekday()]} 09:00"
    remind = min(now.day - 2, 28) if now.day >= 4 else 28
    return {"BOT_WEEKLY_AT": weekly, "BOT_REMIND_DAY": str(remind)}


class LocalBotApi(FakeBotApi):
    """The fake Bot API taking uploads up to 2 GB, as a self-hosted Bot API server does (BOT_API_URL is set, so the
    bot sends exports of any size): a million reports make an XLSX above the 50 MB of Telegram's cloud API."""

    max_upload = 2 * 1024**3


class Users:
    """Telegram users typing into the fake server; each wait ends when the bot's reply reaches it."""

    def __init__(self, api: FakeBotApi, timeout: float) -> None:
        self.api = api
        self.timeout = timeout
        self._ids = itertools.count(900_000)
        self._questions = itertools.cycle(QUESTIONS)

    def update(self, user: int, text: str) -> dict:
        message = {"message_id": self.api.next_message_id(), "date": int(time.time()), "chat": chat_dict(user),
                   "from": user_dict(user), "text": text}
        entities = text_entities(text)
        if entities:
            message["entities"] = entities
        return {"message": message}

    def replies(self, user: int, since: int) -> list[BotMessage]:
        return [m for m in self.api.sent[since:] if m.chat_id == user]

    async def until(self, user: int, since: int, done: Callable[[list[BotMessage]], bool]) -> float:
        """Seconds (perf_counter) at which `done` first held for the replies to `user` since index `since`."""
        await self.api.wait_for(lambda: done(self.replies(user, since)), self.timeout)
        return time.perf_counter()

    async def send(self, user: int, text: str, done: Callable[[list[BotMessage]], bool] = bool) -> float:
        """Seconds from sending `text` until `done` holds (default: any reply)."""
        since = len(self.api.sent)
        start = time.perf_counter()
        await self.api.push_update(self.update(user, text))
        return await self.until(user, since, done) - start

    async def ask(self) -> float:
        """A question from a new user each time (no flood limit reached): seconds until its answer."""
        return await self.send(next(self._ids), next(self._questions))

    async def ask_while(self, running: Callable[[], bool], pause: float = 0.05) -> list[float]:
        """Question after question while `running()` holds (at least one); their waits."""
        waits = [await self.ask()]
        while running():
            await asyncio.sleep(pause)
            waits.append(await self.ask())
        return waits


@asynccontextmanager
async def bot_process(api: FakeBotApi, db: Path, admin: int, folder: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`main.py run` on `db` (cwd: `folder`, so no developer's .env is read); SIGTERM at the end."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    environment.update(BOT_TOKEN=api.token, BOT_API_URL=api.api_url, BOT_DB=str(db), BOT_ADMINS=str(admin),
                       PYTHONUNBUFFERED="1", **quiet_schedule(dt.datetime.now(ZoneInfo("Asia/Shanghai"))))
    with (folder / "bot.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(sys.executable, str(ROOT / "main.py"), "run", cwd=folder,
                                                       env=environment, stdout=log, stderr=asyncio.subprocess.STDOUT)
        try:
            yield process
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), STOP_WAIT)
                except TimeoutError:
                    process.kill()
                    await process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a Linux process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def settled(process: asyncio.subprocess.Process, quiet: float = 0.5, busy_share: float = 0.05,
                  limit: float = TIMEOUT_SETTLE) -> float:
    """Wait until the process has used under `busy_share` of a core for `quiet` seconds (start-up and catch-up
    done); returns the seconds waited."""
    start = time.perf_counter()
    used = cpu_seconds(process.pid)
    while time.perf_counter() - start < limit:
        await asyncio.sleep(quiet)
        now = cpu_seconds(process.pid)
        if now - used < quiet * busy_share:
            break
        used = now
    return time.perf_counter() - start


def rss(process: asyncio.subprocess.Process) -> float:
    return proc_status_mb(process.pid, "VmRSS") or 0.0


def peak(process: asyncio.subprocess.Process) -> float:
    return proc_status_mb(process.pid, "VmHWM") or 0.0


def restart_peak(process: asyncio.subprocess.Process) -> float:
    """Reset the process's peak RSS to what it uses now; returns that."""
    reset_peak(process.pid)
    return rss(process)
