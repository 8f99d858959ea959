"""Feeds in real readers on 127.0.0.1: newsboat and rss2email import the OPML lists, feedparser reads items, JSON
Feed passes its schema, and the warnings the W3C validator raised once stay gone (checked here, without it)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from generator.build import build_site
from generator.config import load_config
from tests.site.test_feeds import ATOM, atom_paths, check_all_feeds, json_paths, rss_paths
from tests.tools.site_under_test import missing_tool

SCHEMA = Path(__file__).parents[1] / "data" / "schemas" / "jsonfeed-1.1.schema.json"
WATCHED = "Yijiang Li"  # an author of four papers of the 2026 sample
# The W3C validator's list of CSS properties it calls safe in a style attribute (its others warn).
SAFE_CSS = {"background", "background-color", "border", "clear", "color", "cursor", "direction", "display", "float", "font", "font-family",
            "font-size", "font-style", "font-variant", "font-weight", "height", "letter-spacing", "line-height", "list-style-type", "margin",
            "margin-bottom", "margin-left", "margin-right", "margin-top", "overflow", "padding", "text-align", "text-decoration", "text-indent",
            "vertical-align", "white-space", "width"}  # fmt: skip


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Served:
    site: Path
    base: str
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sample_2026_dir: Path) -> Iterator[Served]:
    """The 2026 sample with a watch on one author, built for and served on 127.0.0.1."""
    project = tmp_path_factory.mktemp("readers")
    shutil.copytree(sample_2026_dir, project / "content" / "dumps")
    site = project / "site"
    site.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    (project / "digest.yaml").write_text(f"title: Sample 2026\nauthor: The Digest\nbase_url: {base}\nwatch:\n  authors: [\"{WATCHED}\"]\n", encoding="utf-8")
    config, problems = load_config(None, project)
    assert not problems
    result = build_site(config, project)
    assert not result.errors
    for path, data in result.files.items():  # written in place: the server serves this folder
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(site, base, result.files)
    finally:
        server.shutdown()
        server.server_close()


def items(files: dict[str, bytes], rss_path: str) -> list[ET.Element]:
    channel = ET.fromstring(files[rss_path]).find("channel")
    assert channel is not None
    return channel.findall("item")


def test_a_watch_on_an_author_holds_exactly_their_papers_and_the_opml_lists_it(served: Served) -> None:
    files = served.files
    check_all_feeds(files, served.base)
    papers = json.loads(files["papers.json"])["papers"]
    theirs = {p["url"] for p in papers if WATCHED in p["authors"]}
    assert len(theirs) == 4
    folder = "watch/author-yijiang-li/"
    assert {item.findtext("link") for item in items(files, folder + "feed.xml")} == theirs
    assert {e.link for e in feedparser.parse(files[folder + "atom.xml"]).entries} == theirs
    assert {i["url"] for i in json.loads(files[folder + "feed.json"])["items"]} == theirs
    assert f"Author: {WATCHED}".encode() in files["feeds.opml"] and f"{served.base}watches.opml".encode() in files["feeds.opml"]
    listed = [o.get("xmlUrl") for o in ET.fromstring(files["watches.opml"]).iter("outline")]
    assert listed == [served.base + folder + "feed.xml"]
    page = files[folder + "index.html"].decode()
    assert page.count('class="card') >= 4 or page.count("<article") >= 4
    alternates = re.findall(r'<link rel="alternate" type="[^"]+" title="[^"]*" href="([^"]+)"', page)
    assert alternates[:3] == [f"/{folder}feed.xml", f"/{folder}atom.xml", f"/{folder}feed.json"]


def test_a_reader_sees_authors_links_thumbnail_and_topics_in_an_item(served: Served) -> None:
    parsed = feedparser.parse(served.files["feed.xml"])
    assert parsed.bozo == 0
    entry = next(e for e in parsed.entries if e.get("media_thumbnail"))
    paper = next(p for p in json.loads(served.files["papers.json"])["papers"] if p["url"] == entry.link)
    assert entry.author == ", ".join(paper["authors"])  # one dc:creator: newsboat shows the last of several
    assert entry.media_thumbnail[0]["url"] == paper["thumbnail"]
    body = entry.description
    assert f'src="{paper["thumbnail"]}"' in body  # feedparser sanitizes: alt before src
    assert paper["links"]["arxiv"] in body and paper["links"]["pdf"] in body and paper["links"]["huggingface"] in body
    if paper["ai_summary"]:
        assert "AI summary</strong> (machine-written" in body
    assert [t.term for t in entry.tags] and all(t.term for t in entry.tags)
    # Counts that change every listing are not shown: an item never looks updated because of them.
    assert str(paper["upvotes"]) + " upvotes" not in body
    daily = feedparser.parse(served.files["daily.xml"]).entries[0]
    assert daily.author == "The Digest"


def test_json_feeds_pass_the_json_feed_schema(served: Served) -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    if not checker.exists():
        pytest.fail("check-jsonschema is missing: pip install -e '.[test]'")
    paths = [str(served.site / path) for path in json_paths(served.files)]
    assert len(paths) > 5
    done = subprocess.run([str(checker), "--schemafile", str(SCHEMA), *paths], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    broken = served.site / "broken.json"
    broken.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [{"id": "1", "date": "x"}]}))
    assert subprocess.run([str(checker), "--schemafile", str(SCHEMA), str(broken)], capture_output=True, timeout=120).returncode == 1


def test_the_warnings_the_w3c_validator_raised_stay_gone(served: Served) -> None:
    files = served.files
    for path in atom_paths(files):
        root = ET.fromstring(files[path])
        updated = [e.findtext(f"{ATOM}updated") for e in root.iter(f"{ATOM}entry")]
        # "Two entries with the same value for atom:updated"
        assert len(updated) == len(set(updated)), path
        # "Implausible date": an empty feed is dated by the data, not 1970
        assert not (root.findtext(f"{ATOM}updated") or "").startswith("1970"), path
        # "Archive incomplete": an archive links an older or a newer one
        if root.find("{http://purl.org/syndication/history/1.0}archive") is not None:
            rels = {link.get("rel") for link in root.findall(f"{ATOM}link")}
            assert rels & {"prev-archive", "next-archive"} and "current" in rels, path
    for path in rss_paths(files) + atom_paths(files):
        text = files[path].decode()
        # "style attribute contains potentially dangerous content"
        for style in re.findall(r"style=&#34;(.*?)&#34;", text):
            properties = {part.split(":", 1)[0].strip() for part in style.split(";") if part.strip()}
            assert properties <= SAFE_CSS, (path, properties - SAFE_CSS)
        assert "&lt;script" not in text or path.startswith("topics/"), path


def reader_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        missing_tool(f"{name} is not installed")
    return str(found)


def newsboat_counts(served: Served, home: Path, *lists: str) -> dict[str, int]:
    """Import the OPML lists into a fresh newsboat, fetch every feed, and count the items it files under each."""
    newsboat = reader_tool("newsboat")
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local")}
    (home / "config").write_text("", encoding="utf-8")
    args = ["-u", str(home / "urls"), "-C", str(home / "config"), "-c", str(home / "cache.db")]
    for name in lists:
        done = subprocess.run([newsboat, "-i", str(served.site / name), *args], capture_output=True, text=True, timeout=60, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    urls = (home / "urls").read_text(encoding="utf-8").split()
    assert all(url.startswith(served.base) and not url.endswith(".opml") for url in urls), urls
    done = subprocess.run([newsboat, *args, "-x", "reload"], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    with sqlite3.connect(home / "cache.db") as db:
        counts = dict(db.execute("SELECT feedurl, count(*) FROM rss_item GROUP BY feedurl").fetchall())
    return {url: counts.get(url, 0) for url in urls}


def test_newsboat_shows_every_item_of_every_feed_of_the_opml_lists(served: Served, tmp_path: Path) -> None:
    counts = newsboat_counts(served, tmp_path / "home", "feeds.opml", "watches.opml", "digests.opml")
    assert set(counts) == {served.base + p for p in ("feed.xml", "daily.xml", "watch/author-yijiang-li/feed.xml", "weekly.xml", "monthly.xml")}
    for url, count in counts.items():
        assert count == len(items(served.files, url.removeprefix(served.base))), url
    assert counts[served.base + "feed.xml"] == 50 and counts[served.base + "watch/author-yijiang-li/feed.xml"] == 4


def test_rss2email_sends_each_paper_of_feeds_opml_once(served: Served, tmp_path: Path) -> None:
    r2e = reader_tool("r2e")
    mails = tmp_path / "mails"
    mails.mkdir()
    sendmail = tmp_path / "sendmail"
    sendmail.write_text(f'#!/bin/sh\ncat > "$(mktemp {mails}/mail.XXXXXX)"\n', encoding="utf-8")
    sendmail.chmod(0o755)
    config, data = tmp_path / "r2e.cfg", tmp_path / "r2e.json"
    config.write_text(f"[DEFAULT]\nto = reader@example.org\nemail-protocol = sendmail\nsendmail = {sendmail}\nfrom = digest@example.org\n", encoding="utf-8")
    base = [r2e, "-c", str(config), "-d", str(data)]
    for command in (["opmlimport", str(served.site / "feeds.opml")], ["run"]):
        done = subprocess.run(base + command, capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    sent = [path.read_text(encoding="utf-8", errors="replace") for path in mails.iterdir()]
    papers = len(items(served.files, "feed.xml"))
    days = len(items(served.files, "daily.xml"))
    assert len(sent) == papers + days
    subjects = Counter(re.search(r"^Subject: (.*)$", mail, re.M).group(1) for mail in sent)  # type: ignore[union-attr]
    assert max(subjects.values()) == 1, subjects.most_common(3)
    daily = [mail for mail in sent if re.search(r"^Subject: 2026-08-\d\d: \d+ new papers", mail, re.M)]
    assert len(daily) == days and all(re.search(r'^From: "[^"]*The Digest"', mail, re.M) for mail in daily), daily[0][:400]
