"""Numbered references in a question: measure and indicator numbers, years, "only N departments"."""

from __future__ import annotations

import re

from knowledge.numerals import cn_to_int, digits_to_int

NUM = r"(\d{1,3}(?!\d)|[零〇一二两俩仨三四五六七八九十百]{1,4}(?![共些起下样直般定切致律同旦再]))"
NOT_A_YEAR = r"(?:(?<=\d)(?!\d)|(?<!\d))(?!\s*[年月万%])"  # 指标十三2025年: digits may follow a Chinese numeral
NOT_A_GROUP = r"(?!\d)(?!\s*(?:[年月万%组类块]|部分|方面|大类))"  # 措施第二组 is a group, not measure 2
ORDINAL = "[第弟]"  # 弟 (dì) is how 第 is often mistyped
INDICATOR_NO = [
    re.compile(rf"{ORDINAL}\s*{NUM}\s*(?:项|个|条|号)?\s*指标"),
    re.compile(rf"{NUM}\s*号\s*指标"),
    re.compile(rf"指标\s*(?:第|编号|序号|no\.?|#)?\s*{NUM}{NOT_A_YEAR}"),
    re.compile(rf"(?:no\.?|#)\s*{NUM}\s*(?:项|个|号)?\s*指标"),
]
MEASURE_NO = [
    re.compile(rf"(?:措施|举措)\s*(?:第|编号|序号|no\.?|#)?\s*{NUM}{NOT_A_GROUP}"),
    re.compile(rf"{ORDINAL}\s*{NUM}\s*(?:条|项|个|点|款)"),
    re.compile(rf"{NUM}\s*号\s*(?:措施|举措)"),
    re.compile(rf"(?:no\.?|#)\s*{NUM}{NOT_A_YEAR}"),
    re.compile(rf"^\s*第\s*{NUM}\s*$"),
    re.compile(r"^\s*(\d{1,2})\s*[.．、](?!\d)"),
    re.compile(rf"^\s*{NUM}\s*条(?!都|共同|一起|里|中)"),
    re.compile(rf"^\s*(?:那|还有)?\s*第?\s*{NUM}\s*(?:号|项|条)?\s*(?:呢|吗|的)?\s*[?？。]*\s*$"),  # "十五呢", "12号呢"
]
AND_NUMBER = re.compile(rf"^\s*(?:和|与|及|、|,|，|跟|还有)\s*(?:第\s*)?{NUM}\s*(?:条|项|个|号)?")
FULL_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
SHORT_YEAR = re.compile(r"(?<!\d)(\d{2})\s*年")
CN_YEAR = re.compile(r"([二〇零一三四五六七八九]{4})\s*年")
ONLY_N = re.compile(rf"(?:(?:只有|仅有|只由|仅由|就|只|仅)\s*{NUM}\s*(?:个|家)?|{NUM}\s*(?:个|家))"
                    rf"\s*(?:牵头|负责|责任)?\s*(?:单位|部门)|(?:单位|部门)\s*(?:有|是|为|共)\s*{NUM}\s*(?:个|家)")
# references to what the chat said before, and counts of departments
RECALLED_DEPARTMENTS = re.compile(r"[这那](两|俩|三|几|些)个?(?:部门|单位)"
                                  r"|(两|俩|三)(?:个|家)?(?:部门|单位)?(?=都|一起|共同)")
EXCEPT = re.compile(r"除(?:了)?.{1,12}?(?:外|以外|之外)")  # "除市总工会外"
REPLACED = re.compile(r"把(.+?)(?:换成|改成|替换成|换为)(.+)")  # "把人社局换成国资委"
ADDED = re.compile(r"也算上|也加上|再加上|加上|算上|再加")  # "市国资委也算上": one more department in the last question
# "和团市委共同负责的": with the one just named
ELIDED_PARTNER = re.compile(r"^\s*(?:那|那么)?(?:和|跟|与|同)[^，,。？?]*?(?:共同|一起|一块|一同|都)")
GROUP_ASKED = re.compile(r"哪(?:个|一|几个)?部分|第几部分|哪(?:个|一)?组|哪一块|哪个板块")
NAME_FILTER = re.compile(r"名字|名称|带有|带(?=[\u4e00-\u9fff]{2})")  # "名字带新增的指标"
NEXT_GROUP = re.compile(r"(下|上)一(?:部分|组|块)")
THIS_GROUP = re.compile(r"[这那](?:个|一)?(?:部分|组|块)")
MORE_THAN = re.compile(r"(超过|多于|大于|至少|不少于|不低于|少于|不到|低于)"
                       r"\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:个|家)")
UNIT_SAID = re.compile(r"单位(?:没|不)?(?:是|为|用的是|用)\s*([\u4e00-\u9fff%]{1,3}?)(?:的|$|\s)"
                       r"|以\s*([\u4e00-\u9fff%]{1,3}?)\s*为单位")
PLURAL_REFERENCE = re.compile(r"[这那](?:俩|两个|两项|两条|几个|几项|几条|些)|[它他她](?:俩|们)|两者|二者|俩都|两个都"
                              r"|两条都|两项都|两条共同|这俩条")
RECALLED_MEASURES = re.compile(r"[这那](两|俩|三|几|些)(?:条|项|个措施)|各自|分别|各由|各归")
# A place in the list just shown: "第二个呢", "最后那个", "倒数第二个", "另外那条" (0: the one not just discussed)
NOT_A_NAMED_ITEM = r"(?!\s*(?:指标|措施|部门|单位|部分|组|类|方面|原则|任务|目标|年))"
POSITION = re.compile(rf"倒数\s*第\s*{NUM}\s*(?:个|条|项)?{NOT_A_NAMED_ITEM}"
                      rf"|(?<!倒数){ORDINAL}\s*{NUM}\s*个{NOT_A_NAMED_ITEM}"
                      rf"|(最后|末尾|最末)\s*(?:一|那|这)?\s*(?:个|条|项){NOT_A_NAMED_ITEM}"
                      rf"|(另外|另)\s*(?:那|一)\s*(?:个|条|项)|(头|首)\s*一?\s*(?:个|条|项){NOT_A_NAMED_ITEM}")
# "下一条呢", "再下一条", "上一条": the measure after or before the one just discussed (not 下一部分, a group)
STEP = re.compile(r"(下|上)\s*一?\s*(?:条|项|个)(?!\s*(?:部分|组|块|板块|方面|指标))")
# "第二类": the document's categories in their order
CATEGORY_ORDINAL = re.compile(rf"{ORDINAL}\s*{NUM}\s*(?:类|个类别|大类|个一级指标)")
REVERSED = re.compile(r"反过来|倒过来|反之|反一下|对调|调换|换过来|调过来")
BARE_COUNT = re.compile(r"^\s*(?:那|那么)?\s*(\d{1,2}|[一二两三四五六七八九十]{1,2})"
                        r"\s*个\s*(?:的)?\s*(?:呢|吗)?\s*[?？]*\s*$")
DEPARTMENTS_WITH_N = re.compile(r"(?:只|仅)(?:出现在|出现|负责|参与|牵头|有|在)?"
                                r"\s*(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:条|项)")
EXTREMES = {"最多": "max", "最少": "min"}
DEPARTMENT_SUBJECT = re.compile(r"哪(?:个|些|家|一个|几个)?(?:部门|单位)|(?:部门|单位)是哪|最[多少]的(?:部门|单位)")
# "有几个部门负责"
COUNTS_DEPARTMENTS = re.compile(r"(?:几|多少)\s*(?:个|家)?\s*(?:牵头|负责|责任|相关|参与)?\s*(?:部门|单位)")
HAS_NUMBER = re.compile(r"[\d零〇一二两俩仨三四五六七八九十百]")


def list_position(plain: str) -> int | None:
    """1-based place from the start, negative from the end, 0 for "the other one"; None when none is said."""
    match = POSITION.search(plain)
    if match is None:
        return None
    from_end, from_start, last, other, first = match.groups()
    if other:
        return 0
    if last or first:
        return -1 if last else 1
    number = cn_to_int(from_end or from_start)
    if not number:
        return None
    return -number if from_end else number


def explicit_years(plain: str, years: tuple[int, ...]) -> list[int]:
    """2025, 25年, 二〇二五年: the years a question names (two digits only when the table has that year)."""
    if not HAS_NUMBER.search(plain):
        return []
    found = [int(m.group(1)) for m in FULL_YEAR.finditer(plain)]
    found += [year for m in CN_YEAR.finditer(plain) if (year := digits_to_int(m.group(1))) is not None]
    for match in SHORT_YEAR.finditer(plain):
        year = 2000 + int(match.group(1))
        if year in years:
            found.append(year)
    return list(dict.fromkeys(found))


def numbers_in(patterns: list[re.Pattern[str]], text: str) -> list[int]:
    """Every number the patterns find, plus ones chained after it ("第8条和第9条", "8、9条")."""
    out: list[int] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = cn_to_int(match.group(1))
            if value is None:
                continue
            out.append(value)
            rest = text[match.end():]
            while (more := AND_NUMBER.match(rest)) and (extra := cn_to_int(more.group(1))) is not None:
                out.append(extra)
                rest = rest[more.end():]
        if out:
            break
    return list(dict.fromkeys(out))


def blank(patterns: list[re.Pattern[str]], text: str) -> str:
    for pattern in patterns:
        text = pattern.sub(" ", text)
    return text


QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")


def quoted(text: str) -> str | None:
    """A term the question quotes ("哪些措施提到“济南工匠”"): searched as written."""
    match = QUOTED.search(text)
    return match.group(1) if match else None


def unit_said(text: str) -> str | None:
    """The unit a question filters by ("单位是“个”的", "以项为单位"), quotes ignored."""
    match = UNIT_SAID.search(re.sub(r"[“”\"'‘’「」]", "", text))
    return (match.group(1) or match.group(2)) if match else None
