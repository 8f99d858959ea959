"""The fast classifier against the straightforward scan it replaced, paper by paper, on the sample and the JSON corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import build_site
from generator.config import load_config
from generator.memo import Memo
from generator.pipeline.normalize import normalize_title
from generator.pipeline.topics import DEFAULT_TAXONOMY, Classifier, classify_papers, parse_taxonomy, stem
from tests.pipeline.test_topics import Hit, reference_classifier


class StraightScan:
    """The matcher before the speed-up: each word's keys by trying every prefix length, then every phrase starting
    with one of them, checked word by word. Fast enough for the corpus, unlike trying every phrase at every word."""

    def __init__(self, entries: list[tuple[tuple[str, ...], Hit]]) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], Hit]]] = {}
        for keys, hit in entries:
            self.by_first.setdefault(keys[0], []).append((keys, hit))
        self.prefixes = {key[:-1] for keys, _ in entries for key in keys if key.endswith("*")}
        self.lengths = sorted({len(prefix) for prefix in self.prefixes})

    def keys(self, word: str) -> list[str]:
        token = stem(word)
        return [token, *(token[:n] + "*" for n in self.lengths if len(token) >= n and token[:n] in self.prefixes)]

    def __call__(self, text: str) -> list[Hit]:
        words = [self.keys(word) for word in normalize_title(text).split()]
        found: list[Hit] = []
        for start, keys in enumerate(words):
            for key in keys:
                for phrase, hit in self.by_first.get(key, ()):
                    if start + len(phrase) <= len(words) and all(phrase[i] in words[start + i] for i in range(1, len(phrase))):
                        found.append(hit)
        return found


@pytest.mark.parametrize("project", ["sample_project", "corpus_project"])
def test_every_paper_gets_the_topics_the_straight_scan_gives(project: str, request: pytest.FixtureRequest) -> None:
    root: Path = request.getfixturevalue(project)
    papers = build_site(load_config(None, root)[0], root).site.papers
    taxonomy, _ = parse_taxonomy(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), "default")
    assert taxonomy is not None and len(papers) > 200
    reference = reference_classifier(taxonomy, StraightScan)
    classifier = Classifier(taxonomy)
    for paper in papers:
        expected = reference(paper.title, paper.abstract)
        assert paper.topics == expected, paper.title
        assert classifier.classify(paper.title, paper.abstract) == expected, paper.title  # a classifier that has seen every word

    memo = Memo()
    classify_papers(papers[::2], taxonomy, memo)  # half the papers, so the rest meet a classifier that knows some words
    memo.commit()
    assert classify_papers(papers, taxonomy, memo) == papers
