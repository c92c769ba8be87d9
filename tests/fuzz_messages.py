"""A seeded generator of hostile messages: random Unicode, huge, control characters, markup, odd commands, reports.

Deterministic for a seed, so a failure names the message that caused it and reruns identically.
"""

from __future__ import annotations

import random

INDICATOR_WORDS = ("济南工匠", "首席技师", "技能人才", "双师型", "#15", "15", "指标16：", "第22项", "工作室", "十二",
                   "#13", "#0", "#999", "新增", "累计")
NUMBERS = ("12", "-3", "0", "1e309", "nan", "inf", "１２", "十二", "一百万", "1,234,567", "136.5万", "66%", "101%",
           "99999999999999999999", "0.0000001", "3/4", "--1", "12人", "8 人", "1365000人", "½", "Ⅻ", "٣")
PERIODS = ("", "2026年10月", "2026-10", "10月", "上月", "本月", "2099年1月", "2021年12月", "0年0月", "2026年13月",
           "上上月", "1970-01", "2026-02-30")
MARKUP = ("*粗体*", "_斜体_", "`代码`", "[链接](http://example.com)", "<b>", "</b>", "<script>alert(1)</script>",
          "&amp;", "&lt;", "<a href='x'>", "</a>", "<tg-spoiler>", "```", "~~", "||", "&#0;", "<", ">", "&")
CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\u200b\u200e\u202e\ufeff\u2028\u2029\r\t\n"
COMMANDS = ("/start", "/help", "/measures", "/measure", "/indicators", "/dept", "/report", "/mine", "/progress",
            "/undo", "/join", "/invite", "/liaisons", "/revoke", "/weekly", "/export", "/remind", "/cancel",
            "/nosuch", "/start@jinan_policy_bot", "/measure@other_bot", "/", "//", "/REPORT")
QUESTION_WORDS = ("谁负责", "产教融合", "市总工会", "负责哪些工作", "2025年目标", "那2023年呢", "第8条", "措施八", "和",
                  "共同", "天气", "公租房", "？", "?", "誰負責", "ｃｈａｎｎｅｌ")
BUTTON_DATA = ("m:0", "m:16", "m:-1", "mf:999", "mt:1x", "ml:", "q:zz", "q:" + "0" * 12, "ru:",
               "ru:1,2,3,4,5,6,7,8,9,10,11", "ru:99999999999999", "rc:", "rx:" + "f" * 12, "rp:i:1:99", "rp:p:2026-00",
               "rp:x ", "", " ", "\x00",
               "m:8" * 30, "😀", "null", "{}", "rp:i:-1:15")


class MessageFuzzer:
    """`text()` a message as a user might type (or craft) it; `data()` button data that was never offered."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def unicode(self, size: int) -> str:
        """Random code points from every plane we can receive (no lone surrogates: Telegram sends UTF-8)."""
        pick = self.rng.choice
        ranges = ((0x20, 0x7E), (0x4E00, 0x9FFF), (0xA0, 0x2FFF), (0x3000, 0x30FF), (0xFF00, 0xFFEF),
                  (0x1F300, 0x1FAFF), (0x0, 0x1F), (0xE000, 0xF8FF), (0x10000, 0x10FFFF))
        out = []
        for _ in range(size):
            low, high = pick(ranges)
            point = self.rng.randint(low, high)
            out.append(chr(point if not 0xD800 <= point <= 0xDFFF else 0x20))
        return "".join(out)

    def text(self) -> str:
        kind = self.rng.randrange(9)
        if kind == 0:
            return self.unicode(self.rng.randint(0, 40))
        if kind == 1:
            return self._huge()
        if kind == 2:
            return self._mix(CONTROLS, 12)
        if kind == 3:
            return self._mix(MARKUP + QUESTION_WORDS, 8)
        if kind == 4:
            return self.command()
        if kind in (5, 6):
            return self.report()
        if kind == 7:
            return self._mix(QUESTION_WORDS, 5)
        return self.rng.choice(("", " ", "\n", "。", "0", "/", "@jinan_policy_bot", "#", "；；；", "\x00"))

    def command(self) -> str:
        """A command with no, odd or hostile arguments."""
        head = self.rng.choice(COMMANDS)
        args = self.rng.choice((
            "", " ", self.unicode(5), self._mix(MARKUP, 3), self.rng.choice(NUMBERS), "市总工会 15,16", "<b>局 15",
            "单位 " + ",".join(str(self.rng.randint(-5, 40)) for _ in range(4)), "全部", "' OR 1=1 --", "%s %d {0}",
            "A" * self.rng.randint(8, 70), "2026-W99", "csv", "xlsx", "@zhangsan", "0", "-1", self.report(),
        ))
        return f"{head} {args}" if args else head

    def report(self) -> str:
        """Report-shaped text: indicator, number, period, unit words and separators in random order and amounts."""
        if self.rng.random() < 0.3:  # well formed, so some of them are stored
            word = self.rng.choice(("济南工匠", "首席技师", "#15", "双师型", "第22项"))
            return f"{word} {self.rng.randint(1, 20)} 2026年{self.rng.randint(1, 10)}月"
        items = []
        for _ in range(self.rng.randint(1, 4)):
            parts = [self.rng.choice(INDICATOR_WORDS), self.rng.choice(NUMBERS), self.rng.choice(PERIODS)]
            if self.rng.random() < 0.3:
                parts.insert(0, self.rng.choice(("市总工会", "市教育局", "<b>局", "不存在的单位", "本地单位")))
            self.rng.shuffle(parts) if self.rng.random() < 0.2 else None
            items.append(" ".join(p for p in parts if p))
        return self.rng.choice(("\n", "；", ";", "，", " ")).join(items)

    def data(self) -> str:
        """Callback data a client could forge."""
        if self.rng.random() < 0.5:
            return self.rng.choice(BUTTON_DATA)
        return self.unicode(self.rng.randint(0, 70))[:64]

    def _huge(self) -> str:
        unit = self.rng.choice(("谁负责产教融合？", "济南工匠 12；", "<b>&", "😀", self.unicode(7), "a"))
        return (unit * (self.rng.randint(4000, 12000) // len(unit) + 1))[: self.rng.randint(4000, 12000)]

    def _mix(self, pool: str | tuple[str, ...], count: int) -> str:
        return "".join(self.rng.choice(pool) for _ in range(self.rng.randint(1, count)))
