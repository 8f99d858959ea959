"""The only module that touches the output folder.

A full build is written to a temporary folder beside the output and swapped in
at the end, so a crash or Ctrl-C mid-build leaves the previous site whole.
The site it replaces is kept beside the output as the spare (.<output>.spare):
the next build brings the spare up to date in place, rewriting only the files
that differ, and swaps it in. Creating and deleting thousands of files costs
far more than comparing them (up to a millisecond a file on some disks), so
after the first build a site is written at the cost of what changed.
An incremental sync writes only files whose bytes changed and removes files
that are no longer produced.

A build puts its files into a sink: MemorySink (tests, the live preview), or
StagedSite, the staged folder itself, which every rendering process writes
into as it goes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath
from typing import Protocol

from generator.problems import Problem, error

MARKER = ".paper-digest"
MARKER_TEXT = b"This folder is written by paper-digest; its files are replaced on every build.\n"


def safe_relative(path: str) -> bool:
    """True when a site path stays inside the output folder."""
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path and "\x00" not in path


def check_output_dir(output: Path, content: Path, project_root: Path, force: bool) -> Problem | None:
    """Refuse output folders whose replacement would destroy what the user wrote."""
    out = output.resolve()
    content_resolved = content.resolve()
    root = project_root.resolve()
    if out == Path(out.anchor) or out == Path.home().resolve():
        return error(str(output), None, "refusing to use this folder as the output folder", "use a dedicated folder such as site/")
    if out in (root, content_resolved, *root.parents, *content_resolved.parents) or content_resolved in out.parents:
        return error(
            str(output),
            None,
            "the output folder overlaps the content folder or the project root",
            "pick a separate folder, e.g. --out site",
        )
    if out.exists() and not out.is_dir():
        return error(str(output), None, "the output path exists and is not a folder", "remove it or pick another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file() and not force:
        return error(
            str(output),
            None,
            "the output folder holds files paper-digest did not make",
            "empty it, pick another --out, or pass --force to replace it",
        )
    return None


def _write_new_file(path: str, data: bytes) -> None:
    """open/write/close and nothing else: a site is thousands of small files, and each syscall counts."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


def _files_in(folder: Path) -> set[str]:
    """Relative paths of the files under folder (the marker aside), after removing every symlink in it.

    A site holds regular files only; a link in a spare (planted, or left by something
    else) could lead a write out of the folder, so none survives to be written through.
    """
    found: set[str] = set()
    pending = [("", str(folder))]
    while pending:
        relative, absolute = pending.pop()
        with os.scandir(absolute) as entries:
            for entry in entries:
                name = f"{relative}{entry.name}"
                if entry.is_symlink():
                    os.unlink(entry.path)
                elif entry.is_dir():
                    pending.append((name + "/", entry.path))
                else:
                    found.add(name)
    found.discard(MARKER)
    return found


def _prune_empty_folders(root: Path, removed: list[str]) -> None:
    """Remove the folders that removing these files (relative to root) left empty, deepest first."""
    for folder in sorted({(root / path).parent for path in removed}, key=lambda f: len(f.parts), reverse=True):
        while folder != root and folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def _file_holds(path: str, data: bytes) -> bool:
    """True when the file at path already has exactly these bytes (the size is checked before anything is read)."""
    try:
        if os.stat(path, follow_symlinks=False).st_size != len(data) or os.path.islink(path):
            return False
        with open(path, "rb") as existing:
            return existing.read() == data
    except OSError:
        return False


def spare_of(output: Path) -> Path:
    return output.parent / f".{output.name}.spare"


def _claim_spare(output: Path) -> Path | None:
    """Take the spare for this build, renamed to a staging name of ours; None when there is none (or another build took it)."""
    spare = spare_of(output)
    if spare.is_symlink() or not spare.is_dir() or not (spare / MARKER).is_file():
        return None
    claimed = output.parent / f"{_staging_prefix(output, 'new')}{os.getpid()}-spare"
    try:
        os.rename(spare, claimed)
    except OSError:
        return None
    return claimed


def remove_ours(folder: Path | str) -> None:
    """shutil.rmtree, but each folder's marker goes after everything else in it: a removal cut short
    (Ctrl-C) leaves folders the next build still knows as its own and finishes, never an unmarked half site."""
    with os.scandir(folder) as found:
        entries = list(found)
    for entry in entries:
        if entry.name == MARKER:
            continue
        if not entry.is_dir(follow_symlinks=False):
            os.unlink(entry.path)
        elif os.path.isfile(os.path.join(entry.path, MARKER)):
            remove_ours(entry.path)  # a retired site inside an old-staging folder: its marker last too
        else:
            shutil.rmtree(entry.path)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(folder, MARKER))
    os.rmdir(folder)


def _keep_as_spare(folder: Path, output: Path) -> None:
    """The site just replaced becomes the next build's spare, unless another build left one meanwhile."""
    try:
        os.rename(folder, spare_of(output))  # fails when the spare exists (not empty)
    except OSError:
        with contextlib.suppress(OSError):
            remove_ours(folder)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here: only a rebuild over an existing site swaps

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _staging_prefix(output: Path, kind: str) -> str:
    return f".{output.name}.{kind}-"


def _owner_is_alive(folder: Path, prefix: str) -> bool:
    """Staging folders are named <prefix><pid>-<random>: a live process other than us may still be writing it."""
    pid_text = folder.name[len(prefix) :].split("-", 1)[0]
    if not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_staging(output: Path) -> list[Path]:
    """Remove what killed builds left beside the output; put back a site a kill caught mid-swap.

    Only folders that carry our marker (or are empty) and whose build process is gone are touched.
    """
    removed: list[Path] = []
    if not output.parent.is_dir():
        return removed
    for kind in ("old", "new"):
        prefix = _staging_prefix(output, kind)
        for folder in sorted(output.parent.glob(prefix + "*")):
            if not folder.is_dir() or folder.is_symlink() or _owner_is_alive(folder, prefix):
                continue
            retired_site = folder / output.name
            if kind == "old" and not output.exists() and (retired_site / MARKER).is_file():
                os.replace(retired_site, output)
            if (folder / MARKER).is_file() or (retired_site / MARKER).is_file() or not any(folder.iterdir()):
                remove_ours(folder)
                removed.append(folder)
    return removed


class Sink(Protocol):
    """Where a build puts its files: memory (tests, the live preview) or the folder that becomes the site."""

    shared_by_forks: bool  # whether a forked process may put files here itself (else it sends them back)

    def put(self, path: str, data: bytes) -> None: ...


class MemorySink:
    shared_by_forks = False

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, path: str, data: bytes) -> None:
        self.files[path] = data


class StagedSite:
    """The output sink of a build to disk: the folder that replaces the output once the build is done.

    It is the spare (last build's replaced site, brought up to date: a file whose bytes
    are already right is left alone) or, when there is none, a new folder beside the
    output. Every process of a build may put files into it (forked renderers write what
    they render, so files are written while pages are still being rendered, on every
    core); `commit` then removes what the build no longer makes and swaps the folder in.
    Leaving the `with` block without a commit keeps the output as it was, and what was
    written as the spare.
    """

    def __init__(self, output: Path) -> None:
        self.output = output.resolve()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_staging(self.output)
        spare = _claim_spare(self.output) if self.output.is_dir() else None
        self._fresh = spare is None
        self.folder = spare or Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(self.output, 'new')}{os.getpid()}-", dir=self.output.parent))
        try:
            (self.folder / MARKER).write_bytes(MARKER_TEXT)  # first, so a killed build's leftovers are recognisably ours
            self.present = _files_in(self.folder)
        except BaseException:  # Ctrl-C while the spare's files are listed (a build stages while it reads): give it back
            self.release()
            raise
        self._made = {""}  # folders known to exist: one mkdir per folder, not per file
        self.shared_by_forks = True

    def __enter__(self) -> StagedSite:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.release()
        else:
            self.discard()

    def release(self) -> None:
        """Not committed, nothing written (the build stopped on its input): a claimed spare goes back as it was."""
        if not self.folder.exists():  # committed
            return
        if self._fresh and set(os.listdir(self.folder)) <= {MARKER}:  # made for a build that wrote nothing: no spare to keep
            remove_ours(self.folder)
        else:
            _keep_as_spare(self.folder, self.output)

    def discard(self) -> None:
        """The build failed while writing (a full disk, a broken template, Ctrl-C): what it wrote is removed, spare
        included, so a failed build leaves no more on disk than it found and the next one starts clean."""
        if self.folder.exists():
            with contextlib.suppress(OSError):
                remove_ours(self.folder)

    def put(self, path: str, data: bytes) -> None:
        if not safe_relative(path):
            raise ValueError(f"unsafe output path {path!r}")
        target = os.path.join(self.folder, path)
        if path in self.present and _file_holds(target, data):
            return
        parent = os.path.dirname(path)
        if parent not in self._made:
            self._make_folder(parent)
            self._made.add(parent)
        try:
            _write_new_file(target, data)
        except IsADirectoryError:  # an older build's folder where this build puts a file
            shutil.rmtree(target)
            _write_new_file(target, data)

    def _make_folder(self, relative: str) -> None:
        """mkdir -p inside the folder, removing an older build's file where this build needs a folder."""
        try:
            os.makedirs(os.path.join(self.folder, relative), exist_ok=True)  # exist_ok: another process may have just made it
        except (FileExistsError, NotADirectoryError):
            parts = relative.split("/")
            for depth in range(1, len(parts) + 1):
                here = os.path.join(self.folder, *parts[:depth])
                if os.path.lexists(here) and not os.path.isdir(here):
                    os.unlink(here)  # in our own folder, and never a link: _files_in removed them
            os.makedirs(os.path.join(self.folder, relative), exist_ok=True)

    def commit(self, paths: Collection[str]) -> None:
        """The build put exactly `paths`: remove every other file, then swap the folder in as the output."""
        wanted = paths if isinstance(paths, (set, frozenset, dict)) else set(paths)
        stale = sorted(path for path in self.present if path not in wanted)
        for path in stale:
            # Gone with a folder replaced by a file, or a file replaced by a folder this build made.
            with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
                os.unlink(os.path.join(self.folder, path))
        _prune_empty_folders(self.folder, stale)
        self.folder.chmod(0o755)
        output = self.output
        if output.exists() and _exchange(self.folder, output):
            _keep_as_spare(self.folder, output)  # it now holds the previous site
        elif output.exists():
            retired = Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(output, 'old')}{os.getpid()}-", dir=output.parent))
            os.replace(output, retired / output.name)
            os.replace(self.folder, output)
            _keep_as_spare(retired / output.name, output)
            with contextlib.suppress(OSError):
                remove_ours(retired)
        else:
            os.replace(self.folder, output)


def write_atomic(output: Path, files: Mapping[str, bytes]) -> None:
    """Write a site already rendered beside the output, in path order, then swap it in."""
    paths = sorted(files)
    for path in paths:
        if not safe_relative(path):
            raise ValueError(f"unsafe output path {path!r}")
    with StagedSite(output) as staged:
        for path in paths:
            staged.put(path, files[path])
        staged.commit(files)


def existing_files(output: Path) -> set[str]:
    if not output.is_dir():
        return set()
    return {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file() and p.name != MARKER}


def sync(output: Path, files: Mapping[str, bytes], previous: Mapping[str, bytes] | None = None) -> tuple[list[str], list[str]]:
    """Write only what changed since `previous` (or since what is on disk); remove what is gone.

    Each changed file is written to a temporary name and renamed over the old one,
    so a server reading the folder never sees half a file.
    """
    output.mkdir(parents=True, exist_ok=True)
    changed: list[str] = []
    for path in sorted(files):
        if not safe_relative(path):
            raise ValueError(f"unsafe output path {path!r}")
        data = files[path]
        target = output / path
        if previous is not None:
            if previous.get(path) == data and target.is_file():
                continue
        elif target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, target)
        except BaseException:  # a full disk: no half-written temporary is left behind
            temporary.unlink(missing_ok=True)
            raise
        changed.append(path)
    stale = sorted((set(previous) if previous is not None else existing_files(output)) - set(files))
    for path in stale:
        (output / path).unlink(missing_ok=True)
    _prune_empty_folders(output, stale)
    (output / MARKER).write_bytes(MARKER_TEXT)
    return changed, stale
