"""Fold entries into papers: one paper is one paper, two papers are never one.

Entries are taken in chronological order (date, source, rank, line). Each one joins
the existing paper it matches best, or starts a new paper; it never joins two
papers together. So a paper's id is fixed by its first appearance and later
dumps can only add appearances to it.

Rules, in order of trust (docs/dedupe.md):
1. `arxiv-id`: the same arXiv id (version dropped). Two different ids are never one paper.
2. `exact-title`: the same normalized title, unless both abstracts are there and
   clearly different (two papers that happen to share a title).
3. `fuzzy`: title AND abstract close enough (rapidfuzz), checked only against the
   papers an index of rare title words and abstract openings proposes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple, TypeVar

from rapidfuzz import fuzz

from generator.config import DedupeSettings
from generator.heap import cycle_collector_paused
from generator.memo import Memo
from generator.model import Appearance, Entry, MergeReason, Paper
from generator.pipeline.normalize import compact, normalize_text, normalize_title, paper_id_for

# A one-off fold of this many entries has a forked process normalize the abstracts of all but the first
# PREFETCH_AFTER of them while this process matches those: normalizing abstracts is most of the per-entry
# work, and none of it depends on another entry.
PREFETCH_MIN_ENTRIES = 5000
PREFETCH_AFTER = 0.3
MAX_VARIANTS = 3  # distinct (title, abstract) wordings kept per paper to compare against
RARE_WORD_LIMIT = 48  # a title word in more papers than this is too common to propose candidates
TITLE_CANDIDATES = 4  # of the papers sharing rare title words, only those sharing the most are scored
ABSTRACT_KEY_CHARS = 48  # each abstract key covers this many characters of the spaceless opening
ABSTRACT_KEYS = 3
OPENING_LIMIT = 8  # of the papers sharing a stock opening, only the latest: papers recur within days
MIN_PREFIX = 200  # a cut abstract shorter than this is too short to vouch for a paper
QUICK_LOOK = 300  # characters of two abstracts compared before the whole
CLEARLY_DIFFERENT = 50.0  # an opening scoring below this is another paper's (one paper's revisions score 70+)
NAME_WORDS = 4
NAME_SIMILARITY = 80.0
DIGITS = re.compile(r"\d+")
# A title differing only in one of these pairs names another paper ("for Large Models" vs "for Small Models").
OPPOSITE_PAIRS = (
    ("large", "small"),
    ("big", "small"),
    ("long", "short"),
    ("high", "low"),
    ("positive", "negative"),
    ("open", "closed"),
    ("online", "offline"),
    ("supervised", "unsupervised"),
    ("explicit", "implicit"),
    ("dense", "sparse"),
    ("static", "dynamic"),
    ("single", "multi"),
    ("encoder", "decoder"),
    ("image", "video"),
    ("2d", "3d"),
    ("text", "image"),
    ("training", "inference"),
    ("pre", "post"),
    ("before", "after"),
    ("with", "without"),
)
OPPOSITES: dict[str, frozenset[str]] = {}
for _one, _other in OPPOSITE_PAIRS:
    OPPOSITES[_one] = OPPOSITES.get(_one, frozenset()) | {_other}
    OPPOSITES[_other] = OPPOSITES.get(_other, frozenset()) | {_one}
DEFAULT_SETTINGS = DedupeSettings()
SERIES_MARKERS = frozenset({"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"})


@dataclass(frozen=True, slots=True)
class DedupeResult:
    papers: tuple[Paper, ...]  # in order of first appearance
    candidate_pairs: int  # (entry, paper) pairs scored by a title or abstract comparison
    reused: int = field(default=0, compare=False)  # leading entries kept from the last fold (a preview session), not matched again


@dataclass(frozen=True, slots=True)
class Wording:
    """One way a paper was written: the normalized forms compared against."""

    title: str  # normalized, words separated by spaces
    title_compact: str  # the same without spaces
    abstract: str  # normalized, may be empty
    words: frozenset[str]
    digits: tuple[str, ...]
    name: str  # the short name before a colon ("e2llm" of "E^2-LLM: ..."), spaceless; "" when none


@dataclass(frozen=True, slots=True)
class Match:
    rule: str
    score: float
    title_score: float | None
    abstract_score: float | None


@dataclass(slots=True)
class Cluster:
    """A paper while the run is under way: its entries and the wordings seen so far."""

    id: str
    arxiv_id: str | None
    wordings: list[Wording]
    members: list[tuple[Entry, MergeReason | None]] = field(default_factory=list)


def chronological(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.date, e.source, e.rank, e.line))


def wording_of_text(text: tuple[str, str], abstract: str | None = None) -> Wording:
    """The normalized forms of a (title, abstract); `abstract`, when given, is the abstract already normalized."""
    raw_title, raw_abstract = text
    title = normalize_title(raw_title)
    head, colon, _ = raw_title.partition(":")
    name = compact(normalize_title(head)) if colon and len(head.split()) <= NAME_WORDS else ""
    if abstract is None:
        abstract = normalize_text(raw_abstract) if raw_abstract else ""
    return Wording(title, compact(title), abstract, frozenset(title.split()), tuple(sorted(DIGITS.findall(title))), name)


def abstract_keys(abstract: str) -> tuple[int, ...]:
    """Keys of the spaceless abstract's opening: papers sharing one are candidates for each other."""
    need = ABSTRACT_KEY_CHARS * ABSTRACT_KEYS
    text = abstract[: 2 * need].replace(" ", "")  # the opening only: removing spaces from a whole abstract costs more than the rest
    if len(text) < need and len(abstract) > 2 * need:
        text = abstract.replace(" ", "")
    return tuple(hash(text[i : i + ABSTRACT_KEY_CHARS]) for i in range(0, need, ABSTRACT_KEY_CHARS) if len(text) >= i + ABSTRACT_KEY_CHARS)


def title_score(a: Wording, b: Wording, cutoff: float = 0.0) -> float:
    """Close titles: spelling (spaceless, so `E 2 -LLM` meets `E^2-LLM`) or the same words with some added."""
    return max(fuzz.ratio(a.title_compact, b.title_compact, score_cutoff=cutoff), fuzz.token_set_ratio(a.title, b.title, score_cutoff=cutoff))


def abstract_score(a: str, b: str) -> float:
    """Close abstracts; a cut abstract is compared against the opening of the longer one."""
    if a == b:
        return 100.0
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= MIN_PREFIX and long.startswith(short):
        return 100.0
    opening = fuzz.ratio(a[:QUICK_LOOK], b[:QUICK_LOOK])
    if opening < CLEARLY_DIFFERENT:
        return opening  # different papers' abstracts: the whole comparison costs ten times more and says the same
    whole = fuzz.ratio(a, b)
    if len(short) >= MIN_PREFIX and len(long) > len(short):
        return max(whole, fuzz.ratio(short, long[: len(short)]))
    return whole


def names_another_paper(a: Wording, b: Wording) -> bool:
    """Titles that differ where papers differ: a number, a part, or a word against its opposite."""
    if a.digits != b.digits:
        added_only = (set(a.digits) <= set(b.digits) and a.words <= b.words) or (set(b.digits) <= set(a.digits) and b.words <= a.words)
        if not added_only:
            return True
    only_a, only_b = a.words - b.words, b.words - a.words
    if (only_a | only_b) & SERIES_MARKERS:
        return True
    return any(not OPPOSITES[word].isdisjoint(only_b) for word in only_a if word in OPPOSITES)


def fuzzy_match(a: Wording, b: Wording, settings: DedupeSettings) -> Match | None:
    if not a.title_compact or not b.title_compact:
        return None  # a title with no letter or digit says nothing about which paper it is
    if not a.abstract or not b.abstract:
        score = fuzz.ratio(a.title_compact, b.title_compact, score_cutoff=settings.title_only_threshold)
        return Match("fuzzy", score, score, None) if score and not names_another_paper(a, b) else None
    titles = title_score(a, b, settings.loose_title_threshold)
    if titles < settings.loose_title_threshold or names_another_paper(a, b):
        return None
    abstracts = abstract_score(a.abstract, b.abstract)
    same_abstract = abstracts >= settings.abstract_threshold
    revised_abstract = titles >= settings.title_threshold and abstracts >= settings.revised_abstract_threshold
    if revised_abstract and not same_abstract and a.name and b.name and fuzz.ratio(a.name, b.name) < NAME_SIMILARITY:
        return None  # near titles under two different names, abstracts only alike: two papers of one template
    if same_abstract or revised_abstract:
        return Match("fuzzy", round((titles + abstracts) / 2, 1), round(titles, 1), round(abstracts, 1))
    return None


def exact_match(a: Wording, b: Wording, settings: DedupeSettings) -> Match | None:
    if not a.abstract or not b.abstract:
        return Match("exact-title", 100.0, 100.0, None)
    abstracts = abstract_score(a.abstract, b.abstract)
    if abstracts < settings.distinct_abstract_threshold:
        return None  # one title, two papers
    return Match("exact-title", 100.0, 100.0, round(abstracts, 1))


class Index:
    """Where to look for a paper: by arXiv id, exact title, rare title words and abstract openings."""

    def __init__(self) -> None:
        self.by_arxiv: dict[str, int] = {}
        self.without_arxiv: set[int] = set()  # papers with no arXiv id yet: the only ones an entry with an id may merge into by wording
        self.by_title: dict[str, list[int]] = {}
        self.by_word: dict[str, list[int]] = {}
        self.by_opening: dict[int, list[int]] = {}

    def add(self, number: int, wording: Wording, new_title: bool, keys: tuple[int, ...], undo: list[UndoOp] | None = None) -> None:
        if undo is not None:
            if new_title and wording.title_compact:
                self._post(self.by_title, wording.title_compact, number, undo)
            for word in wording.words:
                self._post(self.by_word, word, number, undo)
            for key in keys:
                self._post(self.by_opening, key, number, undo)
            return
        # The same without a log, inline: a clean build of a million entries makes ten million of these.
        if new_title and wording.title_compact:
            self.by_title.setdefault(wording.title_compact, []).append(number)
        for postings_of, found in ((self.by_word, wording.words), (self.by_opening, keys)):
            for key in found:
                postings = postings_of.setdefault(key, [])
                if not postings or postings[-1] != number:
                    postings.append(number)

    @staticmethod
    def _post(postings_of: dict[Any, list[int]], key: Any, number: int, undo: list[UndoOp]) -> None:
        """Add `number` to key's postings (once) and record in `undo` how to take it back."""
        postings = postings_of.get(key)
        if postings is None:
            postings = postings_of[key] = []
            undo.append((DELETE_KEY, postings_of, key))
        elif postings[-1] == number:
            return
        postings.append(number)
        undo.append((POP, postings, None))

    def candidates(self, wording: Wording, keys: tuple[int, ...]) -> list[int]:
        """Papers sharing an abstract opening, and the few sharing the most rare title words (two or more when it has two)."""
        found: set[int] = set()
        for key in keys:
            found.update(self.by_opening.get(key, [])[-OPENING_LIMIT:])
        rare = [postings for word in wording.words if (postings := self.by_word.get(word)) is not None and len(postings) <= RARE_WORD_LIMIT]
        if rare:
            shared: dict[int, int] = {}
            for postings in rare:
                for number in postings:
                    shared[number] = shared.get(number, 0) + 1
            enough = min(2, len(rare))
            ranked = sorted(((count, number) for number, count in shared.items() if count >= enough), reverse=True)
            found.update(number for _, number in ranked[:TITLE_CANDIDATES])
        return sorted(found)


class Step(NamedTuple):
    """Where one entry went: into paper number `target` (None: it started a new paper), by `match`, after scoring `pairs`."""

    target: int | None
    match: Match | None
    pairs: int


# How to take back one change to the fold's state: (kind, container, key).
UndoOp = tuple[str, Any, Any]
POP, DELETE_KEY, DISCARD, ADD, UNSET_ARXIV = "pop", "delete-key", "discard", "add", "unset-arxiv"


class FoldState:
    """A fold's papers and index so far, and for each entry taken the pairs it scored and how to undo it.

    A preview session keeps one between builds: the next build rolls it back to the
    entries both builds begin with and carries on from there, so those entries are
    neither matched nor applied again.
    """

    def __init__(self, keep_history: bool) -> None:
        self.clusters: list[Cluster] = []
        self.index = Index()
        self.taken_ids: set[str] = set()
        self.keep_history = keep_history
        self.entries: list[Entry] = []
        self.pairs_scored: list[int] = []  # per entry taken
        self.undo: list[list[UndoOp]] = []
        self.pairs = 0
        self.broken = False  # a fold failed half-way through an entry: start afresh

    def take(self, entry: Entry, wording: Wording, keys: tuple[int, ...], step: Step, base_id: str | None = None) -> None:
        undo: list[UndoOp] | None = [] if self.keep_history else None
        take(entry, wording, keys, step, self.clusters, self.index, self.taken_ids, base_id, undo)
        self.pairs += step.pairs
        if undo is not None:
            self.entries.append(entry)
            self.pairs_scored.append(step.pairs)
            self.undo.append(undo)

    def rollback(self, keep: int) -> None:
        """Undo every entry after the first `keep`, newest first."""
        while len(self.entries) > keep:
            for kind, container, key in reversed(self.undo.pop()):
                if kind == POP:
                    container.pop()
                elif kind == DELETE_KEY:
                    del container[key]
                elif kind == DISCARD:
                    container.discard(key)
                elif kind == ADD:
                    container.add(key)
                else:
                    container.arxiv_id = None
            self.entries.pop()
            self.pairs -= self.pairs_scored.pop()


def dedupe(entries: Sequence[Entry], settings: DedupeSettings = DEFAULT_SETTINGS, memo: Memo | None = None, prefetch: Prefetch | None = None) -> DedupeResult:
    """Every entry folded into exactly one paper. With a memo kept across builds, see `fold`."""
    with cycle_collector_paused():  # see heap.py; also when the dedupe runs alone (bench/dedupe_bench.py)
        return fold(entries, settings, memo, prefetch or prepared_here)


def common_prefix(a: Sequence[Entry], b: Sequence[Entry]) -> int:
    count = 0
    for first, second in zip(a, b, strict=False):
        if first is not second and first != second:
            break
        count += 1
    return count


def normalized_abstracts(texts: Sequence[tuple[str, str]]) -> tuple[str, list[tuple[int, ...]]]:
    """Each text's abstract normalized (joined by newlines, which normalizing removes) and its abstract keys:
    most of the per-entry work of the fold, and none of it depends on another entry. One string and
    tuples of ints, because that is what crosses a pipe cheaply (whole wordings are slow to unpickle)."""
    abstracts = [normalize_text(abstract) if abstract else "" for _, abstract in texts]
    return "\n".join(abstracts), [abstract_keys(abstract) for abstract in abstracts]


Prepared = dict[tuple[str, str], tuple[str, tuple[int, ...]]]
# Given the texts whose abstracts the fold will need later, a context that yields how to get them prepared:
# the caller may work them out elsewhere (another core) while the fold matches the entries before them.
Prefetch = Callable[[list[tuple[str, str]]], AbstractContextManager[Callable[[], Prepared]]]


def prepared_by_text(texts: Sequence[tuple[str, str]], worked_out: tuple[str, list[tuple[int, ...]]]) -> Prepared:
    joined, keys = worked_out
    return dict(zip(texts, zip(joined.split("\n"), keys, strict=True), strict=True))


@contextmanager
def prepared_here(texts: list[tuple[str, str]]) -> Iterator[Callable[[], Prepared]]:
    """The later texts prepared in this process, when the fold asks for them."""
    yield lambda: prepared_by_text(texts, normalized_abstracts(texts))


def fold(entries: Sequence[Entry], settings: DedupeSettings, memo: Memo | None = None, prefetch: Prefetch = prepared_here) -> DedupeResult:
    """Take the entries in chronological order; each joins the paper it matches best or starts one.

    An entry's step depends only on the entries taken before it, so with a memo kept
    across builds the last build's fold is rolled back to the entries both builds begin
    with (in this order) and only the entries from the first difference on are matched
    and applied. The result is the one a fold from scratch gives; normalized wordings,
    ids and the papers made of unchanged clusters are memoized too.

    A one-off fold of many entries has the later entries' abstracts prepared by `prefetch`,
    which may work them out meanwhile (the build does so on another core).
    """
    ordered = chronological(entries)
    state_table = memo.table("dedupe-fold", settings) if memo is not None else None
    state = state_table.recall("last") if state_table is not None else None
    if state is None or state.broken:
        state = FoldState(keep_history=memo is not None and memo.carried)  # only a carried memo has a next build to roll back
    kept = common_prefix(ordered, state.entries)
    state.broken = True
    state.rollback(kept)
    wordings = memo.table("dedupe-wording") if memo is not None else None
    ids = memo.table("dedupe-id") if memo is not None else None
    todo = ordered[kept:]
    handoff = int(len(todo) * PREFETCH_AFTER) if len(todo) >= PREFETCH_MIN_ENTRIES and (memo is None or not memo.carried) else len(todo)
    later = list(dict.fromkeys((entry.title, entry.abstract) for entry in todo[handoff:]))
    prepared: Prepared = {}
    with prefetch(later) as fetch:
        for number, entry in enumerate(todo):
            if number == handoff and later:
                prepared = fetch()
            text = (entry.title, entry.abstract)
            if (ready := prepared.get(text)) is not None:
                abstract, keys = ready
                wording = wordings.get(text, partial(wording_of_text, abstract=abstract)) if wordings is not None else wording_of_text(text, abstract)
            else:
                wording = wordings.get(text, wording_of_text) if wordings is not None else wording_of_text(text)
                keys = abstract_keys(wording.abstract)
            step = Step(*find_paper(entry, wording, keys, state.clusters, state.index, settings))
            state.take(entry, wording, keys, step, ids.get((entry.title, entry.arxiv_id), id_of_text) if ids is not None and step.target is None else None)
    state.broken = False
    if state_table is not None and state.keep_history:
        state_table.keep("last", state)
    papers = memo.table("dedupe-paper") if memo is not None else None
    made = tuple(papers.get(cluster_key(c), paper_of_key) if papers is not None else paper_of(c) for c in state.clusters)
    return DedupeResult(made, state.pairs, kept)


def take(
    entry: Entry,
    wording: Wording,
    keys: tuple[int, ...],
    step: Step,
    clusters: list[Cluster],
    index: Index,
    taken_ids: set[str],
    base_id: str | None = None,
    undo: list[UndoOp] | None = None,
) -> None:
    """Apply one entry's step: start a paper (its id from `base_id`, paper_id_for of its title when given), or add the entry to one.

    With an undo log, every change is recorded there so FoldState.rollback can take it back.
    """
    if step.target is None:
        number = len(clusters)
        paper_id = unique_id(entry.title, taken_ids, base_id, entry.arxiv_id)
        cluster = Cluster(paper_id, entry.arxiv_id, [wording])
        cluster.members.append((entry, None))
        clusters.append(cluster)
        if undo is not None:
            undo += [(DISCARD, taken_ids, paper_id), (POP, clusters, None)]
        if entry.arxiv_id:  # find_paper found no paper with this id, so it is not in the index yet
            index.by_arxiv[entry.arxiv_id] = number
            if undo is not None:
                undo.append((DELETE_KEY, index.by_arxiv, entry.arxiv_id))
        else:
            index.without_arxiv.add(number)
            if undo is not None:
                undo.append((DISCARD, index.without_arxiv, number))
        index.add(number, wording, True, keys, undo)
        return
    target, match = step.target, step.match
    cluster = clusters[target]
    first_title = cluster.members[0][0].title
    assert match is not None
    reason = MergeReason(entry.source, entry.line, match.rule, match.score, first_title, match.title_score, match.abstract_score)
    cluster.members.append((entry, reason))
    if undo is not None:
        undo.append((POP, cluster.members, None))
    if entry.arxiv_id and cluster.arxiv_id is None:
        cluster.arxiv_id = entry.arxiv_id
        if undo is not None:
            undo.append((UNSET_ARXIV, cluster, None))
        index.without_arxiv.discard(target)
        if undo is not None:
            undo.append((ADD, index.without_arxiv, target))
        if entry.arxiv_id not in index.by_arxiv:
            index.by_arxiv[entry.arxiv_id] = target
            if undo is not None:
                undo.append((DELETE_KEY, index.by_arxiv, entry.arxiv_id))
    if len(cluster.wordings) < MAX_VARIANTS and all(wording.title != w.title or wording.abstract != w.abstract for w in cluster.wordings):
        new_title = all(wording.title_compact != w.title_compact for w in cluster.wordings)
        cluster.wordings.append(wording)
        if undo is not None:
            undo.append((POP, cluster.wordings, None))
        index.add(target, wording, new_title, keys, undo)


ClusterKey = tuple[str, str | None, tuple[tuple[Entry, MergeReason | None], ...]]


def cluster_key(cluster: Cluster) -> ClusterKey:
    """Everything paper_of reads from a cluster."""
    return cluster.id, cluster.arxiv_id, tuple(cluster.members)


def paper_of_key(key: ClusterKey) -> Paper:
    paper_id, arxiv_id, members = key
    return paper_of(Cluster(paper_id, arxiv_id, [], list(members)))


def find_paper(
    entry: Entry, wording: Wording, keys: tuple[int, ...], clusters: list[Cluster], index: Index, settings: DedupeSettings
) -> tuple[int | None, Match | None, int]:
    """The paper this entry is an appearance of (best match by the most trusted rule), and the pairs scored."""
    if entry.arxiv_id and (number := index.by_arxiv.get(entry.arxiv_id)) is not None:
        return number, Match("arxiv-id", 100.0, None, None), 0
    if entry.arxiv_id and not index.without_arxiv:
        # No paper has this id and every paper has another one: none is compatible, nothing to score.
        return None, None, 0
    scored = 0

    def compatible(number: int) -> bool:
        other = clusters[number].arxiv_id
        return not (entry.arxiv_id and other and other != entry.arxiv_id)

    for number in index.by_title.get(wording.title_compact, ()):
        if compatible(number):
            scored += 1
            for seen in clusters[number].wordings:
                if seen.title_compact == wording.title_compact and (match := exact_match(wording, seen, settings)):
                    return number, match, scored
    best: tuple[float, int, Match] | None = None
    for number in index.candidates(wording, keys):
        if not compatible(number):
            continue
        scored += 1
        for seen in clusters[number].wordings:
            match = fuzzy_match(wording, seen, settings)
            if match and (best is None or match.score > best[0]):
                best = (match.score, number, match)
    if best is None:
        return None, None, scored
    return best[1], best[2], scored


def id_of_text(key: tuple[str, str | None]) -> str:
    return paper_id_for(*key)


def unique_id(title: str, taken: set[str], base: str | None = None, arxiv_id: str | None = None) -> str:
    """The id of the title's first appearance; a later paper with a colliding title gets -2, -3, ..."""
    base = base or paper_id_for(title, arxiv_id)
    candidate, suffix = base, 2
    while candidate in taken:
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    taken.add(candidate)
    return candidate


def display_title(entries: Sequence[Entry]) -> str:
    """The title most appearances show; on a tie the latest, since revisions fix typos and add subtitles."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.title] = counts.get(entry.title, 0) + 1
    return max(reversed(entries), key=lambda e: counts[e.title]).title


def display_abstract(entries: Sequence[Entry]) -> int:
    """Which entry's abstract is shown: the most complete, the longest; on a tie the earliest."""
    return max(range(len(entries)), key=lambda index: len(entries[index].abstract))


T = TypeVar("T")


def latest(values: Iterable[T | None]) -> T | None:
    """The last value given, skipping the missing: a later listing has the fresher figure or link."""
    found = None
    for value in values:
        if value is not None and value != "" and value != ():
            found = value
    return found


def paper_of(cluster: Cluster) -> Paper:
    entries = [entry for entry, _ in cluster.members]
    shown = display_abstract(entries)
    return Paper(
        id=cluster.id,
        title=display_title(entries),
        abstract=entries[shown].abstract,
        abstract_from=shown,
        appearances=tuple(Appearance(e.date, e.source, e.line, e.rank, e.title) for e in entries),
        arxiv_id=cluster.arxiv_id,
        authors=next((e.authors for e in entries if e.authors), ()),
        upvotes=max((e.upvotes for e in entries if e.upvotes is not None), default=None),
        published=next((e.published for e in entries if e.published), None),
        listed_at=next((e.listed_at for e in entries if e.listed_at), None),
        comments=latest(e.comments for e in entries),
        thumbnail=latest(e.thumbnail for e in entries),
        organization=latest(e.organization for e in entries),
        submitted_by=next((e.submitted_by for e in entries if e.submitted_by), None),
        ai_summary=latest(e.ai_summary for e in entries) or "",
        ai_keywords=latest(e.ai_keywords for e in entries) or (),
        github_repo=latest(e.github_repo for e in entries),
        github_stars=latest(e.github_stars for e in entries),
        project_page=latest(e.project_page for e in entries),
        merges=tuple(reason for _, reason in cluster.members if reason),
    )
