"""`python -m bench.instructions`: the instructions one `digest build` executes, counted by callgrind.

Wall times on a shared VM swing by a third from run to run, so a change worth a
few percent cannot be told from noise by timing it; an instruction count can: it
is the same for the same code, inputs and environment whatever else the machine
is doing. The build runs in one process (pinned to one core, so it forks
nothing: `forks.usable_cores` reads the affinity), with a fixed hash seed, after
two untimed builds that write the bytecode caches and leave what a user's
every later build finds: the output and the spare it compares its pages
with. `--code DIR` counts another checkout of the generator (say a `git
worktree` of the commit before a change) on the same project, for an A/B.

`--forked` counts the build as a user runs it, on every core, and splits the
count by process: callgrind dumps the counts at every fork (`--dump-before=fork`)
and starts again from zero, so a fork's file holds what that fork did, not what
its parent did before it. Against the one-process count it tells how many
instructions forking adds, and how much of the work the build's own process
kept: what it cannot hand to another core.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import user_environment
from bench.compare import REPO_ROOT, extract_corpus
from bench.run import sample_project

COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
SUMMARY = re.compile(r"^summary:\s*(\d+)", re.MULTILINE)
FIRST_PID = re.compile(r"^==(\d+)==", re.MULTILINE)


def build_command(code: Path | None) -> tuple[list[str], dict[str, str]]:
    env = user_environment()
    env["PYTHONHASHSEED"] = "0"
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code.resolve()), env.get("PYTHONPATH", "")]))
    return [sys.executable, "-m", "generator", "build", "-q"], env


def on_one_core() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _warm_up(project: Path, command: list[str], env: dict[str, str]) -> None:
    for _ in range(2):
        subprocess.run(command, cwd=project, env=env, check=True, preexec_fn=on_one_core)


def _under_callgrind(
    project: Path, command: list[str], env: dict[str, str], valgrind: str, options: Sequence[str], pinned: bool
) -> subprocess.CompletedProcess[str]:
    """`command` run once under callgrind with these options, on one core when `pinned`."""
    return subprocess.run(
        [valgrind, "--tool=callgrind", *options, *command],
        cwd=project,
        env=env,
        preexec_fn=on_one_core if pinned else None,
        capture_output=True,
        text=True,
    )


def _failed(counted: subprocess.CompletedProcess[str]) -> RuntimeError:
    return RuntimeError(f"callgrind run failed (exit {counted.returncode}):\n{counted.stderr[-2000:]}")


def count_instructions(project: Path, code: Path | None = None, valgrind: str = "valgrind") -> int:
    """Instructions of one `digest build -q` of `project` in one process, after two untimed builds."""
    command, env = build_command(code)
    _warm_up(project, command, env)
    with tempfile.TemporaryDirectory() as scratch:
        counted = _under_callgrind(project, command, env, valgrind, [f"--callgrind-out-file={Path(scratch) / 'callgrind.out'}"], pinned=True)
    found = COLLECTED.search(counted.stderr)
    if counted.returncode != 0 or found is None:
        raise _failed(counted)
    return int(found.group(1))


@dataclass(frozen=True, slots=True)
class ProcessCounts:
    """Instructions of a build on every core: the build's own process, and each fork's own."""

    own: int
    forks: tuple[int, ...]  # in pid order

    @property
    def total(self) -> int:
        return self.own + sum(self.forks)

    @property
    def own_share(self) -> float:
        return self.own / self.total


def count_by_process(project: Path, code: Path | None = None, valgrind: str = "valgrind") -> ProcessCounts:
    """Instructions of one `digest build -q` of `project` on every core it may use, by process, after two untimed builds."""
    command, env = build_command(code)
    _warm_up(project, command, env)
    with tempfile.TemporaryDirectory() as scratch:
        split_at_forks = ["--dump-before=fork", f"--callgrind-out-file={Path(scratch) / 'callgrind.%p'}"]
        counted = _under_callgrind(project, command, env, valgrind, split_at_forks, pinned=False)
        own_pid = FIRST_PID.search(counted.stderr)
        if counted.returncode != 0 or own_pid is None:
            raise _failed(counted)
        by_pid: dict[int, int] = {}
        for dump in Path(scratch).glob("callgrind.*"):  # callgrind.<pid>, and callgrind.<pid>.<part> for each dump at a fork
            pid = int(dump.name.split(".")[1])
            by_pid[pid] = by_pid.get(pid, 0) + sum(int(n) for n in SUMMARY.findall(dump.read_text(encoding="utf-8", errors="replace")))
    own = by_pid.pop(int(own_pid.group(1)), None)
    if own is None:
        raise _failed(counted)
    return ProcessCounts(own, tuple(by_pid[pid] for pid in sorted(by_pid)))


def format_by_process(counts: ProcessCounts, one_process: int) -> str:
    forks = ", ".join(f"{n:,}" for n in counts.forks) or "none"
    return (
        f"  on every core: {counts.total:,} instructions ({counts.total / one_process - 1:+.1%} against one process); "
        f"the build's own process {counts.own:,} ({counts.own_share:.0%}), its forks {forks}"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--content", choices=("corpus", "sample"), default="corpus", help="the JSON corpus (default) or the sample content")
    parser.add_argument("--code", type=Path, help="a checkout of paper-digest to count instead of this one")
    parser.add_argument("--runs", type=int, default=1, help="count this many times (the counts should agree)")
    parser.add_argument("--forked", action="store_true", help="also count the build on every core, by process, against the one-process count")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    valgrind = shutil.which("valgrind")
    if valgrind is None or not hasattr(os, "sched_setaffinity"):
        print("bench.instructions needs valgrind (Debian's package) on Linux", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="paper-digest-instructions-") as scratch:
        project = extract_corpus(Path(scratch) / "corpus") if args.content == "corpus" else sample_project(Path(scratch) / "sample")
        code = args.code or REPO_ROOT
        for run in range(1, args.runs + 1):
            count = count_instructions(project, args.code, valgrind)
            print(f"{args.content} build, {code}: {count:,} instructions (run {run}, one process, callgrind)")
            if args.forked:
                print(format_by_process(count_by_process(project, args.code, valgrind), count))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
