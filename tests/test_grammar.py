"""The quick-report grammar: a table of real-looking messages, and properties over arbitrary text."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from errors import ReportInputError
from knowledge.parser import load_policy
from reporting.catalog import IndicatorCatalog
from reporting.grammar import ReportItem, format_item, looks_like_report, parse_report, read_message
from reporting.periods import Period

pytestmark = pytest.mark.pure

TODAY = dt.date(2026, 11, 24)
UNITS = ("市人社局", "市总工会", "市教育局", "历下区")
CATALOG = IndicatorCatalog(load_policy())
OCT = "2026-10"

# (message, [(indicator, value, period, cumulative)], unit named at the start)
REPORTS: list[tuple[str, list[tuple[int, float, str, bool]], str | None]] = [
    ("济南工匠 12", [(15, 12, OCT, False)], None),
    ("15 12", [(15, 12, OCT, False)], None),
    ("#15 12", [(15, 12, OCT, False)], None),
    ("#15  12", [(15, 12, OCT, False)], None),
    ("指标15：12", [(15, 12, OCT, False)], None),
    ("指标15:12", [(15, 12, OCT, False)], None),
    ("指标十五 12", [(15, 12, OCT, False)], None),
    ("第15项 12", [(15, 12, OCT, False)], None),
    ("第十五项 12", [(15, 12, OCT, False)], None),
    ("第15项指标 12人", [(15, 12, OCT, False)], None),
    ("15号指标 12", [(15, 12, OCT, False)], None),
    ("首席技师 8 人", [(16, 8, OCT, False)], None),
    ("首席技师 8名", [(16, 8, OCT, False)], None),
    ("泉城首席技师8人", [(16, 8, OCT, False)], None),
    ("新增泉城首席技师 8", [(16, 8, OCT, False)], None),
    ("技能人才 136.5万", [(1, 136.5, OCT, False)], None),
    ("技能人才 136.5万人", [(1, 136.5, OCT, False)], None),
    ("技能人才 136.5", [(1, 136.5, OCT, False)], None),
    ("技能人才 1365000人", [(1, 136.5, OCT, False)], None),
    ("技能人才 1,365,000人", [(1, 136.5, OCT, False)], None),
    ("技能人才 1,365,000 人", [(1, 136.5, OCT, False)], None),
    ("技能人才总量 136.5万人", [(1, 136.5, OCT, False)], None),
    ("双师型 66%", [(23, 66, OCT, False)], None),
    ("双师型 66％", [(23, 66, OCT, False)], None),
    ("双师型教师比例 66.5%", [(23, 66.5, OCT, False)], None),
    ("双师型 百分之六十六", [(23, 66, OCT, False)], None),
    ("双师型 66", [(23, 66, OCT, False)], None),
    ("济南工匠 十二", [(15, 12, OCT, False)], None),
    ("济南工匠 十二人", [(15, 12, OCT, False)], None),
    ("济南工匠 两人", [(15, 2, OCT, False)], None),
    ("济南工匠 一百二十", [(15, 120, OCT, False)], None),
    ("济南工匠 １２", [(15, 12, OCT, False)], None),
    ("济南工匠　１２人", [(15, 12, OCT, False)], None),
    ("＃１５ １２", [(15, 12, OCT, False)], None),
    ("济南工匠 12 2026年10月", [(15, 12, OCT, False)], None),
    ("2026年10月 济南工匠 12", [(15, 12, OCT, False)], None),
    ("济南工匠 2026年9月 12", [(15, 12, "2026-09", False)], None),
    ("济南工匠 12 2026-09", [(15, 12, "2026-09", False)], None),
    ("济南工匠 12 2026/9", [(15, 12, "2026-09", False)], None),
    ("济南工匠 12 2026.09", [(15, 12, "2026-09", False)], None),
    ("济南工匠 12 10月", [(15, 12, OCT, False)], None),
    ("济南工匠 12 十月份", [(15, 12, OCT, False)], None),
    ("十月份 济南工匠 12", [(15, 12, OCT, False)], None),
    ("9月份济南工匠12人", [(15, 12, "2026-09", False)], None),
    ("济南工匠 12 12月", [(15, 12, "2025-12", False)], None),
    ("济南工匠 12 十二月", [(15, 12, "2025-12", False)], None),
    ("济南工匠 12 上月", [(15, 12, OCT, False)], None),
    ("济南工匠 12 上个月", [(15, 12, OCT, False)], None),
    ("济南工匠 12 本月", [(15, 12, "2026-11", False)], None),
    ("本月 济南工匠 3", [(15, 3, "2026-11", False)], None),
    ("去年3月 济南工匠 4", [(15, 4, "2025-03", False)], None),
    ("今年1月 济南工匠 4", [(15, 4, "2026-01", False)], None),
    ("二〇二五年三月 济南工匠 4", [(15, 4, "2025-03", False)], None),
    ("济南工匠 累计 45", [(15, 45, OCT, True)], None),
    ("济南工匠 45 累计", [(15, 45, OCT, True)], None),
    ("济南工匠累计45人 2026年9月", [(15, 45, "2026-09", True)], None),
    ("济南工匠 12\n首席技师 8", [(15, 12, OCT, False), (16, 8, OCT, False)], None),
    ("济南工匠 12；首席技师 8", [(15, 12, OCT, False), (16, 8, OCT, False)], None),
    ("济南工匠 12;首席技师 8", [(15, 12, OCT, False), (16, 8, OCT, False)], None),
    ("济南工匠 12，首席技师 8", [(15, 12, OCT, False), (16, 8, OCT, False)], None),
    ("济南工匠 12, 首席技师 8", [(15, 12, OCT, False), (16, 8, OCT, False)], None),
    ("济南工匠 12 首席技师 8", [(15, 12, OCT, False), (16, 8, OCT, False)], None),
    ("济南工匠12首席技师8", [(15, 12, OCT, False), (16, 8, OCT, False)], None),
    ("2026年9月\n济南工匠 12\n首席技师 8", [(15, 12, "2026-09", False), (16, 8, "2026-09", False)], None),
    ("济南工匠 12 9月；首席技师 8 10月", [(15, 12, "2026-09", False), (16, 8, OCT, False)], None),
    ("#15 12\n#16 8\n#18 3项", [(15, 12, OCT, False), (16, 8, OCT, False), (18, 3, OCT, False)], None),
    ("15 12；16 8", [(15, 12, OCT, False), (16, 8, OCT, False)], None),
    ("市人社局 技能人才 136.5万", [(1, 136.5, OCT, False)], "市人社局"),
    ("市人社局：技能人才 136.5万", [(1, 136.5, OCT, False)], "市人社局"),
    ("市总工会 济南工匠 12 2026年10月", [(15, 12, OCT, False)], "市总工会"),
    ("历下区 工匠人才 320", [(14, 320, OCT, False)], "历下区"),
    ("市教育局 双师型 66%；高水平专业 9个", [(23, 66, OCT, False), (22, 9, OCT, False)], "市教育局"),
    ("补贴性培训 3.5万人次", [(9, 3.5, OCT, False)], None),
    ("补贴性培训 35000人次", [(9, 3.5, OCT, False)], None),
    ("开展补贴性职业技能培训 2万人次 2026年9月", [(9, 2, "2026-09", False)], None),
    ("学徒培训 500人次", [(10, 0.05, OCT, False)], None),
    ("求学圆梦 1200人", [(11, 0.12, OCT, False)], None),
    ("求学圆梦 0.12万人", [(11, 0.12, OCT, False)], None),
    ("技能竞赛 12万人次", [(12, 12, OCT, False)], None),
    ("创新工作室 1300个", [(3, 1300, OCT, False)], None),
    ("市级创新工作室 75", [(4, 75, OCT, False)], None),
    ("市级劳模和工匠人才创新工作室 75个", [(4, 75, OCT, False)], None),
    ("劳模和工匠人才创新工作室 1300", [(3, 1300, OCT, False)], None),
    ("师徒结对 5200对", [(2, 5200, OCT, False)], None),
    ("齐鲁技能大师 1个", [(5, 1, OCT, False)], None),
    ("实训基地 2", [(6, 2, OCT, False)], None),
    ("优质资源 30个", [(7, 30, OCT, False)], None),
    ("优秀创新成果 5项", [(18, 5, OCT, False)], None),
    ("创新创效竞赛 40场", [(19, 40, OCT, False)], None),
    ("创新创效竞赛 40场次", [(19, 40, OCT, False)], None),
    ("参赛企业 3700家", [(20, 3700, OCT, False)], None),
    ("高价值专利 13.1件", [(21, 13.1, OCT, False)], None),
    ("每万人高价值专利拥有量 13.1", [(21, 13.1, OCT, False)], None),
    ("專業群 9", [(22, 9, OCT, False)], None),
    ("濟南工匠 12", [(15, 12, OCT, False)], None),
    ("上报 济南工匠 12", [(15, 12, OCT, False)], None),
    ("济南工匠数据 12", [(15, 12, OCT, False)], None),
    ("本月新增济南工匠人数：12", [(15, 12, "2026-11", False)], None),
    ("济南工匠 12 左右", [(15, 12, OCT, False)], None),
    ("济南工匠 0", [(15, 0, OCT, False)], None),
]

# (message, a phrase the error must contain)
ERRORS: list[tuple[str, str]] = [
    ("济南大工匠 12", "新增济南工匠"),
    ("创新成果 120项", "您是不是要报"),
    ("全员创新企业 33家", "单位不符"),
    ("济南工匠 12个", "单位不符"),
    ("济南工匠 12 人次", "单位不符"),
    ("技能人才 66%", "单位不符"),
    ("#13 5", "没有编号为 13"),
    ("指标99 5", "没有编号为 99"),
    ("上报 济南工匠", "没有找到“新增济南工匠”的数值"),
    ("济南工匠 2026年10月", "数值"),
    ("济南工匠 12 13月", "月份"),
]

QUESTIONS = [
    "谁负责产教融合?", "济南工匠2025年目标是多少?", "济南工匠2023年目标是多少", "市总工会负责哪些工作",
    "第8条", "措施十二", "第十二项是什么", "济南工匠", "济南工匠 2023", "天气 12", "公租房怎么申请",
    "那2025年呢？", "技能人才有多少", "指标15是什么", "",
]


def _parse(text: str):
    draft = read_message(text, TODAY, UNITS)
    assert looks_like_report(draft, CATALOG), text
    return parse_report(draft, CATALOG, TODAY)


@pytest.mark.parametrize(("text", "expected", "unit"), REPORTS, ids=[r[0] for r in REPORTS])
def test_report_table(text: str, expected: list, unit: str | None) -> None:
    parsed = _parse(text)
    got = [(i.indicator, round(i.value, 6), i.period.key, i.cumulative) for i in parsed.items]
    assert got == [(n, float(v), p, c) for n, v, p, c in expected]
    assert parsed.unit_name == unit


def test_the_table_is_big_enough() -> None:
    assert len(REPORTS) + len(ERRORS) >= 80


@pytest.mark.parametrize(("text", "phrase"), ERRORS)
def test_bad_reports_say_why(text: str, phrase: str) -> None:
    with pytest.raises(ReportInputError) as caught:
        _parse(text)
    assert phrase in caught.value.reply and "例如" in caught.value.reply


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_are_not_reports(text: str) -> None:
    assert not looks_like_report(read_message(text, TODAY, UNITS), CATALOG)


def test_an_unknown_unit_at_the_start_is_kept_for_the_service_to_refuse() -> None:
    assert _parse("市人设局 技能人才 5").unit_name == "市人设局"
    assert _parse("职工创新创效竞赛参赛企业 5").unit_name is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_reading_never_raises_on_any_text(text: str) -> None:
    draft = read_message(text, TODAY, UNITS)
    if looks_like_report(draft, CATALOG):
        try:
            parse_report(draft, CATALOG, TODAY)
        except ReportInputError as error:
            assert error.reply


REPORT_ALPHABET = st.sampled_from(list("济南工匠技能人才双师型首席技师0123456789十二万人%#:：，；;, \n"
                                        "月年上本累计第项指标"))


@settings(max_examples=300, deadline=None)
@given(st.text(REPORT_ALPHABET, max_size=40))
def test_report_like_text_never_raises_anything_but_input_errors(text: str) -> None:
    draft = read_message(text, TODAY, UNITS)
    if looks_like_report(draft, CATALOG):
        with contextlib.suppress(ReportInputError):
            parse_report(draft, CATALOG, TODAY)


@st.composite
def items(draw: st.DrawFn) -> ReportItem:
    number = draw(st.sampled_from(sorted(CATALOG.indicators)))
    indicator = CATALOG.indicators[number]
    top = 100 if indicator.percent else 10_000_000
    value = round(draw(st.floats(min_value=0, max_value=top, allow_nan=False)), draw(st.integers(0, 3)))
    ordinal = draw(st.integers(Period(year=2022, month=1).ordinal, Period.of(TODAY).ordinal))
    period = Period(year=ordinal // 12, month=ordinal % 12 + 1)
    return ReportItem(indicator=number, value=value, typed="", period=period, cumulative=draw(st.booleans()))


@settings(max_examples=400, deadline=None)
@given(items())
def test_what_is_stored_renders_back_and_reparses_the_same(item: ReportItem) -> None:
    text = format_item(item, CATALOG)
    [again] = _parse(text).items
    assert (again.indicator, again.period, again.cumulative) == (item.indicator, item.period, item.cumulative)
    assert again.value == pytest.approx(item.value, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(("text", "value", "month"), [
    ("技能人才 2000.75万人 2022年1月", "2000.75万人", Period(year=2022, month=1)),  # a figure, not month 75 of 2000
    ("2026.9 济南工匠 12", "12", Period(year=2026, month=9)),
    ("首席技师 2026.5个 2026年10月", "2026.5个", Period(year=2026, month=10)),
])
def test_a_year_dot_month_followed_by_a_unit_is_a_figure(text: str, value: str, month: Period) -> None:
    segment, = read_message(text, dt.date(2026, 11, 25)).segments
    assert segment.periods == [month] and not segment.bad_months
    assert [pair.number.raw for pair in segment.pairs if pair.number] == [value]
