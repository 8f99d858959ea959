"""A preview session parses a dump again only when its bytes changed; a one-off build keeps no parse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import parallel
from generator.memo import Memo
from generator.pipeline import ingest

DUMP = "new\nDaily Papers\nMar 14\n\nA Title Of One Paper\n\nIts abstract, long enough to read like an abstract of a paper.\n"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    (tmp_path / "dumps").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "dumps" / name).write_text(DUMP.replace("One", name[0].upper()), encoding="utf-8")
    return tmp_path


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = ingest.parse

    def counting(data: bytes, source: str, default_year: int | None) -> ingest.ParseResult:
        seen.append(source)
        return original(data, source, default_year)

    monkeypatch.setattr(ingest, "parse", counting)
    return seen


def build(memo: Memo, content: Path) -> list[str]:
    dumps, _ = ingest.discover(content)
    results = parallel.read_dumps(dumps, 2025, memo)
    memo.commit()
    return [entry.title for result in results for entry in result.entries]


def test_only_a_changed_dump_is_parsed_again_even_with_its_old_size_and_mtime(content: Path, parses: list[str]) -> None:
    memo = Memo(carried=True)
    assert build(memo, content) == ["A Title Of A Paper", "A Title Of B Paper"]
    assert parses == ["dumps/a.txt", "dumps/b.txt"]
    parses.clear()
    assert build(memo, content) == ["A Title Of A Paper", "A Title Of B Paper"]
    assert parses == []
    dump = content / "dumps" / "a.txt"
    before = dump.stat()
    dump.write_text(DUMP.replace("One", "Z"), encoding="utf-8")  # the same size
    os.utime(dump, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old mtime: only the bytes tell
    assert build(memo, content) == ["A Title Of Z Paper", "A Title Of B Paper"]
    assert parses == ["dumps/a.txt"]


def test_a_renamed_dump_is_parsed_under_its_new_name(content: Path, parses: list[str]) -> None:
    memo = Memo(carried=True)
    build(memo, content)
    (content / "dumps" / "b.txt").rename(content / "dumps" / "c.txt")
    parses.clear()
    build(memo, content)
    assert parses == ["dumps/c.txt"]  # its entries name their file: a parse under the old name would point there


def test_a_one_off_build_parses_every_time(content: Path, parses: list[str]) -> None:
    memo = Memo()
    build(memo, content)
    build(memo, content)
    assert parses == ["dumps/a.txt", "dumps/b.txt"] * 2
