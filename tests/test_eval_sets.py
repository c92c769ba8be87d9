"""The public and our own question sets, through the real `main.py ask --json -` path, all right."""

from __future__ import annotations

from pathlib import Path

from tests.eval_runner import ask_all, load, score

ROOT = Path(__file__).resolve().parent.parent
SETS = [ROOT / "tests" / "data" / "qa_own.jsonl", ROOT.parent / "shared" / "eval" / "qa_public.jsonl"]


def test_every_question_of_every_set_is_answered_right():
    records = load([p for p in SETS if p.exists()])
    report = score(records, ask_all([r["q"] for r in records], timeout=120))
    misses = [f"{m.record['q']}: {m.failed}" for m in report.misses]
    assert not misses, "\n".join(misses)
