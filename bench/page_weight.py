"""Bytes per paper: what a built site weighs, by kind of file, for the 2024 corpus and a generated set.

GitHub Pages publishes at most 1 GB, so the whole site's bytes per paper say how many papers fit. The
goal (issue 29) is at most 8 KB per paper over the whole site; a paper page and a card are measured alone too.

    python -m bench.page_weight                 # the 2024 corpus and 20,000 generated papers
    python -m bench.page_weight --generated 0   # the corpus only
"""

from __future__ import annotations

import argparse
import re
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

from bench.corpus import make_entries, write_text_dumps
from generator.build import build_site
from generator.config import load_config

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
BUDGET = 8 * 1024  # bytes per paper over the whole site
CARD = re.compile(rb'<li class="card".*?</li>\n', re.S)
KINDS = (
    ("paper pages", re.compile(r"papers/[^/]+/index\.html")),
    ("paper .bib", re.compile(r"papers/[^/]+/cite\.bib")),
    ("day pages", re.compile(r"(days/[^/]+/index\.html|index\.html)")),
    ("day .md/.bib", re.compile(r"days/[^/]+\.(md|bib)")),
    ("topic pages", re.compile(r"topics/[^/]+/(page/\d+/)?index\.html|topics/index\.html")),
    ("topic .md/.bib", re.compile(r"topics/[^/]+\.(md|bib)")),
    ("week/month pages", re.compile(r"(weeks|months)/.*")),
    ("feeds", re.compile(r".*\.(xml|opml)|.*feed\.json|(daily|weekly|monthly)\.json|feeds/.*")),
    ("papers.json", re.compile(r"papers\.json")),
    ("search", re.compile(r"search/.*")),
)


def kind_of(path: str) -> str:
    for kind, pattern in KINDS:
        if pattern.fullmatch(path):
            return kind
    return "other"


def weigh(project: Path) -> dict[str, object]:
    config, _ = load_config(None, project)
    result = build_site(config, project)
    papers = len(result.site.papers)
    by_kind: Counter[str] = Counter()
    for path, data in result.files.items():
        by_kind[kind_of(path)] += len(data)
    cards = [len(card) for path, data in result.files.items() if path.startswith("days/") and path.endswith(".html") for card in CARD.findall(data)]
    paper_pages = [len(data) for path, data in result.files.items() if KINDS[0][1].fullmatch(path)]
    return {
        "papers": papers,
        "total": sum(by_kind.values()),
        "by_kind": by_kind,
        "paper_page": sum(paper_pages) / max(len(paper_pages), 1),
        "card": sum(cards) / max(len(cards), 1),
    }


def report(name: str, found: dict[str, object]) -> None:
    papers = found["papers"]
    assert isinstance(papers, int) and papers
    total = found["total"]
    assert isinstance(total, int)
    by_kind = found["by_kind"]
    assert isinstance(by_kind, Counter)
    per_paper = total / papers
    verdict = "within" if per_paper <= BUDGET else "OVER"
    print(f"{name}: {papers:,} papers, {total / 1e6:.1f} MB, {per_paper / 1024:.2f} KB per paper ({verdict} the {BUDGET // 1024} KB budget)")
    print(f"  a paper page {found['paper_page']:,.0f} B on average; a card on a day page {found['card']:,.0f} B")
    for kind, size in by_kind.most_common():
        print(f"  {kind:<18} {size / papers:>8,.0f} B per paper")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=20_000, help="papers in the generated set (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus"
        (corpus / "content").mkdir(parents=True)
        with tarfile.open(DATA / "hf-daily-2024.tar.xz") as archive:
            archive.extractall(corpus / "content", filter="data")
        (corpus / "content" / "hf-daily-2024").rename(corpus / "content" / "dumps")
        (corpus / "digest.yaml").write_text("title: Corpus\nbase_url: https://example.org/\n", encoding="utf-8")
        report("2024 corpus", weigh(corpus))
        if args.generated:
            generated = Path(folder) / "generated"
            (generated / "content" / "dumps").mkdir(parents=True)
            # About one entry in four is a paper coming back (bench/corpus.py), so ask for a third more entries.
            write_text_dumps(make_entries(args.generated * 4 // 3), generated / "content" / "dumps")
            (generated / "digest.yaml").write_text("title: Generated\nbase_url: https://example.org/\nyear: 2000\n", encoding="utf-8")
            report("generated", weigh(generated))


if __name__ == "__main__":
    main()
