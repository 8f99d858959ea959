"""What each table of the carried memo buys a preview rebuild: the guard that keeps a cache only where it pays.

    python -m bench.memo_tables [--rounds N] [--only sample|corpus]

Runs the preview's rebuild session in this process on the sample and on the
2024 corpus, saving one edit to the newest dump before each rebuild (two
versions, alternating), and prints the median rebuild time with every table
carried, then with each table's stage forgotten between builds (its results
computed again, as a one-off build would), and with nothing carried at all.
A table whose absence costs less than 10% of the rebuild goes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

from bench.reload_bench import corpus_project, edited_dump, sample_project, versions
from generator.config import load_config
from generator.memo import Memo, MemoTable
from generator.preview.incremental import RebuildSession


class Forgetting(Memo):
    """A carried memo that keeps nothing between builds for the given stages (every stage: `None`)."""

    def __init__(self, stages: frozenset[str] | None) -> None:
        super().__init__(carried=True)
        self.stages = stages
        self.seen: set[str] = set()

    def table(self, stage: str, context: Hashable = None, limit: int | None = None) -> MemoTable[Any, Any]:
        found = super().table(stage, context, limit)
        self.seen.add(stage)
        if self.stages is None or stage in self.stages:
            found.__init__({}, found.limit)  # type: ignore[misc]  # as if the last build had left nothing
        return found


def rebuild_seconds(project: Path, forget: frozenset[str] | str | None, rounds: int) -> float:
    config_path = project / "digest.yaml"
    session = RebuildSession(lambda: load_config(config_path, project)[0], project)
    if forget != "nothing":
        session.memo = Forgetting(forget)  # type: ignore[arg-type]
    dump = edited_dump(project, "newest")
    original, edited = versions(dump)
    assert session.rebuild(write=False).ok
    times = []
    try:
        for round_ in range(rounds):
            dump.write_bytes(edited if round_ % 2 == 0 else original)
            started = time.perf_counter()
            outcome = session.rebuild(write=False)
            times.append(time.perf_counter() - started)
            assert outcome.ok, outcome.problems
    finally:
        dump.write_bytes(original)
        session.close()
    return statistics.median(times)


def stages_of(project: Path) -> Iterable[str]:
    session = RebuildSession(lambda: load_config(project / "digest.yaml", project)[0], project)
    session.memo = recording = Forgetting(frozenset())
    session.rebuild(write=False)
    session.close()
    return sorted(recording.seen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memo_tables", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=("sample", "corpus"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="memo-tables-") as temporary:
        projects = {"sample": sample_project(Path(temporary) / "sample"), "corpus": corpus_project(Path(temporary) / "corpus")}
        for name, project in projects.items():
            if args.only and name != args.only:
                continue
            (project / "site").mkdir(exist_ok=True)
            carried = rebuild_seconds(project, "nothing", args.rounds)
            print(f"{name}: rebuild after a one-dump edit, median of {args.rounds}: every table carried {carried * 1000:.0f} ms")
            for stage in stages_of(project):
                seconds = rebuild_seconds(project, frozenset({stage}), args.rounds)
                print(f"  without {stage:<18} {seconds * 1000:6.0f} ms  ({(seconds - carried) / seconds:+.0%} of that rebuild is the table's saving)")
            seconds = rebuild_seconds(project, None, args.rounds)
            print(f"  nothing carried          {seconds * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
