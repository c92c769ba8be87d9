"""A report service on a real SQLite file with a settable clock, shared by the reporting tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.services.actors import Actor, MessageRef
from bot.services.facade import BotService
from bot.settings import Settings
from tests.engines import database_for
from reporting.outcomes import InviteCreated, Joined

ZONE = ZoneInfo("Asia/Shanghai")
ADMIN = Actor(user_id=1, chat_id=1, name="管理员")
LIAISON = Actor(user_id=2, chat_id=2, name="张三", username="zhangsan")
OTHER = Actor(user_id=3, chat_id=3, name="李四", username="lisi")
STRANGER = Actor(user_id=9, chat_id=9, name="路人")
T = TypeVar("T")


def expect(value: object, kind: type[T]) -> T:
    """`value`, checked to be a `kind`: an outcome narrowed to the one the test expects."""
    assert isinstance(value, kind), value
    return value


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=ZONE)


async def open_service(tmp_path: Path, clock: Clock) -> BotService:
    settings = Settings(_env_file=None, db=database_for(tmp_path), admins=(ADMIN.user_id,))
    return await BotService.open(settings, clock)


class Messages:
    """Message refs with increasing ids, as Telegram would number them."""

    def __init__(self) -> None:
        self.next_id = 100

    def __call__(self, actor: Actor) -> MessageRef:
        self.next_id += 1
        return MessageRef(chat_id=actor.chat_id, message_id=self.next_id, update_id=self.next_id + 5000)


async def exported(service: BotService, fmt: str | None = None, actor: Actor = ADMIN) -> bytes:
    """The bytes of `/export [fmt]`; the temporary folder it was written to is gone once they are read."""
    assert service.summaries is not None
    file = await service.summaries.export(actor, fmt)
    with file:
        data = file.path.read_bytes()
    assert not file.path.parent.exists()
    return data


async def invite_and_join(service: BotService, actor=LIAISON, args: str = "市总工会 15,16") -> Joined:
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, args, "jinan_policy_bot"), InviteCreated)
    return await service.reports.liaisons.join(actor, invite.code)


async def count_reports(service: BotService) -> int:
    return (await service.reports.db.fetchall("SELECT COUNT(*) FROM reports"))[0][0]
