"""What may import what (README, Architecture): read from the source with ast, so a new import that breaks a rule
fails here instead of in review.

handlers/ → bot/ → knowledge/, reporting/ → storage/; only bot/ and handlers/ import telegram (not even the
composition root), and bot/services/ never does; only the composition root (application.py) imports both
handlers/ and bot/telegram/.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[1]
SOURCE_ROOMS = ("application.py", "main.py", "errors.py", "bot", "handlers", "knowledge", "reporting", "storage")
TELEGRAM = ("telegram",)


@cache
def modules() -> dict[str, frozenset[str]]:
    """Every module of ours (dotted name) → the modules it imports, anywhere in the file (lazy imports too)."""
    found: dict[str, frozenset[str]] = {}
    for room in SOURCE_ROOMS:
        paths = [ROOT / room] if room.endswith(".py") else sorted((ROOT / room).rglob("*.py"))
        for path in paths:
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported: set[str] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imported |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    imported.add(node.module)
                    imported |= {f"{node.module}.{alias.name}" for alias in node.names}
            found[name] = frozenset(imported)
    return found


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _breaking(importers: tuple[str, ...], forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    return sorted(f"{module} imports {target}" for module, targets in modules().items() if _under(module, *importers)
                  for target in targets if _under(target, *forbidden) and not _under(module, *allowed))


def test_every_room_is_read() -> None:
    names = modules()
    for room in ("bot.services.facade", "bot.telegram.context", "bot.cli.console", "bot.web.server", "handlers.reports",
                 "knowledge.engine", "reporting.grammar", "storage.db", "application"):
        assert room in names


def test_only_bot_and_handlers_import_telegram() -> None:
    everyone = tuple(modules())
    assert _breaking(everyone, TELEGRAM, allowed=("bot", "handlers")) == []


def test_services_never_import_telegram_or_the_rooms_above_them() -> None:
    above = (*TELEGRAM, "bot.telegram", "bot.cli", "bot.web", "handlers", "application", "main", "aiohttp")
    assert _breaking(("bot.services",), above) == []


def test_the_lower_rooms_never_import_the_upper_ones() -> None:
    upper = ("bot", "handlers", "application", "main")
    assert _breaking(("knowledge", "reporting", "storage"), upper) == []
    assert _breaking(("knowledge",), ("reporting", "storage")) == []
    assert _breaking(("storage",), ("reporting",)) == []
    frozen_base = {"knowledge.models", "knowledge.models.Frozen"}  # storage shares only the frozen base model
    assert [line for line in _breaking(("storage",), ("knowledge",)) if line.split()[-1] not in frozen_base] == []


def test_the_composition_root_is_the_only_module_that_sees_handlers() -> None:
    assert _breaking(tuple(modules()), ("handlers",), allowed=("handlers", "application")) == []
    both = [m for m, ts in modules().items() if any(_under(t, "handlers") for t in ts)
            and any(_under(t, "bot.telegram") for t in ts) and not _under(m, "handlers")]
    assert both == ["application"]


def test_handlers_reach_services_and_telegram_views_but_not_the_cli_or_the_web() -> None:
    assert _breaking(("handlers",), ("bot.cli", "bot.web", "application", "main")) == []


def test_the_cli_and_the_web_do_not_reach_into_each_other() -> None:
    assert _breaking(("bot.cli",), ("bot.web", "bot.telegram", "handlers")) == []
    assert _breaking(("bot.web",), ("bot.cli", "handlers")) == []
