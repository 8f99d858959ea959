"""Run a few jobs at once in forked processes: the one tool every parallel phase (read, render, write) shares.

A forked child inherits the parent's memory, so a job reads the site model,
the templates and the rendered files without anything being pickled on the way
in; only its result crosses a pipe back. The first job runs in the calling
process while the children run the rest, and results come back in job order,
so what a phase makes never depends on which process made it.

No multiprocessing pool: forking directly costs a millisecond, the pool's
import and start-up many times that.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class ForkedJobError(RuntimeError):
    """A job failed in a child process in a way that could not be sent back as its own exception."""


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return hasattr(os, "fork") and hasattr(os, "register_at_fork")


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


# A forked process ends up with its own copy of most of the heap it reads (reference counts write to
# every page they touch) plus what it makes: up to 1.5 times the parent's size.
FORK_COPY_FACTOR = 1.5


def affordable_forks(wanted: int, resident_kib: int | None, available_kib: int | None) -> int:
    """How many of `wanted` forked processes fit in the memory available (all of them when it cannot be told)."""
    if resident_kib is None or available_kib is None or resident_kib == 0:
        return wanted
    return max(0, min(wanted, int(available_kib / (resident_kib * FORK_COPY_FACTOR))))


def forks_that_fit(wanted: int) -> int:
    """affordable_forks for this process, now."""
    return affordable_forks(wanted, _resident_kib(), _meminfo_kib("MemAvailable"))


def _child(job: Callable[[], Any], pipe: int) -> None:
    """Run the job and send ("ok", result) or ("error", exception, traceback text); never returns."""
    import pickle  # here and in _receive: a small build never forks, and every build would pay these imports
    import traceback

    code = 0
    try:
        try:
            message = pickle.dumps(("ok", job()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # everything goes back to the parent, which raises it
            code = 1
            text = traceback.format_exc()
            try:
                message = pickle.dumps(("error", exc, text), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle goes back as its text
                message = pickle.dumps(("error", None, text), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(pipe, "wb") as out:
            out.write(message)
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffered output a second time


def _receive(pid: int, pipe: int) -> Any:
    import pickle

    with os.fdopen(pipe, "rb") as incoming:
        message = incoming.read()
    _, status = os.waitpid(pid, 0)
    if not message:
        raise ForkedJobError(f"a forked job ended without a result (wait status {status})")
    reply = pickle.loads(message)
    if reply[0] == "ok":
        return reply[1]
    _, exc, text = reply
    if isinstance(exc, BaseException):
        raise exc
    raise ForkedJobError(f"a forked job failed:\n{text}")


def _fork(job: Callable[[], Any]) -> tuple[int, int]:
    """Start `job` in a forked child: (its pid, the pipe its result will come through)."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(readable)
        _child(job, writable)
    os.close(writable)
    return pid, readable


def run_jobs(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """Each job's result, in order: the first job runs here, every other in a process forked for it.

    Call only with more than one job where forking pays; the caller decides (core count,
    memory, size of the work). Every child is waited for, even when a job fails.
    """
    if len(jobs) <= 1 or not can_fork():
        return [job() for job in jobs]
    started: list[tuple[int, int]] = []
    try:
        for job in jobs[1:]:
            started.append(_fork(job))
        first = jobs[0]()
    except BaseException:
        for pid, readable in started:
            os.close(readable)
            os.waitpid(pid, 0)
        raise
    results: list[Any] = [first]
    failure: BaseException | None = None
    for pid, readable in started:
        try:
            results.append(_receive(pid, readable))
        except BaseException as exc:  # the other children are still waited for
            failure = failure or exc
    if failure is not None:
        raise failure
    return results


@contextmanager
def started(job: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """`job` running in a process forked for it while the block runs here; the callable the block gets
    waits for the job's result. Leaving the block without asking for it stops the job."""
    pid, readable = _fork(job)
    received: list[T] = []
    collected = False

    def result() -> T:
        nonlocal collected
        if not collected:
            collected = True
            received.append(_receive(pid, readable))
        return received[0]

    try:
        yield result
    finally:
        if not collected:  # the block failed or did not need the result: stop the job wherever it is
            os.kill(pid, signal.SIGKILL)
            os.close(readable)
            os.waitpid(pid, 0)


# A task number on the queue; the queue is written whole before anyone reads it, so it must fit a
# pipe's buffer (64 KiB on Linux, 4 KiB at least): MAX_QUEUED tasks at most.
TASK_BYTES = 4
MAX_QUEUED = 1000
YIELDING_NICENESS = 10  # CFS gives such a process about a tenth of a shared core

U = TypeVar("U")


def run_queued(
    tasks: Sequence[Callable[[], T]],
    processes: int,
    first: Callable[[], U] | None = None,
    on_done: Callable[[int], None] | None = None,
    yielding: bool = False,
) -> tuple[U | None, list[T]]:
    """Every task's result in task order, from `processes` processes (this one and forks) that each
    take the next task from one queue whenever they come free, so they finish together whatever
    each task costs. `first` runs here before this process starts taking (its result is returned
    first): the forks start on the queue meanwhile. `on_done(task number)` is called here, for the
    tasks done here. `yielding` forks run at a lower priority: `first` is what the build waits for,
    and a core it shares with them (and with what it forks itself) should go to it first.
    """
    if len(tasks) > MAX_QUEUED:
        raise ValueError(f"at most {MAX_QUEUED} queued tasks, not {len(tasks)}")
    readable, writable = os.pipe()
    with os.fdopen(writable, "wb") as queue:
        queue.write(b"".join(number.to_bytes(TASK_BYTES, "little") for number in range(len(tasks))))

    def take(report: Callable[[int], None] | None) -> dict[int, T]:
        done: dict[int, T] = {}
        while token := os.read(readable, TASK_BYTES):  # a pipe read of a few bytes is whole: no task is split or taken twice
            number = int.from_bytes(token, "little")
            done[number] = tasks[number]()
            if report:
                report(number)
        return done

    def here() -> tuple[U | None, dict[int, T]]:
        return (first() if first else None), take(on_done)

    def forked() -> tuple[None, dict[int, T]]:
        if yielding:
            os.nice(YIELDING_NICENESS)
        return None, take(None)

    try:
        finished = run_jobs([here, *([forked] * (processes - 1))])
    finally:
        os.close(readable)
    results: dict[int, T] = {}
    for _, done in finished:
        results.update(done)
    return finished[0][0], [results[number] for number in range(len(tasks))]
