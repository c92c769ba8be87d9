"""`python -m bench generate`: exact row counts, corrections and undos marked as the service marks them, figures the
bot itself would accept, message texts that read back as the stored figures, and a file the bot starts on."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from collections import defaultdict
from contextlib import closing
from pathlib import Path

import pytest

from bench.deployment import ZONE
from bench.generate import Generated, generate
from knowledge.parser import load_policy
from reporting.catalog import IndicatorCatalog
from reporting.grammar import parse_report, read_message
from reporting.kinds import load_kinds
from reporting.plausibility import doubt
from storage.migrations import MIGRATIONS
from storage.preflight import APPLICATION_IDS, check_database

pytestmark = pytest.mark.service

ROOT = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 11, 24, 12, tzinfo=ZONE)
REPORTS = 2000
COLUMNS = ("id, unit_id, indicator, period, value, cumulative, reporter_id, chat_id, message_id, source_text,"
           " created_at, replaces_id, superseded_by, superseded_at, undone_at, undone_by")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Generated]:
    path = tmp_path_factory.mktemp("generated") / "bot.db"
    return path, generate(path, REPORTS, now=NOW)


def rows(path: Path, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


@pytest.mark.process
def test_the_command_writes_exactly_the_reports_asked_for_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "demo.db"
    command = [sys.executable, "-m", "bench", "generate", "--db", str(target), "--reports", "1500",
               "--now", "2026-11-24T12:00"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "1500 条上报" in done.stdout and "秒" in done.stdout
    assert rows(target, "SELECT COUNT(*) FROM reports")[0][0] == 1500
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 2 and "--force" in again.stderr


def test_a_deployment_of_units_liaisons_and_every_indicator(made: tuple[Path, Generated]) -> None:
    path, done = made
    assert done.reports == REPORTS == rows(path, "SELECT COUNT(*) FROM reports")[0][0]
    assert rows(path, "SELECT MIN(id), MAX(id) FROM reports")[0][:] == (1, REPORTS)
    assert 110 <= done.units == rows(path, "SELECT COUNT(*) FROM units")[0][0] <= 130
    assert rows(path, "SELECT COUNT(*) FROM liaisons WHERE revoked_at IS NULL")[0][0] == done.units
    assigned = {r[0] for r in rows(path, "SELECT DISTINCT indicator FROM liaison_indicators")}
    assert assigned == {i.number for i in load_policy().indicators} and len(assigned) == 22
    assert 0.05 * REPORTS <= done.corrections <= 0.15 * REPORTS
    assert done.undone >= 5
    assert done.corrections == rows(path, "SELECT COUNT(*) FROM reports WHERE replaces_id IS NOT NULL")[0][0]
    newest = rows(path, "SELECT MAX(period), MAX(created_at) < ? FROM reports", (NOW.isoformat(),))[0]
    assert tuple(newest) == ("2026-10", 1)
    kinds = {kind: count for kind, count in rows(path, "SELECT kind, COUNT(*) FROM sent_notifications GROUP BY kind")}
    assert kinds["weekly"] >= 1 and kinds["reminder"] >= 1
    assert rows(path, "SELECT COUNT(*) FROM processed_updates WHERE key LIKE 'msg:%'")[0][0] >= REPORTS / 4


def test_the_bot_starts_on_it(made: tuple[Path, Generated]) -> None:
    path, _ = made
    assert check_database(path, role="bot", local_user_id=0) == 0  # what `main.py run` checks before it starts
    assert rows(path, "PRAGMA application_id")[0][0] == APPLICATION_IDS["bot"]
    assert {r[0] for r in rows(path, "SELECT version FROM schema_migrations")} == {m.version for m in MIGRATIONS}


def test_corrections_and_undos_are_marked_as_the_service_marks_them(made: tuple[Path, Generated]) -> None:
    """A new row replaces the key's current row (newest not undone), which records superseded_by/at; /undo only
    touches a current row, and the row before it counts again."""
    path, _ = made
    by_id = {r["id"]: r for r in rows(path, f"SELECT {COLUMNS} FROM reports")}
    events = defaultdict(list)
    for r in by_id.values():
        events[(r["unit_id"], r["indicator"], r["period"])].append((r["created_at"], 0, r["id"]))
        if r["undone_at"]:
            events[(r["unit_id"], r["indicator"], r["period"])].append((r["undone_at"], 1, r["id"]))
            assert r["undone_by"] == r["reporter_id"] and r["undone_at"] > r["created_at"]
    for timeline in events.values():
        current: list[int] = []
        for _, kind, report_id in sorted(timeline):
            if kind == 0:
                assert by_id[report_id]["replaces_id"] == (current[-1] if current else None)
                current.append(report_id)
            else:
                assert current and current[-1] == report_id
                current.pop()
    last_replacer: dict[int, sqlite3.Row] = {}
    for r in sorted(by_id.values(), key=lambda x: x["id"]):
        if r["replaces_id"] is not None:
            last_replacer[r["replaces_id"]] = r
    for r in by_id.values():
        last = last_replacer.get(r["id"])
        assert r["superseded_by"] == (last["id"] if last else None)
        assert r["superseded_at"] == (last["created_at"] if last else None)


def test_message_texts_read_back_as_the_stored_figures(made: tuple[Path, Generated]) -> None:
    path, _ = made
    catalog = IndicatorCatalog(load_policy())
    today = NOW.date()
    units = {r[0]: r[1] for r in rows(path, "SELECT id, name FROM units")}
    messages = defaultdict(list)
    for r in rows(path, f"SELECT {COLUMNS} FROM reports"):
        messages[(r["chat_id"], r["message_id"])].append(r)
    for stored in messages.values():
        parsed = parse_report(read_message(stored[0]["source_text"], today, list(units.values())), catalog, today)
        assert {(i.indicator, i.period.key, i.value, i.cumulative) for i in parsed.items} == {
            (r["indicator"], r["period"], r["value"], bool(r["cumulative"])) for r in stored}
        if parsed.unit_name:  # an admin typed it in for the unit
            assert parsed.unit_name == units[stored[0]["unit_id"]] and stored[0]["reporter_id"] == 1


def test_the_bots_plausibility_rules_accept_the_figures(made: tuple[Path, Generated]) -> None:
    """The newest month's figures against each unit's other months, as the bot judges a new report."""
    path, _ = made
    document = load_policy()
    catalog, kinds = IndicatorCatalog(document), load_kinds(document)
    current = rows(path, "SELECT r.unit_id, r.indicator, r.period, r.value, r.cumulative, r.source_text"
                         " FROM reports r WHERE r.undone_at IS NULL AND r.id = (SELECT MAX(id) FROM reports x"
                         " WHERE x.undone_at IS NULL AND x.unit_id = r.unit_id AND x.indicator = r.indicator"
                         " AND x.period = r.period)")
    today = NOW.date()
    units = [r[0] for r in rows(path, "SELECT name FROM units")]
    newest = [r for r in current if r["period"] == "2026-10"]
    assert len(newest) > 500
    by_key = defaultdict(list)
    for x in current:
        by_key[(x["unit_id"], x["indicator"])].append(x)
    for r in newest:
        others = [x for x in by_key[(r["unit_id"], r["indicator"])] if x["period"] != r["period"]]
        item = next(i for i in parse_report(read_message(r["source_text"], today, units), catalog, today).items
                    if i.indicator == r["indicator"])
        history = [x["value"] for x in others if x["cumulative"] == r["cumulative"]]
        totals = [(x["period"], x["value"]) for x in others if x["cumulative"]]
        assert doubt(item, catalog.indicators[r["indicator"]], kinds[r["indicator"]], history, totals) is None, r
