"""papers.json: the public export of every paper and where it came from.

One paper per line: a diff between two builds shows the papers that changed,
`grep` finds one, and each line is encoded once per paper (memoized, so a
preview rebuild re-encodes only the papers that changed).
"""

from __future__ import annotations

import json
from typing import Any

from generator.memo import Memo
from generator.model import Account, Paper, Site
from generator.site import urls

RECORD_JSON = json.JSONEncoder(ensure_ascii=False)  # made once: json.dumps with options builds an encoder per call


def account_record(account: Account | None) -> dict[str, Any] | None:
    return {"name": account.name, "fullname": account.fullname, "avatar": account.avatar} if account else None


def paper_links(paper: Paper) -> dict[str, Any]:
    """The links a reader follows, by kind; arXiv and Hugging Face links are made from the arXiv id."""
    links: dict[str, Any] = {}
    if paper.arxiv_id:
        links |= {"arxiv": f"https://arxiv.org/abs/{paper.arxiv_id}", "pdf": f"https://arxiv.org/pdf/{paper.arxiv_id}"}
        links["huggingface"] = f"https://huggingface.co/papers/{paper.arxiv_id}"
    if paper.github_repo:
        links |= {"code": paper.github_repo, "code_stars": paper.github_stars}
    if paper.project_page:
        links["project"] = paper.project_page
    return links


def paper_record(paper: Paper, link: urls.Urls) -> dict[str, Any]:
    return {
        "id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "arxiv_id": paper.arxiv_id,
        "authors": list(paper.authors),
        "topics": [{"slug": m.slug, "score": m.score, "evidence": {place: list(words) for place, words in m.evidence}} for m in paper.topics],
        "paper_type": paper.paper_type,
        "first_seen": paper.first_seen.isoformat(),
        "published": paper.published,
        "listed_at": paper.listed_at,
        "upvotes": paper.upvotes,
        "comments": paper.comments,
        "organization": account_record(paper.organization),
        "submitted_by": account_record(paper.submitted_by),
        "ai_summary": paper.ai_summary or None,
        "ai_keywords": list(paper.ai_keywords),
        "thumbnail": paper.thumbnail,
        "links": paper_links(paper),
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
