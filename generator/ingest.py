"""Find the dumps in the content folder and read each with the reader its extension picks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem, warning
from .readers import ParseResult, readers_by_extension

DUMPS_FOLDER = "dumps"


@dataclass(frozen=True, slots=True)
class DumpFile:
    path: Path
    source: str  # relative to the content folder, forward slashes


def is_dump_source(path: str) -> bool:
    """Whether a problem's path names a dump (sources are relative to the content folder)."""
    return path.startswith(DUMPS_FOLDER + "/")


def is_ignored_name(name: str) -> bool:
    """Hidden files and editor droppings are neither dumps nor worth a warning."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913"


def discover(content_dir: Path) -> tuple[list[DumpFile], list[Problem]]:
    dumps_dir = content_dir / DUMPS_FOLDER
    known = readers_by_extension()
    found: list[DumpFile] = []
    problems: list[Problem] = []
    if not dumps_dir.is_dir():
        return found, [warning(DUMPS_FOLDER, None, "no dumps folder", f"put dump files in {dumps_dir}/")]
    for path in sorted(p for p in dumps_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(content_dir)
        if any(is_ignored_name(part) for part in relative.parts):
            continue
        source = relative.as_posix()
        if path.suffix.lower() not in known:
            problems.append(warning(source, None, f"not a dump: unknown file type {path.suffix or '(none)'!r}, skipped", "dumps end in .txt or .json"))
            continue
        found.append(DumpFile(path, source))
    return found, problems


class ParseCache:
    """Parsed dumps by content hash, so an unchanged file is never parsed twice."""

    def __init__(self) -> None:
        self._results: dict[tuple[str, str, int | None], ParseResult] = {}
        self._used: set[tuple[str, str, int | None]] = set()

    def parse(self, data: bytes, source: str, default_year: int | None) -> ParseResult:
        key = (hashlib.sha256(data).hexdigest(), source, default_year)
        self._used.add(key)
        result = self._results.get(key)
        if result is None:
            reader = readers_by_extension()[Path(source).suffix.lower()]
            result = reader(data, source, default_year)
            self._results[key] = result
        return result

    def retain_used(self) -> None:
        """Keep only what was parsed since the last call (the dumps of the build just done), so memory follows the content."""
        self._results = {key: result for key, result in self._results.items() if key in self._used}
        self._used = set()


def read_dumps(dumps: list[DumpFile], default_year: int | None, cache: ParseCache | None = None) -> list[ParseResult]:
    cache = cache or ParseCache()
    results = []
    for dump in dumps:
        try:
            data = dump.path.read_bytes()
        except OSError as exc:
            results.append(ParseResult((), (warning(dump.source, None, f"cannot read: {exc.strerror}", "check permissions"),)))
            continue
        results.append(cache.parse(data, dump.source, default_year))
    return results
