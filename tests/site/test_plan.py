"""Which pages exist: topic pages in whole days with numbered pages, week and month pages, the archive, BibTeX files."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from generator.build import build_site
from generator.config import load_config
from generator.model import Appearance, Paper
from generator.site.plan import by_upvotes, pager, pages_of_days


def paper(number: int, date: dt.date, upvotes: int | None = None) -> Paper:
    listed = Appearance(date, "dumps/x.json", 1, number, f"Paper {number}")
    return Paper(id=f"p{number}", title=f"Paper {number}", abstract="", appearances=(listed,), upvotes=upvotes)


def day(date: dt.date, count: int) -> tuple[dt.date, tuple[Paper, ...]]:
    return date, tuple(paper(number, date) for number in range(count))


@pytest.mark.parametrize("sizes", [[3, 3, 3, 3], [1, 9, 1], [12, 1, 1], [5, 5], [4], []])
def test_topic_pages_hold_whole_days_and_never_split_one(sizes: list[int]) -> None:
    start = dt.date(2026, 8, 21)
    days = [day(start - dt.timedelta(days=offset), size) for offset, size in enumerate(sizes)]
    pages = pages_of_days(days, page_size=5)
    assert [d for page in pages for d in page] == days  # every day once, in order
    for page in pages:
        held = sum(len(papers) for _, papers in page)
        assert held <= 5 or len(page) == 1  # over page_size only as a day of its own
    if sizes == [3, 3, 3, 3]:
        assert [len(page) for page in pages] == [1, 1, 1, 1]
    if sizes == [1, 9, 1]:
        assert [len(page) for page in pages] == [1, 1, 1]


def test_the_pager_shows_the_ends_and_the_pages_near_the_current_one() -> None:
    assert pager(1, 1) == (1,)
    assert pager(3, 5) == (1, 2, 3, 4, 5)
    assert pager(10, 44) == (1, None, 8, 9, 10, 11, 12, None, 44)
    assert pager(1, 44) == (1, 2, 3, None, 44)
    assert pager(44, 44) == (1, None, 42, 43, 44)


def test_most_upvoted_first_and_unknown_counts_last_in_listing_order() -> None:
    date = dt.date(2026, 8, 21)
    papers = [paper(1, date, None), paper(2, date, 5), paper(3, date, 50), paper(4, date, None), paper(5, date, 5)]
    assert [p.id for p in by_upvotes(papers)] == ["p3", "p2", "p5", "p1", "p4"]


@pytest.fixture
def sample_2026(sample_2026_project: Path) -> dict[str, bytes]:
    config, problems = load_config(None, sample_2026_project)
    assert problems == []
    result = build_site(config, sample_2026_project)
    assert result.errors == ()
    return result.files


def test_week_and_month_pages_list_the_most_upvoted_papers(sample_2026: dict[str, bytes]) -> None:
    week = sample_2026["weeks/2026-W34/index.html"].decode("utf-8")
    month = sample_2026["months/2026-08/index.html"].decode("utf-8")
    for page in (week, month):
        votes = [int(n) for n in re.findall(r'<li class="card" data-up="(\d+)"', page)]
        assert votes and votes == sorted(votes, reverse=True)
    assert len(re.findall(r'<li class="card"', week)) == 20
    assert len(re.findall(r'<li class="card"', month)) == 30
    day = sample_2026["days/2026-08-19/index.html"].decode("utf-8")
    assert 'href="/daily/weeks/2026-W34/"' in day and 'href="/daily/months/2026-08/"' in day


def test_bibtex_for_each_paper_day_and_topic(sample_2026: dict[str, bytes]) -> None:
    papers = [path for path in sample_2026 if path.startswith("papers/") and path.endswith("/cite.bib")]
    assert len(papers) == 110
    day = sample_2026["days/2026-08-21.bib"].decode("utf-8")
    assert day.count("@misc{") == 17
    topics = [path for path in sample_2026 if re.fullmatch(r"topics/[^/]+\.bib", path)]
    assert topics
    for path in [*papers, "days/2026-08-21.bib", *topics]:
        text = sample_2026[path].decode("utf-8")
        depth = 0
        for char in text.replace("\\{", "").replace("\\}", ""):
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, path
        assert depth == 0, path
        for entry in text.split("@misc{")[1:]:
            assert re.search(r"^  title = \{\{.+\}\},$", entry, re.M), path
            assert re.search(r"^  year = \{20\d\d\},$", entry, re.M), path
            assert re.search(r"^  eprint = \{\d{4}\.\d{4,5}\},$", entry, re.M), path


def test_the_dedupe_report_is_not_a_page_and_how_it_is_made_is_linked_from_every_footer(sample_2026: dict[str, bytes]) -> None:
    assert "dedupe/index.html" not in sample_2026
    how = sample_2026["how/index.html"].decode("utf-8")
    assert "digest dupes" in how and "digest check" in how
    for path, data in sample_2026.items():
        if path.endswith(".html") and path != "404.html":
            assert 'href="/daily/how/"' in data.decode("utf-8"), path


def test_each_paper_type_has_pages_holding_exactly_its_papers_and_badges_link_there(sample_2026_project: Path) -> None:
    config = load_config(None, sample_2026_project)[0]
    result = build_site(config, sample_2026_project)
    by_type: dict[str, set[str]] = {}
    for each in result.site.papers:
        if each.paper_type:
            by_type.setdefault(each.paper_type, set()).add(each.id)
    assert by_type.get("benchmark") and len(by_type) >= 2
    shown: dict[str, set[str]] = {}
    for path, data in result.files.items():
        if found := re.fullmatch(r"types/([^/]+)/(?:page/\d+/)?index\.html", path):
            shown.setdefault(found[1], set()).update(re.findall(r'class="t"><a href="/daily/papers/([^/]+)/"', data.decode()))
    assert shown == by_type
    listed = next(p for p in result.site.papers if p.paper_type == "benchmark")
    assert b'<a class="badge" href="/daily/types/benchmark/">Benchmark</a>' in result.files[f"papers/{listed.id}/index.html"]


def test_a_days_new_papers_pages_follow_the_days_own_and_every_paper_has_one_page() -> None:
    from generator.config import Config
    from generator.pipeline.assemble import assemble
    from generator.site.plan import plan_pages

    first, second = dt.date(2025, 3, 3), dt.date(2025, 3, 4)
    again = Appearance(second, "dumps/y.json", 3, 3, "Paper 1")
    papers = [paper(1, first), paper(2, first), paper(3, second)]
    papers[0] = Paper(id="p1", title="Paper 1", abstract="", appearances=(*papers[0].appearances, again))
    paths = [spec.path for spec in plan_pages(assemble(papers, Config()))]
    assert sorted(p for p in paths if p.startswith("papers/")) == sorted(f"papers/p{n}/{name}" for n in (1, 2, 3) for name in ("index.html", "cite.bib"))
    for date, ids in ((second, ["p3"]), (first, ["p1", "p2"])):  # the returning p1 is planned with its first day alone
        start = paths.index(f"days/{date.isoformat()}.bib") + 1
        assert paths[start : start + 2 * len(ids)] == [f"papers/{i}/{name}" for i in ids for name in ("index.html", "cite.bib")]
