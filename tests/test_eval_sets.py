"""Our question sets through the real `main.py ask --json -` path, and the dialog set through the facade."""

from __future__ import annotations

from pathlib import Path

from tests.eval_dialogs import run_dialogs
from tests.eval_runner import ask_all, load, score

DATA = Path(__file__).resolve().parent / "data"
BLIND = DATA / "blind"
# Each round's locked half was scored once (closing notes) and is development data since; round 3 stays locked.
SETS = [DATA / "qa_own.jsonl", DATA / "qa_public.jsonl"] + [
    BLIND / name for name in ("singles_dev.jsonl", "singles_round1_scored.jsonl",
                              "round2_singles_dev.jsonl", "round2_singles_scored.jsonl", "round3_singles_scored.jsonl",
                              "round4_singles_scored.jsonl", "round6_singles_scored.jsonl",
                              "round7_singles_scored.jsonl", "round12_singles_scored.jsonl",
                              "round13_singles_dev.jsonl")]
DIALOGS = [BLIND / name for name in ("dialogs_dev.jsonl", "dialogs_round1_scored.jsonl",
                                     "round2_dialogs_dev.jsonl", "round2_dialogs_scored.jsonl",
                                     "round3_dialogs_scored.jsonl", "round4_dialogs_scored.jsonl",
                                     "round5_dialogs_scored.jsonl", "round6_dialogs_scored.jsonl",
                                     "round7_dialogs_scored.jsonl", "round8_dialogs_scored.jsonl",
                                     "round9_dialogs_scored.jsonl", "round10_dialogs_scored.jsonl",
                                     "round11_dialogs_scored.jsonl", "round12_dialogs_scored.jsonl",
                                     "round13_dialogs_dev.jsonl")]


# Misses we know and chose to leave, each with the reason; anything else failing fails the suite.
KNOWN_MISSES = {
    "文件要推动形成什么样的创新氛围？": "the 指导思想 and measure 1 both say it; the ranking prefers the measure",
    "济南市最低工资标准是多少？": "工资 and 标准 are in measure 11; a stricter bar lost two in-scope paraphrases",
}


def test_every_question_of_every_set_is_answered_right():
    records = load(SETS)
    report = score(records, ask_all([r["q"] for r in records], timeout=120))
    misses = [f"{m.record['q']}: {m.failed}" for m in report.misses if m.record["q"] not in KNOWN_MISSES]
    assert not misses, "\n".join(misses)
    assert len(report.misses) <= len(KNOWN_MISSES)


KNOWN_DIALOG_MISSES = {
    "r9d029": "不是创新环境类的那个 refers to the list two turns back; the state keeps only the last list",
}


def test_every_turn_of_every_development_dialog_is_answered_right():
    report = run_dialogs(load(DIALOGS))
    misses = [m for m in report.misses if not any(f"[{key}]" in m for key in KNOWN_DIALOG_MISSES)]
    assert not misses, "\n".join(misses)
    assert report.turns[1] >= 400
