"""bench.same_output: the tree comparison that guards a refactoring finds every difference."""

from __future__ import annotations

from pathlib import Path

from bench.same_output import tree_differences


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_same_trees_have_no_difference(tmp_path: Path) -> None:
    files = {"index.html": b"<p>a</p>", "days/2025-01-01/index.html": b"x", ".nojekyll": b""}
    assert tree_differences(write_tree(tmp_path / "a", files), write_tree(tmp_path / "b", files)) == []


def test_every_kind_of_difference_is_listed(tmp_path: Path) -> None:
    left = write_tree(tmp_path / "a", {"same.txt": b"s", "deep/changed.html": b"one", "only-left.xml": b"l", "deep/er/x": b"1"})
    right = write_tree(tmp_path / "b", {"same.txt": b"s", "deep/changed.html": b"two", "only-right.json": b"r", "deep/er/x": b"2"})
    assert tree_differences(left, right) == ["deep/changed.html", "deep/er/x", "only-left.xml", "only-right.json"]
