"""Results of pure functions of frozen values, reused within a build and carried into the next.

A clean build gets a fresh Memo and reuses results only within itself (a paper
shown by several feeds is serialized once). A live-preview session keeps one
Memo across rebuilds, so a paper that did not change costs a dictionary look-up
in each stage instead of its work. Like Zola keeping its site model between
rebuilds, but as plain tables of pure results: nothing here can make a rebuild
differ from a clean build, because a table is keyed by everything its results
depend on (the stage, a context value such as the taxonomy, and the input).

Only what a build used survives it, so a session holds about one build's worth.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MISSING: Any = object()


class MemoTable(Generic[K, V]):
    """One stage's results in one context: input -> result."""

    __slots__ = ("_current", "_previous", "computed", "reused")

    def __init__(self, previous: dict[K, V]) -> None:
        self._previous = previous
        self._current: dict[K, V] = {}
        self.computed = 0
        self.reused = 0

    def get(self, key: K, compute: Callable[[K], V]) -> V:
        value = self._current.get(key, MISSING)
        if value is not MISSING:
            return value
        value = self._previous.get(key, MISSING)
        if value is MISSING:
            value = compute(key)
            self.computed += 1
        else:
            self.reused += 1
        self._current[key] = value
        return value

    def recall(self, key: K) -> V | None:
        """Last build's value under key, without computing one: for state a stage carries forward, not a result."""
        return self._previous.get(key)

    def keep(self, key: K, value: V) -> None:
        self._current[key] = value

    def kept(self) -> dict[K, V]:
        return self._current


class Memo:
    """Every stage's tables for the build in progress, and what the last good build left."""

    def __init__(self, carried: bool = False) -> None:
        self._previous: dict[tuple[str, Hashable], dict[Any, Any]] = {}
        self._current: dict[tuple[str, Hashable], MemoTable[Any, Any]] = {}
        # Kept across builds (a preview session): worth holding state that only a next build can use.
        self.carried = carried

    def table(self, stage: str, context: Hashable = None) -> MemoTable[Any, Any]:
        """The table for `stage` under `context`; a context unequal to last build's starts empty."""
        name = (stage, context)
        found = self._current.get(name)
        if found is None:
            found = self._current[name] = MemoTable(self._previous.get(name, {}))
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
