"""Which pages the site has, each as a PageSpec: its output path, its template and exactly the values it shows.

A page whose spec is equal to last build's spec (and whose templates did not
change) need not be rendered again: the spec is the page's dependency record.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from generator.dedupe_report import merge_groups, rule_counts
from generator.memo import Memo
from generator.model import Day, Paper, Site, Topic
from generator.pipeline.topics import papers_by_topic
from generator.pipeline.watches import Watch, watched_papers
from generator.site import urls

WEEK_TOP = 20  # papers on a week's page: its most upvoted
MONTH_TOP = 30
PAGER_REACH = 2  # page numbers shown either side of the current one; the first and last are always shown


@dataclass(frozen=True, slots=True)
class PageSpec:
    path: str  # output file, relative to the site root
    template: str
    values: tuple[tuple[str, Any], ...]

    def __hash__(self) -> int:
        # By path alone: a table keyed by specs finds a page's last spec at once and compares the values
        # (which need not be hashable) only then, by identity first as tuples do.
        return hash(self.path)

    def context(self) -> dict[str, Any]:
        return dict(self.values)


def papers_on(day: Day, papers_by_id: dict[str, Paper]) -> tuple[tuple[Paper, ...], tuple[Paper, ...]]:
    return tuple(papers_by_id[i] for i in day.new), tuple(papers_by_id[i] for i in day.returning)


def topic_counts(site: Site) -> tuple[tuple[Topic, int], ...]:
    """Each topic with how many papers it holds, in the order topics.yaml lists them."""
    counts = Counter(match.slug for paper in site.papers for match in paper.topics)
    return tuple((topic, counts[topic.slug]) for topic in site.topics)


def topic_names(site: Site) -> tuple[tuple[str, str], ...]:
    """(slug, name) of every topic: cards show topics by name; a slug the taxonomy lacks shows as itself."""
    return tuple((topic.slug, topic.name) for topic in site.topics)


def days_by_month(site: Site) -> tuple[tuple[dt.date, tuple[Day, ...]], ...]:
    """Newest month first; each month's days newest first, as site.days already are."""
    months: dict[dt.date, list[Day]] = {}
    for day in site.days:
        months.setdefault(day.date.replace(day=1), []).append(day)
    return tuple((month, tuple(days)) for month, days in months.items())


def archive_years(site: Site) -> tuple[tuple[int, tuple[tuple[dt.date, tuple[Day, ...], int], ...]], ...]:
    """Years, newest first, each with its months (first day, days newest first, new papers that month)."""
    years: dict[int, list[tuple[dt.date, tuple[Day, ...], int]]] = {}
    for month, days in days_by_month(site):
        years.setdefault(month.year, []).append((month, days, sum(len(day.new) for day in days)))
    return tuple((year, tuple(months)) for year, months in years.items())


def by_upvotes(papers: Iterable[Paper]) -> list[Paper]:
    """Most upvoted first; papers without a count after those with one, in listing order (a stable sort)."""
    return sorted(papers, key=lambda paper: -1 if paper.upvotes is None else -paper.upvotes)


def monday_of(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def periods(site: Site, papers_by_id: dict[str, Paper], start_of: Any) -> list[tuple[dt.date, tuple[Day, ...], list[Paper]]]:
    """The site's days grouped by `start_of(date)` (a week's Monday, a month's first day), newest first,
    each with the papers first listed in it, in listing order (oldest day first, dump order)."""
    groups: dict[dt.date, list[Day]] = {}
    for day in site.days:
        groups.setdefault(start_of(day.date), []).append(day)
    found = []
    for start, days in groups.items():
        papers = [papers_by_id[i] for day in reversed(days) for i in day.new]
        found.append((start, tuple(days), papers))
    return found


def plan_periods(site: Site, papers_by_id: dict[str, Paper], names: tuple[tuple[str, str], ...]) -> Iterable[PageSpec]:
    """A page per week and per month: the most upvoted papers first listed in it."""
    for kind, start_of, top, folder in (
        ("week", monday_of, WEEK_TOP, urls.week_dir),
        ("month", lambda date: date.replace(day=1), MONTH_TOP, urls.month_dir),
    ):
        found = periods(site, papers_by_id, start_of)
        for position, (start, days, papers) in enumerate(found):
            newer = found[position - 1][0] if position > 0 else None
            older = found[position + 1][0] if position + 1 < len(found) else None
            ranked = tuple(by_upvotes(papers)[:top])
            values = (
                ("kind", kind),
                ("start", start),
                ("days", tuple(day.date for day in days)),
                ("papers", ranked),
                ("total", len(papers)),
                ("voted", any(paper.upvotes is not None for paper in papers)),
                ("newer", newer),
                ("older", older),
                ("names", names),
            )
            yield PageSpec(urls.file_for(folder(start)), "period.html", values)


def days_of(papers: Sequence[Paper]) -> tuple[tuple[dt.date, tuple[Paper, ...]], ...]:
    """A topic's papers grouped by the day each was first seen, newest day first."""
    groups: dict[dt.date, list[Paper]] = {}
    for paper in papers:
        groups.setdefault(paper.first_seen, []).append(paper)
    return tuple((date, tuple(groups[date])) for date in sorted(groups, reverse=True))


def pages_of_days(days: Sequence[tuple[dt.date, tuple[Paper, ...]]], page_size: int) -> list[list[tuple[dt.date, tuple[Paper, ...]]]]:
    """Whole days to a page: a page takes days until the next would carry it past page_size papers
    (a day larger than page_size is a page of its own), so no day is ever split across two pages."""
    pages: list[list[tuple[dt.date, tuple[Paper, ...]]]] = [[]]
    held = 0
    for day in days:
        if pages[-1] and held + len(day[1]) > page_size:
            pages.append([])
            held = 0
        pages[-1].append(day)
        held += len(day[1])
    return pages


def pager(page: int, pages: int) -> tuple[int | None, ...]:
    """The page numbers a pager shows: the first, the last and PAGER_REACH either side of `page`; None for a gap."""
    shown = sorted({1, pages, *range(max(1, page - PAGER_REACH), min(pages, page + PAGER_REACH) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return tuple(numbers)


def plan_topic_pages(site: Site, page_size: int, memo: Memo | None = None) -> Iterable[PageSpec]:
    """The topics index, each topic's numbered pages (whole days, about page_size papers each), its Markdown mirror and BibTeX."""
    counts = topic_counts(site)
    kinds = Counter(paper.paper_type for paper in site.papers if paper.paper_type)
    types = tuple((kind, kinds[kind.slug]) for kind in site.paper_types if kinds[kind.slug])
    yield PageSpec("topics/index.html", "topics.html", (("topics", counts), ("paper_count", len(site.papers)), ("types", types)))
    grouped = papers_by_topic(site.papers, site.topics)
    names = topic_names(site)
    planned = (memo or Memo()).table("topic-pages", (page_size, names))
    for topic, _ in counts:
        yield from planned.get((topic, grouped[topic.slug]), lambda key: plan_one_topic(key, page_size, names))


def plan_one_topic(key: tuple[Topic, tuple[Paper, ...]], page_size: int, names: tuple[tuple[str, str], ...]) -> tuple[PageSpec, ...]:
    topic, papers = key
    days = days_of(papers)
    chunks = pages_of_days(days, page_size)
    specs = []
    for number, chunk in enumerate(chunks, start=1):
        values = (
            ("topic", topic),
            ("days", tuple(chunk)),
            ("total", len(papers)),
            ("page", number),
            ("pages", len(chunks)),
            ("pager", pager(number, len(chunks))),
            ("names", names),
        )
        specs.append(PageSpec(urls.file_for(urls.topic_dir(topic.slug, number)), "topic.html", values))
    whole = (("topic", topic), ("days", days), ("total", len(papers)))
    specs.append(PageSpec(urls.topic_markdown(topic.slug), "topic.md", whole))
    specs.append(PageSpec(urls.topic_bibtex(topic.slug), "list.bib", (("papers", papers),)))
    return tuple(specs)


def neighbours(site: Site, papers_by_id: dict[str, Paper]) -> dict[str, tuple[Paper | None, Paper | None]]:
    """Each paper's previous and next paper on the day it was first listed, in listing order."""
    found: dict[str, tuple[Paper | None, Paper | None]] = {}
    for day in site.days:
        new = day.new
        for position, paper_id in enumerate(new):
            before = papers_by_id[new[position - 1]] if position > 0 else None
            after = papers_by_id[new[position + 1]] if position + 1 < len(new) else None
            found[paper_id] = (before, after)
    return found


def how_values(site: Site) -> tuple[tuple[str, Any], ...]:
    """What the "How this digest is made" page counts: listings, papers, merges by rule, topics."""
    groups = merge_groups(site.papers)
    listings = sum(len(paper.appearances) for paper in site.papers)
    return (
        ("paper_count", len(site.papers)),
        ("listings", listings),
        ("day_count", len(site.days)),
        ("repeated", len(groups)),
        ("rules", tuple(rule_counts(groups).items())),
        ("topic_count", len(site.topics)),
    )


def plan_type_pages(site: Site, page_size: int, names: tuple[tuple[str, str], ...]) -> Iterable[PageSpec]:
    """A paper type's numbered pages (types/<slug>/): its papers in whole days, newest first, like a topic's."""
    for kind in site.paper_types:
        papers = tuple(paper for paper in site.papers if paper.paper_type == kind.slug)
        if not papers:
            continue
        chunks = pages_of_days(days_of(papers), page_size)
        for number, chunk in enumerate(chunks, start=1):
            values = (("kind", kind), ("days", tuple(chunk)), ("total", len(papers)), ("page", number), ("pages", len(chunks)))
            values += (("pager", pager(number, len(chunks))), ("names", names))
            yield PageSpec(urls.file_for(urls.type_dir(kind.slug, number)), "type.html", values)


def plan_watch_pages(site: Site, watches: Sequence[Watch], names: tuple[tuple[str, str], ...]) -> Iterable[PageSpec]:
    """A page per watch of digest.yaml (watch/<slug>/): its papers newest day first, with its feeds (feeds.py)."""
    papers_by_id = {paper.id: paper for paper in site.papers}
    for watch, ids in watched_papers(watches, site.papers).items():
        papers = tuple(papers_by_id[i] for i in ids)
        values = (("watch", watch), ("days", days_of(papers)), ("total", len(papers)), ("names", names))
        yield PageSpec(urls.file_for(f"watch/{watch.slug}/"), "watch.html", values)


def plan_pages(site: Site, page_size: int = 50, memo: Memo | None = None, watches: Sequence[Watch] = ()) -> Iterable[PageSpec]:
    """Every page. A day's new papers' pages come right after the day's own, so the renderer that made the day's
    cards and BibTeX entries (one process of a parallel build, whose fragments are its own) still holds them."""
    papers_by_id = {paper.id: paper for paper in site.papers}
    names = topic_names(site)
    beside = neighbours(site, papers_by_id)
    name_of = dict(names)

    def plan_paper(key: tuple[Paper, Paper | None, Paper | None]) -> tuple[PageSpec, PageSpec]:
        paper, before, after = key
        chips = tuple((match.slug, name_of.get(match.slug, match.slug)) for match in paper.topics)
        values = (("paper", paper), ("topic_names", chips), ("previous", before), ("next", after))
        return (
            PageSpec(urls.file_for(urls.paper_dir(paper.id)), "paper.html", values),
            PageSpec(urls.paper_bibtex(paper.id), "paper.bib", (("paper", paper),)),
        )

    # With ids shared by two papers, the later page of an id is the one kept: those sites keep the papers' order.
    by_day = len(papers_by_id) == len(site.papers)
    planned: set[str] = set()
    for position, day in enumerate(site.days):
        new, returning = papers_on(day, papers_by_id)
        newer = site.days[position - 1].date if position > 0 else None
        older = site.days[position + 1].date if position + 1 < len(site.days) else None
        values = (("day", day), ("new", new), ("returning", returning), ("newer", newer), ("older", older), ("names", names))
        if position == 0:
            yield PageSpec("index.html", "index.html", (*values, ("paper_count", len(site.papers)), ("day_count", len(site.days))))
        yield PageSpec(urls.file_for(urls.day_dir(day.date)), "day.html", values)
        yield PageSpec(urls.day_markdown(day.date), "day.md", values)
        yield PageSpec(urls.day_bibtex(day.date), "list.bib", (("papers", new + returning),))
        if by_day:
            for paper in new:
                if paper.id not in planned:
                    planned.add(paper.id)
                    yield from plan_paper((paper, *beside.get(paper.id, (None, None))))
    if not site.days:
        empty = (("day", None), ("new", ()), ("returning", ()), ("newer", None), ("older", None), ("names", names))
        yield PageSpec("index.html", "index.html", (*empty, ("paper_count", 0), ("day_count", 0)))
    yield PageSpec("404.html", "404.html", ())
    yield PageSpec("archive/index.html", "archive.html", (("years", archive_years(site)), ("paper_count", len(site.papers)), ("day_count", len(site.days))))
    yield PageSpec("search/index.html", "search.html", (("paper_count", len(site.papers)),))
    yield PageSpec(urls.file_for(urls.HOW_IT_IS_MADE), "how.html", how_values(site))
    for content_page in site.pages:
        yield PageSpec(urls.file_for(content_page.slug + "/"), "page.html", (("page", content_page),))
    yield from plan_periods(site, papers_by_id, names)
    yield from plan_watch_pages(site, watches, names)
    yield from plan_type_pages(site, page_size, names)
    for paper in site.papers:
        if paper.id not in planned:
            yield from plan_paper((paper, *beside.get(paper.id, (None, None))))
    yield from plan_topic_pages(site, page_size, memo)
