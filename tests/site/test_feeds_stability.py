"""Once published, an item never changes: not when a dump is added, a title revised, or the site moves to https."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.build import BuildResult, build_site
from generator.config import load_config
from generator.site.feeds import FeedSettings, feed_files
from tests.conftest import SEEDS
from tests.site.test_feeds import ATOM, check_all_feeds

# The newest seed day is Aug 5; this dump comes a day later with a revised title of one
# of that day's papers (same abstract) and two papers never seen before.
REVISED_SEED = "000_5550a00ef71bc00d.txt"
LATER_DUMP = """Daily Papers

Aug 6

Neurocomparatives: neuro-symbolic distillation of comparative knowledge

{abstract}

Feed Stability Under Incremental Static Site Builds

We study whether feed items stay byte-identical when new dumps arrive, and find that deriving identifiers from content, not locations, is enough.

A Second Brand New Paper About Long Context Retrieval

Long-context language models retrieve facts from long documents; we measure retrieval accuracy as the context grows.
"""


def later_dump() -> str:
    paragraphs = SEEDS.joinpath(REVISED_SEED).read_text(encoding="utf-8").split("\n\n")
    title_at = next(i for i, p in enumerate(paragraphs) if p.startswith("NeuroComparatives:"))
    return LATER_DUMP.format(abstract=paragraphs[title_at + 1].strip())


def digest(project: Path, *args: str) -> dict[str, bytes]:
    """Run the real `digest build` and return the feed files it wrote."""
    done = subprocess.run([sys.executable, "-m", "generator", "build", "--quiet", *args], cwd=project, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    site = project / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file() and p.suffix in (".xml", ".json", ".opml")}


def is_feed(path: str) -> bool:
    archived = path.startswith("feeds/archive/") and path.endswith((".xml", ".json"))
    return archived or path.endswith(("feed.xml", "atom.xml", "feed.json", "daily.xml", "daily.json"))


def items_by_id(path: str, data: bytes) -> dict[str, bytes]:
    """Each item's id mapped to its full serialized content, in whichever format the feed is."""
    if path.endswith(".json"):
        return {item["id"]: json.dumps(item, sort_keys=True).encode() for item in json.loads(data)["items"]}
    root = ET.fromstring(data)
    found = root.iter("item") if root.tag == "rss" else root.iter(f"{ATOM}entry")
    items = {}
    for item in found:
        item.tail = None  # the indentation after an element depends on its position, not its content
        items[item.findtext("guid") or item.findtext(f"{ATOM}id") or ""] = ET.tostring(item)
    return items


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, BuildResult]:
    """The sample built, then built again with one more dump: a later day, a revised title, two new papers."""
    project = tmp_path_factory.mktemp("grown")
    dumps = project / "content" / "dumps"
    dumps.mkdir(parents=True)
    for seed in sorted(SEEDS.iterdir()):
        shutil.copy(seed, dumps / seed.name)
    (project / "digest.yaml").write_text("base_url: https://example.org/digest/\nyear: 2025\nfeed_limit: 1000\n", encoding="utf-8")
    config, problems = load_config(None, project)
    assert not problems
    before = build_site(config, project)
    (dumps / "005_later.txt").write_text(later_dump(), encoding="utf-8")
    after = build_site(config, project)
    assert not before.errors and not after.errors
    return before, after


def test_adding_a_dump_keeps_every_earlier_item_byte_for_byte(grown: tuple[BuildResult, BuildResult]) -> None:
    before, after = grown[0].files, grown[1].files
    check_all_feeds(after, "https://example.org/digest/")

    papers = json.loads(after["papers.json"])["papers"]
    revised = next(p for p in papers if p["appearances"][0]["title"].startswith("NeuroComparatives:"))
    assert [a["date"] for a in revised["appearances"]][-1] == "2025-08-06", "the revised title was not folded into its paper"

    feeds = [path for path in before if is_feed(path)]
    assert {"feed.xml", "atom.xml", "feed.json", "daily.xml", "daily.json", "daily.atom.xml"} <= set(feeds)
    for path in feeds:
        old, new = items_by_id(path, before[path]), items_by_id(path, after[path])
        if not old:  # a topic without papers
            continue
        for item_id, content in old.items():
            assert new.get(item_id) == content, f"{path}: item {item_id} changed"
    for path in ("feed.xml", "atom.xml", "feed.json"):
        added = set(items_by_id(path, after[path])) - set(items_by_id(path, before[path]))
        assert len(added) == 2, path
    assert len(items_by_id("daily.xml", after["daily.xml"])) == len(items_by_id("daily.xml", before["daily.xml"])) + 1


def test_items_kept_under_a_small_feed_limit_are_unchanged(grown: tuple[BuildResult, BuildResult]) -> None:
    settings = FeedSettings(author="A", limit=5)
    before, after = (feed_files(result.site, settings) for result in grown)
    for path in ("feed.xml", "atom.xml", "feed.json"):
        old, new = items_by_id(path, before[path]), items_by_id(path, after[path])
        kept = set(old) & set(new)
        assert len(new) == 5 and len(kept) == 3, path
        assert all(old[item_id] == new[item_id] for item_id in kept), path


def ids(files: dict[str, bytes]) -> dict[str, list[str]]:
    found = {path: sorted(items_by_id(path, data)) for path, data in files.items() if is_feed(path)}
    for path, data in files.items():
        if path.endswith("atom.xml"):
            found[path + "#feed"] = [ET.fromstring(data).findtext(f"{ATOM}id") or ""]
    return found


def test_moving_from_http_to_https_keeps_every_id(sample_project: Path) -> None:
    plain = digest(sample_project, "--base-url", "http://example.org/digest/")
    secure = digest(sample_project, "--base-url", "https://example.org/digest/")
    assert ids(plain) == ids(secure)
    assert sum(len(v) for v in ids(plain).values()) > 20
    assert plain["feed.xml"] != secure["feed.xml"]
    assert b"http://example.org/digest/papers/" in plain["feed.xml"] and b"http://example.org/" not in secure["feed.xml"]


class AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.feeds: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "alternate":
            self.feeds[values.get("type") or ""] = values.get("href") or ""


def test_pages_advertise_the_feeds_for_autodiscovery(grown: tuple[BuildResult, BuildResult]) -> None:
    files = grown[1].files
    for page in ("index.html", "404.html"):
        parser = AlternateLinks()
        parser.feed(files[page].decode("utf-8"))
        assert set(parser.feeds) == {"application/rss+xml", "application/atom+xml", "application/feed+json"}
        for href in parser.feeds.values():
            assert href.startswith("/digest/") and href.removeprefix("/digest/") in files
    footer = files["index.html"].decode("utf-8").split('class="site-footer"', 1)[1]
    for feed in ("feed.xml", "atom.xml", "feed.json", "daily.xml", "feeds.opml"):
        assert f'href="/digest/{feed}"' in footer and feed in files
