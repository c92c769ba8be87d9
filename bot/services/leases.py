"""Leases on jobs in the shared database, so a job runs in one replica at a time and a survivor takes it over."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from storage import leases

if TYPE_CHECKING:
    from storage.db import Database

TERM = dt.timedelta(seconds=90)  # a holder renews well within it (bot/telegram/jobs.py: every TERM / 3)


def replica_id() -> str:
    """This process among the replicas: host, pid and a random tail (a restarted pid is another holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def gone(holder: str) -> bool:
    """A replica of this host whose process no longer exists; one of another host cannot be told (False)."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    return host == socket.gethostname() and pid.isdigit() and not _alive(int(pid))


def _alive(pid: int) -> bool:
    """A process of this host with this id exists (signal 0 only asks)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


class Leases:
    """job_leases rows held by `holder` on the service clock: taken when free or expired, renewed while held."""

    def __init__(self, db: Database, clock: Callable[[], dt.datetime], holder: str, term: dt.timedelta = TERM) -> None:
        self.db = db
        self.clock = clock
        self.holder = holder
        self.term = term
        self.held: set[str] = set()  # names this replica held at its last hold() of them

    def _now(self) -> dt.datetime:
        return self.clock().astimezone(dt.UTC)

    async def hold(self, name: str) -> bool:
        """Take or renew the lease `name` for one term; False while another replica's lease runs."""
        now = self._now()
        held = await self.db.write(partial(leases.hold, name=name, holder=self.holder, now=now.isoformat(),
                                           until=(now + self.term).isoformat()))
        (self.held.add if held else self.held.discard)(name)
        return held

    async def holder_of(self, name: str) -> str | None:
        """The replica whose lease on `name` has not expired, if any."""
        held = await self.db.run(partial(leases.holder, name=name))
        if held is None or dt.datetime.fromisoformat(held[1]) <= self._now():
            return None
        return held[0]

    async def release(self, name: str) -> None:
        self.held.discard(name)
        await self.db.write(partial(leases.release, name=name, holder=self.holder))
