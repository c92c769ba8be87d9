"""Load through the real Application on 127.0.0.1: 40 workers asking while 10 liaisons report, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot_driver import settings_for
from tests.fake_bot_api import FakeBotApi
from tests.load_scenario import city_figure, hardening_scale, run_load

pytestmark = pytest.mark.telegram


async def test_forty_workers_and_ten_liaisons_at_once(
    fake_api: FakeBotApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scale = hardening_scale()
    settings = settings_for(fake_api, tmp_path, flood_per_minute=1000)  # this test is about concurrency, not floods
    result = await run_load(fake_api, settings, workers=40, liaisons=10, questions_each=3 * scale,
                            reports_each=3 * scale)
    with capsys.disabled():
        print(f"\n[load] {result.round_trips} round trips in {result.elapsed:.2f} s = {result.per_second:.1f}/s "
              f"(40 workers, 10 liaisons, scale {scale})")
    assert result.wrong == []
    assert result.round_trips == 40 * 3 * scale + 10 * 3 * scale
    assert len(result.acknowledged) == 10 * 3 * scale
    assert await city_figure(settings) == pytest.approx(result.expected_figure)
    assert fake_api.rejected == [] and fake_api.unknown_methods == []
