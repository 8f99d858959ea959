"""The search index: every paper findable by each of its words, decoded the way search.js decodes it."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.build import build_site
from generator.config import load_config
from generator.memo import Memo
from generator.model import Account, Appearance, Paper, Site, TopicMatch
from generator.site import search
from generator.site.search import STOP_WORDS, words
from tests.tools.search_index import decoded


def shard_of(starts: list[str], term: str) -> int:
    """search.js's shardOf: the last shard whose first term is <= term."""
    return max(0, bisect.bisect_right(starts, term) - 1)


@pytest.fixture(scope="module")
def corpus_site(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Site:
    import shutil

    project = tmp_path_factory.mktemp("search-index")
    shutil.copytree(corpus_dir, project / "content" / "dumps")
    (project / "digest.yaml").write_text("title: Corpus\nbase_url: https://example.org/\n", encoding="utf-8")
    config, _ = load_config(project / "digest.yaml", project)
    return build_site(config, project).site


def test_every_paper_is_found_by_each_of_its_words_in_the_shard_the_dictionary_names(corpus_site: Site) -> None:
    site = corpus_site
    files = search.index_files(site)
    dictionary = json.loads(files[search.INDEX_PATH])
    assert dictionary["papers"] == len(site.papers) and set(dictionary["stop_words"]) == STOP_WORDS
    postings = decoded(files)
    names = {topic.slug: topic.name for topic in site.topics}
    for number, paper in enumerate(site.papers):
        strong = set(words(" ".join([paper.title, *paper.authors])))
        for word in strong:
            assert (number, 1) in postings[word], (paper.title, word)
        for word in set(words(paper.abstract)) - strong:
            assert (number, 0) in postings[word], (paper.title, word)
        for match in paper.topics:
            assert number in {n for n, _ in postings[":" + match.slug]}
        if paper.arxiv_id:
            assert postings[paper.arxiv_id] == [(number, 1)]
    for term, pairs in postings.items():
        numbers = [n for n, _ in pairs]
        assert numbers == sorted(set(numbers)), term
        for number, strong_hit in pairs[:3]:
            strong_terms, weak_terms = search.paper_terms(site.papers[number], names)
            assert term in (strong_terms if strong_hit else weak_terms)
    assert "the" not in postings and "a" not in postings
    # Each term lives in the shard the dictionary's ranges send search.js to.
    for number in range(len(dictionary["postings"])):
        for term in json.loads(files[f"search/p/{number}.json"]):
            assert shard_of(dictionary["postings"], term) == number, term


def test_vocabulary_shards_hold_the_words_only_in_order(corpus_site: Site) -> None:
    files = search.index_files(corpus_site)
    dictionary = json.loads(files[search.INDEX_PATH])
    vocabulary = [term for n in range(len(dictionary["vocabulary"])) for term in files[f"search/v/{n}.txt"].decode().split("\n")]
    assert vocabulary == sorted(vocabulary) and all(term.isalnum() for term in vocabulary)
    assert set(vocabulary) == {term for term in decoded(files) if term.isalnum()}
    assert [files[f"search/v/{n}.txt"].decode().split("\n")[0] for n in range(len(dictionary["vocabulary"]))] == dictionary["vocabulary"]


def test_result_lines_and_dates_give_each_papers_id_title_and_first_day(corpus_site: Site) -> None:
    site = corpus_site
    files = search.index_files(site)
    dictionary = json.loads(files[search.INDEX_PATH])
    chunk = dictionary["chunk"]
    for number, paper in enumerate(site.papers):
        line = json.loads(files[f"search/d/{number // chunk}.json"])[number % chunk]
        assert line[:4] == [paper.id, paper.title, [match.slug for match in paper.topics], list(paper.authors)]
        assert line[5] == (paper.arxiv_id or "") and line[6] == paper.upvotes
    values = search.decode(dictionary["dates"])
    day, first, seen = dt.date.fromisoformat(dictionary["newest"]), 0, []
    for position in range(0, len(values), 2):
        if position:
            day -= dt.timedelta(days=values[position - 1])
        seen += [day] * values[position]
        first += values[position]
    assert seen == [paper.first_seen for paper in site.papers]


def test_no_file_of_the_index_outgrows_its_budget(corpus_site: Site) -> None:
    files = search.index_files(corpus_site)
    assert all(path.startswith("search/") for path in files)
    assert len(files[search.INDEX_PATH]) < 20_000
    for path, data in files.items():
        if path.startswith("search/p/"):
            biggest_term = max(len(k) + len(v) for k, v in json.loads(data).items())
            assert len(data) < search.POSTINGS_SHARD_BYTES + biggest_term + 100, path
        if path.startswith("search/v/"):
            assert len(data) < search.VOCABULARY_SHARD_BYTES + 100
    per_paper = sum(map(len, files.values())) / len(corpus_site.papers)
    assert per_paper < 900, per_paper


def test_the_same_papers_give_the_same_bytes_and_a_carried_memo_splits_only_changed_papers(corpus_site: Site) -> None:
    site = corpus_site
    memo = Memo(carried=True)
    first = search.index_files(site, memo)
    memo.commit()
    papers = list(site.papers)
    middle = len(papers) // 2
    papers[middle] = dataclasses.replace(papers[middle], abstract=papers[middle].abstract + " zyzzogeton")
    changed = dataclasses.replace(site, papers=tuple(papers))
    again = search.index_files(changed, memo)
    assert memo.counts()["search-terms"] == (1, len(papers) - 1)
    assert again == search.index_files(changed) != first
    assert decoded(again)["zyzzogeton"] == [(middle, 0)]


def test_organization_and_arxiv_id_are_strong_terms() -> None:
    paper = Paper(
        id="p",
        title="A Title",
        abstract="An abstract about diffusion.",
        appearances=(Appearance(dt.date(2026, 1, 2), "d.json", 1, 1, "A Title"),),
        arxiv_id="2601.01234",
        authors=("Ada Lovelace",),
        organization=Account(name="deepmind", fullname="Google DeepMind"),
        topics=(TopicMatch("diffusion", ("diffusion",)),),
    )
    strong, weak = search.paper_terms(paper, {"diffusion": "Diffusion models"})
    assert set(strong) == {"title", "lovelace", "ada", "deepmind", "google", "2601.01234"}
    assert set(weak) == {"abstract", "about", "diffusion", "models", ":diffusion"}
    site = Site(title="t", base_url="https://example.org/", papers=(paper,), days=())
    line = json.loads(search.index_files(site)["search/d/0.json"])[0]
    assert line[4] == "Google DeepMind"


def test_the_index_holds_each_papers_words_compactly_while_it_is_built(corpus_site: Site) -> None:
    tracemalloc.start()
    try:
        files = search.index_files(corpus_site, Memo())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(map(len, files.values())) > 1_000_000
    assert peak < 40_000_000, f"the search index peaked at {peak / 1e6:.1f} MB"


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=30))
def test_varints_decode_to_what_was_encoded(values: list[int]) -> None:
    assert search.decode("".join(map(search.varint, values))) == values
    assert all(search.codes(100)[v] == search.varint(v) for v in range(100))


def test_terms_sort_as_javascript_compares_them() -> None:
    """Python orders by code point, JavaScript by UTF-16 unit: an astral letter sorts below U+FFxx in JS."""
    terms = ["\U0001d400bc", "\uff41b", "ab"]
    assert search.utf16_order(terms) == ["ab", "\U0001d400bc", "\uff41b"]


@given(st.text(alphabet=st.sampled_from("aZé_1 -.'\u00df\u0130x"), max_size=40), st.booleans())
def test_the_set_first_word_split_equals_the_query_split(text: str, ascii_only: bool) -> None:
    if ascii_only:
        text = text.encode("ascii", "ignore").decode()
    assert search.word_set(text) == set(words(text + " "))
