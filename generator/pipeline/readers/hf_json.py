"""Reader for the daily papers API JSON: one file per day, named YYYY-MM-DD.json.

The files come in three shapes: a JSON array of item objects, a JSON array of
items stored as Python-repr strings, and a {status, date, count, data} wrapper.
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import json
import re
from typing import Any
from urllib.parse import urlsplit

from generator.model import Account, Entry
from generator.pipeline.normalize import normalize_title
from generator.pipeline.readers import ParseResult
from generator.pipeline.readers.common import FILE_DATE, PARAGRAPH_MAX, date_from_file_name, decode_text, drop_unshowable
from generator.problems import Problem, error, warning

ARXIV_VERSION = re.compile(r"v\d+$")
ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7}")


def normalize_arxiv_id(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    arxiv_id = ARXIV_VERSION.sub("", value.strip())
    return arxiv_id if ARXIV_ID.fullmatch(arxiv_id) else None


def _clean(value: object) -> str:
    if not isinstance(value, str):
        return ""
    # The common case, checked in C: printable (so no unshowable character and no white space but the
    # plain space), no entity, no run of spaces, nothing to strip.
    if value.isprintable() and "&" not in value and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value
    # split/join folds the same (Unicode) whitespace as a \s+ substitution plus strip, in one C pass.
    return " ".join(drop_unshowable(html.unescape(value)).split())


def _line_numbers(text: str, offsets: list[int]) -> list[int]:
    """The 1-based line of each offset (ascending): line breaks counted between neighbours, in C."""
    numbers: list[int] = []
    line, previous = 1, 0
    has_cr = "\r" in text
    for offset in offsets:
        if offset > previous:
            line += text.count("\n", previous, offset)
            if has_cr:
                line += text.count("\r", previous, offset) - text.count("\r\n", previous, offset)
            previous = offset
        numbers.append(line)
    return numbers


def _item_offsets(text: str, array_start: int) -> list[int]:
    """Character offsets where each element of the array at array_start begins."""
    decoder = json.JSONDecoder()
    offsets: list[int] = []
    position = array_start + 1
    length = len(text)
    while position < length:
        while position < length and text[position] in " \t\r\n,":
            position += 1
        if position >= length or text[position] == "]":
            break
        offsets.append(position)
        _, position = decoder.raw_decode(text, position)
    return offsets


def _day_of(source: str, wrapper_date: object) -> tuple[dt.date | None, Problem | None]:
    """The day of a dump: its wrapper's `date`, else its file name's; a date that is no real day is an error, and
    a wrapper date naming another day than the file name is used with a warning."""
    _, name_date = date_from_file_name(source)
    if wrapper_date is None:
        if name_date is None:
            return None, error(source, 1, "cannot tell the day of this JSON dump", "name the file like 2024-05-27.json")
        return name_date, None
    match = FILE_DATE.match(wrapper_date) if isinstance(wrapper_date, str) else None
    try:
        date = dt.date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        date = None
    if date is None:
        return None, error(source, 1, f"the dump's date {wrapper_date!r} is not a real day", "write it as YYYY-MM-DD")
    if name_date is not None and date != name_date:
        return date, warning(source, 1, f"the dump's date says {date}, the file name {name_date}", "dated by the dump's date; rename the file")
    return date, None


_DECODER = json.JSONDecoder()
_JSON_SPACE = " \t\r\n"


def _array_with_offsets(text: str) -> tuple[list[Any], list[int]] | None:
    """A top-level JSON array decoded item by item, with where each item starts: one pass where
    json.loads and then _item_offsets would make two. None when the text is anything else, or
    not valid JSON (json.loads then says what is wrong)."""
    length = len(text)
    position = len(text) - len(text.lstrip(_JSON_SPACE))
    if position >= length or text[position] != "[":
        return None
    items: list[Any] = []
    offsets: list[int] = []
    position += 1
    try:
        while True:
            while position < length and text[position] in _JSON_SPACE:
                position += 1
            if position < length and text[position] == "]" and not items:
                break
            offsets.append(position)
            item, position = _DECODER.raw_decode(text, position)
            items.append(item)
            while position < length and text[position] in _JSON_SPACE:
                position += 1
            if position < length and text[position] == ",":
                position += 1
                continue
            if position < length and text[position] == "]":
                break
            return None
    except (json.JSONDecodeError, RecursionError):
        return None
    if text[position + 1 :].strip(_JSON_SPACE):
        return None  # extra data after the array
    return items, offsets


def read_json_dump(data: bytes, source: str, default_year: int | None) -> ParseResult:
    text, problem = decode_text(data, source)
    if problem:
        return ParseResult((), (problem,))
    decoded = _array_with_offsets(text)
    if decoded is not None:
        items, offsets = decoded
        return _entries_of(items, offsets, text, source, None)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = exc.msg.removesuffix(" at")  # json's messages expect a position after them
        return ParseResult((), (error(source, exc.lineno, f"invalid JSON at column {exc.colno}: {reason}", "is the file truncated?"),))
    except RecursionError:
        return ParseResult((), (error(source, 1, "invalid JSON: nested too deeply to be a paper list", "check the export"),))

    wrapper_date: object = None
    if isinstance(document, dict):
        if not isinstance(document.get("data"), list):
            return ParseResult((), (error(source, 1, "a JSON dump is an array of papers or an object with a 'data' array", "check the export"),))
        wrapper_date = document.get("date")
        items = document["data"]
        match = re.search(r'"data"\s*:\s*\[', text)
        array_start = match.end() - 1 if match else -1
    elif isinstance(document, list):
        items = document
        array_start = text.index("[")
    else:
        return ParseResult((), (error(source, 1, "a JSON dump is an array of papers or an object with a 'data' array", "check the export"),))

    try:
        offsets = _item_offsets(text, array_start) if array_start >= 0 else []
    except (json.JSONDecodeError, RecursionError):
        offsets = []
    return _entries_of(items, offsets, text, source, wrapper_date)


def _entries_of(items: list[Any], offsets: list[int], text: str, source: str, wrapper_date: object) -> ParseResult:
    date, day_problem = _day_of(source, wrapper_date)
    if date is None:
        return ParseResult((), (day_problem,) if day_problem else ())
    if len(offsets) != len(items):
        offsets = [0] * len(items)
    entries: list[Entry] = []
    problems: list[Problem] = [day_problem] if day_problem else []
    for item, line in zip(items, _line_numbers(text, offsets), strict=True):
        entry, item_problems = _entry_from_item(item, date, source, line, len(entries) + 1)
        problems.extend(item_problems)
        if entry:
            entries.append(entry)
    return ParseResult(tuple(entries), tuple(problems))


def _iso_day(value: object) -> str | None:
    if not isinstance(value, str) or not FILE_DATE.match(value[:10]):
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _shown_title(hf_title: str, as_written: str) -> str:
    """The title to show. paper.title is Hugging Face's copy of the title with its LaTeX stripped (`$\\nabla^2$DFT`
    became `nabla^2DFT`); the item's own title is as the authors wrote it. As written, where both are the same
    title to the dedupe key, which drops the LaTeX: so the paper's id does not depend on which one a dump has."""
    if not hf_title or (as_written and as_written != hf_title and normalize_title(as_written) == normalize_title(hf_title)):
        return as_written
    return hf_title


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _timestamp(value: object) -> str | None:
    """An API time (`2026-08-17T00:00:00.000Z`) to the second, in UTC: `2026-08-17T00:00:00Z`."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Fields:
    """Reads the optional fields of one item, collecting a warning for each link that cannot be one."""

    def __init__(self, source: str, line: int) -> None:
        self.source, self.line = source, line
        self.problems: list[Problem] = []

    def url(self, value: object, what: str) -> str | None:
        if value is None or value == "":
            return None
        text = value.strip() if isinstance(value, str) else ""
        try:
            parts = urlsplit(text)
        except ValueError:
            parts = None
        if parts and parts.scheme in ("http", "https") and parts.netloc and text.isprintable() and " " not in text:
            return text
        self.problems.append(warning(self.source, self.line, f"{what} is not an http(s) URL: {str(value)[:80]!r}", "shown without that link"))
        return None

    def account(self, value: object, what: str) -> Account | None:
        if not isinstance(value, dict) or not (name := _clean(value.get("name"))):
            return None
        avatar = value.get("avatar") or value.get("avatarUrl")
        # Avatars of users are paths on huggingface.co; only absolute http(s) ones are kept.
        avatar = self.url(avatar, f"the {what}'s avatar") if isinstance(avatar, str) and not avatar.startswith("/") else None
        return Account(name=name, fullname=_clean(value.get("fullname")) or name, avatar=avatar)


def _listed_at(paper: dict[str, Any], item: dict[str, Any], date: dt.date) -> str | None:
    """When the paper was listed: the API says so since 2025; before, the item's own publishedAt was
    that moment, trusted only when it falls on the dump's day (in today's shape it is arXiv's time)."""
    if listed := _timestamp(paper.get("submittedOnDailyAt")):
        return listed
    moment = _timestamp(item.get("publishedAt")) if item is not paper else None
    return moment if moment and moment[:10] == date.isoformat() else None


def _entry_from_item(item: Any, date: dt.date, source: str, line: int, rank: int) -> tuple[Entry | None, list[Problem]]:
    if isinstance(item, str):
        try:
            item = ast.literal_eval(item)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None, [warning(source, line, "an item is a string that is not a paper record", "skipped")]
    if not isinstance(item, dict):
        return None, [warning(source, line, f"an item is a {type(item).__name__}, not a paper record", "skipped")]
    paper = item.get("paper") if isinstance(item.get("paper"), dict) else item
    title = _shown_title(_clean(paper.get("title")), _clean(item.get("title")))
    if not title:
        return None, [warning(source, line, "a paper with no title", "skipped")]
    abstract = _clean(paper.get("summary"))
    if (longest := max(len(title), len(abstract))) > PARAGRAPH_MAX:
        return None, [warning(source, line, f"a paper whose title or summary runs to {longest:,} characters", "skipped; is the file damaged?")]
    listed_authors = paper.get("authors")
    authors = tuple(
        name for author in (listed_authors if isinstance(listed_authors, list) else ()) if isinstance(author, dict) and (name := _clean(author.get("name")))
    )
    keywords = paper.get("ai_keywords")
    fields = _Fields(source, line)
    entry = Entry(
        date=date,
        rank=rank,
        title=title,
        abstract=abstract,
        source=source,
        line=line,
        arxiv_id=normalize_arxiv_id(paper.get("id")),
        authors=authors,
        upvotes=_count(paper.get("upvotes")),
        published=_iso_day(paper.get("publishedAt")),
        listed_at=_listed_at(paper, item, date),
        comments=_count(item.get("numComments")),
        thumbnail=fields.url(item.get("thumbnail"), "the thumbnail"),
        organization=fields.account(item.get("organization") or paper.get("organization"), "organization"),
        submitted_by=fields.account(item.get("submittedBy") or paper.get("submittedOnDailyBy"), "submitter"),
        ai_summary=_clean(paper.get("ai_summary")),
        ai_keywords=tuple(word for value in (keywords if isinstance(keywords, list) else ()) if (word := _clean(value))),
        github_repo=fields.url(paper.get("githubRepo"), "the code repository"),
        github_stars=_count(paper.get("githubStars")),
        project_page=fields.url(paper.get("projectPage"), "the project page"),
    )
    return entry, fields.problems
