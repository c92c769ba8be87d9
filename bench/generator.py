"""The reports of a generated deployment, month by month, with corrections and undos marked as the bot marks them.

Each month's figures are sent in the month after it (most before the 5th, some late, a few never), a liaison's
indicators in messages of up to four items. About 10% of figures are corrected by a later message (the new row
`replaces_id` the current one, which gets `superseded_by`/`superseded_at`, as storage.reports.ReportRepository.add
does); about 2% of messages are undone (/undo marks the message's current rows `undone_at`/`undone_by`) and most
of those are sent again. Months are generated newest first with ids counting down, so exactly the newest N rows
are kept and every id still grows with its created_at.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.deployment import P_CORRECT, P_RESEND, P_SKIP, P_UNDO, Plan, iso, stamp
from bench.values import corrected, figure, item_text

ITEMS_PER_MESSAGE = 4
EPOCH_2022 = stamp(2022, 1, 1)


class Row:
    """One report row while its month is simulated."""

    __slots__ = ("cumulative", "id", "indicator", "message", "replaces", "superseded_at", "superseded_by", "undone_at",
                 "undone_by", "unit", "value")

    def __init__(self, unit: int, indicator: int, value: float, cumulative: bool, message: Message) -> None:
        self.id = 0
        self.unit, self.indicator, self.value, self.cumulative = unit, indicator, value, cumulative
        self.message = message
        self.replaces: int | None = None
        self.superseded_by: int | None = None
        self.superseded_at: int | None = None
        self.undone_at: int | None = None
        self.undone_by: int | None = None


@dataclass
class Message:
    """A liaison's (or an admin's) message: its rows share chat, message id, text and time."""

    time: int
    seq: int
    reporter: int
    text: str = ""
    rows: list[Row] | None = None

    @property
    def message_id(self) -> int:
        return (self.time - EPOCH_2022) * 256 + self.seq % 256


@dataclass
class Undo:
    """An /undo command: the sender's latest message loses its rows that still count."""

    time: int
    seq: int
    target: Message

    @property
    def message_id(self) -> int:
        return (self.time - EPOCH_2022) * 256 + self.seq % 256


@dataclass
class Month:
    """What one month's reporting left in the database."""

    rows: list[Row]
    messages: list[Message]
    undos: list[Undo]
    late: set[int]  # liaison ids that had not reported by the 5th, 09:00 (they were reminded)


def _lateness(rng: random.Random) -> int:
    """Days after the month's end: most report within four days, a quarter within two weeks, a few later."""
    draw = rng.random()
    return rng.randrange(0, 4) if draw < 0.7 else rng.randrange(4, 14) if draw < 0.95 else rng.randrange(14, 26)


def simulate_month(plan: Plan, index: int, year: int, month: int, now: int) -> Month:
    """Every message, correction and undo about `year-month`, all inside the month after it and before `now`."""
    opens = stamp(year + month // 12, month % 12 + 1, 1, 8, 30)
    closes = stamp(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - 3600
    remind = stamp(year + month // 12, month % 12 + 1, 5, 9)
    label = f"{year}年{month}月"
    messages: list[Message] = []
    undos: list[Undo] = []
    late: set[int] = set()
    seq = 0

    def message(time: int, reporter: int, items: list[tuple[int, float, bool]], unit: int, prefix: str) -> Message:
        nonlocal seq
        seq += 1
        sent = Message(time=min(time, closes), seq=seq, reporter=reporter)
        sent.rows = [Row(unit, number, value, cumulative, sent) for number, value, cumulative in items]
        sent.text = prefix + label + " " + "；".join(item_text(plan.models[n], v, c) for n, v, c in items)
        messages.append(sent)
        return sent

    for unit, spec in enumerate(plan.units):
        rng = random.Random((plan.seed * 1_000_003 + unit) * 1000 + index)
        if rng.random() < P_SKIP:
            late.add(plan.reporter(unit, remind).id)
            continue
        time = opens + _lateness(rng) * 86400 + rng.randrange(0, 9 * 3600)
        liaison = plan.reporter(unit, time)
        proxy = rng.random() < 0.02  # an admin types the unit's figures in for it
        reporter, prefix = (plan.admin, spec.name + " ") if proxy else (liaison.user_id, "")
        if time >= remind:
            late.add(plan.reporter(unit, remind).id)
        numbers = list(spec.indicators)
        for start in range(0, len(numbers), ITEMS_PER_MESSAGE):
            items = [(n, figure(plan.models[n], plan.factors[(unit, n)], index, (unit, n) in plan.cumulative, rng),
                      (unit, n) in plan.cumulative) for n in numbers[start:start + ITEMS_PER_MESSAGE]]
            first = message(time, reporter, items, unit, prefix)
            for number, value, cumulative in items:
                if rng.random() < P_CORRECT:
                    fixed = corrected(plan.models[number], value, cumulative, rng)
                    later = time + rng.randrange(1800, 6 * 86400)
                    message(later, reporter, [(number, fixed, cumulative)], unit, prefix)
            if rng.random() < P_UNDO:
                seq += 1
                undone = min(time + rng.randrange(60, 7200), closes)
                undos.append(Undo(time=undone, seq=seq, target=first))
                if rng.random() < P_RESEND:
                    again = [(n, corrected(plan.models[n], v, c, rng), c) for n, v, c in items]
                    message(undone + rng.randrange(120, 3600), reporter, again, unit, prefix)
            time += rng.randrange(60, 900)
    messages = [m for m in messages if m.time <= now]
    rows = [row for m in sorted(messages, key=lambda m: (m.time, m.seq)) for row in m.rows or ()]
    return Month(rows=rows, messages=messages, undos=[u for u in undos if u.time <= now], late=late)


def settle(month: Month, keep: int, next_id: int) -> list[Row]:
    """Keep the newest `keep` rows, give them ids ending at `next_id`, then replay corrections and undos in order."""
    rows = month.rows[-keep:] if keep < len(month.rows) else month.rows
    for offset, row in enumerate(rows):
        row.id = next_id - len(rows) + 1 + offset
    kept = {id(row) for row in rows}
    events = [(m.time, m.seq, m) for m in month.messages] + [(u.time, u.seq, u) for u in month.undos]
    stacks: dict[tuple[int, int], list[Row]] = {}  # rows not undone per key, the current one last
    for time, _, event in sorted(events, key=lambda e: (e[0], e[1])):
        if isinstance(event, Message):
            for row in event.rows or ():
                if id(row) not in kept:
                    continue
                stack = stacks.setdefault((row.unit, row.indicator), [])
                if stack:
                    previous = stack[-1]
                    row.replaces, previous.superseded_by, previous.superseded_at = previous.id, row.id, time
                stack.append(row)
        else:
            for row in event.target.rows or ():
                live = stacks.get((row.unit, row.indicator))
                if live and live[-1] is row:  # /undo touches only the message's rows that still count
                    row.undone_at, row.undone_by = time, event.target.reporter
                    live.pop()
    return rows


def row_tuple(row: Row, period: str) -> tuple:
    """The reports columns in INSERT_ROW's order."""
    sent = row.message
    return (row.id, row.unit + 1, row.indicator, period, row.value, int(row.cumulative), sent.reporter,
            sent.reporter, sent.message_id, sent.text, iso(sent.time), row.replaces, row.superseded_by,
            None if row.superseded_at is None else iso(row.superseded_at),
            None if row.undone_at is None else iso(row.undone_at), row.undone_by)
