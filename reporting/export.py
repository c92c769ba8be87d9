"""XLSX and CSV exports of progress, every stored report (history included) and the liaisons.

Reports arrive as plain tuples from a cursor and leave as rows of a streamed file: nothing here holds them all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from knowledge.models import Indicator
from knowledge.numerals import format_number
from reporting.effective import CORRECTED, status
from reporting.summary_models import WeeklySummary
from reporting.units import UnitSpec
from reporting.xlsx import Percent, Sheet, column_widths, declared_widths, display_width, write_xlsx
from storage.models import Liaison

PROGRESS_SHEET = "指标进度"
REPORTS_SHEET = "上报明细"
LIAISONS_SHEET = "联络员"
REPORTS_HEADER = ("记录ID", "单位", "指标编号", "指标", "月份", "数值", "单位", "累计值", "报送人ID", "报送人",
                  "报送时间", "原文", "更正的记录ID", "被记录ID更正", "状态", "撤销时间", "撤销人ID", "审核时间",
                  "审核人ID", "退回原因")
NUMBER_WIDTH = 12  # a figure as written: 1368000, 136.5, 0.25
USER_ID_WIDTH = 12  # Telegram user ids have up to 10–12 digits
TIME_WIDTH = len("2026-11-11 10:00:00")
TEXT_WIDTH = 40  # the message as sent: a longer one runs on past its cell, as in any sheet
LIAISONS_HEADER = ("单位", "姓名", "用户名", "用户ID", "负责指标", "加入时间", "状态", "撤销时间")
CSV_README = (
    "本压缩包是 /export csv 的导出：三个 UTF-8（带 BOM，Excel 可直接打开）CSV 文件，与 XLSX 的三个工作表一致。\n"
    f"{PROGRESS_SHEET}.csv：每个指标的城市数值、目标占比与状态；{REPORTS_SHEET}.csv：每一条上报记录（含更正与撤销的历史）；"
    f"{LIAISONS_SHEET}.csv：联络员名单。\n"
)


FORMULA_STARTS = ("=", "+", "-", "@")


def _csv_value(value: object) -> object:
    """Numbers as written (12, not 12.0); a leading apostrophe keeps spreadsheets from evaluating user text."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return format_number(value.value)
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _amount(value: float | None, percent: bool, digits: int = 4) -> object:
    """A figure in the indicator's unit, marked when that unit is a percentage."""
    value = _round(value, digits)
    return Percent(value) if percent and value is not None else value


def _share(value: float | None) -> Percent | None:
    return None if value is None else Percent(round(value, 1))


def _is_percent(unit: str, percent: bool = False) -> bool:
    return percent or UnitSpec.parse(unit).percent


def _time(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def progress_header(years: Sequence[int]) -> tuple[str, ...]:
    """The 指标进度 columns for the document's year columns (baseline first): 2021基数, 2023目标 … 占2025目标%."""
    return ("编号", "类别", "指标", "单位", "口径", f"{years[0]}基数", *(f"{y}目标" for y in years[1:]), "城市数值",
            "上周数值", "较上周变化", *(f"占{y}目标%" for y in years[1:]), "按进度应达", "状态", "上报单位数",
            "判定规则")


def progress_rows(summary: WeeklySummary) -> Iterator[tuple]:
    targets = summary.years[1:]
    for i in summary.indicators:
        pct = _is_percent(i.unit)
        yield (i.number, i.category, i.name, i.unit, "累计值" if i.kind == "count" else "时点值",
               _amount(i.baseline, pct), *(_amount(i.target_for(y), pct) for y in targets),
               _amount(i.figure, pct), _amount(i.previous_figure, pct), _amount(i.change, pct),
               *(_share(i.share_for(y)) for y in targets), _amount(i.expected, pct), i.status, i.reporting_units,
               i.rule)


def _stamp(stored: str | None) -> str:
    """A stored ISO time as the sheet shows it (2026-11-11 10:00:00, in the offset it was stored with)."""
    return stored[:19].replace("T", " ") if stored else ""


def report_rows(reports: Iterable[Sequence], indicators: Sequence[Indicator],
                reporter_names: dict[int, str]) -> Iterator[tuple]:
    """Every stored row in id order, as storage.export_queries reads them: corrections and undos stay visible.

    The status is reporting.effective's rule: SQL says whether a row is undone, whether it is the one that counts
    (IS_CURRENT) and, for a held row, whether it is the latest word (IS_LATEST); effective.status names it."""
    names = {i.number: i.name for i in indicators}
    units = {i.number: i.unit for i in indicators}
    percent = {i.number: _is_percent(i.unit, i.percent) for i in indicators}
    for (rid, unit, number, period, value, cumulative, reporter, created, text, replaces, superseded, undone,
         current, undone_at, undone_by, held, latest, reviewed_at, reviewed_by, note) in reports:
        yield (rid, unit, number, names.get(number, ""), period, _amount(value, percent.get(number, False), 9),
               units.get(number, ""), "是" if cumulative else "", reporter, reporter_names.get(reporter, ""),
               _stamp(created), text, replaces, superseded, status(bool(undone), bool(current), held, bool(latest)),
               _stamp(undone_at), undone_by, _stamp(reviewed_at), reviewed_by, note)


def report_widths(unit_names: Iterable[str], indicators: Sequence[Indicator], reporter_names: dict[int, str],
                  last_id: int) -> list[float]:
    """Widths of the streamed 上报明细 sheet, chosen before its first row: ids by the largest id, names by the
    names the column can hold, times and statuses by their fixed form, the message text by a reading width."""
    ids = len(str(last_id))
    return declared_widths(REPORTS_HEADER, (
        ids, _longest(unit_names), 2, _longest(i.name for i in indicators), len("2026-10"), NUMBER_WIDTH,
        _longest(i.unit for i in indicators), 2, USER_ID_WIDTH, _longest(reporter_names.values()), TIME_WIDTH,
        TEXT_WIDTH, ids, ids, display_width(CORRECTED), TIME_WIDTH, USER_ID_WIDTH, TIME_WIDTH, USER_ID_WIDTH,
        TEXT_WIDTH))


def _longest(texts: Iterable[str]) -> int:
    return max((display_width(text) for text in texts), default=0)


def liaison_rows(liaisons: Iterable[Liaison]) -> Iterator[tuple]:
    for liaison in liaisons:
        yield (liaison.unit_name, liaison.name, f"@{liaison.username}" if liaison.username else "", liaison.user_id,
               ",".join(str(n) for n in liaison.indicators), _time(liaison.joined_at),
               "已撤销" if liaison.revoked_at else "有效", _time(liaison.revoked_at))


def reporter_names(liaisons: Iterable[Liaison], admins: Iterable[int]) -> dict[int, str]:
    """Who each reporter id is, for the 报送人 column: liaison name and unit, or 管理员."""
    names = {admin: "管理员" for admin in admins}
    for liaison in liaisons:
        label = f"{liaison.name or liaison.username or liaison.user_id}（{liaison.unit_name}）"
        names[liaison.user_id] = f"{names[liaison.user_id]}；{label}" if liaison.user_id in names else label
    return names


def _sheets(summary: WeeklySummary, reports: Iterable[Sequence], liaisons: Sequence[Liaison],
            indicators: Sequence[Indicator], names: dict[int, str], widths: Sequence[float]) -> list[Sheet]:
    progress, people = list(progress_rows(summary)), list(liaison_rows(liaisons))
    header = progress_header(summary.years)
    return [Sheet(PROGRESS_SHEET, header, column_widths(header, progress), progress),
            Sheet(REPORTS_SHEET, REPORTS_HEADER, widths, report_rows(reports, indicators, names)),
            Sheet(LIAISONS_SHEET, LIAISONS_HEADER, column_widths(LIAISONS_HEADER, people), people)]


def write_export_xlsx(path: Path, summary: WeeklySummary, reports: Iterable[Sequence], liaisons: Sequence[Liaison],
                      indicators: Sequence[Indicator], admins: Iterable[int], unit_names: Iterable[str] = (),
                      last_id: int = 0) -> int:
    """Three sheets streamed to `path`; `reports` is read once, in id order. Returns the number of reports."""
    names = reporter_names(liaisons, admins)
    widths = report_widths(unit_names, indicators, names, last_id)
    return write_xlsx(path, _sheets(summary, reports, liaisons, indicators, names, widths))[1]


def _write_csv(archive: zipfile.ZipFile, sheet: Sheet) -> int:
    """One table streamed into the zip as UTF-8 with a BOM (Excel opens it); returns its row count."""
    count = 0
    with archive.open(f"{sheet.title}.csv", "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        text.write("\ufeff")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(sheet.header)
        for row in sheet.rows:
            writer.writerow([_csv_value(v) for v in row])
            count += 1
        text.flush()
        text.detach()
    return count


def write_export_csv(path: Path, summary: WeeklySummary, reports: Iterable[Sequence], liaisons: Sequence[Liaison],
                     indicators: Sequence[Indicator], admins: Iterable[int]) -> int:
    """A zip of the three sheets as CSV files (a CSV holds one table), streamed to `path`; returns the reports."""
    sheets = _sheets(summary, reports, liaisons, indicators, reporter_names(liaisons, admins), ())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("说明.txt", CSV_README.encode("utf-8"))
        return [_write_csv(archive, sheet) for sheet in sheets][1]
