"""A message flows one way: read once into a typed draft, validated, authorised, stored, rendered; the guided
/report and /dept call typed service methods, and plain and HTML text come from one renderer per outcome."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from bot.services.facade import BotService
from errors import PermissionDenied, ReportInputError
from knowledge.answers import Intent
from knowledge.render import FULL_TEXT_HINT, render_answer, render_text
from knowledge.style import HTML, PLAIN
from reporting import grammar
from reporting.outcomes import InviteCreated, Notice, ReportReceipt
from reporting.periods import Period
from reporting.render import render_report
from tests.report_support import ADMIN, LIAISON, STRANGER, Messages

pytestmark = [pytest.mark.service, pytest.mark.both_engines]

OCTOBER = Period(year=2026, month=10)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the report grammar splits."""
    seen: list[str] = []
    split = grammar.read_message

    def counting(text: str, *args: Any, **kwargs: Any) -> grammar.SplitMessage:
        seen.append(text)
        return split(text, *args, **kwargs)

    monkeypatch.setattr(grammar, "read_message", counting)
    return seen


async def join(service: BotService, args: str = "市总工会 1,15,16") -> None:
    invite = await service.reports.liaisons.create_invite(ADMIN, args)
    assert isinstance(invite, InviteCreated)
    await service.reports.liaisons.join(LIAISON, invite.code)


async def test_every_free_text_is_read_by_the_grammar_once(service: BotService, reads: list[str]) -> None:
    await join(service)
    messages = Messages()
    for actor, text in ((LIAISON, "济南工匠 12 2026年10月"), (LIAISON, "谁负责产教融合?"),
                        (STRANGER, "济南工匠 12"), (STRANGER, "谁负责产教融合?"), (ADMIN, "市总工会 首席技师 3")):
        reads.clear()
        await service.handle_text(actor, text, None, messages(actor))
        assert reads == [text], (actor.name, text)


async def test_the_guided_report_stores_the_choice_without_the_grammar(service: BotService, reads: list[str]) -> None:
    await join(service)
    intake = service.reports.intake
    choices = await intake.choices(LIAISON)
    assert [(c.unit_name, c.indicator) for c in choices] == [("市总工会", 1), ("市总工会", 15), ("市总工会", 16)]
    choice = await intake.choice(LIAISON, choices[0].unit_id, 1)
    assert choice is not None and choice.unit == "万人"
    reads.clear()
    receipt = await intake.submit_figure(LIAISON, choice, OCTOBER, "136.5万", Messages()(LIAISON))
    assert reads == [] and isinstance(receipt, ReportReceipt)
    [item] = receipt.items
    assert (item.indicator, item.period, item.value) == (1, OCTOBER, 136.5)
    row = await service.reports.db.fetchone("SELECT source_text FROM reports WHERE id = ?", (item.report_id,))
    assert row is not None and row[0] == "市总工会 #1 136.5万 2026年10月"  # the guided path's source text, as before
    with pytest.raises(ReportInputError, match="没有找到“新增济南工匠”的数值"):
        await intake.submit_figure(LIAISON, choices[1], OCTOBER, "很多")
    assert await intake.choice(LIAISON, choices[0].unit_id, 22) is None  # not assigned
    with pytest.raises(PermissionDenied):
        await intake.choices(STRANGER)


async def test_dept_is_a_typed_lookup_not_a_made_up_question(service: BotService) -> None:
    answer = service.department("市总工会")
    assert answer is not None and answer.intent is Intent.DEPARTMENT_MEASURES and answer.question == "市总工会"
    asked = service.ask("市总工会负责哪些工作")
    assert render_text(answer) == render_text(asked) and answer.context.departments == ("市总工会",)
    both = service.department("市總工會 团市委")
    assert both is not None and both.intent is Intent.DEPARTMENT_INTERSECTION
    assert service.department("火星局") is None


@pytest.mark.pure
@pytest.mark.parametrize("question", ["谁负责产教融合?", "济南工匠是哪类指标", "市总工会负责哪些工作", "第8条原文",
                                      "<b>火星</b>", "一共几条措施"])
def test_plain_and_html_answers_come_from_one_renderer(question: str) -> None:
    from knowledge.engine import QuestionEngine
    from knowledge.parser import load_policy

    answer = QuestionEngine(load_policy(None)).answer(question)
    plain, marked = render_answer(answer, PLAIN), render_answer(answer, HTML)
    assert plain == render_text(answer)
    shown = html.unescape(re.sub(r"</?b>", "", marked))
    assert shown == "\n".join(line for line in plain.split("\n") if line != FULL_TEXT_HINT)
    assert "<b>火星</b>" not in marked


@pytest.mark.pure
def test_report_outcomes_render_in_either_style_from_one_place() -> None:
    notice = Notice(text="<注意>")
    assert render_report(notice, PLAIN) == "<注意>" and render_report(notice, HTML) == "&lt;注意&gt;"
