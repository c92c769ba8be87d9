"""The quick-report grammar: '济南工匠 12', '#15 12 2026年10月', '技能人才 136.5万；双师型 66%' …

`read_report` is the one entry the service uses, once per message: `read_message` splits the text into (indicator,
number) pairs and never raises, `looks_like_report` decides whether an entitled sender meant a report or a question,
`parse_report` turns the pairs into a typed ReportDraft or raises ReportInputError with a working example.
`read_value` reads the one value the guided /report asks for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache

from errors import ReportInputError
from knowledge.normalize import fold, match_key
from knowledge.numerals import cn_to_float, cn_to_int, format_number
from knowledge.models import Indicator
from reporting.catalog import IndicatorCatalog
from reporting.drafts import Head, Number, Pair, ReportDraft, ReportItem, ReportReading, Segment, SplitMessage
from reporting.periods import Period, bad_month_error, find_periods, last_month
from reporting.units import TypedValue, to_indicator_unit

MAX_MESSAGE = 2000
CN = r"[零〇两一二三四五六七八九十][零〇两一二三四五六七八九十百千点]*"
SEPARATORS = re.compile(r"[\n;,。]+")
THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])")
CUMULATIVE = re.compile(r"累计(?:值|数|总数)?")
TOKEN = re.compile(
    rf"(?P<ref>#\s*(?P<r1>\d+)|指标\s*第?\s*(?P<r2>\d+|{CN})\s*(?:号|项)?"
    rf"|第\s*(?P<r3>\d+|{CN})\s*(?:项指标|个指标|号指标|项)|(?P<r4>\d+)\s*号指标)"
    rf"|(?P<num>(?P<sign>[-−]\s*|负)?(?:百分之\s*(?P<pct>\d+(?:\.\d+)?|{CN})|(?P<n>\d+(?:\.\d+)?|{CN}))"
    r"\s*(?P<mult>[千万亿])?\s*(?P<unit>人次|人|名|位|个|项|场次|场|家|件|对|%)?)"
)
QUESTION = re.compile(r"[?？]|多少|几[个项月年位名]|吗|什么|哪|谁|怎么|如何|是否|目标|要求|负责|牵头|介绍"
                      r"|第\s*\S{1,3}\s*条|措施")
YEAR_ONLY = re.compile(r"(?<!\d)20\d{2}\s*年")
MARKERS = re.compile(r"^\s*(?:/report\b|上报|报送|填报)|#\s*\d")
LEADING_FILLER = re.compile(r"^(?:上报|报送|填报|报告|本单位|我单位|本月|数据|:)+")
UNIT_HINT = re.compile(r"[^\d\s#:]{1,18}(?:局|委|会|办|院|区|县|厅|部|团|校|所|站|公司|中心|集团|企业|单位|大学|学院)")
LEADING_WORD = re.compile(r"\s*([^\s:]+)\s*[:\s]\s*\S")
SHORT_TAIL = 4
YEARS = (2000, 2050)
EXAMPLE = "济南工匠 12 2026年10月"


def normalize(text: str) -> str:
    """Half-width and simplified; thousands separators dropped so '1,365,000' stays one number."""
    text = fold(text[:MAX_MESSAGE]).replace("％", "%")
    return THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), text)


def _strip_unit(text: str, units: Sequence[str]) -> tuple[str | None, str]:
    """A leading unit name (the longest that fits) and the rest of the text."""
    pattern, names = _unit_prefixes(tuple(units))
    body = text.lstrip()
    found = pattern.match(body) if pattern is not None else None
    if found is None:
        return None, text
    return names[found.group(0)], body[found.end():].lstrip(" :")


def prepare_unit_words(units: Sequence[str]) -> None:
    """Compile the pattern of these unit words ahead of the first report that needs it (~40 ms at 1,000 units)."""
    _unit_prefixes(tuple(units))


@lru_cache(maxsize=16)
def _unit_prefixes(units: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """One pattern for ~200 names and aliases, tried longest first: each report is read with it."""
    names: dict[str, str] = {}
    for name in sorted(units, key=len, reverse=True):
        folded = fold(name)
        if folded and folded not in names:
            names[folded] = name
    return (re.compile("|".join(map(re.escape, names))) if names else None), names


def _text_head(piece: str) -> Head | None:
    key = LEADING_FILLER.sub("", match_key(piece))
    return Head(text=key) if key else None


def _read_segment(text: str, today: dt.date) -> Segment:
    cumulative = bool(CUMULATIVE.search(text))
    text = CUMULATIVE.sub(" ", text)
    periods, text, bad_months = find_periods(text, today)
    pieces: list[Head | Number] = []
    last = 0
    for match in TOKEN.finditer(text):
        head = _text_head(text[last:match.start()])
        if head:
            pieces.append(head)
        last = match.end()
        if match.group("ref"):
            raw = next(g for g in (match.group("r1"), match.group("r2"), match.group("r3"), match.group("r4")) if g)
            number = cn_to_int(raw)
            pieces.append(Head(text=match.group(0), number=number if number is not None else -1))
            continue
        value = cn_to_float(match.group("pct") or match.group("n"))
        if value is None:
            continue
        unit = "%" if match.group("pct") else (match.group("unit") or "")
        typed = TypedValue(number=value, multiplier=match.group("mult") or "", unit=unit)
        pieces.append(Number(typed=typed, negative=bool(match.group("sign")), raw=match.group(0).strip()))
    tail = _text_head(text[last:])
    if tail:
        pieces.append(tail)
    return Segment(pairs=_pair(pieces), periods=periods, cumulative=cumulative, bad_months=bad_months)


def _pair(pieces: list[Head | Number]) -> list[Pair]:
    pairs: list[Pair] = []
    head: Head | None = None
    for index, piece in enumerate(pieces):
        if isinstance(piece, Head):
            if head is not None and head.number is not None and piece.number is None:
                continue  # '#15 济南工匠 12': the text only describes the number
            if head is not None and piece.number is None:
                head = Head(text=head.text + piece.text, number=head.number)
                continue
            head = piece
            continue
        following = pieces[index + 1] if index + 1 < len(pieces) else None
        if head is None and piece.bare_int and not piece.negative and isinstance(following, Number):
            head = Head(text=piece.raw, number=int(piece.typed.number))  # '15 12'
            continue
        pairs.append(Pair(head=head, number=piece))
        head = None
    if head is not None:
        pairs.append(Pair(head=head, number=None))
    return pairs


def read_message(text: str, today: dt.date, units: Sequence[str] = ()) -> SplitMessage:
    """Split a message into segments and (indicator, number) pairs; never raises."""
    folded = normalize(text)
    unit_name, body = _strip_unit(folded, units)
    lead = LEADING_WORD.match(body)
    hint = lead.group(1) if unit_name is None and lead and UNIT_HINT.fullmatch(lead.group(1)) else None
    draft = SplitMessage(unit_name=unit_name, unit_hint=hint, marker=bool(MARKERS.search(body)),
                         cut=len(text) > MAX_MESSAGE)
    for chunk in SEPARATORS.split(body):
        if chunk.strip():
            segment = _read_segment(chunk, today)
            if segment.pairs or segment.periods or segment.bad_months:
                draft.segments.append(segment)
    without_periods = find_periods(body, today)[1]
    draft.question = bool(QUESTION.search(body) or YEAR_ONLY.search(without_periods))
    return draft


def _known_head(head: Head | None, catalog: IndicatorCatalog) -> bool:
    if head is None:
        return False
    return head.number is not None or catalog.match(head.text) is not None


def _looks_like_year(number: Number) -> bool:
    return number.bare_int and YEARS[0] <= number.typed.number <= YEARS[1]


def looks_like_report(draft: SplitMessage, catalog: IndicatorCatalog) -> bool:
    """A report attempt (maybe a faulty one) rather than a question about the policy."""
    if draft.question or not draft.segments:
        return False
    numbers = [p.number for p in draft.pairs if p.number is not None]
    if numbers and not draft.periods and all(_looks_like_year(n) for n in numbers):
        return False  # '济南工匠 2023' asks about a year
    for pair in draft.pairs:
        if pair.number is not None and pair.head is not None and (
                _known_head(pair.head, catalog) or catalog.near(pair.head.text)):
            return True
        if pair.number is None and _known_head(pair.head, catalog) and (draft.marker or draft.periods):
            return True
    return False


def _indicator(head: Head | None, number: Number | None, catalog: IndicatorCatalog) -> int:
    if head is None:
        shown = number.raw if number else ""
        raise ReportInputError(f"数字“{shown}”前面缺少指标名称或编号。", EXAMPLE)
    if head.number is not None:
        if catalog.get(head.number) is None:
            numbers = "、".join(str(n) for n in sorted(catalog.indicators))
            raise ReportInputError(f"没有编号为 {head.number} 的指标。现有指标编号：{numbers}。", "#15 12")
        return head.number
    found = catalog.match(head.text)
    if found is None:
        suggestions = catalog.suggest(head.text)
        hint = "；您是不是要报：" + "、".join(catalog.label(i.number) for i in suggestions) if suggestions else ""
        example = f"{suggestions[0].name} 12" if suggestions else EXAMPLE
        raise ReportInputError(f"没有找到指标“{head.text}”{hint}。发送 /progress 可查看全部指标。", example)
    return found


def _ignorable_tail(pair: Pair, position: int, catalog: IndicatorCatalog) -> bool:
    """'济南工匠 12 左右': a few words after the last number that name no indicator."""
    head = pair.head
    return (pair.number is None and position > 0 and head is not None and head.number is None
            and len(head.text) <= SHORT_TAIL and catalog.match(head.text) is None)


def parse_report(draft: SplitMessage, catalog: IndicatorCatalog, today: dt.date) -> ReportDraft:
    """Items in the indicators' own units; raises ReportInputError for anything that cannot be stored as written."""
    if draft.cut:  # the last number may have been cut in half (123 read as 1)
        raise ReportInputError(f"这条消息超过 {MAX_MESSAGE} 个字，没有保存。请分成几条发送。",
                               "济南工匠 12；首席技师 3")
    message_period = draft.periods[0] if draft.periods else last_month(today)
    items: list[ReportItem] = []
    for segment in draft.segments:
        if segment.bad_months:
            raise bad_month_error(segment.bad_months[0])
        period = segment.periods[0] if segment.periods else message_period
        for position, pair in enumerate(segment.pairs):
            if _ignorable_tail(pair, position, catalog):
                continue
            number = _indicator(pair.head, pair.number, catalog)
            indicator = catalog.indicators[number]
            if pair.number is None:
                raise ReportInputError(f"没有找到“{indicator.name}”的数值。", f"{indicator.name} 12 {period.label}")
            value = to_indicator_unit(pair.number.typed, indicator.unit, indicator.name)
            if pair.number.negative:
                value = -value
            items.append(ReportItem(indicator=number, value=value, typed=pair.number.raw, period=period,
                                    cumulative=segment.cumulative))
    if not items:
        raise ReportInputError("没有找到要上报的指标和数值。", EXAMPLE)
    unit_name = draft.unit_name
    if unit_name is None and draft.unit_hint and catalog.match(draft.unit_hint) is None:
        unit_name = draft.unit_hint  # '市人设局 技能人才 5': a unit we do not know; the service refuses it
    return ReportDraft(unit_name=unit_name, items=tuple(items))


def format_item(item: ReportItem, catalog: IndicatorCatalog) -> str:
    """A message that parses back to the same item: '新增济南工匠 12人 2026年10月'."""
    indicator = catalog.indicators[item.indicator]
    tail = " 累计" if item.cumulative else ""
    return f"{indicator.name} {format_number(item.value)}{indicator.unit} {item.period.label}{tail}"


def read_report(text: str, today: dt.date, catalog: IndicatorCatalog, units: Sequence[str] = (),
                declared: bool = False) -> ReportReading:
    """Read a message once: is it a report attempt, and its typed draft (or the problem with it); never raises.

    `declared`: the sender said it is a report (`/report 济南工匠 12`), so it is read as one whatever it looks like.
    """
    split = read_message(text, today, units)
    if not declared and not looks_like_report(split, catalog):
        return ReportReading(is_report=False)
    try:
        return ReportReading(is_report=True, draft=parse_report(split, catalog, today))
    except ReportInputError as problem:
        return ReportReading(is_report=True, problem=problem)


def read_value(text: str, indicator: Indicator, period: Period, today: dt.date) -> ReportItem:
    """The one value the guided /report asks for ('12', '136.5万', '66%', '12 累计'), as an item of `indicator`."""
    segment = _read_segment(normalize(text), today)  # a month written beside the value is not the value
    numbers = [pair.number for pair in segment.pairs if pair.number is not None]
    if not numbers:
        raise ReportInputError(f"没有找到“{indicator.name}”的数值。", f"{indicator.name} 12 {period.label}")
    if len(numbers) > 1 or any(pair.head is not None and pair.head.number is not None for pair in segment.pairs):
        raise ReportInputError(f"请只写“{indicator.name}”的一个数值。", f"{indicator.name} 12 {period.label}")
    value = to_indicator_unit(numbers[0].typed, indicator.unit, indicator.name)
    return ReportItem(indicator=indicator.number, value=-value if numbers[0].negative else value,
                      typed=numbers[0].raw, period=period, cumulative=segment.cumulative)
