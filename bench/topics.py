"""`python -m bench.topics`: topic coverage and classification speed of the default taxonomy.

Runs the real pipeline over the sample content and the 157-day JSON corpus
(tests/data/hf-daily-2024.tar.xz), then times, in CPU seconds (best of five):
reading the default taxonomy, compiling it, classifying every paper with a
fresh classifier (a clean build), and classifying them again through a memo
kept from the last build after one paper's abstract changed (a live-preview
rebuild). Also prints the coverage figures docs/topics.md quotes.
"""

from __future__ import annotations

import dataclasses
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from generator.build import build_site
from generator.config import Config
from generator.memo import Memo
from generator.model import Paper
from generator.pipeline.topics import DEFAULT_TAXONOMY, Classifier, classify_papers, coverage, load_taxonomy, parse_taxonomy

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "tests" / "data" / "hf-daily-2024.tar.xz"
ROUNDS = 5


def papers_of(content_dir: Path, year: int | None) -> tuple[Paper, ...]:
    return build_site(Config(content_dir=content_dir, year=year), REPO_ROOT).site.papers


def classify_seconds(papers: tuple[Paper, ...]) -> dict[str, float]:
    """CPU seconds, best of ROUNDS: load (read and parse content/topics.yaml), compile, classify (every paper, a fresh
    classifier: a cold word cache) and rebuild (classify_papers through the last build's memo, one abstract changed)."""
    best = dict.fromkeys(("load", "compile", "classify", "rebuild"), float("inf"))
    content = REPO_ROOT / "content"  # its topics.yaml is the packaged default
    memo = Memo()
    taxonomy, _ = load_taxonomy(content)
    assert taxonomy is not None
    classify_papers(papers, taxonomy, memo)
    memo.commit()
    for round_number in range(ROUNDS):
        started = time.process_time()
        taxonomy, _ = load_taxonomy(content)
        loaded = time.process_time()
        assert taxonomy is not None
        classifier = Classifier(taxonomy)
        compiled = time.process_time()
        for paper in papers:
            classifier.classify(paper.title, paper.abstract)
        classified = time.process_time()
        edited = list(papers)
        edited[0] = dataclasses.replace(papers[0], abstract=f"{papers[0].abstract} Edit {round_number}.")
        rebuild_started = time.process_time()
        taxonomy, _ = load_taxonomy(content)
        assert taxonomy is not None
        classify_papers(edited, taxonomy, memo)
        rebuilt = time.process_time()
        assert memo.counts()["topics"] == (1, len(papers) - 1)
        memo.commit()
        measured = {"load": loaded - started, "compile": compiled - loaded, "classify": classified - compiled, "rebuild": rebuilt - rebuild_started}
        best = {name: min(best[name], seconds) for name, seconds in measured.items()}
    return best


def report(name: str, papers: tuple[Paper, ...]) -> None:
    taxonomy, _problems = parse_taxonomy(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), "default")
    assert taxonomy is not None
    figures = coverage(papers, taxonomy.site_topics)
    largest_topic, largest = max(((t, c) for t, c in figures.counts if t.slug != "other"), key=lambda pair: pair[1])
    seconds = classify_seconds(papers)
    per_paper = sum(len(p.topics) for p in papers) / len(papers)
    print(
        f"{name:<8} {figures.total:>6} papers  {figures.classified_share:6.1%} specific  {len(figures.unclassified):>4} in Other  "
        f"largest {largest_topic.slug} {largest / figures.total:5.1%}  {per_paper:.2f} topics/paper"
    )
    print(
        f"{'':<8} CPU: load taxonomy {seconds['load'] * 1000:.1f} ms  compile {seconds['compile'] * 1000:.1f} ms  "
        f"classify all {seconds['classify'] * 1000:.0f} ms ({seconds['classify'] / len(papers) * 1e6:.0f} µs/paper)  "
        f"rebuild with one paper changed {seconds['rebuild'] * 1000:.1f} ms (load included)"
    )


def main() -> int:
    report("sample", papers_of(REPO_ROOT / "content", 2025))
    with tempfile.TemporaryDirectory() as temp:
        with tarfile.open(CORPUS) as archive:
            archive.extractall(temp, filter="data")
        content = Path(temp) / "content"
        shutil.move(Path(temp) / "hf-daily-2024", content / "dumps")
        report("corpus", papers_of(content, None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
