"""bench.instructions counts the instructions of a real build under a real callgrind, and says so when it cannot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.instructions import count_instructions

from .tools.site_under_test import missing_tool

REPO_ROOT = Path(__file__).parent.parent
SAMPLE_DUMPS = sorted((REPO_ROOT / "content" / "dumps").iterdir())


def project_with(tmp_path: Path, dumps: list[Path]) -> Path:
    (tmp_path / "content" / "dumps").mkdir(parents=True)
    for dump in dumps:
        shutil.copy(dump, tmp_path / "content" / "dumps" / dump.name)
    (tmp_path / "digest.yaml").write_text("title: T\nbase_url: https://example.org/\nyear: 2025\n", encoding="utf-8")
    return tmp_path


def test_a_build_of_more_dumps_counts_more_instructions(tmp_path: Path) -> None:
    if shutil.which("valgrind") is None:
        missing_tool("valgrind is not installed")
    one = project_with(tmp_path / "one", SAMPLE_DUMPS[:1])
    five = project_with(tmp_path / "five", SAMPLE_DUMPS)
    fewer, more = count_instructions(one), count_instructions(five)
    assert (one / "site" / "index.html").is_file() and (five / "site" / "index.html").is_file()
    assert 10**8 < fewer < more, (fewer, more)


def test_a_run_that_counts_nothing_is_an_error_not_a_number(tmp_path: Path) -> None:
    project = project_with(tmp_path, SAMPLE_DUMPS[:1])
    with pytest.raises(RuntimeError, match="callgrind run failed"):
        count_instructions(project, valgrind="false")
