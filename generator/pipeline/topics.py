"""Topics: load the taxonomy (topics.yaml), classify papers by the phrases they contain, report coverage.

Matching works on the words of a text as written. A word joined by hyphens
("Test-Time", "Large-Scale") is one unit: a phrase matches it only whole, so
"time" or "scale" alone never match inside it, while "test-time scaling"
matches "test-time scaling" and "test time scaling". Lowercase phrase words
match any case and fold a plural ("models" = "model"); a phrase word with a
capital after its first letter ("ASR", "CLIP", "LoRA") is an acronym and
matches only that spelling (a plural "s" allowed: "LLMs"). Every phrase is
compiled once into the spellings it can have; one automaton pass over a
paper finds where they occur (PhraseIndex).
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import product
from operator import itemgetter
from pathlib import Path
from typing import Any

import ahocorasick_rs
import yaml

from generator.memo import Memo
from generator.model import Paper, Topic, TopicMatch
from generator.pipeline.ingest import stays_inside
from generator.pipeline.normalize import slugify
from generator.problems import Problem, did_you_mean, error

TOPICS_NAME = "topics.yaml"
DEFAULT_TAXONOMY = Path(__file__).parent / "default_topics.yaml"
OTHER = Topic(slug="other", name="Other", description="Papers that match no topic: the rules to tune next.")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SETTINGS = ("min_score", "title_weight", "title_only_weight", "max_topics", "relative_min", "keyword_weight", "abstract_min", "fallback_min")
TOP_KEYS = ("topics", "paper_types", *SETTINGS)
TOPIC_KEYS = ("name", "slug", "description", "include", "title_only", "support", "exclude", "min_score")
PHRASE_KEYS = ("phrase", "with", "without")
KINDS = ("include", "title_only", "support", "exclude")
YAML_NULL = "tag:yaml.org,2002:null"
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PLACES = ("title", "abstract", "keywords")
ABSTRACT_CAP = 3  # occurrences of one phrase in an abstract that score: a repeated word is one subject, not many


@dataclass(frozen=True, slots=True)
class Phrase:
    """One phrase of a topic's rules; with `with`, it counts only when one of those phrases is in the paper too, with `without` only when none is."""

    text: str
    kind: str  # include | title_only | support | exclude
    with_any: tuple[str, ...] = ()
    without: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rules:
    phrases: tuple[Phrase, ...]
    min_score: int | None = None  # None: the taxonomy's


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The rules. A topic applies when its score reaches its min_score and at least one include (or title_only) phrase counted:
    title_weight per include phrase in the title, title_only_weight per title_only phrase there, 1 per include occurrence in the abstract (at most ABSTRACT_CAP
    per phrase), 1 per support phrase in the title and 1 in the abstract, keyword_weight per phrase in the API's keywords.
    The max_topics best are kept: those with an include phrase in the title, and others scoring at least relative_min percent
    of the best. An exclude phrase keeps a topic out when in the title, or in the abstract of a paper whose title has none of
    the topic's include phrases. With fallback_min, a paper with no topic takes its best one with a word in the title."""

    topics: tuple[Topic, ...]
    min_score: int = 2
    title_weight: int = 2
    title_only_weight: int | None = None  # None: title_weight
    rules: tuple[Rules, ...] = ()  # one per topic; empty: each topic's include, title_only and exclude
    paper_types: tuple[Topic, ...] = ()
    type_rules: tuple[Rules, ...] = ()
    max_topics: int = 3
    relative_min: int = 0
    keyword_weight: int = 1
    abstract_min: int = 0  # with nothing of the topic in the title, the score it needs (when above its min_score)
    fallback_min: int = 0  # a paper no topic applies to takes its best topic scoring this much (supporting words too); 0: Other

    @property
    def site_topics(self) -> tuple[Topic, ...]:
        """Every topic a page or feed is made for: the taxonomy's, then Other."""
        return (*self.topics, OTHER)

    def topic_rules(self) -> tuple[Rules, ...]:
        return self.rules or tuple(simple_rules(topic) for topic in self.topics)


def simple_rules(topic: Topic) -> Rules:
    """The rules of a topic given as plain phrase lists."""
    return Rules(tuple(Phrase(text, kind) for kind in ("include", "title_only", "exclude") for text in getattr(topic, kind)))


# ---------------------------------------------------------------- words and phrases

WORD = re.compile(r"[^\W_]+(?:[-\u2010\u2011][^\W_]+)*")
HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})
# A compound ending in one of these is about its head: "diffusion-based" is about diffusion, "CLIP-style" about CLIP.
SUFFIXES = frozenset(
    {
        "based", "driven", "guided", "aware", "powered", "enhanced", "augmented", "centric", "oriented", "specific",
        "conditioned", "grounded", "style", "like", "level", "wise", "assisted", "informed", "inspired", "empowered",
        "integrated", "enabled",
    }
)


def stem(token: str) -> str:
    """Fold a plural to its singular, just enough for "models"/"model" and "studies"/"study"."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def fold(word: str) -> str:
    """A word's case-free key: lowercase, accents dropped, plural folded."""
    lowered = word.lower()
    if not lowered.isascii():
        lowered = "".join(char for char in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(char))
    return stem(lowered)


def is_acronym(word: str) -> bool:
    """A phrase word matched case-sensitively: a capital after its first letter ("ASR", "LoRA", "GPT4"), not "Mixture"."""
    return any(char.isupper() for char in word[1:])


def cased(word: str) -> str:
    """A text word's case-sensitive key: as written, a plural "s" after capitals dropped ("LLMs" -> "LLM")."""
    if len(word) > 2 and word[-1] == "s" and sum(char.isupper() for char in word[:-1]) >= 2:
        return word[:-1]
    return word


Key = tuple[bool, str]  # (case-sensitive?, key); a case-free key ending in "*" is a prefix


@cache
def phrase_keys(phrase: str) -> tuple[tuple[Key, ...], ...]:
    """The word sequences a phrase matches: its words (hyphenated ones split into parts), and, when it has hyphens,
    the closed-up word too: "pre-training" matches "pre-training", "pre training" and "pretraining"."""
    text = phrase.strip().translate(HYPHENS)
    prefix = text.endswith("*")
    words = [part for word in text.rstrip("*").split() for part in word.split("-") if part]
    words = [word for piece in words for word in WORD.findall(piece)]
    if not words:
        return ()

    def key(word: str, last: bool) -> Key:
        if is_acronym(word):
            return (True, cased(word))
        return (False, (word.lower() + "*") if last and prefix else fold(word))

    variants = [tuple(key(word, n == len(words) - 1) for n, word in enumerate(words))]
    if "-" in text and len(words) > 1 and not any(is_acronym(word) for word in words):
        variants.append((key("".join(words), True),))
    return tuple(dict.fromkeys(variants))


Learned = tuple[str, str, tuple[Key, ...]]  # a word's case-free key, its case key, and every key it matches (prefixes too)
Part = tuple[Learned, str, bool]  # a word of a text: what it is, as written, and whether a hyphen glues it to the word before
Variant = tuple[tuple[Key, ...], int, int]  # a phrase's keys, its id, and its rank: the order phrases are listed in
Check = tuple[int, int, Key]  # a word of a spelling whose letters alone do not settle it: where it stands in the match, and its key
# A phrase found in a text: its id, where its match starts (the space before it) and stops (after its last letter)
# in the text's compounds joined by spaces, and its rank. The words as written are that span, cut only when needed.
Spot = tuple[int, int, int, int]
# Where a place's phrases were found: phrase id -> (occurrences, the distinct words as written, first found first).
Hits = dict[int, tuple[int, tuple[str, ...]]]

# How a spelling of the automaton ends: where its phrase's compound ends (" "), before a hyphen that must lead to a
# suffix ("-"), or inside a word, for a prefix that leaves the word open.
AT_END, BEFORE_HYPHEN, OPEN = 0, 1, 2
PART_END = re.compile(r"[a-z0-9]*")  # the rest of a lowercase ASCII word


def free_forms(key: str) -> tuple[str, ...]:
    """The lowercase ASCII words whose case-free key is `key` ("model": model, models; "study": study, studies)."""
    candidates = (key, key + "s", key[:-1] + "ies") if key.endswith("y") else (key, key + "s")
    return tuple(word for word in dict.fromkeys(candidates) if stem(word) == key)


def cased_forms(key: str) -> tuple[str, ...]:
    """The words whose case-sensitive key is `key` ("LLM": LLM, LLMs)."""
    return tuple(word for word in dict.fromkeys((key, key + "s")) if cased(word) == key)


class _Spaces(dict[int, str]):
    """A str.translate table: every character that is not a letter or digit becomes a space, the Unicode hyphens "-"."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = made = char if char.isalnum() else "-" if char in "-\u2010\u2011" else " "
        return made


SPACES = _Spaces()
ODD_HYPHENS = ("--", " -", "- ")


def words_of(text: str) -> list[str]:
    """WORD.findall(text) with the Unicode hyphens made "-": the compounds of a text, in order. Splitting the text with
    every other separator made a space is the same and faster, unless a hyphen stands at a compound's edge."""
    spaced = text.translate(SPACES)
    if spaced.startswith("-") or spaced.endswith("-") or any(odd in spaced for odd in ODD_HYPHENS):
        return WORD.findall(spaced)
    return spaced.split()


EDGE_HYPHEN = re.compile(r"-(?=[ -])|(?<=[ -])-")  # a hyphen that joins no two letters or digits


def joined_words(text: str) -> str:
    """The compounds of a text (words_of) joined by single spaces, with a space before and after them."""
    return _one_space_apart(text.translate(SPACES))


def _one_space_apart(spaced: str) -> str:
    """The words of a text with every separator made a space one space apart, with a space before and after them:
    the same as joining words_of(text), without making a string of each word."""
    joined = " " + spaced + " "
    if "-" in joined and ("--" in joined or " -" in joined or "- " in joined):
        joined = EDGE_HYPHEN.sub(" ", joined)  # a hyphen at a compound's edge separates, as any other sign does
    while "  " in joined:
        joined = joined.replace("  ", " ")
    return joined


def _spellings(keys: tuple[Key, ...]) -> list[tuple[str, tuple[Check, ...], int]]:
    """How a phrase can be written in lowercase ASCII compounds joined by single spaces: each spelling (from the space
    before its first word), the words its letters alone do not settle (acronyms, whose case is checked), and how it
    ends. Every ASCII text the phrase matches holds one of these spellings; none when a key is not ASCII, as no ASCII
    word has that key."""
    choices: list[list[tuple[str, Key | None, bool]]] = []  # per word: (spelling, the key to check or None, open)
    for is_cased, key in keys:
        if not key.isascii():
            return []
        if is_cased:
            choices.append([(form.lower(), (True, key), False) for form in cased_forms(key)])
        elif key.endswith("*"):
            prefix = key[:-1]
            # The word starts with the prefix as written, or only once its plural is folded ("stud*" is not in "studies").
            folded_only = [(prefix[:-1] + "ies", (False, key), False)] if prefix.endswith("y") else []
            choices.append([(prefix, None, True), *folded_only])
        else:
            choices.append([(form, None, False) for form in free_forms(key)])
    spellings: list[tuple[str, tuple[Check, ...], int]] = []
    for words in product(*choices):
        checks, at = [], 1
        for spelling, check, _ in words:
            if check is not None:
                checks.append((at, at + len(spelling), check))
            at += len(spelling) + 1
        checked = tuple(checks)
        # Words of a phrase are one compound's parts or compounds of their own: a hyphen or a space between any two.
        texts = [" " + words[0][0]]
        for spelling, _, _ in words[1:]:
            texts = [text + separator + spelling for text in texts for separator in " -"]
        if words[-1][2]:
            spellings.extend((text, checked, OPEN) for text in texts)
        else:
            spellings.extend((text + end, checked, ending) for text in texts for end, ending in ((" ", AT_END), ("-", BEFORE_HYPHEN)))
    return spellings


class PhraseIndex:
    """Phrases compiled for scanning texts.

    A text whose letters are all ASCII is scanned by one Aho-Corasick automaton over its lowercase, compounds one
    space apart: it reports, in compiled code, every place where a phrase is spelled from a compound's start to a
    compound's end (or to a hyphen), and only those places are looked at further, when a hyphen must lead to a
    suffix, a prefix ends a word or an acronym must have its case. Any other text is matched word by word."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self.phrases = tuple(phrases)
        self.by_first: dict[Key, list[Variant]] = {}
        prefixes: set[str] = set()
        spelled: dict[str, tuple[list[tuple[int, int, tuple[Check, ...]]], int]] = {}
        ranked: list[tuple[Key, ...]] = []  # every phrase's keys, as listed
        for pid, phrase in enumerate(self.phrases):
            for keys in phrase_keys(phrase):
                rank = len(ranked)
                ranked.append(keys)
                self.by_first.setdefault(keys[0], []).append((keys, pid, rank))
                prefixes.update(key[:-1] for is_cased, key in keys if not is_cased and key.endswith("*"))
                for text, checks, ending in _spellings(keys):
                    known = spelled.get(text)
                    if known is None:
                        spelled[text] = ([(pid, rank, checks)], ending)
                    else:
                        known[0].append((pid, rank, checks))
        self.prefixes = tuple(sorted(prefixes))
        # Each phrase's keys by the order a word lists the keys it matches (case-free, cased, prefixes): at one place,
        # phrases are listed in that order of the key they start with, or of the key that goes on past the compound.
        self.key_orders = [
            tuple(2 + self.prefixes.index(key[:-1]) if key.endswith("*") and not is_cased else int(is_cased) for is_cased, key in keys) for keys in ranked
        ]
        self.words: dict[str, Learned] = {}
        self.split: dict[str, tuple[Part, ...]] = {}
        # Per spelling: the (phrase id, rank) it finds with no further look when it ends where a compound does and
        # nothing needs checking, else None; and every phrase it may find, with its checks; and how it ends.
        self.spelled: list[tuple[list[tuple[int, int]] | None, list[tuple[int, int, tuple[Check, ...]]], int]] = []
        for entries, ending in spelled.values():
            plain = ending == AT_END and all(not checks for _, _, checks in entries) if len(entries) > 1 else ending == AT_END and not entries[0][2]
            self.spelled.append(([(pid, rank) for pid, rank, _ in entries] if plain else None, entries, ending))
        self.automaton = ahocorasick_rs.AhoCorasick(list(spelled)) if spelled else None

    def learn(self, word: str) -> Learned:
        folded, case = fold(word), cased(word)
        matched = tuple((False, prefix + "*") for prefix in self.prefixes if folded.startswith(prefix) or word.lower().startswith(prefix))
        learned = self.words[word] = (folded, case, ((False, folded), (True, case), *matched))
        return learned

    def parts(self, compound: str) -> tuple[Part, ...]:
        found = self.split.get(compound)
        if found is None:
            known = self.words
            words = compound.split("-") if "-" in compound else (compound,)
            found = self.split[compound] = tuple((known.get(part) or self.learn(part), part, n > 0) for n, part in enumerate(words))
        return found

    def spots(self, text: str) -> tuple[str, list[Spot]]:
        """The text's compounds joined by spaces, and every phrase found there; a phrase's spots in text order."""
        joined = joined_words(text)
        if joined.isascii():
            return joined, self._spotted(joined)
        return joined, self._word_by_word(joined)

    def spots_in(self, texts: Sequence[str]) -> list[tuple[str, list[Spot]]]:
        """`spots` of each of several texts, found in one pass when they are ASCII: their compounds are joined with a
        line break between texts, which no compound or spelling holds, so no phrase spans two texts."""
        joined = _one_space_apart(" \n ".join(text.translate(SPACES) for text in texts))
        if not joined.isascii():
            return [self.spots(text) for text in texts]
        spots = self._spotted(joined)
        found = []
        begin, after = 0, 0
        for _ in texts[1:]:
            after = joined.index("\n", after) + 1
            # A text's spots come before the next text's: the automaton reports a match where it ends.
            end = bisect_left(spots, after, lo=begin, key=_START)
            found.append((joined, spots[begin:end]))
            begin = end
        found.append((joined, spots[begin:]))
        return found

    def _spotted(self, joined: str) -> list[Spot]:
        if self.automaton is None:
            return []
        lowered = joined.lower()
        spelled, words, learn = self.spelled, self.words, self.learn
        spots: list[Spot] = []
        for number, start, end in self.automaton.find_matches_as_indexes(lowered, overlapping=True):
            plain, entries, ending = spelled[number]
            if plain is not None:
                for pid, rank in plain:
                    spots.append((pid, start, end - 1, rank))
                continue
            stop = PART_END.match(lowered, end).end() if ending == OPEN else end - 1
            if lowered[stop] == "-" and stem(PART_END.match(lowered, stop + 1).group()) not in SUFFIXES:
                continue  # the compound goes on past the phrase with more than a suffix ("KV-cache-free")
            for pid, rank, checks in entries:
                spelled_as = (joined[start + begin : start + finish] for begin, finish, _ in checks)
                if all(key in (words.get(word) or learn(word))[2] for word, (_, _, key) in zip(spelled_as, checks, strict=True)):
                    spots.append((pid, start, stop, rank))
        return spots

    def _word_by_word(self, joined: str) -> list[Spot]:
        """The phrases of any text: at each compound's first word, every phrase starting with one of its keys is
        compared word by word; it must end where a compound ends, or before a suffix glued to its last word."""
        parts: list[Part] = []
        starts: list[int] = []  # where each word starts in `joined`
        at = 1
        for compound in joined.split():
            for part in self.parts(compound):
                parts.append(part)
                starts.append(at)
                at += len(part[1]) + 1
        size = len(parts)
        spots: list[Spot] = []
        for at, (word, _, glued) in enumerate(parts):
            if glued:
                continue
            for first in word[2]:
                for keys, pid, rank in self.by_first.get(first, ()):
                    end = at + len(keys)
                    if end > size or not all(key in parts[at + n][0][2] for n, key in enumerate(keys[1:], 1)):
                        continue
                    if end < size and parts[end][2] and parts[end][0][0] not in SUFFIXES:
                        continue
                    spots.append((pid, starts[at] - 1, starts[end - 1] + len(parts[end - 1][1]), rank))
        return spots

    def hits(self, text: str) -> Hits:
        """Each phrase found in text: how often, and the distinct words as written, first found first."""
        return _grouped(*self.spots(text))

    def scan(self, text: str) -> list[tuple[int, str]]:
        """Every (phrase id, the words as written) occurring in text, in text order: at one place, the phrases within
        a compound before those going on past it, then by the keys they start with (or go on with), then as listed."""
        joined, spots = self.spots(text)
        orders = self.key_orders
        found = []
        for pid, start, stop, rank in spots:
            written = joined[start + 1 : stop]
            keys = orders[rank]
            crosses = " " in written
            going_on = keys[written.split(" ", 1)[0].count("-") + 1] if crosses else 0
            found.append(((start, crosses, going_on, keys[0], rank), pid, written))
        return [(pid, written) for _, pid, written in sorted(found)]


def _grouped(joined: str, spots: Iterable[Spot], wanted: Container[int] | None = None) -> Hits:
    """Phrases found (or only those `wanted`), by phrase: how often, and the distinct words as written, first found first."""
    grouped: dict[int, tuple[list[int], dict[str, None]]] = {}
    for pid, start, stop, _ in spots:
        if wanted is not None and pid not in wanted:
            continue
        group = grouped.get(pid)
        if group is None:
            grouped[pid] = ([1], {joined[start + 1 : stop]: None})
        else:
            group[0][0] += 1
            group[1][joined[start + 1 : stop]] = None
    return {pid: (count[0], tuple(written)) for pid, (count, written) in grouped.items()}


_PHRASE_ID, _START = itemgetter(0), itemgetter(1)


# ---------------------------------------------------------------- classification


@dataclass(frozen=True, slots=True)
class Scored:
    """How one topic (or paper type) scored on one paper: what `digest topics --explain` prints."""

    slug: str
    score: int
    strong: bool  # an include or title_only phrase counted
    in_title: bool  # a phrase of it is in the title
    excluded_by: tuple[str, ...]
    evidence: tuple[tuple[str, tuple[str, ...]], ...]  # (place, words found there as written)
    unmet: tuple[str, ...]  # phrases found whose with/without context kept them from counting
    threshold: int
    abstract_min: int = 0
    named: bool = False  # an include phrase of it is in the title: the paper says it is about this
    vetoed: bool = False  # an exclude phrase is in the title, or one is in the abstract and the topic is not named in the title

    @property
    def applies(self) -> bool:
        return self.strong and not self.vetoed and self.score >= self.threshold and (self.in_title or self.score >= self.abstract_min)


Classification = tuple[tuple[TopicMatch, ...], str | None]  # a paper's topics, best first, and its paper type
Rule = tuple[Phrase, tuple[int, ...], tuple[int, ...]]  # a phrase of a topic's rules, the ids of its with and without phrases


class Classifier:
    """A taxonomy compiled once, then applied to any number of papers."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.groups = (
            [(topic.slug, rules) for topic, rules in zip(taxonomy.topics, taxonomy.topic_rules(), strict=True)],
            [(kind.slug, rules) for kind, rules in zip(taxonomy.paper_types, taxonomy.type_rules, strict=True)],
        )
        texts: dict[str, int] = {}
        for group in self.groups:
            for _, rules in group:
                for phrase in rules.phrases:
                    for text in (phrase.text, *phrase.with_any, *phrase.without):
                        texts.setdefault(text, len(texts))
        self.pid = texts
        # Phrases that match the same words ("dataset", "datasets") are one class, scanned for once: the index holds
        # one phrase of each class, and `classify` counts by class.
        classes: dict[tuple[tuple[Key, ...], ...], int] = {}
        self.class_of = [classes.setdefault(phrase_keys(text), len(classes)) for text in texts]
        self.members: list[list[int]] = [[] for _ in classes]
        for pid, known in enumerate(self.class_of):
            self.members[known].append(pid)
        phrases = list(texts)
        self.index = PhraseIndex([phrases[members[0]] for members in self.members])
        self.unmoved = [[Scored(slug, 0, False, False, (), (), (), taxonomy.min_score) for slug, _ in group] for group in self.groups]
        # Which topics each phrase can move, where it stands in their rules and the ids of its context, so a paper's
        # scoring looks only at the phrases it has.
        self.moved: dict[int, list[tuple[int, int, int, Rule]]] = {}
        for g, group in enumerate(self.groups):
            for t, (_, rules) in enumerate(group):
                for order, phrase in enumerate(rules.phrases):
                    rule = (phrase, tuple(texts[text] for text in phrase.with_any), tuple(texts[text] for text in phrase.without))
                    self.moved.setdefault(texts[phrase.text], []).append((g, t, order, rule))
        # The same as numbers for `classify`, by class: each rule's topic (group, index), its kind and its context's classes.
        self.moves: dict[int, list[tuple[tuple[int, int], int, tuple[int, ...], tuple[int, ...], tuple[int, int, Rule]]]] = {}
        for pid, moved in self.moved.items():
            known = self.class_of[pid]
            for g, t, order, rule in moved:
                phrase, with_any, without = rule
                context = tuple(self.class_of[other] for other in with_any), tuple(self.class_of[other] for other in without)
                self.moves.setdefault(known, []).append(((g, t), KINDS.index(phrase.kind), *context, (order, known, (phrase, *context))))
        self.thresholds = [[taxonomy.min_score if rules.min_score is None else rules.min_score for _, rules in group] for group in self.groups]
        self.title_only_weight = taxonomy.title_weight if taxonomy.title_only_weight is None else taxonomy.title_only_weight
        # What a phrase gains a topic, and whether it makes the topic strong, by the kind of rule it is there (include,
        # title_only, support), for each way it can be found: in the title or not, its count in the abstract (up to
        # the cap, past which it gains no more), in the keywords or not.
        self.gain_table = {
            (in_title, count, in_keywords): (
                ((taxonomy.title_weight if in_title else 0) + count + keyword_gain, in_title or count > 0),
                ((self.title_only_weight if in_title else 0) + keyword_gain, in_title),
                (int(in_title) + (count > 0) + keyword_gain, False),
            )
            for in_title in (False, True)
            for count in range(ABSTRACT_CAP + 1)
            for in_keywords, keyword_gain in ((False, 0), (True, taxonomy.keyword_weight))
        }

    def found(self, title: str, abstract: str, keywords: Sequence[str] = ()) -> dict[str, Hits]:
        """Each place's phrases found: phrase id -> (occurrences, the distinct words as written, first found first)."""
        members = self.members
        found = {place: _grouped(*spotted) for place, spotted in zip(PLACES, self.index.spots_in((title, abstract, "\n".join(keywords))), strict=True)}
        return {place: {pid: hit for known, hit in hits.items() for pid in members[known]} for place, hits in found.items()}

    def scored(self, title: str, abstract: str, keywords: Sequence[str] = ()) -> dict[tuple[int, int], Scored]:
        """The scores of the topics and paper types (group, index) that a phrase found in the paper moves; every other scores nothing."""
        places = self.found(title, abstract, keywords)
        anywhere = places["title"].keys() | places["abstract"].keys() | places["keywords"].keys()
        touched: dict[tuple[int, int], list[tuple[int, int, Rule]]] = {}
        moved = self.moved
        for found in anywhere:
            for g, t, order, rule in moved.get(found, ()):
                touched.setdefault((g, t), []).append((order, found, rule))
        groups = self.groups
        return {(g, t): self._score(groups[g][t][0], self.thresholds[g][t], sorted(hits), places, anywhere) for (g, t), hits in sorted(touched.items())}

    def score_all(self, title: str, abstract: str, keywords: Sequence[str] = ()) -> tuple[list[Scored], list[Scored]]:
        """Every topic's and every paper type's score on a paper, in taxonomy order."""
        topic_scores, type_scores = list(self.unmoved[0]), list(self.unmoved[1])
        for (g, t), scored in self.scored(title, abstract, keywords).items():
            (type_scores if g else topic_scores)[t] = scored
        return topic_scores, type_scores

    def _score(self, slug: str, threshold: int, hits: list[tuple[int, int, Rule]], places: dict[str, Hits], anywhere: set[int]) -> Scored:
        """One topic's score from the phrases of its rules found in the paper (`hits`, in the rules' order)."""
        taxonomy = self.taxonomy
        in_titles, in_abstracts, in_keywords = places["title"], places["abstract"], places["keywords"]
        score, strong, in_title, named, excluded_in_title = 0, False, False, False, False
        excluded: list[str] = []
        unmet: list[str] = []
        for _, key, (phrase, with_any, without) in hits:
            if (with_any and anywhere.isdisjoint(with_any)) or (without and not anywhere.isdisjoint(without)):
                unmet.append(phrase.text)
                continue
            kind = phrase.kind
            if kind == "exclude":
                excluded.append(phrase.text)
                excluded_in_title = excluded_in_title or key in in_titles
                continue
            title = in_titles.get(key)
            abstract = in_abstracts.get(key) if kind != "title_only" else None
            keywords = in_keywords.get(key)
            gained = 0
            if title:
                gained += 1 if kind == "support" else self.title_only_weight if kind == "title_only" else taxonomy.title_weight
            if abstract:
                gained += 1 if kind == "support" else min(abstract[0], ABSTRACT_CAP)
            if keywords:
                gained += taxonomy.keyword_weight
            if not gained:
                continue
            score += gained
            if title:
                in_title = True
                named = named or kind == "include"
            strong = strong or (kind != "support" and bool(title or (abstract and kind == "include")))
        vetoed = excluded_in_title or (bool(excluded) and not named)
        evidence = self._evidence(hits, places, anywhere)
        return Scored(slug, score, strong, in_title, tuple(excluded), evidence, tuple(unmet), threshold, taxonomy.abstract_min, named, vetoed)

    def _evidence(self, hits: list[tuple[int, int, Rule]], places: dict[str, Hits], anywhere: set[int]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The words as written of a topic's phrases that scored (`hits`, in the rules' order), by place, each once whatever its case."""
        in_titles, in_abstracts, in_keywords = places["title"], places["abstract"], places["keywords"]
        keyword_weight = self.taxonomy.keyword_weight
        evidence: tuple[list[str], list[str], list[str]] = ([], [], [])
        seen: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        for _, key, (phrase, with_any, without) in hits:
            if phrase.kind == "exclude" or (with_any and anywhere.isdisjoint(with_any)) or (without and not anywhere.isdisjoint(without)):
                continue
            found = (in_titles.get(key), in_abstracts.get(key) if phrase.kind != "title_only" else None, in_keywords.get(key))
            if not (found[0] or found[1] or (found[2] and keyword_weight)):
                continue  # it gained the topic nothing
            for place, hit in enumerate(found):
                if hit:
                    lowered, shown = seen[place], evidence[place]
                    for word in hit[1]:
                        low = word.lower()
                        if low not in lowered:
                            lowered.add(low)
                            shown.append(word)
        return tuple((place, tuple(words)) for place, words in zip(PLACES, evidence, strict=True) if words)

    def classify(self, title: str, abstract: str, keywords: Sequence[str] = ()) -> Classification:
        """The topics of a paper, best score first (ties in taxonomy order), at most max_topics; Other when none applies. And its paper type.

        The same as `choose` and `choose_type` over `scored`, with only the numbers worked out for every topic a phrase
        moves: the evidence (words as written) is gathered for the topics given alone."""
        found = self.index.spots_in((title, abstract, "\n".join(keywords)))
        in_titles, in_keywords = set(map(_PHRASE_ID, found[0][1])), set(map(_PHRASE_ID, found[2][1]))
        in_abstracts = Counter(map(_PHRASE_ID, found[1][1]))
        anywhere = in_titles | in_abstracts.keys() | in_keywords
        moves, gain_table = self.moves, self.gain_table
        # (group, index) -> [score, strong, in_title, named, excluded, excluded in the title, the rules that scored];
        # a topic no phrase moves is not in it
        tally: dict[tuple[int, int], list[Any]] = {}
        for pid in anywhere:
            rules = moves.get(pid)
            if rules is None:
                continue
            in_title, count = pid in in_titles, in_abstracts.get(pid, 0)
            gains = gain_table[(in_title, count if count < ABSTRACT_CAP else ABSTRACT_CAP, pid in in_keywords)]
            for key, kind, with_any, without, rule in rules:
                if (with_any and anywhere.isdisjoint(with_any)) or (without and not anywhere.isdisjoint(without)):
                    continue
                if kind == _EXCLUDE:
                    row = tally.get(key) or tally.setdefault(key, [0, False, False, False, False, False, []])
                    row[4] = True
                    row[5] = row[5] or in_title
                    continue
                gained, strong = gains[kind]
                if not gained:
                    continue
                row = tally.get(key) or tally.setdefault(key, [0, False, False, False, False, False, []])
                row[6].append(rule)
                row[0] += gained
                if in_title:
                    row[2] = True
                    row[3] = row[3] or kind == _INCLUDE
                row[1] = row[1] or strong
        if not tally:
            return _IN_OTHER, None
        abstract_min = self.taxonomy.abstract_min
        thresholds = self.thresholds
        topics: list[tuple[int, int, bool, bool, bool, bool]] = []  # index, score, applies, in_title, vetoed, named: taxonomy order
        kind_given: str | None = None
        kind_best = 0
        for (g, t), (score, strong, in_title, named, excluded, excluded_in_title, _) in sorted(tally.items()):
            vetoed = excluded_in_title or (excluded and not named)
            applies = strong and not vetoed and score >= thresholds[g][t] and (in_title or score >= abstract_min)
            if g:
                if applies and (kind_given is None or score > kind_best):
                    kind_given, kind_best = self.groups[1][t][0], score
            else:
                topics.append((t, score, applies, in_title, vetoed, named))
        return self._given(topics, tally, found, anywhere), kind_given

    def _given(
        self, topics: list[Any], tally: dict[tuple[int, int], list[Any]], found: Sequence[Spotted], anywhere: set[int]
    ) -> tuple[TopicMatch, ...]:
        """`choose` on the numbers of the topics moved; the evidence is worked out for the topics given."""
        ranked = sorted((row for row in topics if row[2]), key=lambda row: -row[1])
        if not ranked:
            least = self.taxonomy.fallback_min
            candidates = sorted((row for row in topics if least and row[3] and not row[4] and row[1] >= least), key=lambda row: -row[1])
            if candidates and (len(candidates) == 1 or candidates[0][1] > candidates[1][1]):
                kept = candidates[:1]
            else:
                return _IN_OTHER
        else:
            floor = ranked[0][1] * self.taxonomy.relative_min
            kept = [row for row in ranked if row[5] or row[1] * 100 >= floor][: self.taxonomy.max_topics]
        hits = {t: sorted(tally[(0, t)][6]) for t, *_ in kept}
        wanted = {pid for rules in hits.values() for _, pid, _ in rules}
        places = {place: _grouped(joined, spots, wanted) if spots else {} for place, (joined, spots) in zip(PLACES, found, strict=True)}
        matches = []
        for t, score, *_ in kept:
            evidence = self._evidence(hits[t], places, anywhere)
            matches.append(TopicMatch(self.groups[0][t][0], _phrases(evidence), score, evidence))
        return tuple(matches)

    def choose(self, scores: Sequence[Scored]) -> tuple[TopicMatch, ...]:
        ranked = sorted((s for s in scores if s.applies), key=lambda s: -s.score)  # stable: ties stay in taxonomy order
        if not ranked:
            # No topic applies: the best one with something in the title and fallback_min points, supporting words
            # included, when it leads alone; a word of the title says what the paper is about better than Other does.
            least = self.taxonomy.fallback_min
            candidates = sorted((s for s in scores if least and s.in_title and not s.vetoed and s.score >= least), key=lambda s: -s.score)
            if candidates and (len(candidates) == 1 or candidates[0].score > candidates[1].score):
                best = candidates[0]
                return (TopicMatch(best.slug, _phrases(best.evidence), best.score, best.evidence),)
            return _IN_OTHER
        # A topic whose include phrase is in the title is a subject of the paper whatever its score; any other must
        # also come near the best, or it is a tool the paper uses, not what it is about.
        floor = ranked[0].score * self.taxonomy.relative_min
        kept = [s for s in ranked if s.named or s.score * 100 >= floor][: self.taxonomy.max_topics]
        return tuple(TopicMatch(s.slug, _phrases(s.evidence), s.score, s.evidence) for s in kept)

    def choose_type(self, scores: Sequence[Scored]) -> str | None:
        ranked = sorted((s for s in scores if s.applies), key=lambda s: -s.score)
        return ranked[0].slug if ranked else None


def _phrases(evidence: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """The words found, each once whatever its case, title first: the plain "why"."""
    seen: dict[str, str] = {}
    for _, words in evidence:
        for word in words:
            seen.setdefault(word.lower(), word)
    return tuple(seen.values())


_IN_OTHER = (TopicMatch(OTHER.slug, ()),)
_INCLUDE, _EXCLUDE = KINDS.index("include"), KINDS.index("exclude")
Spotted = tuple[str, list[Spot]]


def classifier_for(taxonomy: Taxonomy, memo: Memo) -> Classifier:
    return memo.table("topics-classifier").get(taxonomy, Classifier)  # type: ignore[no-any-return]


Text = tuple[str, str, tuple[str, ...]]  # a paper's title, abstract and ai_keywords: all its topics depend on
Classified = dict[Text, Classification]


def paper_text(paper: Paper) -> Text:
    return (paper.title, paper.abstract, paper.ai_keywords)


def classify_papers(papers: Sequence[Paper], taxonomy: Taxonomy, memo: Memo | None = None, worked_out: Classified | None = None) -> tuple[Paper, ...]:
    """The same papers with their topics and paper type set; ids, titles and everything else untouched.

    With a memo kept across builds, the compiled taxonomy (and the words it has learned) is
    reused while the taxonomy is unchanged, and a paper whose text is unchanged is not
    classified again. `worked_out`: classifications already made for some texts (the build classifies texts on other cores).
    """
    memo = memo if memo is not None else Memo()
    classifier = classifier_for(taxonomy, memo)
    classified = memo.table("topics", taxonomy)

    with_topics = memo.table("topics-paper", taxonomy)

    worked_out = worked_out or {}

    def classify(text: Text) -> Classification:
        found = worked_out.get(text)
        return found if found is not None else classifier.classify(*text)

    def classify_paper(paper: Paper) -> Paper:
        matches, kind = classified.get(paper_text(paper), classify)
        return dataclasses.replace(paper, topics=matches, paper_type=kind)

    def classified_paper(paper: Paper) -> Paper:
        # The same paper gives the same classified object across builds, so later stages compare by identity;
        # its text's topics are carried too, for when the paper changes but its text does not.
        found = with_topics.get(paper, classify_paper)
        classified.keep(paper_text(paper), (found.topics, found.paper_type))
        return found

    return tuple(classified_paper(paper) for paper in papers)


def papers_by_topic(papers: Sequence[Paper], topics: Sequence[Topic]) -> dict[str, tuple[Paper, ...]]:
    """Each topic's papers, in the order given (the site's: newest first)."""
    grouped: dict[str, list[Paper]] = {topic.slug: [] for topic in topics}
    for paper in papers:
        for match in paper.topics:
            grouped.setdefault(match.slug, []).append(paper)
    return {slug: tuple(found) for slug, found in grouped.items()}


# ---------------------------------------------------------------- coverage


@dataclass(frozen=True, slots=True)
class Coverage:
    total: int
    counts: tuple[tuple[Topic, int], ...]  # taxonomy order, Other last
    unclassified: tuple[str, ...]  # titles of the papers in Other

    @property
    def classified(self) -> int:
        return self.total - len(self.unclassified)

    @property
    def classified_share(self) -> float:
        return self.classified / self.total if self.total else 0.0

    @property
    def largest_share(self) -> float:
        specific = [count for topic, count in self.counts if topic.slug != OTHER.slug]
        return max(specific, default=0) / self.total if self.total else 0.0


def coverage(papers: Sequence[Paper], topics: Sequence[Topic]) -> Coverage:
    grouped = papers_by_topic(papers, topics)
    counts = tuple((topic, len(grouped.get(topic.slug, ()))) for topic in topics)
    unclassified = tuple(paper.title for paper in papers if all(m.slug == OTHER.slug for m in paper.topics))
    return Coverage(len(papers), counts, unclassified)


def format_coverage(report: Coverage) -> str:
    width = max((len(topic.name) for topic, _ in report.counts), default=5)
    lines = [f"{'topic':<{width}}  {'slug':<28} {'papers':>6} {'share':>6}"]
    for topic, count in report.counts:
        share = count / report.total if report.total else 0.0
        lines.append(f"{topic.name:<{width}}  {topic.slug:<28} {count:>6} {share:>6.1%}")
    other = len(report.unclassified)
    lines.append("")
    lines.append(
        f"{report.total} papers: {report.classified} ({report.classified_share:.1%}) with a specific topic, "
        f"{other} ({(other / report.total if report.total else 0):.1%}) in Other; largest topic {report.largest_share:.1%} of all papers"
    )
    if report.unclassified:
        lines.append("")
        lines.append("Unclassified (in Other):")
        lines.extend(f"  {title}" for title in report.unclassified)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- loading topics.yaml


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Walks the composed YAML nodes (not the loaded values) so every message can name its line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> None:
        self.problems.append(error(self.path, _line(node), message, hint))

    def mapping(self, node: yaml.Node, known: Sequence[str], what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping of keys to values", "e.g. 'name: Long context'")
            return {}
        found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in known:
                self.fail(key_node, f"unknown key {key!r} in {what}", did_you_mean(key, known))
            elif key in found:
                self.fail(key_node, f"duplicate key {key!r} in {what}", f"first given on line {_line(found[key][0])}")
            else:
                found[key] = (key_node, value_node)
        return found

    def text(self, node: yaml.Node, what: str) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag != YAML_NULL and str(node.value).strip():
            return str(node.value).strip()
        self.fail(node, f"{what} must be a non-empty text")
        return None

    def phrase_text(self, node: yaml.Node, what: str) -> str | None:
        phrase = self.text(node, f"each phrase in {what}")
        if phrase is not None and not phrase_keys(phrase):
            self.fail(node, f"phrase {phrase!r} in {what} has no letters or digits to match")
            return None
        return phrase

    def phrases(self, node: yaml.Node, what: str, kind: str) -> tuple[Phrase, ...]:
        """A list of phrases; an item is a text, or a mapping {phrase: ASR, with: [speech, audio], without: [attack success rate]}."""
        if isinstance(node, yaml.ScalarNode) and node.tag == YAML_NULL:
            return ()
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        found: list[Phrase] = []
        for item in items:
            if isinstance(item, yaml.MappingNode):
                fields = self.mapping(item, PHRASE_KEYS, f"a phrase in {what}")
                if "phrase" not in fields:
                    self.fail(item, f"a phrase in {what} has no 'phrase:'", "write e.g. {phrase: ASR, with: [speech, audio]}")
                    continue
                text = self.phrase_text(fields["phrase"][1], what)
                context = {key: self.plain_phrases(fields[key][1], f"{what}'s {key}") if key in fields else () for key in ("with", "without")}
                if text is not None:
                    found.append(Phrase(text, kind, context["with"], context["without"]))
            else:
                text = self.phrase_text(item, what)
                if text is not None:
                    found.append(Phrase(text, kind))
        return tuple(found)

    def plain_phrases(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        return tuple(text for item in items if (text := self.phrase_text(item, what)) is not None)

    def whole_number(self, node: yaml.Node, what: str, least: int = 1) -> int | None:
        value = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
        if not value.isdigit() or int(value) < least:
            kind = "a positive whole number" if least else "a whole number"
            self.fail(node, f"{what} must be {kind}, not {value or 'a collection'!r}")
            return None
        return int(value)

    def slug(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], name: str | None) -> str | None:
        """The topic's slug as given, or made from its name; None (with a problem) when unusable."""
        if "slug" in fields:
            node = fields["slug"][1]
            slug = self.text(node, "slug")
        elif name:
            node, slug = fields["name"][1], slugify(name, limit=200)
        else:
            return None
        if slug is None:
            return None
        if not SLUG.fullmatch(slug):
            self.fail(node, f"slug {slug!r} is not URL-safe", "use lowercase letters, digits and single dashes, e.g. 'long-context'")
            return None
        if slug == OTHER.slug:
            self.fail(node, f"slug {slug!r} is reserved for papers that match no topic", "give this topic another slug")
            return None
        return slug

    def topic(self, node: yaml.Node, seen: dict[str, int], what: str = "a topic") -> tuple[Topic, Rules] | None:
        fields = self.mapping(node, TOPIC_KEYS, what)
        if not isinstance(node, yaml.MappingNode):
            return None
        name = self.text(fields["name"][1], "name") if "name" in fields else None
        if "name" not in fields:
            self.fail(node, f"{what.removeprefix('a ')} has no name", "every topic needs 'name:', 'slug:' and 'include:'")
        label = f"{what.removeprefix('a ')} {name!r}" if name else f"this {what.removeprefix('a ')}"
        slug = self.slug(fields, name)
        if slug is not None and slug in seen:
            self.fail(fields.get("slug", (node, node))[1], f"duplicate slug {slug!r}", f"the topic on line {seen[slug]} has it; slugs must be unique")
            slug = None
        elif slug is not None:
            seen[slug] = _line(node)
        description_node = fields["description"][1] if "description" in fields else None
        description = ""
        if isinstance(description_node, yaml.ScalarNode) and description_node.tag != YAML_NULL:
            description = str(description_node.value).strip()
        elif description_node is not None:
            self.fail(description_node, "description must be a text")
        phrases = {kind: self.phrases(fields[kind][1], f"{label}'s {kind}", kind) if kind in fields else () for kind in KINDS}
        least = self.whole_number(fields["min_score"][1], f"{label}'s min_score") if "min_score" in fields else None
        if not phrases["include"] and not phrases["title_only"]:
            where = fields["include"][1] if "include" in fields else node
            self.fail(where, f"{label} has no include phrases, so no paper can match it", "list phrases under 'include:'")
            return None
        if not name or not slug:
            return None
        texts = {kind: tuple(phrase.text for phrase in phrases[kind]) for kind in KINDS}
        topic = Topic(slug=slug, name=name, description=description, include=texts["include"], exclude=texts["exclude"], title_only=texts["title_only"])
        return topic, Rules(tuple(phrase for kind in KINDS for phrase in phrases[kind]), least)


def _compose(text: str) -> yaml.Node | None:
    """yaml.compose with libyaml when PyYAML has it (much faster); a file it rejects is composed
    again by the pure-Python loader, whose messages name the offending character or alias."""
    if _FAST_LOADER is yaml.SafeLoader:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    try:
        return yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


def parse_taxonomy(text: str, path: str) -> tuple[Taxonomy | None, list[Problem]]:
    """Parse topics.yaml; any problem makes the whole taxonomy unusable (None) so no build half-applies it."""
    reader = _Reader(path)
    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [error(path, mark.line + 1 if mark else 1, f"invalid YAML: {reason}", "check indentation, colons and quotes")]
    if root is None:
        return None, [error(path, 1, "the topics file is empty", f"add 'topics:' with a list of topics, or delete {TOPICS_NAME} to use the default taxonomy")]
    fields = reader.mapping(root, TOP_KEYS, TOPICS_NAME)
    settings: dict[str, int] = {}
    for key in SETTINGS:
        if key in fields:
            number = reader.whole_number(fields[key][1], key, least=0 if key in ("relative_min", "keyword_weight", "fallback_min") else 1)
            if number is not None:
                settings[key] = number
    found: dict[str, list[tuple[Topic, Rules]]] = {"topics": [], "paper_types": []}
    seen: dict[str, int] = {}
    if "topics" not in fields and isinstance(root, yaml.MappingNode):
        reader.fail(root, "no 'topics:' list", "start the file with 'topics:' and list topics under it")
    for key, what in (("topics", "a topic"), ("paper_types", "a paper type")):
        if key not in fields:
            continue
        if not isinstance(fields[key][1], yaml.SequenceNode) or not fields[key][1].value:
            reader.fail(fields[key][1], f"'{key}' must be a non-empty list", "each item starts with '- name: ...'")
            continue
        for node in fields[key][1].value:
            made = reader.topic(node, seen, what)
            if made is not None:
                found[key].append(made)
    if reader.problems:
        return None, reader.problems
    topics, kinds = found["topics"], found["paper_types"]
    return Taxonomy(
        tuple(topic for topic, _ in topics),
        rules=tuple(rules for _, rules in topics),
        paper_types=tuple(kind for kind, _ in kinds),
        type_rules=tuple(rules for _, rules in kinds),
        **settings,
    ), []


def load_taxonomy(content_dir: Path, memo: Memo | None = None) -> tuple[Taxonomy | None, list[Problem]]:
    """The content folder's topics.yaml, or the default taxonomy shipped with the package; parsed again only when its text changed."""
    own = content_dir / TOPICS_NAME
    path, shown = (own, TOPICS_NAME) if own.is_file() else (DEFAULT_TAXONOMY, str(DEFAULT_TAXONOMY))
    if path is own and not stays_inside(own, content_dir.resolve()):
        return None, [error(shown, None, "a link to a file outside the content folder", "copy the topics file into the content folder")]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [error(shown, None, f"cannot read the topics file: {exc}", "save it as UTF-8")]
    taxonomy, problems = (memo or Memo()).table("taxonomy").get((text, shown), lambda key: parse_taxonomy(*key))
    return taxonomy, list(problems)


# ---------------------------------------------------------------- evaluation against labelled papers


@dataclass(frozen=True, slots=True)
class Labelled:
    """A paper of an evaluation set and the topics (and paper type) people filed it under."""

    key: str  # its arXiv id, or its line
    title: str
    abstract: str
    topics: frozenset[str]
    paper_type: str | None
    keywords: tuple[str, ...] = ()


def read_labels(path: Path) -> tuple[list[Labelled], list[Problem]]:
    """A JSON-lines evaluation set: each line {"arxiv_id", "topics": [...], "type"}, with "title" and "abstract",
    or, without them, the paper of that arxiv_id in papers.jsonl beside the file."""
    shown = str(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [error(shown, None, f"cannot read the evaluation set: {exc}", "give a JSON-lines file of labelled papers")]
    papers: dict[str, dict[str, Any]] = {}
    beside = path.with_name("papers.jsonl")
    problems: list[Problem] = []
    found: list[Labelled] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(error(shown, number, f"not JSON: {exc.msg}", 'each line is {"arxiv_id": ..., "topics": [...], "type": null}'))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("topics"), list):
            problems.append(error(shown, number, "a line without a 'topics' list", 'each line is {"arxiv_id": ..., "topics": [...], "type": null}'))
            continue
        key = str(item.get("arxiv_id") or number)
        if "title" not in item:
            if not papers and beside.is_file():
                papers = {str(p.get("arxiv_id")): p for p in map(json.loads, beside.read_text(encoding="utf-8").splitlines()) if isinstance(p, dict)}
            if key not in papers:
                problems.append(error(shown, number, f"no title for {key!r}", f"add 'title' and 'abstract', or list the paper in {beside.name} beside it"))
                continue
            item = {**papers[key], **item}
        keywords = item.get("ai_keywords") or ()
        found.append(
            Labelled(key, str(item["title"]), str(item.get("abstract") or ""), frozenset(map(str, item["topics"])), item.get("type"), tuple(map(str, keywords)))
        )
    return found, problems


@dataclass(frozen=True, slots=True)
class Evaluation:
    papers: int
    true_positive: int
    predicted: int
    labelled: int
    per_topic: tuple[tuple[str, int, int, int], ...]  # slug, true positives, predicted, labelled
    confusions: tuple[tuple[tuple[str, str], int], ...]  # (given, labelled instead), count: most frequent first
    type_counts: tuple[int, int, int]  # paper types: right, given, labelled
    misses: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...]  # key, title, given, labelled: papers with a wrong topic

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.labelled if self.labelled else 1.0


def evaluate(classifier: Classifier, labelled: Sequence[Labelled], keywords: bool = True) -> Evaluation:
    """Micro and per-topic precision and recall of the classifier's topics against the labels."""
    counts = {topic.slug: [0, 0, 0] for topic in classifier.taxonomy.topics}
    confusions: dict[tuple[str, str], int] = {}
    tp = predicted = gold = 0
    types = [0, 0, 0]
    misses = []
    for paper in labelled:
        matches, kind = classifier.classify(paper.title, paper.abstract, paper.keywords if keywords else ())
        given = {m.slug for m in matches} - {OTHER.slug}
        for slug in given | paper.topics:
            row = counts.setdefault(slug, [0, 0, 0])
            row[0] += slug in given and slug in paper.topics
            row[1] += slug in given
            row[2] += slug in paper.topics
        tp += len(given & paper.topics)
        predicted += len(given)
        gold += len(paper.topics)
        for wrong in sorted(given - paper.topics):
            for instead in sorted(paper.topics - given) or ["(nothing more)"]:
                confusions[(wrong, instead)] = confusions.get((wrong, instead), 0) + 1
        for missed in sorted(paper.topics - given):
            if not given - paper.topics:
                confusions[("(nothing)", missed)] = confusions.get(("(nothing)", missed), 0) + 1
        types[0] += kind is not None and kind == paper.paper_type
        types[1] += kind is not None
        types[2] += paper.paper_type is not None
        if given != paper.topics:
            misses.append((paper.key, paper.title, tuple(m.slug for m in matches), tuple(sorted(paper.topics))))
    ranked = tuple(sorted(confusions.items(), key=lambda item: (-item[1], item[0])))
    per_topic = tuple((slug, *row) for slug, row in counts.items())
    return Evaluation(len(labelled), tp, predicted, gold, per_topic, ranked, (types[0], types[1], types[2]), tuple(misses))


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "  - "


def format_evaluation(report: Evaluation, confusions: int = 15) -> str:
    lines = [f"{'topic':<28} {'precision':>9} {'recall':>6} {'given':>5} {'labelled':>8}"]
    for slug, tp, given, gold in report.per_topic:
        lines.append(f"{slug:<28} {_ratio(tp, given):>9} {_ratio(tp, gold):>6} {given:>5} {gold:>8}")
    right, given, gold = report.type_counts
    lines += [
        "",
        f"paper types: precision {_ratio(right, given)}, recall {_ratio(right, gold)} ({given} given, {gold} labelled)",
        "",
        "worst confusions (given -> labelled instead):",
        *(f"  {count:>3}  {wrong} -> {instead}" for (wrong, instead), count in report.confusions[:confusions]),
        "",
        f"{report.papers} papers, {report.predicted} topics given, {report.labelled} labelled: "
        f"micro precision {report.precision:.3f}, recall {report.recall:.3f}",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- explain and suggest


def format_explain(classifier: Classifier, paper: Paper) -> str:
    """How one paper was scored: every topic and paper type with any evidence, what it scored and why it was kept or not."""
    topic_scores, type_scores = classifier.score_all(*paper_text(paper))
    chosen = {m.slug for m in classifier.choose(topic_scores)}
    kind = classifier.choose_type(type_scores)
    lines = [f"{paper.id}: {paper.title}", ""]
    for heading, scores, picked in (("topics", topic_scores, chosen), ("paper types", type_scores, {kind})):
        lines.append(f"{heading}:")
        shown = sorted((s for s in scores if s.score or s.excluded_by or s.unmet), key=lambda s: -s.score)
        for s in shown:
            if s.slug in picked:
                verdict = "given"
            elif s.vetoed:
                verdict = "excluded by " + ", ".join(s.excluded_by)
            elif not s.strong:
                verdict = "not given: only supporting words"
            elif s.score < s.threshold:
                verdict = f"not given: below its min_score {s.threshold}"
            elif not s.in_title and s.score < s.abstract_min:
                verdict = f"not given: nothing in the title and below abstract_min {s.abstract_min}"
            else:
                verdict = "not given: weaker than the topics kept"
            lines.append(f"  {s.slug:<28} {s.score:>3}  {verdict}")
            lines.extend(f"      {place}: {', '.join(words)}" for place, words in s.evidence)
            if s.unmet:
                lines.append(f"      found but out of context: {', '.join(s.unmet)}")
        if not shown:
            lines.append("  (no phrase of any found)")
        lines.append("")
    return "\n".join(lines)


STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "has", "have", "in", "into", "is", "it", "its", "of",
        "on", "or", "our", "over", "such", "than", "that", "the", "their", "these", "this", "to", "via", "we", "which", "while", "with",
        "without", "both", "each", "more", "most", "new", "novel", "using", "based", "large", "model", "models", "language", "llm",
        "llms", "paper", "approach", "method", "methods", "results", "show", "task", "tasks", "data", "performance", "propose",
        "proposed", "achieve", "existing", "different", "however", "across",
    }
)


def suggest(classifier: Classifier, papers: Sequence[Paper], limit: int = 40) -> list[tuple[str, int, str]]:
    """Frequent phrases of titles and ai_keywords that no topic's phrase covers: (phrase, papers with it, where)."""
    counts: dict[tuple[str, str], int] = {}
    covered = {fold(word) for text in classifier.pid for word in WORD.findall(text)}
    for paper in papers:
        seen: set[tuple[str, str]] = set()
        for keyword in paper.ai_keywords:
            words = [word.lower() for word in WORD.findall(keyword)]
            if words and not classifier.index.scan(keyword):
                seen.add((" ".join(words), "keyword"))
        raw = [word.lower() for word in WORD.findall(paper.title)]
        words = [fold(word) for word in raw]
        for size in (2, 3):
            for start in range(len(words) - size + 1):
                gram = words[start : start + size]
                if gram[0] in STOPWORDS or gram[-1] in STOPWORDS or all(word in covered for word in gram):
                    continue
                seen.add((" ".join(raw[start : start + size]), "title"))
        for key in seen:
            counts[key] = counts.get(key, 0) + 1
    ranked = sorted(((phrase, count, where) for (phrase, where), count in counts.items() if count > 1), key=lambda item: (-item[1], item[0], item[2]))
    return ranked[:limit]


def format_suggestions(found: Sequence[tuple[str, int, str]]) -> str:
    if not found:
        return "no phrase found in two papers or more that the topics do not cover\n"
    lines = [f"{'papers':>6}  {'from':<8} phrase no topic covers"]
    lines.extend(f"{count:>6}  {where:<8} {phrase}" for phrase, count, where in found)
    return "\n".join(lines) + "\n"
