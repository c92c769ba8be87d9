"""XLSX and CSV exports of progress, every stored report (history included) and the liaisons."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from knowledge.models import Indicator
from reporting.summary_models import WeeklySummary
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


def _clean(value: object) -> object:
    """Strings without the control characters XML forbids (a pasted message may carry them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _xlsx_row(sheet: object, row: tuple) -> list:
    """Text that starts like a formula ('=…') is stored as text, so a report can never run in Excel."""
    out: list = []
    for value in row:
        value = _clean(value)
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(value)
    return out


def _csv_value(value: object) -> object:
    """CSV has no types: a leading apostrophe keeps spreadsheet programs from evaluating user text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _time(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""  # type: ignore[attr-defined]


def progress_rows(summary: WeeklySummary) -> Iterator[tuple]:
    for i in summary.indicators:
        yield (i.number, i.category, i.name, i.unit, "累计值" if i.kind == "count" else "时点值", i.baseline,
               i.target_2023, i.target_2025, _round(i.figure, 4), _round(i.previous_figure, 4), _round(i.change, 4),
               _round(i.share_2023, 1), _round(i.share_2025, 1), _round(i.expected, 4), i.status, i.reporting_units,
               i.rule)


def _report_state(row: ReportRow) -> str:
    if row.undone_at is not None:
        return "已撤销"
    if row.superseded_by is not None:
        return "已更正"
    return "有效"


def report_rows(reports: Iterable[ReportRow], indicators: Sequence[Indicator],
                reporter_names: dict[int, str]) -> Iterator[tuple]:
    """Every stored row in id order: corrections and undos stay visible, nothing is left out."""
    by_number = {i.number: i for i in indicators}
    for r in reports:
        indicator = by_number.get(r.indicator)
        yield (r.id, r.unit_name, r.indicator, indicator.name if indicator else "", r.period, r.value,
               indicator.unit if indicator else "", "是" if r.cumulative else "", r.reporter_id,
               reporter_names.get(r.reporter_id, ""), _time(r.created_at), r.source_text, r.replaces_id,
               r.superseded_by, _report_state(r), _time(r.undone_at), r.undone_by)


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


def export_xlsx(summary: WeeklySummary, reports: Iterable[ReportRow], liaisons: Sequence[Liaison],
                indicators: Sequence[Indicator], admins: Iterable[int] = ()) -> bytes:
    """Three sheets, written in openpyxl's streaming mode so 100k reports stay cheap."""
    book = Workbook(write_only=True)
    names = reporter_names(liaisons, admins)
    sheets = (
        (PROGRESS_SHEET, PROGRESS_HEADER, progress_rows(summary), (6, 12, 34, 8)),
        (REPORTS_SHEET, REPORTS_HEADER, report_rows(reports, indicators, names), (8, 16, 8, 30, 9, 12, 8)),
        (LIAISONS_SHEET, LIAISONS_HEADER, liaison_rows(liaisons), (16, 12, 16, 14, 16, 20)),
    )
    bold = Font(bold=True)
    for title, header, rows, widths in sheets:
        sheet = book.create_sheet(title)
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        sheet.freeze_panes = "A2"
        cells = []
        for text in header:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)
        for row in rows:
            sheet.append(_xlsx_row(sheet, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(header: Sequence[str], rows: Iterable[tuple]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_value(v) for v in row] for row in rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def export_csv_zip(summary: WeeklySummary, reports: Iterable[ReportRow], liaisons: Sequence[Liaison],
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
