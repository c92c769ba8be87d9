"""XLSX and CSV exports of progress, every stored report (history included) and the liaisons."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook

from knowledge.models import Indicator
from reporting.effective import effective_by_key, status
from reporting.summary_models import WeeklySummary
from reporting.units import UnitSpec, format_number
from reporting.xlsx import Percent, write_sheet
from storage.models import Liaison, ReportRow

PROGRESS_SHEET = "指标进度"
REPORTS_SHEET = "上报明细"
LIAISONS_SHEET = "联络员"
PROGRESS_HEADER = ("编号", "类别", "指标", "单位", "口径", "2021基数", "2023目标", "2025目标", "城市数值",
                   "上周数值", "较上周变化", "占2023目标%", "占2025目标%", "按进度应达", "状态", "上报单位数", "判定规则")
REPORTS_HEADER = ("记录ID", "单位", "指标编号", "指标", "月份", "数值", "单位", "累计值", "报送人ID", "报送人",
                  "报送时间", "原文", "更正的记录ID", "被记录ID更正", "状态", "撤销时间", "撤销人ID")
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


def _time(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""  # type: ignore[attr-defined]


def progress_rows(summary: WeeklySummary) -> Iterator[tuple]:
    for i in summary.indicators:
        pct = _is_percent(i.unit)
        yield (i.number, i.category, i.name, i.unit, "累计值" if i.kind == "count" else "时点值",
               _amount(i.baseline, pct), _amount(i.target_2023, pct), _amount(i.target_2025, pct),
               _amount(i.figure, pct), _amount(i.previous_figure, pct), _amount(i.change, pct),
               _share(i.share_2023), _share(i.share_2025), _amount(i.expected, pct), i.status, i.reporting_units,
               i.rule)


def report_statuses(reports: Sequence[ReportRow]) -> dict[int, str]:
    """有效 / 已更正 / 已撤销 of every row, by the one rule of reporting.effective."""
    ordered = sorted(reports, key=lambda r: r.id)
    counting = effective_by_key(ordered, lambda r: (r.indicator, r.unit_id, r.period), lambda r: not r.active)
    ids = {row.id for row in counting.values()}
    return {r.id: status(not r.active, r.id in ids) for r in ordered}


def report_rows(reports: Sequence[ReportRow], indicators: Sequence[Indicator],
                reporter_names: dict[int, str]) -> Iterator[tuple]:
    """Every stored row in id order: corrections and undos stay visible, nothing is left out."""
    by_number = {i.number: i for i in indicators}
    percent = {i.number: _is_percent(i.unit, i.percent) for i in indicators}
    statuses = report_statuses(reports)
    for r in reports:
        indicator = by_number.get(r.indicator)
        pct = percent.get(r.indicator, False)
        yield (r.id, r.unit_name, r.indicator, indicator.name if indicator else "", r.period, _amount(r.value, pct, 9),
               indicator.unit if indicator else "", "是" if r.cumulative else "", r.reporter_id,
               reporter_names.get(r.reporter_id, ""), _time(r.created_at), r.source_text, r.replaces_id,
               r.superseded_by, statuses[r.id], _time(r.undone_at), r.undone_by)


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


def export_xlsx(summary: WeeklySummary, reports: Sequence[ReportRow], liaisons: Sequence[Liaison],
                indicators: Sequence[Indicator], admins: Iterable[int] = ()) -> bytes:
    """Three sheets, written in openpyxl's streaming mode so 100k reports stay cheap."""
    book = Workbook(write_only=True)
    names = reporter_names(liaisons, admins)
    write_sheet(book, PROGRESS_SHEET, PROGRESS_HEADER, progress_rows(summary))
    write_sheet(book, REPORTS_SHEET, REPORTS_HEADER, report_rows(reports, indicators, names))
    write_sheet(book, LIAISONS_SHEET, LIAISONS_HEADER, liaison_rows(liaisons))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(header: Sequence[str], rows: Iterable[tuple]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_value(v) for v in row] for row in rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def export_csv_zip(summary: WeeklySummary, reports: Sequence[ReportRow], liaisons: Sequence[Liaison],
                   indicators: Sequence[Indicator], admins: Iterable[int] = ()) -> bytes:
    """A zip of the three sheets as CSV files (one file per sheet, since a CSV holds one table)."""
    names = reporter_names(liaisons, admins)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("说明.txt", CSV_README.encode("utf-8"))
        archive.writestr(f"{PROGRESS_SHEET}.csv", _csv(PROGRESS_HEADER, progress_rows(summary)))
        archive.writestr(f"{REPORTS_SHEET}.csv", _csv(REPORTS_HEADER, report_rows(reports, indicators, names)))
        archive.writestr(f"{LIAISONS_SHEET}.csv", _csv(LIAISONS_HEADER, liaison_rows(liaisons)))
    return buffer.getvalue()
