"""Two `main.py run` replicas on one PostgreSQL database behind a round-robin proxy, one SIGKILLed in a burst.

The proof of issue 14: ten liaisons invited and joined through the webhook, dialogs whose turns alternate between
the replicas, then 200 reports (every tenth delivered twice, as Telegram does when it missed a 200) while the
replica that answered a pending question is killed. The proxy then reaches only the survivor; what the dead one
had in hand is redelivered (its POST got no 200) or taken over from the shared inbox. In the end every report is
acknowledged and stored exactly once, the follow-up is answered right by the survivor, and the weekly summary
(due five minutes before the start; both replicas run the catch-up that sends it) went out once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from contextlib import AsyncExitStack
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.services.summaries import WEEKLY_KIND
from bot.telegram.jobs import CATCH_UP_DELAY, PUSHES
from storage.db import open_database
from tests.bot_driver import ADMIN_ID, BotDriver, invite_code
from tests.engines import Engine, rows
from tests.fake_bot_api import BotMessage, chat_dict, user_dict
from tests.load_scenario import INDICATOR, MONTHS
from tests.replicas import RoundRobinProxy, WebhookBotApi, free_ports, kill, replica

pytestmark = pytest.mark.process

ADMINS = (ADMIN_ID, ADMIN_ID + 1)
LIAISONS = [70_000 + index for index in range(10)]
REPORTS_EACH = 20
KILL_AFTER = 80  # reports delivered (answered 200) before the kill
WAIT = 45.0  # the survivor takes over a dead replica's claimed updates within RENEW_EVERY (30 s)
SAVED = re.compile(r"✅ (?:已保存|已保存过|已更正)：(\S+) · .*? · (\d{4}年\d{1,2}月) · ")
SEEN_PUSH = "2020-W01:0"  # an old push: this database has pushed before, so a missed summary is caught up
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
ZONE = "Asia/Shanghai"


@pytest.fixture
def database(tmp_path: Path, pg_engine: Engine) -> str:
    """A fresh PostgreSQL database of this test's own; skipped without a server, except under CI."""
    return str(pg_engine.database_for(tmp_path, "replicas"))


def weekly_env() -> dict[str, str]:
    """A weekly slot five minutes ago (caught up at start), and a reminder day that is not today (nothing due)."""
    slot = dt.datetime.now(ZoneInfo(ZONE)) - dt.timedelta(minutes=5)
    return {"BOT_TZ": ZONE, "BOT_WEEKLY_AT": f"{WEEKDAYS[slot.weekday()]} {slot:%H:%M}",
            "BOT_REMIND_DAY": "2" if slot.day == 1 else "1"}


async def seed_pushed_before(url: str) -> None:
    """Migrate the database and record an old push, as a deployment that has been running does."""
    db = await open_database(url)
    try:
        await db.write(lambda conn: conn.execute(
            "INSERT INTO sent_notifications (kind, key, sent_at) VALUES (?, ?, ?)",
            (WEEKLY_KIND, SEEN_PUSH, "2020-01-06T01:00:00+00:00")))
    finally:
        await db.close()


def report(api: WebhookBotApi, user: int, text: str) -> dict:
    return {"message": {"message_id": api.next_message_id(), "date": int(time.time()), "chat": chat_dict(user),
                        "from": user_dict(user), "text": text}}


def burst(api: WebhookBotApi) -> dict[int, list[dict]]:
    """Per liaison, REPORTS_EACH reports of distinct months (values 1 to 4: nothing questionable)."""
    streams: dict[int, list[dict]] = {}
    for index, user in enumerate(LIAISONS):
        months = [MONTHS[(index * 7 + step) % len(MONTHS)] for step in range(REPORTS_EACH)]
        streams[user] = [report(api, user, f"#{INDICATOR} {1 + (index + step) % 4} {year}年{month}月")
                         for step, (year, month) in enumerate(months)]
    return streams


def receipts(api: WebhookBotApi) -> set[tuple[int, str, str]]:
    """(chat, unit, month) of every receipt sent, first answers and answers to a redelivery alike."""
    return {(m.chat_id, found.group(1), found.group(2)) for m in list(api.sent) if (found := SAVED.search(m.text))}


def expected(streams: dict[int, list[dict]]) -> set[tuple[int, str, str]]:
    out = set()
    for index, user in enumerate(LIAISONS):
        for update in streams[user]:
            month = update["message"]["text"].split()[-1]
            out.add((user, f"副本单位{index}", month))
    return out


async def enrol(driver: BotDriver) -> None:
    """The admin invites one unit per liaison; every liaison opens the bot through the invite's link."""
    codes = []
    for index in range(len(LIAISONS)):
        [invite] = await driver.send_text(ADMIN_ID, f"/invite 副本单位{index} {INDICATOR} 新建")
        codes.append(invite_code(invite.text))
    joined = await asyncio.gather(*(driver.send_text(user, f"/start {code}") for user, code in zip(LIAISONS, codes,
                                                                                                  strict=True)))
    for index, [welcome] in enumerate(joined):
        assert f"副本单位{index}" in welcome.text, welcome.text


async def ask(api: WebhookBotApi, proxy: RoundRobinProxy, user: int, text: str) -> tuple[BotMessage, int]:
    """One question, nothing else in flight; its answer and the replica that took it."""
    [answer] = await BotDriver(api, timeout=20, settle=0.2).send_text(user, text)
    last = max(api.delivered)  # the update just delivered: the newest id
    [port] = proxy.ports_of(last)
    return answer, port


async def push_streams(api: WebhookBotApi, streams: dict[int, list[dict]]) -> None:
    """Every liaison's reports in order, the liaisons at once; every tenth report delivered a second time."""
    async def stream(updates: list[dict]) -> None:
        for number, payload in enumerate(updates, 1):
            update_id = await api.push_update(payload)
            if number % 10 == 0:
                await api.redeliver(update_id)

    await asyncio.gather(*(stream(updates) for updates in streams.values()))


async def test_two_replicas_one_killed_in_a_burst_store_every_report_once_and_answer_follow_ups(
    tmp_path: Path, database: str,
) -> None:
    await seed_pushed_before(database)
    path = "/tg/hook"
    ports = free_ports(2)
    env = {"BOT_DB": database, "BOT_ADMINS": ",".join(map(str, ADMINS)), "BOT_FLOOD_PER_MINUTE": "60", **weekly_env()}
    async with AsyncExitStack() as stack:
        api = await stack.enter_async_context(WebhookBotApi())
        proxy = await stack.enter_async_context(RoundRobinProxy(path, ports))
        env["BOT_WEBHOOK_URL"] = proxy.url
        processes = await asyncio.gather(*(stack.enter_async_context(
            replica(api, port, tmp_path / f"replica-{port}.log", env)) for port in ports))
        by_port = dict(zip(ports, processes, strict=True))
        started = time.monotonic()
        assert api.webhook["url"] == proxy.url and api.webhook["secret_token"]  # POSTs carry the secret it set
        await api.wait_for(lambda: len(photos(api)) >= len(ADMINS), WAIT)  # the summary caught up at start
        await api.wait_quiet(0.3, WAIT)
        driver = BotDriver(api, timeout=20, settle=0.2)
        await enrol(driver)

        # A follow-up goes to the other replica than its question: the dialog lives in the database.
        lead, first = await ask(api, proxy, 7001, "谁负责产教融合?")
        year, second = await ask(api, proxy, 7001, "那2025年呢?")
        assert "第4条" in lead.text and "指标22" in year.text and "70%" in year.text
        listing, third = await ask(api, proxy, 7002, "市总工会负责哪些措施")
        assert "共 12 条" in listing.text and second not in (first, third)

        streams = burst(api)
        pushing = asyncio.create_task(push_streams(api, streams))
        burst_ids_before = len(api.delivered)
        await api.wait_for(lambda: len(api.delivered) - burst_ids_before >= KILL_AFTER or pushing.done(), WAIT)
        assert not pushing.done(), "the burst was over before the kill"
        victim = third  # it answered 7002's question, whose follow-up comes after its death
        assert time.monotonic() - started > CATCH_UP_DELAY + 1  # both replicas ran the catch-up of the summary
        await kill(by_port[victim])
        await asyncio.wait_for(pushing, WAIT)
        [within] = await driver.send_text(7002, "这里面哪些有国资委")
        assert "共 8 条" in within.text

        want = expected(streams)
        await api.wait_for(lambda: want <= receipts(api), WAIT)
        assert proxy.refused[victim] > 0  # the proxy met the dead replica and passed its requests on
        survivor_log = (tmp_path / f"replica-{next(p for p in ports if p != victim)}.log").read_text()
        assert api.redelivered() > 0 or "handled again" in survivor_log  # the kill took updates from its hands

        # Every report acknowledged and stored exactly once, keyed by the message that carried it.
        sent = {(u["message"]["chat"]["id"], u["message"]["message_id"]): float(u["message"]["text"].split()[1])
                for s in streams.values() for u in s}
        stored = rows(database, "SELECT chat_id, message_id, MIN(value), COUNT(*) FROM reports WHERE indicator = ?"
                                " GROUP BY chat_id, message_id", (INDICATOR,))
        assert {(chat, message): value for chat, message, value, _ in stored} == sent
        assert [row for row in stored if row[3] != 1] == []
        await wait_inbox_drained(database)

        # The weekly summary: due at start, caught up by whichever replica held the pushes, once per admin.
        assert sorted(photos(api)) == sorted(ADMINS)
        weekly = rows(database, "SELECT key FROM sent_notifications WHERE kind = ? AND key <> ?",
                      (WEEKLY_KIND, SEEN_PUSH))
        assert len(weekly) == len(ADMINS)
        [(holder,)] = rows(database, "SELECT holder FROM job_leases WHERE name = ?", (PUSHES,))
        assert int(holder.split(":")[1]) in {p.pid for p in processes}
        assert api.rejected == [] and api.unknown_methods == []
    for port in ports:
        assert "Traceback" not in (tmp_path / f"replica-{port}.log").read_text(), port


def photos(api: WebhookBotApi) -> list[int]:
    """The chats the bot sent a photo to (the weekly summary's chart)."""
    return [int(params["chat_id"]) for method, params in list(api.calls) if method == "sendPhoto"]


async def wait_inbox_drained(database: str) -> None:
    """Every stored update marked done (the survivor writes its done marks in batches): bounded."""
    deadline = time.monotonic() + 10
    while rows(database, "SELECT COUNT(*) FROM update_inbox WHERE done_at IS NULL") != [(0,)]:
        assert time.monotonic() < deadline, rows(database, "SELECT update_id, claimed_by FROM update_inbox"
                                                           " WHERE done_at IS NULL")
        await asyncio.sleep(0.2)
