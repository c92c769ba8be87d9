"""Shared fixtures: a fake Bot API on 127.0.0.1 and the real Application polling it, driven as users."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any
from pathlib import Path

import pytest

from application import build_application
from bot.services.facade import BotService
from bot.settings import Settings
from tests import engines
from tests.bot_driver import ADMIN_ID, GROUP_ID, OTHER_WORKER_ID, WORKER_ID, BotDriver, running_bot, settings_for
from tests.fake_bot_api import FakeBotApi, FaultPlan
# pytest finds the layer hook and the autouse fixture by their names in conftest
from tests.engines import engine, pg_engine  # noqa: F401
from tests.layers import _python_children_only_in_the_process_layer, pytest_collection_modifyitems  # noqa: F401
from tests.recording_request import RecordingRequest
from tests.report_support import Clock, at, open_service

__all__ = ["ADMIN_ID", "GROUP_ID", "OTHER_WORKER_ID", "WORKER_ID", "running_bot", "settings_for"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    engines.parametrize(metafunc)


def pytest_configure(config: pytest.Config) -> None:
    # PTB warns about its own RetryAfter.retry_after type change whenever a 429 is parsed.
    config.addinivalue_line("filterwarnings", "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
def faulty_api_plan() -> FaultPlan:
    """Override in a test module to change the faults of `faulty_api`."""
    return FaultPlan(fail_rate=0.2, retry_after_rate=0.1, retry_after=1, seed=7)


@pytest.fixture
async def faulty_api(faulty_api_plan: FaultPlan) -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(faults=faulty_api_plan) as api:
        yield api


@pytest.fixture
def bot_settings(fake_api: FakeBotApi, tmp_path: Path) -> Settings:
    return settings_for(fake_api, tmp_path)


@pytest.fixture
async def telegram(fake_api: FakeBotApi, bot_settings: Settings) -> AsyncIterator[BotDriver]:
    """A running bot and a driver: `await telegram.send_text(WORKER_ID, "谁负责产教融合?")`."""
    async with running_bot(fake_api, bot_settings) as driver:
        yield driver


# ---- shared by the in-process handler tests and the report-service tests ------------------------------------

REPORT_START = at(2026, 11, 24)


@contextlib.asynccontextmanager
async def in_process_bot(tmp_path: Path, *, flood_limits: bool = True, **settings: Any) -> AsyncIterator[BotDriver]:
    """The real Application over a recording request (no sockets), started and shut down as `run` does."""
    api = FakeBotApi()
    config = Settings(_env_file=None, token=api.token, db=engines.database_for(tmp_path), admins=(ADMIN_ID,),
                      **settings)
    app = build_application(config, request=RecordingRequest(api), flood_limits=flood_limits)
    post_init, post_shutdown = app.post_init, app.post_shutdown
    assert post_init is not None and post_shutdown is not None  # build_application sets both
    await app.initialize()
    await post_init(app)
    try:
        yield BotDriver(api).direct(app)
    finally:
        await app.shutdown()
        await post_shutdown(app)
    assert api.rejected == [] and api.unknown_methods == []


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotDriver]:
    async with in_process_bot(tmp_path) as driver:
        yield driver


@pytest.fixture
def clock() -> Clock:
    """The report tests' injected clock, starting 2026-11-24 in Asia/Shanghai."""
    return Clock(REPORT_START)


@pytest.fixture
async def service(tmp_path: Path, clock: Clock) -> AsyncIterator[BotService]:
    """A full BotService (database in tmp_path) on the injected clock."""
    service = await open_service(tmp_path, clock)
    yield service
    await service.close()
