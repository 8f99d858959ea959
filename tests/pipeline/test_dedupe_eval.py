"""Quality: pairwise precision and recall on the labelled set, the generated corpus, and the JSON corpus."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.corpus import make_corpus
from generator.config import DedupeSettings
from generator.model import Entry
from generator.pipeline.dedupe import dedupe
from generator.pipeline.normalize import compact, normalize_title
from generator.pipeline.readers.hf_json import read_json_dump
from generator.pipeline.readers.text_dump import read_text_dump
from tests.conftest import DATA, SEEDS

EVAL = DATA / "dedupe_eval"
LATER = dt.date(2025, 9, 1)


def pairs(labels: Sequence[object]) -> int:
    return sum(n * (n - 1) // 2 for n in Counter(labels).values())


def precision_recall(entries: Sequence[Entry], truth: Sequence[object]) -> tuple[float, float]:
    """Pairwise: of the entry pairs put in one paper, how many are one paper, and the converse."""
    paper_of = {(a.source, a.line): p.id for p in dedupe(entries, DedupeSettings()).papers for a in p.appearances}
    found = [paper_of[(e.source, e.line)] for e in entries]
    both = pairs(list(zip(found, truth, strict=True)))
    predicted, actual = pairs(found), pairs(truth)
    return (both / predicted if predicted else 1.0), (both / actual if actual else 1.0)


def seed_entries() -> list[Entry]:
    return [e for seed in sorted(SEEDS.iterdir()) for e in read_text_dump(seed.read_bytes(), "dumps/" + seed.name, 2025).entries]


def labelled_set() -> tuple[list[Entry], list[str]]:
    """The seeds (one paper per title: they hold no revised titles), then the variants and near misses a week later."""
    seeds = seed_entries()
    abstracts = {e.title: e.abstract for e in seeds}
    entries, truth = list(seeds), [compact(normalize_title(e.title)) for e in seeds]
    items = [(item, compact(normalize_title(item["paper"]))) for item in json.loads((EVAL / "variants.json").read_text(encoding="utf-8"))]
    items += [(item, "near-miss:" + item["paper"]) for item in json.loads((EVAL / "near_misses.json").read_text(encoding="utf-8"))]
    for number, (item, label) in enumerate(items):
        abstract = item.get("abstract") or abstracts[item["paper"]]
        for old, new in item.get("replace", ()):
            abstract = abstract.replace(old, new)
        if "cut" in item:
            abstract = abstract[: item["cut"]].rsplit(" ", 1)[0] + item.get("tail", "")
        date = LATER + dt.timedelta(days=number % 5)
        entries.append(Entry(date, number + 1, item["title"], abstract, f"dumps/eval-{date.isoformat()}.txt", 3 + 4 * number))
        truth.append(label)
    return entries, truth


def test_labelled_variants_and_near_misses_reach_the_quality_bar() -> None:
    entries, truth = labelled_set()
    assert sum(label.startswith("near-miss:") for label in truth) >= 10
    precision, recall = precision_recall(entries, truth)
    print(f"labelled set: {len(entries)} entries, precision {precision:.4f}, recall {recall:.4f}")
    assert precision >= 0.995, precision
    assert recall >= 0.98, recall


def test_every_near_miss_stays_its_own_paper() -> None:
    entries, truth = labelled_set()
    papers = dedupe(entries, DedupeSettings()).papers
    for paper in papers:
        labels = {truth[entries.index(next(e for e in entries if (e.source, e.line) == (a.source, a.line)))] for a in paper.appearances}
        assert len(labels) == 1, f"{paper.title!r} merged {labels}"


def test_generated_corpus_with_variants_reaches_the_quality_bar() -> None:
    corpus = make_corpus(6000, seed=11)
    assert corpus.same_paper_pairs() > 1000
    precision, recall = precision_recall(corpus.entries, corpus.paper_of)
    print(f"generated corpus: precision {precision:.4f}, recall {recall:.4f}")
    assert precision >= 0.995, precision
    assert recall >= 0.98, recall


def corpus_entries(corpus_dir: Path) -> list[Entry]:
    return [e for path in sorted(corpus_dir.glob("*.json")) for e in read_json_dump(path.read_bytes(), "dumps/" + path.name, None).entries]


def test_the_json_corpus_builds_into_exactly_its_2202_papers(corpus_dir: Path) -> None:
    entries = corpus_entries(corpus_dir)
    assert len({e.arxiv_id for e in entries}) == 2202
    assert len(dedupe(entries, DedupeSettings()).papers) == 2202


def test_the_json_corpus_needs_no_arxiv_ids_to_stay_apart(corpus_dir: Path) -> None:
    """Titles and abstracts alone: 2,202 real papers, many with near titles, and not one merge."""
    entries = [dataclasses.replace(e, arxiv_id=None) for e in corpus_entries(corpus_dir)]
    papers = dedupe(entries, DedupeSettings()).papers
    merged = [(p.appearances[0].title, [a.title for a in p.appearances[1:]]) for p in papers if len(p.appearances) > 1]
    assert merged == []
    assert len(papers) == 2202
