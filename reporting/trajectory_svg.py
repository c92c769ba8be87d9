"""An indicator's planned trajectory and where the city stands, drawn as a small SVG on the server (no chart library).

The plan is reporting.progress's trajectory: linear by month from the baseline year's December through each target
year's December, flat after. Colours come from the page's CSS classes (Telegram's theme), not from here.
"""

from __future__ import annotations

from html import escape

from knowledge.models import Indicator
from knowledge.numerals import format_number
from reporting.periods import Period
from reporting.progress import IndicatorProgress, Status

WIDTH, HEIGHT = 320, 100
LEFT, RIGHT, TOP, BOTTOM = 8, 12, 16, 18
STATUS_CLASS = {Status.DONE: "done", Status.AHEAD: "ahead", Status.ON_TRACK: "on-track", Status.BEHIND: "behind",
                Status.NO_DATA: "no-data"}


def _december(year: int) -> int:
    return Period(year=year, month=12).ordinal


def trajectory_svg(indicator: Indicator, progress: IndicatorProgress) -> str:
    """The plan as a line through the year-end values, the targets labelled, the city figure a dot at its month."""
    points = [(_december(year), value) for year, value in sorted(indicator.values.items())]
    end = max(points[-1][0], progress.as_of.ordinal)
    start = points[0][0]
    values = [v for _, v in points] + ([progress.figure] if progress.figure is not None else [])
    low, high = min(0.0, *values), max(values) or 1.0
    span = (high - low) or 1.0

    def x(month: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (month - start) / ((end - start) or 1)

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / (span * 1.08))

    plan = [*points, (end, points[-1][1])]
    path = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in plan)
    parts = [(f'<svg class="trajectory" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg"'
              f' aria-label="{escape(_caption(indicator, progress))}">'),
             f'<line class="axis" x1="{LEFT}" y1="{y(low):.1f}" x2="{WIDTH - RIGHT}" y2="{y(low):.1f}"/>',
             f'<polyline class="plan" fill="none" points="{path}"/>']
    for index, (month, value) in enumerate(points):
        year = month // 12
        anchor = "start" if index == 0 else ("end" if month == end else "middle")
        parts.append(f'<circle class="target" cx="{x(month):.1f}" cy="{y(value):.1f}" r="2.5"/>')
        parts.append(f'<text class="label" x="{x(month):.1f}" y="{y(value) - 5:.1f}" text-anchor="{anchor}">'
                     f'{escape(format_number(value))}</text>')
        parts.append(f'<text class="tick" x="{x(month):.1f}" y="{HEIGHT - 5}" text-anchor="{anchor}">{year}</text>')
    if progress.figure is not None:
        status = STATUS_CLASS.get(progress.status, "no-data")
        parts.append(f'<circle class="now {status}" cx="{x(progress.as_of.ordinal):.1f}"'
                     f' cy="{y(progress.figure):.1f}" r="4.5"><title>{escape(_caption(indicator, progress))}</title>'
                     "</circle>")
    parts.append("</svg>")
    return "".join(parts)


def _caption(indicator: Indicator, progress: IndicatorProgress) -> str:
    plan = "，".join(f"{year}年 {format_number(value)}" for year, value in sorted(indicator.values.items()))
    now = "暂无数据" if progress.figure is None else f"{progress.as_of.label} {format_number(progress.figure)}"
    return f"{indicator.name}（{indicator.unit}）计划：{plan}；当前：{now}，{progress.status.value}"
