"""Render a site's pages on every core, byte for byte what a serial render gives.

Worker processes are forked (forks.py), so they inherit the renderer (Jinja2
environment, loaded templates) and the page specs without pickling either; they
take runs of pages (and the exports and feeds) from one queue, and put what they
render into the output sink themselves when it is a folder, else send the bytes
back. A page's bytes depend only on its spec and the templates, never on which
process rendered it or in what order, so the result equals the serial render.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from generator import forks
from generator.site.output import MemorySink, Sink
from generator.site.render import PageSpec, Renderer

# Below this many pages forking costs more than it saves: the sample's 363 pages build in 0.54 s
# forked against 0.66 s in one process (measured: README "Benchmarks").
PARALLEL_MIN_PAGES = 200
PROGRESS_EVERY = 250

# Work that is not a page (exports, feeds): a function of the site model returning files.
SideJob = Callable[[], dict[str, bytes]]


def worker_count(pages: int) -> int:
    """How many processes should render `pages` pages: 1 means render here, serially.

    A million-entry site does not fit twice in memory: the forks are only as many as
    the available memory holds.
    """
    if pages < PARALLEL_MIN_PAGES or not forks.can_fork():
        return 1
    wanted = max(1, min(forks.usable_cores(), pages // (PARALLEL_MIN_PAGES // 2)))
    # Room for one fork more than are made: into a memory sink what they render comes back to be held
    # here as well (into a folder it does not, but the margin keeps a million-entry build, ~9 GB, serial).
    if forks.forks_that_fit(wanted) < wanted:
        return 1
    return wanted


def render_serial(specs: Sequence[PageSpec], renderer: Renderer, sink: Sink, progress: Callable[[int, int], None] | None = None) -> None:
    for done, spec in enumerate(specs, start=1):
        sink.put(spec.path, renderer.render(spec))
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, len(specs))


# Pages per task on the shared queue: small enough that the processes finish together, large
# enough that taking a task (one read of a pipe) costs nothing next to rendering it.
PAGES_PER_TASK = 32


def render_parallel(
    specs: Sequence[PageSpec],
    renderer: Renderer,
    workers: int,
    sink: Sink,
    progress: Callable[[int, int], None] | None = None,
    side_jobs: Sequence[SideJob] = (),
) -> list[str]:
    """The pages and side jobs as tasks on one queue that `workers` processes (this one and forks) take from.

    Page costs differ by template (a day page costs five of its Markdown mirror), so rather
    than deal pages out in advance, each process takes the next task when it is done with
    one: side jobs first (each is one long task), then runs of pages in order. A process
    puts what it makes into the sink itself when the sink is a folder every process can
    write to (so files are written while other pages render), else sends the bytes back
    to be put here in task order. Either way the files are the same whichever process
    made which. Returns the side jobs' paths.
    """
    side_paths: list[str] = []
    if workers <= 1:
        render_serial(specs, renderer, sink, progress)
        for job in side_jobs:
            for path, data in job().items():
                sink.put(path, data)
                side_paths.append(path)
        return side_paths
    per_task = max(PAGES_PER_TASK, -(-len(specs) // (forks.MAX_QUEUED - len(side_jobs))))
    runs = [range(start, min(start + per_task, len(specs))) for start in range(0, len(specs), per_task)]
    direct = sink.shared_by_forks

    def side_task(job: SideJob) -> Callable[[], object]:
        def run() -> object:
            made = job()
            if not direct:
                return made
            for path, data in made.items():
                sink.put(path, data)
            return list(made)

        return run

    def page_task(run: range) -> Callable[[], object]:
        def render() -> object:
            if not direct:
                return [renderer.render(specs[index]) for index in run]
            for index in run:
                sink.put(specs[index].path, renderer.render(specs[index]))
            return None

        return render

    tasks = [*map(side_task, side_jobs), *map(page_task, runs)]

    def report(number: int) -> None:
        if progress and number >= len(side_jobs):
            progress(min(len(specs), (number - len(side_jobs) + 1) * per_task), len(specs))

    _, results = forks.run_queued(tasks, workers, on_done=report)
    if not direct:  # in the order a serial render puts them: pages, then the side jobs' files
        for number, run in enumerate(runs, start=len(side_jobs)):
            for index, page in zip(run, results[number], strict=True):  # type: ignore[call-overload]
                sink.put(specs[index].path, page)
    for number in range(len(side_jobs)):
        made = results[number]
        side_paths.extend(made if direct else made.keys())  # type: ignore[union-attr, arg-type]
        if not direct:
            for path, data in made.items():  # type: ignore[union-attr]
                sink.put(path, data)
    return side_paths


def render_into(
    sink: Sink,
    specs: Sequence[PageSpec],
    renderer: Renderer,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    side_jobs: Sequence[SideJob] = (),
) -> list[str]:
    """Every page and the side jobs' files put into `sink`, in worker processes when the site is large
    enough for that to pay; returns the side jobs' paths.

    A renderer subclass (the live preview's caching one) keeps state per render, which
    forked workers would lose, so it always renders here.
    """
    count = worker_count(len(specs)) if workers is None else workers
    if type(renderer) is not Renderer:
        count = 1
    return render_parallel(specs, renderer, count, sink, progress, side_jobs)


def render_all(
    specs: Sequence[PageSpec],
    renderer: Renderer,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    side_jobs: Sequence[SideJob] = (),
) -> dict[str, bytes]:
    """render_into memory: every page and side job file by path."""
    memory = MemorySink()
    render_into(memory, specs, renderer, progress, workers, side_jobs)
    return memory.files
