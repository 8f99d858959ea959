"""Render the site model through Jinja2 themes into {output path: bytes}.

Each page is planned as a PageSpec holding exactly the values it shows, so a
page whose spec is equal to last build's spec (and whose templates did not
change) need not be rendered again: the spec is the page's dependency record.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import importlib.metadata
import json
import re
import traceback
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from generator.config import BUILT_IN_THEMES, theme_roots
from generator.memo import Memo, MemoTable
from generator.model import Paper
from generator.problems import Problem, ThemeError, error
from generator.site import cite, fragments, urls
from generator.site.plan import PageSpec

# What a template compiles to depends on Jinja's version and the environment and filters made here (Jinja
# folds a filter of constants at compile time): compiled templates kept between runs are named by these,
# so one compiled by another version is never reused.
TEMPLATE_CODE_VERSION = hashlib.sha256(
    importlib.metadata.version("jinja2").encode() + Path(fragments.__file__).read_bytes() + Path(__file__).read_bytes()
).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every page shows: the site's name and navigation."""

    title: str
    description: str
    base_url: str
    author: str
    nav: tuple[tuple[str, str], ...] = ()  # (label, site location) in the header, after the home link
    thumbnails: bool = True  # cards show thumbnails (the `thumbnails` setting)


def theme_dirs(theme: str, project_root: Path | None) -> list[Path]:
    """The theme's folder first, then the default theme it falls back to, template by template."""
    search = theme_roots(project_root) if project_root else BUILT_IN_THEMES
    chosen = [root / theme for root in search if (root / theme / "templates").is_dir()]
    default = [root / "default" for root in search if (root / "default" / "templates").is_dir()]
    ordered: list[Path] = []
    for folder in chosen[:1] + default[:1]:
        if folder not in ordered:
            ordered.append(folder)
    return ordered


def escape_html_text(text: str) -> str:
    """Text as HTML character data: & < > and " escaped, as markdown-it escapes a paragraph's text."""
    return html.escape(text, quote=False).replace('"', "&quot;")


# An http(s) URL in running text: the scheme, then the characters a URI may hold (RFC 3986), so a quote,
# an angle bracket, a space or a non-ASCII character ends it.
WEB_URL = re.compile(r"(?i:https?)://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
SENTENCE_PUNCTUATION = ".,;:!?'*"
OPENING_BRACKET = {")": "(", "]": "["}
PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")  # a blank line, which may hold spaces


def url_in_text(found: str) -> str:
    """The URL a WEB_URL match stands for: punctuation ending the sentence, and a closing bracket the URL
    did not open, belong to the text around it (`see https://x.org/a.`, `(at https://x.org/a)`)."""
    end = len(found)
    while end:
        last = found[end - 1]
        if last in SENTENCE_PUNCTUATION or (last in OPENING_BRACKET and found.count(OPENING_BRACKET[last], 0, end) < found.count(last, 0, end)):
            end -= 1
        else:
            break
    return found[:end]


def linked_text_html(text: str) -> str:
    """Text escaped, each http(s) URL in it a link to itself; nothing else becomes markup."""
    parts: list[str] = []
    done = 0
    for match in WEB_URL.finditer(text):
        url = url_in_text(match[0])
        if url.find("://") + 3 == len(url):  # a scheme and nothing after it
            continue
        start = match.start()
        parts += escape_html_text(text[done:start]), f'<a href="{html.escape(url)}" rel="nofollow noopener">{escape_html_text(url)}</a>'
        done = start + len(url)
    parts.append(escape_html_text(text[done:]))
    return "".join(parts)


def text_html(text: str) -> markupsafe.Markup:
    """Text shown as written, as HTML: escaped, a <p> for each part between blank lines, http(s) URLs linked.

    Never Markdown: `*`, `_`, backticks, brackets, backslashes and entities are the author's characters.
    """
    if "\n" not in text and "://" not in text:  # one paragraph without a link: nearly every abstract
        stripped = text.strip()
        return markupsafe.Markup("<p>" + escape_html_text(stripped) + "</p>\n" if stripped else "")
    paragraphs = (part.strip() for part in PARAGRAPH_BREAK.split(text))
    return markupsafe.Markup("".join("<p>" + linked_text_html(part) + "</p>\n" for part in paragraphs if part))


# Bidi classes of the characters that can reorder the text after them: right-to-left letters and digits,
# and the explicit embeddings, overrides and isolates (U+202A-202E, U+2066-2069).
DIRECTION_TURNING = frozenset({"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"
ISOLATE_CONTROLS = re.compile("[\u2066-\u2069]")
ISOLATE_INITIATORS = "\u2066\u2067\u2068"


def balanced_isolates(text: str) -> str:
    """The text without the isolate ends (PDI) it did not open, with one for each it left open: a PDI
    matches the nearest open isolate, so an unmatched one would close the isolate around the text."""
    if not ISOLATE_CONTROLS.search(text):
        return text
    kept: list[str] = []
    depth = 0
    for char in text:
        if char in ISOLATE_INITIATORS:
            depth += 1
        elif char == POP_DIRECTIONAL_ISOLATE:
            if not depth:
                continue
            depth -= 1
        kept.append(char)
    return "".join(kept) + POP_DIRECTIONAL_ISOLATE * depth


def isolated(text: str) -> str:
    """The text, unable to turn the direction of what follows it where no <bdi> can be (`<title>`, feed titles,
    Markdown lines): wrapped in U+2068 FIRST STRONG ISOLATE ... U+2069 POP DIRECTIONAL ISOLATE when it holds a
    right-to-left letter or a bidi control. Other text is returned as it is: isolating it would change nothing shown."""
    if text.isascii() or not any(unicodedata.bidirectional(char) in DIRECTION_TURNING for char in text):
        return text
    return FIRST_STRONG_ISOLATE + balanced_isolates(text) + POP_DIRECTIONAL_ISOLATE


# Markdown mirrors show titles and topic names as written: every character CommonMark (or GitHub's
# flavour: ~~strike~~, $math$, | tables) can read as markup is backslash-escaped, and so is a list or
# setext marker starting a line. The rest (letters, spaces, . - ( ) and such) stays readable.
MARKDOWN_SPECIALS = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|&~#$"})
# A line's leading white space is dropped (a paragraph drops it too; four spaces after a blank line would make code).
MARKDOWN_LINE_START = re.compile(r"^[^\S\n]*(?:([-+=])|(\d+)(?=[.)]))?", re.MULTILINE)


def _escape_line_start(match: re.Match[str]) -> str:
    sign, number = match.group(1, 2)
    if sign:
        return "\\" + sign  # \- \+ \=
    return number + "\\" if number else ""  # 1\. 2\)


def markdown_escape(text: str) -> str:
    """Text for inline Markdown that CommonMark renders as exactly this text: nothing in it becomes markup."""
    return MARKDOWN_LINE_START.sub(_escape_line_start, str(text).translate(MARKDOWN_SPECIALS))


@functools.lru_cache(maxsize=8192)
def formatted_date(date: dt.date, pattern: str) -> str:
    """date.strftime(pattern), remembered: a site shows its few hundred days thousands of times (a day
    page, each paper's appearances), and strftime costs more than the rest of such a line."""
    return date.strftime(pattern)


def _unfoldable(helper: Callable[..., str]) -> Callable[..., str]:
    @jinja2.pass_context
    def as_filter(_context: Any, *args: Any) -> str:
        return helper(*args)

    return as_filter


def other_days(paper: Paper, date: dt.date) -> tuple[dt.date, ...]:
    """The days a paper was listed on but `date`, oldest first (a card's "also listed on")."""
    appearances = paper.appearances
    if len(appearances) == 1:  # most papers: no set to sort
        only = appearances[0].date
        return () if only == date else (only,)
    return tuple(day for day in paper.days if day != date)


def topic_namer() -> Callable[[str, tuple[tuple[str, str], ...]], str]:
    """The `topic_name` filter: `slug | topic_name(names)`, the name `names` ((slug, name) pairs) gives the slug,
    else the slug. Cards pass the same pairs build-long, so their dict is made once and kept with them."""
    last: list[Any] = [None, {}]

    def topic_name(slug: str, names: tuple[tuple[str, str], ...]) -> str:
        if names is not last[0]:
            last[:] = [names, dict(names)]  # holding `names` keeps its identity from being reused
        return last[1].get(slug, slug)

    return topic_name


def template_problem(exc: jinja2.TemplateError) -> Problem:
    """A template error as `file:line: message`: a syntax error knows its place; an error while rendering
    (an undefined name, a failing filter) is placed by the template frame of its traceback."""
    if isinstance(exc, jinja2.TemplateNotFound):
        return error(getattr(exc, "filename", None) or "template", None, f"template not found: {exc.name}", "check the theme's templates/ folder")
    filename = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None)
    if filename is None or line is None:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith((".html", ".md", ".xml", ".txt")):  # Jinja rewrites its frames to the template's file and line
                filename, line = frame.filename, frame.lineno
                break
    name = filename or getattr(exc, "name", None) or "template"
    return error(str(name), line, f"template error: {exc.message or type(exc).__name__}", "fix the template")


def bdi_join(items: Iterable[str], separator: str) -> markupsafe.Markup:
    """Each item escaped in a <bdi> of its own, so none can turn the direction of the separators and items after it."""
    texts = [str(item) for item in items]
    if not texts:
        return markupsafe.Markup("")
    inner = "</bdi>" + str(markupsafe.escape(separator)) + "<bdi>"  # as text: str + Markup would escape the str
    # One escape for the whole list: NUL is no markup, so it stays as it is and still marks where items end,
    # unless an item holds one itself.
    escaped = str(markupsafe.escape("\0".join(texts)))
    if escaped.count("\0") == len(texts) - 1:
        return markupsafe.Markup("<bdi>" + escaped.replace("\0", inner) + "</bdi>")
    return markupsafe.Markup("<bdi>" + inner.join(str(markupsafe.escape(text)) for text in texts) + "</bdi>")


class Renderer:
    """A Jinja2 environment over a theme and the default theme it overrides."""

    def __init__(self, theme_folders: list[Path], site_info: SiteInfo) -> None:
        """A one-off build's renderer: its fragments live as long as it does (see fragments.py)."""
        if not theme_folders:
            raise FileNotFoundError("no theme folder with templates/ found")
        self.theme_folders = theme_folders
        loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(f / "templates")) for f in theme_folders]
        default = theme_folders[-1]
        loaders.append(jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(default / "templates"))}))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=False, default=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # a Renderer lives for one build: no stat of every template on every page
            # Compiled templates kept between runs (in the user's temp folder, keyed by source checksum):
            # compiling them is a noticeable share of a small site's build.
            bytecode_cache=jinja2.FileSystemBytecodeCache(pattern=f"__paper_digest_{TEMPLATE_CODE_VERSION}_%s.cache"),
        )
        self.fragments: MemoTable[Any, str] = Memo().table("fragment", limit=fragments.LIMIT)
        link = urls.Urls(site_info.base_url)
        # Titles and abstracts are shown as written: text, never Markdown (content pages are Markdown, rendered by pages.py).
        self.env.filters.update(paragraphs=lambda text: text_html(text or ""), isolate=isolated, bdi_join=bdi_join, md_escape=markdown_escape)
        self.env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
        day_url = lambda date: link.url(urls.day_dir(date))  # noqa: E731 - one helper, a global and a filter
        paper_url = lambda paper_id: link.url(urls.paper_dir(paper_id))  # noqa: E731
        topic_url = lambda slug, page=1: link.url(urls.topic_dir(slug, page))  # noqa: E731
        type_url = lambda slug, page=1: link.url(urls.type_dir(slug, page))  # noqa: E731
        static_url = lambda name: link.url("static/" + name)  # noqa: E731
        helpers = {"url": link.url, "absolute_url": link.absolute, "day_url": day_url, "paper_url": paper_url, "topic_url": topic_url, "static_url": static_url}
        helpers["type_url"] = type_url
        # Each URL helper is a filter too ({{ date | day_url }}): a template calls a filter directly and a
        # function through Context.call, which costs more than most helpers do.
        # As filters they take the context: Jinja folds a filter of a constant ('archive/' | url) at compile
        # time otherwise, and compiled templates are shared between sites at other base URLs.
        self.env.filters.update({name: _unfoldable(helper) for name, helper in helpers.items()})
        # Week and month pages, and citations (generator/site/cite.py).
        week_url = lambda date: link.url(urls.week_dir(date))  # noqa: E731
        month_url = lambda date: link.url(urls.month_dir(date))  # noqa: E731
        self.env.filters.update(week_url=_unfoldable(week_url), month_url=_unfoldable(month_url))
        self.env.filters.update(bibtex=cite.bibtex_text, bibtex_names=cite.bibtex_names, bibkey=cite.bibtex_key)
        self.env.filters.update(other_days=other_days, topic_name=topic_namer())
        self.env.filters.update(iso=lambda date: date.isoformat(), strftime=formatted_date, cached=fragments.cached_filter(self.env, lambda: self.fragments))
        self.env.globals.update(
            helpers,
            site=site_info,
            # The pages the header's menu marks as current (aria-current): the header differs on these only.
            nav_paths=frozenset({"index.html", *(location + "index.html" for _, location in site_info.nav)}),
        )

    def render(self, spec: PageSpec) -> bytes:
        """The page's bytes; a template that fails raises ThemeError, located."""
        try:
            template = self.env.get_template(spec.template)
            # make_module over a dict that holds the globals already: render() copies them out of the template's
            # ChainMap key by key on every page, which costs more than most of a paper page's markup. A failure
            # is raised again through render(), which places it on its template line.
            values = {**self.env.globals, **spec.context(), "page_path": spec.path}
            try:
                return str(template.make_module(values, shared=True)).encode("utf-8")
            except Exception:
                return template.render(spec.context(), page_path=spec.path).encode("utf-8")
        except jinja2.TemplateError as exc:
            raise ThemeError(template_problem(exc)) from exc

    def static_files(self) -> dict[str, bytes]:
        """Static assets: the default theme's, overridden file by file by the chosen theme's."""
        files: dict[str, bytes] = {}
        for folder in reversed(self.theme_folders):
            static = folder / "static"
            if static.is_dir():
                for path in sorted(p for p in static.rglob("*") if p.is_file()):
                    files["static/" + path.relative_to(static).as_posix()] = path.read_bytes()
        return files


def render_pages(specs: Iterable[PageSpec], renderer: Renderer) -> dict[str, bytes]:
    return {spec.path: renderer.render(spec) for spec in specs}
