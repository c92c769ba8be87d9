"""Our question sets through the real `main.py ask --json -` path, and the dialog sets through the facade.

The sets and the known misses are listed once, in tests/eval_runner.py and tests/eval_dialogs.py, for `make eval` too.
"""

from __future__ import annotations

import pytest

from tests.eval_dialogs import DIALOGS, run_dialogs
from tests.eval_runner import BLIND, KNOWN_MISSES, ROOT, SINGLES, ask_all, load, score

pytestmark = pytest.mark.process  # the single questions go through a `main.py ask --json -` child


@pytest.mark.pure
def test_every_set_make_eval_scores_is_in_the_repo() -> None:
    """`make eval` on a fresh clone: every set is a file of the clone, and no blind set is left out."""
    for path in [*SINGLES, *DIALOGS]:
        assert path.is_file() and path.resolve().is_relative_to(ROOT), path
    assert set(BLIND.glob("*.jsonl")) == {p for p in [*SINGLES, *DIALOGS] if p.parent == BLIND}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "../shared" not in makefile and "tests.eval_runner" in makefile and "tests.eval_dialogs" in makefile


def test_every_question_of_every_set_is_answered_right():
    records = load(SINGLES)
    report = score(records, ask_all([r["q"] for r in records], timeout=120))
    assert not report.unknown, "\n".join(f"{m.record['q']}: {m.failed}" for m in report.unknown)
    assert len(report.misses) <= len(KNOWN_MISSES)


@pytest.mark.pure
def test_every_turn_of_every_development_dialog_is_answered_right():
    report = run_dialogs(load(DIALOGS))
    assert not report.unknown, "\n".join(report.unknown)
    assert report.turns[1] >= 400
