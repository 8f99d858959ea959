"""The pipeline: ingest -> dedupe -> topics -> assemble (build_model) -> render into a sink (render_site).

build_site renders into memory and returns the files; `digest build` renders into the staged output folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator import parallel
from generator.config import Config
from generator.heap import cycle_collector_paused
from generator.memo import Memo
from generator.model import ContentPage, Entry, Site
from generator.pipeline import ingest, pages, topics, watches
from generator.pipeline.assemble import assemble
from generator.problems import Problem, Severity, ThemeError
from generator.progress import Progress, no_progress
from generator.site.output import MemorySink, Sink, StagedSite

if TYPE_CHECKING:
    from generator.site.render import Renderer, SiteInfo


@dataclass(frozen=True, slots=True)
class BuildStats:
    dumps: int
    entries: int
    papers: int
    days: int
    candidate_pairs: int
    files: int
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BuildResult:
    files: dict[str, bytes]
    problems: tuple[Problem, ...]
    stats: BuildStats
    site: Site
    fatal: bool = False  # an input the whole site depends on (topics.yaml, a content page in every menu) is broken: write nothing
    paths: tuple[str, ...] = ()  # every file the build made, sorted; `files` holds their bytes when it rendered to memory

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


class Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._last
        self._last = now


def prepare_rendering() -> None:
    """Import what the dedupe and rendering need (rapidfuzz, Jinja2, markdown-it, the exports and feeds),
    done by this process while forked readers start on the dumps, rather than before any work begins."""
    from generator.site import export, feeds, search, sitemap  # noqa: F401


def site_info(config: Config, content_pages: tuple[ContentPage, ...] = ()) -> SiteInfo:
    from generator.site.render import SiteInfo

    in_menu = sorted((page.nav, page.slug, page.title) for page in content_pages if page.nav is not None)
    nav = (("Topics", "topics/"), ("Archive", "archive/"), ("Search", "search/"), *((title, slug + "/") for _, slug, title in in_menu))
    return SiteInfo(title=config.title, description=config.description, base_url=config.base_url, author=config.author, nav=nav, thumbnails=config.thumbnails)


@dataclass(frozen=True, slots=True)
class ModelResult:
    """The site as data, before anything is rendered: what `digest topics` and the renderers need."""

    site: Site
    problems: tuple[Problem, ...]
    dumps: int
    entries: int
    candidate_pairs: int
    fatal: bool  # an input the whole site depends on (topics.yaml, a content page in every menu) is broken


def read_entries(config: Config, memo: Memo | None = None, meanwhile: Callable[[], object] | None = None) -> tuple[int, list[Entry], list[Problem]]:
    """(dumps found, entries of every dump without errors, problems): a dump with an error adds none of its entries."""
    dumps, problems = ingest.discover(config.content_dir, config.allow_empty)
    entries: list[Entry] = []
    for result in parallel.read_dumps(dumps, config.year, memo, meanwhile):
        problems.extend(result.problems)
        if not any(p.severity is Severity.ERROR for p in result.problems):
            entries.extend(result.entries)
    return len(dumps), entries, problems


def build_model(
    config: Config,
    progress: Progress = no_progress,
    memo: Memo | None = None,
    timer: Timer | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> ModelResult:
    """Read every dump, dedupe, classify and assemble the site model; problems are returned, never raised.

    `meanwhile` runs here while forked readers read (when the dumps are many enough for that).
    """
    memo = memo if memo is not None else Memo()
    timer = timer or Timer()
    progress("read")
    dumps, entries, found_problems = read_entries(config, memo, meanwhile)
    problems = list(found_problems)
    timer.lap("read")
    progress("dedupe")

    from generator.pipeline.dedupe import dedupe  # here, not above: see prepare_rendering

    taxonomy, taxonomy_problems = topics.load_taxonomy(config.content_dir, memo)
    problems.extend(taxonomy_problems)
    worked_out = None
    if taxonomy and not memo.carried:  # a one-off build: the second core classifies every entry's text meanwhile
        texts = [(entry.title, entry.abstract, entry.ai_keywords) for entry in entries]
        classifier = topics.classifier_for(taxonomy, memo)
        deduped, worked_out = parallel.classify_alongside(lambda: dedupe(entries, config.dedupe, memo, parallel.prepared_in_fork), texts, classifier)
    else:
        deduped = dedupe(entries, config.dedupe, memo)
    timer.lap("dedupe")
    progress("topics")

    papers = topics.classify_papers(deduped.papers, taxonomy, memo, worked_out) if taxonomy else deduped.papers
    if config.watch:
        papers = watches.mark(papers, config.watch)
    timer.lap("topics")

    content_pages, page_problems = pages.load_pages(config.content_dir, config.base_path)
    problems.extend(page_problems)
    facets = (taxonomy.site_topics, taxonomy.paper_types) if taxonomy else ((), ())
    site_model = dataclasses.replace(assemble(papers, config, *facets), pages=content_pages)
    timer.lap("assemble")
    broken_page = any(p.severity is Severity.ERROR for p in page_problems)
    return ModelResult(site_model, tuple(problems), dumps, len(entries), deduped.candidate_pairs, fatal=taxonomy is None or broken_page)


def build_site(
    config: Config,
    project_root: Path,
    progress: Progress = no_progress,
    make_renderer: Callable[[list[Path], SiteInfo], Renderer] | None = None,
    memo: Memo | None = None,
) -> BuildResult:
    """Run the whole pipeline over the content folder and return every output file as bytes.

    `make_renderer` and a carried `memo` let a live-preview session (incremental.py) reuse
    parsed dumps, rendered pages and per-paper results between builds; the pipeline
    itself is the same either way.
    """
    with cycle_collector_paused():
        memo = memo if memo is not None else Memo()
        timer = Timer()
        model = build_model(config, progress, memo, timer, meanwhile=prepare_rendering)
        memory = MemorySink()
        result = render_site(model, config, project_root, memory, progress, make_renderer, memo, timer)
        return dataclasses.replace(result, files=dict(sorted(memory.files.items())))


def build_failed(problems: Sequence[Problem], fatal: bool, entries: int, strict: bool) -> bool:
    """Nothing is written when: --strict and any problem; a broken input every page needs; errors and no paper left."""
    if strict and problems:
        return True
    return fatal or (any(p.severity is Severity.ERROR for p in problems) and entries == 0)


class NothingWritten(Exception):
    """A build that wrote nothing: the output folder is as it was. `problems` say why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.format() for p in self.problems))


def write_site(config: Config, project_root: Path, strict: bool = False, progress: Progress = no_progress) -> BuildResult:
    """`digest build`: the whole pipeline, each page written as it is rendered into the folder that replaces
    the output at the end. Raises NothingWritten, the output left as it was, when the input fails the build
    (see build_failed), a template fails or the folder cannot be written."""
    timer = Timer()
    with cycle_collector_paused(), contextlib.ExitStack() as staging:
        early: list[StagedSite] = []

        def while_reading() -> None:
            # What would otherwise wait for the model, done while forked readers read: importing the
            # renderers, and staging the output folder (listing the spare's files is a scan of every folder).
            prepare_rendering()
            if not config.output_dir.resolve().parent.is_dir():
                return  # staged after the model, which may fail: a failed build creates no folder
            with contextlib.suppress(OSError):  # reported below, where the site is written
                early.append(staging.enter_context(StagedSite(config.output_dir)))

        model = build_model(config, progress=progress, timer=timer, meanwhile=while_reading)
        if build_failed(model.problems, model.fatal, model.entries, strict):
            staging.close()  # left without an error: a staged spare goes back untouched
            raise NothingWritten(model.problems)
        try:
            staged = early[0] if early else staging.enter_context(StagedSite(config.output_dir))
            result = render_site(model, config, project_root, staged, progress, timer=timer)
            progress("write")
            staged.commit(result.paths)
        except ThemeError as exc:  # what was staged is removed: the site stays as it was
            raise NothingWritten([exc.problem]) from exc
        except OSError as exc:
            hint = "check the folder's permissions and free space"
            raise NothingWritten([Problem(str(config.output_dir), None, f"cannot write the site: {exc.strerror or exc}", hint)]) from exc
    return result


def render_site(
    model: ModelResult,
    config: Config,
    project_root: Path,
    sink: Sink,
    progress: Progress = no_progress,
    make_renderer: Callable[[list[Path], SiteInfo], Renderer] | None = None,
    memo: Memo | None = None,
    timer: Timer | None = None,
) -> BuildResult:
    """Render the model's every page, export and feed into `sink` (memory, or the folder that becomes the site)."""
    from generator.site import export, feeds, search, sitemap
    from generator.site.plan import plan_pages
    from generator.site.render import Renderer, theme_dirs

    make_renderer = make_renderer or Renderer
    memo = memo if memo is not None else Memo()
    timer = timer or Timer()
    site_model, content_pages = model.site, model.site.pages
    progress("render")

    theme_folders = theme_dirs(config.theme, project_root)
    renderer = make_renderer(theme_folders, site_info(config, content_pages))
    paths: list[str] = []
    for path, data in renderer.static_files().items():
        sink.put(path, data)
        paths.append(path)
    specs = list(plan_pages(site_model, config.page_size, memo, config.watch))
    # Exports and feeds depend on the model only: on a large site a worker makes them while pages render.
    exports = (
        lambda: {"papers.json": export.papers_json(site_model, memo)},
        lambda: search.index_files(site_model, memo),
        lambda: feeds.feed_files(site_model, feeds.feed_settings(config, tuple(theme_folders)), memo),
    )
    paths += parallel.render_into(sink, specs, renderer, lambda done, total: progress("render", done, total), side_jobs=exports)
    paths += (spec.path for spec in specs)
    progress("exports")
    last = {".nojekyll": b"", "robots.txt": sitemap.robots_txt(config.base_url)}
    last["sitemap.xml"] = sitemap.sitemap_xml([*paths, *last], config.base_url, memo)
    for path, data in last.items():
        sink.put(path, data)
        paths.append(path)
    timer.lap("render")
    made = tuple(sorted(set(paths)))

    stats = BuildStats(
        dumps=model.dumps,
        entries=model.entries,
        papers=len(site_model.papers),
        days=len(site_model.days),
        candidate_pairs=model.candidate_pairs,
        files=len(made),
        seconds=timer.seconds,
    )
    return BuildResult({}, model.problems, stats, site_model, fatal=model.fatal, paths=made)
