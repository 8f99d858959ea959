"""Readers: one per input format, each a pure function from bytes to entries plus problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from generator.model import Entry
from generator.problems import Problem


@dataclass(frozen=True, slots=True)
class ParseResult:
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]


Reader = Callable[[bytes, str, "int | None"], ParseResult]


def readers_by_extension() -> dict[str, Reader]:
    from generator.pipeline.readers.hf_json import read_json_dump
    from generator.pipeline.readers.text_dump import read_text_dump

    return {".txt": read_text_dump, ".json": read_json_dump}
