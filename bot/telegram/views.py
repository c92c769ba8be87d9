"""Telegram HTML and keyboard specs for answers and browsing views: pure functions, all user text escaped."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.telegram import callbacks
from bot.telegram.commands import ADMIN_COMMANDS, PUBLIC_COMMANDS
from knowledge.answers import Answer, IndicatorHit, Intent, MeasureHit
from knowledge.models import Frozen, Measure, PolicyDocument
from knowledge.render import group_label, indicator_line, measure_heading, render_text
from knowledge.render import render_answer as render_answer_text
from knowledge.style import HTML

LIST_INTENTS = (Intent.DEPARTMENT_MEASURES, Intent.DEPARTMENT_INTERSECTION, Intent.DEPARTMENT_COMPLEMENT,
                Intent.AMBIGUOUS, Intent.MEASURE_LIST, Intent.MENTIONS, Intent.COUNT)
MESSAGE_LIMIT = 4096  # Telegram's limit for one text message, in UTF-16 code units
LIAISON_HELP = ("report", "mine", "progress", "undo", "join")
EXAMPLES = ("谁负责产教融合？", "市总工会负责哪些工作？", "济南工匠2025年目标是多少？")
_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|.", re.S)


class Role(StrEnum):
    """Who is talking to the bot, which decides the welcome and help texts."""

    WORKER = "worker"
    LIAISON = "liaison"
    ADMIN = "admin"


class Button(Frozen):
    """An inline button: callback data, or a Web App to open (`web_app`: its https address; private chats only)."""

    text: str
    data: str = ""
    web_app: str | None = None


class Reply(Frozen):
    """One reply: HTML text, inline keyboard rows, and the questions behind any choice buttons."""

    text: str
    keyboard: tuple[tuple[Button, ...], ...] = ()
    choices: tuple[tuple[str, str], ...] = ()


class InlineArticle(Frozen):
    """One inline-mode result."""

    id: str
    title: str
    description: str
    text: str


def render_outcome(outcome: object) -> Reply:
    """Whatever BotService.handle_text returned, as a Telegram reply."""
    if isinstance(outcome, Answer):
        return render_answer(outcome)
    from bot.telegram.report_views import is_report_outcome, render_report_outcome  # reports: receipts, undo, invites

    if is_report_outcome(outcome):
        return render_report_outcome(outcome)
    from bot.telegram.summary_views import is_summary_outcome, render_summary_outcome  # weekly summary, reminder plan

    if is_summary_outcome(outcome):
        return render_summary_outcome(outcome)
    raise TypeError(f"no Telegram rendering for {type(outcome).__name__}")


def render_answer(answer: Answer) -> Reply:
    """The engine's wording (knowledge.render) in HTML, with buttons for full texts and candidates.

    Buttons under an answer send a new message (the answer stays readable); browsing views edit in place.
    """
    text = render_answer_text(answer, HTML)  # no hint to type 全文 in this style: buttons instead
    rows: list[tuple[Button, ...]] = []
    if answer.candidates:
        rows += [(Button(text=c.label, data=callbacks.choice(c.question)),) for c in answer.candidates]
    elif len(answer.measures) > 1 or answer.intent in LIST_INTENTS:
        rows += _grid([Button(text=f"第{h.number}条", data=callbacks.measure_text(h.number))
                       for h in answer.measures], 4)
    else:
        rows += _grid([Button(text=f"第{h.number}条全文", data=callbacks.measure_text(h.number))
                       for h in answer.measures], 3)
    choices = tuple((callbacks.choice_key(c.question), c.question) for c in answer.candidates)
    return Reply(text=text or "（没有找到相关内容）", keyboard=tuple(rows), choices=choices)


def render_measure_list(document: PolicyDocument) -> Reply:
    """Measures grouped under their group titles, one button each."""
    lines = [f"{HTML.heading(document.meta.title)}：工作措施共 {len(document.measures)} 条"]
    rows: list[tuple[Button, ...]] = []
    group = None
    for measure in document.measures:
        if measure.group_number != group:
            group = measure.group_number
            lines.append(f"\n{HTML.heading(group_label(_hit(measure)))}")
        lines.append(f"{measure.number}. {HTML.esc(measure.title)}")
        rows.append((Button(text=f"{measure.number}. {measure.title}", data=callbacks.measure(measure.number)),))
    lines.append("\n点按钮查看牵头部门和全文。")
    return Reply(text="\n".join(lines), keyboard=tuple(rows))


def render_measure(measure: Measure) -> Reply:
    """A measure's heading, group and lead departments, with 全文 and back buttons."""
    hit = _hit(measure)
    lines = [
        f"{HTML.heading(measure_heading(hit))}",
        f"所属：{HTML.esc(group_label(hit))}",
        f"牵头部门（{len(measure.departments)}个）：{HTML.esc('、'.join(measure.departments))}",
    ]
    if measure.sentences:
        lines.append(f"要点：{HTML.esc(measure.sentences[0])}")
    keyboard = ((Button(text="全文", data=callbacks.measure_full(measure.number)),
                 Button(text="« 返回列表", data=callbacks.measure_list())),)
    return Reply(text="\n".join(lines), keyboard=keyboard)


def render_measure_full(measure: Measure) -> Reply:
    """The measure's whole text, as the document says it."""
    hit = _hit(measure)
    lines = [
        f"{HTML.heading(measure_heading(hit))}",
        HTML.esc(measure.body),
        f"（{HTML.esc('、'.join(measure.departments))}按照职责分工负责）",
    ]
    keyboard = ((Button(text="« 返回", data=callbacks.measure(measure.number)),
                 Button(text="措施列表", data=callbacks.measure_list())),)
    return Reply(text="\n".join(lines), keyboard=keyboard)


def render_indicators(document: PolicyDocument) -> Reply:
    """The indicator table grouped by category."""
    lines = [f"{HTML.heading(document.indicator_table_title)}（共 {len(document.indicators)} 项）"]
    for category in document.categories:
        lines.append(f"\n{HTML.heading(category)}")
        for indicator in document.indicators:
            if indicator.category == category:
                lines.append(HTML.esc(indicator_line(IndicatorHit(**indicator.model_dump()))))
    lines.append("\n可以直接问，例如：济南工匠2025年目标是多少？")
    return Reply(text="\n".join(lines))


def render_departments(document: PolicyDocument) -> Reply:
    """/dept without a name: which names it knows, and how to ask."""
    names = "、".join(document.departments)
    return Reply(text=f"请在命令后写部门名称，例如：<code>/dept 市总工会</code>\n文件中的牵头部门：{HTML.esc(names)}")


def render_welcome(role: Role, name: str) -> Reply:
    examples = "\n".join(f"· {q}" for q in EXAMPLES)
    lines = [f"您好，{HTML.esc(name or '朋友')}！我是《济南市提升产业工人创新力实施意见》政策助手。",
             f"直接发问题即可，例如：\n{examples}",
             "也可以用 /measures 浏览工作措施，/indicators 查看指标体系，/help 查看全部用法。"]
    if role is Role.LIAISON:
        lines.append("您是联络员，可以直接发送本单位的指标数据，例如：<code>济南工匠 12</code>")
    if role is Role.ADMIN:
        lines.append("您是管理员：可以邀请联络员（<code>/invite 市总工会 15,16</code>）、"
                     "查看周报（/weekly）、导出数据（/export）。")
    return Reply(text="\n\n".join(lines))


def render_help(role: Role, bot_username: str) -> Reply:
    lines = ["<b>提问</b>：直接发送问题，例如“谁负责产教融合？”，可以追问“那2025年呢？”",
             "/measures 工作措施列表（可点开看全文）",
             "/measure 8 查看第8条措施",
             "/indicators 指标体系",
             "/dept 市总工会 某部门负责的措施",
             f"在任意聊天输入 <code>@{HTML.esc(bot_username)} 产教融合</code> 可直接引用答案。",
             "在群里请 @我 或回复我的消息提问。"]
    if role in (Role.LIAISON, Role.ADMIN):
        lines += ["", ("<b>报送数据</b>：直接发送，例如 <code>济南工匠 12</code>、<code>15 12 2026年10月</code>；"
                       "也可用 /report")]
        lines += [f"/{name} {HTML.esc(text)}" for name, text in PUBLIC_COMMANDS.items() if name in LIAISON_HELP]
    if role is Role.ADMIN:
        lines += ["", "<b>管理</b>（邀请码、名单、周报和导出只在私聊中显示）："]
        lines += [f"/{name} {HTML.esc(text)}" for name, text in ADMIN_COMMANDS.items()]
    return Reply(text="\n".join(lines))


def inline_articles(answer: Answer, measures: dict[int, Measure], prefix: str = "") -> list[InlineArticle]:
    """The answer itself, then the full text of each measure it names."""
    reply = render_answer(answer)
    plain = render_text(answer).split("\n")
    first = InlineArticle(id=f"{prefix}answer", title=_cut(plain[0], 60), description=_cut(" ".join(plain[1:3]), 120),
                          text=_first_chunk(reply.text))
    out = [first]
    for hit in answer.measures[:5]:
        if hit.number in measures:
            full = render_measure_full(measures[hit.number])
            out.append(InlineArticle(id=f"{prefix}measure-{hit.number}", title=f"{measure_heading(hit)} 全文",
                                     description="、".join(hit.departments), text=_first_chunk(full.text)))
    return out


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split at line ends into messages under `limit`; an over-long line is cut between tags, kept balanced."""
    chunks: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for piece in _split_line(line, limit):
            joined = piece if current is None else f"{current}\n{piece}"
            if _utf16(joined) <= limit:
                current = joined
            else:
                if current is not None:
                    chunks.append(current)
                current = piece
    if current is not None:
        chunks.append(current)
    return [c for c in chunks if re.sub(r"<[^<>]*>", "", c).strip()]


def _split_line(line: str, limit: int) -> list[str]:
    if _utf16(line) <= limit:
        return [line]
    pieces: list[str] = []
    open_tags: list[str] = []
    current = prefix = ""
    for token in _TOKEN.findall(line):
        opened = [*open_tags, token] if token.startswith("<") else open_tags
        after = open_tags[:-1] if token.startswith("</") else opened
        if current != prefix and _utf16(current + token + _closers(after)) > limit:
            pieces.append(current + _closers(open_tags))
            current = prefix = "".join(open_tags)
        current += token
        open_tags = after
    pieces.append(current)
    return pieces


def _closers(open_tags: list[str]) -> str:
    return "".join(f"</{_tag_name(tag)}>" for tag in reversed(open_tags))


def _tag_name(tag: str) -> str:
    found = re.match(r"</?([\w-]+)", tag)
    if found is None:
        raise ValueError(f"not an HTML tag: {tag!r}")
    return found.group(1)


def _grid(buttons: list[Button], width: int) -> list[tuple[Button, ...]]:
    return [tuple(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def _hit(measure: Measure) -> MeasureHit:
    return MeasureHit(number=measure.number, title=measure.title, group_number=measure.group_number,
                      group_title=measure.group_title, departments=measure.departments)


def _first_chunk(text: str) -> str:
    return split_html(text)[0]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
