"""The typed data that flows through the pipeline. Frozen values, no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


def hash_once(value: Any) -> int:
    """A frozen value's hash, computed over its fields once and kept in its `_hash` slot.

    For values that key memo tables: the generated hash walks every field on every
    look-up. Fields are those of the constructor (`__match_args__`), in order.
    """
    if not value._hash:
        object.__setattr__(value, "_hash", hash(tuple([getattr(value, name) for name in value.__match_args__])) or 1)
    return value._hash


@dataclass(frozen=True, slots=True)
class Account:
    """A Hugging Face account: the organization a paper is listed under, or who submitted it."""

    name: str  # the handle, as in huggingface.co/<name>
    fullname: str  # as shown; the handle when the API gives none
    avatar: str | None = None  # an http(s) URL


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper as it appears in one dump: what a reader produces."""

    date: dt.date
    rank: int  # 1-based position in its dump
    title: str
    abstract: str
    source: str  # path relative to the content folder, with forward slashes
    line: int  # 1-based line of the title (JSON: the line where the item starts)
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    upvotes: int | None = None
    published: str | None = None  # YYYY-MM-DD, the arXiv date, when the feed says
    # What the daily papers API adds (text dumps have none of it). URLs are http(s) only.
    listed_at: str | None = None  # when it was listed on the daily page: YYYY-MM-DDTHH:MM:SSZ
    comments: int | None = None
    thumbnail: str | None = None
    organization: Account | None = None
    submitted_by: Account | None = None
    ai_summary: str = ""  # machine-written: always shown labelled, never in place of the abstract
    ai_keywords: tuple[str, ...] = ()
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    __hash__ = hash_once  # entries key the dedupe's memo of papers, through their clusters' members


@dataclass(frozen=True, slots=True)
class Appearance:
    date: dt.date
    source: str
    line: int
    rank: int
    title: str  # the title as it stood in that dump


@dataclass(frozen=True, slots=True)
class MergeReason:
    """Why an entry was folded into a paper: the rule that matched and its score."""

    source: str
    line: int
    rule: str  # "arxiv-id" | "exact-title" | "fuzzy"
    score: float
    matched_title: str  # the title of the paper's first appearance
    title_score: float | None = None  # rapidfuzz 0-100, when titles were compared
    abstract_score: float | None = None  # rapidfuzz 0-100, when both abstracts were there


@dataclass(frozen=True, slots=True)
class TopicMatch:
    slug: str
    phrases: tuple[str, ...]  # the words found, as written, each once: the plain "why"
    score: int = 0  # how strongly the paper is in the topic; a paper's topics are ordered by it
    evidence: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (where: "title" | "abstract" | "keywords", the words found there as written)


@dataclass(frozen=True, slots=True)
class Paper:
    id: str
    title: str
    abstract: str
    appearances: tuple[Appearance, ...]
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    upvotes: int | None = None
    published: str | None = None
    abstract_from: int = 0  # the appearance whose abstract is shown: a later, longer one revised the paper
    listed_at: str | None = None  # the API fields below as the latest listing gives them (see Entry)
    comments: int | None = None
    thumbnail: str | None = None
    organization: Account | None = None
    submitted_by: Account | None = None
    ai_summary: str = ""
    ai_keywords: tuple[str, ...] = ()
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    merges: tuple[MergeReason, ...] = ()
    topics: tuple[TopicMatch, ...] = ()  # strongest first, at most the taxonomy's max_topics
    paper_type: str | None = None  # survey | benchmark | technical-report | position (the taxonomy's paper_types), or None
    watched: tuple[str, ...] = ()  # the labels of the digest.yaml watches it matches ("Author: Yann LeCun")
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    __hash__ = hash_once  # papers key the memo tables (memo.py)

    @property
    def first_seen(self) -> dt.date:
        return self.appearances[0].date

    @property
    def days(self) -> tuple[dt.date, ...]:
        return tuple(sorted({a.date for a in self.appearances}))


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    name: str
    description: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    title_only: tuple[str, ...] = ()  # include phrases that count only in the title


@dataclass(frozen=True, slots=True)
class Day:
    date: dt.date
    new: tuple[str, ...]  # paper ids first seen this day, in dump order
    returning: tuple[str, ...]  # paper ids seen on an earlier day, in dump order
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContentPage:
    """A page written by the site's owner in content/pages/*.md: front matter plus rendered body."""

    slug: str  # output folder: <slug>/index.html
    title: str
    description: str
    body_html: str  # Markdown rendered with raw HTML off, root-relative links under the base path
    source: str  # path relative to the content folder
    nav: int | None = None  # position in the header navigation; None keeps it out


@dataclass(frozen=True, slots=True)
class Site:
    """The whole site as data: what render and feeds consume."""

    title: str
    base_url: str
    papers: tuple[Paper, ...]  # newest first_seen first, then dump order
    days: tuple[Day, ...]  # newest first
    topics: tuple[Topic, ...] = ()
    pages: tuple[ContentPage, ...] = field(default=())
    paper_types: tuple[Topic, ...] = ()  # the taxonomy's second facet (survey, benchmark, ...): a badge and pages
    description: str = ""
