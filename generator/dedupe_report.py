"""What dedupe merged and why: for `digest dupes` (text or JSON) and the site's dedupe page."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from generator.model import Appearance, MergeReason, Paper


@dataclass(frozen=True, slots=True)
class MergedAppearance:
    appearance: Appearance
    reason: MergeReason | None  # None: the first appearance, which fixed the paper's id


@dataclass(frozen=True, slots=True)
class MergeGroup:
    paper: Paper
    rows: tuple[MergedAppearance, ...]


def merge_groups(papers: Sequence[Paper]) -> tuple[MergeGroup, ...]:
    """Every paper that folded more than one entry, in order of first appearance."""
    groups = []
    for paper in sorted((p for p in papers if p.merges), key=lambda p: (p.first_seen, p.appearances[0].source, p.appearances[0].rank)):
        reasons = {(r.source, r.line): r for r in paper.merges}
        rows = tuple(MergedAppearance(a, reasons.get((a.source, a.line))) for a in paper.appearances)
        groups.append(MergeGroup(paper, rows))
    return tuple(groups)


def rule_counts(groups: Sequence[MergeGroup]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for group in groups:
        for row in group.rows:
            if row.reason:
                counts[row.reason.rule] = counts.get(row.reason.rule, 0) + 1
    return dict(sorted(counts.items()))


def explain(reason: MergeReason) -> str:
    parts = [f"{reason.rule} {reason.score:g}"]
    if reason.title_score is not None:
        parts.append(f"title {reason.title_score:g}")
    if reason.abstract_score is not None:
        parts.append(f"abstract {reason.abstract_score:g}")
    return ", ".join(parts)


def format_text(papers: Sequence[Paper], entries: int, candidate_pairs: int) -> str:
    groups = merge_groups(papers)
    merged = sum(len(g.paper.merges) for g in groups)
    rules = ", ".join(f"{rule} {count}" for rule, count in rule_counts(groups).items()) or "none"
    lines = [
        f"{entries} entries -> {len(papers)} papers: {merged} entries merged into {len(groups)} papers ({rules}); {candidate_pairs} candidate pairs scored",
    ]
    for group in groups:
        lines.append("")
        lines.append(f"{group.paper.id}  {group.paper.title}")
        for row in group.rows:
            a = row.appearance
            why = "first seen" if row.reason is None else explain(row.reason)
            lines.append(f"  {a.date.isoformat()}  {a.source}:{a.line}  [{why}]  {a.title}")
    return "\n".join(lines) + "\n"


def as_json(papers: Sequence[Paper], entries: int, candidate_pairs: int) -> str:
    groups = merge_groups(papers)
    document = {
        "entries": entries,
        "papers": len(papers),
        "candidate_pairs": candidate_pairs,
        "rules": rule_counts(groups),
        "groups": [
            {
                "id": group.paper.id,
                "title": group.paper.title,
                "first_seen": group.paper.first_seen.isoformat(),
                "appearances": [
                    {
                        "date": row.appearance.date.isoformat(),
                        "source": row.appearance.source,
                        "line": row.appearance.line,
                        "rank": row.appearance.rank,
                        "title": row.appearance.title,
                        "rule": row.reason.rule if row.reason else None,
                        "score": row.reason.score if row.reason else None,
                        "title_score": row.reason.title_score if row.reason else None,
                        "abstract_score": row.reason.abstract_score if row.reason else None,
                    }
                    for row in group.rows
                ],
            }
            for group in groups
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
