"""Both readers on real files: the seed dumps and days of the daily papers API corpus."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from generator.pipeline.readers.hf_json import read_json_dump
from generator.pipeline.readers.text_dump import read_text_dump
from generator.problems import Severity
from tests.conftest import SEEDS

SEED_FILES = sorted(SEEDS.iterdir())
SEED_DAYS = {
    "000_5550a00ef71bc00d.txt": dt.date(2025, 8, 5),
    "001_cb0039ef6a4fb844.txt": dt.date(2025, 3, 14),
    "002_216e326a59f6f740.txt": dt.date(2025, 3, 17),
    "003_ddb0a157f22d12e4.txt": dt.date(2025, 3, 13),
    "004_2eef6c052809a697.txt": dt.date(2025, 7, 29),
}
HEADER = {"new", "get trending papers in your email inbox!", "subscribe", "daily papers", "byak and the research community"}


def paragraph_count(text: str) -> int:
    """Papers in a well-formed dump, counted independently of the reader: (paragraphs - header - day) / 2."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    body = [p for p in paragraphs if p.casefold() not in HEADER]
    return (len(body) - 1) // 2


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.name)
def test_seed_dump_reads_every_paper_at_its_line(seed: Path) -> None:
    data = seed.read_bytes()
    result = read_text_dump(data, f"dumps/{seed.name}", 2025)
    lines = data.decode("utf-8").splitlines()

    assert result.problems == ()
    assert len(result.entries) == paragraph_count(data.decode("utf-8"))
    assert [e.rank for e in result.entries] == list(range(1, len(result.entries) + 1))
    for entry in result.entries:
        assert entry.date == SEED_DAYS[seed.name]
        assert entry.source == f"dumps/{seed.name}"
        assert html.unescape(lines[entry.line - 1].strip()) == entry.title
        assert lines[entry.line].strip() == ""
        assert len(entry.abstract) > 300, entry.title
        assert html.unescape(lines[entry.line + 1].strip()) == entry.abstract


@pytest.mark.parametrize("seed", sorted(SEEDS.iterdir()), ids=lambda p: p.name)
def test_a_header_without_blank_lines_reads_like_the_seed(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    paragraphs = text.split("\n\n")
    day = next(i for i, paragraph in enumerate(paragraphs) if re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", paragraph.strip()))
    squeezed = "\n".join(p.strip() for p in paragraphs[: day + 1]) + "\n" + "\n\n".join(paragraphs[day + 1 :])
    assert squeezed != text
    expected, got = read_text_dump(text.encode(), "d.txt", 2025), read_text_dump(squeezed.encode(), "d.txt", 2025)
    assert got.problems == expected.problems and len(got.entries) == len(expected.entries) > 0
    assert [(e.title, e.abstract, e.date, e.rank) for e in got.entries] == [(e.title, e.abstract, e.date, e.rank) for e in expected.entries]


def test_crlf_bom_trailing_spaces_and_entities_read_like_the_clean_file() -> None:
    clean = (SEEDS / "003_ddb0a157f22d12e4.txt").read_text(encoding="utf-8")
    messy = "\ufeff" + "\r\n".join(line + "   " for line in clean.split("\n"))
    messy = messy.replace("Salamandra Technical Report", "Salamandra Technical Report &amp; Notes", 1)

    expected = read_text_dump(clean.encode(), "dumps/a.txt", 2025).entries
    got = read_text_dump(messy.encode("utf-8"), "dumps/a.txt", 2025).entries

    assert len(got) == len(expected)
    changed = [(e.title, g.title) for e, g in zip(expected, got, strict=False) if e.title != g.title]
    assert changed == [("Salamandra Technical Report", "Salamandra Technical Report & Notes")]
    assert [g.abstract for g in got] == [e.abstract for e in expected]
    assert [g.line for g in got] == [e.line for e in expected]


FILLER = "It keeps going for a while, as abstracts do, with methods, data sets, baselines and results stated one after another."
WRAPPED = f"""Daily Papers

Mar 14

A Title About Long Context

First line of an abstract that is wrapped
over several lines. {FILLER} {FILLER}
ends here.

A Second Paper: With a Subtitle

The second abstract starts here. It is long enough to read as an abstract and says things. {FILLER} {FILLER}

Its second paragraph follows, as long as a whole abstract. {FILLER} {FILLER} Code is at https://example.org/code.

Third Paper Without an Abstract

Fourth Paper Title

An abstract for the fourth. It has sentences. Several of them. {FILLER} {FILLER}
"""


def test_wrapped_and_two_paragraph_abstracts_and_missing_abstract() -> None:
    """Eight paragraphs, so strict alternation would fit by count, but it puts the second abstract's second
    paragraph where a title stands and it runs past any title: the reader finds the two breaks and warns at each."""
    result = read_text_dump(WRAPPED.encode(), "dumps/w.txt", 2025)
    titles = [e.title for e in result.entries]
    assert titles == ["A Title About Long Context", "A Second Paper: With a Subtitle", "Third Paper Without an Abstract", "Fourth Paper Title"]
    first, second, third, fourth = result.entries
    assert first.abstract == f"First line of an abstract that is wrapped over several lines. {FILLER} {FILLER} ends here."
    assert second.abstract.startswith("The second abstract starts here.")
    assert second.abstract.endswith(
        f"{FILLER} {FILLER} Its second paragraph follows, as long as a whole abstract. {FILLER} {FILLER} Code is at https://example.org/code."
    )
    assert third.abstract == ""
    assert [e.line for e in result.entries] == [5, 11, 17, 19]
    assert [(p.line, p.severity) for p in result.problems] == [(15, Severity.WARNING), (17, Severity.WARNING)]
    assert "read as the rest of the abstract of 'A Second Paper: With a Subtitle'" in result.problems[0].message
    assert "no abstract" in result.problems[1].message
    assert fourth.date == dt.date(2025, 3, 14)


@pytest.mark.parametrize(
    ("day_line", "file_name", "config_year", "expected"),
    [
        ("Mar 14, 2023", "dumps/2023-x.txt", 2022, dt.date(2023, 3, 14)),  # the day line's year first
        ("2023-03-14", "dumps/x.txt", 2022, dt.date(2023, 3, 14)),
        ("Mar 14", "dumps/2024-03-14.txt", 2022, dt.date(2024, 3, 14)),  # then the file name
        ("Mar 14", "dumps/x.txt", 2022, dt.date(2022, 3, 14)),  # then the config
        ("March 14", "dumps/x.txt", 2022, dt.date(2022, 3, 14)),
    ],
)
def test_year_rules(day_line: str, file_name: str, config_year: int, expected: dt.date) -> None:
    text = f"Daily Papers\n\n{day_line}\n\nSome Title\n\nAn abstract. It has two sentences.\n"
    result = read_text_dump(text.encode(), file_name, config_year)
    assert result.problems == ()
    assert [e.date for e in result.entries] == [expected]


@pytest.mark.parametrize(
    ("day_line", "file_name", "expected"),
    [
        ("Mar 14, 2023", "dumps/2024-01-01.txt", dt.date(2023, 3, 14)),
        ("2023-03-14", "dumps/2024-01-01-x.txt", dt.date(2023, 3, 14)),
        ("Dec 31", "dumps/2025-01-01.txt", dt.date(2025, 12, 31)),  # a year-less day line read in the file's year
    ],
)
def test_a_day_line_naming_another_day_than_the_file_is_reported(day_line: str, file_name: str, expected: dt.date) -> None:
    text = f"Daily Papers\n\n{day_line}\n\nSome Title\n\nAn abstract. It has two sentences.\n"
    result = read_text_dump(text.encode(), file_name, None)
    [problem] = result.problems
    assert problem.severity is Severity.WARNING and problem.line == 3
    assert f"says {expected}, the file name {file_name[6:16]}" in problem.message
    assert [e.date for e in result.entries] == [expected]


@pytest.mark.parametrize("day_line", ["0000-01-01", "2024-02-30", "Feb 30"])
def test_a_day_line_that_is_no_real_day_is_an_error_whatever_the_file_name(day_line: str) -> None:
    text = f"Daily Papers\n\n{day_line}\n\nSome Title\n\nAn abstract. It has two sentences.\n"
    result = read_text_dump(text.encode(), "dumps/2024-04-20.txt", None)
    assert result.entries == ()
    [problem] = result.problems
    assert problem.severity is Severity.ERROR and "is not a real day" in problem.message and problem.line == 3


def test_no_year_anywhere_is_an_error_that_says_how_to_fix_it() -> None:
    text = "new\n\nMar 14\n\nSome Title\n\nAn abstract. It has two sentences.\n"
    result = read_text_dump(text.encode(), "dumps/x.txt", None)
    assert result.entries == ()
    [problem] = result.problems
    assert problem.severity is Severity.ERROR
    assert problem.line == 3
    assert "year" in problem.message
    assert "year: 2025" in problem.hint and "YYYY" not in problem.message


def corpus_file(corpus_dir: Path, day: str) -> tuple[bytes, str]:
    return (corpus_dir / f"{day}.json").read_bytes(), f"dumps/{day}.json"


def test_json_day_of_objects(corpus_dir: Path) -> None:
    data, source = corpus_file(corpus_dir, "2024-05-27")
    raw = json.loads(data)
    result = read_json_dump(data, source, None)
    assert result.problems == ()
    assert len(result.entries) == len(raw)
    first = result.entries[0]
    assert first.arxiv_id == raw[0]["paper"]["id"]
    assert first.title == " ".join(raw[0]["paper"]["title"].split())
    assert "\n" not in first.abstract and first.abstract.startswith("High-resolution Large Multimodal Models")
    assert first.authors[0] == raw[0]["paper"]["authors"][0]["name"]
    assert first.upvotes == raw[0]["paper"]["upvotes"]
    assert first.published == raw[0]["paper"]["publishedAt"][:10]
    assert {e.date for e in result.entries} == {dt.date(2024, 5, 27)}
    lines = data.decode().splitlines()
    for entry in result.entries:  # the line where each item's object starts
        assert lines[entry.line - 1].strip() == "{"
    assert [e.line for e in result.entries] == sorted(e.line for e in result.entries)


def test_json_day_of_python_repr_strings(corpus_dir: Path) -> None:
    data, source = corpus_file(corpus_dir, "2024-12-11")
    raw = json.loads(data)
    assert all(isinstance(item, str) for item in raw)
    result = read_json_dump(data, source, None)
    assert result.problems == ()
    assert len(result.entries) == len(raw)
    assert all(e.arxiv_id and re.fullmatch(r"\d{4}\.\d{4,5}", e.arxiv_id) for e in result.entries)
    lines = data.decode().splitlines()
    assert all(lines[e.line - 1].lstrip().startswith('"{') for e in result.entries)


def test_json_wrapper_object_and_version_suffix(corpus_dir: Path) -> None:
    items = json.loads(corpus_file(corpus_dir, "2024-06-03")[0])
    items[0]["paper"]["id"] += "v2"
    wrapped = json.dumps({"status": "ok", "date": "2024-06-03", "count": len(items), "data": items}, indent=2)
    result = read_json_dump(wrapped.encode(), "dumps/export.json", None)  # the day comes from the wrapper
    assert result.problems == ()
    assert len(result.entries) == len(items)
    assert result.entries[0].arxiv_id == items[0]["paper"]["id"][:-2]
    assert result.entries[0].date == dt.date(2024, 6, 3)
    lines = wrapped.splitlines()
    assert all(lines[e.line - 1].strip() == "{" for e in result.entries)


def test_whole_corpus_reads_without_problems(corpus_dir: Path) -> None:
    entries = []
    for path in sorted(corpus_dir.glob("*.json")):
        result = read_json_dump(path.read_bytes(), f"dumps/{path.name}", None)
        assert result.problems == (), path.name
        entries.extend(result.entries)
    assert len(list(corpus_dir.glob("*.json"))) == 157
    assert len(entries) == 2202
    assert len({e.arxiv_id for e in entries}) == 2202
    assert all(e.title and e.abstract for e in entries)


PIECES = ["a", " ", "  ", "&amp;", "&#1;", "\x01", "\u200b", "\t", "\n", "\u00a0", "\ud800", "é", "&", "\x85"]


@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_the_json_readers_fast_clean_equals_the_full_one(text: str) -> None:
    from generator.pipeline.readers import hf_json
    from generator.pipeline.readers.common import drop_unshowable

    assert hf_json._clean(text) == " ".join(drop_unshowable(html.unescape(text)).split())


BYTE_PIECES = [
    b"a",
    b"\t",
    b"\n",
    b"\x00",
    b"\x1f",
    b"\x7f",
    b"\xc2\x80",
    b"\xc2\x9f",
    b"\xc2\xa0",
    b"\xef\xbf\xbe",
    b"\xef\xbf\xbf",
    b"\xef\xbf\xbd",
    "é".encode(),
    b"\xe2\x80\xa8",
]


@given(st.lists(st.sampled_from(BYTE_PIECES), max_size=12).map(b"".join))
def test_the_byte_check_never_misses_an_unshowable_character(data: bytes) -> None:
    from generator.pipeline.readers.common import drop_unshowable, may_hold_unshowable

    text = data.decode("utf-8")
    if not may_hold_unshowable(data):
        assert drop_unshowable(text) == text
    assert may_hold_unshowable(data) == (drop_unshowable(text) != text)  # and it is exact: no needless scan either


JSON_PIECES = ["[", "]", "{", "}", ",", ":", " ", "\n", "\r\n", "\t", '"a"', '"\\u005d"', "1", "-2.5e3", "null", "true", "x", "[1, 2]", '{"k": [3]}']


@example("[1,,2]")
@example("[1] x")
@example("[1 2]")
@example("[]")
@example(' \n[ {"a": 1} ,\n"b" ] \n')
@given(st.lists(st.sampled_from(JSON_PIECES), max_size=14).map("".join))
def test_the_one_pass_array_decode_agrees_with_json_loads(text: str) -> None:
    from generator.pipeline.readers import hf_json

    decoded = hf_json._array_with_offsets(text)
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        assert decoded is None  # json.loads reports what is wrong
        return
    if not isinstance(document, list):
        assert decoded is None
        return
    assert decoded is not None
    items, offsets = decoded
    assert items == document
    assert offsets == hf_json._item_offsets(text, text.index("["))


@pytest.mark.parametrize(
    ("wrapper_date", "file_name", "severity", "date"),
    [
        ("0000-01-01", "dumps/2024-04-20.json", Severity.ERROR, None),
        ("2024-02-30", "dumps/2024-04-20.json", Severity.ERROR, None),
        ("2024-04-19", "dumps/2024-04-20.json", Severity.WARNING, dt.date(2024, 4, 19)),
    ],
)
def test_a_json_dump_date_that_is_no_real_day_or_not_the_file_names_is_reported(
    wrapper_date: str, file_name: str, severity: Severity, date: dt.date | None
) -> None:
    document = {"status": "ok", "date": wrapper_date, "count": 1, "data": [{"title": "A paper", "summary": "Its abstract."}]}
    result = read_json_dump(json.dumps(document).encode(), file_name, None)
    [problem] = result.problems
    assert problem.severity is severity and wrapper_date in problem.message + str(date)
    assert [e.date for e in result.entries] == ([date] if date else [])


def test_a_json_file_name_that_is_no_real_day_is_an_error() -> None:
    result = read_json_dump(b'[{"title": "A paper", "summary": "Its abstract."}]', "dumps/2024-02-30.json", None)
    assert result.entries == () and result.problems[0].severity is Severity.ERROR
