"""The one cache: results of pure functions, keyed by everything they depend on.

One rule holds for every table: a result is stored under its inputs' values
(a dump's content hash, a paper, a page's PageSpec, a fragment's arguments)
and the stage's context (the taxonomy, the base URL, the templates'
fingerprint), so a stored result is reused only where computing it again
would give the same value. Nothing outlives the process, so the generator's
version is constant for a cache's whole life.

A one-off build gets a fresh Memo and reuses results only within itself (a
paper's card made once for its day, home and topic pages). `digest serve` and
`digest watch` keep one Memo across rebuilds (`carried`): after a build that
succeeds, what it used becomes the next build's baseline, and only that, so the
cache holds about one build's worth; a failed build leaves the baseline as it was.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MISSING: Any = object()


class MemoTable(Generic[K, V]):
    """One stage's results in one context: input -> result.

    With `limit`, a table of strings keeps at most that many characters of this build's
    results, dropping the least recently used first (a large site's fragments).
    """

    __slots__ = ("_current", "_previous", "computed", "limit", "reused", "size")

    def __init__(self, previous: dict[K, V], limit: int | None = None) -> None:
        self._previous = previous
        # Ordered by last use when limited: OrderedDict drops and moves in constant time.
        self._current: dict[K, V] = OrderedDict() if limit is not None else {}
        self.limit = limit
        self.size = 0
        self.computed = 0
        self.reused = 0

    def get(self, key: K, compute: Callable[[K], V]) -> V:
        value = self._current.get(key, MISSING)
        if value is not MISSING:
            self.reused += 1
            if self.limit is not None:
                self._current.move_to_end(key)  # type: ignore[attr-defined]
            return value
        value = self._previous.get(key, MISSING)
        if value is MISSING:
            value = compute(key)
            self.computed += 1
        else:
            self.reused += 1
        self.keep(key, value)
        return value

    def recall(self, key: K) -> V | None:
        """Last build's value under key, without computing one: for state a stage carries forward, not a result."""
        return self._previous.get(key)

    def keep(self, key: K, value: V) -> None:
        self._current[key] = value
        if self.limit is not None:
            self.size += len(value)  # type: ignore[arg-type]
            while self.size > self.limit and len(self._current) > 1:
                self.size -= len(self._current.popitem(last=False)[1])  # type: ignore[call-arg, arg-type]

    def kept(self) -> dict[K, V]:
        return self._current


class Memo:
    """Every stage's tables for the build in progress, and what the last good build left."""

    def __init__(self, carried: bool = False) -> None:
        self._previous: dict[tuple[str, Hashable], dict[Any, Any]] = {}
        self._current: dict[tuple[str, Hashable], MemoTable[Any, Any]] = {}
        # Kept across builds (a preview session): worth holding state that only a next build can use.
        self.carried = carried

    def table(self, stage: str, context: Hashable = None, limit: int | None = None) -> MemoTable[Any, Any]:
        """The table for `stage` under `context`; a context unequal to last build's starts empty.

        `limit` bounds a one-off build's table of strings; a carried memo keeps a whole build's worth.
        """
        name = (stage, context)
        found = self._current.get(name)
        if found is None:
            found = self._current[name] = MemoTable(self._previous.get(name, {}), None if self.carried else limit)
        return found

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per stage: (results computed, results reused) in the build in progress."""
        totals: dict[str, tuple[int, int]] = {}
        for (stage, _), table in self._current.items():
            computed, reused = totals.get(stage, (0, 0))
            totals[stage] = (computed + table.computed, reused + table.reused)
        return totals

    def commit(self) -> None:
        """The build succeeded: what it used is the next build's baseline."""
        self._previous = {name: table.kept() for name, table in self._current.items()}
        self._current = {}

    def abandon(self) -> None:
        """The build failed: keep the last good baseline."""
        self._current = {}
