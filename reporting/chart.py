"""The weekly chart as PNG bytes: share of the final target per indicator, coloured by status, CJK labels."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from knowledge.models import Target
from knowledge.numerals import format_number
from reporting.summary_models import IndicatorStatus, WeeklySummary

CJK_FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Regular-subset.otf"  # OFL; see fonts/
STATUS_COLOURS = {"已完成": "#2e7d32", "超前": "#1565c0", "正常": "#78909c", "滞后": "#c62828"}
NO_DATA_COLOUR = "#cfd8dc"
NO_DATA = "无数据"
SHOWN_CAP = 150.0  # bars beyond this share are drawn at the cap, the label still gives the real share
LABEL_CHARS = 14
EXPECTED_LABEL = "按进度应达"


@functools.cache
def cjk_font() -> font_manager.FontProperties:
    """Noto Sans CJK SC cut to GB2312 and the policy's characters (shipped in reporting/fonts), registered once."""
    font_manager.fontManager.addfont(str(CJK_FONT_FILE))
    return font_manager.FontProperties(fname=str(CJK_FONT_FILE))


def _label(number: int, name: str) -> str:
    short = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
    return f"{number:>2} {short}"


def bar_text(row: IndicatorStatus) -> str:
    """What stands at the end of a bar: the real share (a bar beyond SHOWN_CAP is drawn at the cap) and the status."""
    if row.figure is None:
        return NO_DATA
    if row.final_share is None:
        return f"{format_number(row.figure)}{row.unit}（无{_year(row.final)}目标）"
    return f"{row.final_share:.0f}% {row.status}"


def _year(target: Target | None) -> str:
    return f"{target.year}年" if target else ""


def _final_year(summary: WeeklySummary) -> str:
    """The last year the document sets targets for: the year every bar is a share of."""
    return f"{summary.years[-1]}年" if len(summary.years) > 1 else ""


def bar_colour(row: IndicatorStatus) -> str:
    """The status colour, or grey when there is nothing to colour."""
    return STATUS_COLOURS.get(row.status, NO_DATA_COLOUR) if row.figure is not None else NO_DATA_COLOUR


def _completeness(summary: WeeklySummary) -> str:
    return "—" if summary.completeness is None else f"{summary.completeness:.0f}%"


def chart_title(summary: WeeklySummary) -> str:
    """The figures the bars are drawn from: which week, as of when, how many reports, how complete the month is."""
    return (f"指标进度 {summary.week}（{summary.monday:%m月%d日}—{summary.sunday:%m月%d日}），"
            f"截至{summary.as_of:%m月%d日 %H:%M}\n"
            f"本周上报 {summary.report_count} 条，{summary.period} 报送完成率 {_completeness(summary)}")


def chart_caption(summary: WeeklySummary) -> str:
    """The photo's caption says what the picture shows, with the same numbers as its title."""
    return (f"指标进度图 {summary.week}，截至{summary.as_of:%Y-%m-%d %H:%M}："
            f"每条横条是该指标占{_final_year(summary)}目标的比例，"
            f"颜色为状态，黑色竖线为按进度应达的位置。本周上报 {summary.report_count} 条，"
            f"{summary.period} 报送完成率 {_completeness(summary)}。")


def draw_chart(summary: WeeklySummary) -> Figure:
    """One horizontal bar per indicator (share of the final target), a tick where the trajectory expects it."""
    font = cjk_font()
    small = font.copy()
    small.set_size(8)
    rows = list(reversed(summary.indicators))
    figure = Figure(figsize=(9, 0.38 * len(rows) + 2.4), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(rows))
    shares = [min(r.final_share or 0.0, SHOWN_CAP) for r in rows]
    colours = [bar_colour(r) for r in rows]
    axes.barh(positions, shares, color=colours, height=0.65)
    for y, row, share in zip(positions, rows, shares, strict=True):
        expected_share = row.expected_share
        if expected_share is not None:
            expected_share = min(expected_share, SHOWN_CAP)
            axes.plot([expected_share] * 2, [y - 0.38, y + 0.38], color="#212121", linewidth=1.2)
        axes.text(share + 1.5, y, bar_text(row), va="center", fontproperties=small)
    axes.set_yticks(list(positions), [_label(r.number, r.name) for r in rows], fontproperties=small)
    axes.set_xlim(0, SHOWN_CAP + 25)
    axes.axvline(100, color="#9e9e9e", linestyle="--", linewidth=0.8)
    axes.set_xlabel(f"占{_final_year(summary)}目标（%）；超过{SHOWN_CAP:.0f}%的画到{SHOWN_CAP:.0f}%，数字为实际比例",
                    fontproperties=font)
    axes.set_title(chart_title(summary), fontproperties=font)
    drawn = dict.fromkeys(colours)
    legend: list[Artist] = [Patch(color=c, label=s) for s, c in (*STATUS_COLOURS.items(), (NO_DATA, NO_DATA_COLOUR))
                            if c in drawn]
    legend.append(Line2D([], [], color="#212121", linewidth=1.2, label=EXPECTED_LABEL))
    axes.legend(handles=legend, prop=small, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=len(legend),
                frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def render_chart(summary: WeeklySummary) -> bytes:
    """The chart as PNG bytes."""
    buffer = io.BytesIO()
    draw_chart(summary).savefig(buffer, format="png", metadata={"Title": f"weekly {summary.week}"})
    return buffer.getvalue()
