"""bench.memory: a command's peak memory counts every process it forks, and what they share once."""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

import pytest

from bench.memory import parents_of_all, run_measured, tree_of

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's /proc")

# 200 MB made before the fork (shared by both processes, written by neither after), 120 MB made by the child alone.
FORKING_COMMAND = """
import os, time
shared = b"s" * (200 << 20)
child = os.fork()
if child == 0:
    own = b"c" * (120 << 20)
    time.sleep(1.5)
    os._exit(0)
time.sleep(1.5)
os.waitpid(child, 0)
"""


def test_peak_memory_sums_the_processes_and_counts_shared_pages_once(tmp_path: Path) -> None:
    measured = run_measured([sys.executable, "-c", FORKING_COMMAND], tmp_path)
    assert measured.returncode == 0, measured.stderr
    assert measured.processes_at_peak == 2
    assert measured.peak_mb is not None
    # The parent alone holds ~200 MB; both hold ~330 MB with the shared pages split between them, and
    # would seem to hold ~530 MB if each process's resident size were added up.
    assert 300 < measured.peak_mb < 450, measured.peak_mb
    assert measured.seconds >= 1.5
    assert measured.cpu_seconds > 0.05  # filling 320 MB is CPU work


def test_sampling_a_large_process_costs_the_sampler_little(tmp_path: Path) -> None:
    # Reading a 1 GB process's smaps_rollup takes the kernel ~15 ms: sampled every 50 ms regardless, that
    # would be a quarter of a core taken from the build being measured.
    command = "import time; big = b'x' * (1000 << 20); time.sleep(4)"
    before = resource.getrusage(resource.RUSAGE_SELF)
    measured = run_measured([sys.executable, "-c", command], tmp_path)
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert measured.returncode == 0, measured.stderr
    assert measured.peak_mb is not None and measured.peak_mb > 900
    sampler_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert sampler_cpu < 0.12 * measured.seconds, (sampler_cpu, measured.seconds)


def test_a_failing_command_reports_its_code_and_error(tmp_path: Path) -> None:
    measured = run_measured([sys.executable, "-c", "import sys; sys.exit('no such corpus')"], tmp_path)
    assert measured.returncode == 1
    assert "no such corpus" in measured.stderr


def test_the_tree_holds_descendants_only() -> None:
    parents = {1: 0, 10: 1, 11: 10, 12: 11, 20: 1, 21: 20}
    assert sorted(tree_of(10, parents)) == [10, 11, 12]
    assert sorted(tree_of(21, parents)) == [21]
    assert parents_of_all()[os.getpid()] == os.getppid()
