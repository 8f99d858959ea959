"""Link check over the built site: no internal link is broken, at a project subpath or a domain root.

Root-relative links must sit under the base path and resolve to a file in
site/; relative links (the Markdown mirrors) resolve from their page; links
with a #fragment must find that id; feeds and the sitemap use absolute URLs
under base_url that resolve too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

import pytest

from tests.tools.site_under_test import build_project, make_project

BASE_URLS = ("https://example.org/repo/", "https://example.org/")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


class PageLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src", "data-index") and value:
                self.links.append(value)


@dataclass(frozen=True)
class Built:
    folder: Path
    base_url: str


@pytest.fixture(scope="module", params=BASE_URLS, ids=["subpath", "domain-root"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = build_project(make_project(tmp_path_factory.mktemp("links"), request.param))
    return Built(folder, request.param)


def page_url(built: Built, path: Path) -> str:
    relative = path.relative_to(built.folder).as_posix()
    return built.base_url + (relative[: -len("index.html")] if relative.endswith("index.html") else relative)


def target_file(built: Built, url: str) -> Path | None:
    """The file a URL on our own site serves, or None when the URL is outside the base path."""
    if not url.startswith(built.base_url):
        return None
    relative = unquote(urlsplit(url).path)[len(urlsplit(built.base_url).path) :]
    path = built.folder / relative
    return path / "index.html" if relative == "" or relative.endswith("/") else path


def is_internal(link: str, built: Built) -> bool:
    parts = urlsplit(link)
    if parts.scheme in ("mailto", "javascript", "data"):
        return False
    return not parts.netloc or link.startswith(built.base_url)


def broken_links(built: Built, pages: list[Path]) -> list[str]:
    ids: dict[Path, set[str]] = {}
    links: dict[Path, list[str]] = {}
    for page in pages:
        parser = PageLinks()
        parser.feed(page.read_text(encoding="utf-8"))
        ids[page], links[page] = parser.ids, parser.links
    broken = []
    host = urlsplit(built.base_url)
    for page in pages:
        for link in links[page]:
            if not is_internal(link, built):
                continue
            if link.startswith("/") and not link.startswith(host.path):
                broken.append(f"{page.relative_to(built.folder)}: {link} ignores the base path {host.path}")
                continue
            absolute = urljoin(page_url(built, page), link)
            target = target_file(built, absolute)
            if target is None or not target.is_file():
                broken.append(f"{page.relative_to(built.folder)}: {link} -> nothing at {target}")
                continue
            fragment = urlsplit(absolute).fragment
            if fragment and target.suffix == ".html":
                if target not in ids:
                    parser = PageLinks()
                    parser.feed(target.read_text(encoding="utf-8"))
                    ids[target] = parser.ids
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(built.folder)}: {link} -> no id {fragment!r}")
    return broken


def test_no_broken_internal_link_in_any_page(built: Built) -> None:
    pages = sorted(built.folder.rglob("*.html"))
    assert len(pages) > 250
    assert broken_links(built, pages) == []


def test_the_404_page_links_work_from_any_depth(built: Built) -> None:
    """GitHub Pages serves 404.html at whatever URL was missing, so its links must all be root-relative."""
    parser = PageLinks()
    parser.feed((built.folder / "404.html").read_text(encoding="utf-8"))
    internal = [link for link in parser.links if is_internal(link, built) and not link.startswith("#")]
    assert internal
    assert all(link.startswith(urlsplit(built.base_url).path) for link in internal), internal


def test_markdown_mirrors_link_to_files_that_exist(built: Built) -> None:
    for mirror in sorted(built.folder.rglob("*.md")):
        for link in MARKDOWN_LINK.findall(mirror.read_text(encoding="utf-8")):
            if not is_internal(link, built):
                continue
            target = target_file(built, urljoin(page_url(built, mirror), link))
            assert target is not None and target.is_file(), f"{mirror.relative_to(built.folder)}: {link}"


def test_sitemap_lists_every_page_by_absolute_url(built: Built) -> None:
    tree = ElementTree.parse(built.folder / "sitemap.xml")
    locations = [element.text or "" for element in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(locations) == len(set(locations))
    for location in locations:
        target = target_file(built, location)
        assert target is not None and target.is_file(), location
    pages = {page_url(built, page) for page in built.folder.rglob("*.html") if page.name != "404.html"}
    assert set(locations) == pages
    robots = (built.folder / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {built.base_url}sitemap.xml" in robots.splitlines()


def test_feeds_point_at_pages_that_exist(built: Built) -> None:
    feeds = [path for path in (built.folder / "feed.xml", built.folder / "atom.xml") if path.is_file()]
    if not feeds:
        pytest.skip("this build writes no feeds yet")
    for feed in feeds:
        for url in re.findall(r"(?:<link>|href=\")(https?://[^<\"]+)", feed.read_text(encoding="utf-8")):
            target = target_file(built, url)
            if target is not None:
                assert target.is_file(), f"{feed.name}: {url}"
