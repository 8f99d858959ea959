"""Reader for plain-text dumps of the daily papers page (README, "Content formats")."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import NamedTuple

from generator.model import Entry
from generator.pipeline.readers import ParseResult
from generator.pipeline.readers.common import PARAGRAPH_MAX, decode_text, drop_unshowable, resolve_date
from generator.problems import Problem, error, warning

BOILERPLATE = frozenset(
    line.casefold()
    for line in (
        "new",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
    )
)

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
MONTH_DAY = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?$")
ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
TITLE_MAX = 300
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def editor_lines(text: str) -> list[str]:
    """Lines as editors number them: str.splitlines would also break at U+2028, U+0085 and friends.
    Without a carriage return that is str.split at each \\n, in C."""
    return LINE_BREAK.split(text) if "\r" in text else text.split("\n")


# A named tuple, not a frozen dataclass: a dump makes one per paragraph, and a named tuple is cheaper to make.
class Paragraph(NamedTuple):
    line: int  # 1-based line of its first line
    text: str  # its lines joined by single spaces


@dataclass(frozen=True, slots=True)
class DayLine:
    month: int
    day: int
    year: int | None


def parse_day_line(text: str) -> DayLine | None:
    """'Mar 14', 'Mar 14, 2025', 'March 14 2025' or '2025-03-14'; None when it is no day line."""
    if match := ISO_DAY.match(text):
        return DayLine(int(match[2]), int(match[3]), int(match[1]))
    if (match := MONTH_DAY.match(text)) and match[1].casefold() in MONTHS:
        return DayLine(MONTHS[match[1].casefold()], int(match[2]), int(match[3]) if match[3] else None)
    return None


def split_paragraphs(text: str) -> list[Paragraph]:
    """Paragraphs split on blank lines; up to the day line, each header line and the day line stand alone
    (a dump typed or pasted without blank lines in its header reads like one that has them)."""
    paragraphs: list[Paragraph] = []
    current: list[str] = []
    start = 0
    in_header = True
    for number, raw in enumerate(editor_lines(text), start=1):
        line = raw.strip()
        header = bool(line) and in_header and (line.casefold() in BOILERPLATE or parse_day_line(line) is not None)
        if current and (header or not line):
            paragraphs.append(Paragraph(start, " ".join(current)))
            current = []
        if header:
            paragraphs.append(Paragraph(number, line))
            in_header = parse_day_line(line) is None
        elif line:
            if not current:
                start = number
            current.append(line)
    if current:
        paragraphs.append(Paragraph(start, " ".join(current)))
    return paragraphs


def read_text_dump(data: bytes, source: str, default_year: int | None) -> ParseResult:
    text, problem = decode_text(data, source)
    if problem:
        return ParseResult((), (problem,))
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        return ParseResult((), (error(source, 1, "the dump is empty", "export the daily papers page into it"),))

    problems: list[Problem] = []
    day_index = None
    for index, paragraph in enumerate(paragraphs):
        if paragraph.text.casefold() in BOILERPLATE:
            continue
        if parse_day_line(paragraph.text):
            day_index = index
            break
        problems.append(
            error(
                source,
                paragraph.line,
                f"expected the day line (like 'Mar 14') before papers, found {_clip(paragraph.text)!r}",
                "a dump starts with the page header, then the day, then title and abstract paragraphs",
            )
        )
        return ParseResult((), tuple(problems))
    if day_index is None:
        return ParseResult(
            (),
            (error(source, paragraphs[-1].line, "no day line found: only the page header", "add the day, like 'Mar 14', after the header"),),
        )

    day_paragraph = paragraphs[day_index]
    day_line = parse_day_line(day_paragraph.text)
    assert day_line is not None
    date, date_problem = resolve_date(day_line.year, day_line.month, day_line.day, source, day_paragraph.line, default_year, day_paragraph.text)
    if date is None:
        return ParseResult((), (date_problem,) if date_problem else ())
    if date_problem:
        problems.append(date_problem)

    body = paragraphs[day_index + 1 :]
    for paragraph in body:
        if paragraph.text[-1].isdigit() and parse_day_line(paragraph.text):  # a day line ends in a digit: most paragraphs are not tried
            return ParseResult(
                (),
                (
                    error(
                        source,
                        paragraph.line,
                        f"a second day line {paragraph.text!r}; a dump holds one day",
                        "split the file into one dump per day",
                    ),
                ),
            )
    entries, body_problems = _pair_titles_and_abstracts(body, date, source)
    problems.extend(body_problems)
    if not entries and not problems:
        problems.append(warning(source, day_paragraph.line, "the dump has a day line but no papers", "is the export complete?"))
    return ParseResult(tuple(entries), tuple(problems))


PAIR, SINGLE = True, False  # a unit of a reading: a title and its abstract, or one paragraph outside the alternation


def _segment(lengths: list[int]) -> list[bool]:
    """How body paragraphs of these lengths group into papers: for each unit in order, PAIR (a title and
    its abstract, two paragraphs) or SINGLE (one paragraph outside the alternation).

    The page alternates title and abstract, so strict pairing is the reading whenever it fits: an even count
    with no paragraph over TITLE_MAX where a title stands. Otherwise the reading is the one that
      1. never takes a paragraph over TITLE_MAX for a title (real titles run well under it),
      2. leaves the fewest paragraphs single (each is a break in the alternation),
      3. holds the fewest pairs unlike a title and its abstract: one point for an abstract of TITLE_MAX
         characters or less, one for a title no shorter than its abstract,
      4. keeps strict alternation from the top the longest (breaks as late as possible).
    """
    count = len(lengths)
    if count % 2 == 0 and all(length <= TITLE_MAX for length in lengths[::2]):
        return [PAIR] * (count // 2)
    # best[i]: (singles, unlike points) of the best reading of paragraphs i and after, and its first unit.
    best: list[tuple[int, int]] = [(0, 0)] * (count + 1)
    first: list[bool] = [SINGLE] * count
    for i in range(count - 1, -1, -1):
        singles, unlike = best[i + 1]
        best[i], first[i] = (singles + 1, unlike), SINGLE
        if i + 1 < count and lengths[i] <= TITLE_MAX:
            title, abstract = lengths[i], lengths[i + 1]
            singles, unlike = best[i + 2]
            paired = (singles, unlike + (abstract <= TITLE_MAX) + (title >= abstract))
            if paired <= best[i]:  # on a tie the pair wins: the break comes later
                best[i], first[i] = paired, PAIR
    units: list[bool] = []
    i = 0
    while i < count:
        units.append(first[i])
        i += 2 if first[i] is PAIR else 1
    return units


def _pair_titles_and_abstracts(body: list[Paragraph], date: dt.date, source: str) -> tuple[list[Entry], list[Problem]]:
    """Group paragraphs into papers by _segment and warn at every paragraph it leaves single: each is a place
    where papers may have been split or merged.

    A single paragraph is a title with no abstract when it is no longer than TITLE_MAX and shorter than every
    abstract of the reading's pairs (titles are shorter than abstracts); otherwise it continues the abstract
    before it, or, before the first paper, is an abstract whose title is missing and is skipped.
    """
    problems: list[Problem] = []
    kept: list[Paragraph] = []
    for paragraph in body:
        if len(paragraph.text) > PARAGRAPH_MAX:
            message = f"a paragraph of {len(paragraph.text):,} characters is not a title or an abstract"
            problems.append(warning(source, paragraph.line, message, "skipped; is the file damaged?"))
        else:
            kept.append(paragraph)
    units = _segment([len(paragraph.text) for paragraph in kept])

    shortest_abstract: int | None = None
    if SINGLE in units:
        index, abstract_lengths = 0, list[int]()
        for unit in units:
            if unit is PAIR:
                abstract_lengths.append(len(kept[index + 1].text))
            index += 2 if unit is PAIR else 1
        shortest_abstract = min(abstract_lengths, default=None)

    papers: list[tuple[Paragraph, list[str]]] = []
    index = 0
    for unit in units:
        paragraph = kept[index]
        if unit is PAIR:
            papers.append((paragraph, [kept[index + 1].text]))
            index += 2
            continue
        index += 1
        length = len(paragraph.text)
        if length <= TITLE_MAX and (shortest_abstract is None or length < shortest_abstract):
            hint = "kept with an empty abstract" + ("; if it ends the abstract above, join the two paragraphs" if papers else "")
            problems.append(warning(source, paragraph.line, f"title {_clip(paragraph.text)!r} has no abstract", hint))
            papers.append((paragraph, []))
        elif papers:
            title, parts = papers[-1]
            problems.append(
                warning(
                    source,
                    paragraph.line,
                    f"paragraph {_clip(paragraph.text)!r} is read as the rest of the abstract of {_clip(title.text)!r}",
                    "an abstract in two paragraphs? if it is a paper whose title is missing, put the title on the line before it",
                )
            )
            parts.append(paragraph.text)
        else:
            problems.append(
                warning(source, paragraph.line, f"abstract with no title: {_clip(paragraph.text)!r}", "skipped; put its title on the line before it")
            )

    entries = [
        Entry(date=date, rank=rank, title=_decoded(title.text), abstract=_decoded(" ".join(parts)), source=source, line=title.line)
        for rank, (title, parts) in enumerate(papers, start=1)
    ]
    problems.sort(key=lambda problem: problem.line or 0)  # stable: in file order, as a reader would meet them
    return entries, problems


def _decoded(text: str) -> str:
    """Entities decoded, then what no page can show dropped: '&#12;' decodes to a control character that
    decode_text, which ran before, could not see."""
    return drop_unshowable(html.unescape(text)) if "&" in text else text


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
