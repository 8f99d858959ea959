"""`{% cache key, ... %}...{% endcache %}`: a template fragment rendered once per key, like Hugo's partialCached.

A paper's card shows up on its day page, the home page, and the pages and
Markdown mirror of each of its topics; rendering it once and reusing the
markup takes a third off a full build's page rendering (measured when it
landed, 4249b94; no record kept) and most of a preview rebuild's (README
"Live preview"). The key must name
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

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, ClassVar

from jinja2 import nodes, pass_context
from jinja2.ext import Extension
from jinja2.parser import Parser

MISSING: Any = object()


CLEAN_BUILD_LIMIT = 4096
LOOKUP_FILTER = "_fragment_lookup"  # the tag's own filters: names a theme would not use
KEEP_FILTER = "_fragment_keep"


class FragmentStore:
    __slots__ = ("_current", "_previous", "limit", "rendered", "reused")

    def __init__(self, limit: int | None = CLEAN_BUILD_LIMIT) -> None:
        # Ordered by last use, the first to drop first: OrderedDict drops and moves in constant time, where
        # taking a dict's first key scans the slots its earlier deletions left (3% of a corpus build's instructions).
        self._current: OrderedDict[Hashable, str] = OrderedDict()
        self._previous: dict[Hashable, str] = {}
        self.limit = limit  # None: keep everything this build renders (a preview session)
        self.rendered = 0
        self.reused = 0

    def lookup(self, key: Hashable) -> str | None:
        """The fragment kept for key, or None: then render it and `keep` it."""
        current = self._current
        found = current.get(key, MISSING)
        if found is not MISSING:
            self.reused += 1
            if self.limit is not None:
                current.move_to_end(key)
            return found
        found = self._previous.get(key, MISSING)
        if found is MISSING:
            return None
        self.reused += 1
        self._add(key, found)
        return found

    def keep(self, key: Hashable, fragment: str) -> str:
        self.rendered += 1
        self._add(key, fragment)
        return fragment

    def _add(self, key: Hashable, fragment: str) -> None:
        current = self._current
        if self.limit is not None and len(current) >= self.limit:
            current.popitem(last=False)
        current[key] = fragment

    def next_build(self) -> None:
        self._previous, self._current = self._current, OrderedDict()


class FragmentCacheExtension(Extension):
    tags: ClassVar[set[str]] = {"cache"}

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.extend(fragment_store=FragmentStore())
        self._blocks = 0
        # Filters, not methods: a template calls a filter directly, a function through Context.call,
        # which took most of the tag's time (an empty cached block: 9 us a pass before, 3-5 us after). They take the
        # context only so that Jinja never calls them at compile time, on a constant.
        environment.filters[LOOKUP_FILTER] = pass_context(lambda _context, key: environment.fragment_store.lookup(key))
        environment.filters[KEEP_FILTER] = pass_context(lambda _context, fragment, key: environment.fragment_store.keep(key, fragment))

    def parse(self, parser: Parser) -> list[nodes.Node]:
        """{% cache k %}body{% endcache %} compiles to what this template would say:

            {% set key = (where, k) %}{% set hit = key | lookup %}
            {% if hit is none %}{% set body %}body{% endset %}{{ body | keep(key) }}{% else %}{{ hit }}{% endif %}

        so a fragment found costs one filter call, and the body's output is captured without the
        macro a call block would make on every pass.
        """
        lineno = next(parser.stream).lineno
        key = parser.parse_tuple(simplified=False, with_condexpr=True)
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        where = nodes.Const((parser.name, lineno))
        self._blocks += 1
        prefix = f"_fragment{self._blocks}_"  # names of this block's own: nested blocks never share one

        def name(suffix: str, ctx: str) -> nodes.Name:
            return nodes.Name(prefix + suffix, ctx, lineno=lineno)

        found_none = nodes.Test(name("hit", "load"), "none", [], [], None, None, lineno=lineno)
        render_and_keep = [
            nodes.AssignBlock(name("body", "store"), None, body, lineno=lineno),
            nodes.Output([nodes.Filter(name("body", "load"), KEEP_FILTER, [name("key", "load")], [], None, None, lineno=lineno)], lineno=lineno),
        ]
        return [
            nodes.Assign(name("key", "store"), nodes.Tuple([where, key], "load"), lineno=lineno),
            nodes.Assign(name("hit", "store"), nodes.Filter(name("key", "load"), LOOKUP_FILTER, [], [], None, None, lineno=lineno), lineno=lineno),
            nodes.If(found_none, render_and_keep, [], [nodes.Output([name("hit", "load")], lineno=lineno)], lineno=lineno),
        ]
