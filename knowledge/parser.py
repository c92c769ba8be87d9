"""Parse the policy text as extracted from its PDF, quirks included, into a PolicyDocument."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from errors import PolicyFormatError
from knowledge.models import (
    Indicator,
    Measure,
    PolicyDocument,
    PolicyMeta,
    Principle,
    Section,
)

SHIPPED_POLICY = Path(__file__).parent / "data" / "policy_jinan_2022.txt"

CN_DIGITS = "一二三四五六七八九十"
PART_HEADING = re.compile(rf"^([{CN_DIGITS}]+)、\s*(\S.*)$")
SUB_HEADING = re.compile(rf"^[（(]([{CN_DIGITS}]+)[）)]\s*(.+)$")
NUMBERED = re.compile(r"^(\d+)\s*[.．、]\s*(.+)$", re.S)
DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
QUOTED_TITLE = re.compile(r"《([^》]+)》")
DEPT_TAIL = re.compile(r"[（(]([^（）()]+?)按照职责分工负责[）)]\s*$")
SEAL = re.compile(r"^[（(](.+?)[）)]$")
UNIT_TAIL = re.compile(r"^(.*)[（(]([^（）()]+)[）)]\s*$")
YEAR_CELL = re.compile(r"^(\d{4})\s*年$")
SENTENCE_END = "。！？：；）)”」"
CONTINUE_END = "，、"
MIN_BROKEN_LINE = 20


def load_policy(path: Path | str | None = None) -> PolicyDocument:
    """Read and parse a policy file (the shipped one by default); a text of another shape is a PolicyFormatError."""
    source = Path(path) if path else SHIPPED_POLICY
    text = source.read_text(encoding="utf-8")
    try:
        return parse_policy(text)
    except (ValueError, IndexError, KeyError) as exc:  # a mangled text can trip a model check or a lookup
        raise PolicyFormatError(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc


def parse_policy(text: str) -> PolicyDocument:
    """Build the document model; raise PolicyFormatError naming what is missing."""
    raw = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    title_at, title = _find_title(raw)
    blocks = raw[:title_at] + _glue_page_breaks(raw[title_at:])
    meta = _meta(blocks[:title_at], title, blocks[title_at + 1])
    parts = _split_parts(blocks[title_at + 2 :])
    general = _require(parts, "总体要求")
    measures_part = _require(parts, "工作措施")
    guarantee_part = _require(parts, "组织保障")
    annex_title, table_lines = _annex(text)
    subsections = _subsections(general)
    guiding = next((s for s in subsections if "指导思想" in s[0]), None)
    principles = next((s for s in subsections if "基本原则" in s[0]), None)
    if guiding is None or principles is None:
        raise PolicyFormatError("总体要求 lacks 指导思想 or 基本原则")
    return PolicyDocument(
        meta=meta,
        guiding_thought=Section(title=guiding[0], text="".join(guiding[1])),
        principles=tuple(_principle(p) for p in principles[1]),
        measures=_measures(measures_part),
        guarantees=tuple(_guarantee(b) for b in guarantee_part),
        indicators=_indicators(table_lines),
        indicator_table_title=annex_title,
    )


def _glue_page_breaks(raw: list[str]) -> list[str]:
    """Join prose blocks that a page break split mid-sentence; the notice's letterhead is left as laid out."""
    annex_at = next((i for i, b in enumerate(raw) if b.startswith("附件：") or b.startswith("附件:")), len(raw))
    merged: list[str] = []
    for block in raw[:annex_at]:
        if merged and _is_broken(merged[-1], block):
            merged[-1] += block
        else:
            merged.append(block)
    return merged + raw[annex_at:]


def _is_heading(block: str) -> bool:
    return bool(PART_HEADING.match(block) or SUB_HEADING.match(block) or NUMBERED.match(block))


def _is_broken(previous: str, block: str) -> bool:
    if _is_heading(block) or "\n" in previous:
        return False
    end = previous[-1]
    if end in CONTINUE_END:
        return True
    return end not in SENTENCE_END and len(previous) >= MIN_BROKEN_LINE


def _find_title(blocks: list[str]) -> tuple[int, str]:
    """The policy title is the block equal to the quoted title of the notice, spaces aside."""
    for block in blocks:
        quoted = QUOTED_TITLE.search(block)
        if quoted:
            wanted = re.sub(r"\s+", "", quoted.group(1))
            for at, candidate in enumerate(blocks):
                if re.sub(r"\s+", "", candidate) == wanted:
                    return at, wanted
    raise PolicyFormatError("no title line matching the 《…》 of the notice")


def _meta(notice: list[str], title: str, preamble: str) -> PolicyMeta:
    if len(notice) < 3:
        raise PolicyFormatError("the notice before the title is incomplete")
    dated = next(((i, m) for i, b in enumerate(notice) if (m := DATE_LINE.match(b))), None)
    if dated is None:
        raise PolicyFormatError("no issue date like '2022 年 10 月 11 日'")
    date_at, match = dated
    year, month, day = (int(x) for x in match.groups())
    signature = notice[date_at - 1].split("\n")
    seal = SEAL.match(signature[-1])
    issuer_lines = signature[:-1] if seal else signature
    notice_title = next(b for b in notice if QUOTED_TITLE.search(b))
    title_at = notice.index(notice_title)
    addressees = notice[title_at + 1] if title_at + 1 < date_at - 1 else ""
    body = notice[title_at + 2 : date_at - 1]
    return PolicyMeta(
        title=title,
        notice_title=re.sub(r"\s+", "", notice_title),
        issuer="".join(issuer_lines),
        seal=seal.group(1) if seal else None,
        issued_on=dt.date(year, month, day),
        addressees=addressees,
        notice_text="\n".join(body),
        preamble=preamble,
    )


def _split_parts(blocks: list[str]) -> dict[str, list[str]]:
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for block in blocks:
        heading = PART_HEADING.match(block)
        if heading:
            current = parts.setdefault(heading.group(2).strip(), [])
        elif block.startswith("附件"):
            current = None
        elif current is not None:
            current.append(block)
    return parts


def _require(parts: dict[str, list[str]], name: str) -> list[str]:
    for key, blocks in parts.items():
        if name in key:
            return blocks
    raise PolicyFormatError(f"no part headed {name}")


def _subsections(blocks: list[str]) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for block in blocks:
        heading = SUB_HEADING.match(block)
        if heading:
            out.append((heading.group(2).strip(), []))
        elif out:
            out[-1][1].append(block)
    return out


def _first_sentence(block: str) -> tuple[str, str]:
    title, _, rest = block.partition("。")
    return title.strip(), rest.strip()


def _principle(block: str) -> Principle:
    title, text = _first_sentence(block)
    return Principle(title=title, text=text)


def _guarantee(block: str) -> Section:
    heading = SUB_HEADING.match(block)
    title, text = _first_sentence(heading.group(2) if heading else block)
    return Section(title=title, text=text)


def _measures(blocks: list[str]) -> tuple[Measure, ...]:
    measures: list[Measure] = []
    group_number, group_title = 0, ""
    for block in blocks:
        heading = SUB_HEADING.match(block)
        numbered = NUMBERED.match(block)
        if heading and not numbered:
            group_number += 1
            group_title = heading.group(2).strip()
            continue
        if not numbered:
            raise PolicyFormatError(f"unexpected text among the measures: {block[:30]}")
        title, rest = _first_sentence(numbered.group(2))
        depts = DEPT_TAIL.search(rest)
        if depts is None:
            raise PolicyFormatError(f"measure {numbered.group(1)} has no lead departments")
        measures.append(
            Measure(
                number=int(numbered.group(1)),
                group_number=group_number,
                group_title=group_title,
                title=title,
                body=rest[: depts.start()].strip(),
                departments=tuple(d.strip() for d in depts.group(1).split("、") if d.strip()),
            )
        )
    if not measures:
        raise PolicyFormatError("no numbered measures")
    return tuple(measures)


def _annex(text: str) -> tuple[str, list[str]]:
    """The title of the indicator table and its tab-separated lines."""
    lines = [line.rstrip() for line in text.splitlines()]
    first_row = next((i for i, line in enumerate(lines) if "\t" in line), None)
    if first_row is None:
        raise PolicyFormatError("no indicator table")
    title = next(
        (line.strip() for line in reversed(lines[:first_row]) if line.strip() and "指标" in line),
        "指标体系",
    )
    return title, [line for line in lines[first_row:] if "\t" in line]


def _number(cell: str) -> tuple[float, bool]:
    cell = cell.strip().replace(",", "")
    percent = cell.endswith("%") or cell.endswith("％")
    return float(cell.rstrip("%％")), percent


def _indicators(lines: list[str]) -> tuple[Indicator, ...]:
    years: list[int] = []
    category = ""
    out: list[Indicator] = []
    for line in lines:
        cells = [c.strip() for c in line.split("\t")]
        found_years = [int(m.group(1)) for c in cells if (m := YEAR_CELL.match(c))]
        if found_years:
            years = found_years
            continue
        if not years or len(cells) < 2 + len(years):
            raise PolicyFormatError(f"indicator row without a year header: {line[:30]}")
        if cells[0]:
            category = cells[0]
        numbered = NUMBERED.match(cells[1])
        if numbered is None:
            raise PolicyFormatError(f"indicator without a number: {cells[1]}")
        named = UNIT_TAIL.match(numbered.group(2).strip())
        name, unit = (named.group(1).strip(), named.group(2).strip()) if named else (numbered.group(2), "")
        parsed = [_number(c) for c in cells[2 : 2 + len(years)]]
        out.append(
            Indicator(
                number=int(numbered.group(1)),
                category=category,
                name=name,
                unit=unit,
                values=dict(zip(years, (value for value, _ in parsed), strict=True)),
                percent=unit in ("%", "％") or any(p for _, p in parsed),
            )
        )
    return tuple(out)
