"""sitemap.xml and robots.txt: every HTML page as an absolute URL under base_url."""

from __future__ import annotations

import html
from collections.abc import Iterable

from generator.memo import Memo
from generator.site import urls

NOT_IN_SITEMAP = frozenset({"404.html"})


def page_locations(paths: Iterable[str]) -> list[str]:
    """Site locations of the HTML pages among output paths: days/2025-03-14/index.html -> days/2025-03-14/."""
    locations = []
    for path in sorted(paths):
        if not path.endswith(".html") or path in NOT_IN_SITEMAP or path.startswith("static/"):
            continue
        locations.append(path[: -len("index.html")] if path == "index.html" or path.endswith("/index.html") else path)
    return locations


def sitemap_xml(paths: Iterable[str], base_url: str, memo: Memo | None = None) -> bytes:
    """The same set of pages gives the same sitemap: in a preview session most edits add or remove no page."""
    return (memo or Memo()).table("sitemap", base_url).get(frozenset(paths), lambda found: _sitemap_xml(found, base_url))


def _sitemap_xml(paths: Iterable[str], base_url: str) -> bytes:
    link = urls.Urls(base_url)
    entries = "".join(f"  <url><loc>{html.escape(link.absolute(location), quote=False)}</loc></url>\n" for location in page_locations(paths))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n').encode()


def robots_txt(base_url: str) -> bytes:
    """Crawlers read robots.txt only at a domain root; under a project subpath it is harmless and unused."""
    return f"User-agent: *\nAllow: /\nSitemap: {urls.Urls(base_url).absolute('sitemap.xml')}\n".encode()
