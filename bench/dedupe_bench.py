"""`python -m bench.dedupe_bench [SIZES...]`: the dedupe engine's cost curve on generated corpora.

Each size runs in its own child process so peak memory (ru_maxrss, the corpus in memory
included) is its own. Prints time, candidate pairs scored, peak memory, and pairwise
precision and recall against the corpus maker's ground truth.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)


def pairs(labels: Sequence[object]) -> int:
    return sum(n * (n - 1) // 2 for n in Counter(labels).values())


def measure(size: int, seed: int) -> dict[str, Any]:
    from bench.corpus import make_corpus
    from generator.pipeline.dedupe import dedupe

    corpus = make_corpus(size, seed)
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu_started = time.perf_counter(), time.process_time()
    result = dedupe(corpus.entries)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    position = {(e.source, e.line): i for i, e in enumerate(corpus.entries)}
    found = [""] * len(corpus.entries)
    for paper in result.papers:
        for appearance in paper.appearances:
            found[position[(appearance.source, appearance.line)]] = paper.id
    both, predicted, actual = pairs(list(zip(found, corpus.paper_of, strict=True))), pairs(found), pairs(corpus.paper_of)
    return {
        "entries": size,
        "papers": len(result.papers),
        "true_papers": len(set(corpus.paper_of)),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "candidate_pairs": result.candidate_pairs,
        "corpus_mb": before_mb,
        "peak_mb": peak_mb,
        "precision": both / predicted if predicted else 1.0,
        "recall": both / actual if actual else 1.0,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dedupe_bench", description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.sizes[0], args.seed)))
        return 0
    header = ("entries", 10), ("papers", 9), ("seconds", 8), ("cpu s", 7), ("pairs", 10), ("pairs/entry", 11), ("corpus MB", 9), ("peak MB", 8)
    print(" ".join(f"{name:>{width}}" for name, width in header), f"{'precision':>9} {'recall':>7}")
    for size in args.sizes:
        child = [sys.executable, "-m", "bench.dedupe_bench", "--child", "--seed", str(args.seed), str(size)]
        finished = subprocess.run(child, cwd=REPO_ROOT, capture_output=True, text=True)
        if finished.returncode != 0:
            raise SystemExit(f"size {size} failed:\n{finished.stderr[-3000:]}")
        r = json.loads(finished.stdout.strip().splitlines()[-1])
        print(
            f"{r['entries']:>10,} {r['papers']:>9,} {r['seconds']:>8.2f} {r['cpu_seconds']:>7.2f} {r['candidate_pairs']:>10,} "
            f"{r['candidate_pairs'] / r['entries']:>11.2f} {r['corpus_mb']:>9.0f} {r['peak_mb']:>8.0f} {r['precision']:>9.4f} {r['recall']:>7.4f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
