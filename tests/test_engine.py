"""Acceptance behaviour of the question engine, straight through the facade's `ask`."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.answers import Intent
from knowledge.engine import QuestionEngine
from knowledge.parser import load_policy
from knowledge.render import answer_json, render_text

pytestmark = pytest.mark.pure


@pytest.fixture(scope="module")
def engine():
    return QuestionEngine(load_policy())


def ask(engine, question, context=None):
    answer = engine.answer(question, context)
    return answer, answer_json(answer)


def test_lead_departments_of_a_topic(engine):
    answer, record = ask(engine, "谁负责产教融合?")
    assert answer.intent == Intent.LEAD_DEPARTMENTS
    assert record["measures"] == [4]
    for dept in ("市发展改革委", "市教育局", "市工业和信息化局", "市人力资源社会保障局", "市国资委"):
        assert dept in record["text"]
    assert "积极推进产教融合试点" in record["text"]
    assert any("产教融合" in q for q in answer.measures[0].quotes)


def test_department_leads_exactly_its_measures(engine):
    _, record = ask(engine, "市总工会负责哪些工作")
    assert record["measures"] == [1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15]
    _, record = ask(engine, "发改委管什么")
    assert record["measures"] == [3, 4]


def test_two_departments_intersect(engine):
    answer, record = ask(engine, "教育局和人社局共同负责哪些措施")
    assert answer.intent == Intent.DEPARTMENT_INTERSECTION
    assert record["measures"] == [3, 4, 5, 7, 13]


def test_indicator_with_year(engine):
    _, record = ask(engine, "济南工匠2025年目标是多少")
    assert record["indicators"] == [15] and "150" in record["text"]


def test_indicator_13_does_not_exist(engine):
    answer, record = ask(engine, "指标13是什么")
    assert answer.intent == Intent.NOT_FOUND
    assert record["indicators"] == [] and record["measures"] == []
    assert "没有第13项指标" in record["text"]


@pytest.mark.parametrize("question", ["今天天气怎么样", "公租房怎么申请", "明天限行尾号是多少"])
def test_out_of_scope_is_refused_with_suggestions(engine, question):
    answer, record = ask(engine, question)
    assert answer.intent == Intent.OUT_OF_SCOPE
    assert record["measures"] == [] and record["indicators"] == []
    assert "可以这样问" in record["text"]


def test_traditional_and_full_width(engine):
    assert ask(engine, "誰負責產教融合")[1]["measures"] == [4]
    assert ask(engine, "谁负责产教融合？！")[1]["measures"] == [4]
    assert ask(engine, "济南工匠２０２５年目标")[1]["indicators"] == [15]


@pytest.mark.parametrize(
    "question, number",
    [("第8条", 8), ("措施八", 8), ("第十二项", 12), ("第十二项措施讲什么", 12), ("12号措施", 12)],
)
def test_measure_by_number(engine, question, number):
    assert ask(engine, question)[1]["measures"] == [number]


def test_indicator_by_number_and_category(engine):
    assert ask(engine, "第9项指标")[1]["indicators"] == [9]
    _, record = ask(engine, "产教融合有哪些指标")
    assert record["indicators"] == [22, 23]


def test_follow_ups(engine):
    first, _ = ask(engine, "济南工匠2023年目标是多少")
    _, record = ask(engine, "那2025年呢?", first.context)
    assert record["indicators"] == [15] and "150" in record["text"]
    lead, _ = ask(engine, "专家带学")
    who, record = ask(engine, "它由谁负责?", lead.context)
    assert record["measures"] == [5] and who.intent == Intent.LEAD_DEPARTMENTS


def test_typos_still_find_the_measure(engine):
    assert ask(engine, "谁负责产教融和")[1]["measures"] == [4]


@pytest.mark.parametrize(
    "question",
    ["", "   ", "？？？", "!!!", "🙂🙂🙂", "产教" * 2500, "'; DROP TABLE reports; --", "<b>谁</b>负责", "\x00\x1b[31m"],
)
def test_bad_input_gets_a_calm_reply(engine, question):
    answer = engine.answer(question)
    text = render_text(answer)
    assert text and len(text) < 4000


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_an_answer_never_an_exception(text):
    engine = _SHARED_ENGINE
    answer = engine.answer(text)
    assert render_text(answer)
    follow = engine.answer(text, answer.context)
    assert render_text(follow)


_SHARED_ENGINE = QuestionEngine(load_policy())


def test_an_indicator_word_inside_a_who_leads_phrase_asks_who_leads(engine):
    answer = engine.answer("搞公共实训基地建设是哪几个部门负责")  # 几个 is part of 哪几个部门, no value asked
    assert [m.number for m in answer.measures][:1] == [4] and not answer.indicators


def test_another_place_needs_a_policy_word_when_the_place_has_no_name(engine):
    assert engine.answer("外地的政策是怎么规定的").intent == Intent.OUT_OF_SCOPE
    answer = engine.answer("外地技术人才想引进来走绿色通道，归谁管")  # 外地人才 are ours to answer
    assert [m.number for m in answer.measures][:1] == [15]
