"""Atomic output: a killed build leaves the previous site whole, and a build touches nothing but its output."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from generator.site.output import MARKER, MARKER_TEXT, clean_stale_staging


def digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=180)


def snapshot(folder: Path, skip: Path | None = None) -> dict[str, bytes]:
    """Every file under folder (but under skip) by relative path, with its bytes; folders too, as empty markers."""
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        found[path.relative_to(folder).as_posix()] = path.read_bytes() if path.is_file() else b"<dir>"
    return found


def staging_folders(project: Path) -> list[Path]:
    return sorted(project.glob(".site.new-*"))


# `digest build` with its writer patched: once it has written N files it stops itself (SIGSTOP), to be killed
# right there. Forked renderers send their pages back, so this one process writes every file.
STOPPING_BUILD = """
import os, signal, sys
from generator.cli import main
from generator.site.output import StagedSite

stop_after, written = int(sys.argv[1]), 0
original_init, original_put = StagedSite.__init__, StagedSite.put

def init(self, output):
    original_init(self, output)
    self.shared_by_forks = False

def put(self, path, data):
    global written
    written += 1
    if written == stop_after + 1:
        os.kill(os.getpid(), signal.SIGSTOP)
    original_put(self, path, data)

StagedSite.__init__, StagedSite.put = init, put
sys.exit(main(["build", "--quiet"]))
"""


@contextmanager
def build_stopped_mid_write(project: Path, after_files: int) -> Iterator[subprocess.Popen[bytes]]:
    """A `digest build` that stops itself (SIGSTOP) after writing `after_files` files, then is killed with SIGKILL.

    The kill lands mid-write every time, whatever the machine's speed.
    """
    build = subprocess.Popen([sys.executable, "-c", STOPPING_BUILD, str(after_files)], cwd=project)
    try:
        _, status = os.waitpid(build.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the build ended instead of stopping mid-write"
        yield build
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=30)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait(timeout=30)


def test_a_killed_build_leaves_the_previous_site_whole(sample_project: Path) -> None:
    first = digest("build", "--quiet", cwd=sample_project)
    assert first.returncode == 0, first.stderr
    site = sample_project / "site"
    before = snapshot(site)
    site_files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file() and p.name != MARKER)
    halfway = len(site_files) // 2

    (sample_project / "digest.yaml").write_text("title: Renamed Digest\nbase_url: https://example.org/\nyear: 2025\n", encoding="utf-8")
    with build_stopped_mid_write(sample_project, halfway) as build:
        [staging] = staging_folders(sample_project)
        written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file() and p.name != MARKER)
        assert len(written) == halfway and set(written) <= set(site_files)  # half the site, written as it renders, no more
        assert snapshot(site) == before  # the old site is untouched while the new one is being written
    assert build.returncode == -signal.SIGKILL

    assert snapshot(site) == before  # whole and byte-identical
    assert staging_folders(sample_project) == [staging]  # the half-written folder is left beside it...

    again = digest("build", "--quiet", cwd=sample_project)
    assert again.returncode == 0, again.stderr
    assert staging_folders(sample_project) == []  # ...and the next build removes it
    assert "<title>Renamed Digest</title>" in (site / "index.html").read_text(encoding="utf-8")
    assert [p.name for p in sample_project.iterdir() if p.name.startswith(".site.")] == [".site.spare"]
    assert snapshot(sample_project / ".site.spare") == before  # the replaced site, kept for the next build to update


def test_a_build_killed_while_updating_the_spare_leaves_the_site_whole(sample_project: Path) -> None:
    for _ in range(2):  # the second build leaves the first site as the spare
        assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    site = sample_project / "site"
    assert (sample_project / ".site.spare" / MARKER).is_file()
    before = snapshot(site)
    (sample_project / "digest.yaml").write_text("title: Renamed Digest\nbase_url: https://example.org/\nyear: 2025\n", encoding="utf-8")
    with build_stopped_mid_write(sample_project, 20) as build:
        assert [p.name for p in staging_folders(sample_project)] == [f".site.new-{build.pid}-spare"]  # the spare, claimed
        assert not (sample_project / ".site.spare").exists()
    assert build.returncode == -signal.SIGKILL
    assert snapshot(site) == before
    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    assert staging_folders(sample_project) == []
    assert "<title>Renamed Digest</title>" in (site / "index.html").read_text(encoding="utf-8")


def test_a_site_written_through_the_spare_is_the_site_a_fresh_build_writes(sample_project: Path, tmp_path: Path) -> None:
    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    spare = sample_project / ".site.spare"
    kept_inode = (spare / "static" / "style.css").stat().st_ino  # unchanged by the next build: must be left alone
    (spare / "stale.html").write_text("from an older build\n", encoding="utf-8")  # files the new build does not make
    (spare / "old-folder" / "deep").mkdir(parents=True)
    (spare / "old-folder" / "deep" / "index.html").write_text("gone\n", encoding="utf-8")
    (spare / "index.html").unlink()
    (spare / "index.html").mkdir()  # a folder where the build puts a file
    (spare / "index.html" / "x").write_text("x", encoding="utf-8")
    (spare / "feed.xml").write_text("truncated", encoding="utf-8")  # a half-written file
    (tmp_path / "outside.txt").write_text("not ours\n", encoding="utf-8")
    (spare / "robots.txt").unlink()
    (spare / "robots.txt").symlink_to(tmp_path / "outside.txt")  # a link where the build puts a file
    (tmp_path / "elsewhere").mkdir()
    shutil.rmtree(spare / "days")
    (spare / "days").symlink_to(tmp_path / "elsewhere", target_is_directory=True)  # a link where the build puts a folder
    dumps = sample_project / "content" / "dumps"
    sorted(dumps.iterdir())[-1].unlink()  # a day fewer: its pages must go
    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    assert (sample_project / "site" / "static" / "style.css").stat().st_ino == kept_inode  # the spare was updated, not replaced
    assert digest("build", "--quiet", "--out", str(tmp_path / "fresh"), cwd=sample_project).returncode == 0
    assert snapshot(sample_project / "site") == snapshot(tmp_path / "fresh")
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "not ours\n"
    assert list((tmp_path / "elsewhere").iterdir()) == []  # nothing was written through the link


def test_a_spare_with_a_file_where_the_site_has_a_folder_is_repaired_in_place(sample_project: Path, tmp_path: Path) -> None:
    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    spare = sample_project / ".site.spare"
    kept_inode = (spare / "static" / "style.css").stat().st_ino
    shutil.rmtree(spare / "archive")
    (spare / "archive").write_text("a file where the build puts a folder\n", encoding="utf-8")
    paper = next((spare / "papers").iterdir())
    shutil.rmtree(paper)
    paper.write_text("a file two levels above a page\n", encoding="utf-8")
    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    assert (sample_project / "site" / "static" / "style.css").stat().st_ino == kept_inode  # the spare was used, not replaced
    assert digest("build", "--quiet", "--out", str(tmp_path / "fresh"), cwd=sample_project).returncode == 0
    assert snapshot(sample_project / "site") == snapshot(tmp_path / "fresh")
    assert staging_folders(sample_project) == []


def test_a_build_deletes_nothing_outside_its_output_folder(sample_project: Path) -> None:
    (sample_project / "notes.txt").write_text("mine\n", encoding="utf-8")
    (sample_project / ".site.new-notes").mkdir()  # looks like staging, is not ours: no marker
    (sample_project / ".site.new-notes" / "draft.md").write_text("keep me\n", encoding="utf-8")
    live = sample_project / f".site.new-{os.getpid()}-busy"  # a staging folder of a build still running
    live.mkdir()
    (live / MARKER).write_bytes(MARKER_TEXT)
    (sample_project / "content" / "pages").mkdir()
    (sample_project / "content" / "pages" / "README").write_text("not a page\n", encoding="utf-8")
    before = snapshot(sample_project, skip=sample_project / "site")

    for _ in range(3):  # a first build, a rebuild that replaces the site, one that writes through the spare
        result = digest("build", "--quiet", cwd=sample_project)
        assert result.returncode == 0, result.stderr
    after = snapshot(sample_project, skip=sample_project / "site")
    assert {path: data for path, data in after.items() if not path.startswith(".site.spare")} == before
    assert (sample_project / ".site.spare" / MARKER).is_file()  # the only addition: the replaced site, ours


def test_it_refuses_an_output_folder_it_did_not_make_unless_forced(sample_project: Path) -> None:
    public = sample_project / "public"
    public.mkdir()
    (public / "thesis.tex").write_text("years of work\n", encoding="utf-8")
    result = digest("build", "--out", "public", cwd=sample_project)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--out: error: the output folder holds files paper-digest did not make" in result.stderr
    assert "--force" in result.stderr
    assert (public / "thesis.tex").read_text(encoding="utf-8") == "years of work\n"
    assert sorted(p.name for p in public.iterdir()) == ["thesis.tex"]

    forced = digest("build", "--out", "public", "--force", "--quiet", cwd=sample_project)
    assert forced.returncode == 0, forced.stderr
    assert (public / "index.html").is_file() and (public / MARKER).is_file()
    assert not (public / "thesis.tex").exists()


def test_a_site_caught_between_the_two_renames_is_put_back(tmp_path: Path) -> None:
    # Where the atomic exchange is unavailable the swap is two renames; a kill between them leaves the
    # previous site in .site.old-<pid>-*/site and no site/. The next build puts it back before anything else.
    output = tmp_path / "site"
    retired = tmp_path / ".site.old-999999999-x" / "site"
    retired.mkdir(parents=True)
    (retired / MARKER).write_bytes(MARKER_TEXT)
    (retired / "index.html").write_text("previous\n", encoding="utf-8")
    clean_stale_staging(output)
    assert (output / "index.html").read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.fixture
def reading_in_forks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """`digest build` in this process, reading the sample's dumps in forks as it reads a large site's (so the
    output is staged while they read); returns the order in which staging and the model's next step began."""
    from generator import build, forks, parallel
    from generator.site import output

    monkeypatch.setattr(parallel, "PARALLEL_READ_BYTES", 1)
    monkeypatch.setattr(forks, "usable_cores", lambda: 2)
    steps: list[str] = []
    staged_init, load_taxonomy = output.StagedSite.__init__, build.topics.load_taxonomy

    def staging(self: output.StagedSite, folder: Path) -> None:
        steps.append("staged")
        staged_init(self, folder)

    def taxonomy(*args: object) -> object:
        steps.append("model")
        return load_taxonomy(*args)

    monkeypatch.setattr(output.StagedSite, "__init__", staging)
    monkeypatch.setattr(build.topics, "load_taxonomy", taxonomy)
    return steps


def build_here(project: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    from generator.cli import main

    monkeypatch.chdir(project)
    return main(["build", "--quiet"])


def test_a_build_that_fails_after_staging_gives_the_spare_back_untouched(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch, reading_in_forks: list[str]
) -> None:
    for _ in range(2):  # a first build and a rebuild: the replaced site becomes the spare
        assert build_here(sample_project, monkeypatch) == 0
    assert reading_in_forks == ["staged", "model"] * 2  # the output was staged while the dumps were read
    before = snapshot(sample_project, skip=sample_project / "content")
    assert (sample_project / ".site.spare" / MARKER).is_file()
    (sample_project / "content" / "topics.yaml").write_text("topics: [unclosed\n", encoding="utf-8")

    assert build_here(sample_project, monkeypatch) == 1
    assert reading_in_forks[-2:] == ["staged", "model"]  # the spare was claimed before the build failed
    assert snapshot(sample_project, skip=sample_project / "content") == before  # site and spare as they were, nothing new beside them


def test_a_first_build_that_fails_after_staging_leaves_nothing_beside_the_output(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch, reading_in_forks: list[str]
) -> None:
    (sample_project / "content" / "topics.yaml").write_text("topics: [unclosed\n", encoding="utf-8")
    before = sorted(path.name for path in sample_project.iterdir())

    assert build_here(sample_project, monkeypatch) == 1
    assert reading_in_forks == ["staged", "model"]
    assert sorted(path.name for path in sample_project.iterdir()) == before  # no site, no spare, no staging folder


def test_staging_cut_short_while_it_lists_the_spare_gives_the_spare_back(sample_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.site import output

    for _ in range(2):
        assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    before = snapshot(sample_project)
    assert (sample_project / ".site.spare" / MARKER).is_file()

    def interrupted(folder: Path) -> set[str]:
        raise KeyboardInterrupt  # Ctrl-C while the claimed spare's files are listed (during the read, in a large build)

    monkeypatch.setattr(output, "_files_in", interrupted)
    with pytest.raises(KeyboardInterrupt):
        output.StagedSite(sample_project / "site")
    assert snapshot(sample_project) == before  # the spare is back under its name, nothing else beside the site

    shutil.rmtree(sample_project / "site")
    shutil.rmtree(sample_project / ".site.spare")
    with pytest.raises(KeyboardInterrupt):
        output.StagedSite(sample_project / "site")  # a first build's staging folder, new and empty
    assert not list(sample_project.glob(".site*"))


def test_a_removal_of_leftovers_cut_short_leaves_a_folder_the_next_build_still_removes(sample_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.site import output

    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    leftover = sample_project / f".site.new-{ended.stdout.strip()}-killed"  # a killed build's, its process gone
    shutil.copytree(sample_project / "site", leftover)
    assert (leftover / MARKER).is_file()
    real_rmtree = shutil.rmtree

    def cut_short(path: str | Path, *args: object, **kwargs: object) -> None:
        for file in sorted(p for p in Path(path).iterdir() if p.is_file()):  # part of the way, in name order, as rmtree goes
            file.unlink()
        raise KeyboardInterrupt

    monkeypatch.setattr(output.shutil, "rmtree", cut_short)
    with pytest.raises(KeyboardInterrupt):
        output.clean_stale_staging(sample_project / "site")
    assert (leftover / MARKER).is_file()  # still recognisably ours, though partly removed
    monkeypatch.setattr(output.shutil, "rmtree", real_rmtree)

    assert output.clean_stale_staging(sample_project / "site") == [leftover]
    assert not leftover.exists()


def test_a_failed_build_into_a_folder_not_there_yet_creates_no_folder(
    sample_project: Path, monkeypatch: pytest.MonkeyPatch, reading_in_forks: list[str]
) -> None:
    from generator.cli import main

    (sample_project / "content" / "topics.yaml").write_text("topics: [unclosed\n", encoding="utf-8")
    before = sorted(path.name for path in sample_project.iterdir())
    monkeypatch.chdir(sample_project)

    assert main(["build", "--quiet", "--out", "build/site"]) == 1
    assert sorted(path.name for path in sample_project.iterdir()) == before  # no build/ either
    (sample_project / "content" / "topics.yaml").unlink()
    assert main(["build", "--quiet", "--out", "build/site"]) == 0
    assert (sample_project / "build" / "site" / "index.html").is_file()


@contextmanager
def small_disk(where: Path, megabytes: int) -> Iterator[Path]:
    """A real file system of this size (tmpfs), mounted for the test; skipped where mounting is not allowed."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def used_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize


def test_a_build_failing_on_a_full_disk_leaves_no_more_on_disk_than_it_found(sample_project: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 20) as disk:  # room for one sample site, not for a second beside it
        out = disk / "site"
        first = digest("build", "--quiet", "--out", str(out), cwd=sample_project)
        assert first.returncode == 0, first.stderr
        (sample_project / "digest.yaml").write_text("title: Another title\nbase_url: https://example.org/digest/\nyear: 2025\n", encoding="utf-8")
        before, used = snapshot(disk), used_bytes(disk)
        for _ in range(2):  # and the next build fails the same way, not on what the first left behind
            failed = digest("build", "--quiet", "--out", str(out), cwd=sample_project)
            assert failed.returncode == 1
            assert "No space left on device" in failed.stderr and "Traceback" not in failed.stderr
            assert snapshot(disk) == before
            assert used_bytes(disk) <= used


def test_a_sync_failing_on_a_full_disk_leaves_no_temporary_file(tmp_path: Path) -> None:
    from generator.site.output import sync

    with small_disk(tmp_path / "disk", 1) as disk:
        sync(disk / "site", {"small.html": b"x"})
        with pytest.raises(OSError):
            sync(disk / "site", {"small.html": b"x", "big.bin": b"\0" * 2_000_000})
        assert sorted(p.name for p in (disk / "site").iterdir()) == [MARKER, "small.html"]
