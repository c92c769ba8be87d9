"""Score multi-turn dialogs through the same service facade Telegram and the console drive."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from knowledge.render import answer_json
from tests.eval_runner import failures, load


@dataclass
class DialogReport:
    """Dialogs right in every turn, per tier, plus the turns that failed."""

    tiers: dict[str, list[int]] = field(default_factory=dict)  # tier -> [dialogs passed, dialogs]
    turns: list[int] = field(default_factory=lambda: [0, 0])
    misses: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = list(self.misses)
        for tier, (passed, total) in self.tiers.items():
            out.append(f"dialogs {tier}: {passed}/{total} ({100 * passed / total:.1f}%)")
        passed = sum(p for p, _ in self.tiers.values())
        total = sum(t for _, t in self.tiers.values())
        out.append(f"dialogs total: {passed}/{total}; turns {self.turns[0]}/{self.turns[1]}")
        return out


def run_dialogs(records: list[dict]) -> DialogReport:
    """Each dialog is one chat: every turn gets the context the previous answer left."""
    from bot.service import BotService
    from bot.settings import Settings

    service = BotService.for_questions(Settings())
    report = DialogReport()
    for record in records:
        counts = report.tiers.setdefault(str(record.get("tier", "untiered")), [0, 0])
        counts[1] += 1
        context = None
        ok = True
        for turn in record["turns"]:
            answer = service.ask(turn["q"], context)
            context = answer.context
            failed = failures(turn, answer_json(answer))
            report.turns[1] += 1
            if failed:
                ok = False
                text = answer_json(answer)["text"].replace("\n", " ")[:120]
                report.misses.append(f"MISS [{record.get('id')}] {turn['q']}: {failed}\n  text: {text}")
            else:
                report.turns[0] += 1
        counts[0] += ok
    return report


def main(argv: list[str] | None = None) -> int:
    paths = argv if argv is not None else sys.argv[1:]
    report = run_dialogs(load(paths))
    print("\n".join(report.lines()))
    return 0 if not report.misses else 1


if __name__ == "__main__":
    sys.exit(main())
