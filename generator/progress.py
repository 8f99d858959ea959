"""A one-line progress bar on stderr for builds slow enough to need one.

The bar stays hidden for the first second, so quick builds print nothing extra,
and it is never shown when stderr is not a terminal (CI logs, pipes) or with
--quiet. A background thread redraws it, so a long single phase still shows
elapsed time ticking.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

BAR_WIDTH = 24
REDRAW_SECONDS = 0.1


class Progress(Protocol):
    """What build_site reports: the phase it starts, and within a phase how far it got."""

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None: ...


def no_progress(phase: str, done: int = 0, total: int = 0) -> None:
    """The default: builds run silently."""


def wants_bar(stream: TextIO, quiet: bool) -> bool:
    """A bar only for a person watching a terminal."""
    if quiet:
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def format_line(phase: str, done: int, total: int, elapsed: float) -> str:
    """`render [#########...............]  1200/3000  2.3s`; without a total, no bar."""
    if total > 0:
        filled = min(BAR_WIDTH, BAR_WIDTH * done // total)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        return f"{phase:<8} [{bar}] {done:>{len(str(total))}}/{total} {elapsed:5.1f}s"
    return f"{phase:<8} {elapsed:5.1f}s"


class ProgressBar:
    """A build's progress callback: `bar(phase, done, total)`; use as a context manager."""

    def __init__(self, stream: TextIO, delay: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self._phase = ""
        self._done = 0
        self._total = 0
        self._drawn = 0  # width of the last line drawn, to clear it
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._redraw_until_stopped, name="digest-progress", daemon=True)

    def __enter__(self) -> ProgressBar:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        with self._lock:
            self._phase, self._done, self._total = phase, done, total

    def _redraw_until_stopped(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            self.draw()

    def draw(self) -> None:
        """Draw the current line, once the build has run longer than the delay."""
        elapsed = self.clock() - self.started
        with self._lock:
            if elapsed < self.delay or not self._phase:
                return
            line = format_line(self._phase, self._done, self._total, elapsed)
            padding = " " * max(0, self._drawn - len(line))
            self.stream.write("\r" + line + padding)
            self.stream.flush()
            self._drawn = len(line)

    def close(self) -> None:
        """Stop redrawing and erase the line, so the build's summary starts on a clean line."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        with self._lock:
            if self._drawn:
                self.stream.write("\r" + " " * self._drawn + "\r")
                self.stream.flush()
                self._drawn = 0


@contextmanager
def build_progress(quiet: bool, stream: TextIO | None = None) -> Iterator[Progress]:
    """The progress callback for one build: a bar on a terminal, nothing otherwise."""
    stream = stream or sys.stderr
    if not wants_bar(stream, quiet):
        yield no_progress
        return
    with ProgressBar(stream) as bar:
        yield bar
