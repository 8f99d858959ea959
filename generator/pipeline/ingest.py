"""Find the dumps in the content folder and read each with the reader its extension picks."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.memo import MemoTable
from generator.pipeline.readers import ParseResult, readers_by_extension
from generator.problems import Problem, error, warning

DUMPS_FOLDER = "dumps"


@dataclass(frozen=True, slots=True)
class DumpFile:
    path: Path
    source: str  # relative to the content folder, forward slashes


def is_dump_source(path: str) -> bool:
    """Whether a problem's path names a dump (sources are relative to the content folder)."""
    return path.startswith(DUMPS_FOLDER + "/")


def is_editor_temp(name: str) -> bool:
    """Swap, backup and lock files editors write next to the file being edited (vim's 4913 probe too)."""
    return (
        name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".kate-swp", ".___jb_tmp___", ".___jb_old___", ".___jb_bak___"))
        or name.startswith((".#", "#"))
        or name in ("4913", ".DS_Store")
    )


def is_ignored_name(name: str) -> bool:
    """Hidden files and editor droppings are neither dumps nor worth a warning (nor, in a preview, a rebuild)."""
    return name.startswith(".") or is_editor_temp(name)


def stays_inside(path: Path, *folders: Path) -> bool:
    """Whether the file a path names, links followed, lies in one of the (resolved) folders: links out of them are not read."""
    target = path.resolve()
    return any(target.is_relative_to(folder) for folder in folders)


def discover(content_dir: Path, allow_empty: bool = False) -> tuple[list[DumpFile], list[Problem]]:
    """The dumps under content/dumps, sorted; a content folder with none is an error unless an empty site is asked for,
    so a mistyped --content never replaces a published site with an empty one."""
    dumps_dir = content_dir / DUMPS_FOLDER
    known = readers_by_extension()
    found: list[DumpFile] = []
    problems: list[Problem] = []
    ours = (content_dir.resolve(), dumps_dir.resolve())
    for path in sorted(p for p in dumps_dir.rglob("*") if p.is_file()) if dumps_dir.is_dir() else ():
        relative = path.relative_to(content_dir)
        if any(is_ignored_name(part) for part in relative.parts):
            continue
        source = relative.as_posix()
        if not stays_inside(path, *ours):
            problems.append(warning(source, None, "a link to a file outside the content folder, skipped", "copy the dump into the content folder"))
            continue
        if path.suffix.lower() not in known:
            problems.append(warning(source, None, f"not a dump: unknown file type {path.suffix or '(none)'!r}, skipped", "dumps end in .txt or .json"))
            continue
        found.append(DumpFile(path, source))
    if not found:
        missing = not content_dir.is_dir()
        where = str(content_dir.absolute()) if missing else DUMPS_FOLDER
        message = "the content folder does not exist" if missing else "no dumps folder" if not dumps_dir.is_dir() else "no dump in the dumps folder"
        hint = f"put dumps in {dumps_dir}/, or check --content and content_dir"
        make = warning if allow_empty else error
        problems.append(make(where, None, message, hint if allow_empty else hint + "; --allow-empty builds an empty site"))
    return found, problems


def parse(data: bytes, source: str, default_year: int | None) -> ParseResult:
    return readers_by_extension()[Path(source).suffix.lower()](data, source, default_year)


def read_each(dumps: Sequence[DumpFile], default_year: int | None, parsed: MemoTable[Any, ParseResult] | None = None) -> list[ParseResult]:
    """Each dump parsed, in order; one that cannot be read is a warning. With `parsed` (the preview's carried
    table), a dump whose bytes were parsed before under the same name is not parsed again."""
    results = []
    for dump in dumps:
        try:
            data = dump.path.read_bytes()
        except OSError as exc:
            results.append(ParseResult((), (warning(dump.source, None, f"cannot read: {exc.strerror}", "check permissions"),)))
            continue
        if parsed is None:
            results.append(parse(data, dump.source, default_year))
        else:
            key = (hashlib.sha256(data).digest(), dump.source)
            results.append(parsed.get(key, lambda _: parse(data, dump.source, default_year)))  # noqa: B023 - called at once
    return results
