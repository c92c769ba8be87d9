"""Score multi-turn dialogs through the same service facade Telegram and the console drive.

`python -m tests.eval_dialogs [FILE...]`, every development dialog set by default; exit 0 when every miss is known.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from knowledge.render import answer_json
from tests.eval_runner import BLIND, failures, load

# Every development dialog set (each blind round's locked half was scored once and is development data since).
DIALOGS = [BLIND / name for name in ("dialogs_dev.jsonl", "dialogs_round1_scored.jsonl",
                                     "round2_dialogs_dev.jsonl", "round2_dialogs_scored.jsonl",
                                     "round3_dialogs_scored.jsonl", "round4_dialogs_scored.jsonl",
                                     "round5_dialogs_scored.jsonl", "round6_dialogs_scored.jsonl",
                                     "round7_dialogs_scored.jsonl", "round8_dialogs_scored.jsonl",
                                     "round9_dialogs_scored.jsonl", "round10_dialogs_scored.jsonl",
                                     "round11_dialogs_scored.jsonl", "round12_dialogs_scored.jsonl",
                                     "round13_dialogs_dev.jsonl", "round13_dialogs_scored.jsonl",
                                     "round14_dialogs_scored.jsonl", "round15_dialogs_dev.jsonl",
                                     "round15_dialogs_scored.jsonl")]

# Dialogs we know miss a turn and chose to leave, by id, each with the reason.
ROUND14 = "round 14, scored once, not worked on yet: "
KNOWN_DIALOG_MISSES = {
    "r9d029": "不是创新环境类的那个 refers to the list two turns back; the state keeps only the last list",
    "r14d020": ROUND14 + "老工人带新徒弟 shares no word with measure 5",
    "r14d050": ROUND14 + "创新失败留余地 for 容错: no shared word",
    "r15d040": "round 15, scored once: 参加的人数 after measure 7 is its indicator 11, not the competition's 12",
    "r15d009": "round 15 dev: 刚才那个<title> after other turns is read as a filter of the last list",
    "r15d023": "round 15 dev: a rambling question; 工会干事 reads as 市总工会, 技能比武 is not the text's 技术比武",
}


@dataclass
class DialogReport:
    """Dialogs right in every turn, per tier, plus the turns that failed."""

    tiers: dict[str, list[int]] = field(default_factory=dict)  # tier -> [dialogs passed, dialogs]
    turns: list[int] = field(default_factory=lambda: [0, 0])
    misses: list[str] = field(default_factory=list)

    @property
    def unknown(self) -> list[str]:
        """The misses of dialogs not in KNOWN_DIALOG_MISSES: what fails `make eval`."""
        return [m for m in self.misses if _known(m) is None]

    def lines(self) -> list[str]:
        out = [m if _known(m) is None else f"{m}\n  known: {_known(m)}" for m in self.misses]
        for tier, (passed, total) in self.tiers.items():
            out.append(f"dialogs {tier}: {passed}/{total} ({100 * passed / total:.1f}%)")
        passed = sum(p for p, _ in self.tiers.values())
        total = sum(t for _, t in self.tiers.values())
        out.append(f"dialogs total: {passed}/{total}; turns {self.turns[0]}/{self.turns[1]}")
        return out


def _known(miss: str) -> str | None:
    """Why a miss is left, when its dialog is a known one ("MISS [id] …")."""
    return next((why for key, why in KNOWN_DIALOG_MISSES.items() if miss.startswith(f"MISS [{key}] ")), None)


def run_dialogs(records: list[dict]) -> DialogReport:
    """Each dialog is one chat: every turn gets the context the previous answer left."""
    from bot.services.facade import BotService
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
    paths = (argv if argv is not None else sys.argv[1:]) or DIALOGS
    report = run_dialogs(load(paths))
    print("\n".join(report.lines()))
    return 0 if not report.unknown else 1


if __name__ == "__main__":
    sys.exit(main())
