"""Reproducible builds: the same input gives the same bytes, whatever the environment and the file system say."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEEDS

JSON_DAYS = ("2024-05-27.json", "2024-06-14.json", "2024-09-02.json", "2024-12-31.json")
CONFIG = "title: Reproducible Digest\nbase_url: https://example.org/digest/\nyear: 2025\n"


def make_project(root: Path, corpus_dir: Path, reverse: bool, mtime: float) -> Path:
    """The same content, written in the given order and stamped with the given modification time."""
    sources = [(seed, f"seeds/{seed.name}") for seed in sorted(SEEDS.iterdir())]
    sources += [(corpus_dir / name, f"json/{name}") for name in JSON_DAYS]
    for source, relative in reversed(sources) if reverse else sources:
        target = root / "content" / "dumps" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    (root / "digest.yaml").write_text(CONFIG, encoding="utf-8")
    for path in root.rglob("*"):
        os.utime(path, (mtime, mtime))
    return root


def build(project: Path, **environment: str) -> dict[str, bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONHASHSEED", "TZ"))} | environment
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--strict", "--quiet"], cwd=project, env=env, capture_output=True, timeout=180)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    site = project / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_builds_of_the_same_input_are_byte_identical(tmp_path: Path, corpus_dir: Path) -> None:
    first = build(
        make_project(tmp_path / "one", corpus_dir, reverse=False, mtime=1_000_000_000),
        PYTHONHASHSEED="0",
        LC_ALL="C.UTF-8",
        TZ="UTC",
    )
    second = build(
        make_project(tmp_path / "another" / "place", corpus_dir, reverse=True, mtime=1_700_000_000.5),
        PYTHONHASHSEED="4242",
        LC_ALL="C",  # with the two below: an ASCII locale, so any read or write without an explicit encoding breaks
        PYTHONCOERCECLOCALE="0",
        PYTHONUTF8="0",
        TZ="Pacific/Kiritimati",  # UTC+14: another calendar day than UTC for half of every day
    )
    assert len(first) > 300
    assert sorted(first) == sorted(second)
    different = [path for path in first if first[path] != second[path]]
    assert different == []


def test_the_build_does_not_leak_where_or_when_it_ran(tmp_path: Path, corpus_dir: Path) -> None:
    project = make_project(tmp_path / "a-very-unusual-folder-name", corpus_dir, reverse=False, mtime=1_000_000_000)
    files = build(project, TZ="UTC")
    for path, data in files.items():
        assert b"a-very-unusual-folder-name" not in data, path  # no absolute paths in the output
