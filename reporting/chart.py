"""The weekly chart as PNG bytes: share of the 2025 target per indicator, coloured by status, CJK labels."""

from __future__ import annotations

import functools
import importlib.util
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from reporting.summary_models import WeeklySummary  # noqa: E402

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
STATUS_COLOURS = {"已完成": "#2e7d32", "超前": "#1565c0", "正常": "#78909c", "滞后": "#c62828"}
NO_DATA_COLOUR = "#cfd8dc"
NO_DATA = "无数据"
SHOWN_CAP = 150.0  # bars beyond this share are drawn at the cap, the label still gives the real share
LABEL_CHARS = 14


@functools.cache
def cjk_font() -> font_manager.FontProperties:
    """The Noto Sans CJK font shipped by mplfonts, registered once, so Chinese renders as characters."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the mplfonts package (CJK fonts for charts) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / CJK_FONT_FILE
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def _label(number: int, name: str) -> str:
    short = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
    return f"{number:>2} {short}"


def render_chart(summary: WeeklySummary) -> bytes:
    """One horizontal bar per indicator (share of the 2025 target), a tick where the trajectory expects it."""
    font = cjk_font()
    small = font.copy()
    small.set_size(8)
    rows = list(reversed(summary.indicators))
    figure = Figure(figsize=(9, 0.38 * len(rows) + 2.2), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(rows))
    shares = [min(r.share_2025 or 0.0, SHOWN_CAP) for r in rows]
    colours = [STATUS_COLOURS.get(r.status, NO_DATA_COLOUR) if r.figure is not None else NO_DATA_COLOUR for r in rows]
    axes.barh(positions, shares, color=colours, height=0.65)
    for y, row in zip(positions, rows):
        expected_share = row.expected_share_2025
        if expected_share is not None:
            expected_share = min(expected_share, SHOWN_CAP)
            axes.plot([expected_share] * 2, [y - 0.38, y + 0.38], color="#212121", linewidth=1.2)
        text = NO_DATA if row.share_2025 is None else f"{row.share_2025:.0f}% {row.status}"
        axes.text(min(row.share_2025 or 0.0, SHOWN_CAP) + 1.5, y, text, va="center", fontproperties=small)
    axes.set_yticks(list(positions), [_label(r.number, r.name) for r in rows], fontproperties=small)
    axes.set_xlim(0, SHOWN_CAP + 25)
    axes.axvline(100, color="#9e9e9e", linestyle="--", linewidth=0.8)
    axes.set_xlabel("占2025年目标（%），黑色竖线为按进度应达到的位置", fontproperties=font)
    completeness = "—" if summary.completeness is None else f"{summary.completeness:.0f}%"
    axes.set_title(
        f"指标进度 {summary.week}（{summary.monday:%m月%d日}—{summary.sunday:%m月%d日}）\n"
        f"本周上报 {summary.report_count} 条，{summary.period} 报送完成率 {completeness}",
        fontproperties=font,
    )
    legend = [Patch(color=c, label=s) for s, c in STATUS_COLOURS.items()] + [Patch(color=NO_DATA_COLOUR, label=NO_DATA)]
    axes.legend(handles=legend, prop=small, loc="lower right", ncol=5, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Title": f"weekly {summary.week}"})
    return buffer.getvalue()
