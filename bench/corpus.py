"""A deterministic corpus maker: n feed entries built from real papers, with ground truth.

Real titles and abstracts come from tests/data (the seed dumps and the JSON corpus).
Papers recur on a few later days, often as a realistic variant (subtitle added, a
word changed, a typo fixed, LaTeX remnants, an abstract cut short, HTML entities,
case, dash and quote changes). Past the real papers, distinct papers are synthesized
from real vocabulary: a coined name that is unique per paper, the rest of a real
title, and sentences drawn from many real abstracts, so n can reach 1,000,000
without two papers sharing a title.

`make_corpus(n, seed)` also says which entries are the same paper (`paper_of`), so
benchmarks and tests can measure the dedupe engine's precision and recall.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
import tarfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.model import Entry
from generator.pipeline.normalize import normalize_title
from generator.pipeline.readers.hf_json import read_json_dump
from generator.pipeline.readers.text_dump import TITLE_MAX, read_text_dump

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SEEDS = DATA / "seeds"
CORPUS_ARCHIVE = DATA / "hf-daily-2024.tar.xz"
FIRST_DAY = dt.date(2000, 1, 3)
ENTRIES_PER_DUMP = 30
RECUR_SHARE = 0.35  # share of papers that come back on later days
VARIANT_SHARE = 0.6  # share of comebacks that are not word for word the first appearance
SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]])\.\s+(?=[A-Z(])")
SYLLABLES = tuple(
    [
        "ka",
        "ri",
        "to",
        "mu",
        "ne",
        "sa",
        "vo",
        "li",
        "de",
        "pa",
        "zu",
        "fe",
        "go",
        "hi",
        "ja",
        "lo",
        "mi",
        "nu",
        "ra",
        "si",
        "ta",
        "ve",
        "wo",
        "xa",
        "yu",
        "zi",
        "bo",
        "ce",
        "du",
        "ek",
    ]
)
SUBTITLES = (
    "A Unified Framework",
    "Towards Scalable Reasoning",
    "An Empirical Study",
    "Benchmark and Analysis",
    "Scaling Up with Less Data",
    "A Simple Baseline",
    "Lessons from Practice",
    "Theory and Experiments",
)
WORD_CHANGES = (
    ("Towards ", "Toward "),
    (" via ", " with "),
    (" Using ", " with "),
    ("LLMs", "Large Language Models"),
    ("Large Language Models", "LLMs"),
    (" for ", " in "),
    (" Models", " Model"),
    ("Efficient ", "Effective "),
    (" and ", " & "),
    ("Learning", "Training"),
)


@dataclass(frozen=True, slots=True)
class RealPaper:
    title: str
    abstract: str


@dataclass(frozen=True, slots=True)
class Corpus:
    entries: tuple[Entry, ...]  # chronological: by date, then dump, then rank
    paper_of: tuple[int, ...]  # paper_of[i]: the paper entries[i] is an appearance of (ground truth)

    def same_paper_pairs(self) -> int:
        sizes: dict[int, int] = {}
        for paper in self.paper_of:
            sizes[paper] = sizes.get(paper, 0) + 1
        return sum(size * (size - 1) // 2 for size in sizes.values())


SENTENCE_BREAK = re.compile(r"[a-z0-9)]\.\s+[A-Z(]")


def looks_like_abstract(text: str) -> bool:
    """Whether text reads like prose: the corpus keeps only real papers (and variants) that look the part."""
    return len(text) > TITLE_MAX or bool(SENTENCE_BREAK.search(text)) or text.endswith(".")


def looks_like_title(text: str) -> bool:
    return not looks_like_abstract(text)


@functools.lru_cache(maxsize=1)
def real_papers() -> tuple[RealPaper, ...]:
    """Every distinct paper of the seeds and the JSON corpus, in a fixed order."""
    found: list[RealPaper] = []
    seen: set[str] = set()

    def keep(entries: Sequence[Entry]) -> None:
        for entry in entries:
            title = " ".join(entry.title.split()).rstrip(".")
            abstract = " ".join(entry.abstract.split())
            # A real pair that shares its abstract's opening reads as one paper to any reader: keep the first.
            keys = (normalize_title(title), normalize_title(abstract).replace(" ", "")[:150])
            if seen.intersection(keys) or not looks_like_title(title) or not looks_like_abstract(abstract) or len(abstract) < 200:
                continue
            seen.update(keys)
            found.append(RealPaper(title, abstract))

    for seed in sorted(SEEDS.iterdir()):
        keep(read_text_dump(seed.read_bytes(), seed.name, 2025).entries)
    with tarfile.open(CORPUS_ARCHIVE) as archive:
        members = sorted((m for m in archive.getmembers() if m.name.endswith(".json")), key=lambda m: m.name)
        for member in members:
            handle = archive.extractfile(member)
            if handle is not None:
                keep(read_json_dump(handle.read(), member.name, None).entries)
    return tuple(found)


@functools.lru_cache(maxsize=1)
def sentence_pool() -> tuple[str, ...]:
    return tuple(s.rstrip(".") + "." for paper in real_papers() for s in SENTENCE_END.split(paper.abstract) if len(s) > 40)


def coined_name(index: int) -> str:
    """A made-up method name, different for every index (a bijective base-32 numeral of syllables)."""
    parts: list[str] = []
    number = index + len(SYLLABLES)  # at least two syllables
    while number:
        number, digit = divmod(number, len(SYLLABLES))
        parts.append(SYLLABLES[digit])
    word = "".join(reversed(parts))
    return word[0].upper() + word[1:]


def synthesized_paper(index: int, rng: random.Random) -> RealPaper:
    reals, sentences = real_papers(), sentence_pool()
    base = reals[rng.randrange(len(reals))].title
    rest = base.split(": ", 1)[1] if ": " in base else base
    if rng.random() < 0.3:
        other = reals[rng.randrange(len(reals))].title.split()
        cut = max(1, len(rest.split()) // 2)
        rest = " ".join(rest.split()[:cut] + other[len(other) // 2 :])
    name = coined_name(index)
    title = f"{name}: {rest}".rstrip(".")
    picked = [sentences[rng.randrange(len(sentences))] for _ in range(rng.randint(4, 7))]
    abstract = f"{picked[0]} We introduce {name}, {picked[1][0].lower()}{picked[1][1:]} " + " ".join(picked[2:])
    return RealPaper(title, abstract)


def _swap_letters(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return text + "s"
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _title_subtitle(title: str, rng: random.Random) -> str:
    if ": " in title and rng.random() < 0.3:
        return title.split(": ", 1)[1]  # the name dropped, the description kept
    return f"{title}: {rng.choice(SUBTITLES)}" if ": " not in title else f"{title} ({rng.choice(SUBTITLES)})"


def _title_word(title: str, rng: random.Random) -> str:
    usable = [(old, new) for old, new in WORD_CHANGES if old in title]
    if usable:
        old, new = rng.choice(usable)
        return title.replace(old, new, 1)
    words = title.split()
    if len(words) > 4:
        i = rng.randrange(1, len(words))
        return " ".join(words[:i] + words[i + 1 :])  # a word dropped
    return "Efficient " + title


def _latex(text: str, rng: random.Random) -> str:
    if "^" in text:
        return re.sub(r"\^(\w+)", r" \1 ", text).replace("  ", " ")  # E^2-LLM -> E 2 -LLM
    if re.search(r"\b\w+ \d+ -", text):
        return re.sub(r"\b(\w+) (\d+) -", r"\1^\2-", text)
    match = re.search(r"\b\d+(?:\.\d+)?[A-Za-z]*\b", text)
    if match:
        return text[: match.start()] + "$" + match.group() + "$" + text[match.end() :]
    return text.replace(" ", "  ", 1)


def _case(title: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return title.upper() if len(title) < 60 else title.lower()
    return " ".join(w if w.isupper() or i == 0 else w.lower() for i, w in enumerate(title.split(" ")))


def _dash_quote(text: str, rng: random.Random) -> str:
    changed = text.replace("-", "\u2013" if rng.random() < 0.5 else "\u2011").replace("'", "\u2019")
    return changed if changed != text else text.replace(": ", " \u2014 ", 1) if ": " in text else text + "."


def _entities(text: str, rng: random.Random) -> str:
    changed = text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&quot;")
    return changed if changed != text else text.replace(" and ", " &amp; ", 1) if " and " in text else text + " "


def _trailing(title: str, rng: random.Random) -> str:
    return title + rng.choice((".", " .", "  ", "!"))


def _cut_abstract(abstract: str, rng: random.Random) -> str:
    keep = max(320, int(len(abstract) * rng.uniform(0.35, 0.85)))
    if keep >= len(abstract) - 20:
        keep = len(abstract) * 2 // 3
    cut = abstract[:keep].rsplit(" ", 1)[0]
    return cut + rng.choice(("...", "\u2026", "", " ..."))


def _revise_abstract(abstract: str, rng: random.Random) -> str:
    sentences = SENTENCE_END.split(abstract)
    if len(sentences) > 3:
        i = rng.randrange(1, len(sentences))
        return ". ".join(sentences[:i] + sentences[i + 1 :])
    return abstract.replace(" the ", " our ", 1)


TITLE_VARIANTS: tuple[Callable[[str, random.Random], str], ...] = (
    _title_subtitle,
    _title_word,
    _swap_letters,
    _latex,
    _case,
    _dash_quote,
    _entities,
    _trailing,
)
ABSTRACT_VARIANTS: tuple[Callable[[str, random.Random], str], ...] = (_cut_abstract, _entities, _latex, _revise_abstract, _dash_quote)


def variant_of(paper: RealPaper, rng: random.Random) -> RealPaper:
    """A later appearance of the same paper: word for word, or revised in one or two ways."""
    if rng.random() >= VARIANT_SHARE:
        return paper
    title, abstract = paper.title, paper.abstract
    roll = rng.random()
    if roll < 0.45:
        title = rng.choice(TITLE_VARIANTS)(title, rng)
    elif roll < 0.8:
        abstract = rng.choice(ABSTRACT_VARIANTS)(abstract, rng)
    else:
        title = rng.choice(TITLE_VARIANTS)(title, rng)
        abstract = rng.choice(ABSTRACT_VARIANTS)(abstract, rng)
    if not looks_like_title(title.strip()):
        title = paper.title
    if not looks_like_abstract(abstract):
        abstract = paper.abstract
    return RealPaper(title, abstract)


def make_corpus(n: int, seed: int = 0) -> Corpus:
    """n entries over consecutive days, 1-2 dumps a day, with recurrences and variants."""
    rng = random.Random(seed)
    reals = list(real_papers())
    rng.shuffle(reals)
    originals: list[RealPaper] = []
    comebacks: dict[int, list[int]] = {}  # day -> papers scheduled to come back that day
    entries: list[Entry] = []
    paper_of: list[int] = []
    day = 0
    while len(entries) < n:
        todays = comebacks.pop(day, [])
        size = rng.randint(36, 60)
        shown: list[tuple[int, RealPaper]] = [(p, variant_of(originals[p], rng)) for p in todays[:size]]
        while len(shown) < size:
            index = len(originals)
            paper = reals[index] if index < len(reals) else synthesized_paper(index, rng)
            originals.append(paper)
            shown.append((index, paper))
            if rng.random() < RECUR_SHARE:
                for later in sorted(rng.sample(range(1, 8), rng.randint(1, 3))):
                    comebacks.setdefault(day + later, []).append(index)
        rng.shuffle(shown)
        date = FIRST_DAY + dt.timedelta(days=day)
        for start in range(0, len(shown), ENTRIES_PER_DUMP):
            source = f"dumps/{date.isoformat()}-{start // ENTRIES_PER_DUMP + 1:02d}.txt"
            for rank, (index, paper) in enumerate(shown[start : start + ENTRIES_PER_DUMP], start=1):
                if len(entries) == n:
                    break
                # The dump writer puts the day on line 1, then title and abstract lines, blank lines between.
                entries.append(Entry(date, rank, paper.title, paper.abstract, source, 3 + 4 * (rank - 1)))
                paper_of.append(index)
        day += 1
    return Corpus(tuple(entries), tuple(paper_of))


def make_entries(n: int, seed: int = 0) -> list[Entry]:
    return list(make_corpus(n, seed).entries)


def write_text_dumps(entries: Sequence[Entry], folder: Path) -> list[Path]:
    """One text dump per entry source (a day's chunk), with a `YYYY-MM-DD` day line; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    by_source: dict[str, list[Entry]] = {}
    for entry in entries:
        by_source.setdefault(entry.source, []).append(entry)
    written: list[Path] = []
    for source in sorted(by_source):
        chunk = sorted(by_source[source], key=lambda e: e.rank)
        lines = [chunk[0].date.isoformat(), ""]
        for entry in chunk:
            lines += [entry.title, "", entry.abstract, ""]
        path = folder / source.removeprefix("dumps/")
        path.write_text("\n".join(lines), encoding="utf-8")
        written.append(path)
    return written
