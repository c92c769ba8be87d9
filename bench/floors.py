"""Floors of /export: the report rows straight from a cursor into a file, each writer used the cheapest way it offers.

Same rows and columns as the export's 上报明细 sheet (status by the marks, times as text, names looked up in
dicts), nothing else: what writing them costs before any work of ours. Used by bench/export_child.py.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

HEADER = ("记录ID", "单位", "指标编号", "指标", "月份", "数值", "单位", "累计值", "报送人ID", "报送人", "报送时间",
          "原文", "更正的记录ID", "被记录ID更正", "状态", "撤销时间", "撤销人ID")
ROWS = (
    "SELECT r.id, u.name, r.indicator, r.period, r.value, r.cumulative, r.reporter_id, r.created_at, r.source_text,"
    " r.replaces_id, r.superseded_by, r.undone_at, r.undone_by FROM reports r JOIN units u ON u.id = r.unit_id"
    " ORDER BY r.id"
)
REPORTERS = "SELECT l.user_id, l.name, u.name FROM liaisons l JOIN units u ON u.id = l.unit_id"
BATCH = 2000


def report_rows(db: Path) -> Iterator[tuple]:
    """The 17 columns of every stored report, in id order, fetched in batches."""
    with closing(sqlite3.connect(db)) as conn:
        yield from _rows(conn)


def _rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    from knowledge.parser import load_policy

    indicators = {i.number: (i.name, i.unit) for i in load_policy().indicators}
    reporters = {user: f"{name}（{unit}）" for user, name, unit in conn.execute(REPORTERS)}
    cursor = conn.execute(ROWS)
    while batch := cursor.fetchmany(BATCH):
        for (rid, unit, number, period, value, cumulative, reporter, created, text, replaces, superseded, undone,
             undone_by) in batch:
            name, unit_name = indicators.get(number, ("", ""))
            status = "已撤销" if undone else "已更正" if superseded else "有效"
            yield (rid, unit, number, name, period, value, unit_name, "是" if cumulative else "", reporter,
                   reporters.get(reporter, ""), created[:19].replace("T", " "), text, replaces, superseded, status,
                   undone[:19].replace("T", " ") if undone else "", undone_by)


def write_openpyxl(db: Path, out: Path) -> int:
    """openpyxl in write_only mode: rows streamed to the sheet's XML as they come."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("上报明细")
    sheet.append(HEADER)
    count = 0
    for row in report_rows(db):
        sheet.append(row)
        count += 1
    book.save(out)
    return count


def write_xlsxwriter(db: Path, out: Path) -> int:
    """xlsxwriter with constant_memory: each row flushed to a temporary file once the next one starts."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = book.add_worksheet("上报明细")
    sheet.write_row(0, 0, HEADER)
    count = 0
    for count, row in enumerate(report_rows(db), start=1):
        sheet.write_row(count, 0, row)
    book.close()
    return count


def write_csv_zip(db: Path, out: Path) -> int:
    """csv.writer into a deflated zip member, streamed."""
    count = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("上报明细.csv", "w") as member:
        text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(HEADER)
        for row in report_rows(db):
            writer.writerow(row)
            count += 1
        text.flush()
        text.detach()
    return count


FLOORS = {"openpyxl": write_openpyxl, "xlsxwriter": write_xlsxwriter, "csv": write_csv_zip}


def have_xlsxwriter() -> bool:
    try:
        import xlsxwriter  # noqa: F401 - only whether it can be imported
    except ImportError:
        return False
    return True
