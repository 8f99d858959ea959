"""Feeds as RSS readers and the W3C feed validator see them: parsed by feedparser, checked rule by rule."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import unicodedata
import uuid
import xml.etree.ElementTree as ET
from email.utils import format_datetime, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.build import build_site
from generator.config import Config, load_config, with_overrides
from generator.model import Appearance, Day, Paper, Site, Topic, TopicMatch
from generator.problems import ThemeError
from generator.site import feeds
from generator.site.feeds import FeedSettings, feed_files
from generator.site.render import theme_dirs
from tests.conftest import SEEDS

ATOM = "{http://www.w3.org/2005/Atom}"
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (\+0000|GMT)$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&[a-zA-Z]+;|&#\d+;")
JSON_SUFFIXES = ("feed.json", "daily.json", "weekly.json", "monthly.json")


def is_feed_document(path: str) -> bool:
    return path.endswith(".xml") and not path.startswith(("sitemap", "static/"))


def rss_paths(files: dict[str, bytes]) -> list[str]:
    return sorted(p for p in files if is_feed_document(p) and not p.endswith("atom.xml") and b"<rss " in files[p][:400])


def atom_paths(files: dict[str, bytes]) -> list[str]:
    return sorted(p for p in files if p.endswith("atom.xml"))


def json_paths(files: dict[str, bytes]) -> list[str]:
    return sorted(p for p in files if p.endswith(JSON_SUFFIXES) or (p.startswith("feeds/archive/") and p.endswith(".json")))


class HrefCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value or "" for name, value in attrs if name in ("href", "src"))


def urls_in_html(fragment: str) -> list[str]:
    collector = HrefCollector()
    collector.feed(fragment)
    collector.close()
    return collector.urls


def assert_absolute(url: str, base_url: str) -> None:
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.netloc, f"not an absolute URL: {url!r}"
    if url.startswith(("http://", "https://")) and urlsplit(base_url).netloc == parts.netloc:
        assert parts.path.startswith(urlsplit(base_url).path), url


def assert_no_forbidden_characters(text: str, where: str) -> None:
    for char in text:
        category = unicodedata.category(char)
        forbidden = (category == "Cc" and char not in "\t\n\r") or category == "Cs" or char in "\ufffe\uffff"
        assert not forbidden, f"{where}: control or non-XML character U+{ord(char):04X}"


def assert_rfc822(value: str | None) -> dt.datetime:
    assert value and RFC822.match(value), f"not an RFC 822 date with a 4-digit year: {value!r}"
    parsed = parsedate_to_datetime(value)
    assert value.startswith(parsed.strftime("%a")), f"wrong day of the week: {value!r}"
    return parsed


def assert_rfc3339(value: str | None) -> dt.datetime:
    assert value and RFC3339.match(value), f"not an RFC 3339 date: {value!r}"
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def text_of(element: ET.Element | None) -> str:
    assert element is not None
    assert len(element) == 0, f"<{element.tag}> holds markup, not text"
    return element.text or ""


def check_rss(path: str, data: bytes, base_url: str) -> list[ET.Element]:
    """The W3C validator's RSS 2.0 rules we can state exactly; returns the items."""
    assert feedparser.parse(data).bozo == 0, path
    assert_no_forbidden_characters(data.decode("utf-8"), path)
    root = ET.fromstring(data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert text_of(channel.find(required)).strip(), f"{path}: channel <{required}> missing"
    assert_absolute(text_of(channel.find("link")), base_url)
    self_links = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_links) == 1 and self_links[0].get("href") == base_url + path
    assert self_links[0].get("type") == "application/rss+xml"
    items = channel.findall("item")
    guids = []
    dates = []
    for item in items:
        title = text_of(item.find("title"))
        assert title.strip() and not HTML_TAG.search(title), f"{path}: HTML in title {title!r}"
        assert_absolute(text_of(item.find("link")), base_url)
        for url in urls_in_html(text_of(item.find("description"))):
            assert_absolute(url, base_url)
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false"
        guids.append(text_of(guid))
        dates.append(assert_rfc822(text_of(item.find("pubDate"))))
    assert len(guids) == len(set(guids)), f"{path}: duplicate guids"
    if items:
        assert assert_rfc822(text_of(channel.find("lastBuildDate"))) == max(dates)
        assert dates == sorted(dates, reverse=True), f"{path}: items not newest first"
    return items


def check_atom(path: str, data: bytes, base_url: str) -> list[ET.Element]:
    """Atom 1.0 (RFC 4287) requirements as the validator checks them; returns the entries."""
    assert feedparser.parse(data).bozo == 0, path
    assert_no_forbidden_characters(data.decode("utf-8"), path)
    root = ET.fromstring(data)
    assert root.tag == f"{ATOM}feed"
    assert text_of(root.find(f"{ATOM}title")).strip()
    uuid.UUID(text_of(root.find(f"{ATOM}id")))
    feed_updated = assert_rfc3339(text_of(root.find(f"{ATOM}updated")))
    assert text_of(root.find(f"{ATOM}author/{ATOM}name")).strip(), f"{path}: no author"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == base_url + path
    assert_absolute(links["alternate"] or "", base_url)
    entries = root.findall(f"{ATOM}entry")
    ids = []
    for entry in entries:
        title = text_of(entry.find(f"{ATOM}title"))
        assert title.strip() and not HTML_TAG.search(title), f"{path}: HTML in title {title!r}"
        entry_id = text_of(entry.find(f"{ATOM}id"))
        uuid.UUID(entry_id)
        ids.append(entry_id)
        assert assert_rfc3339(text_of(entry.find(f"{ATOM}updated"))) <= feed_updated
        assert_rfc3339(text_of(entry.find(f"{ATOM}published")))
        alternate = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
        assert len(alternate) == 1
        assert_absolute(alternate[0].get("href") or "", base_url)
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        for url in urls_in_html(text_of(content)):
            assert_absolute(url, base_url)
    assert len(ids) == len(set(ids)), f"{path}: duplicate ids"
    if entries:
        assert feed_updated == max(assert_rfc3339(text_of(e.find(f"{ATOM}updated"))) for e in entries)
    return entries


def check_json_feed(path: str, data: bytes, base_url: str) -> list[dict[str, object]]:
    """JSON Feed 1.1: version, title, items with ids; our own rules: absolute URLs, RFC 3339 dates."""
    document = json.loads(data)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"].strip()
    assert document["feed_url"] == base_url + path
    assert_absolute(document["home_page_url"], base_url)
    assert document["authors"][0]["name"].strip()
    items = document["items"]
    assert isinstance(items, list)
    for item in items:
        assert isinstance(item["id"], str) and item["id"]
        assert_absolute(item["url"], base_url)
        assert not HTML_TAG.search(item["title"])
        assert_rfc3339(item["date_published"])
        assert isinstance(item["content_html"], str)
        for url in urls_in_html(item["content_html"]):
            assert_absolute(url, base_url)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), f"{path}: duplicate ids"
    return items


def check_all_feeds(files: dict[str, bytes], base_url: str) -> None:
    for path in rss_paths(files):
        check_rss(path, files[path], base_url)
    for path in atom_paths(files):
        check_atom(path, files[path], base_url)
    for path in json_paths(files):
        check_json_feed(path, files[path], base_url)
    check_opml(files, base_url)


OPML_LISTS = ("feeds.opml", "watches.opml", "digests.opml")


def feed_guids(files: dict[str, bytes], rss_path: str) -> set[str]:
    return {text_of(guid) for guid in ET.fromstring(files[rss_path]).iter("guid")}


def check_opml(files: dict[str, bytes], base_url: str) -> None:
    """The OPML lists subscribe to every RSS feed but the archives and topics once each, by absolute URL, and no list holds two
    feeds that share an item id (a reader that files an id under one feed would hide it from the other)."""
    listed: list[str] = []
    included: list[str] = []
    for name in OPML_LISTS:
        if name not in files:
            continue
        root = ET.fromstring(files[name])
        assert root.tag == "opml" and root.get("version") == "2.0"
        outlines = [o for o in root.iter("outline") if o.get("type") == "rss"]
        urls = [o.get("xmlUrl") or "" for o in outlines]
        listed += urls
        included += [o.get("text", "").rsplit(" ", 1)[-1] for o in root.iter("outline") if "xmlUrl" not in o.attrib]
        assert all("url" not in o.attrib for o in root.iter("outline")), "newsboat subscribes to an outline's url"
        for outline in outlines:
            assert outline.get("text"), "OPML outlines need a text attribute"
            assert_absolute(outline.get("htmlUrl") or "", base_url)
        seen: dict[str, str] = {}
        for url in urls:
            for guid in feed_guids(files, url.removeprefix(base_url)):
                assert guid not in seen, f"{name}: {guid} is in {seen.get(guid)} and {url}"
                seen[guid] = url
    subscribed = [p for p in rss_paths(files) if not p.startswith(("feeds/archive/", "topics/"))]
    assert sorted(listed) == sorted(base_url + p for p in subscribed)
    assert sorted(included) == sorted(base_url + name for name in OPML_LISTS[1:] if name in files)


def build_files(project: Path, **overrides: object) -> tuple[dict[str, bytes], Config]:
    config, problems = load_config(None, project)
    assert not problems
    config = with_overrides(config, **overrides)
    result = build_site(config, project)
    assert not result.errors
    return result.files, config


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], Config]:
    """The seed dumps built once for the tests below that only read the result."""
    project = tmp_path_factory.mktemp("sample")
    dumps = project / "content" / "dumps"
    dumps.mkdir(parents=True)
    for seed in sorted(SEEDS.iterdir()):
        shutil.copy(seed, dumps / seed.name)
    (project / "digest.yaml").write_text("title: Feeds & Co\nbase_url: https://example.org/digest/\nyear: 2025\n", encoding="utf-8")
    files, config = build_files(project)
    return project, files, config


def test_sample_build_feeds_pass_the_validator_rules(sample_build: tuple[Path, dict[str, bytes], Config]) -> None:
    _, files, config = sample_build
    for required in ("feed.xml", "atom.xml", "feed.json", "daily.xml", "daily.atom.xml", "daily.json", "feeds.opml"):
        assert required in files
    check_all_feeds(files, config.base_url)
    papers = json.loads(files["papers.json"])["papers"]
    assert len(ET.fromstring(files["feed.xml"]).findall("channel/item")) == min(len(papers), config.feed_limit)


def test_feed_items_are_the_newest_papers_up_to_feed_limit(sample_project: Path) -> None:
    files, _ = build_files(sample_project, feed_limit=4)
    papers = json.loads(files["papers.json"])["papers"]
    assert len(papers) > 4
    newest = [p["url"] for p in papers[:4]]
    rss_links = [text_of(item.find("link")) for item in ET.fromstring(files["feed.xml"]).findall("channel/item")]
    atom_links = [e.find(f"{ATOM}link").get("href") for e in ET.fromstring(files["atom.xml"]).findall(f"{ATOM}entry")]  # type: ignore[union-attr]
    json_links = [item["url"] for item in json.loads(files["feed.json"])["items"]]
    assert rss_links == atom_links == json_links == newest
    for item, paper in zip(ET.fromstring(files["feed.xml"]).findall("channel/item"), papers, strict=False):
        assert text_of(item.find("title")) == " ".join(paper["appearances"][0]["title"].split())
        assert parsedate_to_datetime(text_of(item.find("pubDate"))).date().isoformat() == paper["first_seen"]
    days = ET.fromstring(files["daily.xml"]).findall("channel/item")
    assert 0 < len(days) <= 4


def test_daily_feed_lists_each_days_new_papers(sample_build: tuple[Path, dict[str, bytes], Config]) -> None:
    _, files, config = sample_build
    papers = json.loads(files["papers.json"])["papers"]
    by_day: dict[str, list[str]] = {}
    for paper in papers:
        by_day.setdefault(paper["first_seen"], []).append(paper["url"])
    parsed = feedparser.parse(files["daily.xml"])
    assert parsed.bozo == 0
    assert [entry.link for entry in parsed.entries] == [f"{config.base_url}days/{day}/" for day in sorted(by_day, reverse=True)]
    for entry in parsed.entries:
        day = entry.link.rstrip("/").rsplit("/", 1)[-1]
        linked = [url for url in urls_in_html(entry.description) if "/papers/" in url]
        assert sorted(linked) == sorted(by_day[day])
        assert f"{len(by_day[day])} new paper" in entry.title


def day_appearance(date: dt.date, title: str, rank: int = 1) -> Appearance:
    return Appearance(date, "dumps/hand.txt", rank * 2 + 1, rank, title)


def hand_site(papers: tuple[Paper, ...], topics: tuple[Topic, ...] = (), base_url: str = "https://example.org/digest/") -> Site:
    days: dict[dt.date, list[str]] = {}
    for paper in papers:
        days.setdefault(paper.first_seen, []).append(paper.id)
    day_values = tuple(Day(date, tuple(ids), (), ("dumps/hand.txt",)) for date, ids in sorted(days.items(), reverse=True))
    ordered = tuple(sorted(papers, key=lambda p: p.first_seen, reverse=True))
    return Site(title="Hand & Site", base_url=base_url, papers=ordered, days=day_values, topics=topics, description="Made in a test")


MARCH = dt.date(2025, 3, 14)
TOPICS = (Topic("long-context", "Long context"), Topic("agents", "Agents & tools", "Papers about agents."), Topic("empty", "Nothing here"))


def topical_papers() -> tuple[Paper, ...]:
    return (
        Paper("a-1", "Long Attention", "About long context.", (day_appearance(MARCH, "Long Attention"),), topics=(TopicMatch("long-context", ("long",)),)),
        Paper(
            "b-2",
            "Tool Agents",
            "Agents with long context.",
            (day_appearance(MARCH, "Tool Agents", 2),),
            topics=(TopicMatch("agents", ("agent",)), TopicMatch("long-context", ("long",))),
        ),
        Paper("c-3", "Plain", "No topic.", (day_appearance(MARCH - dt.timedelta(days=1), "Plain"),)),
    )


def test_topic_feeds_hold_exactly_their_papers_and_opml_lists_them() -> None:
    site = hand_site(topical_papers(), TOPICS)
    files = feed_files(site, FeedSettings(author="Tester"))
    check_all_feeds(files, site.base_url)
    for topic in TOPICS:
        for name in ("feed.xml", "atom.xml", "feed.json"):
            assert f"topics/{topic.slug}/{name}" in files
        expected = sorted(f"{site.base_url}papers/{p.id}/" for p in site.papers if any(m.slug == topic.slug for m in p.topics))
        links = sorted(entry.link for entry in feedparser.parse(files[f"topics/{topic.slug}/atom.xml"]).entries)
        assert links == expected
    long_context = feedparser.parse(files["topics/long-context/feed.xml"])
    assert long_context.feed.link == site.base_url + "topics/long-context/"
    tool_agents = next(e for e in long_context.entries if e.title == "Tool Agents")
    assert sorted(tag.term for tag in tool_agents.tags) == ["Agents & tools", "Long context"]
    assert site.base_url + "topics/agents/" in urls_in_html(tool_agents.description)
    empty = feedparser.parse(files["topics/empty/atom.xml"])
    assert empty.bozo == 0 and empty.entries == [] and empty.feed.updated


def test_the_same_paper_has_the_same_id_in_every_feed_and_format() -> None:
    site = hand_site(topical_papers(), TOPICS)
    files = feed_files(site, FeedSettings(author="Tester"))
    ids: dict[str, set[str]] = {}
    for path in rss_paths(files) + atom_paths(files) + json_paths(files):
        if path.startswith("daily"):
            continue
        for entry in feedparser.parse(files[path]).entries:
            ids.setdefault(entry.link, set()).add(entry.id)
    assert len(ids) == 3 and all(len(found) == 1 for found in ids.values())
    assert len({next(iter(found)) for found in ids.values()}) == 3


def test_an_empty_digest_gives_valid_empty_feeds(tmp_path: Path) -> None:
    site = Site(title="Empty", base_url="https://example.org/", papers=(), days=())
    files = feed_files(site, FeedSettings(author="Nobody"))
    check_all_feeds(files, site.base_url)
    for path in rss_paths(files) + atom_paths(files):
        parsed = feedparser.parse(files[path])
        assert parsed.bozo == 0 and parsed.entries == [] and parsed.feed.title
    assert all(json.loads(files[p])["items"] == [] for p in json_paths(files))

    (tmp_path / "content" / "dumps").mkdir(parents=True)
    built, config = build_files(tmp_path, allow_empty=True)  # no dump is an error unless asked for (--allow-empty)
    check_all_feeds(built, config.base_url)
    assert feedparser.parse(built["feed.xml"]).entries == []


HOSTILE_TITLE = "<script>alert('x')</script> & Tom\x01 <b>bold</b>\ufffe end"
HOSTILE_ABSTRACT = "First <img src=x onerror=alert(1)> & [a link](/relative) \x01\x08\x7f\x9f\ufffe\uffff.\n\nSecond paragraph."


def test_hostile_strings_parse_cleanly_and_show_as_text() -> None:
    paper = Paper(
        "hostile-1",
        HOSTILE_TITLE,
        HOSTILE_ABSTRACT,
        (day_appearance(MARCH, HOSTILE_TITLE),),
        authors=("Ada <Lovelace> & Co\x02",),
        topics=(TopicMatch("x", ("x",)),),
    )
    topic = Topic("x", "<em>Topic</em> & \x03")
    site = Site(title="Site <b>\x04", base_url="https://example.org/", papers=(paper,), days=(Day(MARCH, (paper.id,), (), ()),), topics=(topic,))
    files = feed_files(site, FeedSettings(author="Me & <you>\x05"))
    visible_title = "<script>alert('x')</script> & Tom <b>bold</b> end"
    for path in rss_paths(files) + atom_paths(files):
        if path.startswith(("daily", "weekly", "monthly")):
            continue
        assert_no_forbidden_characters(files[path].decode("utf-8"), path)
        parsed = feedparser.parse(files[path])
        assert parsed.bozo == 0, path
        (entry,) = parsed.entries
        assert entry.title == visible_title, path
        assert "<script>" not in entry.description and "<img" not in entry.description
        assert "&lt;img src=x onerror=alert(1)&gt;" in entry.description
        assert "[a link](/relative)" in entry.description
        assert all(url.startswith("https://example.org/") for url in urls_in_html(entry.description))
    daily = feedparser.parse(files["daily.atom.xml"])
    assert daily.bozo == 0 and "&lt;script&gt;" in daily.entries[0].summary
    item = json.loads(files["feed.json"])["items"][0]
    assert item["title"] == visible_title
    assert "&lt;script&gt;" not in item["content_html"]  # the title is not in the body: the abstract is
    assert "&lt;img src=x onerror=alert(1)&gt;" in item["content_html"]
    assert_no_forbidden_characters(files["feed.json"].decode("utf-8"), "feed.json")
    assert_no_forbidden_characters(files["feeds.opml"].decode("utf-8"), "feeds.opml")
    assert ET.fromstring(files["feeds.opml"]).find("head/ownerName").text == "Me & <you>"  # type: ignore[union-attr]


def test_items_show_the_title_as_first_published() -> None:
    first = day_appearance(MARCH, "Original Title")
    later = Appearance(MARCH + dt.timedelta(days=3), "dumps/later.txt", 5, 1, "Revised Title")
    paper = Paper("orig-1", "Revised Title", "Abstract.", (first, later))
    files = feed_files(hand_site((paper,)), FeedSettings(author="A"))
    for path in ("feed.xml", "atom.xml"):
        (entry,) = feedparser.parse(files[path]).entries
        assert entry.title == "Original Title"
        assert entry.published_parsed[:3] == (2025, 3, 14)


@pytest.mark.parametrize("limit", [1, 2])
def test_feed_limit_applies_to_every_feed(limit: int) -> None:
    site = hand_site(topical_papers(), TOPICS)
    files = feed_files(site, FeedSettings(author="A", limit=limit))
    for path in rss_paths(files) + atom_paths(files):
        assert len(feedparser.parse(files[path]).entries) <= limit
    assert len(feedparser.parse(files["feed.xml"]).entries) == limit
    assert len(feedparser.parse(files["topics/long-context/atom.xml"]).entries) == limit


def test_duplicate_paper_ids_never_give_duplicate_guids() -> None:
    twin = Paper("same-1", "Twin", "One.", (day_appearance(MARCH, "Twin"),))
    site = hand_site((twin, twin))
    files = feed_files(site, FeedSettings(author="A"))
    check_all_feeds(files, site.base_url)
    assert len(feedparser.parse(files["feed.xml"]).entries) == 1


def test_feeds_are_byte_for_byte_deterministic(sample_build: tuple[Path, dict[str, bytes], Config]) -> None:
    project, first, _ = sample_build
    second, _ = build_files(project)
    feeds = [p for p in first if p.endswith((".xml", ".json", ".opml"))]
    assert feeds and all(first[p] == second[p] for p in feeds)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_rfc822_dates_are_the_standard_librarys(date: dt.date) -> None:
    assert feeds.rfc822(date) == format_datetime(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC))


def test_the_characters_feeds_drop_are_exactly_those_outside_xml_text() -> None:
    allowed = re.compile("[\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    text = "".join(map(chr, range(0x110000)))
    assert feeds.clean(text) == "".join(allowed.findall(text))


# A theme's own RSS template: titles and guids only, every value escaped by autoescape as in the default's.
TITLES_ONLY_RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{{ channel.title }}</title><link>{{ channel.home }}</link>\
<description>{{ channel.description }}</description>
{% for item in channel.items %}<item><title>{{ item.title }}</title><link>{{ item.url }}</link>\
<guid isPermaLink="false">{{ item.id }}</guid><pubDate>{{ item.date | rfc822 }}</pubDate></item>
{% endfor %}</channel></rss>
"""


def theme_with(project: Path, templates: dict[str, str]) -> tuple[Path, ...]:
    """A project theme `mine` holding these feed templates, and the folders a build looks in for it."""
    for name, text in templates.items():
        path = project / "themes" / "mine" / "templates" / "feeds" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tuple(theme_dirs("mine", project))


def test_a_theme_overrides_one_feed_template_and_keeps_the_defaults_of_the_others(tmp_path: Path) -> None:
    paper = Paper("hostile-1", HOSTILE_TITLE, HOSTILE_ABSTRACT, (day_appearance(MARCH, HOSTILE_TITLE),))
    site = hand_site((paper, *topical_papers()), TOPICS)
    default = feed_files(site, FeedSettings(author="A"))
    themed = feed_files(site, FeedSettings(author="A", theme_folders=theme_with(tmp_path, {"rss.xml": TITLES_ONLY_RSS})))
    assert themed.keys() == default.keys()
    rss = set(rss_paths(default))
    for path in themed:
        if path in rss:
            assert themed[path] != default[path]
            assert_no_forbidden_characters(themed[path].decode("utf-8"), path)
            parsed, expected = feedparser.parse(themed[path]), feedparser.parse(default[path])
            assert parsed.bozo == 0, path
            assert [(e.id, e.title, e.link) for e in parsed.entries] == [(e.id, e.title, e.link) for e in expected.entries], path
        else:
            assert themed[path] == default[path], path
    assert "<script>" not in themed["feed.xml"].decode("utf-8")


def test_a_theme_can_extend_the_default_feed_template(tmp_path: Path) -> None:
    site = hand_site(topical_papers(), TOPICS)
    same = theme_with(tmp_path / "same", {"atom.xml": '{% extends "default/feeds/atom.xml" %}'})
    assert feed_files(site, FeedSettings(author="A", theme_folders=same)) == feed_files(site, FeedSettings(author="A"))
    rights = '{% extends "default/feeds/atom.xml" %}{% block head %} <rights>© {{ author }} &amp; co</rights>\n{% endblock %}'
    files = feed_files(site, FeedSettings(author="A <b>", theme_folders=theme_with(tmp_path / "rights", {"atom.xml": rights})))
    for path in atom_paths(files):
        check_atom(path, files[path], site.base_url)
        assert feedparser.parse(files[path]).feed.rights == "© A <b> & co"
        assert b" <generator>paper-digest</generator>\n <rights>\xc2\xa9 A &lt;b&gt; &amp; co</rights>\n" in files[path]


def test_a_broken_feed_template_is_a_theme_error_naming_its_file_and_line(tmp_path: Path) -> None:
    folders = theme_with(tmp_path, {"opml.xml": '<?xml version="1.0"?>\n<opml>\n{{ no_such_value }}</opml>\n'})
    with pytest.raises(ThemeError) as raised:
        feed_files(hand_site(topical_papers(), TOPICS), FeedSettings(author="A", theme_folders=folders))
    assert raised.value.problem.path.endswith("opml.xml") and raised.value.problem.line == 3
    assert "no_such_value" in raised.value.problem.message


def test_a_feed_template_added_or_edited_between_builds_is_used_by_the_next(tmp_path: Path) -> None:
    """A preview session builds again in the same process: it reads the theme's templates again, not the ones it compiled before."""
    site = hand_site(topical_papers(), TOPICS)
    folders = theme_with(tmp_path, {"atom.xml": '{% extends "default/feeds/atom.xml" %}'})
    settings = FeedSettings(author="A", theme_folders=folders)
    default = feed_files(site, settings)["feed.xml"]
    theme_with(tmp_path, {"rss.xml": TITLES_ONLY_RSS})
    added = feed_files(site, settings)["feed.xml"]
    theme_with(tmp_path, {"rss.xml": TITLES_ONLY_RSS.replace("<channel>", "<channel><language>en</language>")})
    edited = feed_files(site, settings)["feed.xml"]
    assert added != default and b"<language>" not in added
    assert edited == added.replace(b"<channel>", b"<channel><language>en</language>")


CUT = "A method for aligning models with many preferences at once, which we"
FULL = CUT + " evaluate on three benchmarks and release with its code and data for others to build on."


def test_an_item_is_updated_when_a_later_listing_brings_the_longer_abstract_and_only_then(tmp_path: Path) -> None:
    dumps = tmp_path / "content" / "dumps"
    dumps.mkdir(parents=True)
    steady = "Steady Paper About Retrieval\n\nAn abstract that stays the same in every listing of this paper.\n\n"
    (dumps / "a.txt").write_text(f"Mar 3\n\nCut Then Whole Paper\n\n{CUT}\n\n{steady}", encoding="utf-8")
    (dumps / "b.txt").write_text(f"Mar 5\n\n{steady}Cut Then Whole Paper\n\n{FULL}\n\n", encoding="utf-8")
    (tmp_path / "digest.yaml").write_text("title: T\nbase_url: https://example.org/\nyear: 2025\n", encoding="utf-8")
    config = load_config(None, tmp_path)[0]
    files = build_site(config, tmp_path).files
    entries = {entry.title: entry for entry in feedparser.parse(files["atom.xml"]).entries}
    whole, steady_item = entries["Cut Then Whole Paper"], entries["Steady Paper About Retrieval"]
    assert FULL.split()[-1] in whole.content[0].value  # the item shows the longer abstract
    assert whole.published.startswith("2025-03-03") and whole.updated.startswith("2025-03-05")
    assert steady_item.updated == steady_item.published and steady_item.published.startswith("2025-03-03")
    items = {item["title"]: item for item in json.loads(files["feed.json"])["items"]}
    assert items["Cut Then Whole Paper"]["date_modified"].startswith("2025-03-05")
    assert items["Steady Paper About Retrieval"]["date_modified"] == items["Steady Paper About Retrieval"]["date_published"]
