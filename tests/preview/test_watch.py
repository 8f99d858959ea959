"""The watcher: classification of changes, editor temp files ignored, the output folder never reported, `digest watch` end to end."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import watchfiles

from generator.preview.watch import ChangeKind, EventKind, FileChange, WatchTargets, classify, is_editor_temp, summarize, targets_for, watch_changes
from tests.tools.processes import read_until

REPO_ROOT = Path(__file__).parents[2]


@pytest.fixture
def targets(tmp_path: Path) -> WatchTargets:
    for folder in ("content/dumps", "content/pages", "themes/mine/templates", "themes/mine/static", "site/days"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "digest.yaml").write_text("title: T\n", encoding="utf-8")
    return WatchTargets(tmp_path / "content", (tmp_path / "themes" / "mine",), tmp_path / "digest.yaml", tmp_path / "site")


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("content/dumps/2025-03-14.txt", ChangeKind.DUMPS),
        ("content/dumps/deep/2025-03-14.json", ChangeKind.DUMPS),
        ("content/topics.yaml", ChangeKind.TOPICS),
        ("content/pages/about.md", ChangeKind.PAGES),
        ("content/notes.txt", ChangeKind.CONTENT),
        ("themes/mine/templates/day.html", ChangeKind.TEMPLATES),
        ("themes/mine/static/style.css", ChangeKind.STATIC),
        ("themes/mine/theme.yaml", ChangeKind.THEME),
        ("digest.yaml", ChangeKind.CONFIG),
        ("site/days/index.html", None),
        ("README.md", None),
        ("content/dumps/.day.txt.swp", None),
        ("content/dumps/day.txt~", None),
        ("content/dumps/.#day.txt", None),
        ("content/dumps/4913", None),
        ("themes/mine/templates/#day.html#", None),
    ],
)
def test_changes_are_classified_by_what_they_touch(targets: WatchTargets, relative: str, kind: ChangeKind | None) -> None:
    root = targets.config_file.parent
    assert classify(root / relative, targets) is kind


def test_editor_temp_names() -> None:
    assert all(is_editor_temp(n) for n in ("a.swp", ".a.swx", "a~", ".#a", "4913", "a.tmp"))
    assert not any(is_editor_temp(n) for n in ("2025-03-14.txt", "topics.yaml", "day.html", "49130.txt"))


def test_a_batch_keeps_one_change_per_path_decided_by_the_file_now(targets: WatchTargets) -> None:
    root = targets.config_file.parent
    kept = root / "content" / "dumps" / "kept.txt"
    kept.write_text("x", encoding="utf-8")
    gone = root / "content" / "dumps" / "gone.txt"
    raw = {
        (watchfiles.Change.added, str(kept)),
        (watchfiles.Change.modified, str(kept)),
        (watchfiles.Change.added, str(gone)),
        (watchfiles.Change.deleted, str(gone)),
        (watchfiles.Change.modified, str(root / "site" / "days" / "index.html")),
        (watchfiles.Change.added, str(root / "content" / "dumps" / ".kept.txt.swp")),
    }
    assert summarize(raw, targets) == (
        FileChange(gone, EventKind.DELETED, ChangeKind.DUMPS),
        FileChange(kept, EventKind.ADDED, ChangeKind.DUMPS),
    )


def test_real_watch_sees_saves_and_config_but_not_temp_files_or_the_output(targets: WatchTargets) -> None:
    root = targets.config_file.parent
    stop = threading.Event()
    ready = threading.Event()
    batches: list[tuple[FileChange, ...]] = []

    def collect() -> None:
        batches.extend(watch_changes(targets, stop, ready.set))

    watcher = threading.Thread(target=collect, daemon=True)
    watcher.start()
    assert ready.wait(10)
    (root / "site" / "days" / "index.html").write_text("written by a build", encoding="utf-8")
    (root / "content" / "dumps" / ".day.txt.swp").write_text("vim", encoding="utf-8")
    (root / "content" / "dumps" / "4913").write_text("", encoding="utf-8")
    time.sleep(0.5)
    assert batches == []
    (root / "content" / "dumps" / "day.txt").write_text("Mar 14\n", encoding="utf-8")
    replacement = root / "digest.yaml.new"  # saved the way many editors do: a new file renamed over the old
    replacement.write_text("title: New\n", encoding="utf-8")
    os.replace(replacement, targets.config_file)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and {c.kind for batch in batches for c in batch} != {ChangeKind.DUMPS, ChangeKind.CONFIG}:
        time.sleep(0.05)
    stop.set()
    watcher.join(timeout=2)
    seen = {(c.path.name, c.kind) for batch in batches for c in batch}
    assert seen == {("day.txt", ChangeKind.DUMPS), ("digest.yaml", ChangeKind.CONFIG)}
    assert not watcher.is_alive()


def test_digest_watch_rebuilds_on_save_reports_errors_and_stops_cleanly(sample_project: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "generator", "watch"],
        cwd=sample_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        read_until(child.stdout, "watching for changes")
        dump = sorted((sample_project / "content" / "dumps").iterdir())[0]
        assert "\nAug 5\n" in dump.read_text(encoding="utf-8")
        dump.write_text(dump.read_text(encoding="utf-8").replace("\nAug 5\n", "\nAug 6\n", 1), encoding="utf-8")
        read_until(child.stdout, "written")
        assert (sample_project / "site" / "days" / "2025-08-06" / "index.html").is_file()
        assert not (sample_project / "site" / "days" / "2025-08-05").exists()
        (sample_project / "content" / "dumps" / "broken.txt").write_text("no day line\n", encoding="utf-8")
        read_until(child.stderr, "dumps/broken.txt:1: error")
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=10) == 0
        assert "Traceback" not in child.stderr.read()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


class Watching:
    """watch_changes running in a thread, its changes collected as they come."""

    def __init__(self, targets: WatchTargets) -> None:
        self.stop = threading.Event()
        ready = threading.Event()
        self.changes: list[FileChange] = []
        self.thread = threading.Thread(target=self._collect, args=(targets, ready), daemon=True)
        self.thread.start()
        assert ready.wait(10)

    def _collect(self, targets: WatchTargets, ready: threading.Event) -> None:
        for batch in watch_changes(targets, self.stop, ready.set):
            self.changes.extend(batch)

    def sees(self, wanted: Callable[[FileChange], bool], timeout: float = 10.0) -> bool:
        """Whether a wanted change arrives, then forget what came (a generous wait: whether, not how fast)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(wanted(change) for change in list(self.changes)):
                time.sleep(0.3)  # the rest of the same burst
                self.changes.clear()
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()


@pytest.mark.parametrize("missing_at_start", [False, True], ids=["deleted-while-watching", "missing-at-start"])
@pytest.mark.parametrize(
    ("folder", "edited", "kind"),
    [
        ("content", "content/dumps/day.txt", ChangeKind.DUMPS),
        ("themes/mine", "themes/mine/templates/day.html", ChangeKind.TEMPLATES),
        ("themes", "themes/mine/templates/day.html", ChangeKind.TEMPLATES),
        ("conf", "conf/digest.yaml", ChangeKind.CONFIG),
    ],
)
def test_real_watch_keeps_seeing_a_folder_deleted_and_created_again(tmp_path: Path, folder: str, edited: str, kind: ChangeKind, missing_at_start: bool) -> None:
    """A watch dies with its folder: the folder above, watched too, sees it come back, and the watch is placed again."""
    for name in ("content/dumps", "themes/mine/templates", "conf", "site"):
        (tmp_path / name).mkdir(parents=True)
    config = tmp_path / "conf" / "digest.yaml"
    config.write_text("title: T\n", encoding="utf-8")
    targets = WatchTargets(tmp_path / "content", (tmp_path / "themes" / "mine",), config, tmp_path / "site")
    if missing_at_start:
        shutil.rmtree(tmp_path / folder)
    watching = Watching(targets)
    try:
        if not missing_at_start:
            shutil.rmtree(tmp_path / folder)
            assert watching.sees(lambda change: change.event is EventKind.DELETED)
        path = tmp_path / edited
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("first\n", encoding="utf-8")
        # The first sign may be the folder itself coming back; a rebuild then reads what it holds.
        assert watching.sees(lambda change: change.path == path or change.path in path.parents)
        path.write_text("second\n", encoding="utf-8")  # an edit inside the folder come back: its own watch sees it
        assert watching.sees(lambda change: change == FileChange(path, EventKind.MODIFIED, kind))
        shutil.rmtree(tmp_path / "site")  # the output folder stays unwatched, wherever the watches moved
        (tmp_path / "site" / "days").mkdir(parents=True)
        (tmp_path / "site" / "days" / "index.html").write_text("built\n", encoding="utf-8")
        assert not watching.sees(lambda change: True, timeout=0.5)
    finally:
        watching.close()


def test_a_project_theme_folder_made_while_watching_is_seen(tmp_path: Path) -> None:
    """themes/default in the project overrides the shipped default template by template: making it changes the build."""
    (tmp_path / "content" / "dumps").mkdir(parents=True)
    (tmp_path / "digest.yaml").write_text("title: T\n", encoding="utf-8")
    watching = Watching(targets_for(None, tmp_path, tmp_path / "digest.yaml"))
    try:
        template = tmp_path / "themes" / "default" / "templates" / "404.html"
        template.parent.mkdir(parents=True)
        template.write_text("first\n", encoding="utf-8")
        assert watching.sees(lambda change: change.path == template or change.path in template.parents)
        template.write_text("second\n", encoding="utf-8")
        assert watching.sees(lambda change: change == FileChange(template, EventKind.MODIFIED, ChangeKind.TEMPLATES))
    finally:
        watching.close()
