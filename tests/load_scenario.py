"""Workers asking and liaisons reporting at once through the real Application; shared by tests and bench.

Every reply is compared with what the engine itself answers for that worker's question sequence (follow-ups
included), and the city figure of the reported indicator must equal its baseline plus every acknowledged report.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from dataclasses import dataclass, field

from application import build_application
from bot.telegram.running import serving
from bot.telegram.views import render_answer, split_html
from bot.settings import Settings
from knowledge.answers import ChatContext
from knowledge.engine import QuestionEngine
from knowledge.parser import load_policy
from tests.bot_driver import ADMIN_ID, BotDriver
from tests.fake_bot_api import FakeBotApi

QUESTIONS = (
    "谁负责产教融合?", "市总工会负责哪些工作", "济南工匠2023年目标是多少", "那2025年呢？", "第8条",
    "市教育局和市人力资源社会保障局共同负责哪些工作", "双师型教师占比", "誰負責產教融合？", "公租房怎么申请",
    "产教融合有哪些指标", "什么时候印发的", "措施十二",
)
INDICATOR = 19  # 职工创新创效竞赛 (场次): a count, so the city figure is the baseline plus every monthly report
WORKER_BASE = 30_000
LIAISON_BASE = 40_000
CODE = re.compile(r"start=([A-Za-z0-9_-]+)")
MONTHS = [(year, month) for year in range(2022, 2027) for month in range(1, 13)][:58]  # 2022-01 … 2026-10


def hardening_scale() -> int:
    """HARDENING_SCALE=10 multiplies the load, fault and fuzz sizes (default 1, the `make test` size)."""
    return max(1, int(os.environ.get("HARDENING_SCALE", "1")))


@dataclass
class LoadResult:
    """What the load run saw; `wrong` lists every reply that differs from the engine's own answer."""

    round_trips: int = 0
    elapsed: float = 0.0
    wrong: list[str] = field(default_factory=list)
    acknowledged: list[float] = field(default_factory=list)
    baseline: float = 0.0

    @property
    def per_second(self) -> float:
        return self.round_trips / self.elapsed if self.elapsed else 0.0

    @property
    def expected_figure(self) -> float:
        return self.baseline + sum(self.acknowledged)


def expected_replies(engine: QuestionEngine, questions: list[str]) -> list[list[str]]:
    """The HTML parts the bot must send for each question, asked in order in one chat."""
    context: ChatContext | None = None
    out = []
    for question in questions:
        answer = engine.answer(question, context)
        context = answer.context
        out.append(split_html(render_answer(answer).text))
    return out


def report_text(liaison: int, index: int) -> tuple[str, float]:
    """A distinct month per report, small values (never an outlier), e.g. '#19 3 2024年5月'."""
    year, month = MONTHS[(liaison * 7 + index) % len(MONTHS)]
    value = float(1 + (liaison + index) % 4)
    return f"#{INDICATOR} {value:g} {year}年{month}月", value


async def enrol_liaisons(driver: BotDriver, count: int) -> list[int]:
    """Admin invites one unit per liaison through Telegram; each liaison redeems the code with /join."""
    users = []
    for index in range(count):
        [invite] = await driver.send_text(ADMIN_ID, f"/invite 负载单位{index} {INDICATOR} 新建")
        code = CODE.search(invite.text)
        if code is None:
            raise AssertionError(f"no invite link in {invite.text!r}")
        user = LIAISON_BASE + index
        [joined] = await driver.send_text(user, f"/join {code.group(1)}")
        if f"负载单位{index}" not in joined.text:
            raise AssertionError(f"join failed: {joined.text!r}")
        users.append(user)
    return users


async def run_load(api: FakeBotApi, settings: Settings, *, workers: int = 40, liaisons: int = 10,
                   questions_each: int = 3, reports_each: int = 3, flood_limits: bool = True,
                   timeout: float = 60.0) -> LoadResult:
    """Serve `settings` against `api`, enrol liaisons, then let every worker and liaison talk at the same time."""
    document = load_policy(settings.policy)
    engine = QuestionEngine(document)
    result = LoadResult(baseline=next(i.baseline for i in document.indicators if i.number == INDICATOR))
    app = build_application(settings, flood_limits=flood_limits)
    driver = BotDriver(api, timeout=timeout)
    driver.hook(app)

    async def worker(user: int) -> None:
        asked = [QUESTIONS[(user + i) % len(QUESTIONS)] for i in range(questions_each)]
        for question, expected in zip(asked, expected_replies(engine, asked), strict=True):
            replies = await driver.send_text(user, question, expect=len(expected))
            if [m.html for m in replies] != expected:
                result.wrong.append(f"{user} {question!r}: got {[m.text[:60] for m in replies]}")
            result.round_trips += 1

    async def liaison(user: int, index: int) -> None:
        for step in range(reports_each):
            text, value = report_text(index, step)
            replies = await driver.send_text(user, text)
            if len(replies) == 1 and "✅ 已保存" in replies[0].text:
                result.acknowledged.append(value)
            else:
                result.wrong.append(f"{user} {text!r}: got {[m.text[:80] for m in replies]}")
            result.round_trips += 1

    async with serving(app, settings):
        users = await enrol_liaisons(driver, liaisons)
        start = time.perf_counter()
        await asyncio.gather(*(worker(WORKER_BASE + w) for w in range(workers)),
                             *(liaison(user, index) for index, user in enumerate(users)))
        result.elapsed = time.perf_counter() - start
    return result


async def city_figure(settings: Settings, indicator: int = INDICATOR) -> float | None:
    """The city figure as a freshly opened service computes it from the database on disk."""
    from bot.services.actors import Actor
    from bot.services.facade import BotService

    service = await BotService.open(settings)
    try:
        assert service.reports is not None
        admin = Actor(user_id=ADMIN_ID, chat_id=ADMIN_ID)
        view = await service.reports.progress.view(admin, str(indicator))
        return view.items[0].figure
    finally:
        await service.close()
