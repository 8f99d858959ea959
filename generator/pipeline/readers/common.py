"""What both readers share: decoding bytes and settling a day's year."""

from __future__ import annotations

import datetime as dt
import re

from generator.problems import Problem, error, warning

FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Characters XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates, U+FFFE/FFFF) and the
# C1 controls HTML calls parse errors: no page, feed or export can show them, so input never carries them.
UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


# Ten times the longest arXiv abstract: anything longer is not a title or an abstract but a broken file,
# and would bloat every page, feed and export it landed in.
PARAGRAPH_MAX = 20_000


def drop_unshowable(text: str) -> str:
    return UNSHOWABLE.sub("", text)


_ASCII_CONTROLS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")


def may_hold_unshowable(data: bytes) -> bool:
    """False when UTF-8 bytes cannot decode to any UNSHOWABLE character: checked in C, so most texts skip the regex scan.

    C1 controls encode as C2 80..9F, U+FFFE/FFFF as EF BF BE/BF; lone surrogates do not decode at all.
    """
    return (
        len(data.translate(None, _ASCII_CONTROLS)) != len(data)
        or (b"\xc2" in data and _C1_CONTROL.search(data) is not None)
        or b"\xef\xbf\xbe" in data
        or b"\xef\xbf\xbf" in data
    )


def decode_text(data: bytes, source: str) -> tuple[str, Problem | None]:
    """UTF-8 with or without a BOM; binary files and other encodings are reported."""
    if b"\x00" in data[:8192]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return "", error(source, line, "this is a binary file, not a dump", "remove it from the dumps folder")
    try:
        text = data.decode("utf-8-sig")
        return (drop_unshowable(text) if may_hold_unshowable(data) else text), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return "", error(source, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", "re-save the file as UTF-8")


def date_from_file_name(source: str) -> tuple[int | None, dt.date | None]:
    """The year and, when it is a real day, the date a file's name holds (`2025-03-14.txt`)."""
    match = FILE_DATE.search(source.rsplit("/", 1)[-1])
    if not match:
        return None, None
    try:
        return int(match[1]), dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return int(match[1]), None


def resolve_date(year: int | None, month: int, day: int, source: str, line: int, default_year: int | None, shown: str) -> tuple[dt.date | None, Problem | None]:
    """The year comes from the day line, else the file name, else the config: never a guess.

    A day that is not real is an error; a day line that names another day than the file's name is dated by the
    day line, with a warning.
    """
    name_year, name_date = date_from_file_name(source)
    if year is None:
        year = name_year or default_year
    if year is None:
        return None, error(
            source,
            line,
            f"cannot tell the year of {shown!r}",
            "set 'year: 2025' in digest.yaml, name the file like 2025-03-14.txt, or write the day as 'Mar 14, 2025'",
        )
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None, error(source, line, f"{shown!r} is not a real day" + (f" in {year}" if year else ""), "check the day line")
    if name_date is not None and date != name_date:
        message = f"the day line {shown!r} says {date}, the file name {name_date}"
        return date, warning(source, line, message, "dated by the day line; rename the file or fix the day line")
    return date, None
