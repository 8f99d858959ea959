"""How a build spreads its stages over the cores: reading, classifying alongside the dedupe, rendering.

Every stage is a function of values (generator/pipeline, generator/site); this
module, used by the orchestrator only, runs those functions in forked processes
(forks.py) where the input is large enough for that to pay. A forked child
inherits the parent's memory (the site model, the renderer's loaded templates)
without pickling; only results cross a pipe back, in task order, so what a stage
makes never depends on which process made it: the result equals the serial one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from generator import forks
from generator.memo import Memo
from generator.pipeline.ingest import DumpFile, read_each
from generator.pipeline.readers import ParseResult

if TYPE_CHECKING:  # the dedupe and the renderers are imported while the dumps are read (build.prepare_rendering)
    from generator.pipeline.dedupe import Prepared
    from generator.pipeline.topics import Classified, Classifier
    from generator.site.output import Sink
    from generator.site.plan import PageSpec
    from generator.site.render import Renderer

T = TypeVar("T")

# ---------------------------------------------------------------- reading

# Below this many bytes of dumps a second reader is not worth a fork (a threshold chosen).
PARALLEL_READ_BYTES = 4_000_000


def read_dumps(
    dumps: list[DumpFile], default_year: int | None, memo: Memo | None = None, meanwhile: Callable[[], object] | None = None
) -> list[ParseResult]:
    """Each dump parsed, in order. A one-off build of many megabytes reads on every core: runs of
    dumps are tasks on one queue that forked readers take from at once, and this process once
    `meanwhile` (if given) is done. A build reading in one process does not run `meanwhile`.

    A memo carried between builds (the live preview's) reads here, so it keeps every dump's parse for the next.
    """
    if memo is not None and memo.carried:
        return read_each(dumps, default_year, memo.table("parse", default_year))
    total = sum(_size_of(dump) for dump in dumps)
    readers = min(forks.usable_cores(), max(1, total // PARALLEL_READ_BYTES)) if forks.can_fork() else 1
    if readers <= 1:
        return read_each(dumps, default_year)
    per_task = max(1, -(-len(dumps) // forks.MAX_QUEUED))
    runs = [dumps[start : start + per_task] for start in range(0, len(dumps), per_task)]
    _, read = forks.run_queued([partial(read_each, run, default_year) for run in runs], readers, first=meanwhile)
    return [result for results in read for result in results]


def _size_of(dump: DumpFile) -> int:
    try:
        return dump.path.stat().st_size
    except OSError:
        return 0  # read_each reports it when it reads it


# ---------------------------------------------------------------- dedupe and topics


@contextmanager
def prepared_in_fork(texts: list[tuple[str, str]]) -> Iterator[Callable[[], Prepared]]:
    """The dedupe's `prefetch`: the later texts' abstracts worked out by a forked process while the fold matches
    the entries before them (here when forking would not pay)."""
    from generator.pipeline.dedupe import normalized_abstracts, prepared_by_text

    if not texts or not forks.can_fork() or forks.usable_cores() < 2 or forks.forks_that_fit(2) < 2:  # room for the classifying fork too
        yield lambda: prepared_by_text(texts, normalized_abstracts(texts))
        return
    with forks.started(lambda: normalized_abstracts(texts)) as result:
        yield lambda: prepared_by_text(texts, result())


# Below this many texts classifying them in forks is not worth it (a threshold chosen: a fork costs
# about what classifying a hundred texts does).
PARALLEL_MIN_TEXTS = 200


TEXTS_PER_TASK = 64


def classify_alongside(work: Callable[[], T], texts: Sequence[tuple[str, str]], classifier: Classifier) -> tuple[T, Classified | None]:
    """work() here while forked processes classify `texts`: (its result, the texts' topics), or
    (its result, None) when forking would not pay. The texts are tasks on one queue: the forks
    take from it at once, this process once work() is done, so all finish together. The build
    runs the dedupe this way, classifying every distinct entry text meanwhile: a paper's title and
    abstract are nearly always one entry's, so the topics are ready when the papers are. The forks
    yield a shared core to work(): the dedupe is what the build waits for, and a large one forks a
    process of its own (prepared_in_fork).
    """
    distinct = list(dict.fromkeys(texts))
    processes = forks.usable_cores()
    if not forks.can_fork() or processes < 2 or len(distinct) < PARALLEL_MIN_TEXTS or forks.forks_that_fit(processes - 1) < processes - 1:
        return work(), None
    per_task = max(TEXTS_PER_TASK, -(-len(distinct) // forks.MAX_QUEUED))
    runs = [distinct[start : start + per_task] for start in range(0, len(distinct), per_task)]
    result, found = forks.run_queued([lambda run=run: [classifier.classify(*text) for text in run] for run in runs], processes, first=work, yielding=True)
    return result, {text: matches for run, matched in zip(runs, found, strict=True) for text, matches in zip(run, matched, strict=True)}  # type: ignore[misc]



# ---------------------------------------------------------------- rendering

# Below this many pages forking costs more than it saves.
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
    # here as well (into a folder it does not, but the margin keeps a build too large for two copies serial).
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
    from generator.site.render import Renderer

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
    from generator.site.output import MemorySink

    memory = MemorySink()
    render_into(memory, specs, renderer, progress, workers, side_jobs)
    return memory.files
