"""Test layers: each test has exactly one, taken from what it does; `make test-fast` runs pure and service.

- pure: in memory only: no files or database files written, no sockets, no child processes;
- service: the facade, storage or exports over real files (a SQLite database in tmp_path), in process;
- telegram: the real PTB Application, in process or polling the fake Bot API on 127.0.0.1;
- process: starts child processes (main.py's commands, the bench's children, a process holding a lock).

A module says its layer once (`pytestmark = pytest.mark.service`); a test in it that does something else says its own
(`@pytest.mark.pure`), which replaces the module's. Collection fails for a test without a layer, with two layers at
one level, or whose fixtures belong to a higher layer; a test outside `process` that starts a Python process fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

LAYERS = ("pure", "service", "telegram", "process")

# Fixtures that bring a layer's machinery: a test asking for one belongs to that layer or a later one.
NEEDS = {
    "service": {"tmp_path", "tmp_path_factory", "tmpdir", "tmpdir_factory", "service"},
    "telegram": {"bot", "telegram", "fake_api", "faulty_api", "bot_settings"},
}


def _layer_of(item: pytest.Item, problems: list[str]) -> str | None:
    """The layer marker closest to the test: its own, else its class's, else its module's."""
    for node in reversed(item.listchain()):
        names = sorted({mark.name for mark in node.own_markers if mark.name in LAYERS})
        if len(names) > 1:
            problems.append(f"{item.nodeid}: more than one layer ({', '.join(names)}) on {node.name}")
            return None
        if names:
            return names[0]
    problems.append(f"{item.nodeid}: no layer; add `pytestmark = pytest.mark.<layer>` to the module, one of {LAYERS}")
    return None


@pytest.hookimpl(tryfirst=True)  # before -m deselects, so that it sees the resolved layer
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problems: list[str] = []
    layers = {item: _layer_of(item, problems) for item in items}
    for item, layer in layers.items():
        if layer is None:
            continue
        for later, fixtures in NEEDS.items():
            used = sorted(fixtures & set(item.fixturenames if isinstance(item, pytest.Function) else ()))
            if used and LAYERS.index(layer) < LAYERS.index(later):
                problems.append(f"{item.nodeid}: marked {layer} but uses {', '.join(used)} (layer {later} or later)")
    if problems:
        raise pytest.UsageError("test layers (see tests/layers.py):\n  " + "\n  ".join(problems))
    # A test's own marker replaces its module's: move every layer marker onto the tests, one each.
    for item in items:
        for node in item.listchain()[:-1]:
            node.own_markers[:] = [mark for mark in node.own_markers if mark.name not in LAYERS]
    for item, layer in layers.items():
        item.own_markers[:] = [mark for mark in item.own_markers if mark.name not in LAYERS]
        if layer is not None:  # always: a test without one stopped the run above
            item.add_marker(layer)


@pytest.fixture(autouse=True)
def _python_children_only_in_the_process_layer(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("process") is not None:
        yield
        return
    real: Callable[..., None] = subprocess.Popen.__init__

    def refuse(self: subprocess.Popen, args: object, *rest: object, **kwargs: object) -> None:
        program = args[0] if isinstance(args, (list, tuple)) else args
        python = isinstance(program, (str, os.PathLike)) and os.path.basename(program).startswith("python")
        if python or program == sys.executable:
            raise AssertionError(f"{request.node.nodeid} starts a Python process: mark it `process` (tests/layers.py)")
        real(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = refuse  # type: ignore[method-assign]  # patched for this test, restored below
    try:
        yield
    finally:
        subprocess.Popen.__init__ = real  # type: ignore[method-assign]  # the original, put back
