"""The client-side search index: a small dictionary loaded first, the rest fetched in shards as a query needs it.

The browser (themes/default/static/search.js) loads `search/index.json` (the
dictionary: where each shard starts, the topics, the papers' dates) and then
only what a query touches:

- `search/p/N.json`: postings shards, ranges of the sorted vocabulary, each
  {term: varint-encoded postings}. A posting is `2 * paper number + strong`,
  where strong means the term is in the title, an author's name, the
  organization or the arXiv id (they rank above abstract and topic hits);
  papers are numbered newest first, so a date range is a range of numbers and
  ties go to the newer paper. Topics are the terms `:slug`, arXiv ids the
  term `2405.20541`: query words never hold `:` or `.`, so neither is matched
  by a prefix or a typo.
- `search/v/N.txt`: the vocabulary alone, one word a line, in ranges of its
  own; typo tolerance reads the words that share the query word's first two
  letters, then fetches the postings of the close ones.
- `search/d/N.json`: what a result shows, DOCS_PER_CHUNK papers a file.

Everything is a pure function of the papers (same papers, same bytes). A
preview session keeps each paper's words, so a rebuild re-splits only the
papers that changed. Design and figures: docs/search.md.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
import sys
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from generator.memo import Memo
from generator.model import Paper, Site

INDEX_PATH = "search/index.json"
INDEX_VERSION = 3
DOCS_PER_CHUNK = 16
# Shards close once they hold this many bytes: small enough that a query's first result needs little,
# large enough that the dictionary (one first term per shard) stays small.
POSTINGS_SHARD_BYTES = 32_000
VOCABULARY_SHARD_BYTES = 8_000
WORD = re.compile(r"[^\W_]+")
COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: json.dumps with options builds an encoder per call
LONG_WORD = re.compile(r"[^\W_]{2,}")
# Lowercased ASCII text split on everything but letters and digits gives the same words, and faster.
ASCII_SEPARATORS = str.maketrans({code: " " for code in range(128) if not chr(code).isalnum()})
# Words in nearly every abstract: they would only bloat the index and match everything.
STOP_WORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "been", "by", "can", "for", "from", "has", "have", "in", "into", "is", "it"),
        *("its", "of", "on", "or", "our", "that", "the", "their", "these", "this", "those", "to", "via", "was", "we", "were"),
        *("which", "while", "with"),
    }
)
UNINDEXED_ASCII = STOP_WORDS | frozenset("abcdefghijklmnopqrstuvwxyz0123456789")  # and one-character words
ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}")

# Varint digits: a value is written in base 32, most significant digit first; every digit but the last
# comes from the upper half of the alphabet, so values need no separator. All 64 are safe in JSON strings.
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_codes: list[str] = []


def varint(value: int) -> str:
    last = DIGITS[value & 31]
    value >>= 5
    head = ""
    while value:
        head = DIGITS[32 + (value & 31)] + head
        value >>= 5
    return head + last


def codes(limit: int) -> list[str]:
    """varint(v) for every v < limit, at least: encoding maps values through this list at C speed."""
    if len(_codes) < limit:
        _codes.extend(varint(value) for value in range(len(_codes), max(limit, 4096)))
    return _codes


def decode(text: str) -> list[int]:
    """The values of a varint string (what search.js does); for tests and tools."""
    values, value = [], 0
    for char in text:
        digit = DIGITS.index(char)
        if digit >= 32:
            value = value * 32 + digit - 32
        else:
            values.append(value * 32 + digit)
            value = 0
    return values


def words(text: str) -> list[str]:
    """Lowercased words of two or more characters, minus stop words; search.js splits queries the same way."""
    return [w for w in WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]


def word_set(text: str) -> set[str]:
    """set(words(text)), found set-first: a word recurs in an abstract."""
    text = text.lower()
    if text.isascii():
        found = set(text.translate(ASCII_SEPARATORS).split())
        found -= UNINDEXED_ASCII  # in place: no second set
    else:
        found = set(LONG_WORD.findall(text))
        found -= STOP_WORDS
    return found


def organization_names(paper: Paper) -> tuple[str, ...]:
    """The organization's handle and the name it shows, each once (the shown name last)."""
    organization = paper.organization
    if organization is None:
        return ()
    return tuple(dict.fromkeys(name for name in (organization.name, organization.fullname) if name))


def paper_terms(paper: Paper, topic_names: dict[str, str]) -> tuple[set[str], set[str]]:
    """(strong terms, the other terms): title, authors, organization and arXiv id rank above abstract and topics."""
    strong = word_set(" ".join((paper.title, *paper.authors, *organization_names(paper))))
    if paper.arxiv_id:
        strong.add(paper.arxiv_id.lower())
    weak = word_set(paper.abstract)
    if paper.topics:
        weak |= word_set(" ".join(f"{match.slug} {topic_names.get(match.slug, '')}" for match in paper.topics))
        weak.update(":" + match.slug for match in paper.topics)
    weak -= strong
    return strong, weak


def stored_terms(paper: Paper, topic_names: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """paper_terms as tuples, each word the one copy sys.intern keeps: a preview session holds every paper's terms between rebuilds."""
    strong, weak = paper_terms(paper, topic_names)
    return tuple(map(sys.intern, strong)), tuple(map(sys.intern, weak))


def doc_json(paper: Paper) -> bytes:
    """A result line: [id, title, [topic slugs], [authors], organization, arXiv id, upvotes]."""
    organization = organization_names(paper)
    topics = [match.slug for match in paper.topics]
    doc = [paper.id, paper.title, topics, list(paper.authors), organization[-1] if organization else "", paper.arxiv_id or "", paper.upvotes]
    return COMPACT_JSON.encode(doc).encode("utf-8")


def utf16_order(terms: Iterable[str]) -> list[str]:
    """Sorted as JavaScript compares strings (UTF-16 code units), so search.js's binary searches agree."""
    terms = list(terms)
    if any(max(term) > "\ud7ff" for term in terms):
        return sorted(terms, key=lambda term: term.encode("utf-16-be"))
    return sorted(terms)


def postings_of(term_lists: Iterable[tuple[Collection[str], Collection[str]]]) -> dict[str, list[int]]:
    """term -> ascending `2 * paper number + strong`, from each paper's (strong, other) terms in paper order.

    Each paper's appends run inside map() (list.append over the terms' lists), not a Python loop per posting.
    The dict keeps the first copy of each word, so a paper's own strings go once its terms are posted.
    """
    postings: defaultdict[str, list[int]] = defaultdict(list)
    lists, append = postings.__getitem__, list.append
    for number, (strong, weak) in enumerate(term_lists):
        any(map(append, map(lists, strong), itertools.repeat(2 * number + 1, len(strong))))
        any(map(append, map(lists, weak), itertools.repeat(2 * number, len(weak))))
    return postings


def encoded(values: list[int], table: list[str]) -> str:
    """The gaps between ascending values (the first from 0), as varints."""
    if len(values) == 1:
        return table[values[0]]
    return table[values[0]] + "".join(map(table.__getitem__, map(operator.sub, values[1:], values)))


def ranges(sizes: Iterable[tuple[str, int]], limit: int) -> list[list[str]]:
    """Consecutive runs of the (sorted) terms, each closed once it holds `limit` bytes."""
    runs: list[list[str]] = []
    run: list[str] = []
    held = 0
    for term, size in sizes:
        run.append(term)
        held += size
        if held >= limit:
            runs.append(run)
            run, held = [], 0
    if run:
        runs.append(run)
    return runs


def dates_code(papers: Sequence[Paper]) -> tuple[str, str]:
    """(newest first-seen date, varints): the newest date's paper count, then per older date the days back
    from the date before it and its paper count. Papers come newest first, so each date's papers are consecutive."""
    runs: list[list[Any]] = []
    for paper in papers:
        day = paper.first_seen
        if runs and runs[-1][0] == day:
            runs[-1][1] += 1
        else:
            runs.append([day, 1])
    if not runs:
        return "", ""
    values = [runs[0][1]]
    for (later, _), (day, count) in itertools.pairwise(runs):
        values += [(later - day).days, count]
    return runs[0][0].isoformat(), "".join(map(varint, values))


def index_files(site: Site, memo: Memo | None = None) -> dict[str, bytes]:
    """Every file of the search index, by its path in the site."""
    topic_names = {topic.slug: topic.name for topic in site.topics}
    papers = site.papers
    if memo is not None and memo.carried:  # a preview session: the next rebuild re-splits only the papers that changed
        terms_table = memo.table("search-terms", tuple(sorted(topic_names.items())))
        postings = postings_of(terms_table.get(paper, lambda p: stored_terms(p, topic_names)) for paper in papers)
    else:
        postings = postings_of(paper_terms(paper, topic_names) for paper in papers)
    table = codes(2 * len(papers) + 2)
    vocabulary = utf16_order(postings)

    files: dict[str, bytes] = {}
    postings_starts: list[str] = []
    entries = [(term, encoded(postings[term], table)) for term in vocabulary]
    del postings
    run_start = 0
    for run in ranges(((term, len(term) + len(code) + 6) for term, code in entries), POSTINGS_SHARD_BYTES):
        shard = dict(entries[run_start : run_start + len(run)])
        files[f"search/p/{len(postings_starts)}.json"] = COMPACT_JSON.encode(shard).encode("utf-8")
        postings_starts.append(run[0])
        run_start += len(run)
    del entries

    # Typo tolerance reads words only: not topics (`:slug`) nor arXiv ids (`2405.20541`).
    plain = [term for term in vocabulary if term.isalnum()]
    vocabulary_starts: list[str] = []
    for run in ranges(((term, len(term) + 1) for term in plain), VOCABULARY_SHARD_BYTES):
        files[f"search/v/{len(vocabulary_starts)}.txt"] = "\n".join(run).encode("utf-8")
        vocabulary_starts.append(run[0])

    for start in range(0, len(papers), DOCS_PER_CHUNK):
        lines = [doc_json(paper) for paper in papers[start : start + DOCS_PER_CHUNK]]
        files[f"search/d/{start // DOCS_PER_CHUNK}.json"] = b"[\n" + b",\n".join(lines) + b"\n]"

    newest, dates = dates_code(papers)
    topic_counts: dict[str, int] = {}
    for paper in papers:
        for match in paper.topics:
            topic_counts[match.slug] = topic_counts.get(match.slug, 0) + 1
    dictionary = {
        "version": INDEX_VERSION,
        "papers": len(papers),
        "chunk": DOCS_PER_CHUNK,
        "stop_words": sorted(STOP_WORDS),
        "topics": [[topic.slug, topic.name, topic_counts.get(topic.slug, 0)] for topic in site.topics],
        "newest": newest,
        "dates": dates,
        "postings": postings_starts,
        "vocabulary": vocabulary_starts,
    }
    files[INDEX_PATH] = COMPACT_JSON.encode(dictionary).encode("utf-8")
    return files
