"""`python -m bench.topics`: topic coverage and classification speed of the default taxonomy.

Runs the real pipeline over the sample content and the 157-day JSON corpus
(tests/data/hf-daily-2024.tar.xz), then times compiling the taxonomy and
classifying every paper (best of five), and prints the coverage figures the
README quotes.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from generator.build import build_site
from generator.config import Config
from generator.model import Paper
from generator.topics import DEFAULT_TAXONOMY, Classifier, coverage, parse_taxonomy

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "tests" / "data" / "hf-daily-2024.tar.xz"
ROUNDS = 5


def papers_of(content_dir: Path, year: int | None) -> tuple[Paper, ...]:
    return build_site(Config(content_dir=content_dir, year=year), REPO_ROOT).site.papers


def classify_seconds(papers: tuple[Paper, ...]) -> tuple[float, float]:
    """(compile, classify all) in seconds, best of ROUNDS, each round with a fresh classifier (cold word cache)."""
    taxonomy, _ = parse_taxonomy(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), "default")
    assert taxonomy is not None
    compile_best = classify_best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        classifier = Classifier(taxonomy)
        compiled = time.perf_counter()
        for paper in papers:
            classifier.classify(paper.title, paper.abstract)
        done = time.perf_counter()
        compile_best, classify_best = min(compile_best, compiled - started), min(classify_best, done - compiled)
    return compile_best, classify_best


def report(name: str, papers: tuple[Paper, ...]) -> None:
    taxonomy, _problems = parse_taxonomy(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), "default")
    assert taxonomy is not None
    figures = coverage(papers, taxonomy.site_topics)
    largest_topic, largest = max(((t, c) for t, c in figures.counts if t.slug != "other"), key=lambda pair: pair[1])
    compile_s, classify_s = classify_seconds(papers)
    per_paper = sum(len(p.topics) for p in papers) / len(papers)
    print(
        f"{name:<8} {figures.total:>6} papers  {figures.classified_share:6.1%} specific  {len(figures.unclassified):>4} in Other  "
        f"largest {largest_topic.slug} {largest / figures.total:5.1%}  {per_paper:.2f} topics/paper  "
        f"compile {compile_s * 1000:.1f} ms  classify {classify_s * 1000:.0f} ms ({classify_s / len(papers) * 1e6:.0f} µs/paper)"
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
