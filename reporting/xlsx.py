"""A sheet people can open and read: widths on every column, frozen header, autofilter, numbers as they were written.

Cells are streamed (openpyxl write-only mode) so 100k reports stay cheap; widths come from the header and the
first rows, because a streamed sheet must declare its columns before its first row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from itertools import chain, islice
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from reporting.units import format_number

WIDTH_SAMPLE = 2000
MIN_WIDTH = 6
MAX_WIDTH = 50
HEADER_EXTRA = 4  # the filter button sits in the header cell
PERCENT_SUFFIX = '"%"'


class Percent(NamedTuple):
    """A number in percent (the indicator's unit is %): shown as 66% in the XLSX, written 66 in a CSV."""

    value: float


def as_written(value: float, percent: bool = False) -> tuple[int | float, str]:
    """The number as format_number writes it (an int when whole: no cell holds 12.0) and the Excel format that
    shows it that way: 12 → '0', 0.25 → '0.00', 66 of a percentage → '0"%"'."""
    text = format_number(value)
    whole, _, decimals = text.partition(".")
    number, pattern = (float(text), "0." + "0" * len(decimals)) if decimals else (int(whole), "0")
    return number, pattern + PERCENT_SUFFIX if percent else pattern


def display_text(value: object) -> str:
    """What a cell shows, for its column's width."""
    if value is None:
        return ""
    if isinstance(value, Percent):
        return format_number(value.value) + "%"
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def display_width(text: str) -> int:
    """Chinese characters take two columns of width."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_widths(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[float]:
    """The widest of the header (plus its filter button) and the cells, within MIN_WIDTH..MAX_WIDTH."""
    widths = [display_width(text) + HEADER_EXTRA for text in header]
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], display_width(display_text(value)) + 2)
    return [float(min(max(width, MIN_WIDTH), MAX_WIDTH)) for width in widths]


def _cell(sheet: object, value: object) -> object:
    """Numbers as written with a matching format; text that starts like a formula ('=…') stays text."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # XML forbids control characters a pasted message may carry
        if not value.startswith("="):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    if isinstance(value, float) or isinstance(value, Percent):
        number, pattern = as_written(value, False) if isinstance(value, float) else as_written(value.value, True)
        cell = WriteOnlyCell(sheet, value=number)
        cell.number_format = pattern
        return cell
    return value


def write_sheet(book: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """One streamed sheet: widths, frozen bold header, every row, then an autofilter over all of them."""
    rows = iter(rows)
    head = list(islice(rows, WIDTH_SAMPLE))
    sheet = book.create_sheet(title)
    for index, width in enumerate(column_widths(header, head), 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for row in chain(head, rows):
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
