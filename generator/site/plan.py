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
from generator.site import urls

LATEST_DAYS_ON_HOME = 7


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


def days_by_month(site: Site) -> tuple[tuple[dt.date, tuple[Day, ...]], ...]:
    """Newest month first; each month's days newest first, as site.days already are."""
    months: dict[dt.date, list[Day]] = {}
    for day in site.days:
        months.setdefault(day.date.replace(day=1), []).append(day)
    return tuple((month, tuple(days)) for month, days in months.items())


def with_phrases(papers: Sequence[Paper], slug: str) -> list[tuple[Paper, tuple[str, ...]]]:
    """Each of a topic's papers with the phrases that put it there."""
    found = []
    for paper in papers:
        for match in paper.topics:
            if match.slug == slug:
                found.append((paper, match.phrases))
                break
        else:
            found.append((paper, ()))
    return found


def days_of(entries: Sequence[tuple[Paper, tuple[str, ...]]]) -> tuple[tuple[dt.date, tuple[tuple[Paper, tuple[str, ...]], ...]], ...]:
    """A topic's (paper, phrases) grouped by the day each paper was first seen, newest day first."""
    groups: dict[dt.date, list[tuple[Paper, tuple[str, ...]]]] = {}
    for entry in entries:
        groups.setdefault(entry[0].first_seen, []).append(entry)
    return tuple((date, tuple(groups[date])) for date in sorted(groups, reverse=True))


def plan_topic_pages(site: Site, page_size: int, memo: Memo | None = None) -> Iterable[PageSpec]:
    """The topics index, each topic's pages (page_size papers each) and its Markdown mirror."""
    counts = topic_counts(site)
    yield PageSpec("topics/index.html", "topics.html", (("topics", counts), ("paper_count", len(site.papers))))
    grouped = papers_by_topic(site.papers, site.topics)
    planned = (memo or Memo()).table("topic-pages", page_size)
    for topic, _ in counts:
        yield from planned.get((topic, grouped[topic.slug]), lambda key: plan_one_topic(key, page_size))


def plan_one_topic(key: tuple[Topic, tuple[Paper, ...]], page_size: int) -> tuple[PageSpec, ...]:
    topic, papers = key
    entries = with_phrases(papers, topic.slug)
    chunks = [entries[start : start + page_size] for start in range(0, len(entries), page_size)] or [[]]
    specs = []
    for number, chunk in enumerate(chunks, start=1):
        values = (
            ("topic", topic),
            ("days", days_of(chunk)),
            ("total", len(papers)),
            ("page", number),
            ("pages", len(chunks)),
        )
        specs.append(PageSpec(urls.file_for(urls.topic_dir(topic.slug, number)), "topic.html", values))
    whole = (("topic", topic), ("days", days_of(entries)), ("total", len(papers)))
    specs.append(PageSpec(urls.topic_markdown(topic.slug), "topic.md", whole))
    return tuple(specs)


def plan_pages(site: Site, page_size: int = 50, memo: Memo | None = None) -> Iterable[PageSpec]:
    papers_by_id = {paper.id: paper for paper in site.papers}
    days_summary = tuple((day.date, len(day.new), len(day.returning)) for day in site.days)
    latest = tuple((day, *papers_on(day, papers_by_id)) for day in site.days[:LATEST_DAYS_ON_HOME])
    home = (("latest", latest), ("days", days_summary), ("paper_count", len(site.papers)), ("topics", topic_counts(site)))
    yield PageSpec("index.html", "index.html", home)
    yield PageSpec("404.html", "404.html", ())
    yield PageSpec("archive/index.html", "archive.html", (("months", days_by_month(site)), ("paper_count", len(site.papers))))
    yield PageSpec("search/index.html", "search.html", (("paper_count", len(site.papers)),))
    groups = merge_groups(site.papers)
    yield PageSpec("dedupe/index.html", "dedupe.html", (("groups", groups), ("rules", tuple(rule_counts(groups).items())), ("paper_count", len(site.papers))))
    for content_page in site.pages:
        yield PageSpec(urls.file_for(content_page.slug + "/"), "page.html", (("page", content_page),))
    for position, day in enumerate(site.days):
        new, returning = papers_on(day, papers_by_id)
        newer = site.days[position - 1].date if position > 0 else None
        older = site.days[position + 1].date if position + 1 < len(site.days) else None
        values = (("day", day), ("new", new), ("returning", returning), ("newer", newer), ("older", older))
        yield PageSpec(urls.file_for(urls.day_dir(day.date)), "day.html", values)
        yield PageSpec(urls.day_markdown(day.date), "day.md", values)
    topic_names = {topic.slug: topic.name for topic in site.topics}

    def plan_paper(paper: Paper) -> PageSpec:
        names = tuple((match.slug, topic_names.get(match.slug, match.slug)) for match in paper.topics)
        return PageSpec(urls.file_for(urls.paper_dir(paper.id)), "paper.html", (("paper", paper), ("topic_names", names)))

    # Memoized, so an unchanged paper's spec is the very object last build rendered: compared by identity.
    paper_specs = (memo or Memo()).table("paper-page", tuple(sorted(topic_names.items())))
    for paper in site.papers:
        yield paper_specs.get(paper, plan_paper)
    yield from plan_topic_pages(site, page_size, memo)


