"""Who reports for which unit, in memory: every message asks it, so it must not cost a database hop each time.

The whole liaisons and units tables are a few hundred rows; they are read in one hop and kept until our own
invite, join or revoke changes them (LiaisonAdmin calls invalidate()), or MAX_AGE passes. Nothing else writes
them while the bot runs (`main.py restore` refuses an open database; start-up checks run before we open it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from storage.db import Database
from storage.models import Liaison, Unit
from storage.repositories import load_people

MAX_AGE = 300.0  # seconds; a safety net only, our own changes invalidate at once


@dataclass(frozen=True)
class People:
    """One consistent reading of the liaisons and units tables."""

    active: dict[int, tuple[Liaison, ...]]  # user id → active memberships, oldest first
    revoked: dict[int, tuple[Liaison, ...]]  # user id → revoked memberships, latest revocation first
    units: dict[str, Unit]  # by official name
    unit_names: tuple[str, ...]  # in creation order

    @classmethod
    def of(cls, liaisons: list[Liaison], units: list[Unit]) -> People:
        active: dict[int, list[Liaison]] = {}
        revoked: dict[int, list[tuple[dt.datetime, Liaison]]] = {}
        for liaison in liaisons:
            if liaison.revoked_at is None:
                active.setdefault(liaison.user_id, []).append(liaison)
            else:
                revoked.setdefault(liaison.user_id, []).append((liaison.revoked_at, liaison))
        latest_first = {user: tuple(x for _, x in sorted(rows, key=lambda row: row[0], reverse=True))
                        for user, rows in revoked.items()}
        return cls(active={user: tuple(rows) for user, rows in active.items()}, revoked=latest_first,
                   units={u.name: u for u in units}, unit_names=tuple(u.name for u in units))


class LiaisonDirectory:
    """People read once and shared; a load in progress is shared too, and one begun before a change is not kept."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.clock = clock
        self._people: People | None = None
        self._loaded_at = 0.0
        self._generation = 0
        self._loading: tuple[int, asyncio.Task[People]] | None = None

    def ready(self) -> People | None:
        """The people when known and fresh, without waiting for anything."""
        if self._people is not None and self.clock() - self._loaded_at < MAX_AGE:
            return self._people
        return None

    async def get(self) -> People:
        """The people, reading the tables when they changed since the last reading."""
        known = self.ready()
        return known if known is not None else await asyncio.shield(self._load())

    async def within(self, timeout: float) -> People | None:
        """The people, or None when reading them takes longer than `timeout` (the database is busy)."""
        known = self.ready()
        if known is not None:
            return known
        try:
            return await asyncio.wait_for(asyncio.shield(self._load()), timeout)
        except TimeoutError:
            return None

    def invalidate(self) -> None:
        """Our own invite, join or revoke changed the tables: the next question reads them again."""
        self._generation += 1
        self._people = None

    def _load(self) -> asyncio.Task[People]:
        if self._loading is None or self._loading[0] != self._generation or self._loading[1].done():
            task = asyncio.ensure_future(self._read(self._generation))
            task.add_done_callback(_retrieved)  # a waiter that timed out no longer reads its failure
            self._loading = (self._generation, task)
        return self._loading[1]

    async def _read(self, generation: int) -> People:
        people = People.of(*await self.db.run(load_people))
        if generation == self._generation:  # else a change committed meanwhile: use it once, do not keep it
            self._people, self._loaded_at = people, self.clock()
        return people


def _retrieved(task: asyncio.Task[People]) -> None:
    if not task.cancelled():
        task.exception()
