"""Figure reports in, one way: the grammar reads the message once into a typed draft; here it is validated,
authorised, stored in one transaction (or parked for confirmation), and handed to the receipts as a typed outcome."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from functools import partial
from typing import Any

from bot.services.actors import Actor, MessageRef
from bot.services.authorisation import Assignment, Authorisation
from bot.services.clock import ZonedClock
from bot.services.directory import LiaisonDirectory, People
from bot.services.receipts import Receipts
from bot.services.roles import NOT_A_LIAISON, Roles
from bot.services.unit_names import UnitNames
from errors import NotFound, PermissionDenied
from knowledge.models import Frozen
from knowledge.numerals import format_number
from reporting.catalog import IndicatorCatalog
from reporting.drafts import ReportDraft, ReportItem, ReportReading
from reporting.grammar import read_report, read_value
from reporting.kinds import IndicatorKind
from reporting.outcomes import Cancelled, ConfirmItem, FigureChoice, Notice, PendingConfirmation, ReportReceipt
from reporting.periods import Period
from reporting.plausibility import Doubt, doubt
from reporting.validation import check_draft
from storage.db import Database
from storage.models import Liaison, Unit
from storage.report_writes import History, NewFigure, StorePlan, store_message
from storage.reports import HELD_PENDING, PendingReports, ProcessedUpdates, ReportRepository
from storage.unit_figures import UnitFigures

TOKEN_BYTES = 6
LOOKUP_TIMEOUT = 0.25  # seconds a message waits for its sender's identity before it is read as a question
ReportOutcome = ReportReceipt | PendingConfirmation | Notice


class Refusal(Frozen):
    """A figure report from someone who may not report: what they are told beside the answer to their text."""

    text: str


def message_key(message: MessageRef) -> str:
    """Edits are told apart by their update; new messages by chat and message id."""
    if message.edited:
        if message.update_id is not None:
            return f"upd:{message.update_id}"
        return f"edit:{message.chat_id}:{message.message_id}"
    return f"msg:{message.chat_id}:{message.message_id}"


class ReportIntake:
    """Liaisons report for their indicators, admins for any known unit; everyone else is asking a question."""

    def __init__(self, db: Database, catalog: IndicatorCatalog, kinds: dict[int, IndicatorKind], roles: Roles,
                 units: UnitNames, directory: LiaisonDirectory, figures: UnitFigures, receipts: Receipts,
                 clock: ZonedClock, approval: bool = False) -> None:
        self.db = db
        self.catalog = catalog
        self.kinds = kinds
        self.roles = roles
        self.units = units
        self.directory = directory
        self.figures = figures
        self.receipts = receipts
        self.clock = clock
        self.approval = approval  # BOT_APPROVAL: a liaison's figures are held until an admin approves them
        self.authorisation = Authorisation(catalog, roles, units)
        self.on_held: Callable[[tuple[int, ...]], None] | None = None  # told the ids of figures just held for review
        self.reports = ReportRepository()
        self.processed = ProcessedUpdates()
        self.pending = PendingReports()

    async def take(self, actor: Actor, text: str, message: MessageRef | None = None
                   ) -> ReportOutcome | Refusal | None:
        """A free-text message: its report outcome, a Refusal for a sender who may not report, or None (a question)."""
        today = self.clock.today()
        plain: ReportReading | None = None  # read without unit names: all a stranger's text needs
        people = await self.directory.within(LOOKUP_TIMEOUT)
        if people is None:  # the database is busy: a question needs nobody's identity, a report waits for it
            if not (message and message.edited):
                plain = read_report(text, today, self.catalog)
                if not plain.is_report:
                    return None
            people = await self.directory.get()
        liaisons = list(people.active.get(actor.user_id, ()))
        if not liaisons and not self.roles.is_admin(actor.user_id):
            plain = plain or read_report(text, today, self.catalog)
            return _refusal(people, actor) if plain.is_report else None
        reading = read_report(text, today, self.catalog, self.units.words_of(people))
        if message is not None and message.edited:
            return await self._edited(actor, reading, text, message, liaisons)
        if not reading.is_report:
            return None
        key = message_key(message) if message else None
        return await self._submit(actor, reading.report(), text, message, liaisons, key)

    async def _edited(self, actor: Actor, reading: ReportReading, text: str, message: MessageRef,
                      liaisons: list[Liaison]) -> ReportOutcome | None:
        """An edit of a report replaces what it stored (or drops it when no longer a report); else a new message."""
        key = message_key(message) if message.update_id is not None else f"{message_key(message)}:{_digest(text)}"
        async with self.db.reading() as conn:
            if await self.processed.seen(conn, key):
                return Notice(text="这次修改已经处理过了。")
            earlier = await self.reports.by_message(conn, message.chat_id, message.message_id)
        if any(row.active for row in earlier) or (earlier and reading.is_report):  # edited to text and back
            if not reading.is_report:
                return await self._save(actor, [], text, message, key, edit=True)
            return await self._submit(actor, reading.report(), text, message, liaisons, key, edit=True)
        if not reading.is_report:
            return None
        return await self._submit(actor, reading.report(), text, message, liaisons,
                                  message_key(message.model_copy(update={"edited": False})))

    async def submit_text(self, actor: Actor, text: str, message: MessageRef | None = None) -> ReportOutcome:
        """`/report 济南工匠 12`: the text is a report, whatever it looks like; strangers are refused."""
        liaisons = await self.roles.liaisons_of(actor.user_id)
        if not liaisons and not self.roles.is_admin(actor.user_id):
            raise PermissionDenied(NOT_A_LIAISON)
        reading = read_report(text, self.clock.today(), self.catalog, await self.units.words(), declared=True)
        key = message_key(message) if message else None
        return await self._submit(actor, reading.report(), text, message, liaisons, key)

    async def choices(self, actor: Actor) -> tuple[FigureChoice, ...]:
        """The guided /report's first step: the (unit, indicator) pairs the sender may report."""
        return await self.authorisation.choices(actor)

    async def choice(self, actor: Actor, unit_id: int, indicator: int) -> FigureChoice | None:
        """A tapped (unit, indicator), still the sender's to report; None otherwise."""
        return await self.authorisation.choice(actor, unit_id, indicator)

    async def submit_figure(self, actor: Actor, choice: FigureChoice, period: Period, value: str,
                            message: MessageRef | None = None) -> ReportOutcome:
        """The guided /report's last step: the chosen unit, indicator and month with the value typed (no grammar
        round trip: only the value is read)."""
        item = read_value(value, self.catalog.indicators[choice.indicator], period, self.clock.today())
        draft = ReportDraft(unit_name=choice.unit_name, items=(item,))
        liaisons = [x for x in await self.roles.liaisons_of(actor.user_id) if x.unit_id == choice.unit_id]
        if not liaisons:
            raise PermissionDenied(f"您不是“{choice.unit_name}”的联络员，不能为它上报。")
        text = f"{choice.unit_name} #{choice.indicator} {value.strip()} {period.label}"  # kept as the source text
        return await self._submit(actor, draft, text, message, liaisons, message_key(message) if message else None)

    async def _submit(self, actor: Actor, draft: ReportDraft, text: str, message: MessageRef | None,
                      liaisons: list[Liaison], key: str | None, edit: bool = False) -> ReportOutcome:
        """Validate, authorise, store (or park when a figure is questionable): the draft goes one way."""
        check_draft(draft, self.catalog, self.clock.today())
        assignments = await self.authorisation.assign(actor, draft, liaisons)
        token = secrets.token_hex(TOKEN_BYTES)
        asked: list[ConfirmItem] = []

        def judge(histories: list[History]) -> str | None:
            """Runs inside the transaction: every item with its doubt when any of them is questionable."""
            found = [self._doubt(item, history) for (_, item), history in zip(assignments, histories, strict=True)]
            if not any(found):
                return None
            asked.extend(self._confirm_item(unit, item, d) for (unit, item), d in zip(assignments, found, strict=True))
            return json.dumps({"items": [[unit.id, unit.name, item.model_dump(mode="json"), one.suggestion]
                                         for (unit, item), one in zip(assignments, asked, strict=True)],
                               "text": text, "message": message.model_dump(mode="json") if message else None,
                               "key": key, "edit": edit}, ensure_ascii=False)

        outcome = await self._save(actor, assignments, text, message, key, edit, judge=judge, park_token=token)
        return outcome if outcome is not None else PendingConfirmation(token=token, items=tuple(asked))

    def _doubt(self, item: ReportItem, history: History) -> Doubt | None:
        """The unit's other current values of the same sort and its earlier running totals, judged by the rules."""
        others = [row for period, row in history.items() if period != item.period.key]
        values = [row.value for row in others if row.cumulative == item.cumulative]
        totals = [(row.period, row.value) for row in others if row.cumulative]
        return doubt(item, self.catalog.indicators[item.indicator], self.kinds[item.indicator], values, totals)

    def _confirm_item(self, unit: Unit, item: ReportItem, found: Doubt | None) -> ConfirmItem:
        indicator = self.catalog.indicators[item.indicator]
        return ConfirmItem(unit_name=unit.name, name=indicator.name, unit=indicator.unit, percent=indicator.percent,
                           period=item.period, value=item.value, reason=found.reason if found else None,
                           suggestion=found.suggestion if found else None)

    async def confirm(self, actor: Actor, token: str, as_suggested: bool = False) -> ReportOutcome:
        """Store figures parked for confirmation, as written or as suggested; only their sender may, and only once."""
        async with self.db.reading() as conn:
            found = await self.pending.get(conn, token)
        if found is None or found[0] != actor.user_id:
            raise NotFound("没有找到待确认的数据，可能已过期。请重新发送。")
        if found[2]:
            raise NotFound("这条数据已经确认或取消过了。")
        payload = json.loads(found[1])
        if "items" not in payload:  # a parked /invite question, not figures
            raise NotFound("没有找到待确认的数据，可能已过期。请重新发送。")
        assignments = [(Unit(id=entry[0], name=entry[1]), _as_confirmed(entry, as_suggested))
                       for entry in payload["items"]]
        liaisons = await self.roles.liaisons_of(actor.user_id)
        parsed_units = {unit.name for unit, _ in assignments}
        for unit, item in assignments:  # permissions may have changed since the question was asked
            allowed = self.roles.is_admin(actor.user_id) or any(
                x.unit_id == unit.id and item.indicator in x.indicators for x in liaisons)
            if not allowed:
                raise PermissionDenied(f"您已不是“{'、'.join(parsed_units)}”的联络员，未保存。")
        message = MessageRef.model_validate(payload["message"]) if payload["message"] else None
        stored = await self._save(actor, assignments, payload["text"], message, None, payload["edit"], token=token)
        assert stored is not None  # only a judge parks, and a confirmation has none
        return stored

    async def cancel(self, actor: Actor, token: str) -> Cancelled:
        """Drop figures parked for confirmation: only their sender may, and only once."""
        async with self.db.transaction() as conn:
            found = await self.pending.get(conn, token)
            mine = found is not None and found[0] == actor.user_id
            if not mine or not await self.pending.resolve(conn, token, self.clock.now()):
                raise NotFound("没有找到待确认的数据，可能已经处理过了。")
        return Cancelled(token=token)

    async def _save(self, actor: Actor, assignments: list[Assignment], text: str, message: MessageRef | None,
                    key: str | None, edit: bool = False, token: str | None = None,
                    judge: Callable[[list[History]], str | None] | None = None,
                    park_token: str = "") -> ReportReceipt | Notice | None:
        """One transaction in one hop (storage/report_writes.py); None when `judge` parked the message instead.

        With BOT_APPROVAL on, a liaison's figures are held for an admin's review (an admin's own count at once)."""
        held = HELD_PENDING if self.approval and not self.roles.is_admin(actor.user_id) else None
        plan = StorePlan(
            figures=tuple(NewFigure(unit.id, item.indicator, item.period.key, item.value, item.cumulative)
                          for unit, item in assignments),
            reporter_id=actor.user_id, chat_id=message.chat_id if message else None,
            message_id=message.message_id if message else None, source_text=text, now=self.clock.now().isoformat(),
            key=key, token=token, edit=edit, judge=judge, park_token=park_token, held=held)
        numbers = {item.indicator for _, item in assignments}  # the receipt's rows, read in the write's own hop
        result, units = await self.db.write(partial(store_message, plan=plan),
                                            then=partial(self.figures.now_on_thread, numbers=numbers))
        if result.stale:
            raise NotFound("这条数据已经确认或取消过了。")
        if result.parked:
            return None
        if held and result.stored and self.on_held is not None:
            self.on_held(tuple(report_id for report_id, _ in result.stored))
        return await self.receipts.receipt(result, assignments, message, edit, units, held=held is not None)


def _as_confirmed(entry: list[Any], as_suggested: bool) -> ReportItem:
    """A parked item, with the suggested value when the sender chose it (entries before suggestions have 3 fields)."""
    item = ReportItem.model_validate(entry[2])
    suggestion = entry[3] if len(entry) > 3 else None
    if as_suggested and suggestion is not None:
        return item.model_copy(update={"value": float(suggestion), "typed": format_number(float(suggestion))})
    return item


def _refusal(people: People, actor: Actor) -> Refusal:
    """What a stranger or a former liaison is told when their text is a figure report."""
    former = people.revoked.get(actor.user_id)
    if former:
        return Refusal(text=f"⚠️ 您在“{former[0].unit_name}”的联络员身份已被撤销，这条数据没有保存。"
                            "如需继续报送，请联系管理员重新邀请。")
    return Refusal(text=f"⚠️ {NOT_A_LIAISON.replace('不能报送数据', '这条数据没有保存')}")


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()
