"""One truth across views: after any reports, corrections and undos, every view shows the same effective figure.

The oracle is the stored rows themselves with the rule written out plainly (per unit × indicator × month, the
newest row not undone); the views are the real services on a real SQLite file: receipts, /progress, /mine,
/weekly, the XLSX and CSV exports and the summary CLI.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot.services.facade import BotService
from errors import UserFacingError
from knowledge.numerals import format_number
from reporting.effective import CORRECTED, EFFECTIVE, UNDONE
from reporting.export import REPORTS_SHEET
from reporting.outcomes import InviteCreated, PendingConfirmation, ReportReceipt, UndoReceipt
from reporting.progress import city_figure
from storage.unit_figures import UnitFigure
from tests.report_support import ADMIN, LIAISON, OTHER, Clock, Messages, at, expect, exported, open_service

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

Key = tuple[int, int, str]  # (unit id, indicator, period)
NAMES = {15: "济南工匠", 16: "泉城首席技师", 1: "技能人才", 23: "双师型"}
VALUES = {15: ("3", "5", "8", "12"), 16: ("2", "4", "5", "7"), 1: ("134", "135.5", "136", "138.25"),
          23: ("62%", "64.5%", "66%", "68%")}
MONTHS = ("2026年9月", "2026年10月", "")  # no month: the month just ended, 2026-10
PERIOD = "2026-10"
INVITES = ((LIAISON, "市总工会 15,16"), (OTHER, "市人社局 1,23"))
ACTORS = {"liaison": LIAISON, "other": OTHER, "admin": ADMIN}
OWN = {"liaison": (15, 16), "other": (1, 23)}

item = st.tuples(st.integers(0, 3), st.sampled_from(MONTHS), st.integers(0, 3))
report_op = st.tuples(st.just("report"), st.sampled_from(sorted(ACTORS)), st.integers(0, 1),
                      st.lists(item, min_size=1, max_size=2, unique_by=lambda i: i[0] % 2))
undo_op = st.tuples(st.just("undo"), st.sampled_from(sorted(ACTORS)))
again_op = st.tuples(st.just("again"), st.integers(1, 3))  # the previous report once more, another value: a correction
operations = st.lists(st.one_of(report_op, again_op, undo_op), min_size=2, max_size=14)


class World:
    """The service, its units and the stored rows read back as the oracle."""

    def __init__(self, service: BotService, clock: Clock) -> None:
        self.service = service
        self.clock = clock
        self.messages = Messages()
        self.units: dict[str, tuple[int, str]] = {}
        self.last_report: tuple | None = None

    async def setup(self) -> None:
        for actor, args in INVITES:
            invite = expect(await self.service.reports.liaisons.create_invite(ADMIN, args, "jinan_policy_bot"),
                            InviteCreated)
            await self.service.reports.liaisons.join(actor, invite.code)
        for key, actor in (("liaison", LIAISON), ("other", OTHER)):
            liaison = (await self.service.reports.roles.liaisons_of(actor.user_id))[0]
            self.units[key] = (liaison.unit_id, liaison.unit_name)

    async def rows(self) -> list[tuple[int, Key, float, bool]]:
        found = await self.service.reports.db.fetchall(
            "SELECT id, unit_id, indicator, period, value, undone_at IS NOT NULL FROM reports ORDER BY id")
        return [(r[0], (r[1], r[2], r[3]), r[4], bool(r[5])) for r in found]

    async def effective(self) -> dict[Key, tuple[int, float]]:
        """The rule written out: per key, the newest row not undone."""
        out: dict[Key, tuple[int, float]] = {}
        for rid, key, value, undone in await self.rows():
            if not undone:
                out[key] = (rid, value)
        return out

    def text(self, op: tuple) -> tuple:
        """The message an operation sends, and who sends it (an admin names the unit first)."""
        if op[0] == "again":
            if self.last_report is None:
                return self.text(("report", "liaison", 0, [(0, "", op[1])]))
            _, who, unit_pick, items = self.last_report
            op = ("report", who, unit_pick, [(i, month, (v + op[1]) % 4) for i, month, v in items])
        self.last_report = op
        _, who, unit_pick, items = op
        unit_key = ("liaison", "other")[unit_pick] if who == "admin" else who
        numbers = (15, 16, 1, 23) if who == "admin" else OWN[who]
        parts = [f"{NAMES[numbers[i % len(numbers)]]} {VALUES[numbers[i % len(numbers)]][v]} {month}".strip()
                 for i, month, v in items]
        prefix = f"{self.units[unit_key][1]} " if who == "admin" else ""
        return ACTORS[who], prefix + "；".join(parts)

    async def city(self, indicator: int) -> float | None:
        """Per unit its effective months (none written 累计 here) added up, and its latest; then the city rule."""
        months: dict[int, dict[str, float]] = {}
        for (unit, number, period), (_, value) in (await self.effective()).items():
            if number == indicator:
                months.setdefault(unit, {})[period] = value
        units = tuple(UnitFigure(unit, min(m), max(m), m[max(m)], sum(m[p] for p in sorted(m)), False)
                      for unit, m in sorted(months.items()))
        reports = self.service.reports
        return city_figure(reports.kinds[indicator], reports.catalog.indicators[indicator].baseline, units)[0]


async def apply(world: World, op: tuple) -> None:
    """Run one operation and check what the bot says against the stored rows."""
    reports = world.service.reports
    world.clock.now += dt.timedelta(hours=1)
    before, rows_before = await world.effective(), await world.rows()
    outcome: object
    try:
        if op[0] == "undo":
            outcome = await reports.undo.last(ACTORS[op[1]])
        else:
            actor, text = world.text(op)
            outcome = await world.service.handle_text(actor, text, None, world.messages(actor))
            if isinstance(outcome, PendingConfirmation):
                outcome = await reports.intake.confirm(actor, outcome.token)
    except UserFacingError:
        assert await world.rows() == rows_before  # a refusal stores and marks nothing
        return
    after = await world.effective()
    progress = {p.number: p.figure for p in (await reports.progress.view(ADMIN)).items}
    assert {i.number: i.figure for i in (await world.service.summaries.build_weekly()).indicators} == progress
    if isinstance(outcome, UndoReceipt):
        for undone in outcome.items:
            key = next(k for i, k, _, _ in rows_before if i == undone.report_id)
            assert undone.restored_value == (after[key][1] if key in after else None)  # "went back to …"
            assert undone.progress.figure == await world.city(undone.indicator)
    else:
        assert isinstance(outcome, ReportReceipt), outcome
        for stored in outcome.items:
            key = next(k for i, k, _, _ in await world.rows() if i == stored.report_id)
            assert after[key] == (stored.report_id, stored.value)
            assert stored.replaced_value == (before[key][1] if key in before else None)
            assert stored.progress.figure == await world.city(stored.indicator)


def sheet_rows(data: bytes) -> list[dict]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    header, *rows = list(book[REPORTS_SHEET].iter_rows(values_only=True))
    return [dict(zip(header, row, strict=False)) for row in rows]  # a row may end before its last empty cells


def csv_rows(data: bytes) -> list[dict]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        raw = archive.read(f"{REPORTS_SHEET}.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(raw)))


async def check_views(world: World) -> None:
    """Exports, /progress, /weekly and /mine against the oracle and against each other."""
    service, reports, summaries = world.service, world.service.reports, world.service.summaries
    rows, effective = await world.rows(), await world.effective()
    chosen = {rid for rid, _ in effective.values()}
    expected = {rid: UNDONE if undone else EFFECTIVE if rid in chosen else CORRECTED for rid, _, _, undone in rows}
    xlsx = sheet_rows(await exported(service))
    assert {r["记录ID"]: r["状态"] for r in xlsx} == expected
    by_key: dict[Key, list[dict]] = {}
    for row in xlsx:
        if row["状态"] == EFFECTIVE:
            key = next(k for i, k, _, _ in rows if i == row["记录ID"])
            by_key.setdefault(key, []).append(row)
    assert {k: [(r["记录ID"], r["数值"]) for r in v] for k, v in by_key.items()} == {
        k: [(rid, value)] for k, (rid, value) in effective.items()}  # exactly one 有效 row per key, the right one
    table = csv_rows(await exported(service, "csv"))
    assert [(int(r["记录ID"]), r["状态"], r["数值"]) for r in table] == [
        (rid, expected[rid], format_number(value)) for rid, _, value, _ in rows]

    progress = {p.number: p.figure for p in (await reports.progress.view(ADMIN)).items}
    weekly = await summaries.build_weekly()
    assert {i.number: i.figure for i in weekly.indicators} == progress
    for number in NAMES:
        assert progress[number] == await world.city(number)
    late = {u.unit: set(u.missing) for u in weekly.late_units}
    for who, actor in (("liaison", LIAISON), ("other", OTHER)):
        unit_id, unit_name = world.units[who]
        missing = {n for n in OWN[who] if (unit_id, n, PERIOD) not in effective}
        if unit_name in weekly.expected_units:  # a unit counts as late or complete by its effective figures
            assert late.get(unit_name, set()) == missing and (unit_name in weekly.complete_units) == (not missing)
        mine = await reports.progress.mine(actor)
        assert {ref.number for unit in mine.units for ref in unit.missing} == missing
        for recent in mine.recent:
            assert recent.active == (recent.report_id in chosen)


async def scenario(ops: list[tuple], folder: Path) -> None:
    clock = Clock(at(2026, 11, 2))
    service = await open_service(folder, clock)
    try:
        world = World(service, clock)
        await world.setup()
        for op in ops:
            await apply(world, op)
        await check_views(world)
    finally:
        await service.close()


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_every_view_shows_the_one_effective_figure(ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(scenario(ops, Path(folder)))


async def test_correction_then_undo_marks_the_earlier_row_effective_everywhere(tmp_path: Path) -> None:
    """The bug report: 12, corrected to 14, undone; the bot says 12 again and so must the XLSX, CSV and CLI."""
    from bot.cli.summary import run_summary

    clock = Clock(at(2026, 11, 2))
    service = await open_service(tmp_path, clock)
    try:
        world = World(service, clock)
        await world.setup()
        for op in (("report", "liaison", 0, [(0, "2026年10月", 3)]), ("report", "liaison", 0, [(0, "2026年10月", 2)])):
            await apply(world, op)
        receipt = expect(await service.reports.undo.last(LIAISON), UndoReceipt)
        assert receipt.items[0].value == 8 and receipt.items[0].restored_value == 12
        await check_views(world)
        out = tmp_path / "cli.xlsx"
        assert await run_summary(service.settings, xlsx=str(out), service=service) == 0
        statuses = [(r["数值"], r["状态"]) for r in sheet_rows(out.read_bytes())]
        assert statuses == [(12, EFFECTIVE), (8, UNDONE)]
    finally:
        await service.close()
