"""The parse cache of a preview session: unchanged dumps are not read again, changed ones always are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.pipeline import ingest

DUMP = "new\nDaily Papers\nMar 14\n\nA Title Of One Paper\n\nIts abstract, long enough to read like an abstract of a paper.\n"


def read_all(cache: ingest.ParseCache, folder: Path) -> list[ingest.ParseResult]:
    dumps, _ = ingest.discover(folder)
    return ingest.read_each(dumps, 2025, cache)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    (tmp_path / "dumps").mkdir()
    for name in ("a.txt", "b.txt"):
        (tmp_path / "dumps" / name).write_text(DUMP.replace("One", name[0].upper()), encoding="utf-8")
    return tmp_path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        seen.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return seen


def test_a_settled_unchanged_dump_is_not_read_again(content: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "RACY_SECONDS", 0.0)
    cache = ingest.ParseCache()
    first = read_all(cache, content)
    cache.retain_used()
    assert sorted(reads) == ["a.txt", "b.txt"]
    reads.clear()
    again = read_all(cache, content)
    assert reads == [] and again == first


def test_a_same_size_edit_with_the_old_mtime_is_still_seen(content: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "RACY_SECONDS", 0.0)
    cache = ingest.ParseCache()
    read_all(cache, content)
    cache.retain_used()
    dump = content / "dumps" / "a.txt"
    before = dump.stat()
    dump.write_text(DUMP.replace("One", "Z"), encoding="utf-8")  # same size
    os.utime(dump, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old mtime: only the change time tells
    reads.clear()
    results = read_all(cache, content)
    assert reads == ["a.txt"]
    assert [e.title for r in results for e in r.entries] == ["A Title Of Z Paper", "A Title Of B Paper"]


def test_a_dump_changed_just_now_is_read_every_time(content: Path, reads: list[str]) -> None:
    cache = ingest.ParseCache()  # the files were written just now: within RACY_SECONDS, their stat is not trusted
    read_all(cache, content)
    cache.retain_used()
    reads.clear()
    read_all(cache, content)
    assert sorted(reads) == ["a.txt", "b.txt"]
