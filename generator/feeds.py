"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the digest, each topic and the daily digest, plus OPML.

Pure functions: a Site in, {output path: bytes} out. XML is built with
ElementTree, which escapes every text and attribute; what it cannot do (drop
the characters XML 1.0 forbids) `clean` does before any text reaches it.

Identity: every item id is a urn:uuid derived (uuid5) from the paper id or the
day alone, never from a URL, so it survives new dumps, revised titles, new
rules and a move from http to https. An item shows the title as first seen
and is dated its first day, so new dumps leave published items as they were
and readers do not show them as unread again.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from urllib.parse import quote

from . import urls
from .memo import Memo
from .model import Day, Paper, Site, Topic

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "paper-digest"
# A fixed namespace: the ids below are reproducible by anyone, forever.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:paper-digest:feed-ids")
EPOCH = dt.date(1970, 1, 1)

ET.register_namespace("atom", ATOM_NS)
ET.register_namespace("dc", DC_NS)

# XML 1.0 forbids C0 controls except tab/newline/CR, lone surrogates, U+FFFE and U+FFFF;
# DEL and the C1 controls are allowed but never meaningful in a title or an abstract.
NOT_XML_TEXT = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class FeedSettings:
    author: str
    limit: int = 50


@dataclass(frozen=True, slots=True)
class FeedPaths:
    rss: str
    atom: str
    json: str


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str  # urn:uuid:..., the same in RSS, Atom and JSON Feed
    title: str  # plain text
    url: str  # absolute
    date: dt.date
    html: str  # the body, only absolute links
    categories: tuple[tuple[str, str], ...]  # (slug, name)
    authors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Channel:
    key: str  # names the feed in its Atom id: "all", "daily", "topic/<slug>"
    title: str
    description: str
    home: str  # absolute URL of the page the feed follows
    paths: FeedPaths
    items: tuple[FeedItem, ...]

    @property
    def updated(self) -> dt.date | None:
        return max((item.date for item in self.items), default=None)


MAIN_PATHS = FeedPaths("feed.xml", "atom.xml", "feed.json")
DAILY_PATHS = FeedPaths("daily.xml", "daily.atom.xml", "daily.json")


def topic_paths(slug: str) -> FeedPaths:
    folder = urls.topic_dir(slug)
    return FeedPaths(folder + "feed.xml", folder + "atom.xml", folder + "feed.json")


def clean(text: str) -> str:
    """Text XML 1.0 can carry: forbidden and control characters removed."""
    return NOT_XML_TEXT.sub("", text)


def one_line(text: str) -> str:
    return " ".join(clean(text).split())


def stable_id(name: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(ID_NAMESPACE, name))


def paper_item_id(paper_id: str) -> str:
    return stable_id("paper:" + paper_id)


def day_item_id(date: dt.date) -> str:
    return stable_id("day:" + date.isoformat())


def feed_id(link: urls.Urls, channel_key: str) -> str:
    """A feed's Atom id: its site's host and path without the scheme, so http -> https keeps it."""
    base = link.base_url.split("://", 1)[-1]
    return stable_id(f"feed:{base}{channel_key}")


def rfc822(date: dt.date) -> str:
    return format_datetime(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC))


def rfc3339(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def site_urls(site: Site) -> urls.Urls:
    return urls.Urls(site.base_url if site.base_url.endswith("/") else site.base_url + "/")


def absolute(link: urls.Urls, location: str) -> str:
    return link.absolute(quote(location, safe="/"))


def first_title(paper: Paper) -> str:
    """The title as first published: a revised title in a later dump must not rewrite the item."""
    return one_line(paper.appearances[0].title if paper.appearances else paper.title) or paper.id


def paragraphs_html(text: str) -> str:
    parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", clean(text))]
    return "".join(f"<p>{html.escape(p)}</p>" for p in parts if p)


def anchor(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def paper_item(paper: Paper, link: urls.Urls, topics_by_slug: dict[str, Topic]) -> FeedItem:
    url = absolute(link, urls.paper_dir(paper.id))
    categories = tuple((match.slug, one_line(topics_by_slug[match.slug].name)) for match in paper.topics if match.slug in topics_by_slug)
    body = [paragraphs_html(paper.abstract)]
    if categories:
        topic_links = ", ".join(anchor(absolute(link, urls.topic_dir(slug)), name) for slug, name in categories)
        body.append(f"<p>Topics: {topic_links}</p>")
    links = [anchor(url, "Paper page"), "first seen " + anchor(absolute(link, urls.day_dir(paper.first_seen)), paper.first_seen.isoformat())]
    if paper.arxiv_id:
        links.append(anchor("https://arxiv.org/abs/" + quote(paper.arxiv_id, safe="/."), "arXiv:" + paper.arxiv_id))
    body.append("<p>" + " · ".join(links) + "</p>")
    return FeedItem(
        id=paper_item_id(paper.id),
        title=first_title(paper),
        url=url,
        date=paper.first_seen,
        html="".join(body),
        categories=categories,
        authors=tuple(a for a in (one_line(name) for name in paper.authors) if a),
    )


def day_item(day: Day, papers_by_id: dict[str, Paper], link: urls.Urls) -> FeedItem:
    new = [papers_by_id[i] for i in day.new if i in papers_by_id]
    entries = "".join(f"<li>{anchor(absolute(link, urls.paper_dir(p.id)), first_title(p))}</li>" for p in new)
    count = f"{len(new)} new paper" + ("" if len(new) == 1 else "s")
    url = absolute(link, urls.day_dir(day.date))
    return FeedItem(
        id=day_item_id(day.date),
        title=f"{day.date.isoformat()}: {count}",
        url=url,
        date=day.date,
        html=f"<ul>{entries}</ul><p>{anchor(url, 'The day on the site')}</p>",
        categories=(),
        authors=(),
    )


def unique(items: Iterable[FeedItem], limit: int) -> tuple[FeedItem, ...]:
    """At most `limit` items, each id once (the first wins)."""
    seen: set[str] = set()
    kept: list[FeedItem] = []
    for item in items:
        if len(kept) >= limit:
            break
        if item.id not in seen:
            seen.add(item.id)
            kept.append(item)
    return tuple(kept)


def channels(site: Site, settings: FeedSettings) -> tuple[Channel, ...]:
    """Every feed of the site: the whole digest, the daily digest, then one per topic."""
    link = site_urls(site)
    title = one_line(site.title) or GENERATOR
    description = one_line(site.description) or title
    home = link.absolute("")
    topics_by_slug = {topic.slug: topic for topic in site.topics}
    papers = [paper for paper in site.papers if paper.appearances]
    made: dict[str, FeedItem] = {}

    def item(paper: Paper) -> FeedItem:
        # Made on demand: feeds hold at most `limit` items, the site may hold thousands of papers.
        if paper.id not in made:
            made[paper.id] = paper_item(paper, link, topics_by_slug)
        return made[paper.id]

    papers_by_id = {paper.id: paper for paper in papers}
    result = [
        Channel("all", title, description, home, MAIN_PATHS, unique((item(p) for p in papers), settings.limit)),
        Channel(
            "daily",
            f"{title}: daily digest",
            f"One item a day listing that day's new papers. {description}",
            home,
            DAILY_PATHS,
            unique((day_item(day, papers_by_id, link) for day in site.days if day.new), settings.limit),
        ),
    ]
    for topic in site.topics:
        in_topic = (item(p) for p in papers if any(match.slug == topic.slug for match in p.topics))
        name = one_line(topic.name) or topic.slug
        result.append(
            Channel(
                "topic/" + topic.slug,
                f"{title}: {name}",
                one_line(topic.description) or f"Papers about {name}. {description}",
                absolute(link, urls.topic_dir(topic.slug)),
                topic_paths(topic.slug),
                unique(in_topic, settings.limit),
            )
        )
    return tuple(result)


def sub(parent: ET.Element, tag: str, text: str | None = None, /, **attributes: str) -> ET.Element:
    """A child element; positional-only text so that an attribute may be called `text` (OPML)."""
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")


def rss(channel: Channel, link: urls.Urls) -> bytes:
    root = ET.Element("rss", {"version": "2.0"})
    head = sub(root, "channel")
    sub(head, "title", channel.title)
    sub(head, "link", channel.home)
    sub(head, "description", channel.description)
    sub(head, f"{{{ATOM_NS}}}link", href=absolute(link, channel.paths.rss), rel="self", type="application/rss+xml")
    sub(head, "generator", GENERATOR)
    sub(head, "docs", "https://www.rssboard.org/rss-specification")
    if channel.updated:
        sub(head, "pubDate", rfc822(channel.updated))
        sub(head, "lastBuildDate", rfc822(channel.updated))
    for item in channel.items:
        element = sub(head, "item")
        sub(element, "title", item.title)
        sub(element, "link", item.url)
        sub(element, "description", item.html)
        for name in item.authors:
            sub(element, f"{{{DC_NS}}}creator", name)
        for _, name in item.categories:
            sub(element, "category", name)
        sub(element, "guid", item.id, isPermaLink="false")
        sub(element, "pubDate", rfc822(item.date))
    return xml_bytes(root)


def atom(channel: Channel, link: urls.Urls, settings: FeedSettings) -> bytes:
    # ElementTree cannot mix a default namespace with plain attribute names, so declare it by hand.
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    sub(root, "title", channel.title, type="text")
    sub(root, "subtitle", channel.description, type="text")
    sub(root, "id", feed_id(link, channel.key))
    sub(root, "updated", rfc3339(channel.updated or EPOCH))
    sub(root, "link", href=absolute(link, channel.paths.atom), rel="self", type="application/atom+xml")
    sub(root, "link", href=channel.home, rel="alternate", type="text/html")
    author = sub(root, "author")
    sub(author, "name", one_line(settings.author) or GENERATOR)
    sub(root, "generator", GENERATOR)
    for item in channel.items:
        entry = sub(root, "entry")
        sub(entry, "title", item.title, type="text")
        sub(entry, "id", item.id)
        sub(entry, "link", href=item.url, rel="alternate", type="text/html")
        sub(entry, "published", rfc3339(item.date))
        sub(entry, "updated", rfc3339(item.date))
        for name in item.authors:
            sub(sub(entry, "author"), "name", name)
        for slug, name in item.categories:
            sub(entry, "category", term=slug, label=name)
        sub(entry, "content", item.html, type="html")
    return xml_bytes(root)


def json_feed(channel: Channel, link: urls.Urls, settings: FeedSettings) -> bytes:
    items = []
    for item in channel.items:
        record: dict[str, object] = {
            "id": item.id,
            "url": item.url,
            "title": item.title,
            "content_html": item.html,
            "date_published": rfc3339(item.date),
        }
        if item.authors:
            record["authors"] = [{"name": name} for name in item.authors]
        if item.categories:
            record["tags"] = [name for _, name in item.categories]
        items.append(record)
    document = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.home,
        "feed_url": absolute(link, channel.paths.json),
        "description": channel.description,
        "authors": [{"name": one_line(settings.author) or GENERATOR}],
        "items": items,
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def opml(feeds: Sequence[Channel], link: urls.Urls, site: Site, settings: FeedSettings) -> bytes:
    """One outline per feed, in RSS only: importing it subscribes to each feed once, topics in a folder."""
    root = ET.Element("opml", {"version": "2.0"})
    head = sub(root, "head")
    sub(head, "title", f"{one_line(site.title) or GENERATOR}: feeds")
    sub(head, "ownerName", one_line(settings.author) or GENERATOR)
    sub(head, "docs", "http://opml.org/spec2.opml")
    body = sub(root, "body")
    topics = [channel for channel in feeds if channel.key.startswith("topic/")]
    for channel in feeds:
        if channel in topics:
            continue
        outline(body, channel, link)
    if topics:
        folder = sub(body, "outline", text="Topics", title="Topics")
        for channel in topics:
            outline(folder, channel, link)
    return xml_bytes(root)


def outline(parent: ET.Element, channel: Channel, link: urls.Urls) -> None:
    sub(
        parent,
        "outline",
        type="rss",
        text=channel.title,
        title=channel.title,
        description=channel.description,
        xmlUrl=absolute(link, channel.paths.rss),
        htmlUrl=channel.home,
    )


def feed_files(site: Site, settings: FeedSettings, memo: Memo | None = None) -> dict[str, bytes]:
    """Every feed file of the site, keyed by its path relative to the site root."""
    link = site_urls(site)
    feeds = channels(site, settings)
    files: dict[str, bytes] = {}
    for channel in feeds:
        files[channel.paths.rss] = rss(channel, link)
        files[channel.paths.atom] = atom(channel, link, settings)
        files[channel.paths.json] = json_feed(channel, link, settings)
    files["feeds.opml"] = opml(feeds, link, site, settings)
    return files
