"""`digest new DIR`: a fresh digest folder, every file from this package's templates, nothing written over a file."""

from __future__ import annotations

from pathlib import Path

from generator import __version__

TEMPLATES = Path(__file__).parent
# Where each template goes in the new folder. Dot files are stored without their dot, so packaging keeps them.
FILES = {
    "digest.yaml": "digest.yaml",
    "gitignore": ".gitignore",
    "requirements.txt": "requirements.txt",
    "pages.yml": ".github/workflows/pages.yml",
    "gitkeep": "content/dumps/.gitkeep",
}


def existing_files(folder: Path) -> list[Path]:
    """The files `create` would have to write over; also a file where a folder must be."""
    clashes = []
    for target in FILES.values():
        path = folder / target
        parents = [folder, *(folder / part for part in _parent_chain(target))]
        clashes += [parent for parent in parents if parent.exists() and not parent.is_dir()]
        if path.exists() or path.is_symlink():
            clashes.append(path)
    return sorted(set(clashes))


def _parent_chain(target: str) -> list[str]:
    parts = target.split("/")[:-1]
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def create(folder: Path) -> list[Path]:
    """Write the scaffold into folder (made if missing); call existing_files first. Returns the files written."""
    written = []
    for template, target in FILES.items():
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (TEMPLATES / template).read_text(encoding="utf-8").replace("{{version}}", __version__)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:  # "x": never over a file made meanwhile
            handle.write(text)
        written.append(path)
    return written
