"""The client-side search index: every paper's title, abstract and topics as a compact inverted index.

The browser (themes/default/static/search.js) loads search/index.json once and
answers queries offline: each query word is matched as a prefix of the indexed
words, every word must match, and title matches rank first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from .memo import Memo
from .model import Paper, Site

INDEX_PATH = "search/index.json"
INDEX_VERSION = 1
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


def delta_encode(numbers: Iterable[int]) -> list[int]:
    """Ascending document numbers as gaps: small numbers keep the JSON short."""
    gaps, previous = [], 0
    for number in numbers:
        gaps.append(number - previous)
        previous = number
    return gaps


def build_index(site: Site) -> dict[str, object]:
    """docs: [id, title, first seen, topic slugs] newest first; words: word -> delta-encoded doc numbers."""
    topic_names = {topic.slug: topic.name for topic in site.topics}
    postings: dict[str, list[int]] = {}
    docs = []
    for number, paper in enumerate(site.papers):
        docs.append([paper.id, paper.title, paper.first_seen.isoformat(), [match.slug for match in paper.topics]])
        for word in paper_words(paper, topic_names):
            postings.setdefault(word, []).append(number)
    return {
        "version": INDEX_VERSION,
        "stop_words": sorted(STOP_WORDS),
        "docs": docs,
        "words": {word: delta_encode(postings[word]) for word in sorted(postings)},
    }


def index_json(site: Site, memo: Memo | None = None) -> bytes:
    return json.dumps(build_index(site), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

