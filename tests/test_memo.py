"""The memo: reuse within a build and into the next, never a result that differs from a clean build's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from generator.build import build_site
from generator.config import load_config
from generator.memo import Memo
from generator.model import Site
from generator.site import export


def test_a_table_computes_once_and_carries_only_what_the_last_build_used() -> None:
    memo = Memo()
    calls: list[str] = []

    def shout(word: str) -> str:
        calls.append(word)
        return word.upper()

    table = memo.table("shout")
    assert [table.get(w, shout) for w in ("a", "b", "a")] == ["A", "B", "A"]
    assert calls == ["a", "b"]
    memo.commit()

    table = memo.table("shout")
    assert table.get("b", shout) == "B" and calls == ["a", "b"]  # reused from the last build
    assert memo.counts() == {"shout": (0, 1)}
    memo.commit()

    assert memo.table("shout").get("a", shout) == "A"  # "a" was not used by the build before: computed again
    assert calls == ["a", "b", "a"]


def test_another_context_is_another_table_and_a_failed_build_keeps_the_baseline() -> None:
    memo = Memo()
    memo.table("stage", "context-1").get(1, lambda n: n * 10)
    memo.commit()
    assert memo.table("stage", "context-2").get(1, lambda n: n * 20) == 20
    memo.abandon()
    assert memo.table("stage", "context-1").get(1, lambda n: -1) == 10


def test_papers_hash_once_and_equal_papers_hash_alike(sample_project: Path) -> None:
    config, _ = load_config(sample_project / "digest.yaml", sample_project)
    paper = build_site(config, sample_project).site.papers[0]
    twin = dataclasses.replace(paper)
    assert twin == paper and hash(twin) == hash(paper) and twin is not paper
    assert dataclasses.replace(paper, title=paper.title + " v2") != paper


@pytest.fixture
def sample_site(sample_project: Path) -> Site:
    config, _ = load_config(sample_project / "digest.yaml", sample_project)
    return build_site(config, sample_project).site


def test_papers_json_from_a_carried_memo_equals_a_clean_encoding(sample_site: Site) -> None:
    encode = export.papers_json
    memo = Memo()
    encode(sample_site, memo)
    memo.commit()
    first = sample_site.papers[0]
    changed = dataclasses.replace(sample_site, papers=(dataclasses.replace(first, title="A Retitled Paper"), *sample_site.papers[1:]))

    assert encode(changed, memo) == encode(changed)
    ((computed, reused),) = memo.counts().values()
    assert (computed, reused) == (1, len(sample_site.papers) - 1)
    assert b"A Retitled Paper" in encode(changed, memo)
