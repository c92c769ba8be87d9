"""The reporting units of a generated deployment: the policy's departments, district offices, colleges, enterprises.

Jinan's ~120 units come first and are the whole set for a city-sized database (about 100k reports since 2022-01);
a bigger request adds the same kinds of units for more cities of the province, so history stays monthly and
corrections stay about 10% instead of piling dozens of reports onto one unit and month.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

DISTRICTS = ("历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区", "济阳区", "莱芜区", "钢城区",
             "平阴县", "商河县", "高新区", "起步区", "南部山区")
COLLEGES = ("技师学院", "高级技工学校", "工业职业学院", "交通职业学院", "信息职业学院", "商贸职业学院",
            "建筑职业学院", "护理职业学院", "机电技师学院", "第一职业中等专业学校", "第二职业中等专业学校",
            "第三职业中等专业学校")
ENTERPRISES = (
    "重型机械", "钢铁", "轨道交通", "城市建设", "能源投资", "公共交通", "水务", "热力", "燃气", "电力设备",
    "汽车制造", "机床", "化工", "医药", "食品", "纺织", "建材", "物流", "信息产业", "软件", "电子", "仪器仪表",
    "动力", "齿轮", "锅炉", "造纸", "橡胶", "啤酒", "酿造", "卷烟", "铸造", "轴承", "电缆", "光电", "新材料",
    "环保", "工程机械", "铁路装备", "通信设备", "半导体", "生物制药", "农业机械", "起重机械", "船舶配件",
    "航空零部件", "精密模具", "智能装备", "储能", "氢能", "家电", "服装", "印刷", "陶瓷", "玻璃", "钢结构",
    "管道", "阀门", "泵业", "工具", "电梯", "数控",
)
FORMS = ("集团有限公司", "股份有限公司", "有限公司")
CITIES = ("济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海", "日照", "临沂", "德州",
          "聊城", "滨州", "菏泽")
CITY_DISTRICTS = ("东城区", "西城区", "南城区", "北城区", "新区", "高新区", "经济开发区", "第一县", "第二县",
                  "第三县", "第四县", "港区", "山区", "滨河区", "老城区")

# Which indicators each kind of unit reports (policy numbering; 13 is not in the table). Departments by their duties.
UNION = (2, 3, 4, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20)
LABOUR = (1, 5, 6, 9, 10, 14, 15, 16, 12)
DEPARTMENT_POOLS = (
    ("总工会", UNION), ("人力资源", LABOUR), ("教育", (10, 11, 22, 23, 9)), ("科技", (7, 8, 21, 17)),
    ("市场监管", (21, 8)), ("工业和信息化", (8, 19, 20, 7)), ("发展改革", (6, 7)), ("国资委", (8, 12, 15, 16, 19, 20)),
    ("大数据", (7, 8)), ("组织部", (14, 15, 16)), ("宣传部", (12, 15, 18)), ("团市委", (11, 12, 18, 19)),
    ("网信办", (7, 18)), ("妇联", (11, 12, 14)), ("科协", (17, 18, 19, 20, 21)),
)
COLLEGE_POOL = (9, 10, 11, 12, 15, 16, 17, 18, 19, 22, 23)
ENTERPRISE_POOL = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 17, 18, 19, 20, 21)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲建国文斌宁凯鹏辉波峰浩亮春梅晓东海燕雪琳"


@dataclass(frozen=True)
class UnitSpec:
    """One unit as the generator writes it: its name and the indicators its liaison reports."""

    name: str
    indicators: tuple[int, ...]


def _pick(rng: random.Random, pool: tuple[int, ...], low: int) -> tuple[int, ...]:
    """Most of the pool, never fewer than `low`: units report what their duties cover, not every line."""
    size = min(len(pool), max(low, round(len(pool) * rng.uniform(0.9, 1.0))))
    return tuple(sorted(rng.sample(pool, size)))


def _department_pool(name: str) -> tuple[int, ...]:
    return next((pool for word, pool in DEPARTMENT_POOLS if word in name), (12, 14, 15))


def city_units(city: str, departments: tuple[str, ...], rng: random.Random) -> list[UnitSpec]:
    """About 120 units of one city: departments, two offices per district, colleges, enterprises."""
    first = city == CITIES[0]
    out = [UnitSpec(d if first else f"{city}{d}", _pick(rng, _department_pool(d), 2)) for d in departments]
    for district in DISTRICTS if first else CITY_DISTRICTS:
        place = district if first else f"{city}市{district}"
        out.append(UnitSpec(f"{place}总工会", _pick(rng, UNION, 10)))
        out.append(UnitSpec(f"{place}人力资源社会保障局", _pick(rng, LABOUR, 7)))
    out += [UnitSpec(f"{city}市{college}", _pick(rng, COLLEGE_POOL, 8)) for college in COLLEGES]
    out += [UnitSpec(f"{city}{sector}{FORMS[i % len(FORMS)]}", _pick(rng, ENTERPRISE_POOL, 11))
            for i, sector in enumerate(ENTERPRISES)]
    return out


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def province_units(departments: tuple[str, ...], seed: int) -> Iterator[UnitSpec]:
    """Units in a fixed order, Jinan first, then city after city (numbered once all cities are used)."""
    for index in itertools.count():
        city = CITIES[index % len(CITIES)] + (str(index // len(CITIES) + 1) if index >= len(CITIES) else "")
        yield from city_units(city, departments, random.Random(seed * 101 + index))
