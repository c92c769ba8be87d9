"""The callback-data grammar of our buttons: built in one place, parsed strictly, since clients can forge it."""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum

from knowledge.models import Frozen

MAX_BYTES = 64
_DATA = re.compile(r"(ml)|(m|mf|mt):([1-9][0-9]{0,2})|(q):([0-9a-f]{12})")


class Action(StrEnum):
    """What a tap asks for: mf replaces the browsing view with the full text, mt sends it below an answer."""

    MEASURE_LIST = "ml"
    MEASURE = "m"
    MEASURE_FULL = "mf"
    MEASURE_TEXT = "mt"
    CHOICE = "q"


class Callback(Frozen):
    """A parsed button: the action and its argument (a measure number or a choice key)."""

    action: Action
    number: int | None = None
    key: str | None = None

    @property
    def data(self) -> str:
        if self.action is Action.MEASURE_LIST:
            return self.action.value
        if self.action is Action.CHOICE:
            return f"q:{self.key}"
        return f"{self.action.value}:{self.number}"


def measure_list() -> str:
    return Callback(action=Action.MEASURE_LIST).data


def measure(number: int) -> str:
    return Callback(action=Action.MEASURE, number=number).data


def measure_full(number: int) -> str:
    return Callback(action=Action.MEASURE_FULL, number=number).data


def measure_text(number: int) -> str:
    return Callback(action=Action.MEASURE_TEXT, number=number).data


def choice_key(question: str) -> str:
    """A short stable key for a question, so a button carries 14 bytes instead of the question."""
    return hashlib.blake2b(question.encode(), digest_size=6).hexdigest()


def choice(question: str) -> str:
    return Callback(action=Action.CHOICE, key=choice_key(question)).data


def parse(data: object) -> Callback | None:
    """The button behind `data`, or None for anything we did not build."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    match = _DATA.fullmatch(data)
    if not match:
        return None
    if match.group(1):
        return Callback(action=Action.MEASURE_LIST)
    if match.group(2):
        return Callback(action=Action(match.group(2)), number=int(match.group(3)))
    return Callback(action=Action.CHOICE, key=match.group(5))
