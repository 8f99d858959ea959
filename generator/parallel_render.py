"""Render a large site's pages on every core, byte for byte what a serial render gives.

Worker processes are forked, so they inherit the renderer (Jinja2 environment,
loaded templates) and the page specs without pickling either; each renders
every n-th page and sends back only bytes. A page's bytes depend only on its
spec and the templates, never on which process rendered it or in what order,
so the result equals the serial render; the caller sorts paths anyway.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from .render import PageSpec, Renderer

# Below this many pages forking costs more than it saves (measured: bench/, README "Benchmarks").
PARALLEL_MIN_PAGES = 1500
PROGRESS_EVERY = 250

# Work that is not a page (exports, feeds): a function of the site model returning files.
SideJob = Callable[[], dict[str, bytes]]

# Set just before forking; the children read it, so nothing big crosses a pipe on the way in.
_job: tuple[Sequence[PageSpec], Renderer, Sequence[SideJob]] | None = None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing  # here, not at the top: a small site never needs it, and every build would pay its import

    return "fork" in multiprocessing.get_all_start_methods()


# A forked process ends up with its own copy of most of the heap it reads (reference counts write to
# every page they touch) plus what it makes: measured at 1 to 1.5 times the parent's size (bench/).
FORK_COPY_FACTOR = 1.5


def _meminfo_kib(field: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _resident_kib() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return None


def affordable_forks(wanted: int, resident_kib: int | None, available_kib: int | None) -> int:
    """How many of `wanted` forked processes fit in the memory available (all of them when it cannot be told)."""
    if resident_kib is None or available_kib is None or resident_kib == 0:
        return wanted
    return max(0, min(wanted, int(available_kib / (resident_kib * FORK_COPY_FACTOR))))


def worker_count(pages: int, side_jobs: bool = True) -> int:
    """How many processes should render `pages` pages: 1 means render here, serially.

    A million-entry site does not fit twice in memory: the forks (the render workers
    and the one making the exports) are only as many as the available memory holds.
    """
    if pages < PARALLEL_MIN_PAGES or not can_fork():
        return 1
    wanted = max(1, min(usable_cores(), pages // (PARALLEL_MIN_PAGES // 2)))
    forks = affordable_forks(wanted - 1 + side_jobs, _resident_kib(), _meminfo_kib("MemAvailable"))
    if forks < wanted - 1 + side_jobs:
        return 1  # the side jobs' fork is the largest: with any fork unaffordable, render here
    return wanted


def _render_share(share: int, shares: int) -> list[bytes]:
    assert _job is not None, "forked without a job"
    specs, renderer, _ = _job
    return [renderer.render(specs[index]) for index in range(share, len(specs), shares)]


def _run_side_jobs() -> dict[str, bytes]:
    assert _job is not None, "forked without a job"
    return run_side_jobs(_job[2])


def run_side_jobs(side_jobs: Sequence[SideJob]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for job in side_jobs:
        files.update(job())
    return files


def render_serial(
    specs: Sequence[PageSpec], renderer: Renderer, progress: Callable[[int, int], None] | None = None
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for done, spec in enumerate(specs, start=1):
        files[spec.path] = renderer.render(spec)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, len(specs))
    return files


def render_parallel(
    specs: Sequence[PageSpec],
    renderer: Renderer,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
    side_jobs: Sequence[SideJob] = (),
) -> dict[str, bytes]:
    """Share 0 is rendered here while workers-1 forked processes render the others and one more runs the side jobs."""
    global _job
    if workers <= 1:
        return {**render_serial(specs, renderer, progress), **run_side_jobs(side_jobs)}
    import multiprocessing

    _job = (specs, renderer, side_jobs)
    try:
        with multiprocessing.get_context("fork").Pool(workers - 1 + bool(side_jobs)) as pool:
            side = pool.apply_async(_run_side_jobs) if side_jobs else None
            pending = [pool.apply_async(_render_share, (share, workers)) for share in range(1, workers)]
            rendered: dict[int, bytes] = {}
            for done, index in enumerate(range(0, len(specs), workers), start=1):
                rendered[index] = renderer.render(specs[index])
                if progress and done % PROGRESS_EVERY == 0:
                    progress(done * workers, len(specs))
            for share, result in enumerate(pending, start=1):
                rendered.update(zip(range(share, len(specs), workers), result.get(), strict=True))
            side_files = side.get() if side else {}
    finally:
        _job = None
    return {**{specs[index].path: rendered[index] for index in range(len(specs))}, **side_files}


def render_all(
    specs: Sequence[PageSpec],
    renderer: Renderer,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    side_jobs: Sequence[SideJob] = (),
) -> dict[str, bytes]:
    """Every page, plus the side jobs' files; in worker processes when the site is large enough for that to pay.

    A renderer subclass (the live preview's caching one) keeps state per render, which
    forked workers would lose, so it always renders here.
    """
    count = worker_count(len(specs), bool(side_jobs)) if workers is None else workers
    if type(renderer) is not Renderer:
        count = 1
    return render_parallel(specs, renderer, count, progress, side_jobs)
