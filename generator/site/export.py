"""papers.json: the public export of every paper and where it came from.

One paper per line: a diff between two builds shows the papers that changed,
`grep` finds one, and each line is encoded once per paper (memoized, so a
preview rebuild re-encodes only the papers that changed).
"""

from __future__ import annotations

import json
from typing import Any

from generator.memo import Memo
from generator.model import Paper, Site
from generator.site import urls

RECORD_JSON = json.JSONEncoder(ensure_ascii=False)  # made once: json.dumps with options builds an encoder per call


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
        "appearances": [{"date": a.date.isoformat(), "source": a.source, "line": a.line, "rank": a.rank, "title": a.title} for a in paper.appearances],
    }


def papers_json(site: Site, memo: Memo | None = None) -> bytes:
    link = urls.Urls(site.base_url)
    lines = (memo or Memo()).table("export-line", site.base_url)

    def encode(paper: Paper) -> bytes:
        return RECORD_JSON.encode(paper_record(paper, link)).encode("utf-8")

    # Lines are kept as bytes: joining bytes copies them once, where a str of the whole export
    # (four bytes a character once one is outside Latin-1) would be copied and then encoded.
    body = b",\n".join([lines.get(paper, encode) for paper in site.papers])
    return b'{"papers": [\n' + body + (b"\n" if body else b"") + b"]}\n"
