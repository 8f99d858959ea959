"""Benchmarks: run with `python -m bench` (see README, "Benchmarks")."""

from __future__ import annotations

import os


def user_environment() -> dict[str, str]:
    """The environment for a timed command, as a user's shell has it: Python writes and uses bytecode caches.

    A PYTHONDONTWRITEBYTECODE inherited from a CI or sandbox shell would make every run
    compile every module from source, a cost no user pays after their first build.
    """
    return {name: value for name, value in os.environ.items() if name not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")}
