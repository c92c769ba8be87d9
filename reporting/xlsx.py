"""A sheet people can open and read: widths on every column, frozen header, autofilter, numbers as they were written.

Rows are streamed through xlsxwriter's constant_memory mode: each row goes to disk as it is written, so a
million reports cost no more memory than ten. A streamed sheet declares its columns before its first row, so
widths come from the header and what the column holds (its kind, or the few values it can take), not from
measuring every cell; the autofilter's range is set after the last row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple, cast

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from knowledge.numerals import format_number

MIN_WIDTH = 6
MAX_WIDTH = 50
HEADER_EXTRA = 4  # the filter button sits in the header cell
PERCENT_SUFFIX = '"%"'
MAX_ROWS = 1_048_576  # Excel's limit per sheet; more rows continue on a sheet named "title（2）"
MAX_TITLE = 31


class Percent(NamedTuple):
    """A number in percent (the indicator's unit is %): shown as 66% in the XLSX, written 66 in a CSV."""

    value: float


class Sheet(NamedTuple):
    """One table to write: its rows may be a generator read from a cursor, consumed once."""

    title: str
    header: Sequence[str]
    widths: Sequence[float]
    rows: Iterable[Sequence[object]]


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


def _clamp(width: int) -> float:
    return float(min(max(width, MIN_WIDTH), MAX_WIDTH))


def column_widths(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[float]:
    """For a small table held whole: the widest of the header (plus its filter button) and the cells."""
    widths = [display_width(text) + HEADER_EXTRA for text in header]
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], display_width(display_text(value)) + 2)
    return [_clamp(width) for width in widths]


def declared_widths(header: Sequence[str], contents: Sequence[int]) -> list[float]:
    """For a streamed table: the header (plus its filter button) or the width its column's content is known to
    take (`contents`, in display columns), whichever is wider."""
    return [_clamp(max(display_width(text) + HEADER_EXTRA, content + 2)) for text, content in zip(header, contents,
                                                                                                  strict=True)]


class _Formats:
    """xlsxwriter formats by number pattern, made once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.bold = book.add_format({"bold": True})
        self.patterns: dict[str, object] = {}

    def number(self, pattern: str) -> object:
        found = self.patterns.get(pattern)
        if found is None:
            found = self.patterns[pattern] = self.book.add_format({"num_format": pattern})
        return found


def _write_row(sheet: Worksheet, formats: _Formats, index: int, row: Sequence[object]) -> None:
    """Numbers as written with a matching format; text is always text (never a formula, a URL or a number)."""
    for column, value in enumerate(row):
        kind = value.__class__
        if kind is str:
            if value:
                sheet.write_string(index, column, value)
        elif kind is int:
            sheet.write_number(index, column, value)
        elif kind is float or kind is Percent:
            number, pattern = (as_written(value.value, True) if isinstance(value, Percent)
                               else as_written(cast(float, value)))
            sheet.write_number(index, column, number, formats.number(pattern))
        elif value is not None:
            sheet.write_string(index, column, str(value))


def _titles(title: str) -> Iterator[str]:
    yield title
    part = 2
    while True:
        yield f"{title}（{part}）"[-MAX_TITLE:]
        part += 1


def _start(book: xlsxwriter.Workbook, formats: _Formats, title: str, spec: Sheet) -> Worksheet:
    sheet = book.add_worksheet(title)
    for index, width in enumerate(spec.widths):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    for index, text in enumerate(spec.header):
        sheet.write_string(0, index, text, formats.bold)
    return sheet


def _write_sheet(book: xlsxwriter.Workbook, formats: _Formats, spec: Sheet, max_rows: int) -> int:
    """Every row in order, continuing on a new sheet past Excel's row limit; the autofilter once a sheet is full."""
    titles = _titles(spec.title)
    sheet, index, count = _start(book, formats, next(titles), spec), 0, 0
    last_column = len(spec.header) - 1
    for row in spec.rows:
        if index == max_rows - 1:
            sheet.autofilter(0, 0, index, last_column)
            sheet, index = _start(book, formats, next(titles), spec), 0
        index += 1
        count += 1
        _write_row(sheet, formats, index, row)
    sheet.autofilter(0, 0, index, last_column)
    return count


def write_xlsx(path: Path, sheets: Iterable[Sheet], max_rows: int = MAX_ROWS) -> list[int]:
    """Write the sheets to `path`, xlsxwriter's temporary files in the same folder; the row count of each sheet."""
    options = {"constant_memory": True, "tmpdir": str(path.parent), "use_zip64": True,
               "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(str(path), options)
    formats = _Formats(book)
    counts = [_write_sheet(book, formats, spec, max_rows) for spec in sheets]
    book.close()  # not after a failure: packing half a file is wasted work; its temporary files go with the folder
    return counts
