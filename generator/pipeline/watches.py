"""Watches: which papers each watch of digest.yaml matches. Pure: watches and papers in, paper ids out.

A watch names an author, an organization or a keyword (a word or phrase). Matching forgives how a name or
phrase is written, never what it says:
- authors: accents and case ("Chloé" = "Chloe"), initials ("Y. LeCun" = "Yann LeCun"), "Last, First" order, and
  middle names the watch leaves out ("Yann LeCun" finds "Yann A. LeCun"); the surname must be the same word;
- organizations: the Hugging Face handle or the shown name, without case or accents;
- keywords: whole words of the title, abstract or AI keywords, without case or accents, a hyphen or a space between
  words alike, and a plural "s"/"es" on the last word ("world model" finds "World-Models").
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.model import Paper
from generator.pipeline.normalize import slugify

KINDS = ("author", "org", "keyword")
NOT_NAME = re.compile(r"[^\w\s,]+")
NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Watch:
    kind: str  # "author" | "org" | "keyword"
    value: str  # as written in digest.yaml

    @property
    def slug(self) -> str:
        """Its page and feeds live in watch/<slug>/: the kind, then the value's slug (or a hash of text without letters)."""
        words = slugify(self.value, 60) or format(abs(hash_text(self.value)), "x")[:8]
        return f"{self.kind}-{words}"

    @property
    def label(self) -> str:
        return {"author": "Author", "org": "Organization", "keyword": "Keyword"}[self.kind] + ": " + self.value


def hash_text(text: str) -> int:
    # A stable number for a text (Python's hash() of a str changes between runs).
    value = 0
    for byte in text.encode("utf-8"):
        value = (value * 131 + byte) % (1 << 40)
    return value


def fold(text: str) -> str:
    """Lowercase without accents: "Chloé" -> "chloe", "Łukasz" -> "lukasz"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain.replace("ł", "l").replace("ø", "o").replace("đ", "d").replace("ß", "ss")


def name_parts(name: str) -> tuple[tuple[str, ...], str] | None:
    """(given names, surname) of a name, folded; "Last, First" is turned around. None for a name without a word."""
    folded = fold(name).replace("-", " ")
    if "," in folded:
        last, _, first = folded.partition(",")
        folded = f"{first} {last}"
    words = NOT_NAME.sub(" ", folded).replace(",", " ").split()
    if not words:
        return None
    return tuple(words[:-1]), words[-1]


def given_fits(wanted: tuple[str, ...], found: tuple[str, ...]) -> bool:
    """Each given name the watch writes is there, in order, as the word or its initial (either side may be the initial)."""
    position = 0
    for word in wanted:
        while position < len(found):
            other = found[position]
            position += 1
            if word == other or (len(word) == 1 and other.startswith(word)) or (len(other) == 1 and word.startswith(other)):
                break
        else:
            return False
    return True


def author_matches(watched: str, author: str) -> bool:
    wanted, found = name_parts(watched), name_parts(author)
    if wanted is None or found is None:
        return False
    if wanted[1] == found[1] and given_fits(wanted[0], found[0]):
        return True
    # The other order ("LeCun Yann" for "Yann LeCun"): only for names of two full words, where it cannot blur two people.
    if len(wanted[0]) == 1 and len(found[0]) == 1 and min(len(wanted[1]), len(found[1]), len(wanted[0][0]), len(found[0][0])) > 1:
        return wanted[0][0] == found[1] and wanted[1] == found[0][0]
    return False


def keyword_pattern(phrase: str) -> re.Pattern[str] | None:
    words = NOT_WORD.sub(" ", fold(phrase)).split()
    if not words:
        return None
    body = r"[\s\-_/]+".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!\w){body}(?:e?s)?(?!\w)")


def org_matches(watched: str, paper: Paper) -> bool:
    org = paper.organization
    if org is None:
        return False
    wanted = fold(watched).strip()
    return wanted in (fold(org.name), fold(org.fullname))


def matching(watch: Watch, papers: Iterable[Paper]) -> tuple[str, ...]:
    """The ids of the papers the watch matches, in the order given (each once)."""
    found: dict[str, None] = {}
    if watch.kind == "author":
        for paper in papers:
            if any(author_matches(watch.value, author) for author in paper.authors):
                found.setdefault(paper.id)
    elif watch.kind == "org":
        for paper in papers:
            if org_matches(watch.value, paper):
                found.setdefault(paper.id)
    elif watch.kind == "keyword":
        pattern = keyword_pattern(watch.value)
        if pattern is not None:
            for paper in papers:
                text = "\n".join((paper.title, paper.abstract, *paper.ai_keywords, *(a.title for a in paper.appearances)))
                if pattern.search(fold(text)):
                    found.setdefault(paper.id)
    return tuple(found)


def watched_papers(watches: Iterable[Watch], papers: Iterable[Paper]) -> dict[Watch, tuple[str, ...]]:
    """Each watch with the ids of its papers, in the order of `papers`."""
    listed = tuple(papers)
    return {watch: matching(watch, listed) for watch in watches}


def mark(papers: Sequence[Paper], watches: Sequence[Watch]) -> tuple[Paper, ...]:
    """The papers, each that a watch matches carrying its watches' labels (in digest.yaml's order) for the cards to show."""
    labels: dict[str, list[str]] = {}
    for watch, ids in watched_papers(watches, papers).items():
        for paper_id in ids:
            labels.setdefault(paper_id, []).append(watch.label)
    return tuple(dataclasses.replace(paper, watched=tuple(labels[paper.id])) if paper.id in labels else paper for paper in papers)
