"""Forked phases (forks.py): the same results as one process, in the same order, and failures that surface."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from generator import forks, parallel
from generator.memo import Memo
from generator.pipeline import ingest


def test_jobs_run_in_their_own_processes_and_results_come_back_in_order() -> None:
    results = forks.run_jobs([lambda n=n: (n, os.getpid()) for n in range(3)])
    assert [n for n, _ in results] == [0, 1, 2]
    pids = [pid for _, pid in results]
    assert pids[0] == os.getpid() and len(set(pids)) == 3  # the first job runs here, each other in a fork of its own


class OddFailure(Exception):
    pass


def test_a_failing_child_raises_its_own_exception_here_and_every_child_is_waited_for() -> None:
    def fail() -> None:
        raise OddFailure("from the child")

    with pytest.raises(OddFailure, match="from the child"):
        forks.run_jobs([lambda: 1, fail, lambda: 3])
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind, running or unreaped


def test_a_child_that_dies_without_a_word_is_an_error_not_a_hang() -> None:
    with pytest.raises(forks.ForkedJobError, match="without a result"):
        forks.run_jobs([lambda: 1, lambda: os._exit(3)])


def test_reading_the_corpus_on_two_cores_gives_what_one_reader_gives(corpus_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dumps, _ = ingest.discover(corpus_project / "content")
    assert len(dumps) == 157
    serial = parallel.read_dumps(dumps, None, Memo(carried=True))  # a preview's memo: always read here
    forked: list[int] = []
    real_run_jobs = forks.run_jobs
    monkeypatch.setattr(forks, "usable_cores", lambda: 2)
    monkeypatch.setattr(forks, "run_jobs", lambda jobs: forked.append(len(jobs)) or real_run_jobs(jobs))
    imported: list[int] = []
    forked_read = parallel.read_dumps(dumps, None, meanwhile=lambda: imported.append(os.getpid()))
    assert forked == [2]
    assert imported == [os.getpid()]  # `meanwhile` ran here, while the fork read
    assert forked_read == serial
    assert [e.source for r in forked_read for e in r.entries] == [e.source for r in serial for e in r.entries]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".paper-digest"}


def test_digest_build_written_by_its_render_workers_is_the_site_built_in_memory(corpus_project: Path) -> None:
    """The corpus is large enough that `digest build` renders in forks that write their pages themselves."""
    import subprocess
    import sys

    from generator.build import build_site
    from generator.config import load_config

    config, _ = load_config(corpus_project / "digest.yaml", corpus_project)
    in_memory = build_site(config, corpus_project).files
    for attempt in ("into a new folder", "over the first site, no spare yet", "through the spare"):
        finished = subprocess.run([sys.executable, "-m", "generator", "build", "--quiet"], cwd=corpus_project, capture_output=True, text=True, timeout=300)
        assert finished.returncode == 0, (attempt, finished.stderr)
        assert tree(corpus_project / "site") == in_memory, attempt
    assert (corpus_project / ".site.spare").is_dir()


def test_queued_tasks_are_each_done_once_and_come_back_in_order() -> None:
    here: list[int] = []
    first, results = forks.run_queued([lambda n=n: (n, os.getpid()) for n in range(40)], 2, first=lambda: os.getpid(), on_done=here.append)
    assert first == os.getpid()
    assert [n for n, _ in results] == list(range(40))
    assert sorted(here) == [n for n, pid in results if pid == os.getpid()]  # on_done hears of the tasks done here only
    assert len({pid for _, pid in results}) <= 2


def test_the_model_classified_while_deduping_has_the_topics_of_one_process(corpus_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.build import build_model
    from generator.config import load_config
    from generator.memo import Memo

    config, _ = load_config(corpus_project / "digest.yaml", corpus_project)
    serial = build_model(config, memo=Memo(carried=True))  # a preview session's memo: dedupe, then classify, here
    worked_out: list[object] = []
    real = parallel.classify_alongside

    def spying(work, texts, classifier):  # type: ignore[no-untyped-def]
        result, found = real(work, texts, classifier)
        worked_out.append(found)
        return result, found

    monkeypatch.setattr(forks, "usable_cores", lambda: 2)
    monkeypatch.setattr(parallel, "classify_alongside", spying)
    alongside = build_model(config)
    assert len(worked_out) == 1 and isinstance(worked_out[0], dict) and len(worked_out[0]) == 2202  # classified in the queue, every entry text
    assert alongside.site.papers == serial.site.papers  # ids, merges and topics alike
    assert [p.topics for p in alongside.site.papers] == [p.topics for p in serial.site.papers]


def test_a_started_job_runs_in_another_process_while_the_block_runs_here() -> None:
    with forks.started(lambda: (os.getpid(), "x" * 1_000_000)) as result:  # larger than a pipe holds
        here = os.getpid()
        pid, text = result()
        assert result()[0] == pid  # asked again: the same result, not a second wait
    assert pid != here and text == "x" * 1_000_000
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_a_started_job_left_unasked_is_stopped_and_a_failing_one_raises_its_own_error() -> None:
    with forks.started(lambda: "x" * 10_000_000):  # blocks writing a result nobody reads
        pass
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    with forks.started(lambda: time.sleep(120)):  # still working when the block ends
        left = time.monotonic()
    assert time.monotonic() - left < 60  # stopped, not waited for
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)

    def fail() -> None:
        raise OddFailure("started, then failed")

    with pytest.raises(OddFailure, match="started, then failed"), forks.started(fail) as result:
        result()
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_a_fold_whose_later_wordings_a_fork_worked_out_is_the_fold_of_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.corpus import make_entries
    from generator.memo import Memo
    from generator.pipeline import dedupe

    entries = make_entries(1500, seed=3)  # recurring papers with altered titles and cut abstracts: fuzzy merges
    serial = dedupe.dedupe(entries, memo=Memo())
    handed: list[int] = []
    real_started = forks.started
    monkeypatch.setattr(forks, "usable_cores", lambda: 2)
    monkeypatch.setattr(forks, "started", lambda job: handed.append(os.getpid()) or real_started(job))
    monkeypatch.setattr(dedupe, "PREFETCH_MIN_ENTRIES", 1000)
    prefetched = dedupe.dedupe(entries, memo=Memo(), prefetch=parallel.prepared_in_fork)
    assert handed == [os.getpid()]
    assert prefetched == serial
    assert sum(any(merge.rule == "fuzzy" for merge in p.merges) for p in serial.papers) > 20


def test_yielding_forks_run_at_a_lower_priority_than_this_process() -> None:
    here = os.nice(0)
    _, results = forks.run_queued([lambda: (os.getpid(), os.nice(0)) for _ in range(40)], 2, first=lambda: time.sleep(0.2), yielding=True)
    niceness = {pid: nice for pid, nice in results}
    assert niceness.get(os.getpid(), here) == here and os.nice(0) == here  # this process keeps its priority
    assert [nice for pid, nice in niceness.items() if pid != os.getpid()] == [min(here + forks.YIELDING_NICENESS, 19)]
