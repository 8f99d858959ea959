"""The `digest` command's entry point: Ctrl-C while Python is still importing ends as it does later on."""

from __future__ import annotations

import sys


def run() -> None:
    try:
        from generator.cli import run as run_command  # imports take a while: a Ctrl-C often lands here
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    run_command()
