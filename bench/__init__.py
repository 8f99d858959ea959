"""Benchmarks: run with `python -m bench` (docs/benchmarks.md)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def user_environment() -> dict[str, str]:
    """The environment for a timed command, as a user's shell has it: Python writes and uses bytecode caches.

    A PYTHONDONTWRITEBYTECODE inherited from a CI or sandbox shell would make every run
    compile every module from source, a cost no user pays after their first build.
    """
    return {name: value for name, value in os.environ.items() if name not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")}


SET_ASIDE = "set-aside"  # the folder of a workdir that holds what timed builds must not find, deleted when the timing is done


def set_aside(targets: Iterable[Path], trash: Path) -> None:
    """Move each existing target into `trash` (on the same disk) instead of deleting it before a timed build.

    This VM's ext4 runs without a journal, and there creating a file soon after thousands
    were deleted scans past every recently deleted inode (perf: the kernel's
    `recently_deleted`, a third of a first build's samples): a cost that grew run by run
    (0.4 to 4 s of kernel time for the same build) and that no user's first build pays.
    """
    for target in targets:
        if target.exists():
            trash.mkdir(parents=True, exist_ok=True)
            os.rename(target, trash / f"{sum(1 for _ in trash.iterdir()):05d}-{target.name}")
