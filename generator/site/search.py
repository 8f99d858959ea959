"""The client-side search index: every paper's title, first-seen date and topics, and an inverted index of words.

The browser (themes/default/static/search.js) loads search/index.json once and
answers queries offline: each query word is matched as a prefix of the indexed
words, every word must match, and title matches rank first.

The inverted index comes in shards, one per month of first appearance (papers
are listed newest first, so a month's papers are consecutive): a shard maps a
word to the delta-encoded numbers of its papers, counted from the shard's first
paper. A shard is a pure function of its papers, memoized, so a preview rebuild
after a one-dump edit re-encodes one month, not the corpus; the month's papers
are also where new papers land.
"""

from __future__ import annotations

import bisect
import itertools
import json
import operator
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from generator.memo import Memo
from generator.model import Paper, Site

INDEX_PATH = "search/index.json"
INDEX_VERSION = 2
WORD = re.compile(r"[^\W_]+")
COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # made once: json.dumps with options builds an encoder per call
# A whole WORD of two or more characters (a shorter run cannot match inside a longer one); the ASCII
# form is the same on lowercased ASCII text, without Unicode class look-ups.
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


def words(text: str) -> list[str]:
    """Lowercased words of two or more characters, minus stop words; search.js splits queries the same way."""
    return [w for w in WORD.findall(text.lower()) if len(w) > 1 and w not in STOP_WORDS]


def paper_words(paper: Paper, topic_names: dict[str, str]) -> set[str]:
    """The set of words(...) of the title, abstract and topic names, found set-first: a word recurs in an abstract."""
    topic_text = " ".join(f"{match.slug} {topic_names.get(match.slug, '')}" for match in paper.topics)
    text = f"{paper.title} {paper.abstract} {topic_text}".lower()
    if text.isascii():
        found = set(text.translate(ASCII_SEPARATORS).split())
        found -= UNINDEXED_ASCII  # in place: no second set
    else:
        found = set(LONG_WORD.findall(text))
        found -= STOP_WORDS
    return found


def _encoded(word: str, numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f'"{word}":[{numbers[0]}]'
    return f'"{word}":[{numbers[0]},{",".join(map(str, map(operator.sub, numbers[1:], numbers)))}]'


# A shard whose papers differ from last build's in at most this many places is patched, not re-encoded.
PATCH_LIMIT = 8


@dataclass(frozen=True, slots=True)
class Shard:
    """One shard's papers, the words of each, and per word its paper numbers and its encoded entry.

    Kept between a preview session's builds so an edit to one paper of a month
    re-encodes that paper's words only (`patched`); equal, always, to `shard_of`.
    """

    papers: tuple[Paper, ...]
    terms: tuple[Collection[str], ...]  # unordered: a word's paper numbers ascend, and the encoding sorts the words
    postings: dict[str, list[int]]
    entries: dict[str, str]

    def json(self) -> str:
        entries = self.entries
        return "{" + ",".join([entries[word] for word in sorted(entries)]) + "}"

    def patched(self, papers: tuple[Paper, ...], paper_terms: Callable[[Paper], Collection[str]]) -> Shard | None:
        """This shard with some papers replaced in place, or None when the papers moved (then encode afresh)."""
        if len(papers) != len(self.papers):
            return None
        changed = [n for n, (old, new) in enumerate(zip(self.papers, papers, strict=True)) if old is not new and old != new]
        if len(changed) > PATCH_LIMIT:
            return None
        terms = list(self.terms)
        postings, entries, touched = dict(self.postings), dict(self.entries), set()
        for number in changed:
            new_terms = paper_terms(papers[number])
            for word in set(terms[number]).symmetric_difference(new_terms):
                numbers = postings[word] = list(postings.get(word, ()))  # a copy: the last build's shard stays as it was
                if number in numbers:
                    numbers.remove(number)
                else:
                    bisect.insort(numbers, number)
                touched.add(word)
            terms[number] = new_terms
        for word in touched:
            if postings[word]:
                entries[word] = _encoded(word, postings[word])
            else:
                del postings[word], entries[word]
        return Shard(papers, tuple(terms), postings, entries)


def shard_of(papers: tuple[Paper, ...], paper_terms: Callable[[Paper], Collection[str]]) -> Shard:
    terms = tuple(paper_terms(paper) for paper in papers)
    postings: dict[str, list[int]] = {}
    for number, words_of_paper in enumerate(terms):
        for word in words_of_paper:
            found = postings.get(word)
            if found is None:
                postings[word] = [number]
            else:
                found.append(number)
    return Shard(papers, terms, postings, {word: _encoded(word, numbers) for word, numbers in postings.items()})


def shard_json(papers: tuple[Paper, ...], paper_terms: Callable[[Paper], Collection[str]]) -> str:
    """{word: delta-encoded numbers of the papers (0 = the shard's first) it occurs in}, words sorted.

    Written by hand, as json.dumps(..., ensure_ascii=False, separators=(",", ":")) would: a word is
    letters and digits only (LONG_WORD), so it never needs escaping; the numbers are gaps, the first
    counted from 0, so they stay short.
    """
    return shard_of(papers, paper_terms).json()


def months(papers: Sequence[Paper]) -> list[tuple[int, tuple[Paper, ...]]]:
    """(number of the first paper, the papers) for each run of papers first seen in the same month."""
    runs: list[tuple[int, tuple[Paper, ...]]] = []
    for _, run in itertools.groupby(enumerate(papers), key=lambda numbered: numbered[1].first_seen.replace(day=1)):
        numbered = list(run)
        runs.append((numbered[0][0], tuple(paper for _, paper in numbered)))
    return runs


def index_json(site: Site, memo: Memo | None = None) -> bytes:
    """{"version", "stop_words", "docs": [[id, title, first seen, [topic slugs]], ...] newest first, "shards": [{"first", "words"}]}."""
    memo = memo or Memo()
    topic_names = {topic.slug: topic.name for topic in site.topics}
    context = tuple(sorted(topic_names.items()))
    docs, terms, shards = memo.table("search-doc", context), memo.table("search-terms", context), memo.table("search-shard", context)
    shard_states = memo.table("search-shard-state", context)  # month -> the Shard last built for it

    def encode_doc(paper: Paper) -> bytes:
        doc = [paper.id, paper.title, paper.first_seen.isoformat(), [match.slug for match in paper.topics]]
        return COMPACT_JSON.encode(doc).encode("utf-8")

    def paper_terms(paper: Paper) -> tuple[str, ...]:
        # A tuple in the set's own order: far less memory than the set (the table holds every paper's words
        # until the index is done), and the order never shows.
        return terms.get(paper, lambda p: tuple(paper_words(p, topic_names)))

    def encode_month(run: tuple[Paper, ...]) -> bytes:
        if not memo.carried:  # a clean build: no next build to patch a shard for
            return shard_json(run, paper_terms).encode("utf-8")
        month = run[0].first_seen.replace(day=1)
        last: Shard | None = shard_states.recall(month)
        shard = (last.patched(run, paper_terms) if last else None) or shard_of(run, paper_terms)
        shard_states.keep(month, shard)
        return shard.json().encode("utf-8")

    def shard_bytes(run: tuple[Paper, ...]) -> bytes:
        encoded = shards.get(run, encode_month)
        month = run[0].first_seen.replace(day=1)
        last = shard_states.recall(month)
        if last is not None and month not in shard_states.kept():
            shard_states.keep(month, last)  # an unchanged month: carry its state to the next build
        return encoded

    head = json.dumps({"version": INDEX_VERSION, "stop_words": sorted(STOP_WORDS)}, separators=(",", ":"))[:-1]
    # Bytes throughout, as in export.papers_json: one copy of each memoized part, no encoding of the whole.
    doc_lines = b",\n".join([docs.get(paper, encode_doc) for paper in site.papers])
    shard_lines = b",\n".join([b'{"first":%d,"words":%s}' % (first, shard_bytes(run)) for first, run in months(site.papers)])
    return head.encode("utf-8") + b',"docs":[\n' + doc_lines + b'],\n"shards":[\n' + shard_lines + b"]}"
