"""`{{ 'paper_item' | cached(paper) }}`: a theme macro's markup made once per arguments and reused, like Hugo's partialCached.

A paper's card shows up on its day page, the home page, and the pages of each
of its topics; its topic chips on all of those; the head links, header and
footer on every page. The default theme calls the macros that make them
through this filter, so each is rendered once per distinct arguments.

The macro is the one of that name in the theme's `_macros` template of the
calling template's kind (`_macros.html` for HTML pages, `_macros.md` for
Markdown mirrors), taken from `Template.module`: made without any page's
context, it sees only its arguments and the environment's globals (site, URL
helpers), so the arguments name everything it shows and are the whole key.
A page needs no `{% from ... import %}` for it, which costs more than most
fragments do.

The store lives as long as its Renderer. A clean build keeps the most
recently used fragments up to `limit` characters. A preview session keeps all
of one build's fragments for the next (`next_build` drops what the last build
did not use), since a rebuild reuses nearly all of them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import jinja2

MISSING: Any = object()

# What a clean build keeps, in characters of markup: room for every fragment of a site the size of the 2024
# corpus, so the chips and phrase lists a paper's day and paper pages made are still there for its topic pages,
# while a far larger site drops its least recently used ones rather than hold them all.
CLEAN_BUILD_LIMIT = 16_000_000


class FragmentStore:
    """Fragments by key, the least recently used dropped first once they hold more than `limit` characters."""

    __slots__ = ("_current", "_previous", "limit", "rendered", "reused", "size")

    def __init__(self, limit: int | None = CLEAN_BUILD_LIMIT) -> None:
        # Ordered by last use, the first to drop first: OrderedDict drops and moves in constant time, where
        # taking a dict's first key scans the slots its earlier deletions left.
        self._current: OrderedDict[Hashable, str] = OrderedDict()
        self._previous: dict[Hashable, str] = {}
        self.limit = limit  # None: keep everything this build renders (a preview session)
        self.size = 0  # characters held in _current
        self.rendered = 0
        self.reused = 0

    def lookup(self, key: Hashable) -> Any:
        """The fragment kept for key, or MISSING: then render it and `keep` it."""
        current = self._current
        found = current.get(key, MISSING)
        if found is not MISSING:
            self.reused += 1
            if self.limit is not None:
                current.move_to_end(key)
            return found
        found = self._previous.get(key, MISSING)
        if found is not MISSING:
            self.reused += 1
            self._add(key, found)
        return found

    def keep(self, key: Hashable, fragment: str) -> str:
        self.rendered += 1
        self._add(key, fragment)
        return fragment

    def _add(self, key: Hashable, fragment: str) -> None:
        current = self._current
        current[key] = fragment
        self.size += len(fragment)
        if self.limit is not None:
            while self.size > self.limit and len(current) > 1:
                self.size -= len(current.popitem(last=False)[1])

    def next_build(self) -> None:
        self._previous, self._current = self._current, OrderedDict()
        self.size = 0


def library_for(template_name: str | None) -> str:
    """The macro template a page draws on: `_macros` with the page's extension (`topic.md` -> `_macros.md`)."""
    suffix = template_name.rpartition(".")[2] if template_name and "." in template_name else "html"
    return "_macros." + suffix


def cached_filter(environment: jinja2.Environment, store: FragmentStore) -> Callable[..., Any]:
    """The `cached` filter: `{{ 'paper_item' | cached(paper, heading='h4') }}` is what
    `{{ paper_item(paper, heading='h4') }}` gives with paper_item imported from `_macros.html`,
    made once per distinct arguments.

    A filter rather than a global function: a template calls a filter directly, a function through
    Context.call. It takes the context (for the page's kind, never for the key), which also keeps
    Jinja from calling it at compile time on a constant ('site_footer' | cached).
    """
    # By (calling template, macro name): an environment's templates never change while it renders.
    macros: dict[tuple[str | None, str], Callable[..., Any]] = {}
    lookup, keep = store.lookup, store.keep

    def macro_for(template_name: str | None, name: str) -> Callable[..., Any]:
        library = library_for(template_name)
        found = getattr(environment.get_template(library).module, name, None)
        if not callable(found):
            raise jinja2.TemplateRuntimeError(f"cached: {library} has no macro {name!r}")
        macros[template_name, name] = found
        return found

    @jinja2.pass_context
    def cached(context: jinja2.runtime.Context, name: str, *args: Any, **kwargs: Any) -> Any:
        macro = macros.get((context.name, name)) or macro_for(context.name, name)
        key = (macro, args, tuple(kwargs.items())) if kwargs else (macro, args)
        try:
            found = lookup(key)
        except TypeError:  # an unhashable argument: a list or dict cannot key a fragment
            raise jinja2.TemplateRuntimeError(
                f"cached: the arguments of {name!r} must be hashable (papers, dates, text, numbers, tuples); call the macro itself instead"
            ) from None
        return keep(key, macro(*args, **kwargs)) if found is MISSING else found

    return cached
