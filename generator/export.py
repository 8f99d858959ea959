"""papers.json: the public export of every paper and where it came from."""

from __future__ import annotations

import json
from typing import Any

from . import urls
from .memo import Memo
from .model import Paper, Site


def paper_record(paper: Paper, link: urls.Urls) -> dict[str, Any]:
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "arxiv_id": paper.arxiv_id,
        "authors": list(paper.authors),
        "topics": [match.slug for match in paper.topics],
        "first_seen": paper.first_seen.isoformat(),
        "url": link.absolute(urls.paper_dir(paper.id)),
        "appearances": [
            {"date": a.date.isoformat(), "source": a.source, "line": a.line, "rank": a.rank, "title": a.title}
            for a in paper.appearances
        ],
    }


def papers_json(site: Site, memo: Memo | None = None) -> bytes:
    link = urls.Urls(site.base_url)
    document = {"papers": [paper_record(paper, link) for paper in site.papers]}
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")
