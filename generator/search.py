"""The client-side search index: every paper's title, first-seen date, topics and words.

The browser (themes/default/static/search.js) loads search/index.json once,
builds its inverted index from each paper's words and answers queries offline:
each query word is matched as a prefix of the indexed words, every word must
match, and title matches rank first. Shipping each paper's words rather than
an inverted index keeps the file about the same size and lets each paper's
line be encoded once (memoized: a preview rebuild re-encodes only changed papers).
"""

from __future__ import annotations

import json
import re

from .memo import Memo
from .model import Paper, Site

INDEX_PATH = "search/index.json"
INDEX_VERSION = 2
WORD = re.compile(r"[^\W_]+")
# Words in nearly every abstract: they would only bloat the index and match everything.
STOP_WORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "been", "by", "can", "for", "from", "has", "have", "in", "into", "is", "it"),
        *("its", "of", "on", "or", "our", "that", "the", "their", "these", "this", "those", "to", "via", "was", "we", "were"),
        *("which", "while", "with"),
    }
)


def words(text: str) -> list[str]:
    """Lowercased words of two or more characters, minus stop words; search.js splits queries the same way."""
    return [w for w in WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]


def paper_words(paper: Paper, topic_names: dict[str, str]) -> set[str]:
    topic_text = " ".join(f"{match.slug} {topic_names.get(match.slug, '')}" for match in paper.topics)
    return set(words(f"{paper.title} {paper.abstract} {topic_text}"))


def index_json(site: Site, memo: Memo | None = None) -> bytes:
    """{"version", "stop_words", "docs": [[id, title, first seen, [topic slugs], "word word ..."], ...]}, newest paper first."""
    topic_names = {topic.slug: topic.name for topic in site.topics}
    lines = (memo or Memo()).table("search-doc", tuple(sorted(topic_names.items())))

    def encode(paper: Paper) -> str:
        doc = [paper.id, paper.title, paper.first_seen.isoformat(), [match.slug for match in paper.topics], " ".join(sorted(paper_words(paper, topic_names)))]
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))

    head = json.dumps({"version": INDEX_VERSION, "stop_words": sorted(STOP_WORDS)}, separators=(",", ":"))[:-1]
    return (head + ',"docs":[\n' + ",\n".join(lines.get(paper, encode) for paper in site.papers) + "]}").encode("utf-8")
