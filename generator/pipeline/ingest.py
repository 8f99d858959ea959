"""Find the dumps in the content folder and read each with the reader its extension picks."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


# A file's stat that changed less than this long before it was read may change again without its stat
# changing (coarse file system clocks), so such a file is always read again (git's "racy" rule).
RACY_SECONDS = 2.0

StatSignature = tuple[int, int, int, int, int]  # device, inode, size, mtime_ns, ctime_ns


def stat_signature(stat: os.stat_result) -> StatSignature:
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


class ParseCache:
    """Parsed dumps by content hash, so an unchanged file is never parsed twice.

    A file whose stat (inode, size, modification and change times) is as it was when it
    was last read is not even read again: its last content hash stands.
    """

    def __init__(self) -> None:
        self._results: dict[tuple[str, str, int | None], ParseResult] = {}
        self._used: set[tuple[str, str, int | None]] = set()
        self._read: dict[tuple[Path, str, int | None], tuple[StatSignature, tuple[str, str, int | None]]] = {}

    def _parse(self, data: bytes, source: str, default_year: int | None) -> tuple[tuple[str, str, int | None], ParseResult]:
        key = (hashlib.sha256(data).hexdigest(), source, default_year)
        self._used.add(key)
        result = self._results.get(key)
        if result is None:
            reader = readers_by_extension()[Path(source).suffix.lower()]
            result = reader(data, source, default_year)
            self._results[key] = result
        return key, result

    def read(self, dump: DumpFile, default_year: int | None) -> ParseResult:
        """The dump parsed; OSError when it cannot be read."""
        place = (dump.path, dump.source, default_year)
        signature = stat_signature(os.stat(dump.path))
        known = self._read.get(place)
        if known is not None and known[0] == signature and known[1] in self._results:
            self._used.add(known[1])
            return self._results[known[1]]
        data = dump.path.read_bytes()
        key, result = self._parse(data, dump.source, default_year)
        settled = time.time() - signature[4] / 1e9 >= RACY_SECONDS
        if settled and stat_signature(os.stat(dump.path)) == signature:
            self._read[place] = (signature, key)
        else:
            self._read.pop(place, None)
        return result

    def retain_used(self) -> None:
        """Keep only what was parsed since the last call (the dumps of the build just done), so memory follows the content."""
        self._results = {key: result for key, result in self._results.items() if key in self._used}
        self._read = {place: known for place, known in self._read.items() if known[1] in self._used}
        self._used = set()


def read_each(dumps: Sequence[DumpFile], default_year: int | None, cache: ParseCache | None = None) -> list[ParseResult]:
    """Each dump parsed, in order; one that cannot be read is a warning. A cache kept between builds (the live
    preview's) must see every dump it parsed."""
    cache = cache if cache is not None else ParseCache()
    results = []
    for dump in dumps:
        try:
            results.append(cache.read(dump, default_year))
        except OSError as exc:
            results.append(ParseResult((), (warning(dump.source, None, f"cannot read: {exc.strerror}", "check permissions"),)))
    return results
