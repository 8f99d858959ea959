"""`{% cache key, ... %}...{% endcache %}`: a template fragment rendered once per key, like Hugo's partialCached.

A paper's card shows up on its day page, the home page, and the pages and
Markdown mirror of each of its topics; rendering it once and reusing the
markup takes a third off a full build's page rendering and most of a preview
rebuild's (measured: bench/, README "Benchmarks"). The key must name
everything the fragment shows besides the environment's globals (site, url
helpers): the template and the block's line are added to it, so two blocks
never share markup.

The store lives as long as its Jinja environment. A clean build keeps only the
most recently used fragments (`limit`): a paper's cards are mostly reused
within a few pages, and keeping every card of a 100,000-entry build took a
tenth of its memory. A preview session's store keeps all of one build's
fragments for the next (`next_build` drops what the last build did not use),
since a rebuild reuses nearly all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, ClassVar

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

MISSING: Any = object()


CLEAN_BUILD_LIMIT = 4096


class FragmentStore:
    __slots__ = ("_current", "_previous", "limit", "rendered", "reused")

    def __init__(self, limit: int | None = CLEAN_BUILD_LIMIT) -> None:
        self._current: dict[Hashable, str] = {}
        self._previous: dict[Hashable, str] = {}
        self.limit = limit  # None: keep everything this build renders (a preview session)
        self.rendered = 0
        self.reused = 0

    def get(self, key: Hashable, render: Callable[[], str]) -> str:
        current = self._current
        found = current.get(key, MISSING)
        if found is not MISSING:
            self.reused += 1
            if self.limit is not None:
                current[key] = current.pop(key)  # most recently used last: the first is the one to drop
            return found
        found = self._previous.get(key, MISSING)
        if found is MISSING:
            found = render()
            self.rendered += 1
        else:
            self.reused += 1
        if self.limit is not None and len(current) >= self.limit:
            del current[next(iter(current))]
        current[key] = found
        return found

    def next_build(self) -> None:
        self._previous, self._current = self._current, {}


class FragmentCacheExtension(Extension):
    tags: ClassVar[set[str]] = {"cache"}

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.extend(fragment_store=FragmentStore())

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = parser.parse_tuple(simplified=False, with_condexpr=True)
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        where = nodes.Const((parser.name, lineno))
        return nodes.CallBlock(self.call_method("_fragment", [where, key]), [], [], body).set_lineno(lineno)

    def _fragment(self, where: tuple[str | None, int], key: Hashable, caller: Callable[[], str]) -> str:
        store: FragmentStore = self.environment.fragment_store  # type: ignore[attr-defined]
        return store.get((where, key), caller)
