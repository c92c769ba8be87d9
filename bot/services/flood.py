"""Per-user flood limit, so one sender cannot keep the engine and the database busy for everyone else."""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable
from enum import Enum

from errors import RateLimited

WINDOW = dt.timedelta(minutes=1)
SWEEP_EVERY = 1024


class Verdict(Enum):
    """ALLOW: go on; TELL: over the limit, say so once; QUIET: still over the limit, already told."""

    ALLOW = "allow"
    TELL = "tell"
    QUIET = "quiet"


def flood_reply(per_minute: int) -> str:
    return f"您发送得有点快，请稍等一会儿再发（每分钟最多 {per_minute} 条）。稍后直接重发即可，例如：谁负责产教融合？"


class FloodLimit:
    """Sliding window of accepted messages per user id, on the injected clock; a user is told once per spell."""

    def __init__(self, per_minute: int, clock: Callable[[], dt.datetime], window: dt.timedelta = WINDOW) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.window = window
        self._accepted: dict[int, deque[dt.datetime]] = {}
        self._told: set[int] = set()
        self._calls = 0

    def hit(self, user_id: int) -> Verdict:
        """Count one message from `user_id`; refused messages do not count, so waiting always frees a slot."""
        if self.per_minute <= 0:
            return Verdict.ALLOW
        now = self.clock()
        self._calls += 1
        if self._calls % SWEEP_EVERY == 0:
            self._sweep(now)
        times = self._accepted.setdefault(user_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.per_minute:
            times.append(now)
            self._told.discard(user_id)
            return Verdict.ALLOW
        if user_id in self._told:
            return Verdict.QUIET
        self._told.add(user_id)
        return Verdict.TELL

    def check(self, user_id: int) -> None:
        """Raise errors.RateLimited (quiet after the first time) when `user_id` is over the limit."""
        verdict = self.hit(user_id)
        if verdict is not Verdict.ALLOW:
            raise RateLimited(flood_reply(self.per_minute), quiet=verdict is Verdict.QUIET)

    def tracked_users(self) -> int:
        return len(self._accepted)

    def _sweep(self, now: dt.datetime) -> None:
        """Forget users whose whole window has passed, so memory follows active users, not all users ever seen."""
        stale = [uid for uid, times in self._accepted.items() if not times or now - times[-1] >= self.window]
        for uid in stale:
            del self._accepted[uid]
            self._told.discard(uid)
