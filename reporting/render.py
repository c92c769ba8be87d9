"""Receipts, progress and liaison views as plain text (console) or Telegram HTML; user text is always escaped."""

from __future__ import annotations

from collections.abc import Callable

from knowledge.numerals import amount, format_number
from knowledge.style import HTML, PLAIN, Style
from reporting.outcomes import (
    Cancelled, InviteCreated, InviteQuestion, Joined, LiaisonList, MineView, Notice, PendingConfirmation, ProgressView,
    ReportReceipt, Revoked, StoredItem, UndoneItem, UndoReceipt,
)
from reporting.progress import IndicatorProgress
from storage.reports import HELD_PENDING, HELD_RETURNED

REPORT_OUTCOMES = (ReportReceipt, UndoReceipt, PendingConfirmation, Cancelled, InviteCreated, InviteQuestion, Joined,
                   LiaisonList, Revoked, ProgressView, MineView, Notice)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _final(p: IndicatorProgress) -> str:
    return f"{p.final.year}年目标" if p.final else "目标"


def progress_lines(p: IndicatorProgress, s: Style, with_rule: bool = True) -> list[str]:
    """City figure, how much of each target it completes, the status, and (unless given once elsewhere) the rule."""
    if p.figure is None:
        city = f"全市：暂无上报（{p.baseline_year}年基线 {s.esc(amount(p.baseline, p.unit, p.percent))}）"
    elif p.kind.kind == "count":
        city = (f"全市累计：{s.esc(amount(p.figure, p.unit, p.percent))}（基线 {format_number(p.baseline)}"
                f" + {p.units_reported}个单位上报 {format_number(p.reported_sum)}）")
    else:
        how = "最新值的平均" if p.kind.aggregate == "mean" else "最新上报之和"
        city = f"全市：{s.esc(amount(p.figure, p.unit, p.percent))}（{p.units_reported}个单位{how}）"
    lines = [city]
    if p.figure is not None and p.targets:
        done = [f"完成{t.year}年目标（{s.esc(amount(t.value, p.unit, p.percent))}）的{_share(p.share(t.value))}"
                for t in p.targets]
        lines.append("，".join(done))
    expected = s.esc(amount(p.expected, p.unit, p.percent))
    lines.append(f"状态：{s.bold(p.status.value)}（按进度截至{p.as_of.label}应达 {expected}）")
    if with_rule:
        lines += [line for line in (history_note(p), rule_line(p)) if line]
    return lines


def rule_line(p: IndicatorProgress) -> str:
    return f"规则：{p.kind.rule(p.baseline_year)}；{p.status_rule}"


def history_note(p: IndicatorProgress) -> str | None:
    """A new deployment's running totals lack the months before it: say so rather than alarm with 滞后."""
    if not (p.missing_history and p.first_period and p.status.value == "滞后"):
        return None
    return (f"说明：本系统的数据从{p.first_period.label}开始，此前各月的新增还没有录入，所以累计数偏低、显示滞后；"
            f"补报此前月份，或报累计数（例如：{p.name} 累计 100）后即反映实际进度。")


def _stored(item: StoredItem, s: Style, duplicate: bool) -> list[str]:
    what = "（累计）" if item.cumulative else ""
    head = "已保存过" if duplicate else ("已更正" if item.replaced_value is not None else "已保存")
    mark = f"⏳ {head}，待审核" if item.held else f"✅ {head}"
    lines = [(f"{mark}：{s.esc(item.unit_name)} · {s.esc(item.name)} · {item.period.label} · "
              f"{s.bold(s.esc(amount(item.value, item.unit, item.percent)))}{what}")]
    if item.replaced_value is not None:
        old = amount(item.replaced_value, item.unit, item.percent) + ("（累计）" if item.replaced_cumulative else "")
        lines.append(f"更正了此前上报的 {s.esc(old)}（旧值保留在历史记录中）")
    if item.held:
        lines.append(PENDING_NOTE)
    return lines + progress_lines(item.progress, s, with_rule=False)


PENDING_NOTE = "这条数据需要管理员审核，审核通过后才计入全市数值；审核结果会通知您。"


def _undone(item: UndoneItem, s: Style) -> list[str]:
    lines = [(f"↩️ 已撤销：{s.esc(item.unit_name)} · {s.esc(item.name)} · {item.period.label} · "
              f"{s.esc(amount(item.value, item.unit, item.percent))}（保留在历史记录中，不再计入进度）")]
    if item.restored_value is not None:
        lines.append(f"该月恢复为此前上报的 {s.esc(amount(item.restored_value, item.unit, item.percent))}")
    return lines + progress_lines(item.progress, s, with_rule=False)


def _receipt(r: ReportReceipt, s: Style) -> list[str]:
    blocks: list[list[str]] = []
    if r.edited:
        blocks.append(["您修改了原消息，已按修改后的内容更新："])
    if r.duplicate:
        blocks.append(["这条消息之前已经处理过，没有重复保存。"])
    blocks += [_stored(item, s, r.duplicate) for item in r.items]
    blocks += [_undone(item, s) for item in r.undone]
    # once per message, however many items
    notes = dict.fromkeys(note for i in r.items if (note := history_note(i.progress)) is not None)
    rules = dict.fromkeys(rule_line(i.progress) for i in r.items)
    if notes or rules:
        blocks.append([*list(notes)[:1], *rules])
    return ["\n\n".join("\n".join(b) for b in blocks)]


def _pending(p: PendingConfirmation, s: Style) -> list[str]:
    lines = ["⚠️ 以下数值可能有误，尚未保存，请确认："]
    for item in p.items:
        reason = f"：{s.esc(item.reason)}" if item.reason else ""
        meant = (f"。可能是 {s.bold(s.esc(amount(item.suggestion, item.unit, item.percent)))}？"
                 if item.suggestion else "")
        lines.append(f"· {s.esc(item.unit_name)} · {s.esc(item.name)} · {item.period.label} · "
                     f"{s.esc(amount(item.value, item.unit, item.percent))}{reason}{meant}")
    if s.buttons:
        lines.append("请点按钮选择；都不对就点“取消”后重新发送。")
    elif p.suggests:
        lines.append("输入 /confirm 建议 按建议值保存，/confirm 按原值保存，/cancel 取消。")
    else:
        lines.append("输入 /confirm 确认保存，/cancel 取消。")
    return lines


def _invite(i: InviteCreated, s: Style) -> list[str]:
    names = "、".join(f"#{ref.number} {ref.name}" for ref in i.indicators)
    lines = [(f"已为 {s.bold(s.esc(i.unit_name))} 生成联络员邀请"
              f"（只能使用一次，{i.expires_at:%Y年%m月%d日 %H:%M} 前有效）"),
             f"负责指标：{s.esc(names)}"]
    if i.link:
        lines.append(f"邀请链接：{s.esc(i.link)}")
    lines.append(f"邀请码：{s.code(i.code)}（对方也可以发送 {s.code('/join ' + i.code)}）")
    return lines


def _joined(j: Joined, s: Style) -> list[str]:
    names = "、".join(f"#{ref.number} {ref.name}" for ref in j.indicators)
    return [f"欢迎！您已成为 {s.bold(s.esc(j.unit_name))} 的联络员。", f"负责指标：{s.esc(names)}",
            f"直接发送数据即可，例如：{s.code(j.example)}；不写月份默认为上个月。",
            "/mine 查看本单位情况，/progress 查看进度，/undo 撤销上一条。"]


def _liaisons(view: LiaisonList, s: Style) -> list[str]:
    lines = [s.bold(f"联络员（{len(view.liaisons)}人）")]
    for x in view.liaisons:
        who = s.esc(x.name or "") + (f" @{s.esc(x.username)}" if x.username else "")
        numbers = ",".join(str(n) for n in x.indicators)
        lines.append(f"· {s.esc(x.unit_name)}：{who}（ID {x.user_id}）指标 {numbers}")
    if view.invites:
        lines.append(s.bold(f"未使用的邀请（{len(view.invites)}个）"))
        for i in view.invites:
            numbers = ",".join(str(n) for n in i.indicators)
            lines.append(f"· {s.esc(i.unit_name)} 指标 {numbers}：{s.code(i.code)}，{i.expires_at:%m月%d日}前有效")
    lines.append("撤销：/revoke 用户ID、@用户名、单位名或邀请码")
    return lines


def _progress(view: ProgressView, s: Style) -> list[str]:
    if len(view.items) == 1:
        p = view.items[0]
        pending = view.pending.get(p.number)
        held = [f"另有 {pending} 条数据待审核，审核通过后计入。"] if pending else []
        return [s.bold(f"#{p.number} {s.esc(p.name)}（{p.kind.label}）"), *progress_lines(p, s), *held]
    lines = [s.bold(f"指标进度（截至{view.as_of.label}）")]
    for p in view.items:
        waiting = f"；另有 {view.pending[p.number]} 条待审核，未计入" if view.pending.get(p.number) else ""
        lines.append(f"#{p.number} {s.esc(p.name)}：{s.esc(amount(p.figure, p.unit, p.percent))}，"
                     f"{_final(p)} {_share(p.final_share)}，{p.status.value}（{p.kind.label}）{waiting}")
    if view.items:
        lines.append(f"{view.items[0].status_rule}。查看单项：/progress 济南工匠")
    return lines


def _mine(view: MineView, s: Style) -> list[str]:
    lines: list[str] = []
    for unit in view.units:
        names = "、".join(f"#{r.number} {r.name}" for r in unit.indicators)
        lines += [s.bold(s.esc(unit.unit_name)), f"负责指标：{s.esc(names)}"]
        if unit.missing:
            missing = "、".join(f"#{r.number} {r.name}" for r in unit.missing)
            lines.append(f"{unit.missing_period.label}尚未上报：{s.esc(missing)}")
        else:
            lines.append(f"{unit.missing_period.label}已全部上报。")
    if view.recent:
        lines.append(s.bold("最近上报"))
        for r in view.recent:
            state = "" if r.active else "（已撤销或已被更正）"
            if r.active and r.held == HELD_PENDING:
                state = "（待审核）"
            elif r.held == HELD_RETURNED:
                state = f"（已退回：{s.esc(r.review_note or '')}）"
            lines.append(f"· {r.period.label} {s.esc(r.name)} {s.esc(amount(r.value, r.unit, r.percent))}{state}")
    return lines


def _invite_question(q: InviteQuestion, s: Style) -> list[str]:
    written = s.esc(q.written)
    if q.suggestions:
        lines = [f"“{written}”不是文件中的单位名称。您是不是指：{s.esc('、'.join(q.suggestions))}？"]
    else:
        lines = [f"“{written}”不在文件的牵头单位中（可能是区县或企业）。确实要新建这个单位吗？"]
    if s.buttons:
        lines.append("请点按钮选择，还没有生成邀请码。")
        return lines
    lines += [f"改用文件中的单位请发送：/invite {name} {q.numbers}" for name in q.suggestions]
    lines.append(f"确实要新建“{q.written}”请发送：/invite {q.written} {q.numbers} 新建")
    return lines


RENDERERS: dict[type, Callable] = {
    InviteQuestion: _invite_question,
    ReportReceipt: _receipt, UndoReceipt: lambda u, s: ["\n\n".join("\n".join(_undone(i, s)) for i in u.items)],
    PendingConfirmation: _pending, Cancelled: lambda c, s: ["已取消，没有保存。"], InviteCreated: _invite,
    Joined: _joined, LiaisonList: _liaisons, Revoked: lambda r, s: ["已撤销：" + s.esc("；".join(r.what))],
    ProgressView: _progress, MineView: _mine, Notice: lambda n, s: [s.esc(n.text)],
}


def render_report(outcome: object, s: Style) -> str:
    """A report outcome in style `s` (knowledge.style): the console's plain text or Telegram's HTML."""
    return "\n".join(RENDERERS[type(outcome)](outcome, s))


def render_report_text(outcome: object) -> str:
    """Plain text for the console."""
    return render_report(outcome, PLAIN)


def render_report_html(outcome: object) -> str:
    """Telegram HTML; every piece of user text escaped."""
    return render_report(outcome, HTML)
