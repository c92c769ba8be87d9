"""Telegram HTML for summaries and reminder receipts: pure functions, all text escaped."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.summaries import ReminderPlan, WeeklyReport
from bot.telegram.views import Reply
from knowledge.style import HTML
from reporting.periods import Period

REMIND_NONE = "{period}没有需要提醒的联络员：分配的指标都已报齐。"


def render_weekly_reply(text: str) -> Reply:
    """The summary text with its title in bold; long texts are split by send_reply."""
    head, _, rest = text.partition("\n")
    body = HTML.esc(rest)
    return Reply(text=f"{HTML.heading(head)}\n{body}" if rest else f"{HTML.heading(head)}")


def render_remind_receipt(period_label: str, sent: Sequence[str], failed: Sequence[str],
                          skipped: Sequence[str] = ()) -> Reply:
    """What `/remind` did: who was reminded, who was skipped (reminded before), who could not be reached."""
    if not sent and not failed and not skipped:
        return Reply(text=HTML.esc(REMIND_NONE.format(period=period_label)))
    lines = [f"已提醒 {len(sent)} 位联络员（{HTML.esc(period_label)}未报齐）：" + HTML.esc("、".join(sent) or "无")]
    if skipped:
        lines.append(f"跳过 {len(skipped)} 位（本期已提醒过）：{HTML.esc('、'.join(skipped))}。"
                     "如需再次提醒，请发送 /remind force")
    if failed:
        lines.append(f"{len(failed)} 位无法送达（可能从未打开过机器人）：" + HTML.esc("、".join(failed)))
    return Reply(text="\n".join(lines))


def is_summary_outcome(outcome: object) -> bool:
    return isinstance(outcome, (WeeklyReport, ReminderPlan))


def render_summary_outcome(outcome: object) -> Reply:
    """A summary-service result as text (the chart and files travel separately)."""
    if isinstance(outcome, WeeklyReport):
        return render_weekly_reply(outcome.text)
    if isinstance(outcome, ReminderPlan):
        label = Period.parse_key(outcome.period).label
        if not outcome.reminders:
            return Reply(text=HTML.esc(REMIND_NONE.format(period=label)))
        names = "、".join(f"{r.liaison}（{r.unit}，缺指标 {','.join(map(str, r.missing))}）" for r in outcome.reminders)
        return Reply(text=f"将提醒 {len(outcome.reminders)} 位联络员（{HTML.esc(label)}未报齐）：{HTML.esc(names)}")
    raise TypeError(f"no Telegram rendering for {type(outcome).__name__}")
