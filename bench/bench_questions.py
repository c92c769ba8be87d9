"""Cold start and per-question latency of the question engine against the naive jieba+rank_bm25 peer."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import BenchResult

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "谁负责产教融合?"
QUESTION_FILES = [ROOT.parent / "shared" / "eval" / "qa_public.jsonl", ROOT / "tests" / "data" / "qa_own.jsonl"]


# Runs in a small intermediate process: a child forked from this (possibly large) benchmark process
# would otherwise inherit its resident size in ru_maxrss before exec.
MEASURE = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def _run(argv: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KB) of one child process, from its own rusage."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *argv], cwd=ROOT, capture_output=True, text=True, check=True)
    elapsed, rss, code = out.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{argv} exited {code}")
    return float(elapsed), int(rss)


def cold_start(rounds: int) -> list[BenchResult]:
    ours_argv = [sys.executable, "main.py", "ask", QUESTION]
    peer_argv = [sys.executable, "bench/naive_peer.py", QUESTION]
    _run(peer_argv)  # let jieba write its dictionary cache once, as any real deployment would have
    ours: list[float] = []
    peer: list[float] = []
    ours_rss: list[float] = []
    peer_rss: list[float] = []
    for _ in range(rounds):
        for argv, times, rss in ((ours_argv, ours, ours_rss), (peer_argv, peer, peer_rss)):
            seconds, kb = _run(argv)
            times.append(seconds)
            rss.append(kb / 1024)
    ours_median, peer_median = statistics.median(ours), statistics.median(peer)
    ratio = ours_median / peer_median
    peak = max(ours_rss)
    return [
        BenchResult("cold start: ask one question", ours_median * 1000, "ms", "≤ 0.5× peer", ratio <= 0.5,
                    peer=peer_median * 1000, ratio=ratio, detail=f"median of {rounds}, alternating"),
        BenchResult("cold start: peak RSS", peak, "MB", "≤ 80 MB", peak <= 80,
                    peer=max(peer_rss), ratio=peak / max(peer_rss)),
    ]


def _questions() -> list[str]:
    out: list[str] = []
    for path in QUESTION_FILES:
        if path.exists():
            out += [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def latency(repeats: int) -> list[BenchResult]:
    import jieba

    from bench.naive_peer import POLICY, NaivePipeline
    from knowledge.engine import QuestionEngine
    from knowledge.parser import load_policy

    jieba.setLogLevel(60)
    questions = _questions()
    engine = QuestionEngine(load_policy())
    naive = NaivePipeline(POLICY.read_text(encoding="utf-8"))
    for q in questions:  # warm both: lazy imports, jieba's dictionary
        engine.answer(q)
        naive.answer(q)
    ours: list[float] = []
    peer: list[float] = []
    for _ in range(repeats):
        for q in questions:
            start = time.perf_counter()
            engine.answer(q)
            middle = time.perf_counter()
            naive.answer(q)
            ours.append(middle - start)
            peer.append(time.perf_counter() - middle)
    ours_median, peer_median = statistics.median(ours), statistics.median(peer)
    p99 = statistics.quantiles(ours, n=100)[98]
    ratio = ours_median / peer_median
    return [
        BenchResult("question latency (median)", ours_median * 1e6, "µs", "≤ 1.0× peer", ratio <= 1.0,
                    peer=peer_median * 1e6, ratio=ratio, detail=f"{len(questions)} questions × {repeats}"),
        BenchResult("question latency (p99)", p99 * 1e6, "µs", "≤ 2000 µs", p99 <= 0.002),
    ]


def run(quick: bool = False) -> list[BenchResult]:
    return cold_start(5 if quick else 10) + latency(3 if quick else 10)
