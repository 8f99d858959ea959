"""Search as a reader uses it, in headless Chromium, on the 2024 corpus served under /repo/ on 127.0.0.1.

The papers a query must put first are picked from the corpus by what makes them
the one right answer (a title word or surname no other paper has), so the tests
hold whichever paper that is.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from generator.site.search import words
from tests.tools.search_index import decoded_in
from tests.tools.site_under_test import chromium, served_project


class Served:
    def __init__(self, folder: Path, base_url: str) -> None:
        self.folder = folder
        self.base_url = base_url
        self.papers: list[dict[str, Any]] = json.loads((folder / "papers.json").read_text(encoding="utf-8"))["papers"]
        self.topic_names = {slug: name for slug, name, _ in json.loads((folder / "search" / "index.json").read_text(encoding="utf-8"))["topics"]}

    def indexed_words(self, paper: dict[str, Any]) -> set[str]:
        """Every word a paper is found by, as search.py indexes it."""
        topics = [f"{topic['slug']} {self.topic_names.get(topic['slug'], '')}" for topic in paper["topics"]]
        return document_words(paper) | set(words(" ".join(topics)))


@pytest.fixture(scope="module")
def served(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    project = tmp_path_factory.mktemp("search-corpus")

    def prepare(base_url: str) -> Path:
        shutil.copytree(corpus_dir, project / "content" / "dumps")
        (project / "digest.yaml").write_text(f"title: Corpus Digest\nbase_url: {base_url}\n", encoding="utf-8")
        return project

    with served_project(prepare) as site:
        yield Served(site.folder, site.base_url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: requests.append(request.url))
    yield page
    context.close()
    assert errors == []
    assert [url for url in requests if not url.startswith(served.base_url)] == []


def document_words(paper: dict[str, Any]) -> set[str]:
    return set(words(" ".join([paper["title"], paper["abstract"], *paper["authors"]])))


def search(page: Any, served: Served, query: str) -> list[str]:
    """The titles of the first page of results for query, opened from a ?q= link."""
    page.goto(f"{served.base_url}search/?q={query}")
    return shown_titles(page)


def shown_titles(page: Any) -> list[str]:
    """The titles of the page of results, once complete: results come in one by one, the list busy until the last."""
    page.wait_for_function(
        "document.getElementById('search-status').textContent.match(/match|No paper/) && !document.querySelector('#search-results[aria-busy]')"
    )
    return page.locator("#search-results .paper-title a").all_inner_texts()


def test_an_arxiv_id_bare_versioned_or_as_a_url_puts_its_paper_first(page: Any, served: Served) -> None:
    paper = next(p for p in served.papers if p["arxiv_id"] and p["authors"])
    arxiv_id = paper["arxiv_id"]
    urls = (f"https://arxiv.org/abs/{arxiv_id}v1", f"https://huggingface.co/papers/{arxiv_id}", f"arxiv.org/pdf/{arxiv_id}v3.pdf")
    for query in (arxiv_id, f"{arxiv_id}v2", *urls):
        page.goto(f"{served.base_url}search/")
        page.wait_for_selector("#search[data-ready=true]")
        page.locator("#search-q").fill(query)
        titles = shown_titles(page)
        assert titles[:1] == [paper["title"]], query
        assert page.locator("#search-results .arxiv-id mark").first.inner_text() == arxiv_id


def test_an_authors_surname_puts_their_paper_first(page: Any, served: Served) -> None:
    counts = Counter(word for paper in served.papers for word in document_words(paper))
    paper, surname = next(
        (paper, name.split()[-1])
        for paper in served.papers
        for name in paper["authors"]
        if len(name.split()[-1]) >= 6 and name.split()[-1].isalpha() and counts[name.split()[-1].lower()] == 1
    )
    assert search(page, served, surname)[:1] == [paper["title"]]
    marked = page.locator("#search-results li").first.locator(".authors mark").all_inner_texts()
    assert surname in marked


def test_a_misspelt_title_word_puts_its_paper_first_and_marks_the_word_as_written(page: Any, served: Served) -> None:
    counts = Counter(word for paper in served.papers for word in document_words(paper))
    vocabulary = set(counts)
    paper, word = next(
        (paper, word)
        for paper in served.papers
        for word in re.findall(r"[A-Za-z]{8,}", paper["title"])
        if counts[word.lower()] == 1 and word.lower()[:2] + word.lower()[3:] not in vocabulary
    )
    misspelt = word.lower()[:2] + word.lower()[3:]  # a letter dropped, as in "difusion"
    assert search(page, served, misspelt)[:1] == [paper["title"]]
    assert word in page.locator("#search-results li").first.locator(".paper-title mark").all_inner_texts()


def test_difusion_finds_diffusion_papers_with_diffusion_in_the_title_first(page: Any, served: Served) -> None:
    titles = search(page, served, "difusion")
    assert len(titles) == 20
    assert all("diffusion" in title.lower() for title in titles)
    count = int(page.locator("#search-status").inner_text().split()[0])
    assert count >= sum(1 for paper in served.papers if "diffusion" in served.indexed_words(paper)) > 100


def test_only_a_word_no_term_matches_is_taken_as_misspelt(page: Any, served: Served) -> None:
    """A word found as written, or as a word's start, downloads no vocabulary and brings in no paper of a word a typo
    away; a word found neither way is looked up among the words a typo away."""
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    search(page, served, "diffusion")
    assert not [url for url in fetched if "/search/v/" in url]
    assert int(page.locator("#search-status").inner_text().split()[0]) == prefix_count(served, "diffusion")
    search(page, served, "difusion")
    assert [url for url in fetched if "/search/v/" in url]


def test_a_two_letter_word_matches_itself_not_every_word_it_starts(page: Any, served: Served) -> None:
    exact = Counter(word for paper in served.papers for word in served.indexed_words(paper))
    word = next(w for w in ("3d", "ai", "rl", "gs") if 0 < exact[w] < prefix_count(served, w))
    search(page, served, word)
    assert int(page.locator("#search-status").inner_text().split()[0]) == exact[word]


def test_exact_title_words_rank_above_abstract_only_hits_and_snippets_mark_the_words(page: Any, served: Served) -> None:
    titles = search(page, served, "quantization")
    in_title = sum(1 for paper in served.papers if "quantization" in words(paper["title"]))
    assert 0 < in_title < 20
    assert all("quantization" in title.lower() for title in titles[:in_title])
    assert not any("quantization" in title.lower() for title in titles[in_title:])
    page.wait_for_function("Array.from(document.querySelectorAll('#search-results .snippet')).every(s => s.textContent)")
    abstracts = {paper["title"]: paper["abstract"] for paper in served.papers}
    snippets = page.locator("#search-results .snippet")
    assert snippets.count() == 20
    for number, title in enumerate(titles):
        marked = {text.lower() for text in snippets.nth(number).locator("mark").all_inner_texts()}
        assert ("quantization" in marked) == ("quantization" in words(abstracts[title])), title


def prefix_count(served: Served, prefix: str, keep: Any = lambda paper: True) -> int:
    """Papers with a word that starts with prefix (a word under five letters has no typo matches)."""
    return sum(1 for paper in served.papers if keep(paper) and any(word.startswith(prefix) for word in served.indexed_words(paper)))


def test_results_page_beyond_a_hundred_and_the_back_button_returns(page: Any, served: Served) -> None:
    expected = prefix_count(served, "data")
    assert expected > 140
    search(page, served, "data")
    assert page.locator("#search-status").inner_text().startswith(f"{expected} papers match")
    seen: list[str] = []
    for number in range(1, 8):
        hrefs = page.locator("#search-results .paper-title a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert len(hrefs) == 20 and not set(hrefs) & set(seen)
        seen += hrefs
        page.locator("#search-pager a[rel=next]").click()
        page.wait_for_url(re.compile(rf"page={number + 1}$"))
        page.wait_for_function(f"document.getElementById('search-status').textContent.includes('{number * 20 + 1}–')")
    assert page.locator("#search-results").get_attribute("start") == "141"
    page.go_back()
    page.wait_for_url(re.compile(r"page=7$"))
    page.wait_for_function("document.getElementById('search-status').textContent.includes('121–140')")
    page.locator("#search-q").fill("quantization")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=quantization$"))
    page.go_back()
    page.wait_for_url(re.compile(r"\?q=data&page=7$"))
    assert page.locator("#search-q").input_value() == "data"
    page.wait_for_function("document.getElementById('search-status').textContent.includes('121–140')")


# Records each history write search.js makes, as [method, url].
HISTORY_WRITES = """
window.__writes = [];
for (const name of ["pushState", "replaceState"]) {
  const write = history[name].bind(history);
  history[name] = (state, title, url) => { window.__writes.push([name, String(url)]); return write(state, title, url); };
}
"""


def test_typing_writes_the_url_once_it_pauses_as_one_history_entry(page: Any, served: Served) -> None:
    """Not a history write per keystroke (each makes Chromium fetch and decode the favicon again)."""
    page.add_init_script(HISTORY_WRITES)
    page.goto(f"{served.base_url}search/")
    page.wait_for_selector("#search[data-ready=true]")
    entries = page.evaluate("history.length")
    page.locator("#search-q").press_sequentially("video", delay=40)
    page.wait_for_url(re.compile(r"\?q=video$"))
    page.locator("#search-q").press_sequentially(" gen", delay=40)
    page.wait_for_url(re.compile(r"\?q=video\+gen$"))
    search_path = urlsplit(served.base_url).path + "search/"
    writes = page.evaluate("window.__writes")
    # Typically [push ?q=video, replace ?q=video+gen]; a stall over 400 ms between two keys may add a write.
    assert len(writes) < len("video gen") and writes[0][0] == "pushState"
    assert [method for method, _ in writes[1:]] == ["replaceState"] * (len(writes) - 1)
    assert writes[-1][1] == f"{search_path}?q=video+gen"
    assert page.evaluate("history.length") == entries + 1
    page.go_back()
    page.wait_for_url(re.compile(r"search/$"))
    assert page.locator("#search-q").input_value() == ""


def test_a_result_followed_before_typing_pauses_is_returned_to_with_its_query(page: Any, served: Served) -> None:
    page.add_init_script(HISTORY_WRITES)
    # The URL write's 400 ms held back, so that the click comes before it whatever the machine's speed.
    page.add_init_script("const wait = window.setTimeout; window.setTimeout = (f, ms, ...rest) => wait(f, ms === 400 ? 600000 : ms, ...rest);")
    page.goto(f"{served.base_url}search/")
    page.wait_for_selector("#search[data-ready=true]")
    page.locator("#search-q").press_sequentially("video")
    first = shown_titles(page)[0]
    assert page.evaluate("window.__writes") == []
    page.locator("#search-results .paper-title a").first.click()
    page.wait_for_url(re.compile(r"/papers/"))
    page.go_back()
    page.wait_for_url(re.compile(r"search/\?q=video$"))
    assert shown_titles(page)[0] == first


def test_enter_searches_without_reloading_and_the_query_is_in_the_url(page: Any, served: Served) -> None:
    page.goto(f"{served.base_url}search/")
    page.wait_for_selector("#search[data-ready=true]")
    page.evaluate("window.stillHere = true")
    page.locator("#search-q").fill("video generation")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=video\+generation$"))
    shown_titles(page)
    assert page.evaluate("window.stillHere") is True
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    assert page.locator("#search-q").input_value() == "video generation"
    assert shown_titles(page)


def test_topic_and_date_filters_narrow_the_results(page: Any, served: Served) -> None:
    slug, _ = Counter(topic["slug"] for paper in served.papers for topic in paper["topics"]).most_common(1)[0]
    def wanted(paper: dict[str, Any]) -> bool:
        return slug in {topic["slug"] for topic in paper["topics"]} and "2024-09-01" <= paper["first_seen"] <= "2024-09-30"

    matching = [p for p in served.papers if wanted(p) and any(word.startswith("data") for word in served.indexed_words(p))]
    assert len(matching) == prefix_count(served, "data", wanted) > 1
    page.goto(f"{served.base_url}search/?q=data&topic={slug}&from=2024-09-01&to=2024-09-30")
    titles = shown_titles(page)
    assert page.locator("#search-status").inner_text().startswith(f"{len(matching)} paper")
    assert set(titles) <= {p["title"] for p in matching}
    dates = page.locator("#search-results time").evaluate_all("times => times.map(t => t.dateTime)")
    assert dates and all("2024-09-01" <= day <= "2024-09-30" for day in dates)
    # As the cards write a date ("7 Sep 2024"; the browser's en-GB format would say "Sept").
    assert page.locator("#search-results time").all_inner_texts() == [f"{int(day[8:])} Sep 2024" for day in dates]
    page.select_option("#search-topic", "")
    page.wait_for_url(re.compile(r"\?q=data&from=2024-09-01&to=2024-09-30$"))
    in_september = prefix_count(served, "data", lambda paper: "2024-09-01" <= paper["first_seen"] <= "2024-09-30")
    page.wait_for_function(f"document.getElementById('search-status').textContent.startsWith('{in_september} papers')")


def test_text_from_the_index_is_shown_as_text(page: Any, served: Served) -> None:
    """A title with markup-like characters stays characters: no element is made from index text."""
    marked = next(p for p in served.papers if "<" in p["title"] or "&" in p["title"] or "$" in p["title"])
    query = " ".join(w for w in words(marked["title"]) if w.isalpha())[:60]
    titles = search(page, served, query)
    assert marked["title"] in titles
    link = page.locator("#search-results .paper-title a", has_text=marked["title"][:20]).first
    assert link.evaluate("a => Array.from(a.querySelectorAll('*')).every(e => e.tagName === 'MARK')")


def test_a_reader_types_title_words_follows_a_result_and_sees_when_nothing_matches(page: Any, served: Served) -> None:
    """Live typing, word prefixes, following a result to its page, no match: on the corpus, from the search page."""
    base = served.base_url
    wanted = next(p for p in served.papers if len(re.findall(r"[A-Za-z]{5,}", p["title"])) >= 3)
    query = " ".join(w.lower() for w in re.findall(r"[A-Za-z]{5,}", wanted["title"])[:3])
    page.goto(f"{base}search/")
    page.get_by_role("searchbox").first.fill(query)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(base) + r"search/\?q="))
    assert wanted["title"] in shown_titles(page)
    assert "match" in page.locator("#search-status").inner_text()

    page.locator("#search-q").fill(query[:-2])  # typing narrows live, prefixes match too
    page.wait_for_function(f"document.getElementById('search-q').value === {json.dumps(query[:-2])} && location.search.includes({json.dumps('q=')})")
    results = page.locator("#search-results .paper-title a")
    results.filter(has_text=wanted["title"]).first.wait_for()
    results.filter(has_text=wanted["title"]).first.click()
    page.wait_for_url(f"{base}papers/{wanted['id']}/")

    page.goto(f"{base}search/?q=zzzqqxnotaword")
    page.wait_for_function("document.getElementById('search-status').textContent.includes('No paper')")
    assert page.locator("#search-results li").count() == 0


def ranking(served: Served, query: list[str]) -> list[int]:
    """Paper numbers best first as docs/search.md ranks them, from the built postings: per word its best hit
    (exact 6/4, prefix 5/2, strong/weak), summed over the words every paper must match; ties to the newer."""
    postings = decoded_in(served.folder)
    totals: Counter[int] = Counter()
    for number, word in enumerate(query):
        best: dict[int, int] = {}
        for term, pairs in postings.items():
            if term == word or term.startswith(word):
                for paper, strong in pairs:
                    score = (6 if strong else 4) if term == word else (5 if strong else 2)
                    best[paper] = max(best.get(paper, 0), score)
        totals = Counter(best) if number == 0 else Counter({paper: totals[paper] + score for paper, score in best.items() if paper in totals})
    return sorted(totals, key=lambda paper: (-totals[paper], paper))


def test_results_come_in_rank_order_and_a_word_kept_from_earlier_keystrokes_still_counts_and_is_marked(page: Any, served: Served) -> None:
    """Each query word's hits are kept for later keystrokes: the word's papers and marks are the same when reused."""
    expected = ranking(served, ["video", "generation"])
    assert len(expected) > 40
    page.goto(f"{served.base_url}search/?q=video")
    assert shown_titles(page) == [served.papers[number]["title"] for number in ranking(served, ["video"])[:20]]
    page.locator("#search-q").fill("video generation")
    status = json.dumps(f"{len(expected)} papers match")
    page.wait_for_function(f"document.getElementById('search-status').textContent.startsWith({status})")
    assert shown_titles(page) == [served.papers[number]["title"] for number in expected[:20]]
    for number in range(20):
        title = page.locator("#search-results .paper-title").nth(number)
        marked = {text.lower() for text in title.locator("mark").all_inner_texts()}
        assert ("video" in marked) == ("video" in words(served.papers[expected[number]]["title"]))
    page.get_by_role("link", name="Next →").click()
    page.wait_for_function("document.querySelector('#search-results').start === 21")
    assert shown_titles(page) == [served.papers[number]["title"] for number in expected[20:40]]


def chunk_size(served: Served) -> int:
    """Result lines per chunk file (search/d/N.json), as the dictionary states it."""
    return int(json.loads((served.folder / "search" / "index.json").read_text(encoding="utf-8"))["chunk"])


def holding_back(page: Any, served: Served, number: int) -> tuple[list[Any], Callable[[], set[int]]]:
    """Requests for chunk file `number` held back (the routes, to continue); and the chunk files asked for so far."""
    held: list[Any] = []
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.route(f"{served.base_url}search/d/{number}.json", lambda route: held.append(route))
    return held, lambda: {int(url.rsplit("/", 1)[1].split(".")[0]) for url in asked if "/search/d/" in url}


def test_results_show_in_order_as_their_lines_arrive_not_after_the_slowest(page: Any, served: Served) -> None:
    expected = ranking(served, ["video"])
    chunk = chunk_size(served)
    # The first result on the page whose line is in another chunk than the first result's: its chunk is held back.
    waiting = next(i for i, number in enumerate(expected[:20]) if number // chunk != expected[0] // chunk)
    held, _ = holding_back(page, served, expected[waiting] // chunk)
    page.goto(f"{served.base_url}search/?q=video")
    page.wait_for_function(f"document.querySelectorAll('#search-results .paper-title').length === {waiting}")
    page.wait_for_timeout(200)  # the held chunk keeps the results below it back, however long it takes
    assert page.locator("#search-results .paper-title a").all_inner_texts() == [served.papers[n]["title"] for n in expected[:waiting]]
    assert "match" not in page.locator("#search-status").inner_text()
    assert page.locator("#search-results").get_attribute("aria-busy") == "true"
    assert len(held) == 1
    held[0].continue_()
    assert shown_titles(page) == [served.papers[n]["title"] for n in expected[:20]]


def test_the_first_six_results_lines_are_fetched_first_and_the_rest_once_they_are_in(page: Any, served: Served) -> None:
    expected = ranking(served, ["video"])
    chunk = chunk_size(served)
    first_wave = {number // chunk for number in expected[:6]}
    later = {number // chunk for number in expected[6:20]} - first_wave
    assert later and len(first_wave) > 1
    held, asked = holding_back(page, served, max(first_wave))
    page.goto(f"{served.base_url}search/?q=video")
    page.wait_for_function("document.querySelectorAll('#search-results .paper-title').length > 0")
    page.wait_for_timeout(200)  # what the held chunk keeps back stays back, however long it takes
    assert asked() == first_wave
    assert len(held) == 1
    held[0].continue_()
    assert shown_titles(page) == [served.papers[n]["title"] for n in expected[:20]]
    assert asked() == first_wave | later


def test_a_search_replaced_before_its_first_results_are_in_fetches_none_of_its_other_lines(page: Any, served: Served) -> None:
    expected, replacing = ranking(served, ["video"]), ranking(served, ["quantization"])
    chunk = chunk_size(served)
    first_wave, needed = {number // chunk for number in expected[:6]}, {number // chunk for number in replacing[:20]}
    # The chunks only the replaced search's later results need; one of its first six's is held back.
    later = {number // chunk for number in expected[6:20]} - first_wave - needed
    held_chunk = max(first_wave - needed - {expected[0] // chunk})
    assert later
    held, asked = holding_back(page, served, held_chunk)
    page.goto(f"{served.base_url}search/?q=video")
    page.wait_for_function("document.querySelectorAll('#search-results .paper-title').length > 0")
    page.locator("#search-q").fill("quantization")
    assert shown_titles(page) == [served.papers[n]["title"] for n in replacing[:20]]
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_timeout(300)  # what the replaced search would still ask for, it asks for now
    assert not asked() & later


def test_result_lines_that_cannot_be_fetched_are_reported_once_and_the_list_is_not_left_busy(browser: Any, served: Served) -> None:
    expected = ranking(served, ["video"])
    chunk = chunk_size(served)
    missing = sorted({number // chunk for number in expected[1:20]})[-2:]  # two chunks of the page, not the first result's
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    page.on("console", lambda message: messages.append(message.text))
    for number in missing:
        page.route(f"{served.base_url}search/d/{number}.json", lambda route: route.fulfill(status=404, body="gone"))
    try:
        page.goto(f"{served.base_url}search/?q=video")
        page.wait_for_function("document.getElementById('search-status').textContent.includes('could not be loaded')")
        assert page.locator("#search-results").get_attribute("aria-busy") is None
        assert page.locator("#search-results .paper-title a").first.inner_text() == served.papers[expected[0]]["title"]
        page.wait_for_timeout(300)
        # The browser logs each failed file; nothing is left unhandled (no "Uncaught (in promise)").
        assert [text for text in messages if "Failed to load resource" not in text] == []
    finally:
        context.close()
