"""Keep Python's cycle collector out of the way of builds.

A build makes millions of small objects and next to no reference cycles
(reference counting frees nearly everything; a preview rebuild of the corpus
leaves none), so the collector's passes over an ever larger heap only add time,
growing with the heap (docs/benchmarks.md).

During a build the collector is paused. A pause alone only defers the work:
the first allocation after it ends would collect everything the build made.
So a preview session freezes what survives each rebuild before the collector
resumes (gc.freeze: later passes skip it, reference counting still frees it),
and no pass walks the site model again. A failed build may leave cycles
(tracebacks hold frames), so one pass over what it made runs before freezing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def settle(build_failed: bool) -> None:
    """At the end of a preview rebuild, still paused: freeze the heap that survives it (collecting first if the build failed)."""
    if build_failed:
        gc.collect()
    gc.freeze()
