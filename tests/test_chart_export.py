"""The chart is a real PNG with CJK text drawn from the shipped CJK font (no boxes); exports open and hold every row."""

from __future__ import annotations

import csv
import io
import logging
import warnings
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from openpyxl import load_workbook

from bench.cjk_font import gb2312
from bot.services.facade import BotService
from knowledge.parser import SHIPPED_POLICY
from reporting.chart import CJK_FONT_FILE, chart_title, cjk_font, render_chart
from reporting.export import LIAISONS_SHEET, PROGRESS_SHEET, REPORTS_SHEET
from reporting.outcomes import InviteCreated
from tests.report_support import ADMIN, LIAISON, OTHER, Clock, Messages, at, expect, open_service

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MISSING_GLYPH = r".*missing from font"  # matplotlib's warning when it draws a box for a character
SAMPLE = "指标进度滞后已完成济南工匠按应达无数据年月技能人才市总工会（）：，…—%"


def glyph_pixels(text: str) -> np.ndarray:
    """One line of text in the chart font, as the grey levels of an Agg canvas."""
    font = cjk_font().copy()
    font.set_size(28)
    figure = Figure(figsize=(0.6, 0.6), dpi=100)
    canvas = FigureCanvasAgg(figure)
    figure.text(0.5, 0.5, text, fontproperties=font, ha="center", va="center")
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0].copy()


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[BotService]:
    """Two units; 市总工会 reports, corrects and undoes; a source text that looks like a formula."""
    clock = Clock(at(2026, 11, 2))
    service = await open_service(tmp_path, clock)
    messages = Messages()
    for actor, args in ((LIAISON, "市总工会 15,16"), (OTHER, "市人社局 1")):
        invite = expect(await service.reports.liaisons.create_invite(ADMIN, args, "jinan_policy_bot"), InviteCreated)
        await service.reports.liaisons.join(actor, invite.code)
    for day, text in ((10, "济南工匠 12 2026年10月"), (11, "济南工匠 14 2026年10月"), (12, "泉城首席技师 5 2026年10月"),
                      (13, "=泉城首席技师 6 2026年9月")):
        clock.now = at(2026, 11, day)
        await service.handle_text(LIAISON, text, None, messages(LIAISON))
    await service.reports.undo.last(LIAISON)
    clock.now = at(2026, 11, 18)
    yield service
    await service.close()


@pytest.mark.pure
def test_the_shipped_font_covers_gb2312_and_the_policy() -> None:
    font = cjk_font()
    file = font.get_file()
    assert "CJK" in font.get_name() and isinstance(file, str) and Path(file) == CJK_FONT_FILE
    assert CJK_FONT_FILE.stat().st_size < 3_000_000  # a subset, not the 16 MB original
    assert "SIL OPEN FONT LICENSE Version 1.1" in (CJK_FONT_FILE.parent / "OFL.txt").read_text(encoding="utf-8")
    face = FT2Font(str(CJK_FONT_FILE))
    wanted = set(gb2312()) | {c for c in SHIPPED_POLICY.read_text(encoding="utf-8") if not c.isspace()}
    wanted |= {chr(c) for c in range(0x21, 0x7F)}
    missing = sorted(c for c in wanted if face.get_char_index(ord(c)) == 0)
    assert not missing, "".join(missing)


@pytest.mark.pure
def test_real_glyphs_are_drawn_not_boxes() -> None:
    with pytest.warns(UserWarning, match=MISSING_GLYPH):
        box = glyph_pixels("\ue000")  # a private-use character: no font has it, the .notdef box is drawn
    assert (box < 128).any()  # the box is visible, so an unknown character is noticed rather than dropped
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=MISSING_GLYPH)
        drawn = {char: glyph_pixels(char) for char in SAMPLE}
    for char, pixels in drawn.items():
        assert (pixels < 128).any(), char  # ink on the canvas
        assert not np.array_equal(pixels, box), char  # and not the box
    assert len({pixels.tobytes() for pixels in drawn.values()}) == len(drawn)  # every character a shape of its own


async def test_the_chart_is_a_png_with_chinese_glyphs(service: BotService, caplog: pytest.LogCaptureFixture) -> None:
    title = chart_title(await service.summaries.build_weekly())
    assert "指标进度" in title and "报送完成率" in title
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING):
        warnings.filterwarnings("error", message=MISSING_GLYPH)  # a box anywhere in the chart fails the test
        report = await service.summaries.weekly_report()
    assert not [r for r in caplog.records if "missing from" in r.getMessage()]
    png = report.chart.data
    assert png.startswith(PNG_SIGNATURE) and report.chart.name == "weekly-2026-W47.png"
    pixels = mpimg.imread(io.BytesIO(png), format="png")
    assert pixels.shape[0] > 500 and pixels.shape[1] > 500
    assert pixels[..., :3].std() > 0.05  # bars and labels, not a blank canvas
    assert b"weekly 2026-W47" in png  # the title metadata


async def test_render_chart_is_pure_and_stable(service: BotService) -> None:
    summary = await service.summaries.build_weekly()
    assert render_chart(summary)[:8] == PNG_SIGNATURE


async def test_the_xlsx_has_three_sheets_with_every_row_and_its_history(service: BotService) -> None:
    file = await service.summaries.export(ADMIN)
    assert file.name.endswith(".xlsx") and file.caption.startswith("导出（指标进度、上报明细 4 条")
    with file:
        book = load_workbook(io.BytesIO(file.path.read_bytes()), read_only=True)
    assert book.sheetnames == [PROGRESS_SHEET, REPORTS_SHEET, LIAISONS_SHEET]
    progress = list(book[PROGRESS_SHEET].iter_rows(values_only=True))
    assert progress[0][:3] == ("编号", "类别", "指标") and len(progress) == 1 + 22
    jiangjiang = next(r for r in progress if r[0] == 15)
    assert jiangjiang[2] == "新增济南工匠" and jiangjiang[8] == 44 and jiangjiang[14] == "滞后"
    reports = list(book[REPORTS_SHEET].iter_rows(values_only=True))
    header, rows = reports[0], reports[1:]
    assert len(rows) == 4
    by_id = {r[0]: dict(zip(header, r, strict=False)) for r in rows}  # a row may end before its last empty cells
    assert by_id[1]["状态"] == "已更正" and by_id[1]["被记录ID更正"] == 2 and by_id[2]["更正的记录ID"] == 1
    assert by_id[2]["状态"] == "有效" and by_id[2]["数值"] == 14 and by_id[2]["报送时间"] == "2026-11-11 10:00:00"
    assert by_id[2]["报送人"] == "张三（市总工会）" and by_id[2]["报送人ID"] == LIAISON.user_id
    assert by_id[4]["状态"] == "已撤销" and by_id[4]["原文"] == "=泉城首席技师 6 2026年9月"  # text, not a formula
    liaisons = list(book[LIAISONS_SHEET].iter_rows(values_only=True))
    assert [r[0] for r in liaisons[1:]] == ["市人力资源社会保障局", "市总工会"] and liaisons[2][4] == "15,16"


async def test_the_csv_export_is_a_zip_of_the_same_three_tables(service: BotService) -> None:
    file = await service.summaries.export(ADMIN, "csv")
    assert file.name.endswith("-csv.zip")
    with file, zipfile.ZipFile(file.path) as archive:
        names = archive.namelist()
        assert {f"{PROGRESS_SHEET}.csv", f"{REPORTS_SHEET}.csv", f"{LIAISONS_SHEET}.csv", "说明.txt"} == set(names)
        raw = archive.read(f"{REPORTS_SHEET}.csv")
    assert raw.startswith("\ufeff".encode())  # Excel opens UTF-8 with a BOM correctly
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[3]["原文"] == "'=泉城首席技师 6 2026年9月"


async def test_the_cli_prints_the_same_summary_and_writes_the_files(
    service: BotService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.summary import run_summary
    from reporting.summary_text import render_weekly
    from reporting.weeks import Week

    png, xlsx = tmp_path / "out" / "w.png", tmp_path / "out" / "w.xlsx"
    code = await run_summary(service.settings, week="2026-W46", png=str(png), xlsx=str(xlsx), service=service)
    assert code == 0
    expected = render_weekly(await service.summaries.build_weekly(Week(year=2026, number=46)))
    assert capsys.readouterr().out.strip() == expected.strip()
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    assert load_workbook(xlsx, read_only=True).sheetnames == [PROGRESS_SHEET, REPORTS_SHEET, LIAISONS_SHEET]
    assert await run_summary(service.settings, week="2026-W99", service=service) == 2
    assert "python main.py summary --week 2026-W47" in capsys.readouterr().err


@pytest.mark.process
def test_main_summary_runs_as_a_command(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    main = Path(__file__).resolve().parents[1] / "main.py"
    env = {**os.environ, "BOT_DB": str(tmp_path / "cli.db"), "BOT_TOKEN": ""}
    done = subprocess.run([sys.executable, str(main), "summary", "--week", "上周"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "周报" in done.stdout and "报送完成率：还没有分配了指标的联络员" in done.stdout
