"""bench.instructions counts the instructions of a real build under a real callgrind, and says so when it cannot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.instructions import count_by_process, count_instructions
from tests.tools.site_under_test import missing_tool

REPO_ROOT = Path(__file__).parents[2]
SAMPLE_DUMPS = sorted((REPO_ROOT / "content" / "dumps").iterdir())


def project_with(tmp_path: Path, dumps: list[Path]) -> Path:
    (tmp_path / "content" / "dumps").mkdir(parents=True)
    for dump in dumps:
        shutil.copy(dump, tmp_path / "content" / "dumps" / dump.name)
    (tmp_path / "digest.yaml").write_text("title: T\nbase_url: https://example.org/\nyear: 2025\n", encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def sample_count(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The five sample dumps' project and its one-process count."""
    if shutil.which("valgrind") is None:
        missing_tool("valgrind is not installed")
    five = project_with(tmp_path_factory.mktemp("five"), SAMPLE_DUMPS)
    return five, count_instructions(five)


def test_a_build_of_more_dumps_counts_more_instructions(tmp_path: Path, sample_count: tuple[Path, int]) -> None:
    five, more = sample_count
    one = project_with(tmp_path / "one", SAMPLE_DUMPS[:1])
    fewer = count_instructions(one)
    assert (one / "site" / "index.html").is_file() and (five / "site" / "index.html").is_file()
    assert 10**8 < fewer < more, (fewer, more)


def test_a_build_on_every_core_is_counted_by_process_without_counting_a_parents_work_twice(sample_count: tuple[Path, int]) -> None:
    """The sample renders its 363 pages in a fork: the fork's count is its own work, so the processes
    add up to about the one-process build (a fork's count taken whole would start at its parent's)."""
    project, one_process = sample_count
    counts = count_by_process(project)
    assert len(counts.forks) >= 1 and all(n > 10**7 for n in counts.forks), counts
    assert 0.95 < counts.total / one_process < 1.15, (counts, one_process)
    assert counts.own_share < 0.95, counts


def test_a_run_that_counts_nothing_is_an_error_not_a_number(tmp_path: Path) -> None:
    project = project_with(tmp_path, SAMPLE_DUMPS[:1])
    with pytest.raises(RuntimeError, match="callgrind run failed"):
        count_instructions(project, valgrind="false")
