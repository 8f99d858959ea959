"""A rebuild session for `digest serve` and `digest watch`: state kept between builds.

Every rebuild runs the same `build.build_site` a clean build runs, so its files
are exactly a clean build's. What the session keeps is only what makes that
cheap: one memo (memo.py) carried from build to build, whose tables hold parsed
dumps by content hash, per-paper results, template fragments, and rendered pages
by PageSpec plus a fingerprint of the templates and renderer globals; and the
files last written, so only changed files touch the disk.

A build that fails (an error in a dump, a template syntax error, a bad config)
writes nothing: the last good site stays in place and the problems are returned.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator import heap
from generator.build import BuildResult, build_site
from generator.config import Config
from generator.memo import Memo, MemoTable
from generator.problems import Problem, Severity, ThemeError, UserError, error
from generator.site import fragments, output
from generator.site.plan import PageSpec
from generator.site.render import Renderer, SiteInfo, template_problem


@dataclass(frozen=True, slots=True)
class RebuildOutcome:
    ok: bool  # False: nothing was written, the previous site stands
    problems: tuple[Problem, ...]
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rendered: int = 0  # pages rendered by Jinja this build
    reused: int = 0  # pages taken unchanged from the previous build
    seconds: float = 0.0

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


class OutputWriter:
    """One thread that applies output syncs in the order they were submitted (started on first use)."""

    def __init__(self) -> None:
        self._tasks: queue.Queue[tuple[Path, dict[str, bytes], dict[str, bytes]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def submit(self, folder: Path, changed: dict[str, bytes], before: dict[str, bytes]) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True, name="output-writer")
            self._thread.start()
        self._tasks.put((folder, changed, before))

    def wait(self) -> None:
        self._tasks.join()

    def stop(self) -> None:
        if self._thread is not None:
            self._tasks.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while (task := self._tasks.get()) is not None:
            try:
                output.sync(*task)
            except OSError as exc:  # the served build is in memory: say so, keep serving
                where = str(task[0])
                print(f"{where}: error: cannot write the site: {exc.strerror or exc} (hint: check free space and permissions)", file=sys.stderr, flush=True)
            finally:
                self._tasks.task_done()
        self._tasks.task_done()


def theme_fingerprint(theme_folders: list[Path], site_info: SiteInfo) -> str:
    """The template sources (paths and bytes) and the site values every page shows."""
    digest = hashlib.sha256(repr(site_info).encode())
    for folder in theme_folders:
        templates = folder / "templates"
        for path in sorted(p for p in templates.rglob("*") if p.is_file()):
            digest.update(b"\0" + str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def environment_fingerprint(theme: str, env: jinja2.Environment) -> str:
    """The theme's fingerprint plus the plain globals and filter names the build gave the environment."""
    plain_globals = sorted((name, repr(value)) for name, value in env.globals.items() if not callable(value))
    return hashlib.sha256(f"{theme}\0{plain_globals!r}\0{sorted(env.filters)!r}".encode()).hexdigest()


class CachingRenderer(Renderer):
    """A Renderer whose pages are a table of the session's memo: a page whose spec and templates are
    unchanged since the last good build is that build's bytes."""

    def __init__(self, theme_folders: list[Path], site_info: SiteInfo, memo: Memo, theme: str) -> None:
        super().__init__(theme_folders, site_info)
        self._memo = memo
        self.theme = theme  # theme_fingerprint of the templates this environment compiles
        self._pages: MemoTable[PageSpec, bytes] | None = None

    def next_build(self) -> None:
        # Fragments are made afresh each build, as a one-off build makes them: carried, they saved under 10% of a rebuild.
        self.fragments = Memo().table("fragment", limit=fragments.LIMIT)
        self._pages = None

    def render(self, spec: PageSpec) -> bytes:
        # Keyed at the first render of a build, after build_site has set any globals it adds.
        if self._pages is None:
            self._pages = self._memo.table("page", environment_fingerprint(self.theme, self.env))
        return self._pages.get(spec, super().render)


def preview_template_problem(exc: jinja2.TemplateError | ThemeError, project_root: Path) -> Problem:
    """A template error as `file:line: message`, the file relative to the project when it can be."""
    problem = exc.problem if isinstance(exc, ThemeError) else template_problem(exc)
    problem = dataclasses.replace(problem, hint=problem.hint if "not found" in problem.message else "fix the template and save again")
    with contextlib.suppress(ValueError):
        return dataclasses.replace(problem, path=Path(problem.path).resolve().relative_to(project_root.resolve()).as_posix())
    return problem


def exception_problem(exc: Exception) -> Problem:
    """An unexpected failure inside the pipeline: locate it in our code so it can be reported."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "generator"
    return error(where, None, f"internal error: {type(exc).__name__}: {exc}", "this is a bug in paper-digest; please report it")


def is_broken(problems: tuple[Problem, ...], strict: bool) -> bool:
    return bool(problems) if strict else any(p.severity is Severity.ERROR for p in problems)


class RebuildSession:
    """Builds the site again and again, reusing what did not change, writing only what did."""

    def __init__(self, load_config: Callable[[], Config], project_root: Path, strict: bool = False) -> None:
        self._load_config = load_config
        self.project_root = project_root
        self.strict = strict
        self.memo = Memo(carried=True)
        self.config: Config | None = None
        self.last_good_files: Mapping[str, bytes] | None = None  # the last good build's files; None until the first one
        # Not yet on disk: (folder, changed files, the previous bytes of those and of the removed ones).
        self._unwritten: tuple[Path, dict[str, bytes], dict[str, bytes]] | None = None
        self.last_result: BuildResult | None = None
        self._renderer_in_use: CachingRenderer | None = None
        self._writer = OutputWriter()

    def _renderer(self, theme_folders: list[Path], site_info: SiteInfo) -> Renderer:
        """The last build's renderer while its templates and site values are unchanged: its compiled templates stay valid.

        Any change to a template file, or a template added or removed in any theme
        folder, gives a fresh Jinja environment (Jinja's own reload check would not
        notice an override added in front of a cached template).
        """
        theme = theme_fingerprint(theme_folders, site_info)
        reusable = self._renderer_in_use
        if reusable is None or reusable.theme != theme:
            reusable = CachingRenderer(theme_folders, site_info, self.memo, theme)
        reusable.next_build()
        self._renderer_in_use = reusable
        return reusable

    def config_now(self) -> tuple[Config | None, tuple[Problem, ...]]:
        try:
            return self._load_config(), ()
        except UserError as exc:
            return None, tuple(exc.problems)

    def rebuild(self, write: bool = True) -> RebuildOutcome:
        """Build again; with write=False the output folder is brought up to date by write_output() (or the next rebuild).

        A preview server serves last_good_files from memory, so it can announce a
        rebuild before the disk has caught up (as Hugo's and Zola's servers do).
        The session's first build is always written at once.
        """
        if self._unwritten is not None:  # the last build's files, queued behind any write under way
            self.write_output(background=True)
        with heap.cycle_collector_paused():
            outcome = self._rebuild(write)
            heap.settle(build_failed=not outcome.ok)  # before the collector resumes: see heap.py
        return outcome

    def _rebuild(self, write: bool) -> RebuildOutcome:
        started = time.perf_counter()
        config, config_problems = self.config_now()
        if config is None:
            return RebuildOutcome(False, config_problems, seconds=time.perf_counter() - started)
        if self.config is not None and config.output_dir.resolve() != self.config.output_dir.resolve():
            note = error(str(config.output_dir), None, "output_dir changed while serving", "restart the command to use the new output folder")
            return RebuildOutcome(False, (note,), seconds=time.perf_counter() - started)
        result, problems = self._build(config)
        if result is None or is_broken(problems, self.strict):
            self.memo.abandon()
            return RebuildOutcome(False, problems, seconds=time.perf_counter() - started)
        written, removed = self._changes(config.output_dir, result.files)
        rendered, reused = self.memo.counts().get("page", (0, 0))
        self.memo.commit()
        self.config, self.last_good_files, self.last_result = config, result.files, result
        if write:
            self.write_output()
        return RebuildOutcome(
            True,
            problems,
            tuple(written),
            tuple(removed),
            rendered=rendered,
            reused=reused,
            seconds=time.perf_counter() - started,
        )

    def _changes(self, folder: Path, files: Mapping[str, bytes]) -> tuple[list[str], list[str]]:
        """What differs from the last good build, queued for write_output(); the first build is compared with the disk and written."""
        previous = self.last_good_files
        if previous is None:
            return output.sync(folder, files, None)
        changed = {path: data for path, data in files.items() if previous.get(path) is not data and previous.get(path) != data}
        gone = previous.keys() - files.keys()
        # sync() writes what differs from `before` and removes what `before` has and `changed` lacks
        before = {path: previous[path] for path in (*changed.keys() & previous.keys(), *gone)}
        self._unwritten = (folder, changed, before)
        return sorted(changed), sorted(gone)

    def write_output(self, background: bool = False) -> None:
        """Bring the output folder up to the last good build: only the files that changed since the last write.

        With background=True the files are written by the session's writer thread,
        in order after any write still under way, so a server answering from memory
        can take the next change at once; a plain call first waits for those.
        """
        pending, self._unwritten = self._unwritten, None
        if background:
            if pending is not None:
                self._writer.submit(*pending)
            return
        self._writer.wait()
        if pending is not None:
            output.sync(*pending)

    def close(self) -> None:
        """Write what is still to be written, and stop the writer thread."""
        self.write_output()
        self._writer.stop()

    def _build(self, config: Config) -> tuple[BuildResult | None, tuple[Problem, ...]]:
        try:
            result = build_site(config, self.project_root, make_renderer=self._renderer, memo=self.memo)
        except (jinja2.TemplateError, ThemeError) as exc:
            return None, (preview_template_problem(exc, self.project_root),)
        except Exception as exc:  # a bug must not take the preview down; report it and keep serving
            return None, (exception_problem(exc),)
        return result, result.problems


def describe(outcome: RebuildOutcome) -> str:
    """One terminal line for a rebuild."""
    if not outcome.ok:
        return f"rebuild failed in {outcome.seconds * 1000:.0f} ms; still serving the last good site"
    return (
        f"rebuilt in {outcome.seconds * 1000:.0f} ms: {len(outcome.written)} written, {len(outcome.removed)} removed, "
        f"{outcome.rendered} pages rendered, {outcome.reused} reused"
    )
