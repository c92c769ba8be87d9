"""Who reports what in a generated deployment: units, liaisons (some replaced over the years), their invites.

Times are epoch seconds; the city's zone has been UTC+8 all along (no daylight saving), so text times are
written with a fixed +08:00 exactly as the bot's clock writes them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass, field

from bench.units import CITIES, UnitSpec, city_units, person_name, province_units
from bench.values import CUMULATIVE_SHARE, Model, models, reporters_per_indicator
from knowledge.models import PolicyDocument
from reporting.kinds import Kind

OFFSET = 8 * 3600
ZONE = dt.timezone(dt.timedelta(seconds=OFFSET))
FIRST_MONTH = (2022, 1)
USER_BASE = 700_000_000
P_SKIP = 0.03  # a unit sends nothing for a month
P_CORRECT = 0.10  # a figure is corrected by a later message
P_UNDO = 0.02  # a message is undone (/undo) …
P_RESEND = 0.6  # … and sent again with other figures
P_FORMER = 0.06  # a unit's first liaison was revoked and replaced
CITY_SLACK = 1.02  # expected rows over requested rows before units stop being added
_DAYS: dict[int, str] = {}


def iso(ts: int) -> str:
    """'2026-11-03T09:15:00+08:00', as datetime.isoformat() writes the bot's local time."""
    day, second = divmod(ts + OFFSET, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()
    return f"{prefix}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}+08:00"


def stamp(year: int, month: int, day: int = 1, hour: int = 0, minute: int = 0) -> int:
    return int(dt.datetime(year, month, day, hour, minute, tzinfo=ZONE).timestamp())


def months_until(now: int) -> list[tuple[int, int]]:
    """2022-01 up to the month before `now` (local time)."""
    today = dt.datetime.fromtimestamp(now, ZONE).date()
    out, (year, month) = [], FIRST_MONTH
    while (year, month) < (today.year, today.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass
class Liaison:
    id: int
    user_id: int
    unit: int  # index into Plan.units
    name: str
    joined: int
    revoked: int | None = None


@dataclass
class Plan:
    """The deployment before any report: units, liaisons, each key's size factor, running-total keys."""

    seed: int
    admin: int
    units: list[UnitSpec]
    models: dict[int, Model]
    liaisons: list[Liaison] = field(default_factory=list)
    switches: dict[int, tuple[Liaison, Liaison, int]] = field(default_factory=dict)  # unit → (former, current, when)
    current: dict[int, Liaison] = field(default_factory=dict)
    factors: dict[tuple[int, int], float] = field(default_factory=dict)
    cumulative: set[tuple[int, int]] = field(default_factory=set)

    def reporter(self, unit: int, when: int) -> Liaison:
        switch = self.switches.get(unit)
        if switch is not None and when < switch[2]:
            return switch[0]
        return self.current[unit]


def expected_rows(unit: UnitSpec, months: int) -> float:
    return len(unit.indicators) * months * (1 - P_SKIP) * (1 + P_CORRECT + P_UNDO * P_RESEND)


def plan(document: PolicyDocument, reports: int, months: list[tuple[int, int]], seed: int, admin: int) -> Plan:
    """At least the first city's units; more, city by city, until the history can hold `reports` rows."""
    units: list[UnitSpec] = []
    capacity = 0.0
    first_city = len(city_units(CITIES[0], document.departments, random.Random(seed)))
    for unit in province_units(document.departments, seed):
        if len(units) >= first_city and capacity >= reports * CITY_SLACK:
            break
        units.append(unit)
        capacity += expected_rows(unit, len(months))
    out = Plan(seed=seed, admin=admin, units=units,
               models=models(document, reporters_per_indicator([u.indicators for u in units])))
    _liaisons(out, months)
    return out


def _liaisons(out: Plan, months: list[tuple[int, int]]) -> None:
    start = stamp(*FIRST_MONTH) - 20 * 86400
    joined: list[tuple[int, int, str, int | None, bool]] = []  # (when, unit, name, revoked, current)
    for index, unit in enumerate(out.units):
        rng = random.Random(out.seed * 7919 + index)
        for number in unit.indicators:
            out.factors[(index, number)] = math.exp(rng.gauss(0, 0.5) - 0.125)  # log-normal with mean 1
            if out.models[number].kind is Kind.COUNT and rng.random() < CUMULATIVE_SHARE:
                out.cumulative.add((index, number))
        first = start + index * 300
        if rng.random() < P_FORMER and len(months) > 24:
            year, month = months[rng.randrange(12, len(months) - 6)]
            switch = stamp(year, month, rng.randrange(1, 28), 10)
            joined.append((first, index, person_name(rng), switch, False))
            joined.append((switch, index, person_name(rng), None, True))  # the successor joins the same hour
        else:
            joined.append((first, index, person_name(rng), None, True))
    formers: dict[int, Liaison] = {}
    for number, (when, at, name, revoked, current) in enumerate(sorted(joined), start=1):
        liaison = Liaison(id=number, user_id=USER_BASE + number, unit=at, name=name, joined=when, revoked=revoked)
        out.liaisons.append(liaison)
        if current:
            out.current[at] = liaison
            former = formers.get(at)
            if former is not None:
                assert former.revoked is not None  # a former liaison was revoked when the successor joined
                out.switches[at] = (former, liaison, former.revoked)
        else:
            formers[at] = liaison


def setup_rows(out: Plan) -> dict[str, list[tuple]]:
    """Units, invites, liaisons and their indicators, as the bot's invite and join flow leaves them."""
    units = [(index + 1, unit.name, iso(stamp(*FIRST_MONTH) - 30 * 86400 + index * 60))
             for index, unit in enumerate(out.units)]
    invites, liaisons, assigned = [], [], []
    for liaison in out.liaisons:
        code = f"{random.Random(liaison.id * 31 + out.seed).getrandbits(64):016x}"
        numbers = out.units[liaison.unit].indicators
        invites.append((code, liaison.unit + 1, ",".join(map(str, numbers)), out.admin, iso(liaison.joined - 86400),
                        iso(liaison.joined + 6 * 86400), liaison.user_id, iso(liaison.joined)))
        liaisons.append((liaison.id, liaison.user_id, liaison.unit + 1, liaison.name, None, liaison.user_id, code,
                         iso(liaison.joined), None if liaison.revoked is None else iso(liaison.revoked),
                         None if liaison.revoked is None else out.admin))
        assigned += [(liaison.id, number) for number in numbers]
    return {"units": units, "invites": invites, "liaisons": liaisons, "liaison_indicators": assigned}


def weekly_records(first: int, now: int, admin: int) -> list[tuple[str, str, str]]:
    """('weekly', '2026-W46:admin', sent at) for every Monday 09:00 summary between the first report and now."""
    from reporting.weeks import scheduled_week

    day = dt.datetime.fromtimestamp(first, ZONE).date()
    monday = day + dt.timedelta(days=(7 - day.weekday()) % 7)
    out: list[tuple[str, str, str]] = []
    for week in itertools.count():
        slot = dt.datetime.combine(monday + dt.timedelta(weeks=week), dt.time(9), ZONE)
        if slot.timestamp() > now:
            return out
        out.append(("weekly", f"{scheduled_week(slot).label}:{admin}", slot.isoformat()))
    return out
