"""The benchmark runs and reports every phase; parallel rendering changes no byte; the progress bar shows only on a terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.compare import extract_corpus
from bench.corpus import make_entries, write_text_dumps
from generator.build import build_site, site_info
from generator.config import Config, load_config
from generator.model import Site
from generator.parallel import render_all
from generator.progress import ProgressBar, build_progress, format_line, no_progress, wants_bar
from generator.site import export, search
from generator.site.plan import plan_pages
from generator.site.render import Renderer, theme_dirs

REPO_ROOT = Path(__file__).parents[2]


def test_bench_prints_every_phase_for_a_small_corpus(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--sizes", "300", "--repeats", "1", "--workdir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    rows = {line.strip().split("  ")[0] for line in finished.stdout.splitlines()}
    for row in (
        "entries",
        "read",
        "dedupe",
        "topics",
        "render",
        "write",
        "total build",
        "pages / s",
        "peak memory",
        "one-dump rebuild",
        "digest build",
        "its peak memory",
    ):
        assert row in rows, f"no {row!r} row in:\n{finished.stdout}"
    assert "sample content" in finished.stdout
    probe = re.search(r"^machine: .* loop in (\d+\.\d+) s", finished.stdout, re.MULTILINE)
    assert probe and float(probe[1]) > 0, finished.stdout
    rebuild = next(line for line in finished.stdout.splitlines() if line.startswith("one-dump rebuild"))
    assert rebuild.split()[-1] == "s", f"the one-dump rebuild was not timed: {rebuild!r}\n{finished.stdout}"
    end_to_end = next(line for line in finished.stdout.splitlines() if line.startswith("  its peak memory"))
    assert end_to_end.split()[-1] == "MB", f"digest build's memory was not measured: {end_to_end!r}"
    assert (tmp_path / "size-300" / "site" / "index.html").is_file(), "digest build made no site"
    assert not (tmp_path / "set-aside").exists(), "what the timed builds had moved aside was left behind"


def test_set_aside_moves_what_is_in_the_way_and_keeps_every_copy(tmp_path: Path) -> None:
    from bench import set_aside

    trash = tmp_path / "trash"
    for round_number in range(2):
        (tmp_path / "site").mkdir()
        (tmp_path / "site" / "page.html").write_text(str(round_number), encoding="utf-8")
        set_aside((tmp_path / "site", tmp_path / "never-made"), trash)
        assert not (tmp_path / "site").exists()
    kept = sorted(trash.iterdir())
    assert [path.name for path in kept] == ["00000-site", "00001-site"]
    assert [(path / "page.html").read_text(encoding="utf-8") for path in kept] == ["0", "1"]


def test_a_timed_digest_build_finds_no_site_and_the_last_one_is_set_aside(tmp_path: Path) -> None:
    from bench.run import sample_project, time_digest_build

    project = sample_project(tmp_path / "project")
    (project / "site").mkdir()
    (project / "site" / "left.html").write_text("the last build's", encoding="utf-8")

    measured = time_digest_build(project)

    assert measured["digest_build"]["seconds"] > 0
    assert (project / "site" / "index.html").is_file() and not (project / "site" / "left.html").exists()
    assert (tmp_path / "set-aside" / "00000-site" / "left.html").read_text(encoding="utf-8") == "the last build's"


def test_corpus_maker_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    first, again, other = make_entries(400, seed=7), make_entries(400, seed=7), make_entries(400, seed=8)
    assert first == again
    assert first != other
    assert len(first) == 400
    one = write_text_dumps(first, tmp_path / "one")
    two = write_text_dumps(again, tmp_path / "two")
    assert [p.name for p in one] == [p.name for p in two]
    assert [p.read_bytes() for p in one] == [p.read_bytes() for p in two]


def test_the_comparison_can_run_again_in_the_same_workdir(tmp_path: Path) -> None:
    first = extract_corpus(tmp_path / "digest")
    dumps = sorted(path.name for path in (first / "content" / "dumps").iterdir())
    (first / "content" / "dumps" / "stray.json").write_text("[]", encoding="utf-8")  # left by a run that was stopped
    again = extract_corpus(tmp_path / "digest")
    assert sorted(path.name for path in (again / "content" / "dumps").iterdir()) == dumps
    assert not (tmp_path / "digest" / "unpacked").exists()


@pytest.fixture(scope="module")
def corpus_build(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path, Site]:
    """The JSON corpus built once for this module's tests (they only read it)."""
    project = tmp_path_factory.mktemp("bench-corpus")
    shutil.copytree(corpus_dir, project / "content" / "dumps")
    (project / "digest.yaml").write_text("title: Corpus Digest\nbase_url: https://example.org/\n", encoding="utf-8")
    config, problems = load_config(project / "digest.yaml", project)
    assert not problems
    return config, project, build_site(config, project).site


def test_parallel_rendering_gives_the_serial_bytes(corpus_build: tuple[Config, Path, Site]) -> None:
    config, project, site = corpus_build
    renderer = Renderer(theme_dirs(config.theme, project), site_info(config))
    # Every kind of page, and enough paper pages that each worker gets a share of them.
    specs = list(plan_pages(site, config.page_size))[:900]
    exports = (lambda: {"papers.json": export.papers_json(site)}, lambda: search.index_files(site))
    serial = render_all(specs, renderer, workers=1, side_jobs=exports)
    parallel = render_all(specs, renderer, workers=3, side_jobs=exports)
    assert list(parallel) == list(serial)
    assert parallel == serial
    assert len({spec.template for spec in specs}) >= 5


def read_all(descriptor: int) -> str:
    """Everything written to the terminal so far: one read may return only part of it."""
    chunks = []
    while select.select([descriptor], [], [], 0.5)[0]:
        chunks.append(os.read(descriptor, 4096))
    return b"".join(chunks).decode()


def test_the_bar_draws_on_a_terminal_and_erases_itself() -> None:
    controller, terminal = pty.openpty()
    try:
        with os.fdopen(terminal, "w", encoding="utf-8", closefd=False) as stream:
            assert wants_bar(stream, quiet=False)
            assert not wants_bar(stream, quiet=True)
            bar = ProgressBar(stream, delay=0.0)
            bar("render", 300, 1200)
            bar.draw()
            bar.close()
        shown = read_all(controller)
    finally:
        os.close(controller)
        os.close(terminal)
    assert "render" in shown and "[######" in shown and "300/1200" in shown
    assert shown.endswith("\r"), "the bar must leave the cursor at the start of a cleared line"


def test_no_bar_before_the_delay_nor_off_a_terminal(tmp_path: Path) -> None:
    log = (tmp_path / "log.txt").open("w+", encoding="utf-8")
    assert not wants_bar(log, quiet=False)
    with build_progress(quiet=False, stream=log) as progress:
        assert progress is no_progress
    bar = ProgressBar(log, delay=60.0)
    bar("read")
    bar.draw()
    bar.close()
    log.seek(0)
    assert log.read() == ""


def test_format_line_fills_the_bar_in_proportion() -> None:
    assert format_line("render", 0, 10, 1.0).count("#") == 0
    assert format_line("render", 5, 10, 1.0).count("#") == 12
    assert format_line("render", 10, 10, 1.0).count("#") == 24
    assert "[" not in format_line("dedupe", 0, 0, 2.5)


def test_cli_build_prints_no_bar_when_stderr_is_a_pipe(sample_project: Path) -> None:
    finished = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=sample_project, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr
    assert "\r" not in finished.stderr and "\r" not in finished.stdout


def test_forks_are_only_as_many_as_the_available_memory_holds() -> None:
    from generator.forks import FORK_COPY_FACTOR, affordable_forks

    gib = 1024 * 1024
    assert affordable_forks(2, 2 * gib, 24 * gib) == 2  # 100k entries on this machine: both forks
    assert affordable_forks(2, 9 * gib, 14 * gib) == 1  # 1M entries: one would fit, not two
    assert affordable_forks(2, 9 * gib, int(9 * gib * FORK_COPY_FACTOR) - 1) == 0
    assert affordable_forks(3, None, 1) == 3 and affordable_forks(3, 1, None) == 3  # not Linux: cannot tell, fork


FAKE_GENERATOR = """
import os, sys
name, log = sys.argv[1], sys.argv[2]
state = "over its last output" if os.path.isdir("out") else "from nothing"
os.makedirs("out", exist_ok=True)
open(os.path.join("out", "page.html"), "w").close()
with open(log, "a") as out:
    out.write(f"{name} {state}\\n")
"""


@pytest.mark.parametrize(("scenario", "state"), [("first", "from nothing"), ("rebuild", "over its last output")])
def test_the_side_by_side_takes_turns_and_gives_each_build_its_output_as_the_scenario_says(tmp_path: Path, scenario: str, state: str) -> None:
    from bench.compare import FIRST_BUILD, REBUILD, Contender, format_report, time_contenders

    log = tmp_path / "runs.log"
    found = []
    for name in ("paper-digest", "hugo"):
        (tmp_path / name).mkdir()
        found.append(Contender(name, (sys.executable, "-c", FAKE_GENERATOR, name, str(log)), tmp_path / name, tmp_path / name / "out"))

    trash = tmp_path / "set-aside"
    timings = time_contenders(found, repeats=2, scenario=FIRST_BUILD if scenario == "first" else REBUILD, trash=trash)

    runs = log.read_text(encoding="utf-8").splitlines()
    # Turn by turn, the untimed run first, the first of each round rotating.
    assert [line.split()[0] for line in runs] == ["paper-digest", "hugo", "hugo", "paper-digest", "paper-digest", "hugo"]
    assert all(line.endswith(state) for line in runs[2:])
    assert [(t.name, len(t.runs), len(t.cpu), len(t.system), t.files) for t in timings] == [("paper-digest", 2, 2, 2, 1), ("hugo", 2, 2, 2, 1)]
    assert all(0 <= system <= cpu for t in timings for system, cpu in zip(t.system, t.cpu, strict=True))
    report = format_report(timings, papers=1)
    assert "of it sys" in report and "x" in report.splitlines()[3]
    # A first build's way is cleared by moving the last output aside, never by deleting it while the timing runs
    # (creating files just after deleting thousands is slow on a journal-less ext4); a rebuild moves nothing.
    set_aside = sorted(p.relative_to(trash).as_posix() for p in trash.rglob("page.html")) if trash.exists() else []
    assert len(set_aside) == (4 if scenario == "first" else 0), set_aside
