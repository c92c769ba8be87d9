"""Files people open: an XLSX ready to read (widths, frozen header, filter, numbers as written), CSV numbers as
written, and a chart whose captions say what is drawn and whose text stays inside the picture."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.services.facade import BotService
from reporting.chart import SHOWN_CAP, bar_text, chart_caption, chart_title, draw_chart
from reporting.export import LIAISONS_SHEET, PROGRESS_SHEET, REPORTS_SHEET
from reporting.outcomes import InviteCreated, PendingConfirmation
from reporting.summary_models import WeeklySummary
from reporting.xlsx import as_written, column_widths, display_width
from tests.report_support import ADMIN, LIAISON, OTHER, Clock, Messages, at, expect, exported, open_service

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

REPORTS = ((LIAISON, "济南工匠 12"), (LIAISON, "泉城首席技师 5"), (OTHER, "技能人才 136.5万"), (OTHER, "双师型 66%"),
           (OTHER, "新增参加企业新型学徒培训 0.5"))
WRITTEN = {15: ("12", 12, "0"), 16: ("5", 5, "0"), 1: ("136.5", 136.5, "0.0"), 23: ("66", 66, '0"%"'),
           10: ("0.5", 0.5, "0.0")}


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[BotService]:
    clock = Clock(at(2026, 11, 2))
    service = await open_service(tmp_path, clock)
    messages = Messages()
    for actor, args in ((LIAISON, "市总工会 15,16"), (OTHER, "市人社局 1,10,23")):
        invite = expect(await service.reports.liaisons.create_invite(ADMIN, args, "jinan_policy_bot"), InviteCreated)
        await service.reports.liaisons.join(actor, invite.code)
    for actor, text in REPORTS:
        clock.now = clock.now.replace(hour=clock.now.hour + 1)
        outcome = await service.handle_text(actor, text, None, messages(actor))
        if isinstance(outcome, PendingConfirmation):
            await service.reports.intake.confirm(actor, outcome.token)
    yield service
    await service.close()


@pytest.mark.pure
def test_numbers_are_written_as_format_number_writes_them() -> None:
    assert as_written(12.0) == (12, "0") and isinstance(as_written(12.0)[0], int)
    assert as_written(0.5) == (0.5, "0.0") and as_written(136.25) == (136.25, "0.00")
    assert as_written(66.0, percent=True) == (66, '0"%"') and as_written(64.5, True) == (64.5, '0.0"%"')
    assert as_written(-3.0) == (-3, "0")


@pytest.mark.pure
def test_column_widths_cover_chinese_headers_and_cells() -> None:
    widths = column_widths(("编号", "原文"), [(1, "济南工匠 12"), (22, "x" * 500)])
    assert widths[0] >= 2 * len("编号") and widths[1] == 50.0  # Chinese counts double; very long text is capped


async def test_every_sheet_is_ready_to_read(service: BotService) -> None:
    book = load_workbook(io.BytesIO(await exported(service)))
    for title in (PROGRESS_SHEET, REPORTS_SHEET, LIAISONS_SHEET):
        sheet = book[title]
        assert isinstance(sheet, Worksheet)
        last = get_column_letter(sheet.max_column)
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}"
        # a <col> element may span columns of equal width (min..max): every column must lie in one
        widths: dict[int, float] = {}
        for d in sheet.column_dimensions.values():
            assert d.min is not None and d.max is not None
            widths.update(dict.fromkeys(range(d.min, d.max + 1), d.width))
        for index in range(1, sheet.max_column + 1):
            header = sheet.cell(1, index).value
            width = widths.get(index)
            assert width and width >= display_width(str(header)), (title, header, width)
        for row in sheet.iter_rows(min_row=2, values_only=True):
            assert not [v for v in row if isinstance(v, float) and v.is_integer()], row  # never 12.0


async def test_report_values_keep_the_form_they_were_written_in(service: BotService) -> None:
    book = load_workbook(io.BytesIO(await exported(service)))
    sheet = book[REPORTS_SHEET]
    header = [cell.value for cell in sheet[1]]
    number, value = header.index("指标编号"), header.index("数值")
    seen = {}
    for row in sheet.iter_rows(min_row=2):
        cell = row[value]
        seen[row[number].value] = (cell.value, cell.number_format)
    assert seen == {n: (shown, fmt) for n, (_, shown, fmt) in WRITTEN.items()}
    progress = {row[0].value: row for row in book[PROGRESS_SHEET].iter_rows(min_row=2)}
    ratio = progress[23]
    assert ratio[5].value == 60 and ratio[5].number_format == '0"%"'  # the 2021 baseline of a percentage indicator
    assert ratio[12].number_format.endswith('"%"')  # the share of the 2025 target
    assert progress[15][8].value == 42 and progress[15][8].number_format == "0"  # baseline 30 + 12


async def test_csv_numbers_are_written_as_the_liaison_wrote_them(service: BotService) -> None:
    with zipfile.ZipFile(io.BytesIO(await exported(service, "csv"))) as archive:
        tables = {name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
                  for name in archive.namelist() if name.endswith(".csv")}
    reports = tables[f"{REPORTS_SHEET}.csv"]
    assert {int(r["指标编号"]): r["数值"] for r in reports} == {n: text for n, (text, _, _) in WRITTEN.items()}
    for rows in tables.values():
        for row in rows:
            assert not [v for v in row.values() if re.fullmatch(r"-?\d+\.0", v or "")], row
    progress = {int(r["编号"]): r for r in tables[f"{PROGRESS_SHEET}.csv"]}
    assert progress[1]["2021基数"] == "134" and progress[10]["2021基数"] == "0.4" and progress[15]["城市数值"] == "42"


def _bars(figure: Figure) -> list[Rectangle]:
    return list(figure.axes[0].containers[0])


def _outside(figure: Figure) -> list[str]:
    """Every piece of text drawn, and whether it ends beyond the picture's edges."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = figure.axes[0]
    low, high = axes.get_xlim()
    ticks = [t for t in axes.get_xticklabels() if low <= t.get_position()[0] <= high] + axes.get_yticklabels()
    legend = axes.get_legend()
    assert legend is not None
    texts = [axes.title, axes.xaxis.label, *axes.texts, *legend.get_texts(), *ticks]
    drawn = [t for t in texts if t.get_visible() and t.get_text()]
    assert len(drawn) > 2 * len(axes.texts)
    box = figure.bbox
    return [t.get_text() for t in drawn if not box.contains(*t.get_window_extent(renderer).p0)
            or not box.contains(*t.get_window_extent(renderer).p1)]


def _check_drawing(summary: WeeklySummary) -> None:
    figure = draw_chart(summary)
    axes = figure.axes[0]
    rows = list(reversed(summary.indicators))
    for label, row in zip([t.get_text() for t in axes.get_yticklabels()], rows, strict=True):
        number, name = label.strip().split(" ", 1)
        assert int(number) == row.number and (name == row.name or row.name.startswith(name.removesuffix("…")))
    assert [bar.get_width() for bar in _bars(figure)] == [min(r.final_share or 0.0, SHOWN_CAP) for r in rows]
    assert [t.get_text() for t in axes.texts] == [bar_text(r) for r in rows]
    for row, text in zip(rows, axes.texts, strict=True):
        if row.final_share is not None:
            assert text.get_text() == f"{row.final_share:.0f}% {row.status}"
    assert axes.get_title() == chart_title(summary)
    assert _outside(figure) == []


async def test_the_chart_draws_what_its_title_and_caption_say(service: BotService) -> None:
    report = await service.summaries.weekly_report()
    summary = report.summary
    title, caption = chart_title(summary), report.chart.caption
    assert caption == chart_caption(summary)
    for fact in (summary.week, f"本周上报 {summary.report_count} 条", f"{summary.period} 报送完成率 100%"):
        assert fact in title and fact in caption
    assert f"{summary.as_of:%H:%M}" in title and f"{summary.as_of:%Y-%m-%d %H:%M}" in caption
    _check_drawing(summary)


async def test_no_text_leaves_the_picture_even_with_extreme_figures(service: BotService) -> None:
    summary = await service.summaries.build_weekly()
    rows = [i.model_copy(update={"figure": 1e7, "shares": (123456.0,) * len(i.targets), "status": "已完成",
                                 "name": i.name * 3}) for i in summary.indicators]
    without = (*rows[0].targets[:-1], rows[0].targets[-1].model_copy(update={"value": None}))
    rows[0] = rows[0].model_copy(update={"targets": without, "shares": (*rows[0].shares[:-1], None)})  # no 2025 target
    rows[1] = rows[1].model_copy(update={"figure": None, "shares": (None,) * len(rows[1].targets)})
    extreme = summary.model_copy(update={"indicators": tuple(rows), "report_count": 123456, "expected_units": ()})
    _check_drawing(extreme)
    assert bar_text(rows[0]) == "10000000万人（无2025年目标）" and bar_text(rows[1]) == "无数据"
