"""Property tests: the readers survive any bytes and locate every entry; dedupe loses nothing and keeps ids."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import string
import unicodedata

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from generator.config import DedupeSettings
from generator.memo import Memo
from generator.model import Entry
from generator.pipeline.dedupe import dedupe
from generator.pipeline.normalize import DASHES, INVISIBLE, LATEX_REMNANTS, NON_WORD, QUOTES, normalize_title
from generator.pipeline.readers import ParseResult
from generator.pipeline.readers.hf_json import read_json_dump
from generator.pipeline.readers.text_dump import BOILERPLATE, parse_day_line, read_text_dump
from generator.problems import Problem

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def editor_lines(data: bytes) -> list[str]:
    """The file's lines as an editor numbers them (universal newlines: \\n, \\r\\n and \\r)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=None).read().split("\n")


def assert_well_formed(result: ParseResult, data: bytes) -> None:
    assert isinstance(result, ParseResult)
    line_count = len(editor_lines(data)) if result.entries else None
    for problem in result.problems:
        assert isinstance(problem, Problem)
        assert problem.line is None or problem.line >= 1
        assert "\n" not in problem.format()
    for entry in result.entries:
        assert entry.title and entry.title == entry.title.strip()
        for text in (entry.title, entry.abstract, *entry.authors):
            text.encode("utf-8")  # no lone surrogates: every output format must be able to carry it
            assert not XML_FORBIDDEN.search(text)
        assert line_count is not None and 1 <= entry.line <= line_count
        assert [e.rank for e in result.entries] == list(range(1, len(result.entries) + 1))


# --- readers never raise -------------------------------------------------------------------------

dump_like_bytes = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.sampled_from(["Mar 14", "Feb 30", "2025-03-14", "new", "Subscribe", "", "", "\r", "A Title", "An abstract. It goes.", "\x00", "é", "\ufeff"]),
        max_size=30,
    ).map(lambda parts: "\n".join(parts).encode("utf-8")),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


@FAST
@given(data=dump_like_bytes, year=st.one_of(st.none(), st.integers(1900, 2999)))
def test_text_reader_never_raises(data: bytes, year: int | None) -> None:
    assert_well_formed(read_text_dump(data, "dumps/x.txt", year), data)


ITEM_KEYS = st.sampled_from(["title", "paper", "summary", "authors", "id", "name", "upvotes", "publishedAt", "data", "date"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ITEM_KEYS | st.text(max_size=5), children, max_size=5),
    max_leaves=20,
)
json_documents = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.lists(json_values, max_size=5).map(lambda items: json.dumps(items).encode()),
    st.lists(json_values.map(repr), max_size=5).map(lambda items: json.dumps(items).encode()),  # items stored as Python repr
    st.builds(lambda items, date: json.dumps({"date": date, "data": items}).encode(), st.lists(json_values, max_size=5), st.text(max_size=12)),
    st.integers(1, 5000).map(lambda depth: b"[" * depth),
)


@FAST
@example(data=b'[{"title": "T", "authors": 5}]', name="dumps/2024-05-27.json")
@example(data=b'["{[]: 1}"]', name="dumps/2024-05-27.json")
@example(data=b'[{"title": "T\\ud800\\u0000", "id": "../../etc/passwd"}]', name="dumps/2024-05-27.json")
@given(data=json_documents, name=st.sampled_from(["dumps/2024-05-27.json", "dumps/undated.json", "dumps/2024-02-30.json"]))
def test_json_reader_never_raises(data: bytes, name: str) -> None:
    assert_well_formed(read_json_dump(data, name, None), data)


# --- every entry points at its title line -----------------------------------------------------------

WORDS = st.text(alphabet=string.ascii_letters + string.digits + "éüßΩ中-:+'\u200b\u202e", min_size=1, max_size=10)


def is_plain_title(text: str) -> bool:
    return text.casefold() not in BOILERPLATE and parse_day_line(text) is None and not text.endswith(".")


titles = st.lists(WORDS, min_size=1, max_size=8).map(" ".join).filter(is_plain_title)
abstracts = st.lists(WORDS, min_size=3, max_size=30).map(lambda words: " ".join(words) + ".")


@st.composite
def text_dumps(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, str, int]]]:
    """A dump written line by line, recording the line number of each title as it is written."""
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines: list[str] = []

    def blank() -> None:
        lines.extend([draw(st.sampled_from(["", " ", "\t"]))] * draw(st.integers(1, 3)))

    for header in draw(st.lists(st.sampled_from(["new", "Subscribe", "Daily Papers", "byAK and the research community"]), max_size=4)):
        lines.append(header)
        blank()
    lines.append(draw(st.sampled_from(["Mar 14", "March 14, 2025", "2025-03-14"])))
    expected: list[tuple[str, str, int]] = []
    for title, abstract in draw(st.lists(st.tuples(titles, abstracts), min_size=1, max_size=6)):
        blank()
        lines.append(title + draw(st.sampled_from(["", "  "])))
        expected.append((title, abstract, len(lines)))
        blank()
        words = abstract.split(" ")
        cut = draw(st.integers(1, len(words)))
        lines.append(" ".join(words[:cut]))
        if cut < len(words):
            lines.append(" ".join(words[cut:]))  # the abstract wraps onto a second line
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return (bom + newline.join(lines) + newline).encode("utf-8"), expected


@FAST
@given(dump=text_dumps())
def test_text_entries_point_at_their_title_line(dump: tuple[bytes, list[tuple[str, str, int]]]) -> None:
    data, expected = dump
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert result.problems == ()
    assert [(e.title, e.abstract, e.line) for e in result.entries] == expected
    lines = editor_lines(data)
    for entry in result.entries:
        assert lines[entry.line - 1].strip() == entry.title


items = st.builds(
    lambda title, summary, number: {"paper": {"id": f"2405.{number:05d}", "title": title, "summary": summary, "authors": [{"name": "A. Author"}]}},
    titles,
    abstracts,
    st.integers(0, 99999),
)


@st.composite
def json_dumps(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, int]]]:
    """A JSON array written by hand with random layout, recording the line where each item starts."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    chosen = draw(st.lists(items, min_size=1, max_size=6))
    lines = ["["]
    expected: list[tuple[str, int]] = []
    for index, item in enumerate(chosen):
        lines.extend([""] * draw(st.integers(0, 2)))
        indent = draw(st.sampled_from([None, 2]))
        expected.append((item["paper"]["title"], len(lines) + 1))
        text = json.dumps(item, indent=indent, ensure_ascii=draw(st.booleans()))
        lines.extend((text + ("," if index < len(chosen) - 1 else "")).split("\n"))
    lines.append("]")
    return newline.join(lines).encode("utf-8"), expected


@FAST
@given(dump=json_dumps())
def test_json_entries_point_at_the_line_their_item_starts(dump: tuple[bytes, list[tuple[str, int]]]) -> None:
    data, expected = dump
    result = read_json_dump(data, "dumps/2024-05-27.json", None)
    assert result.problems == ()
    assert [(e.title, e.line) for e in result.entries] == expected
    lines = editor_lines(data)
    assert all(lines[e.line - 1].lstrip().startswith("{") for e in result.entries)


def test_unicode_line_separators_inside_a_title_do_not_shift_line_numbers() -> None:
    data = "Mar 14\n\nOne\u2028Title\x85Here\n\nAn abstract. Yes.\n\nTwo\n\nAnother abstract.\n".encode()
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert [(e.title, e.line) for e in result.entries] == [("One\u2028TitleHere", 3), ("Two", 7)]


# --- dedupe invariants ------------------------------------------------------------------------------

BASE_TITLES = [
    "Scaling Laws for Neural Language Models",
    "Attention Is All You Need",
    "Denoising Diffusion Probabilistic Models",
    "LoRA: Low-Rank Adaptation of Large Language Models",
    "Scaling Laws for Neural Machine Translation",
    "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models",
]
BASE_ABSTRACT = "We study {} in depth. Our experiments on many benchmarks show consistent gains over strong baselines."


@st.composite
def variant_title(draw: st.DrawFn) -> tuple[int, str]:
    """One of a few papers, as real dumps show it: recased, re-punctuated, or with a word cut."""
    index = draw(st.integers(0, len(BASE_TITLES) - 1))
    title = BASE_TITLES[index]
    change = draw(st.sampled_from(["same", "upper", "lower", "dash", "cut", "other"]))
    if change == "upper":
        title = title.upper()
    elif change == "lower":
        title = title.lower()
    elif change == "dash":
        title = title.replace(" ", " - ", 1)
    elif change == "cut":
        title = title.rsplit(" ", 1)[0]
    elif change == "other":
        title = f"{title} {draw(st.sampled_from(['Revisited', 'II', 'at Scale']))}"
    return index, title


@st.composite
def dumps_of_entries(draw: st.DrawFn, first_day: dt.date, count: int) -> list[Entry]:
    entries: list[Entry] = []
    for day_offset in range(count):
        date = first_day + dt.timedelta(days=day_offset)
        source = f"dumps/{date.isoformat()}.txt"
        for rank, (index, title) in enumerate(draw(st.lists(variant_title(), min_size=1, max_size=5)), start=1):
            abstract = BASE_ABSTRACT.format(BASE_TITLES[index].lower())
            if draw(st.booleans()):
                abstract = abstract[: draw(st.integers(10, len(abstract)))]
            arxiv = draw(st.sampled_from([None, f"2401.{index:05d}"]))
            entries.append(Entry(date=date, rank=rank, title=title, abstract=abstract, source=source, line=rank * 4, arxiv_id=arxiv))
    return entries


DAY_ONE = dt.date(2025, 3, 1)


@FAST
@given(entries=dumps_of_entries(DAY_ONE, 4))
def test_every_entry_ends_in_exactly_one_paper(entries: list[Entry]) -> None:
    papers = dedupe(entries, DedupeSettings()).papers
    assert sum(len(p.appearances) for p in papers) == len(entries)
    placed = sorted((a.source, a.line) for p in papers for a in p.appearances)
    assert placed == sorted((e.source, e.line) for e in entries)
    assert len({p.id for p in papers}) == len(papers)


@FAST
@given(earlier=dumps_of_entries(DAY_ONE, 3), later=dumps_of_entries(DAY_ONE + dt.timedelta(days=3), 3))
def test_ids_are_stable_when_dumps_are_appended(earlier: list[Entry], later: list[Entry]) -> None:
    def id_of_each_entry(entries: list[Entry]) -> dict[tuple[str, int], str]:
        return {(a.source, a.line): p.id for p in dedupe(entries, DedupeSettings()).papers for a in p.appearances}

    before = id_of_each_entry(earlier)
    after = id_of_each_entry(earlier + later)
    assert {key: after[key] for key in before} == before


@FAST
@given(entries=dumps_of_entries(DAY_ONE, 4), seed=st.randoms(use_true_random=False))
def test_dedupe_does_not_depend_on_input_order(entries: list[Entry], seed: object) -> None:
    shuffled = list(entries)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    assume(shuffled != entries)
    assert dedupe(shuffled, DedupeSettings()) == dedupe(entries, DedupeSettings())


def chronological_key(entry: Entry) -> tuple[dt.date, str, int, int]:
    return entry.date, entry.source, entry.rank, entry.line


@FAST
@given(
    builds=st.lists(st.tuples(dumps_of_entries(DAY_ONE, 4), st.integers(0, 40)), min_size=2, max_size=4),
)
def test_a_memoized_rebuild_dedupes_as_a_clean_build(builds: list[tuple[list[Entry], int]]) -> None:
    """A preview session rolls its last fold back to the entries the next build begins with: no build may show it.

    Each build keeps the first `keep` entries (in the order taken) of the build before and
    takes the rest from a new draw, so the rollbacks reach every depth, arXiv ids included.
    """
    memo = Memo(carried=True)  # a preview session's: kept across builds
    previous: list[Entry] = []
    for drawn, keep in builds:
        kept = sorted(previous, key=chronological_key)[:keep]
        taken = {chronological_key(e) for e in kept}
        entries = kept + [e for e in drawn if chronological_key(e) not in taken]
        result = dedupe(entries, DedupeSettings(), memo)
        assert result == dedupe(entries, DedupeSettings())
        ordered, before = sorted(entries, key=chronological_key), sorted(previous, key=chronological_key)
        shared = next((n for n, (a, b) in enumerate(zip(ordered, before, strict=False)) if a != b), min(len(ordered), len(before)))
        assert result.reused == shared
        memo.commit()
        previous = entries


def normalized_by_definition(title: str) -> str:
    """normalize_title spelled out plainly, one step at a time: what its fast paths must agree with."""
    if "&" in title:
        title = html.unescape(html.unescape(title))
    text = unicodedata.normalize("NFKC", title).translate(DASHES).translate(QUOTES).translate(INVISIBLE)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold().translate(LATEX_REMNANTS)
    return NON_WORD.sub(" ", text).strip()


TRICKY = ["é", "İ", "ﬁ", "–", "’", "“", "\u200b", "\u00ad", "&amp;amp;", "&lt;", "$E^{2}$", "\\", "\x1c", "\t", "\xa0", "Ⅻ", "ǅ", "ß", "  "]


@FAST
@given(
    st.one_of(
        st.text(st.sampled_from(string.printable + "\x1c\x1f"), max_size=60),  # ASCII: the fast path
        st.lists(st.one_of(st.sampled_from(TRICKY), st.characters(codec="utf-8"), st.sampled_from(string.printable)), max_size=60).map("".join),
    )
)
@example('E$^{2}$-LLM: {Efficient}   and \\Fast\tLarge-Scale "Models" &amp;amp; more')
@example("E$^{2}$-LLM: Efficient   and Élégant – Large-Scale “Models”")
@example("Ça\u0301 va\x1cbien")
def test_normalize_title_is_its_definition_for_any_text(title: str) -> None:
    assert normalize_title(title) == normalized_by_definition(title)
