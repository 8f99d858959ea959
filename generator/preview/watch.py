"""Watch the inputs of a build and turn raw file events into classified, debounced batches.

Watched: the content folder and the theme folders, recursively; and, without
recursion, the nearest existing folder above each of them and above the config
file, for the one name on the way down. An OS watch dies with its folder: the
folder above sees a watched folder deleted, moved away or made (one missing at
start too), and the watches are placed again before the change is reported.
The config file is seen through its folder, so an editor that saves by renaming
a new file over the old still counts. Never the output folder: the build
refuses one inside the content folder, the folders above report only names on
the way to what a build reads, and classify() drops its events whatever watch
reports them.

Like Zola's fs_utils: every raw event is reduced to added / modified / deleted,
only the last state of each path in a batch counts, editor temp files are
dropped, and each change is binned by what it touches (dumps, pages, topics,
templates, static, config) so the terminal can say what triggered a rebuild.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

import watchfiles

from generator.config import Config
from generator.pipeline.ingest import DUMPS_FOLDER, is_editor_temp
from generator.preview.incremental import RebuildOutcome, RebuildSession, describe
from generator.problems import Severity
from generator.site.render import theme_dirs

# watchfiles yields a batch once no new event arrived for STEP_MS (at most DEBOUNCE_MS after the first):
# long enough to fold an editor's write-temp-then-rename save into one batch, short enough to feel instant.
STEP_MS = 10
DEBOUNCE_MS = 1600
POLL_SECONDS = 0.2  # how often a waiting loop looks at its stop event

TOPICS_FILE = "topics.yaml"
PAGES_FOLDER = "pages"


class ChangeKind(StrEnum):
    DUMPS = "dumps"
    PAGES = "pages"
    TOPICS = "topics"
    CONTENT = "content"  # anything else under the content folder
    TEMPLATES = "templates"
    STATIC = "static"
    THEME = "theme"  # anything else under a theme folder
    CONFIG = "config"


class EventKind(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class FileChange:
    path: Path
    event: EventKind
    kind: ChangeKind


@dataclass(frozen=True, slots=True)
class WatchTargets:
    """What a build reads, hence what to watch; the output folder only so it is never reported."""

    content_dir: Path
    theme_dirs: tuple[Path, ...]
    config_file: Path
    output_dir: Path

    def folders(self) -> tuple[Path, ...]:
        """The folders a build reads, resolved, whether they exist now or not."""
        return tuple(dict.fromkeys(folder.resolve() for folder in (self.content_dir, *self.theme_dirs)))

    def recursive_roots(self) -> tuple[Path, ...]:
        return tuple(sorted(folder for folder in self.folders() if folder.is_dir()))

    def anchors(self) -> tuple[tuple[Path, str], ...]:
        """(nearest existing folder above, name of the next step down) for each folder read and the config file."""
        found = set()
        for wanted in (*self.folders(), self.config_file.resolve()):
            above = wanted.parent
            while not above.is_dir() and above != above.parent:
                wanted, above = above, above.parent
            found.add((above, wanted.name))
        return tuple(sorted(found))

    def layout(self) -> Layout:
        """What to watch now, and which of the paths a build reads exist."""
        present = tuple(path for path in (*self.folders(), self.config_file.resolve()) if path.exists())
        return Layout(self.recursive_roots(), self.anchors(), present)

    def reshapes(self, path: Path) -> bool:
        """Whether an event on `path` may have killed a watch: it names a watched folder or a folder above one."""
        return any(path == folder or path in folder.parents for folder in (*self.folders(), self.config_file.resolve().parent))


class Layout(NamedTuple):
    recursive: tuple[Path, ...]  # watched with everything below
    anchors: tuple[tuple[Path, str], ...]  # (folder, name): the folder watched for that child only
    present: tuple[Path, ...]


def classify(path: Path, targets: WatchTargets) -> ChangeKind | None:
    """What a change to `path` touches, or None when it cannot affect the build."""
    if is_editor_temp(path.name):
        return None
    resolved = path.resolve()
    output = targets.output_dir.resolve()
    if resolved == output or resolved.is_relative_to(output):
        return None
    if resolved == targets.config_file.resolve():
        return ChangeKind.CONFIG
    content = targets.content_dir.resolve()
    if resolved.is_relative_to(content):
        parts = resolved.relative_to(content).parts
        if not parts:
            return ChangeKind.CONTENT
        if parts[0] == DUMPS_FOLDER:
            return ChangeKind.DUMPS
        if parts[0] == PAGES_FOLDER:
            return ChangeKind.PAGES
        if parts == (TOPICS_FILE,):
            return ChangeKind.TOPICS
        return ChangeKind.CONTENT
    for theme in targets.theme_dirs:
        theme_root = theme.resolve()
        if resolved.is_relative_to(theme_root):
            parts = resolved.relative_to(theme_root).parts
            if parts and parts[0] == "templates":
                return ChangeKind.TEMPLATES
            if parts and parts[0] == "static":
                return ChangeKind.STATIC
            return ChangeKind.THEME
    return None


def summarize(raw: Iterable[tuple[watchfiles.Change, str]], targets: WatchTargets) -> tuple[FileChange, ...]:
    """One change per path, in path order. A batch is a set, so the file's state now decides the last event."""
    events: dict[str, set[watchfiles.Change]] = {}
    for change, path in raw:
        events.setdefault(path, set()).add(change)
    changes = []
    for path_text in sorted(events):
        path = Path(path_text)
        kind = classify(path, targets)
        if kind is None:
            continue
        if not path.exists():
            event = EventKind.DELETED
        elif watchfiles.Change.added in events[path_text]:
            event = EventKind.ADDED
        else:
            event = EventKind.MODIFIED
        changes.append(FileChange(path, event, kind))
    return tuple(changes)


def describe_changes(changes: tuple[FileChange, ...], project_root: Path) -> str:
    """`dumps: modified content/dumps/x.json` for one change, a count per kind for a burst."""

    def shown(path: Path) -> str:
        try:
            return path.resolve().relative_to(project_root.resolve()).as_posix()
        except ValueError:
            return str(path)

    if len(changes) == 1:
        change = changes[0]
        return f"{change.kind.value}: {change.event.value} {shown(change.path)}"
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.kind.value] = counts.get(change.kind.value, 0) + 1
    return f"{len(changes)} changes (" + ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) + ")"


def _pump(
    paths: tuple[Path, ...],
    recursive: bool,
    accept: Callable[[watchfiles.Change, str], bool],
    sink: queue.Queue[set[tuple[watchfiles.Change, str]]],
    stop: AnyOf,
    ready: threading.Event,
    lost: threading.Event,
) -> None:
    # yield_on_timeout: the first (empty) yield tells that the OS watches are in place.
    try:
        for batch in watchfiles.watch(
            *paths,
            watch_filter=accept,
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=stop,
            rust_timeout=int(POLL_SECONDS * 1000),
            yield_on_timeout=True,
            raise_interrupt=False,
            recursive=recursive,
        ):
            ready.set()
            if batch:
                sink.put(batch)
    except FileNotFoundError:  # a folder vanished between choosing the watches and placing them: place them again
        lost.set()
    finally:
        ready.set()


class AnyOf:
    """Set once any of its events is set: a watcher stops with the whole watch or with its own layout."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(event.is_set() for event in self.events)


class Watchers:
    """The OS watches of one layout, each pump a thread feeding the shared sink."""

    def __init__(self, layout: Layout, sink: queue.Queue[set[tuple[watchfiles.Change, str]]], stop: threading.Event) -> None:
        self.retired = threading.Event()
        self.lost = threading.Event()
        self.stop = AnyOf(stop, self.retired)
        anchors = set(layout.anchors)
        anchor_folders = {folder for folder, _ in anchors}

        def accept_any(change: watchfiles.Change, path: str) -> bool:
            return not is_editor_temp(Path(path).name)

        def accept_anchored(change: watchfiles.Change, path: str) -> bool:
            step = Path(path)
            return (step.parent, step.name) in anchors or step in anchor_folders

        self.pumps: list[tuple[threading.Thread, threading.Event]] = []
        for paths, recursive, accept, name in (
            (layout.recursive, True, accept_any, "watch-inputs"),
            (tuple(sorted(anchor_folders)), False, accept_anchored, "watch-above"),
        ):
            if paths:
                ready = threading.Event()
                thread = threading.Thread(target=_pump, args=(paths, recursive, accept, sink, self.stop, ready, self.lost), daemon=True, name=name)
                self.pumps.append((thread, ready))
                thread.start()

    def wait_ready(self, stop: threading.Event) -> None:
        for pump, ready in self.pumps:
            while not ready.wait(POLL_SECONDS) and pump.is_alive() and not stop.is_set():
                pass

    def retire(self) -> None:
        self.retired.set()


def watch_changes(targets: WatchTargets, stop: threading.Event, on_ready: Callable[[], None] | None = None) -> Iterator[tuple[FileChange, ...]]:
    """Yield batches of relevant changes until `stop` is set; `on_ready` runs once every change will be seen.

    Before a batch is reported, the watches are placed again wherever a folder came or
    went, the new ones in place before the old ones stop: the rebuild that follows reads
    whatever no watch saw. A read path appearing or vanishing with no event (above every
    watch) is found by comparing the layout at every wake-up, and reported as a change.
    """
    sink: queue.Queue[set[tuple[watchfiles.Change, str]]] = queue.Queue()
    armed: Layout | None = None
    watchers: Watchers | None = None
    try:
        while not stop.is_set():
            raw: set[tuple[watchfiles.Change, str]] = set()
            if armed is not None:
                with contextlib.suppress(queue.Empty):
                    raw = set(sink.get(timeout=POLL_SECONDS))
                while not sink.empty():  # the other watcher's batch from the same save belongs here too
                    raw |= sink.get_nowait()
            layout = targets.layout()
            if (
                armed is None
                or watchers is None
                or (layout.recursive, layout.anchors) != (armed.recursive, armed.anchors)
                or watchers.lost.is_set()
                or any(change is not watchfiles.Change.modified and targets.reshapes(Path(path)) for change, path in raw)
            ):
                previous, watchers = watchers, Watchers(layout, sink, stop)
                watchers.wait_ready(stop)
                if previous is not None:
                    previous.retire()
            if armed is not None:
                raw |= {(watchfiles.Change.added, str(path)) for path in set(layout.present) - set(armed.present)}
                raw |= {(watchfiles.Change.deleted, str(path)) for path in set(armed.present) - set(layout.present)}
            armed = layout
            if on_ready:
                on_ready()
                on_ready = None
            changes = summarize(raw, targets)
            if changes:
                yield changes
    finally:
        if watchers is not None:
            watchers.retire()


def targets_for(config: Config | None, project_root: Path, config_file: Path) -> WatchTargets:
    """What to watch for this config; with no loadable config, the defaults (so fixing it is seen)."""
    content = config.content_dir if config else project_root / "content"
    output = config.output_dir if config else project_root / "site"
    theme = config.theme if config else "default"
    # The project's folders for the theme and the default it falls back to, even while they do not
    # exist: creating one changes the build.
    themes = tuple(dict.fromkeys([project_root / "themes" / theme, *theme_dirs(theme, project_root), project_root / "themes" / "default"]))
    return WatchTargets(content, themes, config_file, output)


def print_outcome(outcome: RebuildOutcome, quiet: bool) -> None:
    for problem in outcome.problems:
        if quiet and problem.severity is not Severity.ERROR:
            continue
        print(problem.format(), file=sys.stderr, flush=True)
    if not outcome.ok:
        print(f"digest: {describe(outcome)}", file=sys.stderr, flush=True)
    elif not quiet:
        print(describe(outcome), flush=True)


def rebuild_on_changes(
    session: RebuildSession,
    config_file: Path,
    stop: threading.Event,
    on_rebuild: Callable[[tuple[FileChange, ...], RebuildOutcome], None],
    on_ready: Callable[[], None] | None = None,
    report_before_writing: bool = False,
) -> None:
    """Rebuild after every batch of changes until `stop` is set; re-aim the watchers when the config moves them.

    With report_before_writing, `on_rebuild` hears of a build before the output folder
    is brought up to date (for a server that serves the build from memory).
    """
    while not stop.is_set():
        config, _ = session.config_now()
        targets = targets_for(config or session.config, session.project_root, config_file)
        watching = threading.Event()
        try:
            for changes in watch_changes(targets, watching, on_ready):
                on_ready = None
                outcome = session.rebuild(write=not report_before_writing)
                on_rebuild(changes, outcome)
                session.write_output(background=report_before_writing)
                config, _ = session.config_now()
                if stop.is_set() or targets_for(config or session.config, session.project_root, config_file) != targets:
                    break
            else:
                return
        finally:
            watching.set()


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both stop a preview cleanly (exit 0), even when started with SIGINT ignored."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, interrupt)


def announce_watching(quiet: bool) -> None:
    if not quiet:
        print("watching for changes; Ctrl-C to stop", flush=True)


def run_watch(session: RebuildSession, config_file: Path, quiet: bool) -> int:
    """`digest watch`: build, then rebuild on every change until Ctrl-C."""
    stop_on_signals()
    stop = threading.Event()
    try:
        print_outcome(session.rebuild(), quiet)

        def report(changes: tuple[FileChange, ...], outcome: RebuildOutcome) -> None:
            if not quiet:
                print(describe_changes(changes, session.project_root), flush=True)
            print_outcome(outcome, quiet)

        rebuild_on_changes(session, config_file, stop, report, lambda: announce_watching(quiet))
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        session.close()
    if not quiet:
        print("stopped", flush=True)
    return 0
