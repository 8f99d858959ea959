"""content/pages/*.md: YAML front matter plus Markdown, rendered into site pages such as About."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from generator.model import ContentPage
from generator.pipeline.ingest import stays_inside
from generator.problems import Problem, error, warning

PAGES_DIR = "pages"
FRONT_MATTER_FENCE = "---"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Output folders the generator itself writes: a page there would clobber or shadow generated ones.
RESERVED_SLUGS = frozenset({"days", "papers", "topics", "static", "search", "archive", "feeds", "dedupe", "index", "how", "weeks", "months", "types", "watch"})
FRONT_MATTER_KEYS = ("title", "description", "slug", "nav")

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore


def _renderer(base_path: str) -> MarkdownIt:
    """CommonMark with raw HTML off; a root-relative link like /archive/ gets the site's base path."""
    from markdown_it import MarkdownIt  # imported by the first content page, not by every build

    markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

    def under_base(state: StateCore) -> None:
        for block in state.tokens:
            for token in block.children or ():
                for attr in ("href", "src"):
                    value = token.attrGet(attr)
                    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
                        token.attrSet(attr, base_path + value[1:])

    markdown.core.ruler.push("links_under_base_path", under_base)
    return markdown


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(front matter YAML, or None when the text has none; the Markdown body)."""
    lines = text.split("\n")
    if lines[0].rstrip() != FRONT_MATTER_FENCE:
        return None, text
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() == FRONT_MATTER_FENCE:
            return "\n".join(lines[1:number]), "\n".join(lines[number + 1 :])
    return "\n".join(lines[1:]), ""


def _key_lines(front: str) -> dict[str, int]:
    """Each front matter key's line, counted from the opening fence (line 1)."""
    found: dict[str, int] = {}
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return found
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            found[str(key.value)] = key.start_mark.line + 2
    return found


def parse_page(text: str, source: str, base_path: str) -> tuple[ContentPage | None, list[Problem]]:
    """One page file's text -> the page, or problems that say where and how to fix it."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    front, body = split_front_matter(text)
    if front is None:
        return None, [error(source, 1, "a page must start with YAML front matter", "first line '---', then 'title: About', then '---'")]
    try:
        data = yaml.safe_load(front) if front.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        return None, [error(source, line, f"invalid YAML front matter: {getattr(exc, 'problem', None) or exc}", "check indentation and quotes")]
    if not isinstance(data, dict):
        return None, [error(source, 2, "front matter must be a mapping of keys to values", "e.g. 'title: About'")]
    lines = _key_lines(front)
    problems = [
        error(source, lines.get(str(key), 2), f"unknown front matter key {key!r}", "known keys: " + ", ".join(FRONT_MATTER_KEYS))
        for key in data
        if key not in FRONT_MATTER_KEYS
    ]
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(error(source, lines.get("title", 1), "a page needs a title", "add 'title: About' to the front matter"))
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.append(error(source, lines.get("description", 2), "description must be text"))
    stem = Path(source).stem.lower()
    slug = data.get("slug", stem)
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append(error(source, lines.get("slug", 1), f"slug {slug!r} is not usable in a URL", "use lowercase letters, digits and dashes"))
    elif slug in RESERVED_SLUGS:
        problems.append(error(source, lines.get("slug", 1), f"slug {slug!r} is used by the generator", "pick another slug, e.g. 'about'"))
    nav = data.get("nav")
    if nav is not None and (isinstance(nav, bool) or not isinstance(nav, int)):
        problems.append(error(source, lines.get("nav", 2), f"nav must be a whole number (its place in the menu), not {nav!r}", "e.g. 'nav: 1'"))
    if problems:
        return None, problems
    html = _renderer(base_path).render(body)
    return ContentPage(slug=slug, title=title.strip(), description=description.strip(), body_html=html, source=source, nav=nav), []


def load_pages(content_dir: Path, base_path: str) -> tuple[tuple[ContentPage, ...], list[Problem]]:
    """Every content/pages/*.md, in file-name order; a broken page is reported and left out."""
    folder = content_dir / PAGES_DIR
    if not folder.is_dir():
        return (), []
    pages: list[ContentPage] = []
    problems: list[Problem] = []
    taken: dict[str, str] = {}
    for path in sorted(folder.glob("*.md")):
        if path.name.startswith("."):
            continue
        source = path.relative_to(content_dir).as_posix()
        if not stays_inside(path, content_dir.resolve()):
            problems.append(warning(source, None, "a link to a file outside the content folder, skipped", "copy the page into the content folder"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(error(source, None, f"cannot read page: {exc}", "save it as UTF-8"))
            continue
        page, found = parse_page(text, source, base_path)
        problems.extend(found)
        if page is None:
            continue
        if page.slug in taken:
            problems.append(error(source, 1, f"slug {page.slug!r} is already used by {taken[page.slug]}", "give one of them another slug"))
            continue
        taken[page.slug] = source
        pages.append(page)
    return tuple(pages), problems
