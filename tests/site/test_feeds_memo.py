"""Feed documents as the templates and json.dumps write them: laid out as ElementTree would, hostile text kept as
text; a rebuild with one paper changed changes that paper's items only, and a memo carried between builds
makes again only the items and documents that changed, never anything else than a clean build."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from generator.build import build_site
from generator.config import load_config
from generator.memo import Memo
from generator.model import Appearance, Day, Paper, Site, Topic, TopicMatch
from generator.site import feeds
from generator.site.feeds import FeedSettings, feed_files, stable_id
from generator.site.render import theme_dirs
from tests.conftest import SEEDS
from tests.site.test_feeds import assert_no_forbidden_characters, day_appearance
from tests.site.test_feeds_stability import is_feed, items_by_id

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
MARCH = dt.date(2025, 3, 14)
# Everything escaping has to get right: markup, entities, the CDATA end, quotes, white space, controls, non-ASCII.
NASTY_TITLE = "A <b>bold</b> & 'quoted' \"title\" ]]> with\tcontrols\x01\x0b\x7f\x85\ufffe: Über naïve 学习 😀"
NASTY_ABSTRACT = "First ]]> paragraph <img src=x> &amp; &#x27;\r\n\x00\x1f \u2028end.\n\n\tSecond\x0c paragraph: “quotes” — ü 😀 ]]>"
ABSTRACT_HTML = "First ]]&gt; paragraph &lt;img src=x&gt; &amp;amp; &amp;#x27; end.</p><p>Second paragraph: “quotes” — ü 😀 ]]&gt;</p>"
CLEAN_TITLE = "A <b>bold</b> & 'quoted' \"title\" ]]> with controls: Über naïve 学习 😀"


def nasty_site() -> tuple[Site, FeedSettings]:
    topics = (
        Topic("quote-topic", 'Names "in" <quotes> & ]]>\x02', 'Described\tby "them" & <us>'),
        Topic("empty-name", "\x03"),  # nothing left after cleaning: an empty <category />, as ElementTree writes it
        Topic("plain", "Plain"),
    )
    paper = Paper(
        "nasty-1",
        NASTY_TITLE,
        NASTY_ABSTRACT,
        (day_appearance(MARCH, NASTY_TITLE),),
        arxiv_id="2501.00001",
        authors=('Zoë <Q> & "R"\x04', "  ", "李 ]]> 华"),
        topics=(TopicMatch("quote-topic", ("q",)), TopicMatch("empty-name", ("e",)), TopicMatch("plain", ("p",))),
    )
    other = Paper("plain-2", "Plain", "Nothing odd.", (day_appearance(MARCH - dt.timedelta(days=1), "Plain"),), topics=(TopicMatch("plain", ("p",)),))
    days = (Day(MARCH, (paper.id,), (), ()), Day(MARCH - dt.timedelta(days=1), (other.id,), (), ()))
    site = Site(
        title='Site <&> "]]>"\x05 ü',
        base_url="https://example.org/digest/",
        papers=(paper, other),
        days=days,
        topics=topics,
        description="About\x06 'it' & more",
    )
    return site, FeedSettings(author='Me & <you> "]]>"\x07 é')


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    project = tmp_path_factory.mktemp("memo-sample")
    dumps = project / "content" / "dumps"
    dumps.mkdir(parents=True)
    for seed in sorted(SEEDS.iterdir()):
        (dumps / seed.name).write_bytes(seed.read_bytes())
    (project / "digest.yaml").write_text("title: Memo Digest\nbase_url: https://example.org/digest/\nyear: 2025\n", encoding="utf-8")
    config, problems = load_config(None, project)
    assert not problems
    return build_site(config, project).site


def element_tree_bytes(data: bytes) -> bytes:
    """The document parsed and written again by ElementTree, indented as the generator used to do it."""
    ET.register_namespace("atom", ATOM_NS)
    ET.register_namespace("dc", DC_NS)
    ET.register_namespace("fh", "http://purl.org/syndication/history/1.0")
    ET.register_namespace("media", "http://search.yahoo.com/mrss/")
    root = ET.fromstring(data)
    if root.tag == f"{{{ATOM_NS}}}feed":
        # ElementTree cannot write a default namespace beside plain attribute names: declare it by hand, as the generator did.
        for element in root.iter():
            element.tag = element.tag.removeprefix(f"{{{ATOM_NS}}}")
        root.attrib = {"xmlns": ATOM_NS, **root.attrib}
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def assert_written_as_the_libraries_would(files: dict[str, bytes]) -> None:
    """JSON exactly as json.dumps writes it; XML laid out as ElementTree indents it, the same document to the
    character (canonical XML keeps every white space), though escaped as markupsafe escapes: `"` and `'` as references."""
    for path, data in files.items():
        if path.endswith(".json"):
            assert data == (json.dumps(json.loads(data), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"), path
        else:
            assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<') and data.endswith(b">\n"), path
            assert ET.canonicalize(data.decode("utf-8")) == ET.canonicalize(element_tree_bytes(data).decode("utf-8")), path
            assert b"&quot;" not in data and b"&#x" not in data, path  # the escapes are markupsafe's: &#34; and &#39;


def test_nasty_text_gives_well_formed_feeds_that_show_it_as_text() -> None:
    site, settings = nasty_site()
    files = feed_files(site, settings)
    assert_written_as_the_libraries_would(files)
    for path, data in files.items():
        assert_no_forbidden_characters(data.decode("utf-8"), path)
        if path.endswith((".xml", ".opml")):
            ET.fromstring(data)
    for path in ("feed.xml", "atom.xml", "topics/plain/feed.xml", "topics/quote-topic/atom.xml"):
        parsed = feedparser.parse(files[path])
        assert parsed.bozo == 0, path
        entry = next(e for e in parsed.entries if e.id == stable_id("paper:nasty-1"))
        assert entry.title == CLEAN_TITLE, path
        # Atom lists each author; RSS has one dc:creator with them all (newsboat shows only the last of several).
        names = ['Zoë <Q> & "R"', "李 ]]> 华"] if path.endswith("atom.xml") else ['Zoë <Q> & "R", 李 ]]> 华']
        assert [a.name for a in entry.authors] == names, path
        if path.endswith("atom.xml"):
            assert [(tag.term, tag.label) for tag in entry.tags] == [("quote-topic", 'Names "in" <quotes> & ]]>'), ("empty-name", ""), ("plain", "Plain")], path
        else:
            assert [tag.term for tag in entry.tags if tag.term] == ['Names "in" <quotes> & ]]>', "Plain"], path
        assert ABSTRACT_HTML in entry.description, path
    item = json.loads(files["feed.json"])["items"][0]
    assert item["title"] == CLEAN_TITLE
    assert item["tags"] == ['Names "in" <quotes> & ]]>', "", "Plain"]
    opml = ET.fromstring(files["feeds.opml"])
    assert opml.findtext("head/ownerName") == 'Me & <you> "]]>" é'
    main = next(o for o in opml.iter("outline") if (o.get("xmlUrl") or "").endswith("/digest/feed.xml"))
    assert main.get("description") == "About 'it' & more"


def test_feeds_of_the_sample_are_what_element_tree_and_json_dumps_write(sample_site: Site) -> None:
    files = feed_files(sample_site, FeedSettings(author='Sample "author" & co'))
    assert len(files) > 7
    assert_written_as_the_libraries_would(files)


@given(st.text())
@example("paper:abc")
@example("watch:author-zoë:paper:2405.20541")
def test_ids_are_uuid5_of_the_fixed_namespace(name: str) -> None:
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "urn:paper-digest:feed-ids")
    assert stable_id(name) == f"urn:uuid:{uuid.uuid5(namespace, name)}"


SPACES = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", "\u00a0", "\x01", "\x85", "\ufffe"])


@given(st.lists(st.one_of(st.text(min_size=1, max_size=8), SPACES), max_size=90).map("".join), st.integers(0, 70))
def test_a_summary_is_the_first_words_of_the_cleaned_text(text: str, words: int) -> None:
    parts = feeds.clean(text).split()
    assert feeds.summary_text(text, words) == " ".join(parts[:words]) + (" …" if len(parts) > words else "")
    assert feeds.summary_text(text, words, printable=text.isprintable()) == feeds.summary_text(text, words)


def renamed_first_paper(site: Site) -> tuple[Site, Paper]:
    """The site with its newest paper a new object under a new first title (so its day's item changes too)."""
    paper = site.papers[0]
    first = dataclasses.replace(paper.appearances[0], title=paper.appearances[0].title + " (revised)")
    changed = dataclasses.replace(paper, abstract=paper.abstract + " More.", appearances=(first, *paper.appearances[1:]))
    # Every other paper an equal copy, not the same object: what a rebuild of the model gives.
    others = tuple(dataclasses.replace(p) for p in site.papers[1:])
    return dataclasses.replace(site, papers=(changed, *others)), changed


def channel_count(files: dict[str, bytes]) -> int:
    """A channel's documents are made together: RSS, Atom and JSON Feed, or an archive's Atom alone."""
    archives = sum(path.startswith("feeds/archive/") for path in files)
    return archives + sum(path.endswith(".json") for path in files if not path.startswith("feeds/archive/"))


def test_a_rebuild_with_one_paper_changed_changes_its_items_only_and_makes_nothing_else(sample_site: Site) -> None:
    settings = FeedSettings(author="A")
    memo = Memo()
    before = feed_files(sample_site, settings, memo)
    computed = memo.counts()
    assert computed["feed-paper"][0] > 50 and computed["feed-documents"][0] == channel_count(before)
    memo.commit()

    site, changed = renamed_first_paper(sample_site)
    after = feed_files(site, settings, memo)
    assert after == feed_files(site, settings), "a memo must never make a rebuild differ from a clean build"
    counts = memo.counts()
    assert counts["feed-paper"] == (1, computed["feed-paper"][0] - 1)

    changed_ids = {stable_id("paper:" + changed.id), stable_id("day:" + changed.first_seen.isoformat())}
    showing = 0
    showing_channels: set[str] = set()
    for path in (p for p in before if is_feed(p)):
        old, new = items_by_id(path, before[path]), items_by_id(path, after[path])
        assert old.keys() == new.keys(), path
        for item_id in old:
            assert (old[item_id] != new[item_id]) == (item_id in changed_ids), f"{path}: {item_id}"
        if changed_ids & old.keys():
            showing += 1
            showing_channels.add(re.sub(r"(feed\.xml|atom\.xml|feed\.json|\.atom\.xml|\.xml|\.json)$", "", path))  # the channel
        else:
            assert before[path] == after[path], f"{path} does not show the paper, yet changed"
    assert showing >= 6  # the main and daily feeds in three formats, and the paper's topics
    made_again = len(showing_channels)
    assert counts["feed-documents"] == (made_again, computed["feed-documents"][0] - made_again)  # only the feeds showing it are made again
    memo.commit()

    feed_files(site, settings, memo)
    assert all(memo.counts()[table][0] == 0 for table in ("feed-paper", "feed-documents"))


def test_what_every_item_and_document_depends_on_is_part_of_the_memo(sample_site: Site, tmp_path: Path) -> None:
    settings = FeedSettings(author="A")
    memo = Memo()
    feed_files(sample_site, settings, memo)
    memo.commit()
    renamed = tuple(dataclasses.replace(topic, name=topic.name + " renamed") for topic in sample_site.topics)
    for site in (dataclasses.replace(sample_site, topics=renamed), dataclasses.replace(sample_site, base_url="https://example.com/other/")):
        assert feed_files(site, settings, memo) == feed_files(site, settings)
        assert memo.counts()["feed-paper"][1] == 0
        memo.abandon()
    other_author = FeedSettings(author="B")
    assert feed_files(sample_site, other_author, memo) == feed_files(sample_site, other_author)
    assert memo.counts()["feed-documents"][1] == 0
    memo.abandon()

    # A template a theme's feed template includes, edited between two builds: no document made before is used again.
    feed_templates = tmp_path / "themes" / "mine" / "templates" / "feeds"
    feed_templates.mkdir(parents=True)
    (feed_templates / "rss.xml").write_text('{% include "default/feeds/rss.xml" %}{% include "feeds/extra.xml" %}', encoding="utf-8")
    (feed_templates / "extra.xml").write_text("", encoding="utf-8")
    themed = FeedSettings(author="A", theme_folders=tuple(theme_dirs("mine", tmp_path)))
    first = feed_files(sample_site, themed, memo)
    assert first["feed.xml"] == feed_files(sample_site, settings)["feed.xml"]
    memo.commit()
    (feed_templates / "extra.xml").write_text("<!-- edited -->\n", encoding="utf-8")
    second = feed_files(sample_site, themed, memo)
    assert second == feed_files(sample_site, themed) and second["feed.xml"] == first["feed.xml"] + b"<!-- edited -->\n"
    assert memo.counts()["feed-documents"][1] == 0


def test_a_paper_without_appearances_or_a_day_without_its_papers_is_left_out() -> None:
    ghost = Paper("ghost-1", "Ghost", "Never seen.", ())
    seen = Paper("seen-1", "Seen", "Seen once.", (Appearance(MARCH, "dumps/a.txt", 3, 1, "Seen"),))
    site = Site("S", "https://example.org/", (seen, ghost), (Day(MARCH, ("seen-1", "ghost-1"), (), ()),))
    files = feed_files(site, FeedSettings(author="A"))
    assert [e.title for e in feedparser.parse(files["feed.xml"]).entries] == ["Seen"]
    assert feedparser.parse(files["daily.xml"]).entries[0].title == "2025-03-14: 1 new paper"
    assert_written_as_the_libraries_would(files)
