"""Per-user flood limit, so one sender cannot keep the engine and the database busy for everyone else.

FloodLimit counts in this process. SharedFloodLimit also shares the count with the replicas on its database, off
the question's path (issue 11: a question asks nothing of the database): the verdict is taken from memory (the
shared window as last read, plus what this process accepted since) and the accepted messages are written, and the
other replicas' read back, with the write that ends each Telegram update (bot/telegram/chat_states.py).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from enum import Enum

from errors import RateLimited
from storage import flood_windows

WINDOW = dt.timedelta(minutes=1)
SWEEP_EVERY = 1024
PRUNE_EVERY = dt.timedelta(minutes=10)
Times = tuple[dt.datetime, ...]


class Verdict(Enum):
    """ALLOW: go on; TELL: over the limit, say so once; QUIET: still over the limit, already told."""

    ALLOW = "allow"
    TELL = "tell"
    QUIET = "quiet"


def flood_reply(per_minute: int) -> str:
    return f"您发送得有点快，请稍等一会儿再发（每分钟最多 {per_minute} 条）。稍后直接重发即可，例如：谁负责产教融合？"


def judge(times: Times, told: bool, now: dt.datetime, per_minute: int,
          window: dt.timedelta) -> tuple[Verdict, Times, bool]:
    """The sliding window's one rule: (verdict, accepted times still in the window, told); refusals do not count."""
    live = tuple(t for t in times if now - t < window)
    if len(live) < per_minute:
        return Verdict.ALLOW, (*live, now), False
    return (Verdict.QUIET if told else Verdict.TELL), live, True


class FloodLimit:
    """Sliding window of accepted messages per user id, on the injected clock; a user is told once per spell."""

    def __init__(self, per_minute: int, clock: Callable[[], dt.datetime], window: dt.timedelta = WINDOW) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.window = window
        self._windows: dict[int, tuple[Times, bool]] = {}
        self._calls = 0

    def hit(self, user_id: int) -> Verdict:
        """Count one message from `user_id`; refused messages do not count, so waiting always frees a slot."""
        if self.per_minute <= 0:
            return Verdict.ALLOW
        now = self.clock()
        self._calls += 1
        if self._calls % SWEEP_EVERY == 0:
            self._sweep(now)
        verdict, times, told = judge(*self._windows.get(user_id, ((), False)), now, self.per_minute, self.window)
        self._windows[user_id] = (times, told)
        return verdict

    def check(self, user_id: int) -> None:
        """Raise errors.RateLimited (quiet after the first time) when `user_id` is over the limit."""
        raise_if_limited(self.hit(user_id), self.per_minute)

    def tracked_users(self) -> int:
        return len(self._windows)

    def _sweep(self, now: dt.datetime) -> None:
        """Forget users whose whole window has passed, so memory follows active users, not all users ever seen."""
        stale = [uid for uid, (times, _) in self._windows.items() if not times or now - times[-1] >= self.window]
        for uid in stale:
            del self._windows[uid]


def raise_if_limited(verdict: Verdict, per_minute: int) -> None:
    if verdict is not Verdict.ALLOW:
        raise RateLimited(flood_reply(per_minute), quiet=verdict is Verdict.QUIET)


class SharedFloodLimit(FloodLimit):
    """The window kept in flood_windows too, so replicas on one database count against one limit."""

    def __init__(self, per_minute: int, clock: Callable[[], dt.datetime], window: dt.timedelta = WINDOW) -> None:
        super().__init__(per_minute, clock, window)
        self._unsent: dict[int, list[dt.datetime]] = {}  # accepted here, not yet written
        self._pruned_at: dt.datetime | None = None

    def hit(self, user_id: int) -> Verdict:
        verdict = super().hit(user_id)
        if verdict is Verdict.ALLOW and self.per_minute > 0:  # no limit: nothing counted, nothing to share
            unsent = self._unsent.setdefault(user_id, [])
            unsent.append(self._windows[user_id][0][-1])  # the time judge() just accepted
            del unsent[:-self.per_minute]  # bounded: older ones no longer count anyway
        return verdict

    def take_unsent(self) -> dict[int, list[dt.datetime]]:
        """What to write with the next transaction; restore() it if that fails."""
        unsent, self._unsent = self._unsent, {}
        return unsent

    def restore(self, unsent: dict[int, list[dt.datetime]]) -> None:
        for user_id, times in unsent.items():
            self._unsent[user_id] = sorted([*times, *self._unsent.get(user_id, ())])[-self.per_minute:]

    def write(self, conn: sqlite3.Connection, unsent: dict[int, list[dt.datetime]]) -> dict[int, Times]:
        """In the caller's transaction: add our accepted times to each window; returns the windows as now stored."""
        now = self.clock()
        stamp = now.astimezone(dt.UTC)
        windows: dict[int, Times] = {}
        for user_id, times in unsent.items():
            def change(stored: str | None, user_id: int = user_id, times: list[dt.datetime] = times) -> str:
                merged = tuple(sorted(t for t in [*parse_window(stored), *times] if now - t < self.window))
                windows[user_id] = merged
                return json.dumps([t.isoformat() for t in merged])

            flood_windows.count(conn, user_id, change, stamp.isoformat())
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            flood_windows.prune(conn, (stamp - self.window).isoformat())
            self._pruned_at = now
        return windows

    def learn(self, windows: dict[int, Times]) -> None:
        """Shared windows as stored (read or just written): every replica's accepted times count here from now on."""
        for user_id, times in windows.items():
            _, told = self._windows.get(user_id, ((), False))
            mine = self._unsent.get(user_id, ())  # accepted here since: not in the database yet
            self._windows[user_id] = (tuple(sorted([*times, *mine])), told)

    def _sweep(self, now: dt.datetime) -> None:
        super()._sweep(now)
        for user_id in [u for u in self._unsent if u not in self._windows]:
            del self._unsent[user_id]


def parse_window(stored: str | None) -> Times:
    return tuple(dt.datetime.fromisoformat(t) for t in json.loads(stored)) if stored is not None else ()
