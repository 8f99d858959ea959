"""Assemble the site model from papers: days, ordering. Pure data, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from generator.config import Config
from generator.model import Day, Paper, Site, Topic


def build_days(papers: Sequence[Paper]) -> tuple[Day, ...]:
    """One day per date: its new papers and its returning ones, each in dump order."""
    by_day: dict[dt.date, list[tuple[str, int, str]]] = {}
    sources: dict[dt.date, set[str]] = {}
    for paper in papers:
        seen_days: set[dt.date] = set()
        for appearance in sorted(paper.appearances, key=lambda a: (a.date, a.source, a.rank)):
            sources.setdefault(appearance.date, set()).add(appearance.source)
            if appearance.date in seen_days:
                continue
            seen_days.add(appearance.date)
            by_day.setdefault(appearance.date, []).append((appearance.source, appearance.rank, paper.id))
    first_seen = {paper.id: paper.first_seen for paper in papers}
    days = []
    for date in sorted(by_day, reverse=True):
        ordered = [paper_id for _, _, paper_id in sorted(by_day[date])]
        days.append(
            Day(
                date=date,
                new=tuple(i for i in ordered if first_seen[i] == date),
                returning=tuple(i for i in ordered if first_seen[i] != date),
                sources=tuple(sorted(sources[date])),
            )
        )
    return tuple(days)


def assemble(papers: Sequence[Paper], config: Config, topics: Sequence[Topic] = (), paper_types: Sequence[Topic] = ()) -> Site:
    order = {paper.id: index for index, paper in enumerate(papers)}
    newest_first = sorted(papers, key=lambda p: (-p.first_seen.toordinal(), order[p.id]))
    return Site(
        title=config.title,
        description=config.description,
        base_url=config.base_url,
        papers=tuple(newest_first),
        days=build_days(papers),
        topics=tuple(topics),
        paper_types=tuple(paper_types),
    )
