"""The running bot on a generated database against the same bot on an empty one, end to end.

`main.py run` in a subprocess, polling the fake Bot API on 127.0.0.1, WITH Telegram's send limits
(FairRateLimiter: Telegram's send limits, as deployed) and the per-user flood limit (every question comes from a new
user). One session:
a question queued before start (time to first answer), questions during the first seconds (the catch-up job
runs at 2 s), RSS once started, /weekly (first reply and chart), then /export xlsx while users keep asking
(export time, the bot's peak RSS above its RSS before, the longest wait for an answer). Sessions alternate
between the generated database and an empty one (the peer), round after round.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bench.bot_process import LocalBotApi, Users, bot_process, peak, restart_peak, rss, settled
from bench.common import BenchResult, alternate, at_most, compared, label, sizes
from bench.datasets import ADMIN, dataset, folder

START_WINDOW = 4.0  # seconds of questions after start: the catch-up job runs at 2 s
IDLE_QUESTIONS = 8
TIMEOUT = 600.0
WEEKLY_FIRST_S = 2.0  # issue 11: /weekly first reply ≤ 2 s end to end
EXPORT_RSS_MB = 150.0
QUESTION_WAIT_S = 1.0


async def session(db: Path, scratch: Path, window: float = START_WINDOW) -> dict[str, float]:
    """One bot process on `db`: every figure of this benchmark, in seconds and MB."""
    async with LocalBotApi() as api:
        users = Users(api, TIMEOUT)
        first_user = 899_999
        since = len(api.sent)
        await api.push_update(users.update(first_user, "谁负责产教融合?"))  # waiting in Telegram when the bot starts
        started = time.perf_counter()
        async with bot_process(api, db, ADMIN, scratch) as process:
            out = {"first": await users.until(first_user, since, bool) - started}
            out["start_worst"] = max(await users.ask_while(lambda: time.perf_counter() - started < window))
            await settled(process)  # the catch-up job's work is part of starting
            out["rss"] = rss(process)
            since = len(api.sent)
            sent = time.perf_counter()
            await api.push_update(users.update(ADMIN, "/weekly"))
            out["weekly_first"] = await users.until(ADMIN, since, bool) - sent
            out["weekly_chart"] = await users.until(ADMIN, since, lambda ms: any(m.kind == "photo" for m in ms)) - sent
            out["idle_worst"] = max([await users.ask() for _ in range(IDLE_QUESTIONS)])
            await settled(process)
            before = restart_peak(process)
            since = len(api.sent)
            export = asyncio.create_task(users.send(ADMIN, "/export", bool))  # the file, or a message saying why not
            waits = await users.ask_while(lambda: not export.done())
            out["export"] = await export
            out["export_sent"] = float(any(m.kind == "document" for m in users.replies(ADMIN, since)))
            out["export_peak"] = peak(process) - before
            out["export_worst"] = max(waits, default=0.0)
            out["export_questions"] = len(waits)
    return out


def _sessions(reports: int, rounds: int) -> tuple[list[dict], list[dict]]:
    scratch = folder() / f"bot-{reports}"
    scratch.mkdir(exist_ok=True)
    empties = iter(range(rounds))

    def empty() -> dict:
        db = scratch / f"empty-{next(empties)}.db"  # a new deployment: the bot creates the file
        return asyncio.run(session(db, scratch))

    def generated() -> dict:
        return asyncio.run(session(dataset(reports), scratch))

    ours, peers = alternate(rounds, generated, empty)
    return ours, peers


def run(quick: bool = False) -> list[BenchResult]:
    rounds = 2
    out: list[BenchResult] = []
    for reports in sizes(quick):
        ours, peers = _sessions(reports, rounds)

        def of(runs: list[dict], key: str) -> list[float]:
            return [r[key] for r in runs]

        size = label(reports)
        empty_rss = statistics.median(of(peers, "rss"))
        empty_first = statistics.median(of(peers, "first"))
        asked = sum(of(ours, "export_questions"))
        out += [
            compared(f"bot RSS after start, {size} reports (peer: empty db)", of(ours, "rss"), of(peers, "rss"), "MB",
                     "≤ 1.3× empty + 20 MB", at_most(1.3 * empty_rss + 20),
                     detail="VmRSS once the process has gone quiet after start (catch-up job done), main.py run"),
            compared(f"first answer after start, {size} (peer: empty db)", of(ours, "first"), of(peers, "first"), "s",
                     "≤ empty + 1 s", at_most(empty_first + 1),
                     detail="question queued before the process starts; with send limits"),
            compared(f"longest answer in the first {START_WINDOW:g} s, {size} (peer: empty db)",
                     of(ours, "start_worst"), of(peers, "start_worst"), "s", f"≤ {QUESTION_WAIT_S:g} s",
                     lambda value, ratio: value <= QUESTION_WAIT_S,
                     detail="one question at a time, each from a new user"),
            compared(f"/weekly first reply end to end, {size} (peer: empty db)", of(ours, "weekly_first"),
                     of(peers, "weekly_first"), "s", f"≤ {WEEKLY_FIRST_S:g} s",
                     lambda value, ratio: value <= WEEKLY_FIRST_S,
                     detail=f"chart arrived after {statistics.median(of(ours, 'weekly_chart')):.2f} s (median)"),
            compared(f"/export xlsx end to end, {size} (peer: empty db)", of(ours, "export"), of(peers, "export"), "s",
                     "report only", detail=f"from the command to the document at the fake server (uploads up to 2 GB, "
                                           f"a self-hosted Bot API); a document in {sum(of(ours, 'export_sent')):g} "
                                           f"of {len(ours)} rounds"),
            compared(f"/export: bot peak RSS above its RSS before, {size} (peer: empty db)", of(ours, "export_peak"),
                     of(peers, "export_peak"), "MB", f"≤ {EXPORT_RSS_MB:g} MB",
                     lambda value, ratio: value <= EXPORT_RSS_MB, detail="VmHWM reset just before /export"),
            compared(f"longest question wait during /export, {size} (peer: same bot idle)", of(ours, "export_worst"),
                     of(ours, "idle_worst"), "s", f"≤ {QUESTION_WAIT_S:g} s",
                     lambda value, ratio: value <= QUESTION_WAIT_S,
                     detail=f"{asked} questions asked during the exports; peer: {IDLE_QUESTIONS} asked before"),
        ]
    return out
