"""The parser must reproduce the document faithfully, quirks included, and load look-alike documents."""

from __future__ import annotations

import datetime as dt

import pytest

from errors import PolicyFormatError
from knowledge.parser import SHIPPED_POLICY, load_policy, parse_policy

pytestmark = pytest.mark.pure

SOURCE = SHIPPED_POLICY.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def doc():
    return load_policy()


def test_shipped_copy_is_the_seed_unedited():
    from pathlib import Path

    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "policy_jinan_2022.txt"
    if not seed.exists():
        pytest.skip("../shared not beside the repo")
    assert seed.read_bytes() == SHIPPED_POLICY.read_bytes()


def test_metadata(doc):
    assert doc.meta.title == "济南市提升产业工人创新力实施意见"
    assert doc.meta.issuer == "济南市新时期产业工人队伍建设改革工作协调小组办公室"
    assert doc.meta.seal == "济南市总工会代章"
    assert doc.meta.issued_on == dt.date(2022, 10, 11)
    assert "联席会议" in doc.meta.notice_text


def test_principles_and_guiding_thought(doc):
    assert [p.title for p in doc.principles] == [
        "坚持党的领导", "坚持依靠工人阶级", "坚持创新驱动", "坚持问题导向", "坚持齐抓共管",
    ]
    assert "培育知识型、技能型、创新型产业工人为抓手" in doc.guiding_thought.text


def test_fifteen_measures_in_five_groups(doc):
    assert [m.number for m in doc.measures] == list(range(1, 16))
    assert sorted({m.group_number for m in doc.measures}) == [1, 2, 3, 4, 5]
    assert doc.measure(5).title == "大力推广“专家带学”"  # numbered "5.大力" without a space
    assert doc.measure(4).departments == (
        "市发展改革委", "市教育局", "市工业和信息化局", "市人力资源社会保障局", "市国资委",
    )  # half-width parentheses


def test_page_breaks_are_glued(doc):
    assert "产业集群（县域)公共实训基地" in doc.measure(4).body
    assert "技术咨询" in doc.measure(9).body
    assert "人才交流机制" in doc.measure(15).body
    assert "举办工匠论坛" in doc.measure(2).body
    assert all("\n" not in m.body for m in doc.measures)


def test_department_sets(doc):
    led = {d: [m.number for m in doc.measures if d in m.departments] for d in doc.departments}
    assert led["市总工会"] == [1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15]
    assert led["市委网信办"] == [8]
    assert led["市发展改革委"] == [3, 4]
    assert len(doc.departments) == 15


def test_indicators(doc):
    numbers = [i.number for i in doc.indicators]
    assert numbers == list(range(1, 13)) + list(range(14, 24))
    assert doc.indicator(13) is None
    assert doc.indicator(10).values == {2021: 0.4, 2023: 0.8, 2025: 1.2}
    assert doc.indicator(21).values[2021] == 12.7
    ratio = doc.indicator(23)
    assert ratio.percent and ratio.values[2021] == 60 and ratio.unit == "%"
    assert doc.indicator(2).name == "技能人才（劳模）师徒结对" and doc.indicator(2).unit == "对"
    assert doc.indicator(22).name == "高水平职业院校专业（群）"
    assert doc.categories == ("创新环境", "素质提升", "创新创效", "产教融合")


def test_a_look_alike_document_loads_the_same_way():
    variant = (
        SOURCE.replace("2022 年 10 月 11 日", "2024 年 3 月 5 日")
        .replace("市委网信办、市总工会", "市委网信办、市新部门")
        .replace("14. 充分发挥", "14.充分发挥")
        .replace("（市总工会、市科技局按照职责分工负责）", "(市总工会、市科技局按照职责分工负责)")
        .replace("。组织产业工人到创新型企业实地考察", "。组织产业工人到创新型\n\n企业实地考察")
    )
    doc = parse_policy(variant)
    assert doc.meta.issued_on == dt.date(2024, 3, 5)
    measures = {m.number: m for m in doc.measures}
    assert measures[8].departments[1] == "市新部门"
    assert measures[14].title == "充分发挥群团组织推动作用"
    assert measures[10].departments == ("市总工会", "市科技局")
    assert "到创新型企业实地考察" in measures[6].body


@pytest.mark.parametrize(
    "broken, message",
    [
        (SOURCE.replace("二、工作措施", "二、其他"), "工作措施"),
        (SOURCE.replace("按照职责分工负责", "负责"), "lead departments"),
        (SOURCE.split("附件：")[0], "indicator table"),
    ],
)
def test_malformed_documents_fail_clearly(broken, message):
    with pytest.raises(PolicyFormatError, match=message):
        parse_policy(broken)


def test_chinese_numerals_have_one_home_both_ways():
    from knowledge.numerals import cn_numeral, cn_to_int

    for n in (1, 2, 5, 10, 12, 20, 23, 99):
        assert cn_to_int(cn_numeral(n)) == n
    assert cn_to_int("俩") == 2 and cn_to_int("一百") == 100 and cn_to_int("十十") is None
