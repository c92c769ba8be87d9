"""Chat state in the database, so a follow-up or the next step of a guided /report may reach any replica.

A chat's state is read when a handler first asks for it during an update and written back, if it changed, when the
update's handlers are done (ReplicaApplication.process_update); nothing of it stays in memory between updates. One
chat's updates run in order within a process (bot/telegram/updates.py); across processes each row is saved by
compare-and-set on its version, and a save that lost to another replica's merges with it (merge()).
Reads and writes wait at most WAIT: with the database locked, a question is answered without its context.
The write that ends an update also carries the flood count a SharedFloodLimit accepted (bot/services/flood.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from bot.services.flood import FloodLimit, SharedFloodLimit, Times, parse_window
from errors import StorageUnavailable
from knowledge.answers import ChatContext
from knowledge.dialog import DIALOG_TTL
from knowledge.models import Frozen
from reporting.outcomes import FigureChoice
from reporting.periods import Period
from storage import chat_states, flood_windows
from storage.chat_states import Row

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger(__name__)

MAX_CHOICES = 64
GUIDE_TTL = dt.timedelta(minutes=10)  # a guided /report untouched this long is over
KEEP = max(DIALOG_TTL, GUIDE_TTL)  # rows untouched this long hold nothing live: pruned
PRUNE_EVERY = dt.timedelta(minutes=10)
WAIT = 0.5  # seconds a read or write of chat state may take before the update goes on without it
DIALOG = 0  # the user_id of a chat's dialog row; a user's own row holds their guided /report in that chat
Clock = Callable[[], dt.datetime]


class Guide(Frozen):
    """Where one user is in the guided /report of one chat: the step awaited and what was chosen so far."""

    step: Literal["indicator", "period", "value"]
    at: dt.datetime
    choice: FigureChoice | None = None
    period: Period | None = None


class ChatState:
    """What a follow-up resolves against, the questions behind the choice buttons, and the sender's guided /report."""

    def __init__(self, context: ChatContext | None = None, choices: dict[str, str] | None = None,
                 guide: Guide | None = None) -> None:
        self.context = context
        self.choices: dict[str, str] = dict(choices or {})
        self.guide = guide

    def remember_choices(self, choices: dict[str, str]) -> None:
        """Keep the newest choices, dropping the oldest beyond MAX_CHOICES."""
        self.choices.update(choices)
        while len(self.choices) > MAX_CHOICES:
            self.choices.pop(next(iter(self.choices)))

    def dialog_payload(self) -> str | None:
        if self.context is None and not self.choices:
            return None
        context = self.context.model_dump(mode="json") if self.context is not None else None
        return json.dumps({"context": context, "choices": list(self.choices.items())}, ensure_ascii=False)

    def guide_payload(self) -> str | None:
        return self.guide.model_dump_json() if self.guide is not None else None


def read_dialog(payload: str | None) -> tuple[ChatContext | None, dict[str, str]]:
    """A dialog row as (context, choices); an unreadable one (an older shape) as empty."""
    if payload is None:
        return None, {}
    try:
        data = json.loads(payload)
        context = ChatContext.model_validate(data["context"]) if data.get("context") is not None else None
        return context, {str(key): str(question) for key, question in data.get("choices", ())}
    except (ValueError, KeyError, TypeError, ValidationError):
        log.warning("chat state: a dialog row could not be read; starting afresh")
        return None, {}


def read_guide(payload: str | None) -> Guide | None:
    if payload is None:
        return None
    try:
        return Guide.model_validate_json(payload)
    except ValidationError:
        log.warning("chat state: a guided /report row could not be read; it is over")
        return None


def merge(user_id: int, ours: str | None, theirs: str | None) -> str | None:
    """Another replica saved the row since we read it: the newer dialog with both sets of choices; their guide."""
    if user_id != DIALOG or theirs is None:
        return theirs
    our_context, our_choices = read_dialog(ours)
    their_context, their_choices = read_dialog(theirs)
    newer = our_context
    if our_context is None or (their_context is not None and their_context.at is not None
                               and our_context.at is not None and their_context.at > our_context.at):
        newer = their_context
    state = ChatState(newer, their_choices)
    state.remember_choices(our_choices)
    return state.dialog_payload()


@dataclass
class _Loaded:
    """One update's state, as read (rows) and as its handlers leave it (state)."""

    chat_id: int
    user_id: int  # 0: an update without a sender, which keeps no guide
    rows: dict[int, Row]
    state: ChatState
    saved: bool  # False when it could not be read: nothing is written over what the database holds


class ChatStates:
    """The states of the updates being handled, keyed by update id: in flight only, so bounded by them."""

    def __init__(self) -> None:
        self.db: Database | None = None
        self.clock: Clock | None = None
        self.flood: Callable[[], FloodLimit] | None = None
        self._live: dict[int, _Loaded] = {}
        self._pruned_at: dt.datetime | None = None

    def attach(self, db: Database | None, clock: Clock, flood: Callable[[], FloodLimit] | None = None) -> None:
        """The service's database, clock and flood limit (post_init); without a database every update starts afresh.

        A SharedFloodLimit's accepted messages are written with the write that ends each update.
        """
        self.db, self.clock, self.flood = db, clock, flood

    def peek(self, update_id: int) -> ChatState | None:
        """The state an update's handler already read, for filters (which cannot wait for a read)."""
        loaded = self._live.get(update_id)
        return loaded.state if loaded is not None else None

    def in_flight(self) -> int:
        return len(self._live)

    async def of(self, update_id: int, chat_id: int, user_id: int) -> ChatState:
        """The chat's state for this update: read once, then the same object for every handler of the update."""
        loaded = self._live.get(update_id)
        if loaded is not None:
            return loaded.state
        db, clock = self.db, self.clock
        if db is None or clock is None:
            return ChatState()
        flood = self.flood() if self.flood is not None else None
        shared = flood if isinstance(flood, SharedFloodLimit) and user_id != DIALOG else None

        def read(conn: sqlite3.Connection) -> tuple[dict[int, Row], str | None]:
            window = flood_windows.load(conn, user_id) if shared is not None else None
            return chat_states.load(conn, chat_id, user_id), window

        try:
            rows, window = await asyncio.wait_for(db.run(read), WAIT)
            saved = True
        except (TimeoutError, StorageUnavailable) as exc:
            log.info("chat state of %s not read (%s): this update goes on without it", chat_id, type(exc).__name__)
            rows, window, saved = {}, None, False
        if shared is not None and window is not None:
            shared.learn({user_id: parse_window(window)})  # before the flood check of this update
        context, choices = read_dialog(rows.get(DIALOG, Row(None, 0)).payload)
        guide = read_guide(rows[user_id].payload) if user_id != DIALOG and user_id in rows else None
        if guide is not None and clock() - guide.at > GUIDE_TTL:
            guide = None  # over: the row goes when this update is saved
        state = ChatState(context, choices, guide)
        self._live[update_id] = _Loaded(chat_id, user_id, rows, state, saved)
        return state

    def forget(self, update_id: int) -> None:
        """The update was cut off (shutdown): nothing of it is saved."""
        self._live.pop(update_id, None)

    async def settle(self, update_id: int) -> None:
        """The update's handlers are done: one write of what changed, of the flood count, and now and then a prune."""
        loaded = self._live.pop(update_id, None)
        db, clock = self.db, self.clock
        if db is None or clock is None:
            return
        changes = self._changes(loaded) if loaded is not None and loaded.saved else {}
        flood = self.flood() if self.flood is not None else None
        shared = flood if isinstance(flood, SharedFloodLimit) else None
        unsent = shared.take_unsent() if shared is not None else {}
        now = clock()
        prune = self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY
        if not changes and not unsent and not (prune and loaded is not None):
            return
        stamp = now.astimezone(dt.UTC)

        def write(conn: sqlite3.Connection) -> tuple[int, dict[int, Times]]:
            merged = chat_states.save(conn, loaded.chat_id, changes, stamp.isoformat(), merge) if loaded else 0
            if prune:
                chat_states.prune(conn, (stamp - KEEP).isoformat())
            return merged, shared.write(conn, unsent) if shared is not None and unsent else {}

        try:
            merged, windows = await asyncio.wait_for(db.write(write), WAIT)
        except (TimeoutError, StorageUnavailable) as exc:
            log.info("chat state and flood count not saved (%s)", type(exc).__name__)
            if shared is not None:
                shared.restore(unsent)  # written with a later update
            return
        if shared is not None:
            shared.learn(windows)
        if prune:
            self._pruned_at = now
        if merged and loaded is not None:
            log.info("chat state of %s merged with another replica's save", loaded.chat_id)

    @staticmethod
    def _changes(loaded: _Loaded) -> dict[int, tuple[Row, str | None]]:
        """user_id -> (row as read, payload to write or None to delete), for each row that changed."""
        wanted = {DIALOG: loaded.state.dialog_payload()}
        if loaded.user_id != DIALOG:
            wanted[loaded.user_id] = loaded.state.guide_payload()
        changes = {}
        for user_id, payload in wanted.items():
            read = loaded.rows.get(user_id, Row(None, 0))
            if payload != read.payload:
                changes[user_id] = (read, payload)
        return changes
