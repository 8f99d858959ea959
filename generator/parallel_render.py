"""Render a large site's pages on every core, byte for byte what a serial render gives.

Worker processes are forked (forks.py), so they inherit the renderer (Jinja2
environment, loaded templates) and the page specs without pickling either; each
renders every n-th page and sends back only bytes. A page's bytes depend only on
its spec and the templates, never on which process rendered it or in what order,
so the result equals the serial render; the caller sorts paths anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import forks
from .render import PageSpec, Renderer

# Below this many pages forking costs more than it saves (measured: bench/, README "Benchmarks").
PARALLEL_MIN_PAGES = 1500
PROGRESS_EVERY = 250

# Work that is not a page (exports, feeds): a function of the site model returning files.
SideJob = Callable[[], dict[str, bytes]]


def worker_count(pages: int, side_jobs: bool = True) -> int:
    """How many processes should render `pages` pages: 1 means render here, serially.

    A million-entry site does not fit twice in memory: the forks (the render workers
    and the one making the exports) are only as many as the available memory holds.
    """
    if pages < PARALLEL_MIN_PAGES or not forks.can_fork():
        return 1
    wanted = max(1, min(forks.usable_cores(), pages // (PARALLEL_MIN_PAGES // 2)))
    if forks.forks_that_fit(wanted - 1 + side_jobs) < wanted - 1 + side_jobs:
        return 1  # the side jobs' fork is the largest: with any fork unaffordable, render here
    return wanted


def run_side_jobs(side_jobs: Sequence[SideJob]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for job in side_jobs:
        files.update(job())
    return files


def render_serial(specs: Sequence[PageSpec], renderer: Renderer, progress: Callable[[int, int], None] | None = None) -> dict[str, bytes]:
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
    if workers <= 1:
        return {**render_serial(specs, renderer, progress), **run_side_jobs(side_jobs)}

    def share(number: int) -> Callable[[], list[bytes]]:
        def render_share() -> list[bytes]:
            rendered = []
            for done, index in enumerate(range(number, len(specs), workers), start=1):
                rendered.append(renderer.render(specs[index]))
                if progress and number == 0 and done % PROGRESS_EVERY == 0:
                    progress(done * workers, len(specs))
            return rendered

        return render_share

    jobs: list[Callable[[], object]] = [share(number) for number in range(workers)]
    if side_jobs:
        jobs.append(lambda: run_side_jobs(side_jobs))
    results = forks.run_jobs(jobs)
    rendered: list[bytes | None] = [None] * len(specs)
    for number in range(workers):
        rendered[number::workers] = results[number]  # type: ignore[assignment]
    side_files: dict[str, bytes] = results[workers] if side_jobs else {}  # type: ignore[assignment]
    return {**{spec.path: page for spec, page in zip(specs, rendered, strict=True)}, **side_files}  # type: ignore[misc]


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
