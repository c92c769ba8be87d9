"""The service clock in the bot's zone: one object every part asks, so a test that moves time moves it for all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

Clock = Callable[[], dt.datetime]


class ZonedClock:
    """`source` gives the instant (the real clock, or a test's); now() reads it in BOT_TZ."""

    def __init__(self, source: Clock, zone: ZoneInfo) -> None:
        self.source = source
        self.zone = zone

    def now(self) -> dt.datetime:
        return self.source().astimezone(self.zone)

    def today(self) -> dt.date:
        return self.now().date()
