"""Time from a saved change to the reload event of `digest serve`, on the sample and on the JSON corpus.

    python -m bench.reload_bench [--rounds N] [--only sample|corpus] [--dump middle|newest|both] [--phases]

Starts the real server on a free loopback port in a child process, opens its
event stream, then repeatedly edits one dump, the middle one (dedupe then re-matches
every entry after it) and then the newest (alternating two versions, so
every save changes the site) and measures, on the wall clock of this process,
the time from the write to the arrival of the `reload` event. Prints the
median and p90 per project. With --phases it also runs the same edits through an
in-process rebuild session and prints the median time of each build phase, to
show where a rebuild's time goes.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).parent.parent
SEEDS = REPO_ROOT / "tests" / "data" / "seeds"
CORPUS = REPO_ROOT / "tests" / "data" / "hf-daily-2024.tar.xz"
EVENTS = "__digest/events"


def sample_project(folder: Path) -> Path:
    dumps = folder / "content" / "dumps"
    dumps.mkdir(parents=True)
    for seed in sorted(SEEDS.iterdir()):
        shutil.copy(seed, dumps / seed.name)
    (folder / "digest.yaml").write_text("title: Bench\nbase_url: http://127.0.0.1:8000/\nyear: 2025\n", encoding="utf-8")
    return folder


def corpus_project(folder: Path) -> Path:
    with tarfile.open(CORPUS) as archive:
        archive.extractall(folder, filter="data")
    (folder / "content").mkdir()
    (folder / "hf-daily-2024").rename(folder / "content" / "dumps")
    (folder / "digest.yaml").write_text("title: Bench\nbase_url: http://127.0.0.1:8000/\n", encoding="utf-8")
    return folder


def versions(dump: Path) -> tuple[bytes, bytes]:
    """The dump as it is and with its first title edited: each save flips between the two."""
    original = dump.read_bytes()
    if dump.suffix == ".json":
        edited = re.sub(rb"(['\"]title['\"]:\s*['\"])", rb"\1Edited ", original, count=1)  # JSON, or items as Python reprs
    else:
        edited = original.rstrip() + b"\n\nAn Added Paper On Reload Timing\n\nIts abstract, added by the reload benchmark.\n"
    assert edited != original
    return original, edited


def edited_dump(project: Path, which: str) -> Path:
    """The dump the benchmark edits: the middle one (dedupe re-matches every entry after it) or the newest."""
    dumps = sorted((project / "content" / "dumps").iterdir())
    if which == "middle":
        return dumps[len(dumps) // 2]
    sys.path.insert(0, str(REPO_ROOT))
    from generator import parallel
    from generator.config import load_config
    from generator.pipeline import ingest

    config = load_config(project / "digest.yaml", project)[0]
    found, _ = ingest.discover(config.content_dir)
    days = {dump.path: max((e.date for e in result.entries), default=None) for dump, result in zip(found, parallel.read_dumps(found, config.year), strict=True)}
    return max((path for path in days if days[path]), key=lambda path: (days[path], path.name))


def measure(project: Path, rounds: int, which: str = "middle") -> list[float]:
    child = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--port", "0", "--quiet"],
        cwd=project,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert child.stdout is not None
        port = 0
        for line in child.stdout:
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if found:
                port = int(found.group(1))
                break
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("GET", "/" + EVENTS)
        response = connection.getresponse()
        arrivals: list[float] = []
        got = threading.Event()

        def listen() -> None:
            name = ""
            for raw in response:
                line = raw.decode().strip()
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name == "reload":
                    arrivals.append(time.perf_counter())
                    got.set()

        threading.Thread(target=listen, daemon=True).start()
        time.sleep(1.0)  # the watchers announce readiness quietly; give them a moment
        dump = edited_dump(project, which)
        original, edited = versions(dump)
        timings = []
        for round_number in range(rounds + 1):
            got.clear()
            saved = time.perf_counter()
            dump.write_bytes(edited if round_number % 2 == 0 else original)
            if not got.wait(60):
                raise RuntimeError("no reload event within 60 s")
            if round_number:  # the first save also warms the caches of the edited version
                timings.append(arrivals[-1] - saved)
            time.sleep(0.3)
        connection.close()
        return timings
    finally:
        child.terminate()
        child.wait(timeout=30)


def phases(project: Path, rounds: int, which: str = "middle") -> dict[str, float]:
    """Median seconds per build phase (and the session's own share) over one-dump rebuilds, in process."""
    sys.path.insert(0, str(REPO_ROOT))
    from generator.config import load_config
    from generator.preview.incremental import RebuildSession

    session = RebuildSession(lambda: load_config(project / "digest.yaml", project)[0], project)
    assert session.rebuild().ok
    dump = edited_dump(project, which)
    original, edited = versions(dump)
    samples: dict[str, list[float]] = {}
    for round_number in range(rounds + 1):
        dump.write_bytes(edited if round_number % 2 == 0 else original)
        outcome = session.rebuild(write=False)  # as `digest serve` does: announce, then write
        assert outcome.ok and session.last_result is not None
        session.write_output()
        if round_number:
            seconds = dict(session.last_result.stats.seconds)
            seconds["session (diff, caches)"] = outcome.seconds - sum(seconds.values())
            seconds["total"] = outcome.seconds
            for phase, value in seconds.items():
                samples.setdefault(phase, []).append(value)
    return {phase: statistics.median(values) for phase, values in samples.items()}


def report(name: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    print(f"{name:21} save -> reload event: median {statistics.median(ordered) * 1000:6.0f} ms, p90 {p90 * 1000:6.0f} ms ({len(ordered)} saves)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", choices=("sample", "corpus"))
    parser.add_argument("--phases", action="store_true", help="also print the median time of each build phase")
    parser.add_argument("--dump", choices=("middle", "newest", "both"), default="both", help="which dump each save edits")
    args = parser.parse_args(argv)
    edits = ("middle", "newest") if args.dump == "both" else (args.dump,)
    for name, make in (("sample", sample_project), ("corpus", corpus_project)):
        if args.only and args.only != name:
            continue
        with tempfile.TemporaryDirectory(prefix=f"reload-bench-{name}-") as folder:
            project = make(Path(folder))
            for which in edits:
                report(f"{name}, {which} dump", measure(project, args.rounds, which))
                if args.phases:
                    medians = phases(project, args.rounds, which)
                    print("    one-dump rebuild, median per phase: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in medians.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
