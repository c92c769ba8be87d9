"""`python main.py summary [--week 2026-W47] [--png F] [--xlsx F]`: the same summary /weekly sends, offline."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.services.facade import BotService
from bot.settings import Settings
from errors import UserFacingError
from reporting.weeks import parse_week


async def run_summary(
    settings: Settings, *, week: str | None = None, png: str | None = None, xlsx: str | None = None,
    service: BotService | None = None,
) -> int:
    """Print the summary text; write the chart and the export when asked. Returns the exit code."""
    own = service is None
    service = service or await BotService.open(settings)
    try:
        if service.storage is None:
            print("周报需要数据库（BOT_DB）。", file=sys.stderr)
            return 1
        summaries = service.storage.summaries
        try:
            chosen = parse_week(week, summaries.now(), summaries.document.years[0])
        except UserFacingError as exc:
            print(exc.reply.replace("/weekly", "python main.py summary --week"), file=sys.stderr)
            return 2
        if png:
            report = await summaries.weekly_report(chosen)
            text = report.text
            _write(png, report.chart.data)
        else:
            from reporting.summary_text import render_weekly

            text = render_weekly(await summaries.build_weekly(chosen))
        print(text)
        if xlsx:
            target = Path(xlsx)
            with await summaries.build_export("xlsx", chosen, directory=target.parent) as exported:
                exported.save_as(target)  # written beside the target: a rename, never a copy through memory
            print(f"已写入 {target}（{target.stat().st_size} 字节）", file=sys.stderr)
        return 0
    finally:
        if own:
            await service.close()


def _write(path: str, data: bytes) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    print(f"已写入 {target}（{len(data)} 字节）", file=sys.stderr)
