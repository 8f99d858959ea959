"""Fold entries into papers: one paper is one paper, two papers are never one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .config import DedupeSettings
from .model import Appearance, Entry, MergeReason, Paper
from .normalize import normalize_title, paper_id_for


@dataclass(frozen=True, slots=True)
class DedupeResult:
    papers: tuple[Paper, ...]  # in order of first appearance
    candidate_pairs: int


def chronological(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.date, e.source, e.rank))


def dedupe(entries: Sequence[Entry], settings: DedupeSettings = DedupeSettings()) -> DedupeResult:
    groups: dict[str, list[tuple[Entry, MergeReason | None]]] = {}
    for entry in chronological(entries):
        key = normalize_title(entry.title)
        group = groups.setdefault(key, [])
        reason = MergeReason(entry.source, entry.line, "exact-title", 100.0, group[0][0].title) if group else None
        group.append((entry, reason))
    return DedupeResult(tuple(_paper_from_group(g, set()) for g in groups.values()), 0)


def _paper_from_group(group: list[tuple[Entry, MergeReason | None]], taken_ids: set[str]) -> Paper:
    first = group[0][0]
    entries = [entry for entry, _ in group]
    best = max(entries, key=lambda e: len(e.abstract))
    return Paper(
        id=paper_id_for(first.title),
        title=first.title,
        abstract=best.abstract,
        appearances=tuple(Appearance(e.date, e.source, e.line, e.rank, e.title) for e in entries),
        arxiv_id=next((e.arxiv_id for e in entries if e.arxiv_id), None),
        authors=next((e.authors for e in entries if e.authors), ()),
        upvotes=max((e.upvotes for e in entries if e.upvotes is not None), default=None),
        published=next((e.published for e in entries if e.published), None),
        merges=tuple(reason for _, reason in group if reason),
    )
