"""Approval in Telegram: the card an admin gets for a held figure, its buttons, the result, the liaison's notice.

Pure functions (Reply and text); the callback data grammar is strict, since clients can forge it.
"""

from __future__ import annotations

import re

from bot.telegram.views import Button, Reply
from knowledge.numerals import amount
from knowledge.style import HTML
from reporting.outcomes import ProgressView
from reporting.render import render_report_html
from reporting.review_outcomes import Decision, HeldFigure

APPROVE_PREFIX = "ap:"
RETURN_PREFIX = "rt:"
_DATA = re.compile(r"(ap|rt):([1-9][0-9]{0,17})")
REASON_PROMPT = "请回复本消息，写明退回 #{id} 的原因（联络员会收到这段说明）："
_PROMPT = re.compile(r"写明退回 #([1-9][0-9]{0,17}) 的原因")


def parse_decision(data: object) -> tuple[str, int] | None:
    """('ap', id) for 通过, ('rt', id) for 退回; None for anything we did not build."""
    match = _DATA.fullmatch(data) if isinstance(data, str) else None
    return (match.group(1), int(match.group(2))) if match else None


def prompted_id(text: str | None) -> int | None:
    """The report id a reason prompt of ours asks about (the admin replies to it), else None."""
    match = _PROMPT.search(text or "")
    return int(match.group(1)) if match else None


def _what(f: HeldFigure) -> str:
    what = "（累计）" if f.cumulative else ""
    return f"{f.unit_name} · {f.name} · {f.period.label} · {amount(f.value, f.unit, f.percent)}{what}"


def render_review_card(f: HeldFigure, web_url: str | None = None) -> Reply:
    """What an admin receives for a figure held for review, with 通过 / 退回 (and the dashboard) buttons."""
    lines = [f"📝 <b>待审核 #{f.report_id}</b>", HTML.esc(_what(f)),
             f"报送人：{HTML.esc(f.reporter)}（ID {f.reporter_id}），{f.reported_at:%m月%d日 %H:%M}",
             f"原文：{HTML.esc(f.source_text[:200])}"]
    if f.counted_value is not None:
        lines.append(f"目前计入的是此前审核过的 {HTML.esc(amount(f.counted_value, f.unit, f.percent))}，"
                     "通过后改用新值。")
    else:
        lines.append("通过后计入全市数值。")
    rows: list[tuple[Button, ...]] = [(Button(text="✅ 通过", data=f"{APPROVE_PREFIX}{f.report_id}"),
                                       Button(text="↩️ 退回", data=f"{RETURN_PREFIX}{f.report_id}"))]
    if web_url:
        rows.append((Button(text="打开数据看板", web_app=web_url),))
    return Reply(text="\n".join(lines), keyboard=tuple(rows))


def render_decided(decision: Decision) -> Reply:
    """The card once decided (its buttons gone): the verdict, who and when, and the city figure after it."""
    f = decision.figure
    verdict = "✅ 已审核通过" if decision.approved else f"↩️ 已退回（原因：{HTML.esc(decision.reason or '')}）"
    lines = [f"<b>#{f.report_id} {verdict}</b>", HTML.esc(_what(f)),
             (f"审核人：{HTML.esc(decision.reviewer)}（ID {decision.reviewer_id}），"
              f"{decision.decided_at:%m月%d日 %H:%M}"),
             "已通知报送人。", "",
             render_report_html(ProgressView(items=(decision.progress,), as_of=decision.progress.as_of))]
    return Reply(text="\n".join(lines))


def render_decision_notice(decision: Decision) -> str:
    """What the liaison is told, in plain text."""
    f = decision.figure
    if decision.approved:
        return f"✅ 您报送的数据已审核通过，已计入全市数值：{_what(f)}"
    return (f"↩️ 您报送的数据被管理员退回，没有计入：{_what(f)}\n原因：{decision.reason}\n"
            f"请核对后重新发送，例如：{f.name} {amount(f.value, f.unit, f.percent).replace(' ', '')} {f.period.label}")


def render_reason_prompt(report_id: int) -> str:
    return REASON_PROMPT.format(id=report_id)
