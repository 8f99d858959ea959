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
fragments do. A name `library:macro` draws on another library: an HTML page
shows `'_macros.bib:bib_entry' | cached(paper)`, the very entry the paper's
BibTeX files hold, made once for all of them.

Fragments are a table of the build's memo (memo.py), keyed by the macro and its
arguments. A one-off build keeps the most recently used fragments up to `LIMIT`
characters; a preview session keeps all of one build's for the next.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2

from generator.memo import MemoTable

# What a one-off build keeps, in characters of markup: room for every fragment of a site the size of the 2024
# corpus, so the chips and phrase lists a paper's day and paper pages made are still there for its topic pages,
# while a far larger site drops its least recently used ones rather than hold them all.
LIMIT = 16_000_000


def library_for(template_name: str | None) -> str:
    """The macro template a page draws on: `_macros` with the page's extension (`topic.md` -> `_macros.md`)."""
    suffix = template_name.rpartition(".")[2] if template_name and "." in template_name else "html"
    return "_macros." + suffix


def cached_filter(environment: jinja2.Environment, fragments: Callable[[], MemoTable[Any, str]]) -> Callable[..., Any]:
    """The `cached` filter: `{{ 'paper_item' | cached(paper, heading='h4') }}` is what
    `{{ paper_item(paper, heading='h4') }}` gives with paper_item imported from `_macros.html`,
    made once per distinct arguments.

    A filter rather than a global function: a template calls a filter directly, a function through
    Context.call. It takes the context (for the page's kind, never for the key), which also keeps
    Jinja from calling it at compile time on a constant ('site_footer' | cached). `fragments` gives
    the table of the build in progress.
    """
    # By (calling template, macro name): an environment's templates never change while it renders.
    macros: dict[tuple[str | None, str], Callable[..., Any]] = {}

    def macro_for(template_name: str | None, name: str) -> Callable[..., Any]:
        library, _, macro = name.rpartition(":")
        library = library or library_for(template_name)
        found = getattr(environment.get_template(library).module, macro, None)
        if not callable(found):
            raise jinja2.TemplateRuntimeError(f"cached: {library} has no macro {macro!r}")
        macros[template_name, name] = found
        return found

    @jinja2.pass_context
    def cached(context: jinja2.runtime.Context, name: str, *args: Any, **kwargs: Any) -> Any:
        macro = macros.get((context.name, name)) or macro_for(context.name, name)
        key = (macro, args, tuple(kwargs.items())) if kwargs else (macro, args)
        try:
            hash(key)
        except TypeError:  # an unhashable argument: a list or dict cannot key a fragment
            raise jinja2.TemplateRuntimeError(
                f"cached: the arguments of {name!r} must be hashable (papers, dates, text, numbers, tuples); call the macro itself instead"
            ) from None
        return fragments().get(key, lambda _: macro(*args, **kwargs))

    return cached
