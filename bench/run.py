"""`python -m bench`: build generated corpora of several sizes and print where the time goes.

Each size runs in a fresh child process (`python -m bench.run --child ...`) so its
peak memory (ru_maxrss) is its own; the child prints one JSON line, the parent
prints the table. The child builds into memory, so the phases can be told apart;
then the parent times `digest build` of the same corpus as a user runs it (a first
build, writing while it renders), with the peak memory of all its processes
(bench/memory.py). The sample content and the side-by-side with Hugo and Pelican
are timed as whole `digest build` processes, interpreter start included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import SET_ASIDE, set_aside, user_environment
from bench.memory import run_measured

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = REPO_ROOT / "content"
PIPELINE_PHASES = ("read", "dedupe", "topics", "assemble", "render")
DIGEST_CONFIG = "title: Bench Digest\nbase_url: https://example.org/digest/\nyear: 2025\n"


def peak_megabytes(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def cpu_seconds(*whos: int) -> float:
    """User + system time: unlike wall time, barely stretched when other work shares the cores."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime for who in whos)


def change_one_dump(dumps: Sequence[Path]) -> Path:
    """A one-dump edit like a user's: the newest dump gets one more paper."""
    newest = sorted(dumps)[-1]
    text = newest.read_text(encoding="utf-8").rstrip("\n")
    addition = "A Freshly Added Paper About Benchmarking Static Site Generators\n\nWe add one paper to one dump and time the rebuild.\n"
    newest.write_text(text + "\n\n" + addition, encoding="utf-8")
    return newest


def measure_size(size: int, seed: int, workdir: Path, incremental: bool) -> dict[str, Any]:
    """Everything the table shows for one corpus size; runs inside the child process."""
    from bench.corpus import make_entries, write_text_dumps
    from generator.build import build_site
    from generator.config import load_config
    from generator.site import output

    started = time.perf_counter()
    project = workdir / f"size-{size}"
    shutil.rmtree(project, ignore_errors=True)
    (project / "content" / "dumps").mkdir(parents=True)
    (project / "digest.yaml").write_text(DIGEST_CONFIG, encoding="utf-8")
    dumps = write_text_dumps(make_entries(size, seed), project / "content" / "dumps")
    corpus_seconds = time.perf_counter() - started

    config, problems = load_config(project / "digest.yaml", project)
    if problems:
        raise SystemExit("; ".join(p.format() for p in problems))
    cpu_before = cpu_seconds(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    result = build_site(config, project)
    started = time.perf_counter()
    output.write_atomic(config.output_dir, result.files)
    seconds = dict(result.stats.seconds)
    seconds["write"] = time.perf_counter() - started
    cpu = cpu_seconds(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) - cpu_before
    measured: dict[str, Any] = {
        "size": size,
        "dumps": result.stats.dumps,
        "entries": result.stats.entries,
        "papers": result.stats.papers,
        "files": result.stats.files,
        "corpus_seconds": corpus_seconds,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb": peak_megabytes(resource.RUSAGE_SELF),
        "workers_peak_mb": peak_megabytes(resource.RUSAGE_CHILDREN),
        "incremental_seconds": None,
        "incremental_note": "skipped (--no-incremental)",
    }
    del result
    if incremental:
        measured.update(incremental_rebuild(project, dumps))
    return measured


def incremental_rebuild(project: Path, dumps: Sequence[Path]) -> dict[str, Any]:
    """Time the serve session's rebuild after one dump changed (its first build primes the caches)."""
    try:
        from generator.config import load_config
        from generator.preview.incremental import RebuildSession
    except ImportError as exc:
        return {"incremental_note": f"not available yet ({exc})"}

    def config_now() -> Any:
        return load_config(project / "digest.yaml", project)[0]

    session = RebuildSession(config_now, project)
    first = session.rebuild()
    if not first.ok:
        return {"incremental_note": "first build failed: " + "; ".join(p.format() for p in first.problems[:3])}
    changed = sorted(dumps)[-1]
    original = changed.read_bytes()
    change_one_dump(dumps)
    second = session.rebuild()
    changed.write_bytes(original)  # the corpus as it was, for the end-to-end build that follows
    note = f"{len(second.written)} files written, {second.rendered} pages rendered, {second.reused} reused"
    return {"incremental_seconds": second.seconds, "incremental_note": note if second.ok else "rebuild failed"}


def run_child(args: argparse.Namespace) -> int:
    measured = measure_size(args.child, args.seed, Path(args.workdir), not args.no_incremental)
    print(json.dumps(measured))
    return 0


def run_size_in_child(size: int, seed: int, workdir: Path, incremental: bool) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.run", "--child", str(size), "--seed", str(seed), "--workdir", str(workdir)]
    if not incremental:
        argv.append("--no-incremental")
    finished = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True)
    if finished.returncode != 0:
        raise SystemExit(f"size {size} failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


PROBE_ITERATIONS = 2_000_000


def probe_seconds(repeats: int = 5) -> float:
    """Best time of a fixed pure-Python loop: how fast this machine runs the interpreter today.

    This VM's speed drifts by a third within an hour and more from day to day; printed beside
    the timings, it tells a slow day's numbers from a slower build's.
    """
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        total = 0
        for number in range(PROBE_ITERATIONS):
            total += number & 7
        best = min(best, time.perf_counter() - started)
    return best


def time_digest_build(project: Path) -> dict[str, Any]:
    """`digest build` of a size's project as a user's first build: no output folder, no spare."""
    from generator.site.output import spare_of

    set_aside((project / "site", spare_of(project / "site")), project.parent / SET_ASIDE)
    measured = run_measured([sys.executable, "-m", "generator", "build", "--quiet"], project, user_environment(), interval=0.1)
    if measured.returncode != 0:
        raise SystemExit(f"digest build of {project} failed:\n{measured.stderr[-3000:]}")
    measures = {"seconds": measured.seconds, "cpu_seconds": measured.cpu_seconds, "peak_mb": measured.peak_mb, "processes": measured.processes_at_peak}
    return {"digest_build": measures}


def sample_project(project: Path) -> Path:
    """A fresh copy of the shipped sample project (content and digest.yaml) at `project`."""
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(SAMPLE_CONTENT, project / "content")
    shutil.copy(REPO_ROOT / "digest.yaml", project / "digest.yaml")
    return project


def time_sample_build(repeats: int, workdir: Path) -> tuple[list[float], list[float]]:
    """`digest build` of the shipped sample content, end to end as a user runs it."""
    project = sample_project(workdir / "sample")
    runs, cpu = [], []
    command = [sys.executable, "-m", "generator", "build", "--quiet"]
    for run in range(repeats + 1):  # run 0 is not timed: it writes the bytecode caches, as a user's first build does
        cpu_before = cpu_seconds(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        finished = subprocess.run(command, cwd=project, capture_output=True, text=True, env=user_environment())
        if finished.returncode != 0:
            raise SystemExit(f"sample build failed:\n{finished.stderr[-3000:]}")
        if run:
            runs.append(time.perf_counter() - started)
            cpu.append(cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before)
    return runs, cpu


def format_table(results: Sequence[dict[str, Any]]) -> str:
    """Rows are phases and measures, one column per size."""
    phases = [p for p in PIPELINE_PHASES if any(p in r["seconds"] for r in results)]
    phases += [*sorted({p for r in results for p in r["seconds"]} - set(phases) - {"write"}), "write"]
    width = 14
    rows = [("entries", [f"{r['size']:,}" for r in results])]
    rows.append(("dumps / papers", [f"{r['dumps']:,} / {r['papers']:,}" for r in results]))
    rows.append(("files written", [f"{r['files']:,}" for r in results]))
    rows.append(("(corpus made)", [f"{r['corpus_seconds']:.2f} s" for r in results]))
    rows += [(phase, [f"{r['seconds'].get(phase, 0.0):.2f} s" for r in results]) for phase in phases]
    totals = [sum(r["seconds"].values()) for r in results]
    rows.append(("total build", [f"{t:.2f} s" for t in totals]))
    rows.append(("cpu (all processes)", [f"{r['cpu_seconds']:.2f} s" for r in results]))
    rows.append(("pages / s", [f"{r['files'] / t:,.0f}" for r, t in zip(results, totals, strict=True)]))
    rows.append(("peak memory", [f"{r['peak_mb']:,.0f} MB" for r in results]))
    rows.append(("workers' peak", [f"{r['workers_peak_mb']:,.0f} MB" for r in results]))
    rows.append(("one-dump rebuild", [f"{r['incremental_seconds']:.2f} s" if r["incremental_seconds"] is not None else "n/a" for r in results]))
    ends = [r["digest_build"] for r in results]
    rows.append(("digest build", [f"{e['seconds']:.2f} s" for e in ends]))
    rows.append(("  its cpu", [f"{e['cpu_seconds']:.2f} s" for e in ends]))
    rows.append(("  its peak memory", [f"{e['peak_mb']:,.0f} MB" if e["peak_mb"] is not None else "n/a" for e in ends]))
    lines = [f"{label:<18}" + "".join(f"{cell:>{max(width, len(cell) + 2)}}" for cell in cells) for label, cells in rows]
    notes = [f"  rebuild at {r['size']:,}: {r['incremental_note']}" for r in results]
    notes.append("  digest build: end to end, a first build writing as it renders; memory: PSS summed over its processes at their peak")
    return "\n".join(lines + notes)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Time the digest build on generated corpora of several sizes.")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated entry counts (default: 10000,100000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default: 0)")
    parser.add_argument("--compare", action="store_true", help="also time Hugo and Pelican on the JSON corpus, side by side")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timed command for --compare and the sample build (default: 3)")
    parser.add_argument("--no-incremental", action="store_true", help="skip the one-dump rebuild (it builds each size twice more)")
    parser.add_argument("--workdir", type=Path, help="keep the generated projects here (default: a temporary folder, removed)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        args.size_list = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be whole numbers separated by commas, not {args.sizes!r}")
    if not args.size_list or min(args.size_list) < 1:
        parser.error("--sizes needs at least one positive size")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        return run_child(args)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="digest-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        print(f"machine: a {PROBE_ITERATIONS:,}-step Python loop in {probe_seconds():.3f} s, best of 5 (the interpreter's speed today)", flush=True)
        sample, sample_cpu = time_sample_build(args.repeats, workdir)
        print(
            f"sample content (content/dumps), `digest build` end to end: best {min(sample):.3f} s wall, "
            f"{min(sample_cpu):.3f} s cpu, of {len(sample)} runs (load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        results = []
        for size in args.size_list:
            measured = run_size_in_child(size, args.seed, workdir, not args.no_incremental)
            measured.update(time_digest_build(workdir / f"size-{size}"))
            results.append(measured)
            print(f"built {size:,} entries", file=sys.stderr, flush=True)
        print(format_table(results), flush=True)
        if args.compare:
            from bench.compare import format_report, run_comparison

            by_scenario, missing, papers = run_comparison(workdir / "compare", args.repeats)
            for scenario, timings in by_scenario.items():
                print(format_report(timings, papers, scenario), flush=True)
            if missing:
                print(f"not installed, skipped: {', '.join(missing)} (pip install -e '.[bench]')")
    finally:
        shutil.rmtree(workdir if args.workdir is None else workdir / SET_ASIDE, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
