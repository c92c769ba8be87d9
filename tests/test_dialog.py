"""Question frames and dialog state: follow-ups, filters, digressions, expiry, honesty, small talk."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge.answers import ChatContext, Intent
from knowledge.dialog import DIALOG_TTL
from knowledge.engine import QuestionEngine
from knowledge.parser import load_policy
from knowledge.render import answer_json

pytestmark = pytest.mark.pure

START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
UNION = [1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15]


@pytest.fixture(scope="module")
def engine():
    return QuestionEngine(load_policy())


def chat(engine, *questions, minutes_between=1):
    """Ask questions in one chat, each a minute after the last; return each turn's JSON record."""
    context: ChatContext | None = None
    records = []
    for i, question in enumerate(questions):
        answer = engine.answer(question, context, START + dt.timedelta(minutes=i * minutes_between))
        context = answer.context
        records.append(answer_json(answer))
    return records


def test_readme_example_topic_then_year_answers_the_topics_indicators(engine):
    lead, year = chat(engine, "谁负责产教融合?", "那2025年呢?")
    assert lead["measures"] == [4]
    assert year["indicators"] == [22, 23] and "20" in year["text"] and "70%" in year["text"]


def test_a_digression_does_not_wipe_the_state(engine):
    _, thanks, weather, year = chat(engine, "济南工匠2025年目标是多少", "谢谢", "今天天气怎么样", "那2023年呢")
    assert thanks["intent"] == "small_talk" and weather["intent"] == "out_of_scope"
    assert year["indicators"] == [15] and "90" in year["text"]


def test_state_expires_after_a_quiet_while(engine):
    minutes = int(DIALOG_TTL.total_seconds() // 60) + 1
    _, year = chat(engine, "济南工匠2025年目标是多少", "那2023年呢", minutes_between=minutes)
    assert year["indicators"] == []


def test_swapped_entities_keep_the_operation_and_year(engine):
    _, swapped = chat(engine, "济南工匠2025年目标是多少", "那首席技师呢")
    assert swapped["indicators"] == [16] and "150" in swapped["text"]
    _, dept = chat(engine, "市总工会负责哪些", "那团市委呢")
    assert dept["measures"] == [7, 14]
    _, measure = chat(engine, "第8条谁负责", "那第九条呢")
    assert measure["measures"] == [9] and "市科技局" in measure["text"]


def test_filter_and_count_of_the_last_list(engine):
    union, within, count = chat(engine, "市总工会负责哪些措施", "这里面哪些有国资委", "总共多少条")
    assert union["measures"] == UNION
    assert within["measures"] == [1, 6, 7, 8, 9, 11, 12, 15]
    assert count["measures"] == within["measures"] and "8" in count["text"]
    _, without = chat(engine, "市总工会负责哪些措施", "其中哪些没有国资委")
    assert without["measures"] == [2, 5, 10, 14]


def test_questions_about_the_last_entity(engine):
    _, leads, text, others = chat(engine, "第5条讲什么", "牵头单位有哪些", "原文是什么",
                                  "除了市总工会还有哪些单位一起负责")
    assert leads["measures"] == [5] and "市教育局" in leads["text"]
    assert text["intent"] == "measure_text" and "大力推行现代学徒制和企业新型学徒制" in text["text"]
    assert others["departments"] == ["市教育局", "市人力资源社会保障局"]
    _, category = chat(engine, "新增济南工匠2025年目标", "它是哪类指标")
    assert category["indicators"] == [15] and "素质提升" in category["text"]
    _, values = chat(engine, "素质提升类有哪些指标", "它们2025年分别是多少")
    assert values["indicators"] == [9, 10, 11, 12, 14, 15] and "1.8" in values["text"]


def test_a_fresh_question_does_not_carry_state(engine):
    _, fresh = chat(engine, "市总工会负责哪些", "技能人才2025年目标")
    assert fresh["indicators"] == [1] and fresh["measures"] == []


@pytest.mark.parametrize(("question", "measures"), [
    ("市总工会没参与哪些措施", [3, 4, 13]),
    ("不是工会负责的措施有哪些", [3, 4, 13]),
    ("市教育局、市科技局和市国资委都负责的措施", [13]),
    ("哪些措施提到了数字经济", [8]),
    ("只有两个牵头单位的措施", [10]),
    ("牵头单位最多的措施", [7, 8, 9]),
    ("“坚持育用结合，提升创新能力”下面有哪几条措施", [3, 4, 5, 6]),
])
def test_structured_questions_are_answered_exactly(engine, question, measures):
    assert answer_json(engine.answer(question))["measures"] == measures


def test_each_of_several_entities_is_answered(engine):
    record = answer_json(engine.answer("市妇联和团市委分别负责什么"))
    assert record["intent"] == "each" and record["measures"] == [14, 7]
    assert "市妇联负责" in record["text"] and "团市委负责" in record["text"]
    values = answer_json(engine.answer("济南工匠和首席技师2025年分别是多少"))
    assert values["indicators"] == [15, 16]


def test_counts(engine):
    assert "12" in answer_json(engine.answer("市总工会一共负责几条"))["text"]
    assert "15" in answer_json(engine.answer("工作措施一共多少条"))["text"]
    assert "6" in answer_json(engine.answer("第9条有几个牵头单位"))["text"]


def test_a_named_department_outside_the_answer_is_said_plainly(engine):
    record = answer_json(engine.answer("市妇联负责产教融合吗"))
    assert record["measures"] == [4] and "市妇联不在第4条的牵头单位中" in record["text"]


@pytest.mark.parametrize("question", ["你好", "谢谢", "你是谁", "怎么用", "hello"])
def test_small_talk_gets_a_friendly_reply_with_examples(engine, question):
    answer = engine.answer(question)
    assert answer.intent == Intent.SMALL_TALK
    assert "例如" in answer_json(answer)["text"] and not answer.measures


def test_another_citys_policy_is_out_of_scope(engine):
    record = answer_json(engine.answer("青岛市提升产业工人创新力实施意见谁负责"))
    assert record["intent"] == "out_of_scope" and record["measures"] == [] and "青岛" in record["text"]


@pytest.mark.parametrize(("question", "indicator"), [
    ("新增市级优秀职工创新成果", 18),
    ("which department 负责产教融合", None),
    ("技能人才 2025 target 是多少", 1),
    ("济南公匠2025年目标", 15),
])
def test_bare_names_mixed_english_and_typos(engine, question, indicator):
    record = answer_json(engine.answer(question))
    if indicator is None:
        assert record["measures"] == [4]
    else:
        assert record["indicators"][:1] == [indicator]


@pytest.mark.parametrize(("question", "measures"), [
    ("教育局参与了但国资委没参与的", [3, 5]),
    ("哪些措施不是市总公会牵头的", [3, 4, 13]),
    ("就俩部门管的是哪条", [10]),
    ("工作措施第二组有哪些措施", [3, 4, 5, 6]),
    ("哪几条说到了咨询", [9, 12]),
    ("哪些措施提到了中小企业", [4, 9, 13]),
])
def test_clauses_slips_and_groups(engine, question, measures):
    assert answer_json(engine.answer(question))["measures"] == measures


def test_departments_ranked_by_how_many_measures_they_lead(engine):
    record = answer_json(engine.answer("哪个部门负责的措施最多"))
    assert record["departments"] == ["市总工会"] and "12" in record["text"]


def test_a_phrase_outside_the_measures_is_found_where_the_document_says_it(engine):
    record = answer_json(engine.answer("事争一流唯旗是夺 是哪部分说的"))
    assert record["measures"] == [] and "强化工作落实" in record["text"]


@pytest.mark.parametrize(("question", "text"), [
    ("一级指标有哪几类", ["创新环境", "素质提升", "创新创效", "产教融合"]),
    ("基本原则有几条", ["5"]),
    ("文件里一共列了多少个牵头部门", ["15"]),
])
def test_document_counts_are_written_in_digits(engine, question, text):
    reply = answer_json(engine.answer(question))["text"]
    assert all(t in reply for t in text)


def test_numbered_items_follow_the_subject_of_the_dialog(engine):
    _, missing, next_one = chat(engine, "第12项指标2025年目标是多少", "第13项呢", "第14项呢")
    assert missing["indicators"] == [] and "没有第13项指标" in missing["text"]
    assert next_one["indicators"] == [14] and "5000" in next_one["text"]
    assert answer_json(engine.answer("指标体系第3项是什么指标"))["indicators"] == [3]


def test_a_swapped_category_keeps_the_list_question(engine):
    _, swapped = chat(engine, "素质提升类有哪些指标", "那产教融合类呢")
    assert swapped["indicators"] == [22, 23]


def test_filters_by_words_in_names_and_texts(engine):
    assert answer_json(engine.answer("哪些指标是新增类的"))["indicators"] == [5, 6, 10, 15, 16, 18]
    assert answer_json(engine.answer("名字里有工作室的指标有哪些"))["indicators"] == [3, 4, 17]
    assert answer_json(engine.answer("市总工会牵头的措施中哪些提到培训"))["measures"] == [5, 6, 7]


@pytest.mark.parametrize(("question", "measures"), [
    ("哪几条提到5G", [8]),
    ("育用结合那组里国资委不负责的是哪几条", [3, 5]),
    ("工会有份 人社局没份的措施", [1, 6, 10, 12, 14]),
    ("牽頭單位有五個的措施", [4, 14, 15]),
    ("what does the municipal education bureau lead", [3, 4, 5, 6, 7, 13]),
])
def test_groups_negation_units_and_english(engine, question, measures):
    assert answer_json(engine.answer(question))["measures"] == measures


def test_indicators_by_unit_and_by_refinement(engine):
    assert sorted(answer_json(engine.answer("竞赛场次和参赛企业2025年目标"))["indicators"]) == [19, 20]
    assert answer_json(engine.answer("创新工作室总数和市级的 2023分别多少个"))["indicators"] == [3, 4]
    assert answer_json(engine.answer("skilled workers target 2025"))["indicators"] == [1]


def test_recalled_departments_and_topic_full_text(engine):
    *_, together = chat(engine, "团市委负责哪些工作", "市委宣传部呢", "这两个部门共同负责的是哪条")
    assert together["measures"] == [14]
    record = answer_json(engine.answer("三个精神激励作用原文"))
    assert record["intent"] == "measure_text" and "举办工匠论坛等多种方式" in record["text"]


def test_short_follow_ups_over_lists(engine):
    _, count, listed = chat(engine, "第一条谁管", "组织部一共管几条", "分别是啥")
    assert count["measures"] == [1, 7, 9] and listed["measures"] == [1, 7, 9]
    _, both, lead = chat(engine, "发改委 工信局 分别管啥", "它俩都负责的", "这条谁牵头")
    assert both["measures"] == [4] and lead["measures"] == [4]
    _, reverse = chat(engine, "总工会管但国资委不管的", "反过来呢")
    assert reverse["measures"] == [4, 13]
    _, three = chat(engine, "哪些措施只有两个牵头部门？", "三个的呢？")
    assert three["measures"] == [2, 3, 5, 6, 11]
    *_, each = chat(engine, "市妇联负责哪些措施？", "团市委呢？", "这两条分别是谁牵头的？")
    assert each["measures"] == [7, 14] and "市委宣传部" in each["text"]
    _, swapped = chat(engine, "指标9 2023年", "12号呢")
    assert swapped["indicators"] == [12] and "300" in swapped["text"]


def test_exact_department_sets(engine):
    assert answer_json(engine.answer("只有总工会和科技局负责的那条"))["measures"] == [10]
    assert answer_json(engine.answer("哪些措施市国资委和市人力资源社会保障局都没有参与？"))["measures"] == [10, 14]


def test_plural_references_follow_what_was_asked(engine):
    *_, both = chat(engine, "新增齐鲁技能大师特色工作站25年目标", "省级新旧动能转换公共实训基地呢", "这俩21年分别多少")
    assert sorted(both["indicators"]) == [5, 6]
    *_, together = chat(engine, "市科技局管哪些", "工信局呢", "这俩一起负责的是哪几条")
    assert together["measures"] == [9, 15]
    *_, each = chat(engine, "市工业和信息化局负责哪些", "其中哪些科技局也在", "这俩各归哪些部门")
    assert each["measures"] == [9, 15] and "市委组织部" in each["text"]
    *_, rest = chat(engine, "创新环境类指标", "去掉新增的", "剩下几个")
    assert rest["indicators"] == [1, 2, 3, 4, 7, 8] and "6" in rest["text"]
    _, missing, next_one = chat(engine, "指标十三", "那14呢", "2025年要多少人")
    assert missing["indicators"] == [14] and next_one["indicators"] == [14] and "5000" in next_one["text"]


def test_round_six_shapes(engine):
    *_, shared = chat(engine, "第３条谁负责", "第４条呢", "这两条共同的牵头部门")
    assert shared["measures"] == [3, 4] and "市发展改革委" in shared["text"] and "市国资委" not in shared["departments"]
    *_, removed, rest = chat(engine, "工信局跟国资委都牵头的有哪些", "去掉第八条", "还剩几条")
    assert removed["measures"] == [4, 9, 15] and rest["measures"] == [4, 9, 15] and "3" in rest["text"]
    _, units = chat(engine, "創新創效類指標有哪些", "只看單位是項的")
    assert units["indicators"] == [17, 18]
    assert answer_json(engine.answer("牵头单位超过5个的措施"))["measures"] == [7, 8, 9]
    assert answer_json(engine.answer("成果转化在哪几条措施里出现"))["measures"] == [10, 11, 12, 13]


def test_round_seven_shapes(engine):
    *_, swapped, count = chat(engine, "市教育局和市人力资源社会保障局都负责的措施",
                              "把市人力资源社会保障局换成市国资委", "一共多少条")
    assert swapped["measures"] == [4, 6, 7, 13] and count["measures"] == [4, 6, 7, 13]
    *_, removed, rest = chat(engine, "素质提升类有哪些指标", "去掉第12项，还剩几个", "剩下这些2023年目标")
    assert removed["indicators"] == [9, 10, 11, 14, 15] and rest["indicators"] == [9, 10, 11, 14, 15]
    *_, others = chat(engine, "完善创新权益保障由谁负责", "有几个牵头部门", "除市总工会外是哪几个")
    assert others["departments"] == ["市科技局", "市国资委", "市市场监管局"]
    _, housing = chat(engine, "产教融合类指标有哪些", "公租房怎么申请")
    assert housing["intent"] == "out_of_scope"


def test_groups_of_measures_in_a_conversation(engine):
    _, _, following, within = chat(engine, "（三）搭建平台载体那部分有哪些措施", "thx", "下一部分呢",
                                   "其中国资委参与的")
    assert following["measures"] == [10, 11, 12] and within["measures"] == [11, 12]
    *_, group, members = chat(engine, "揭榜攻关是哪条措施里的", "它在哪个部分", "这个部分都有哪几条")
    assert "培育创新生态" in group["text"] and members["measures"] == [13, 14, 15]
    _, three = chat(engine, "市總工會和市科技局都負責的措施", "市國資委也算上 三家都有份的")
    assert three["measures"] == [9, 12, 15]
    _, units = chat(engine, "创新环境类有哪些指标", "其中单位是“个”的有哪些")
    assert units["indicators"] == [3, 4, 5, 6, 7, 8]


def test_a_partner_left_unnamed_is_the_department_just_asked_about(engine):
    listed, together, swapped = chat(engine, "市教育局负责哪些", "跟市国资委一起负责的有哪些", "和市科技局呢")
    assert listed["measures"] == [3, 4, 5, 6, 7, 13]
    assert sorted(together["measures"]) == [4, 6, 7, 13]
    assert sorted(swapped["measures"]) == [9, 10, 12, 13, 15]  # "和X呢" alone is a swap, not "together"


def test_how_many_departments_a_topic_has_is_a_question_about_its_leads(engine):
    (counted,) = chat(engine, "知识产权保护这条有多少个单位负责")
    assert counted["measures"] == [12] and counted["intent"] == Intent.LEAD_DEPARTMENTS
