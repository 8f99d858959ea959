"""A command's wall time, CPU time and peak memory, the memory summed over every process it forks.

ru_maxrss tells one process's peak, and RUSAGE_CHILDREN only the largest child's,
while a build's forked readers, classifiers and renderers live at once. Summing
their resident sizes would count each page they share with the build (a fork
inherits the whole heap) once per process; PSS (proportional set size) splits a
shared page between the processes mapping it, so the sum is what the tree holds
in RAM. The tree is sampled from /proc (Linux) every `interval` seconds, or less
often when a sample is costly: reading a 1.5 GB process's smaps_rollup takes the
kernel 25 ms (it walks the page tables, holding the process's memory map lock), so
the sampler waits twenty times as long as its last sample took, and costs the
build under 5% of one core. A fork that lives less than the wait may be missed; a
build's forks live for seconds.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_INTERVAL = 0.05
SAMPLER_SHARE = 0.05  # of one core, at most, spent reading /proc


@dataclass(frozen=True, slots=True)
class MeasuredRun:
    returncode: int
    seconds: float
    cpu_seconds: float  # user + system of the command and every process it waited for
    peak_mb: float | None  # the largest PSS summed over the tree seen in one sample; None without /proc
    processes_at_peak: int
    stderr: str


def parents_of_all() -> dict[int, int]:
    """pid -> parent pid of every process visible in /proc."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()  # the name, in parentheses, may hold spaces
        except (OSError, IndexError):
            continue  # ended between the listing and the read
        parents[int(name)] = int(fields[1])
    return parents


def tree_of(root: int, parents: Mapping[int, int]) -> list[int]:
    """root and every process descended from it."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, ()))
    return tree


def pss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def tree_pss_kib(root: int) -> tuple[int, int] | None:
    """(PSS summed over root's tree in KiB, processes counted), or None when /proc does not tell."""
    sizes = [pss_kib(pid) for pid in tree_of(root, parents_of_all())]
    known = [size for size in sizes if size is not None]
    return (sum(known), len(known)) if known else None


def run_measured(argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, interval: float = SAMPLE_INTERVAL) -> MeasuredRun:
    """Run argv to its end, sampling its process tree's memory meanwhile."""
    has_proc = Path("/proc/self/smaps_rollup").exists()
    peak: list[int] = [0, 0]  # KiB, processes
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample() -> None:
        while process.poll() is None:
            started_sample = time.perf_counter()
            seen = tree_pss_kib(process.pid)
            if seen is not None and seen[0] > peak[0]:
                peak[:] = seen
            took = time.perf_counter() - started_sample
            time.sleep(max(interval, took / SAMPLER_SHARE))

    sampler = threading.Thread(target=sample, daemon=True)
    if has_proc:
        sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if has_proc:
        sampler.join()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return MeasuredRun(
        process.returncode,
        seconds,
        cpu,
        peak[0] / 1024 if has_proc and peak[0] else None,
        peak[1],
        stderr.decode("utf-8", "replace"),
    )
