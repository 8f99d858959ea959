"""Topics: load the taxonomy (topics.yaml), classify papers by phrase, report coverage.

Matching works on normalized token sequences: text and phrases are folded the
same way (case, accents, punctuation, hyphens become spaces, a plural "s" is
dropped), so "Long-Context LLMs" contains the phrase "long context llm". Every
phrase is compiled once into token keys; classifying a paper is one scan of
its title and abstract with dictionary look-ups, no regular expressions.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from generator.memo import Memo
from generator.model import Paper, Topic, TopicMatch
from generator.pipeline.ingest import stays_inside
from generator.pipeline.normalize import ASCII_BYTE_FOLD, LATEX_BYTES, normalize_title, slugify
from generator.problems import Problem, did_you_mean, error

TOPICS_NAME = "topics.yaml"
DEFAULT_TAXONOMY = Path(__file__).parent / "default_topics.yaml"
OTHER = Topic(slug="other", name="Other", description="Papers that match no topic: the rules to tune next.")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TOP_KEYS = ("topics", "min_score", "title_weight")
TOPIC_KEYS = ("name", "slug", "description", "include", "title_only", "exclude")
YAML_NULL = "tag:yaml.org,2002:null"
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Label = TypeVar("Label")


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The rules: a topic applies when title_weight x (its phrases in the title) + (its include phrases in the abstract) >= min_score."""

    topics: tuple[Topic, ...]
    min_score: int = 2
    title_weight: int = 2

    @property
    def site_topics(self) -> tuple[Topic, ...]:
        """Every topic a page or feed is made for: the taxonomy's, then Other."""
        return (*self.topics, OTHER)


# ---------------------------------------------------------------- tokens and phrases


def stem(token: str) -> str:
    """Fold a plural to its singular, just enough for "models"/"model" and "studies"/"study"."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def tokens(text: str) -> list[bytes]:
    """normalize_title(text).split(), as ASCII bytes: a scan makes one object per word, and bytes are cheaper to make and hash than str."""
    if "&" not in text and text.isascii():
        return text.encode().translate(ASCII_BYTE_FOLD, LATEX_BYTES).split()
    return normalize_title(text).encode().split()


def phrase_keys(phrase: str) -> tuple[tuple[str, ...], ...]:
    """The token sequences a phrase matches: as written, and closed up when it has several words.

    A word ending in '*' is a prefix ("quantiz*" matches quantized, quantization).
    "pre-training" matches "pre-training", "pre training" and "pretraining".
    """
    prefix = phrase.rstrip().endswith("*")
    words = normalize_title(phrase).split()
    if not words:
        return ()
    keys = [stem(word) for word in words[:-1]] + [words[-1] + "*" if prefix else stem(words[-1])]
    variants = [tuple(keys)]
    if len(words) > 1:
        variants.append(("".join(words) + "*" if prefix else stem("".join(words)),))
    return tuple(dict.fromkeys(variants))


Start = tuple[int, tuple[str, ...], Label]  # a phrase that can start at a word: (its length in words, its keys, its label)
# After the next word: the labels of the phrases that occur (if they are two words at most), else the phrases to check.
Continued = tuple[tuple[Label, ...], tuple[Start[Label], ...] | None]
# What a word starts: (labels when the next word continues nothing, next word -> Continued, prefix labels to add then).
Here = tuple[tuple[Label, ...], dict[bytes, Continued[Label]] | None, tuple[Label, ...]]
_UNKNOWN: Any = ("a word not learned yet",)  # truthy, so the scan's one test per word also catches it
_END = b""  # the word after a text's last: tokens() never makes it


class PhraseIndex(Generic[Label]):
    """Phrases compiled for scanning texts.

    A text word's keys are its stem and every prefix pattern ("quantiz*") the stem starts
    with; a phrase occurs where its keys are among the keys of consecutive words. What a
    word starts is worked out once per distinct word, so a scan costs one dictionary
    look-up per word, and one more at a word that starts a phrase of several words: the
    words that can continue those phrases are registered as they are first seen. The scan
    runs backwards, so the words after the current one are always already known.
    """

    def __init__(self, compiled: Iterable[tuple[tuple[str, ...], Label]]) -> None:
        by_first: dict[str, list[Start[Label]]] = {}
        prefixes: set[str] = set()
        for keys, label in compiled:
            by_first.setdefault(keys[0], []).append((len(keys), keys, label))
            prefixes.update(key[:-1] for key in keys if key.endswith("*"))
        self.by_first = {key: tuple(starts) for key, starts in by_first.items()}
        self._shortest = min(map(len, prefixes), default=0)
        self._prefixes_by_head: dict[str, list[str]] = {}  # the prefixes a stem can start with, by its first letters, shortest first
        for prefix in sorted(prefixes, key=len):
            self._prefixes_by_head.setdefault(prefix[: self._shortest], []).append(prefix)
        # Only a phrase's last word can be a prefix, so a phrase of several words starts with an exact
        # word: what a word that has only its stem as key starts depends on that stem alone.
        self._here_of_key: dict[str, Here[Label]] = {}
        self._firsts_of_second: dict[str, list[str]] = {}  # second key -> first keys of the phrases with it
        for key, starts in self.by_first.items():
            seconds = dict.fromkeys(phrase[1] for size, phrase, _ in starts if size > 1)
            self._here_of_key[key] = (tuple(label for size, _, label in starts if size == 1), {} if seconds else None, ())
            for second in seconds:
                self._firsts_of_second.setdefault(second, []).append(key)
        # Most words of a text are in no phrase: a word is worth stemming only when it is one of the few spellings
        # that stem to a phrase's word (key, key + "s", "studies" for "study") or begins like a prefix pattern.
        exact = {key for starts in self.by_first.values() for _, phrase, _ in starts for key in phrase if not key.endswith("*")}
        spellings = {spelling for key in exact for spelling in (key, key + "s", key[:-1] + "ies") if stem(spelling) == key}
        self._spellings = frozenset(spelling.encode() for spelling in spellings)
        self._head = max(self._shortest - 1, 0)  # "studies" stems to "study": its stem can start with a prefix its letters do not
        self._heads = frozenset(prefix[: self._head].encode() for prefix in prefixes)
        self._keys: dict[bytes, tuple[str, ...]] = {}
        self._here: dict[bytes, Here[Label] | tuple[()]] = {}

    def word_keys(self, word: str) -> tuple[str, ...]:
        """A text word's keys: its stem, then the prefix patterns the stem starts with, shortest first."""
        token = stem(word)
        candidates = self._prefixes_by_head.get(token[: self._shortest])
        if candidates is None:
            return (token,)
        return (token, *(prefix + "*" for prefix in candidates if token.startswith(prefix)))

    def _learn(self, word: bytes) -> Here[Label] | tuple[()]:
        """Work out a word's keys and what it starts, and register it with the words it can follow in a phrase."""
        if word not in self._spellings and word[: self._head] not in self._heads:
            self._keys[word] = ()  # its keys are in no phrase: as good as none
            self._here[word] = ()
            return ()
        keys = self._keys[word] = self.word_keys(word.decode())
        here: Here[Label] | tuple[()]
        if len(keys) == 1:
            here = self._here[word] = self._here_of_key.get(keys[0], ())
            firsts = self._firsts_of_second.get(keys[0])
        else:
            exact = self._here_of_key.get(keys[0])
            prefixed = tuple(label for key in keys[1:] for _, _, label in self.by_first.get(key, ()))
            if not prefixed:
                here = exact or ()
            elif exact:
                here = (exact[0] + prefixed, exact[1], prefixed)
            else:
                here = (prefixed, None, ())
            self._here[word] = here
            firsts = list(dict.fromkeys(first for key in keys for first in self._firsts_of_second.get(key, ())))
        for first in firsts or ():
            follow = self._here_of_key[first][1]
            assert follow is not None
            starts = [start for start in self.by_first[first] if start[0] == 1 or start[1][1] in keys]
            longer = any(size > 2 for size, _, _ in starts)
            follow[word] = (tuple(label for _, _, label in starts), tuple(starts) if longer else None)
        return here

    def find(self, text: str) -> list[Label]:
        """Every label whose phrase occurs in text, once per occurrence: in text order and, where several
        phrases start at one word, exact words before prefixes (shorter prefixes first), then in the order given."""
        return self.scan(tokens(text))

    def scan(self, words: list[bytes]) -> list[Label]:
        """find() on a text already split by tokens()."""
        here_of = self._here.get
        groups: list[tuple[Label, ...]] = []  # the labels found at each word that starts a phrase, last word first
        after = _END
        last = len(words) - 1
        for back, word in enumerate(reversed(words)):
            here = here_of(word, _UNKNOWN)
            if here:
                if here is _UNKNOWN:
                    here = self._learn(word)
                    if not here:
                        after = word
                        continue
                alone, follow, prefixed = here
                continued = follow.get(after) if follow else None
                if continued is None:
                    groups.append(alone)
                else:
                    if prefixed:
                        groups.append(prefixed)
                    labels, longer = continued
                    groups.append(labels if longer is None else self._longer(words, last - back, longer))
            after = word
        groups.reverse()
        return list(chain.from_iterable(groups))

    def _longer(self, words: list[bytes], at: int, starts: tuple[Start[Label], ...]) -> tuple[Label, ...]:
        """The labels of `starts` occurring at words[at], given that the next word continues each: words after it are known."""
        found: list[Label] = []
        for size, phrase, label in starts:
            if size <= 2 or (at + size <= len(words) and all(phrase[offset] in self._keys[words[at + offset]] for offset in range(2, size))):
                found.append(label)
        return tuple(found)


# ---------------------------------------------------------------- classification


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: hashed by identity, cheaply, when a scan's hits are deduplicated
class _Phrase:
    topic: int  # index into the taxonomy
    text: str  # as written in topics.yaml: what a page shows as the "why"
    in_title: bool  # include and title_only: scores when found in the title
    in_abstract: bool  # include: scores when found in the abstract
    excludes: bool  # exclude: keeps the topic out when found anywhere


class Classifier:
    """A taxonomy compiled once, then applied to any number of papers."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        # One entry per distinct token sequence of a topic and kind, so "multi-modal" and
        # "multimodal" listed together count the word "multimodal" once, not twice.
        compiled: dict[tuple[int, bool, tuple[str, ...]], _Phrase] = {}
        for index, topic in enumerate(taxonomy.topics):
            for kind in ("include", "title_only", "exclude"):
                for text in getattr(topic, kind):
                    phrase = _Phrase(index, text, in_title=kind != "exclude", in_abstract=kind == "include", excludes=kind == "exclude")
                    for keys in phrase_keys(text):
                        compiled.setdefault((index, kind == "exclude", keys), phrase)
        self.index = PhraseIndex((keys, phrase) for (_, _, keys), phrase in compiled.items())

    def classify(self, title: str, abstract: str) -> tuple[TopicMatch, ...]:
        """The topics of a paper, best score first (ties in taxonomy order); Other when none applies."""
        in_title = self.index.find(title)
        in_abstract = self.index.find(abstract)
        scores: dict[int, int] = {}
        excluded: set[int] = set()
        weight = self.taxonomy.title_weight
        for hit in in_title:
            if hit.in_title:
                scores[hit.topic] = scores.get(hit.topic, 0) + weight
            elif hit.excludes:
                excluded.add(hit.topic)
        for hit in in_abstract:
            if hit.in_abstract:
                scores[hit.topic] = scores.get(hit.topic, 0) + 1
            elif hit.excludes:
                excluded.add(hit.topic)
        least = self.taxonomy.min_score
        chosen = sorted((t for t, score in scores.items() if score >= least and t not in excluded), key=lambda t: (-scores[t], t))
        if not chosen:
            return _IN_OTHER
        why: dict[int, dict[str, None]] = {t: {} for t in chosen}
        for hit in dict.fromkeys(in_title):  # each phrase once, at its first occurrence
            if hit.in_title and hit.topic in why:
                why[hit.topic][hit.text] = None
        for hit in dict.fromkeys(in_abstract):
            if hit.in_abstract and hit.topic in why:
                why[hit.topic][hit.text] = None
        return tuple(TopicMatch(self.taxonomy.topics[t].slug, tuple(why[t])) for t in chosen)


_IN_OTHER = (TopicMatch(OTHER.slug, ()),)


def classifier_for(taxonomy: Taxonomy, memo: Memo) -> Classifier:
    return memo.table("topics-classifier").get(taxonomy, Classifier)  # type: ignore[no-any-return]


Classified = dict[tuple[str, str], tuple[TopicMatch, ...]]


def classify_papers(papers: Sequence[Paper], taxonomy: Taxonomy, memo: Memo | None = None, worked_out: Classified | None = None) -> tuple[Paper, ...]:
    """The same papers with their topics set; ids, titles and everything else untouched.

    With a memo kept across builds, the compiled taxonomy (and the words it has learned) is
    reused while the taxonomy is unchanged, and a paper whose title and abstract are unchanged
    is not classified again. `worked_out`: topics already found for some texts (the build classifies texts on other cores).
    """
    memo = memo if memo is not None else Memo()
    classifier = classifier_for(taxonomy, memo)
    classified = memo.table("topics", taxonomy)

    with_topics = memo.table("topics-paper", taxonomy)

    worked_out = worked_out or {}

    def classify(text: tuple[str, str]) -> tuple[TopicMatch, ...]:
        found = worked_out.get(text)
        return found if found is not None else classifier.classify(*text)

    def classify_paper(paper: Paper) -> Paper:
        return dataclasses.replace(paper, topics=classified.get((paper.title, paper.abstract), classify))

    def classified_paper(paper: Paper) -> Paper:
        # The same paper gives the same classified object across builds, so later stages compare by identity;
        # its text's topics are carried too, for when the paper changes but its text does not.
        found = with_topics.get(paper, classify_paper)
        classified.keep((paper.title, paper.abstract), found.topics)
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

    def phrases(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if isinstance(node, yaml.ScalarNode) and node.tag == YAML_NULL:
            return ()
        found: list[str] = []
        for item in items:
            phrase = self.text(item, f"each phrase in {what}")
            if phrase is None:
                continue
            if not phrase_keys(phrase):
                self.fail(item, f"phrase {phrase!r} in {what} has no letters or digits to match")
            else:
                found.append(phrase)
        return tuple(found)

    def whole_number(self, node: yaml.Node, what: str) -> int | None:
        value = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
        if not value.isdigit() or int(value) < 1:
            self.fail(node, f"{what} must be a positive whole number, not {value or 'a collection'!r}")
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

    def topic(self, node: yaml.Node, seen: dict[str, int]) -> Topic | None:
        fields = self.mapping(node, TOPIC_KEYS, "a topic")
        if not isinstance(node, yaml.MappingNode):
            return None
        name = self.text(fields["name"][1], "name") if "name" in fields else None
        if "name" not in fields:
            self.fail(node, "topic has no name", "every topic needs 'name:', 'slug:' and 'include:'")
        label = f"topic {name!r}" if name else "this topic"
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
        include = self.phrases(fields["include"][1], f"{label}'s include") if "include" in fields else ()
        title_only = self.phrases(fields["title_only"][1], f"{label}'s title_only") if "title_only" in fields else ()
        exclude = self.phrases(fields["exclude"][1], f"{label}'s exclude") if "exclude" in fields else ()
        if not include and not title_only:
            where = fields["include"][1] if "include" in fields else node
            self.fail(where, f"{label} has no include phrases, so no paper can match it", "list phrases under 'include:'")
            return None
        if not name or not slug:
            return None
        return Topic(slug=slug, name=name, description=description, include=include, exclude=exclude, title_only=title_only)


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
    for key in ("min_score", "title_weight"):
        if key in fields:
            number = reader.whole_number(fields[key][1], key)
            if number is not None:
                settings[key] = number
    topics: list[Topic] = []
    if "topics" not in fields:
        if isinstance(root, yaml.MappingNode):
            reader.fail(root, "no 'topics:' list", "start the file with 'topics:' and list topics under it")
    elif not isinstance(fields["topics"][1], yaml.SequenceNode) or not fields["topics"][1].value:
        reader.fail(fields["topics"][1], "'topics' must be a non-empty list of topics", "each item starts with '- name: ...'")
    else:
        seen: dict[str, int] = {}
        for node in fields["topics"][1].value:
            topic = reader.topic(node, seen)
            if topic is not None:
                topics.append(topic)
    if reader.problems:
        return None, reader.problems
    return Taxonomy(tuple(topics), **settings), []


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
