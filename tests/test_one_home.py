"""Each text rule has one home; these pin the rules themselves so every caller inherits the same answers."""

from __future__ import annotations

import re

import pytest

from knowledge.numerals import amount, cn_numeral, cn_to_float, cn_to_int, digits_to_int, format_number

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(("text", "value"), [
    ("12", 12), ("１２", 12), ("十二", 12), ("二十三", 23), ("两", 2), ("俩", 2), ("一百", 100), ("一百二十", 120),
    ("拾贰", 12), ("二〇二五", 2025), ("十十", None), ("", None), ("abc", None), ("²", None),
])
def test_whole_numbers_in_digits_or_chinese(text, value):
    assert cn_to_int(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("12", 12.0), ("136.5", 136.5), ("十二", 12.0), ("十二点五", 12.5), ("一千", 1000.0), ("两", 2.0), ("百百", None),
])
def test_decimals_in_digits_or_chinese(text, value):
    assert cn_to_float(text) == value


def test_years_digit_by_digit():
    assert [digits_to_int(t) for t in ("2026", "二〇二六", "二○二六", "二零二六", "二x二六")] == [2026] * 4 + [None]


@pytest.mark.process
def test_plain_digits_never_load_cn2an():
    import subprocess
    import sys

    code = ("import sys; from knowledge.numerals import cn_to_int, cn_to_float; "
            "assert cn_to_int('15') == 15 and cn_to_float('136.5') == 136.5 and cn_to_int('十二') == 12; "
            "print('cn2an' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_numbers_written_back_one_way():
    assert [format_number(v) for v in (12.0, 136.5, 0.25, -0.0, 1e-9, 1365000.0)] == [
        "12", "136.5", "0.25", "0", "0", "1365000"]
    assert format_number(1368000.456, 2, grouped=True) == "1,368,000.46" and format_number(100.0, 0) == "100"
    assert (amount(12, "人"), amount(136.5, "万人"), amount(66, "%"), amount(66, "", True), amount(None, "人")) == (
        "12 人", "136.5 万人", "66%", "66%", "—")
    for n in (1, 5, 10, 12, 20, 23, 99):
        assert cn_to_int(cn_numeral(n)) == n


def test_one_fold_for_questions_reports_and_units():
    from knowledge.normalize import fold, match_key

    assert fold("濟南工匠　１２ＡＢ") == "济南工匠 12ab"
    assert match_key("“双师型”教师（比例）！ ") == "双师型教师比例" and match_key("市 总工会") == "市总工会"
    assert match_key("職工創新創效競賽") == match_key("职工创新创效竞赛")


def test_questions_and_reports_resolve_every_indicator_name_alike():
    import datetime as dt

    from knowledge.engine import QuestionEngine
    from knowledge.indicator_names import IndicatorNames
    from knowledge.parser import load_policy
    from reporting.catalog import IndicatorCatalog
    from reporting.grammar import parse_report, read_message

    document = load_policy()
    names, engine, catalog = IndicatorNames(document.indicators), QuestionEngine(document), IndicatorCatalog(document)
    full = {i.name: i.number for i in document.indicators}
    today = dt.date(2026, 11, 20)
    assert len(document.indicators) == 22
    checked = 0
    for indicator in document.indicators:
        for name in names.names[indicator.number]:
            owner = names.resolve(name)
            if owner is None:
                continue  # a short form two indicators share: neither side may pick one
            assert owner == full.get(name, indicator.number), name  # a name is its own, or another's full name
            reported = parse_report(read_message(f"{name} 12", today), catalog, today).items[0].indicator
            asked = [hit.number for hit in engine.answer(f"{name}2025年目标是多少").indicators]
            assert (reported, asked[:1]) == (owner, [owner]), name
            checked += 1
    assert checked >= 80


def test_target_years_are_read_from_the_document():
    from knowledge.engine import QuestionEngine
    from knowledge.parser import SHIPPED_POLICY, parse_policy
    from reporting.export import progress_header
    from reporting.kinds import load_kinds
    from reporting.outcomes import ProgressView
    from reporting.periods import Period
    from reporting.progress import indicator_progress
    from reporting.render import render_report_text

    shipped = SHIPPED_POLICY.read_text(encoding="utf-8")
    for years, columns in (((2021, 2023, 2025), "2021年\t2023年\t2025年"),
                           ((2020, 2024, 2027), "2020年\t2024年\t2027年")):
        document = parse_policy(shipped.replace("2021年\t2023年\t2025年", columns))
        craftsmen = document.indicator(15)
        assert craftsmen is not None
        assert document.years == years and [t.year for t in craftsmen.targets] == list(years[1:])
        progress = indicator_progress(craftsmen, load_kinds(document)[15], (), Period(year=2026, month=10))
        text = render_report_text(ProgressView(items=(progress,), as_of=progress.as_of))
        assert f"{years[0]}年基线" in text
        assert f"{years[0]}年12月基线 → {years[1]}年12月目标 → {years[2]}年12月目标" in text
        header = progress_header(document.years)
        assert header[5:8] == (f"{years[0]}基数", f"{years[1]}目标", f"{years[2]}目标")
        assert header[11:13] == (f"占{years[1]}目标%", f"占{years[2]}目标%")
        answer = QuestionEngine(document).answer(f"济南工匠{years[2]}年目标是多少")
        assert answer.indicators[0].year == years[2]


def test_storage_holds_no_user_text():
    """Storage raises typed errors (errors.StorageError); the Chinese a person reads is made in bot/ or reporting/."""
    import ast
    from pathlib import Path

    cjk = re.compile(r"[\u3400-\u9fff]")
    found = []
    for path in sorted((Path(__file__).resolve().parents[1] / "storage").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        found += [f"{path.name}:{node.lineno}" for node in ast.walk(tree) if isinstance(node, ast.Constant)
                  and isinstance(node.value, str) and id(node) not in docstrings and cjk.search(node.value)]
    assert found == []


def test_every_unusable_database_has_its_chinese_reason():
    from bot.services.storage_errors import unusable_reason
    from errors import DatabaseUnusable, Unusable

    for problem in Unusable:
        versions = (7, 5) if problem is Unusable.NEWER_SCHEMA else (7,)
        reason = unusable_reason(DatabaseUnusable(problem, "x", versions))
        assert re.search(r"[\u4e00-\u9fff]", reason) and "{" not in reason, problem
    tables = DatabaseUnusable(Unusable.FOREIGN_TABLES, "a, b, c, d, e")
    assert unusable_reason(tables) == "含有其他程序的表（a、b、c、d…），不是本程序的数据库"


def test_one_reply_when_a_command_needs_the_database_the_bot_does_not_have() -> None:
    from bot.services.facade import BotService
    from bot.settings import Settings
    from errors import UserFacingError

    service = BotService.for_questions(Settings(_env_file=None))
    with pytest.raises(UserFacingError) as refused:
        service.storage_for("看板")
    assert str(refused.value) == "看板需要数据库，当前机器人只开启了问答功能。"
