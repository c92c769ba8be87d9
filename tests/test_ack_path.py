"""The acknowledgement path: one transaction in one thread hop per report, identity from memory, kept current.

Speed is measured in bench/bench_reports.py; here the shape of the work: how many transactions and hops a report
costs, that the liaison directory follows invite, join and revoke at once, and that a question asks nothing of
the database at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import aiosqlite
import pytest

from bot.services.actors import Actor
from bot.services.facade import BotService
from errors import PermissionDenied
from knowledge.answers import Answer
from knowledge.render import render_text
from reporting.outcomes import InviteCreated, Notice, PendingConfirmation, ReportReceipt
from storage.db import Database
from storage.pg import AsyncPgConnection
from tests.report_support import ADMIN, LIAISON, OTHER, STRANGER, Messages, expect

pytestmark = [pytest.mark.service, pytest.mark.both_engines]


@contextmanager
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts of Database entry points and of aiosqlite thread hops while the block runs."""
    counts = {"write": 0, "run": 0, "transaction": 0, "reading": 0, "hops": 0, "people": 0}
    for name in ("write", "run", "transaction", "reading"):
        original = getattr(Database, name)

        def wrapper(self: Database, *args: object, _original=original, _name=name, **kwargs: object) -> object:
            counts[_name] += 1
            counts["people"] += _name == "run" and getattr(args[0], "__name__", "") == "load_people"
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Database, name, wrapper)
    for connection in (aiosqlite.Connection, AsyncPgConnection):  # private: every call of either is one such hop
        execute = connection._execute

        async def hop(self: object, fn: object, *args: object, _execute=execute, **kwargs: object) -> object:
            counts["hops"] += 1
            return await _execute(self, fn, *args, **kwargs)

        monkeypatch.setattr(connection, "_execute", hop)
    yield counts
    monkeypatch.undo()


async def enrol(service: BotService, actor=LIAISON, args: str = "市总工会 15,16") -> None:
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, args), InviteCreated)
    await service.reports.liaisons.join(actor, invite.code)


async def test_a_report_is_one_transaction_in_one_hop_and_its_sender_costs_none(
    service: BotService, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await enrol(service)
    messages = Messages()
    await service.handle_text(LIAISON, "济南工匠 12 2026年9月", None, messages(LIAISON))  # identity and progress warm
    with counted(monkeypatch) as counts:
        receipt = await service.handle_text(LIAISON, "济南工匠 13 2026年10月；首席技师 2 2026年10月", None,
                                            messages(LIAISON))
    assert isinstance(receipt, ReportReceipt) and len(receipt.items) == 2
    assert counts["write"] == 1 and counts["transaction"] == 0  # both figures, the processed mark: one commit
    assert counts["people"] == 0  # who the sender is came from memory (runs: each unit's figures, for progress)
    assert counts["hops"] == 1  # the write, and the progress of both indicators read in its hop after the COMMIT


async def test_a_parked_figure_is_judged_and_parked_in_the_same_single_transaction(
    service: BotService, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await enrol(service, args="市总工会 23")
    await service.reports.roles.liaisons_of(LIAISON.user_id)  # the directory is loaded, as after the first message
    messages = Messages()
    with counted(monkeypatch) as counts:
        asked = await service.handle_text(LIAISON, "双师型 0.66 2026年9月", None, messages(LIAISON))
    assert isinstance(asked, PendingConfirmation) and asked.items[0].suggestion == 66
    assert counts["write"] == 1 and counts["transaction"] == 0 and counts["hops"] == 1
    assert (await service.reports.db.fetchall("SELECT COUNT(*) FROM reports"))[0][0] == 0  # nothing stored yet


async def test_a_question_from_anyone_asks_nothing_of_the_database(
    service: BotService, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await enrol(service)
    await service.reports.roles.liaisons_of(LIAISON.user_id)  # the directory is loaded, as after the first message
    with counted(monkeypatch) as counts:
        for actor in (STRANGER, LIAISON, ADMIN):
            answer = await service.handle_text(actor, "谁负责产教融合?")
            assert isinstance(answer, Answer) and "市教育局" in render_text(answer)
    assert counts["hops"] == 0


async def test_the_directory_follows_invite_join_and_revoke_at_once(service: BotService) -> None:
    messages = Messages()
    assert not await service.reports.roles.is_liaison(OTHER.user_id)  # loaded now, without OTHER
    await enrol(service, OTHER, "市科协 15")
    assert [x.unit_name for x in await service.reports.roles.liaisons_of(OTHER.user_id)] == ["市科协"]
    assert isinstance(await service.handle_text(OTHER, "济南工匠 3 2026年9月", None, messages(OTHER)), ReportReceipt)
    assert "市科协" in await service.reports.units.names()
    await service.reports.liaisons.revoke(ADMIN, str(OTHER.user_id))
    assert not await service.reports.roles.is_liaison(OTHER.user_id)
    refused = await service.handle_text(OTHER, "济南工匠 4 2026年9月", None, messages(OTHER))
    told = refused.text if isinstance(refused, Notice) else expect(refused, Answer).note
    assert "已被撤销" in (told or "") and not isinstance(refused, ReportReceipt)
    with pytest.raises(PermissionDenied):
        await service.reports.intake.submit_text(OTHER, "济南工匠 4 2026年9月", messages(OTHER))


async def test_a_busy_database_does_not_hold_a_question_for_its_senders_identity(service: BotService) -> None:
    await enrol(service)
    reports = service.reports
    reports.directory.invalidate()  # the next message has to read the directory again …
    async with reports.db.transaction():  # … while a transaction of ours holds the connection
        answer = await service.handle_text(LIAISON, "谁负责产教融合?")
    assert isinstance(answer, Answer) and "市教育局" in render_text(answer)
    receipt = await service.handle_text(LIAISON, "济南工匠 12 2026年9月", None, Messages()(LIAISON))
    assert isinstance(receipt, ReportReceipt)  # and once it is free, reports go on as before


async def test_writes_queued_meanwhile_share_one_commit_and_one_that_raises_undoes_only_itself(
    service: BotService, monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = service.reports.db
    await db.fetchone("SELECT 1")

    def insert(name: str):
        def run(conn):
            conn.execute("INSERT INTO units (name, created_at) VALUES (?, 'now')", (name,))
            if name == "坏":
                raise ValueError("this write fails after its insert")
            return name
        return run

    with counted(monkeypatch) as counts:
        results = await asyncio.gather(*(db.write(insert(n)) for n in ("甲", "乙", "坏", "丙")), return_exceptions=True)
    assert results[:2] == ["甲", "乙"] and isinstance(results[2], ValueError) and results[3] == "丙"
    assert counts["hops"] == 2  # the first alone, then the three that queued meanwhile in one group
    names = {row[0] for row in await db.fetchall("SELECT name FROM units")}
    assert {"甲", "乙", "丙"} <= names and "坏" not in names


async def test_concurrent_reports_are_each_acknowledged_after_the_commit_that_holds_them(service: BotService) -> None:
    liaisons = [Actor(user_id=700 + n, chat_id=700 + n, name=f"联络员{n}") for n in range(8)]
    for n, actor in enumerate(liaisons):
        await enrol(service, actor, f"测试单位{n} 15 新建")
    messages = Messages()
    receipts = await asyncio.gather(*(service.handle_text(actor, "济南工匠 2 2026年9月", None, messages(actor))
                                      for actor in liaisons))
    assert all(isinstance(r, ReportReceipt) for r in receipts)
    [stored] = await service.reports.db.fetchall("SELECT COUNT(*) FROM reports WHERE indicator = 15")
    assert stored[0] == len(liaisons)


async def test_a_read_after_a_write_runs_in_its_hop_once_the_group_committed(
    service: BotService, monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = service.reports.db
    await db.fetchone("SELECT 1")

    def insert(conn):
        conn.execute("INSERT INTO units (name, created_at) SELECT '读后' || COUNT(*), 'now' FROM units")
        return "stored"

    def read(conn):
        assert not conn.in_transaction  # committed before the read starts
        return conn.execute("SELECT COUNT(*) FROM units WHERE name LIKE '读后%'").fetchone()[0]

    def broken(conn):
        raise RuntimeError("a read that fails")

    with counted(monkeypatch) as counts:
        assert await db.write(insert, then=read) == ("stored", 1)
    assert counts["hops"] == 1
    assert await db.write(insert, then=broken) == ("stored", None)  # the write stands; its caller reads again
    assert (await db.fetchall("SELECT COUNT(*) FROM units WHERE name LIKE '读后%'"))[0][0] == 2
