"""The search index: every paper findable by each of its words, shards that decode to the right papers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.build import build_site
from generator.config import load_config
from generator.memo import Memo
from generator.model import Appearance, Paper
from generator.site import search
from generator.site.search import STOP_WORDS, words


def decoded(index: dict) -> dict[str, set[int]]:
    """word -> numbers of the papers it occurs in, the way search.js decodes the shards."""
    found: dict[str, set[int]] = {}
    for shard in index["shards"]:
        for word, gaps in shard["words"].items():
            assert gaps[0] >= 0 and all(gap > 0 for gap in gaps[1:]), word
            number = shard["first"]
            for gap in gaps:
                number += gap
                found.setdefault(word, set()).add(number)
    return found


def test_every_paper_is_found_by_each_of_its_words_and_only_its_own(corpus_project: Path) -> None:
    config, _ = load_config(corpus_project / "digest.yaml", corpus_project)
    site = build_site(config, corpus_project).site
    index = json.loads(search.index_json(site))
    assert [doc[0] for doc in index["docs"]] == [paper.id for paper in site.papers]
    assert [doc[3] for doc in index["docs"]] == [[match.slug for match in paper.topics] for paper in site.papers]
    assert set(index["stop_words"]) == STOP_WORDS
    assert len(index["shards"]) == len({paper.first_seen.replace(day=1) for paper in site.papers}) > 1
    postings = decoded(index)
    topic_names = {topic.slug: topic.name for topic in site.topics}
    for number, paper in enumerate(site.papers):
        own = set(words(paper.title + " " + paper.abstract))
        assert all(number in postings[word] for word in own), paper.title
    for word, numbers in postings.items():
        assert all(word in search.paper_words(site.papers[n], topic_names) for n in numbers), word
    assert "the" not in postings and "a" not in postings


def test_the_index_holds_each_papers_words_compactly_while_it_is_built(corpus_project: Path) -> None:
    """Every paper's words stay in memory until the index is done: kept as sets (8 KB for 100 words, against
    a tuple's 0.8 KB) the corpus's index peaked at 38 MB, and a 100,000-entry build's search worker 400 MB higher."""
    config, _ = load_config(corpus_project / "digest.yaml", corpus_project)
    site = build_site(config, corpus_project).site
    tracemalloc.start()
    try:
        index = search.index_json(site, Memo())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(index) > 1_000_000
    assert peak < 30_000_000, f"the search index peaked at {peak / 1e6:.1f} MB"


def test_a_carried_memo_re_encodes_one_month_and_gives_a_clean_builds_bytes(corpus_project: Path) -> None:
    config, _ = load_config(corpus_project / "digest.yaml", corpus_project)
    site = build_site(config, corpus_project).site
    memo = Memo()
    search.index_json(site, memo)
    memo.commit()
    middle = len(site.papers) // 2
    papers = list(site.papers)
    papers[middle] = dataclasses.replace(papers[middle], abstract=papers[middle].abstract + " zyzzogeton")
    changed = dataclasses.replace(site, papers=tuple(papers))

    assert search.index_json(changed, memo) == search.index_json(changed)
    counts = memo.counts()
    assert counts["search-shard"][0] == 1 and counts["search-shard"][1] > 1
    month = [p for p in site.papers if p.first_seen.replace(day=1) == papers[middle].first_seen.replace(day=1)]
    assert counts["search-terms"] == (1, len(month) - 1)  # only the changed paper's words are split again
    assert middle in decoded(json.loads(search.index_json(changed, memo)))["zyzzogeton"]


@given(st.text(alphabet=st.sampled_from("aZé_1 -.'\u00df\u0130x"), max_size=40), st.booleans())
def test_the_set_first_word_split_equals_the_query_split(text: str, ascii_only: bool) -> None:
    if ascii_only:
        text = text.encode("ascii", "ignore").decode()
    paper = Paper(id="p", title=text, abstract="", appearances=(Appearance(dt.date(2024, 1, 1), "d.txt", 1, 1, text),))
    assert search.paper_words(paper, {}) == set(words(text + " "))


@given(st.lists(st.text(min_size=0, max_size=60), min_size=1, max_size=6))
def test_a_hand_written_shard_is_the_json_encoders_bytes(texts: list[str]) -> None:
    papers = tuple(Paper(id=f"p{n}", title=text, abstract=text[::-1], appearances=()) for n, text in enumerate(texts))

    def terms(paper: Paper) -> tuple[str, ...]:
        return tuple(sorted(search.paper_words(paper, {})))

    postings: dict[str, list[int]] = {}
    for number, paper in enumerate(papers):
        for word in terms(paper):
            postings.setdefault(word, []).append(number)
    gaps = {word: [numbers[0], *(b - a for a, b in itertools.pairwise(numbers))] for word, numbers in sorted(postings.items())}
    assert search.shard_json(papers, terms) == json.dumps(gaps, ensure_ascii=False, separators=(",", ":"))


WORDS = st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "omega", "zeta", "eta", "theta"]), max_size=5).map(" ".join)


@given(
    st.lists(WORDS, min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(min_value=0, max_value=11), WORDS), max_size=search.PATCH_LIMIT + 2),
)
def test_a_patched_shard_equals_one_encoded_afresh(titles: list[str], edits: list[tuple[int, str]]) -> None:
    def terms(paper: Paper) -> tuple[str, ...]:
        return tuple(sorted(search.paper_words(paper, {})))

    papers = [Paper(id=f"p{n}", title=title, abstract="", appearances=()) for n, title in enumerate(titles)]
    before = search.shard_of(tuple(papers), terms)
    for position, title in edits:
        papers[position % len(papers)] = Paper(id=f"p{position % len(papers)}", title=title, abstract="", appearances=())
    fresh = search.shard_of(tuple(papers), terms)
    patched = before.patched(tuple(papers), terms)
    changed = sum(1 for old, new in zip(before.papers, papers, strict=True) if old != new)
    assert (patched is None) == (changed > search.PATCH_LIMIT)
    if patched is not None:
        assert patched.json() == fresh.json() == search.shard_json(tuple(papers), terms)
        assert patched.postings == fresh.postings and patched.terms == fresh.terms
    assert before.json() == search.shard_json(tuple(before.papers), terms)  # patching left the last build's shard as it was


def test_a_preview_sessions_memo_patches_the_edited_month_and_matches_clean_builds(corpus_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, _ = load_config(corpus_project / "digest.yaml", corpus_project)
    site = build_site(config, corpus_project).site
    memo = Memo(carried=True)
    search.index_json(site, memo)
    memo.commit()
    real_patched = search.Shard.patched
    patches: list[bool] = []

    def spy(shard: search.Shard, papers: tuple[Paper, ...], paper_terms: Callable[[Paper], tuple[str, ...]]) -> search.Shard | None:
        result = real_patched(shard, papers, paper_terms)
        patches.append(result is not None)
        return result

    monkeypatch.setattr(search.Shard, "patched", spy)
    papers = list(site.papers)
    for step, position in enumerate((len(papers) // 2, len(papers) // 2, 0, len(papers) - 1)):
        papers[position] = dataclasses.replace(papers[position], title=papers[position].title + f" zyzzogeton{step}")
        changed = dataclasses.replace(site, papers=tuple(papers))
        patches.clear()
        assert search.index_json(changed, memo) == search.index_json(changed), step
        memo.commit()
        assert patches == [True], step  # one month, patched rather than encoded afresh
