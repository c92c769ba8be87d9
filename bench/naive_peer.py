"""The naive peer: jieba's default dictionary + rank_bm25 over the measure paragraphs, nothing else."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jieba
from rank_bm25 import BM25Okapi

POLICY = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "policy_jinan_2022.txt"
MEASURE = re.compile(r"^\d+\s*[.．]", re.M)
DEPTS = re.compile(r"[（(]([^（()）]+)按照职责分工负责[）)]")


class NaivePipeline:
    """What a first attempt would do: split paragraphs, tokenize with jieba, rank with BM25."""

    def __init__(self, text: str) -> None:
        body = text.split("二、工作措施", 1)[1].split("三、组织保障", 1)[0]
        self.paragraphs: list[str] = []
        for line in filter(None, (line.strip() for line in body.splitlines())):
            if MEASURE.match(line):
                self.paragraphs.append(line)
            elif self.paragraphs and not line.startswith("（"):
                self.paragraphs[-1] += line
        self.bm25 = BM25Okapi([jieba.lcut(p) for p in self.paragraphs])

    def answer(self, question: str) -> str:
        scores = self.bm25.get_scores(jieba.lcut(question))
        best = max(range(len(scores)), key=scores.__getitem__)
        depts = DEPTS.search(self.paragraphs[best])
        return f"第{best + 1}条：{depts.group(1) if depts else ''}"


if __name__ == "__main__":
    jieba.setLogLevel(60)
    pipeline = NaivePipeline(POLICY.read_text(encoding="utf-8"))
    print(pipeline.answer(" ".join(sys.argv[1:])))
