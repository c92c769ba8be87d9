"""Figure reports in: read the message, check the figures, decide who may store them for which unit, store them in
one transaction (or park them for confirmation), and hand the result to the receipts."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from functools import partial

from bot.services.actors import Actor, MessageRef
from bot.services.clock import ZonedClock
from bot.services.directory import LiaisonDirectory
from bot.services.receipts import Assignment, Receipts
from bot.services.roles import NOT_A_LIAISON, Roles
from bot.services.unit_names import UnitNames
from errors import NotFound, PermissionDenied, ReportInputError
from reporting.catalog import IndicatorCatalog
from reporting.grammar import ParsedReport, ReportItem, looks_like_report, parse_report, read_message
from reporting.kinds import IndicatorKind
from reporting.outcomes import Cancelled, ConfirmItem, Notice, PendingConfirmation, ReportReceipt
from reporting.plausibility import Doubt, doubt
from reporting.units import format_number
from reporting.validation import check_item
from storage.db import Database
from storage.models import Liaison, Unit
from storage.report_writes import History, NewFigure, StorePlan, store_message
from storage.reports import HELD_PENDING, PendingReports, ProcessedUpdates, ReportRepository
from storage.unit_figures import UnitFigures

TOKEN_BYTES = 6
MAX_ITEMS = 30  # more than there are indicators; one message must not write hundreds of rows
LOOKUP_TIMEOUT = 0.25  # seconds a message waits for its sender's identity before it is read as a question


def message_key(message: MessageRef) -> str:
    """Edits are told apart by their update; new messages by chat and message id."""
    if message.edited:
        return f"upd:{message.update_id}" if message.update_id is not None else f"edit:{message.chat_id}:{message.message_id}"
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
        self.on_held: Callable[[tuple[int, ...]], None] | None = None  # told the ids of figures just held for review
        self.reports = ReportRepository()
        self.processed = ProcessedUpdates()
        self.pending = PendingReports()

    async def handle_text(self, actor: Actor, text: str, message: MessageRef | None = None):
        """A report outcome, or None when the text is a question (always None for strangers)."""
        people = await self.directory.within(LOOKUP_TIMEOUT)
        if people is None:  # the database is busy: a question needs nobody's identity, a report waits for it
            if not (message and message.edited) and not looks_like_report(read_message(text, self.clock.today()), self.catalog):
                return None
            people = await self.directory.get()
        liaisons = list(people.active.get(actor.user_id, ()))
        if not liaisons and not self.roles.is_admin(actor.user_id):
            return None
        draft = read_message(text, self.clock.today(), self.units.words_of(people))
        if message is not None and message.edited:
            key = message_key(message) if message.update_id is not None else f"{message_key(message)}:{_digest(text)}"
            async with self.db.reading() as conn:
                if await self.processed.seen(conn, key):
                    return Notice(text="这次修改已经处理过了。")
                earlier = await self.reports.by_message(conn, message.chat_id, message.message_id)
            is_report = looks_like_report(draft, self.catalog)
            if any(row.active for row in earlier) or earlier and is_report:  # a report edited to text and back
                if not is_report:
                    return await self._save(actor, [], text, message, key, edit=True)
                return await self._submit(actor, parse_report(draft, self.catalog, self.clock.today()), text, message,
                                          liaisons, key, edit=True)
        if not looks_like_report(draft, self.catalog):
            return None
        key = message_key(message.model_copy(update={"edited": False})) if message else None
        return await self._submit(actor, parse_report(draft, self.catalog, self.clock.today()), text, message, liaisons, key)

    async def refusal_for(self, actor: Actor, text: str) -> str | None:
        """What a stranger or a former liaison is told when the text is a figure report; None otherwise."""
        if self.roles.is_admin(actor.user_id) or not looks_like_report(read_message(text, self.clock.today()), self.catalog):
            return None
        people = await self.directory.get()
        if people.active.get(actor.user_id):
            return None
        former = people.revoked.get(actor.user_id)
        if former:
            return (f"⚠️ 您在“{former[0].unit_name}”的联络员身份已被撤销，这条数据没有保存。"
                    "如需继续报送，请联系管理员重新邀请。")
        return f"⚠️ {NOT_A_LIAISON.replace('不能报送数据', '这条数据没有保存')}"

    async def submit_text(self, actor: Actor, text: str, message: MessageRef | None = None):
        """`/report 济南工匠 12` and the guided /report: the text must be a report; strangers are refused."""
        liaisons = await self.roles.liaisons_of(actor.user_id)
        if not liaisons and not self.roles.is_admin(actor.user_id):
            raise PermissionDenied(NOT_A_LIAISON)
        draft = read_message(text, self.clock.today(), await self.units.words())
        key = message_key(message) if message else None
        return await self._submit(actor, parse_report(draft, self.catalog, self.clock.today()), text, message, liaisons, key)

    async def _submit(self, actor: Actor, parsed: ParsedReport, text: str, message: MessageRef | None,
                      liaisons: list[Liaison], key: str | None, edit: bool = False):
        if len(parsed.items) > MAX_ITEMS:
            raise ReportInputError(f"一条消息最多报送 {MAX_ITEMS} 项（这条有 {len(parsed.items)} 项），请分成几条发送。",
                                   "济南工匠 12；首席技师 3")
        today = self.clock.today()
        for item in parsed.items:
            check_item(item, self.catalog.indicators[item.indicator], today)
        assignments = await self._assign(actor, parsed, liaisons)
        token = secrets.token_hex(TOKEN_BYTES)
        asked: list[ConfirmItem] = []

        def judge(histories: list[History]) -> str | None:
            """Runs inside the transaction: every item with its doubt when any of them is questionable."""
            found = [self._doubt(item, history) for (_, item), history in zip(assignments, histories)]
            if not any(found):
                return None
            asked.extend(self._confirm_item(unit, item, d) for (unit, item), d in zip(assignments, found))
            return json.dumps({"items": [[unit.id, unit.name, item.model_dump(mode="json"), one.suggestion]
                                         for (unit, item), one in zip(assignments, asked)],
                               "text": text, "message": message.model_dump(mode="json") if message else None,
                               "key": key, "edit": edit}, ensure_ascii=False)

        outcome = await self._save(actor, assignments, text, message, key, edit, judge=judge, park_token=token)
        return outcome if outcome is not None else PendingConfirmation(token=token, items=tuple(asked))

    async def _assign(self, actor: Actor, parsed: ParsedReport, liaisons: list[Liaison]) -> list[Assignment]:
        """The unit each item is stored for; raises when the sender may not report it."""
        admin = self.roles.is_admin(actor.user_id)
        if parsed.unit_name:
            unit = await self.units.by_name(parsed.unit_name)
            mine = next((x for x in liaisons if x.unit_name == self.units.official(parsed.unit_name)), None)
            if unit is None and admin:
                known = "、".join(await self.units.names()) or "无"
                raise NotFound(f"还没有单位“{parsed.unit_name}”。请检查名称，或先用 /invite 创建。已有单位：{known}",
                               f"/invite {parsed.unit_name} 1")
            if unit is None or (not admin and mine is None):
                raise PermissionDenied(f"您不是“{parsed.unit_name}”的联络员，不能为它上报。")
            for item in parsed.items:
                if not admin and item.indicator not in mine.indicators:  # type: ignore[union-attr]
                    raise PermissionDenied(self._not_assigned(item.indicator, [mine]))  # type: ignore[list-item]
            return [(unit, item) for item in parsed.items]
        out: list[Assignment] = []
        for item in parsed.items:
            owners = [x for x in liaisons if item.indicator in x.indicators]
            if len(owners) == 1:
                out.append((Unit(id=owners[0].unit_id, name=owners[0].unit_name), item))
            elif len(owners) > 1:
                names = "、".join(x.unit_name for x in owners)
                raise ReportInputError(f"您是多个单位（{names}）的联络员，请在开头写明单位。",
                                       f"{owners[0].unit_name} {self.catalog.indicators[item.indicator].name} 12")
            elif liaisons:
                raise PermissionDenied(self._not_assigned(item.indicator, liaisons))
            else:
                known = "、".join((await self.units.names())[:8]) or "（还没有单位，请先 /invite）"
                raise ReportInputError(f"管理员代报请在开头写明单位。已有单位：{known}", "市人社局 技能人才 136.5万")
        return out

    def _not_assigned(self, number: int, liaisons: list[Liaison]) -> str:
        assigned = sorted({n for x in liaisons for n in x.indicators})
        names = "、".join(self.catalog.label(n) for n in assigned) or "无"
        units = "、".join(x.unit_name for x in liaisons)
        return f"指标“{self.catalog.label(number)}”没有分配给{units}，未保存。您可以上报：{names}。"

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

    async def confirm(self, actor: Actor, token: str, as_suggested: bool = False):
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
        assignments = [(Unit(id=entry[0], name=entry[1]), _as_confirmed(entry, as_suggested)) for entry in payload["items"]]
        liaisons = await self.roles.liaisons_of(actor.user_id)
        parsed_units = {unit.name for unit, _ in assignments}
        for unit, item in assignments:  # permissions may have changed since the question was asked
            allowed = self.roles.is_admin(actor.user_id) or any(
                x.unit_id == unit.id and item.indicator in x.indicators for x in liaisons)
            if not allowed:
                raise PermissionDenied(f"您已不是“{'、'.join(parsed_units)}”的联络员，未保存。")
        message = MessageRef.model_validate(payload["message"]) if payload["message"] else None
        return await self._save(actor, assignments, payload["text"], message, None, payload["edit"], token=token)

    async def cancel(self, actor: Actor, token: str) -> Cancelled:
        async with self.db.transaction() as conn:
            found = await self.pending.get(conn, token)
            if found is None or found[0] != actor.user_id or not await self.pending.resolve(conn, token, self.clock.now()):
                raise NotFound("没有找到待确认的数据，可能已经处理过了。")
        return Cancelled(token=token)

    async def _save(self, actor: Actor, assignments: list[Assignment], text: str, message: MessageRef | None,
                    key: str | None, edit: bool = False, token: str | None = None, judge=None,
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


def _as_confirmed(entry: list, as_suggested: bool) -> ReportItem:
    """A parked item, with the suggested value when the sender chose it (entries before suggestions have 3 fields)."""
    item = ReportItem.model_validate(entry[2])
    suggestion = entry[3] if len(entry) > 3 else None
    if as_suggested and suggestion is not None:
        return item.model_copy(update={"value": float(suggestion), "typed": format_number(float(suggestion))})
    return item


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()
