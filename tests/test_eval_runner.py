"""The eval runner's scoring and our own question set, checked without running the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.eval_runner import CHECKS, KNOWN_MISSES, PUBLIC, ROOT, failures, score

pytestmark = pytest.mark.pure

HERE = Path(__file__).resolve().parent
OWN = HERE / "data" / "qa_own.jsonl"
SHARED_PUBLIC = ROOT.parent / "shared" / "eval" / "qa_public.jsonl"  # where the public set is published
INDICATORS = {*range(1, 13), *range(14, 24)}


def answer(measures=(), indicators=(), text="", intent="topic") -> dict:
    """A hand-made CLI answer in the `ask --json` shape."""
    return {"question": "q", "intent": intent, "measures": list(measures), "indicators": list(indicators),
            "departments": [], "text": text}


CASES: list[tuple[dict[str, object], dict, dict]] = [
    ({"measure_top": 4}, answer([4, 3]), answer([3, 4])),
    ({"measure_top": 4}, answer([4]), answer()),
    ({"measure_set": [3, 4]}, answer([4, 3]), answer([3, 4, 5])),
    ({"measure_set": [3, 4]}, answer([3, 4]), answer([3])),
    ({"measure_set": []}, answer(), answer([1])),
    ({"indicator_top": 15}, answer(indicators=[15, 16]), answer(indicators=[16, 15])),
    ({"indicator_set": [22, 23]}, answer(indicators=[23, 22]), answer(indicators=[22])),
    ({"text_has": ["150", "万人"]}, answer(text="2025年目标：150 万人"), answer(text="2025年目标：150 人")),
    ({"indicator_none": True}, answer([1]), answer(indicators=[1])),
    ({"measure_none": True}, answer(indicators=[1]), answer([1])),
    ({"none": True}, answer(), answer(indicators=[3])),
    ({"none": True}, answer(), answer([3])),
    ({"intent": "out_of_scope"}, answer(intent="out_of_scope"), answer(intent="topic")),
]


@pytest.mark.parametrize(("check", "good", "bad"), CASES)
def test_each_check_passes_and_fails(check: dict, good: dict, bad: dict) -> None:
    record = {"q": "q", "tier": "t", **check}
    assert failures(record, good) == []
    assert len(failures(record, bad)) == 1


def test_every_check_kind_is_covered() -> None:
    assert {key for check, _, _ in CASES for key in check} == set(CHECKS)


def test_score_counts_tiers_and_collects_misses() -> None:
    records = [
        {"q": "a", "tier": "core", "measure_top": 1},
        {"q": "b", "tier": "core", "measure_top": 2, "text_has": ["x"]},
        {"q": "c", "tier": "stretch", "none": True},
        {"q": "d", "tier": "stretch", "indicator_top": 5},
    ]
    report = score(records, [answer([1]), answer([3]), answer()])  # the last answer is missing
    assert report.tiers == {"core": [1, 2], "stretch": [1, 2]}
    assert (report.passed, report.total, report.ok) == (2, 4, False)
    assert [m.record["q"] for m in report.misses] == ["b", "d"]
    assert len(report.misses[0].failed) == 2
    assert report.misses[1].failed == ["no answer from the CLI"]
    lines = report.lines()
    assert "core: 1/2 (50.0%)" in lines and "total: 2/4 (50.0%)" in lines
    assert any(line.startswith("MISS [core] b") for line in lines)


def test_score_all_passed_is_ok() -> None:
    report = score([{"q": "a", "tier": "core", "measure_set": [1, 2]}], [answer([2, 1])])
    assert report.ok and report.lines()[-1] == "total: 1/1 (100.0%)"


def test_bad_answer_types_fail_instead_of_crashing() -> None:
    record = {"q": "a", "tier": "core", "measure_top": 1, "indicator_set": [2], "text_has": ["x"]}
    assert len(failures(record, {"measures": None, "indicators": "2", "text": None})) == 3


def test_own_question_set_is_well_formed() -> None:
    lines = [line for line in OWN.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) >= 90
    records = [json.loads(line) for line in lines]
    questions = [r["q"] for r in records]
    assert len(set(questions)) == len(questions), "duplicate questions"
    for r in records:
        assert isinstance(r.get("q"), str) and r["q"].strip() and "\n" not in r["q"], r
        assert isinstance(r.get("tier"), str) and r["tier"], r
        assert set(r) & set(CHECKS), f"no check: {r}"
        assert set(r) <= set(CHECKS) | {"q", "tier"}, f"unknown field: {r}"
        measures = ([r["measure_top"]] if "measure_top" in r else []) + r.get("measure_set", [])
        indicators = ([r["indicator_top"]] if "indicator_top" in r else []) + r.get("indicator_set", [])
        assert all(isinstance(n, int) and 1 <= n <= 15 for n in measures), r
        assert all(isinstance(n, int) and n in INDICATORS for n in indicators), r
        assert all(isinstance(s, str) and s for s in r.get("text_has", [])), r
    public = {json.loads(line)["q"] for line in PUBLIC.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert not public & set(questions), "copied from the public set"


def test_the_public_set_ships_in_the_repo_unedited() -> None:
    """`make eval` needs nothing beside a fresh clone; where shared/ is beside it, the copy is the same bytes."""
    assert len([line for line in PUBLIC.read_text(encoding="utf-8").splitlines() if line.strip()]) >= 20
    if not SHARED_PUBLIC.exists():
        pytest.skip("../shared not beside the repo")
    assert PUBLIC.read_bytes() == SHARED_PUBLIC.read_bytes()


def test_known_misses_are_reported_with_their_reason_and_do_not_fail() -> None:
    known = next(iter(KNOWN_MISSES))
    records = [{"q": known, "tier": "clear", "none": True}, {"q": "new", "tier": "clear", "measure_top": 1}]
    report = score(records, [answer([11]), answer([1])])
    assert len(report.misses) == 1 and report.unknown == []  # `make eval` exits 0
    assert f"MISS [clear] {known} (known: {KNOWN_MISSES[known]})" in report.lines()
    assert report.lines()[-1] == "total: 1/2 (50.0%), 1 known misses"
    report = score(records, [answer(), answer([2])])
    assert [m.record["q"] for m in report.unknown] == ["new"]  # `make eval` exits 1
