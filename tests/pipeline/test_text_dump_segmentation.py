"""Text dumps are read by their structure (title and abstract paragraphs alternate): no paper is lost or glued
to another, whatever its title's punctuation, and every place the alternation breaks is a warning at its line."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.pipeline.readers.common import UNSHOWABLE
from generator.pipeline.readers.hf_json import read_json_dump
from generator.pipeline.readers.text_dump import BOILERPLATE, TITLE_MAX, parse_day_line, read_text_dump
from generator.problems import Severity

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
HEADER = ["new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers", "byAK and the research community"]
ABSTRACT = (
    "We study {} and find that a simple recipe matches far larger systems. Experiments on twelve benchmarks, "
    "with ablations over data, scale and training time, show consistent gains over strong baselines, and we "
    "release code, weights and data so that others can build on this work. The recipe needs no extra labels."
)  # as long as a real abstract: longer than any title can be


def wrapped(text: str, width: int) -> list[str]:
    """The text's words in lines of about `width` characters: the reader joins them back with single spaces."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current]


def dump_of(paragraphs: list[str], day_line: str = "Mar 14") -> bytes:
    return "\n\n".join([*HEADER, day_line, *paragraphs]).encode() + b"\n"


def line_of(data: bytes, paragraph: str) -> int:
    return data.decode().split("\n").index(paragraph) + 1


def pairs(result_entries: tuple) -> list[tuple[str, str]]:
    return [(e.title, e.abstract) for e in result_entries]


# --- the issue's dump ------------------------------------------------------------------------------

ISSUE_TITLES = ["Scaling Laws for Sparse Mixtures", "Reconstruction vs. Generation: Taming Optimization Dilemma", "Less is More.", "Dense Retrieval at Scale"]


def test_titles_that_read_like_prose_are_still_titles() -> None:
    papers = [(title, ABSTRACT.format(f"paper {number}")) for number, title in enumerate(ISSUE_TITLES)]
    result = read_text_dump(dump_of([text for paper in papers for text in paper]), "dumps/x.txt", 2025)
    assert result.problems == ()
    assert pairs(result.entries) == papers


# --- round trip: any paper list written as the page writes it reads back as it was ---------------------

TRICKY = ["vs.", "e.g.", "i.e.", "et al.", "No.", "Fig.", "3.5", "v2.0", "U.S.", "(e.g.,", "Dr.", "etc.", "&", "<b>", "—", "“Quoted”", "é", "Ω", "中文"]
WORDS = st.one_of(st.sampled_from(TRICKY), st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'", min_size=1, max_size=12))
ENDINGS = st.sampled_from(["", ".", "?", "!", ":", "...", " vs.", " et al."])


def clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


@st.composite
def titles(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, min_size=1, max_size=draw(st.sampled_from([1, 3, 12, 60]))))
    title = clipped(" ".join(words) + draw(ENDINGS), TITLE_MAX)
    return title if parse_day_line(title) is None else title + " Too"


@st.composite
def abstracts(draw: st.DrawFn) -> str:
    stops = st.sampled_from([".", "?", "!", ". (See Fig. 3.)"])
    sentences = [" ".join(draw(st.lists(WORDS, min_size=1, max_size=40))) + draw(stops) for _ in range(draw(st.integers(1, 6)))]
    text = " ".join(sentences)
    return text if parse_day_line(text) is None else text + " Too"


@st.composite
def page_dumps(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, str]]]:
    """A dump as the page reads: header lines, the day, then each title and its abstract as paragraphs."""
    papers = draw(st.lists(st.tuples(titles(), abstracts()), min_size=1, max_size=12))
    escape = draw(st.booleans())  # a page saved as HTML text keeps its entities: the reader decodes them

    def shown(text: str) -> str:
        return html.escape(text, quote=False) if escape else text

    lines = [line for line in HEADER if draw(st.booleans())]
    lines = [part for line in lines for part in (line, "")] if draw(st.booleans()) else lines
    lines.append(draw(st.sampled_from(["Mar 14", "March 14, 2025", "2025-03-14"])))
    for title, abstract in papers:
        lines += [""] * draw(st.integers(1, 3))
        lines.append(shown(title))
        lines += [""] * draw(st.integers(1, 2))
        width = draw(st.sampled_from([10_000, 80, 30, 1]))  # one line, wrapped, or a word a line
        lines += wrapped(shown(abstract), width)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return (draw(st.sampled_from(["", "\ufeff"])) + newline.join(lines) + newline).encode(), papers


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@example(dump=(dump_of([text for title in ISSUE_TITLES for text in (title, "Short.")]), [(title, "Short.") for title in ISSUE_TITLES]))
@example(dump=(dump_of(["One.", "Two.", "Three.", "Four."]), [("One.", "Two."), ("Three.", "Four.")]))
@given(dump=page_dumps())
def test_a_dump_written_from_papers_reads_back_the_same_papers(dump: tuple[bytes, list[tuple[str, str]]]) -> None:
    data, papers = dump
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert result.problems == ()
    assert pairs(result.entries) == papers


# --- where the alternation breaks: the reading chosen, and a warning at the line ---------------------------

PAPERS = [(f"Paper Number {n}: Less Is More.", ABSTRACT.format(f"topic {n}")) for n in range(4)]  # titles that read like prose
FLAT = [text for paper in PAPERS for text in paper]
SECOND_PART = "In a second paragraph the abstract goes on: " + ABSTRACT.format("the same topic")


def warnings_at(result_problems: tuple) -> list[tuple[int | None, str]]:
    assert all(problem.severity is Severity.WARNING for problem in result_problems)
    return [(problem.line, problem.message) for problem in result_problems]


def test_a_missing_abstract_leaves_a_title_alone_and_says_where() -> None:
    data = dump_of([*FLAT[:3], *FLAT[4:]])  # paper 1 lost its abstract: two short paragraphs in a row
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert pairs(result.entries) == [PAPERS[0], (PAPERS[1][0], ""), *PAPERS[2:]]
    assert warnings_at(result.problems) == [(line_of(data, PAPERS[1][0]), "title 'Paper Number 1: Less Is More.' has no abstract")]


def test_a_missing_last_abstract_leaves_the_last_title_alone() -> None:
    data = dump_of(FLAT[:-1])
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert pairs(result.entries) == [*PAPERS[:3], (PAPERS[3][0], "")]
    assert warnings_at(result.problems) == [(line_of(data, PAPERS[3][0]), "title 'Paper Number 3: Less Is More.' has no abstract")]


def test_an_abstract_in_two_paragraphs_is_joined_and_says_where() -> None:
    data = dump_of([*FLAT[:4], SECOND_PART, *FLAT[4:]])
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert pairs(result.entries) == [PAPERS[0], (PAPERS[1][0], f"{PAPERS[1][1]} {SECOND_PART}"), *PAPERS[2:]]
    [(line, message)] = warnings_at(result.problems)
    assert line == line_of(data, SECOND_PART)
    assert message == (
        "paragraph 'In a second paragraph the abstract goes on: We study the sa…' is read as the rest of the abstract of 'Paper Number 1: Less Is More.'"
    )


def test_a_short_second_paragraph_is_kept_as_a_title_and_says_where() -> None:
    """Too short for an abstract: read as a title of its own, so nothing is glued, and warned at its line."""
    data = dump_of([*FLAT[:4], "Code: https://example.org/code.", *FLAT[4:]])
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert pairs(result.entries) == [*PAPERS[:2], ("Code: https://example.org/code.", ""), *PAPERS[2:]]
    assert warnings_at(result.problems) == [(line_of(data, "Code: https://example.org/code."), "title 'Code: https://example.org/code.' has no abstract")]


def test_an_abstract_before_any_title_is_skipped_and_says_where() -> None:
    data = dump_of([SECOND_PART, *FLAT])
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert pairs(result.entries) == PAPERS
    [(line, message)] = warnings_at(result.problems)
    assert line == line_of(data, SECOND_PART) and message.startswith("abstract with no title: 'In a second paragraph")


def test_two_breaks_that_even_out_the_count_are_both_found() -> None:
    """Strict alternation fits the count but would take the abstract's second paragraph for a title."""
    assert len(SECOND_PART) > TITLE_MAX
    data = dump_of([*FLAT[:2], SECOND_PART, PAPERS[1][0], *FLAT[4:]])
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert pairs(result.entries) == [(PAPERS[0][0], f"{PAPERS[0][1]} {SECOND_PART}"), (PAPERS[1][0], ""), *PAPERS[2:]]
    assert [line for line, _ in warnings_at(result.problems)] == [line_of(data, SECOND_PART), line_of(data, PAPERS[1][0])]


def test_a_paragraph_too_long_for_a_title_is_never_read_as_one() -> None:
    long_title = "An Implausibly Long Title " * 12  # over TITLE_MAX
    data = dump_of([*FLAT[:2], long_title.strip(), *FLAT[2:]])
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert [title for title, _ in pairs(result.entries)] == [title for title, _ in PAPERS]
    assert [line for line, _ in warnings_at(result.problems)] == [line_of(data, long_title.strip())]


def test_every_paper_of_many_survives_one_missing_abstract() -> None:
    papers = [(f"Title {n}.", ABSTRACT.format(f"subject {n}")) for n in range(40)]
    flat = [text for paper in papers for text in paper]
    del flat[41]  # paper 20's abstract
    data = dump_of(flat)
    result = read_text_dump(data, "dumps/x.txt", 2025)
    assert pairs(result.entries) == [*papers[:20], ("Title 20.", ""), *papers[21:]]
    assert [line for line, _ in warnings_at(result.problems)] == [line_of(data, "Title 20.")]


# --- entities -----------------------------------------------------------------------------------------


def test_an_entity_encoded_control_character_is_dropped() -> None:
    data = dump_of(["A &#12;Title&#x7; With &amp;#12; Text", "An abstract with a form feed&#12; and a bell&#x07; in it."])
    [entry] = read_text_dump(data, "dumps/x.txt", 2025).entries
    assert (entry.title, entry.abstract) == ("A Title With &#12; Text", "An abstract with a form feed and a bell in it.")
    assert not UNSHOWABLE.search(entry.title + entry.abstract)


# --- the 2024 JSON corpus, written as the page shows it, reads back whole ---------------------------------


def page_text(day: dt.date, papers: list[tuple[str, str]], wrap_every: int) -> bytes:
    """The dump a reader of the page would save: header, day, then title and abstract paragraphs; every
    wrap_every-th abstract on one line, the others wrapped at a width that varies with the paper."""
    lines = [*(part for line in HEADER for part in (line, "")), f"{MONTHS[day.month - 1]} {day.day}"]
    for number, (title, abstract) in enumerate(papers):
        lines += ["", title, ""]
        lines += [abstract] if number % wrap_every == 0 else wrapped(abstract, 60 + number % 40)
    return ("\n".join(lines) + "\n").encode()


def test_the_whole_2024_corpus_round_trips_through_text_dumps(corpus_dir: Path) -> None:
    total = 0
    for number, path in enumerate(sorted(corpus_dir.glob("*.json"))):
        reference = read_json_dump(path.read_bytes(), f"dumps/{path.name}", None)
        assert reference.problems == ()
        papers = [(entry.title, entry.abstract) for entry in reference.entries]
        day = reference.entries[0].date
        source = f"dumps/{day.isoformat()}.txt"
        result = read_text_dump(page_text(day, papers, 2 + number % 3), source, None)
        assert result.problems == (), source
        assert pairs(result.entries) == papers, source
        assert {entry.date for entry in result.entries} == {day}
        total += len(papers)
    assert total == 2202  # every paper of the corpus's 157 days, each its own entry


def test_no_corpus_title_or_abstract_is_a_header_or_day_line(corpus_dir: Path) -> None:
    """What the round trip relies on: no paragraph of the corpus could end the header or start a new day."""
    for path in sorted(corpus_dir.glob("*.json")):
        for entry in read_json_dump(path.read_bytes(), f"dumps/{path.name}", None).entries:
            for text in (entry.title, entry.abstract):
                assert text.casefold() not in BOILERPLATE and parse_day_line(text) is None


@pytest.mark.parametrize("ending", [".", " vs.", " et al.", " e.g.", " i.e."])
def test_corpus_titles_with_prose_endings_still_round_trip(corpus_dir: Path, ending: str) -> None:
    """The corpus's titles are rarely prose-like: give a day's every title a prose ending and read it back."""
    path = sorted(corpus_dir.glob("*.json"))[0]
    reference = read_json_dump(path.read_bytes(), f"dumps/{path.name}", None)
    papers = [(entry.title + ending, entry.abstract) for entry in reference.entries]
    day = reference.entries[0].date
    result = read_text_dump(page_text(day, papers, 2), f"dumps/{day.isoformat()}.txt", None)
    assert result.problems == ()
    assert pairs(result.entries) == papers
