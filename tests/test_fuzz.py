"""Generated hostile messages through the service (10,000+), the handlers in process and a few end to end.

Nothing may raise except errors.UserFacingError (which becomes a Chinese reply), every reply must be valid
Telegram HTML, and afterwards no row may exist that its sender was not entitled to write.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.services.flood import FloodLimit
from bot.services.actors import Actor, MessageRef
from bot.telegram.views import render_outcome, split_html
from bot.services.facade import BotService
from errors import UserFacingError
from reporting.outcomes import InviteCreated, PendingConfirmation
from tests.bot_driver import ADMIN_ID, GROUP_ID, BotDriver, invite_code
from tests.conftest import in_process_bot
from tests.fake_html import HtmlError, parse_html
from tests.fuzz_messages import MessageFuzzer
from tests.load_scenario import hardening_scale
from tests.report_support import ADMIN, LIAISON, OTHER, STRANGER, Clock, Messages, at, expect, open_service

pytestmark = pytest.mark.telegram

SERVICE_MESSAGES = 10_000
HANDLER_UPDATES = 2_000
E2E_MESSAGES = 120
ACTORS = (STRANGER, LIAISON, OTHER, ADMIN)
SUMMARY_COMMANDS = ("/weekly", "/remind")


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[BotService]:
    service = await open_service(tmp_path, Clock(at(2026, 11, 24)))
    service.flood = FloodLimit(0, service.clock)  # the flood limit has its own tests; here every message gets in
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, "市总工会 15,16"), InviteCreated)
    await service.reports.liaisons.join(LIAISON, invite.code)
    invite = expect(await service.reports.liaisons.create_invite(ADMIN, "市教育局 22,23"), InviteCreated)
    await service.reports.liaisons.join(OTHER, invite.code)
    yield service
    await service.close()


@pytest.fixture
async def fast_bot(tmp_path: Path) -> AsyncIterator[BotDriver]:
    """The in-process bot with the send caps and the flood limit lifted, so the fuzz is not throttled."""
    async with in_process_bot(tmp_path, flood_limits=False, flood_per_minute=0) as driver:
        yield driver


def commands_of(service: BotService) -> dict[str, Callable[[Actor, str, MessageRef], Awaitable[object]]]:
    """The service call behind each command, as the handlers and the console make it."""
    reports = service.reports
    summaries = service.summaries

    async def ask(actor: Actor, args: str, ref: MessageRef) -> object:
        return service.ask(args)

    return {
        "/start": lambda actor, args, ref: service.start(actor, args),
        "/join": lambda actor, args, ref: reports.liaisons.join(actor, args),
        "/invite": lambda actor, args, ref: reports.liaisons.create_invite(actor, args, "jinan_policy_bot"),
        "/liaisons": lambda actor, args, ref: reports.liaisons.list_liaisons(actor),
        "/progress": lambda actor, args, ref: reports.progress.view(actor, args or None),
        "/mine": lambda actor, args, ref: reports.progress.mine(actor),
        "/undo": lambda actor, args, ref: reports.undo.last(actor),
        "/report": reports.intake.submit_text,
        "/weekly": lambda actor, args, ref: summaries.weekly(actor, args or None),
        "/remind": lambda actor, args, ref: summaries.remind_now(actor),
        "/dept": ask,
    }


def assert_valid_html(outcome: object, source: str) -> None:
    for chunk in split_html(render_outcome(outcome).text):
        try:
            parse_html(chunk)
        except HtmlError as exc:
            raise AssertionError(f"reply to {source[:80]!r} is not valid HTML: {exc}") from exc


async def assert_only_entitled_rows(service: BotService, admins: set[int], liaisons: set[int]) -> dict[str, int]:
    """Every stored row was written by someone allowed to write it; returns row counts for sanity checks."""
    db = service.reports.db
    unentitled = await db.fetchall(
        "SELECT r.id, r.reporter_id, r.unit_id, r.indicator FROM reports r WHERE r.reporter_id NOT IN ({})"
        " AND NOT EXISTS (SELECT 1 FROM liaisons l JOIN liaison_indicators li ON li.liaison_id = l.id"
        " WHERE l.user_id = r.reporter_id AND l.unit_id = r.unit_id AND li.indicator = r.indicator)"
        .format(",".join(str(a) for a in admins)))
    assert [tuple(row) for row in unentitled] == []
    assert {row[0] for row in await db.fetchall("SELECT user_id FROM liaisons")} == liaisons
    assert {row[0] for row in await db.fetchall("SELECT created_by FROM invites")} <= admins
    assert (await db.fetchall("SELECT COUNT(*) FROM units WHERE id NOT IN (SELECT unit_id FROM invites)"))[0][0] == 0
    pending_users = {row[0] for row in await db.fetchall("SELECT user_id FROM pending_reports")}
    assert pending_users <= admins | liaisons
    return {"reports": (await db.fetchall("SELECT COUNT(*) FROM reports"))[0][0],
            "by_liaisons": (await db.fetchall(
                "SELECT COUNT(*) FROM reports WHERE reporter_id IN (?, ?)", (LIAISON.user_id, OTHER.user_id)))[0][0]}


@pytest.mark.service
async def test_ten_thousand_generated_messages_through_the_service(service: BotService) -> None:
    fuzz = MessageFuzzer(seed=2026)
    commands = commands_of(service)
    messages = Messages()
    sent: list[MessageRef] = []
    unexpected: list[str] = []
    refused = pending = 0
    for index in range(SERVICE_MESSAGES * hardening_scale()):
        actor = ACTORS[fuzz.rng.randrange(len(ACTORS))]
        text = fuzz.text()
        ref = messages(actor)
        if sent and fuzz.rng.random() < 0.05:  # a redelivery or an edit of an earlier message
            earlier = fuzz.rng.choice(sent)
            ref = earlier.model_copy(update={"edited": fuzz.rng.random() < 0.5, "update_id": ref.update_id})
            actor = next(a for a in ACTORS if a.chat_id == earlier.chat_id)
        sent.append(ref)
        try:
            name, _, args = text.partition(" ")
            if text.startswith("/") and name in commands:
                outcome = await commands[name](actor, args.strip(), ref)
            else:
                outcome = await service.handle_text(actor, text, None, ref)
            if isinstance(outcome, PendingConfirmation):
                pending += 1
                confirmer = ACTORS[fuzz.rng.randrange(len(ACTORS))]
                outcome = await service.reports.intake.confirm(confirmer, outcome.token)
            if name not in SUMMARY_COMMANDS:  # summaries have their own renderers and tests
                assert_valid_html(outcome, text)
        except UserFacingError as expected:
            refused += 1
            assert expected.reply.strip(), text
        except Exception as exc:  # any: collected so the report names every culprit
            unexpected.append(f"#{index} {actor.user_id} {text[:80]!r}: {type(exc).__name__}: {exc}")
    assert unexpected == []
    counts = await assert_only_entitled_rows(service, {ADMIN.user_id}, {LIAISON.user_id, OTHER.user_id})
    assert counts["by_liaisons"] > 50 and refused > 500 and pending > 0  # the fuzz reached storage and refusals


async def test_generated_updates_through_the_handlers(fast_bot: BotDriver, caplog: pytest.LogCaptureFixture) -> None:
    bot = fast_bot
    service = bot.app.bot_data.service
    [invite] = await bot.send_text(ADMIN_ID, "/invite 市总工会 15,16")
    liaison = 8100
    await bot.send_text(liaison, "/join " + invite_code(invite.text))
    [listing] = await bot.send_text(liaison, "/measures")
    users = (8000, liaison, ADMIN_ID)
    fuzz = MessageFuzzer(seed=77)
    with caplog.at_level(logging.ERROR):
        for _ in range(HANDLER_UPDATES * hardening_scale()):
            user = users[fuzz.rng.randrange(len(users))]
            draw = fuzz.rng.random()
            if draw < 0.15:
                target = bot.messages_in(user)[-1] if bot.messages_in(user) else listing
                await bot.tap_data(user, target, fuzz.data())
            elif draw < 0.2 and user in bot.user_messages:
                await bot.edit_last(user, fuzz.text()[:4096] or "x", expect=0)
            elif draw < 0.25:
                await bot.inline_query(user, fuzz.text()[:256])
            else:
                chat = GROUP_ID if draw > 0.95 else None
                await bot.send_text(user, fuzz.text()[:4096] or "?", chat_id=chat, expect=0)
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [f"{r.name}: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}" for r in failures] == []
    assert bot.api.rejected == [] and bot.api.unknown_methods == []  # Telegram would refuse bad HTML, lengths, buttons
    await assert_only_entitled_rows(service, {ADMIN_ID}, {liaison})


async def test_generated_messages_end_to_end(telegram: BotDriver, caplog: pytest.LogCaptureFixture) -> None:
    fuzz = MessageFuzzer(seed=404)
    users = range(8200, 8200 + 10 * hardening_scale())  # about 12 messages each: under the flood limit
    with caplog.at_level(logging.ERROR):
        for index in range(E2E_MESSAGES * hardening_scale()):
            user = users[index % len(users)]
            text = fuzz.text()[:4096].replace("\x00", "") or "?"
            await telegram.send_text(user, text, expect=0)
        [listing] = await telegram.send_text(users[0], "/measures")
        for index in range(20):  # spread over the users: a flooding user's updates end in the flood guard
            await telegram.tap_data(users[index % len(users)], listing, fuzz.data())
        [alive] = await telegram.send_text(users[1], "谁负责产教融合?")
    assert "市国资委" in alive.text
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert telegram.api.rejected == [] and telegram.api.unknown_methods == []
