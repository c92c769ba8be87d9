"""Follow-ups about what was shown: a place in the last list, the other one, one to compare, what lies behind."""

from __future__ import annotations

import pytest

from knowledge.answers import ChatContext
from knowledge.engine import QuestionEngine
from knowledge.parser import load_policy
from knowledge.render import answer_json

pytestmark = pytest.mark.pure


@pytest.fixture(scope="module")
def engine():
    return QuestionEngine(load_policy())


def chat(engine, *questions):
    context: ChatContext | None = None
    records = []
    for question in questions:
        answer = engine.answer(question, context)
        context = answer.context
        records.append(answer_json(answer))
    return records


def test_a_place_in_the_last_list_is_that_item_and_the_list_stays_for_the_next_pick(engine):
    listed, second, last, first = chat(engine, "市科技局负责哪些措施", "第二个是什么", "最后一个谁牵头", "头一个呢")
    assert listed["measures"] == [9, 10, 12, 13, 15]
    assert second["measures"] == [10]
    assert last["measures"][0] == 15 and "市科技局" in last["text"]
    assert first["measures"] == [9]


def test_counting_from_the_end_and_a_place_past_the_end(engine):
    _, from_end = chat(engine, "市发展改革委负责哪几条", "倒数第二个")
    assert from_end["measures"] == [3]
    _, beyond = chat(engine, "市发展改革委负责哪几条", "第五个")
    assert beyond["measures"] == [5]  # no fifth in a list of two: measure 5, as without a list


def test_without_a_list_a_place_is_still_the_measure_of_that_number(engine):
    [alone] = chat(engine, "第二个是讲什么的")
    assert alone["measures"] == [2]


def test_the_other_one_of_two_is_the_one_not_just_discussed(engine):
    _, both, other = chat(engine, "第4条谁牵头", "市发展改革委还负责什么", "另外那条讲什么")
    assert both["measures"] == [3, 4]
    assert other["measures"] == [3]


def test_a_place_in_a_list_of_principles_is_that_principle(engine):
    listed, third = chat(engine, "文件的基本原则是哪几条", "第三个呢")
    assert "坚持" in listed["text"]
    assert third["measures"] == [] and third["text"].count("坚持") >= 1 and third["text"] != listed["text"]
    [fourth] = chat(engine, "基本原则的第四条讲的是什么")
    assert fourth["measures"] == [] and "坚持问题导向" in fourth["text"]


def test_comparing_with_another_indicator_answers_both_and_a_new_year_keeps_both(engine):
    first, both, year = chat(engine, "济南工匠2025年目标", "跟泉城首席技师比一下呢", "那23年呢")
    assert first["indicators"] == [15]
    assert both["indicators"] == [15, 16]
    assert year["indicators"] == [15, 16] and "2023" in year["text"]


def test_a_misspelt_ordinal_and_a_choice_between_two_categories(engine):
    [typo] = chat(engine, "弟十二条的牵头单位")
    assert typo["measures"] == [12]
    [choice] = chat(engine, "新增济南工匠属于创新创效还是素质提升")
    assert choice["indicators"] == [15] and "素质提升" in choice["text"]


def test_the_measure_behind_an_indicator_just_discussed(engine):
    _, behind = chat(engine, "职业院校双师型教师比例的目标", "这个对应的是哪条措施")
    assert behind["measures"] == [3]
    _, year, related = chat(engine, "指标12", "二〇二三年呢", "和它有关的措施是哪条")
    assert year["indicators"] == [12] and "300" in year["text"]
    assert related["measures"] == [8]


def test_the_titles_of_the_listed_measures_are_the_list_itself(engine):
    _, narrowed, titles = chat(engine, "市国资委负责哪些", "其中哪些有市科技局", "这几条的名称分别是什么")
    assert titles["measures"] == narrowed["measures"] and len(titles["measures"]) > 1


def test_the_next_and_previous_measure_and_past_the_end(engine):
    _, after, before = chat(engine, "第九条讲什么", "那下一条呢", "上一条")
    assert after["measures"] == [10] and before["measures"] == [9]
    _, beyond = chat(engine, "第十五条", "下一条")
    assert beyond["measures"] == [] and "没有第16条" in beyond["text"]


def test_a_category_by_its_place_and_the_unit_of_the_indicator_just_shown(engine):
    [second] = chat(engine, "第二类指标有哪些")
    assert second["indicators"] == [9, 10, 11, 12, 14, 15]
    _, unit = chat(engine, "全市劳动和技能竞赛参与职工2023年目标", "计量单位是什么")
    assert unit["indicators"] == [12] and "万人次" in unit["text"]


def test_after_a_fact_of_the_document_a_new_question_starts_afresh(engine):
    _, counted = chat(engine, "附件是什么", "指标有多少项")
    assert "22" in counted["text"]
    _, digression, quoted = chat(engine, "激励机制那条谁管", "明天会下雨吗", "那这条原文说了什么")
    assert digression["measures"] == [] and quoted["measures"] == [11]


def test_asking_whether_a_measure_is_in_the_list_names_it_when_it_is_not(engine):
    listed, asked = chat(engine, "市人社局负责哪些", "这里面有没有完善创新服务体系")
    assert 10 not in listed["measures"]
    assert asked["measures"] == [10] and "没有这一条" in asked["text"] and "市科技局" in asked["text"]


def test_the_other_indicators_of_the_same_category(engine):
    _, _, other = chat(engine, "职业院校双师型教师比例2023年", "它属于哪一类", "同类的另一个指标2025年呢")
    assert other["indicators"] == [22] and "2025" in other["text"]
    _, whole = chat(engine, "新增济南工匠是哪类指标", "这一类还有哪些")
    assert whole["indicators"] == [9, 10, 11, 12, 14, 15]  # 还有哪些: the whole category, as people mean it
