"""Security review as tests: escaping, invite codes, admin checks, the token, SQL parameters, button data.

The per-user flood limit has its own file, tests/test_flood.py.
"""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.services.actors import Actor
from bot.services.facade import BotService
from errors import InviteError, NotFound, PermissionDenied
from reporting.outcomes import InviteCreated, Joined
from tests.bot_driver import ADMIN_ID, BotDriver, invite_code
from tests.fake_bot_api import FakeBotApi, FaultPlan
from tests.report_support import ADMIN, LIAISON, OTHER, STRANGER, Clock, at, expect
from tests.test_fault_tolerance import bot_process

pytestmark = pytest.mark.service

ROOT = Path(__file__).resolve().parents[1]
START = at(2026, 11, 24)
HOSTILE = '<a href="javascript:x">&amp;</a><b>'


async def table_counts(service: BotService) -> dict[str, int]:
    tables = ("units", "invites", "liaisons", "liaison_indicators", "reports", "processed_updates", "pending_reports")
    # the table names are constants
    return {t: (await service.reports.db.fetchall(f"SELECT COUNT(*) FROM {t}"))[0][0] for t in tables}


# ---- every user-supplied string is escaped in HTML replies ---------------------------------------------

@pytest.mark.telegram
async def test_hostile_names_units_and_texts_reach_users_literally(bot: BotDriver) -> None:
    liaison = 7100
    bot.names[liaison] = HOSTILE
    bot.names[ADMIN_ID] = HOSTILE
    unit = "<i>单位&amp;"
    [invite] = await bot.send_text(ADMIN_ID, f"/invite {unit} 15 新建")
    code = invite_code(invite.text)
    seen = [invite]
    seen += await bot.send_text(liaison, f"/start {code}")
    seen += await bot.send_text(liaison, "/start")
    seen += await bot.send_text(liaison, "济南工匠 5 2026年9月")
    seen += await bot.send_text(liaison, "/mine")
    seen += await bot.send_text(ADMIN_ID, "/liaisons")
    seen += await bot.send_text(ADMIN_ID, f"/revoke {HOSTILE}")
    seen += await bot.send_text(liaison, f"/progress {HOSTILE}")
    seen += await bot.send_text(liaison, f"/dept {HOSTILE}")
    seen += await bot.send_text(liaison, f"{HOSTILE} 谁负责产教融合")
    assert bot.api.rejected == []  # Telegram would refuse any reply whose HTML does not parse
    assert all(m.text for m in seen)
    assert unit in invite.text and unit in seen[3].text
    assert HOSTILE in next(m.text for m in seen[1:3] if "您好" in m.text)
    assert HOSTILE in seen[5].text  # the liaison's name in /liaisons, as typed


# ---- invite codes: from `secrets`, unguessable, single use even under a race, expiring --------------------

async def test_invite_codes_come_from_secrets_and_do_not_repeat(
    service: BotService, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    real_token_urlsafe = secrets.token_urlsafe

    def recording_token_urlsafe(nbytes: int) -> str:
        drawn.append(real_token_urlsafe(nbytes))
        assert nbytes >= 9  # at least 72 random bits
        return drawn[-1]

    monkeypatch.setattr("bot.services.liaisons.secrets.token_urlsafe", recording_token_urlsafe)
    codes = [expect(await service.reports.liaisons.create_invite(ADMIN, f"单位{i} 15 新建"), InviteCreated).code
             for i in range(50)]
    assert codes == drawn and len(set(codes)) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{12,}", code) for code in codes)


async def test_one_code_redeemed_by_two_users_at_once_makes_one_liaison(service: BotService) -> None:
    reports = service.reports
    invite = expect(await reports.liaisons.create_invite(ADMIN, "市总工会 15"), InviteCreated)
    outcomes = await asyncio.gather(reports.liaisons.join(LIAISON, invite.code),
                                    reports.liaisons.join(OTHER, invite.code), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["InviteError", "Joined"]
    assert len((await reports.liaisons.list_liaisons(ADMIN)).liaisons) == 1


async def test_guessed_and_expired_codes_make_nobody_a_liaison(service: BotService, clock: Clock) -> None:
    reports = service.reports
    invite = expect(await reports.liaisons.create_invite(ADMIN, "市总工会 15"), InviteCreated)
    for guess in [invite.code[:-1] + ("A" if invite.code[-1] != "A" else "B"), "A" * 12, "' OR 1=1 --", "%", "*"]:
        with pytest.raises(InviteError):
            await reports.liaisons.join(STRANGER, guess)
    clock.now = START + dt.timedelta(days=service.settings.invite_days, seconds=1)
    with pytest.raises(InviteError, match="过期"):
        await reports.liaisons.join(STRANGER, invite.code)
    assert not await reports.roles.is_liaison(STRANGER.user_id)


# ---- admin operations refuse everyone else in the service layer --------------------------------------------

async def test_admin_operations_refuse_liaisons_and_strangers_and_change_nothing(service: BotService) -> None:
    from bot.services.summaries import SummaryService

    reports = service.reports
    invite = expect(await reports.liaisons.create_invite(ADMIN, "市总工会 15,16"), InviteCreated)
    await reports.liaisons.join(LIAISON, invite.code)
    spare = expect(await reports.liaisons.create_invite(ADMIN, "市教育局 22"), InviteCreated)
    summaries = SummaryService(reports.db, service.document, service.settings, service.clock, service.is_admin)
    before = await table_counts(service)

    def attempts(actor: Actor) -> list[Callable[[], Awaitable[object]]]:
        return [
            lambda: reports.liaisons.create_invite(actor, "市总工会 15"),
            lambda: reports.liaisons.list_liaisons(actor),
            lambda: reports.liaisons.revoke(actor, spare.code),
            lambda: reports.liaisons.revoke(actor, str(LIAISON.user_id)),
            lambda: summaries.weekly(actor),
            lambda: summaries.export(actor),
            lambda: summaries.remind_now(actor),
        ]

    for actor in (LIAISON, STRANGER):
        for attempt in attempts(actor):
            with pytest.raises(PermissionDenied):
                await attempt()
    assert await table_counts(service) == before
    assert isinstance(await reports.liaisons.join(OTHER, spare.code), Joined)  # the spare invite was not revoked


# ---- the token never appears in logs or error output ------------------------------------------------------

@pytest.mark.process
async def test_the_token_stays_out_of_logs_when_every_send_fails(tmp_path: Path) -> None:
    plan = FaultPlan(fail_rate=1.0, methods=frozenset({"sendMessage"}), max_in_a_row=10**9)
    async with FakeBotApi(faults=plan) as api:
        driver = BotDriver(api, timeout=30, settle=0.5)
        log = tmp_path / "bot.log"
        async with bot_process(api, tmp_path / "bot.db", log):
            await driver.send_text(7200, "谁负责产教融合?", expect=0)
            await api.wait_for(lambda: [m for m, _ in api.calls].count("sendMessage") >= 12, 60)
            for _ in range(200):  # bounded: the second failure (telling the user) is logged last
                if "could not tell the user" in log.read_text():
                    break
                await asyncio.sleep(0.1)
    output = log.read_text()
    assert "Traceback" in output and "sendMessage" in output  # the failure was logged in full …
    assert api.token not in output and api.token.split(":")[1] not in output  # … without the token


@pytest.mark.pure
def test_settings_never_show_the_token() -> None:
    from bot.settings import Settings

    config = Settings(_env_file=None, token="123456:TOP-SECRET-token")
    assert "TOP-SECRET" not in repr(config) and "TOP-SECRET" not in str(config)
    assert "TOP-SECRET" not in config.model_dump_json()


# ---- SQL only with parameters -------------------------------------------------------------------------------

SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA|CREATE|DROP|ALTER|WHERE|VALUES)\b", re.IGNORECASE)
EXECUTORS = {"execute", "executemany", "executescript", "execute_fetchall", "fetchall", "fetchone", "fetch_one"}


def _constants(tree: ast.Module) -> set[str]:
    """UPPER_CASE names assigned at module level: SQL text built only from these is fixed at import time."""
    names = set()
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        names |= {t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()}
    return names


def _fixed(node: ast.AST, constants: set[str]) -> bool:
    """True when `node` is made only of literals and module constants (no runtime value can get in)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.JoinedStr):
        return all(_fixed(v, constants) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return _fixed(node.value, constants)
    if isinstance(node, ast.BinOp):
        return _fixed(node.left, constants) and _fixed(node.right, constants)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return _fixed(node.func.value, constants) and all(_fixed(a, constants) for a in node.args)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_fixed(e, constants) for e in node.elts)
    if isinstance(node, ast.Subscript):  # one of a constant's statements, per engine: UNITS_AT_IN[dialect(conn)]
        return _fixed(node.value, constants)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "translate":
        return bool(node.args) and _is_parameter(node.args[0])  # storage/pg.py: a caller's constant, re-spelled
    return False


def sql_problems(source: str, name: str) -> list[str]:
    """SQL built from runtime values (f-strings, format, %, +) or executed from a non-constant string."""
    tree = ast.parse(source)
    constants = _constants(tree)
    problems = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in EXECUTORS
                and node.args and not _fixed(node.args[0], constants) and not _is_parameter(node.args[0])):
            problems.append(f"{name}:{node.lineno} executes SQL that is not a constant")
        built = isinstance(node, ast.JoinedStr) or (isinstance(node, ast.BinOp)
                                                    and isinstance(node.op, (ast.Mod, ast.Add)))
        built |= isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
        if built and isinstance(node, ast.expr) and SQL_WORDS.search(ast.unparse(node)) and not _fixed(node, constants):
            problems.append(f"{name}:{node.lineno} builds SQL from a runtime value: {ast.unparse(node)[:80]}")
    return problems


def _is_parameter(node: ast.AST) -> bool:
    """A plain function parameter named sql/statement (helpers that run a caller's constant)."""
    return isinstance(node, ast.Name) and node.id in ("sql", "statement")


@pytest.mark.pure
def test_storage_and_reporting_build_sql_only_from_constants() -> None:
    files = sorted([*ROOT.glob("storage/*.py"), *ROOT.glob("reporting/*.py")])
    assert len(files) > 10
    problems = [p for f in files for p in sql_problems(f.read_text(), f"{f.parent.name}/{f.name}")]
    assert problems == []


@pytest.mark.pure
@pytest.mark.parametrize("bad", [
    'def f(conn, name):\n    return conn.execute(f"SELECT * FROM units WHERE name = \'{name}\'")',
    'def f(conn, name):\n    return conn.execute("SELECT * FROM units WHERE name = \'%s\'" % name)',
    'def f(conn, name):\n    return conn.execute("SELECT * FROM units WHERE name = \'{}\'".format(name))',
    'def f(conn, name):\n    q = "DELETE FROM units WHERE name = \'" + name + "\'"\n    return conn.execute(q)',
])
def test_the_sql_scan_catches_injection_patterns(bad: str) -> None:
    assert sql_problems(bad, "bad.py")


# ---- button data is validated, not trusted --------------------------------------------------------------------

@pytest.mark.telegram
async def test_forged_report_buttons_do_nothing_for_someone_else(bot: BotDriver) -> None:
    reports = bot.app.bot_data.service.reports
    owner, intruder = 7400, 7401
    for user, unit in ((owner, "市总工会"), (intruder, "市教育局")):
        [invite] = await bot.send_text(ADMIN_ID, f"/invite {unit} 15 新建")
        await bot.send_text(user, f"/join {invite_code(invite.text)}")
    [receipt] = await bot.send_text(owner, "济南工匠 5 2026年9月")
    [undo_data] = [data for row in receipt.buttons for _, data in row]
    [pending] = await bot.send_text(owner, "济南工匠 80 2026年8月")  # far out of line: asks to confirm
    confirm_data = next(data for row in pending.buttons for text, data in row if text == "确认保存")
    [other_receipt] = await bot.send_text(intruder, "济南工匠 1 2026年9月")
    before = (await reports.db.fetchall("SELECT COUNT(*) FROM reports WHERE undone_at IS NULL"))[0][0]

    for data in (undo_data, confirm_data, "rx:" + confirm_data[3:], "rp:i:1:15", "rp:i:999:15", "ru:999999",
                 "ru:0", "rc:zzzzzzzzzzzz", "rp:p:2099-13"):
        await bot.tap_data(intruder, other_receipt, data)
        answer = bot.last_callback_answer
        assert answer is None or "已撤销" not in (answer.get("text") or ""), data
    assert (await reports.db.fetchall("SELECT COUNT(*) FROM reports WHERE undone_at IS NULL"))[0][0] == before
    with pytest.raises(NotFound):  # the pending figure is still the owner's to confirm
        await reports.intake.confirm(Actor(user_id=intruder, chat_id=intruder), confirm_data[3:])
    assert bot.api.rejected == []
