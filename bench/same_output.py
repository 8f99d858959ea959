"""`python -m bench.same_output --base REV`: the site this tree's code builds is byte for byte the one REV's builds.

The guard of a refactoring: the sample content, the 2024 corpus and a generated set
(20,000 entries by default) are each built by `digest build` with REV's code (checked
out with `git worktree` into a temporary folder) and with this tree's, then the two
output folders are compared file by file. Prints each project's verdict; exit 1 on
any difference.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import user_environment

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG = "title: Same Output\nbase_url: https://example.org/digest/\nyear: 2025\n"


def tree_differences(left: Path, right: Path) -> list[str]:
    """Relative paths that are in one tree only, or whose bytes differ; empty when the trees are the same."""
    found: list[str] = []

    def walk(compared: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in compared.left_only + compared.right_only + compared.funny_files)
        _, mismatch, errors = filecmp.cmpfiles(compared.left, compared.right, compared.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in sorted(compared.subdirs.items()):
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right, ignore=[]), "")
    return sorted(found)


def make_projects(workdir: Path, sizes: Sequence[int]) -> dict[str, Path]:
    """The projects compared: the sample, the corpus and generated sets of these sizes."""
    from bench.compare import extract_corpus
    from bench.corpus import make_entries, write_text_dumps

    projects: dict[str, Path] = {}
    sample = workdir / "sample"
    shutil.copytree(REPO_ROOT / "content", sample / "content")
    projects["sample"] = sample
    corpus = workdir / "corpus"
    (corpus / "content").mkdir(parents=True)
    shutil.copytree(extract_corpus(workdir / "corpus-json"), corpus / "content" / "dumps")
    projects["corpus"] = corpus
    for size in sizes:
        generated = workdir / f"generated-{size}"
        write_text_dumps(make_entries(size), generated / "content" / "dumps")
        projects[f"{size:,} entries"] = generated
    for project in projects.values():
        (project / "digest.yaml").write_text(CONFIG, encoding="utf-8")
    return projects


def build(project: Path, code: Path, out: Path) -> None:
    env = user_environment() | {"PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-m", "generator", "build", "--quiet", "--out", str(out)], cwd=project, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"digest build with {code} failed in {project}:\n{done.stderr}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.same_output", description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the git revision whose output is the reference, e.g. HEAD~3")
    parser.add_argument("--sizes", default="20000", help="generated sets to compare, comma-separated entry counts (default: 20000)")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    with tempfile.TemporaryDirectory(prefix="same-output-") as temporary:
        workdir = Path(temporary)
        base_code = workdir / "base-code"
        subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", "--quiet", str(base_code), args.base], check=True)
        try:
            different = 0
            for name, project in make_projects(workdir, sizes).items():
                build(project, base_code, project / "site-base")
                build(project, REPO_ROOT, project / "site-this")
                files = sum(len(files) for _, _, files in os.walk(project / "site-this"))
                differences = tree_differences(project / "site-base", project / "site-this")
                different += bool(differences)
                verdict = "same bytes" if not differences else f"{len(differences)} differ, e.g. {', '.join(differences[:5])}"
                print(f"{name}: {files} files, {verdict}")
        finally:
            subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(base_code)], check=True)
    return 1 if different else 0


if __name__ == "__main__":
    raise SystemExit(main())
