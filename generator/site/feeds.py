"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the digest, each topic and the daily digest, plus OPML.

Pure functions: a Site in, {output path: bytes} out. Each item is serialized
once per format, as bytes indented for its place in the document, and memoized
per paper (and per day): a paper in the main feed and three topic feeds costs
one serialization, and a preview rebuild serializes only the papers that
changed. A document is its head, its items' fragments and its tail, joined.

The XML is written by hand, byte for byte as ElementTree would write and indent
the same tree (tests/test_feeds_memo.py holds it to that): character data
escapes & < >, attribute values also " and tab, newline and carriage return.
What escaping cannot do (drop the characters XML 1.0 forbids) `clean` does
before any text gets there. JSON is written the same way, as json.dumps with
indent=1 would write it, each string encoded by json's own C string encoder.

Identity: every item id is a urn:uuid derived (uuid5) from the paper id or the
day alone, never from a URL, so it survives new dumps, revised titles, new
rules and a move from http to https. An item shows the title as first seen
and is dated its first day, so new dumps leave published items as they were
and readers do not show them as unread again.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as json_string  # what json.dumps(ensure_ascii=False) encodes strings with
from urllib.parse import quote

from generator.memo import Memo
from generator.model import Day, Paper, Site
from generator.site import urls
from generator.site.render import isolated

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "paper-digest"
# A fixed namespace: the ids below are reproducible by anyone, forever.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:paper-digest:feed-ids")
EPOCH = dt.date(1970, 1, 1)
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
TEXT_TYPE, HTML_TYPE = ' type="text"', ' type="html"'

# XML 1.0 forbids C0 controls except tab/newline/CR, lone surrogates, U+FFFE and U+FFFF;
# DEL and the C1 controls are allowed but never meaningful in a title or an abstract.
# Spelled as the forbidden ranges, not as the negation of the allowed ones: the same set, compiled ten times faster.
NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    authors: tuple[str, ...]  # each on one line, none empty


@dataclass(frozen=True, slots=True)
class Fragments:
    """One item serialized for each format, UTF-8, starting with the line break and indentation before it."""

    id: str
    date: dt.date
    rss: bytes
    atom: bytes
    json: bytes
    has_authors: bool  # RSS declares the dc namespace only when an item uses it, as ElementTree does


@dataclass(frozen=True, slots=True)
class Channel:
    key: str  # names the feed in its Atom id: "all", "daily", "topic/<slug>"
    title: str
    description: str
    home: str  # absolute URL of the page the feed follows
    paths: FeedPaths
    items: tuple[Fragments, ...]

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
    # Printable text holds no character `clean` drops and no white space but the plain space: checked in C, the common case.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
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


@functools.cache
def rfc822(date: dt.date) -> str:
    """RFC 822 date at midnight UTC, as email.utils.format_datetime writes it (English names whatever the locale)."""
    return f"{WEEKDAYS[date.weekday()]}, {date.day:02d} {MONTHS[date.month - 1]} {date.year:04d} 00:00:00 +0000"


def rfc3339(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def site_urls(site: Site) -> urls.Urls:
    return urls.Urls(site.base_url if site.base_url.endswith("/") else site.base_url + "/")


def absolute(link: urls.Urls, location: str) -> str:
    return link.absolute(quote(location, safe="/"))


def first_title(paper: Paper) -> str:
    """The title as first published: a revised title in a later dump must not rewrite the item."""
    return one_line(paper.appearances[0].title if paper.appearances else paper.title) or paper.id


def item_title(paper: Paper) -> str:
    """An item's title: the first title, isolated so a right-to-left override in it cannot turn what a
    reader shows after it (the feed's name, a date)."""
    return isolated(first_title(paper))


def paragraphs_html(text: str) -> str:
    if text.isprintable():  # one paragraph, nothing to clean: see one_line
        text = text if "  " not in text and text[:1] != " " and text[-1:] != " " else " ".join(text.split())
        return f"<p>{html.escape(text)}</p>" if text else ""
    parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", clean(text))]
    return "".join(f"<p>{html.escape(p)}</p>" for p in parts if p)


def anchor(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


@functools.lru_cache(maxsize=4096)
def day_anchor(link: urls.Urls, date: dt.date) -> str:
    return anchor(absolute(link, urls.day_dir(date)), date.isoformat())


def topic_anchors(link: urls.Urls, topic_names: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each topic's name and the link to its page, made once for all the items that name it."""
    return {slug: (name, anchor(absolute(link, urls.topic_dir(slug)), name)) for slug, name in topic_names.items()}


def paper_item(paper: Paper, link: urls.Urls, topics: dict[str, tuple[str, str]]) -> FeedItem:
    url = absolute(link, urls.paper_dir(paper.id))
    matched = [(match.slug, *topics[match.slug]) for match in paper.topics if match.slug in topics]
    categories = tuple((slug, name) for slug, name, _ in matched)
    body = [paragraphs_html(paper.abstract)]
    if matched:
        body.append(f"<p>Topics: {', '.join(topic_link for _, _, topic_link in matched)}</p>")
    links = [anchor(url, "Paper page"), "first seen " + day_anchor(link, paper.first_seen)]
    if paper.arxiv_id:
        links.append(anchor("https://arxiv.org/abs/" + quote(paper.arxiv_id, safe="/."), "arXiv:" + paper.arxiv_id))
    body.append("<p>" + " · ".join(links) + "</p>")
    return FeedItem(
        id=paper_item_id(paper.id),
        title=item_title(paper),
        url=url,
        date=paper.first_seen,
        html="".join(body),
        categories=categories,
        authors=tuple(filter(None, map(one_line, paper.authors))),
    )


def day_item(day: Day, new: Sequence[Paper], link: urls.Urls) -> FeedItem:
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


def xml_text(value: str) -> str:
    """Character data, escaped as ElementTree escapes it."""
    return html.escape(value, quote=False)


def xml_attribute(value: str) -> str:
    """A quoted attribute value, escaped as ElementTree escapes it: white space as references, so parsing keeps it."""
    return '"' + html.escape(value, quote=False).replace('"', "&quot;").replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;") + '"'


def element(tag: str, text: str = "", /, **attributes: str) -> str:
    """An element without children; positional-only text so that an attribute may be called `text` (OPML)."""
    start = tag + "".join(f" {name}={xml_attribute(value)}" for name, value in attributes.items())
    return f"<{start}>{xml_text(text)}</{tag}>" if text else f"<{start} />"


def leaf(tag: str, escaped: str, attributes: str = "") -> str:
    """An element of already escaped text, self-closed when empty as ElementTree writes it."""
    return f"<{tag}{attributes}>{escaped}</{tag}>" if escaped else f"<{tag}{attributes} />"


def parent(tag: str, children: Sequence[str], depth: int, attributes: str = "") -> str:
    """An element holding `children` (already indented for depth + 1 inside), as ElementTree.indent lays it out."""
    if not children:
        return f"<{tag}{attributes} />"
    inner = "\n" + " " * (depth + 1)
    return f"<{tag}{attributes}>{inner}{inner.join(children)}\n{' ' * depth}</{tag}>"


def json_object(fields: Sequence[tuple[str, str]], depth: int) -> str:
    """A JSON object of already encoded values, laid out as json.dumps(indent=1) lays it out at `depth`."""
    if not fields:
        return "{}"
    inner = "\n" + " " * (depth + 1)
    return "{" + inner + ("," + inner).join(f"{json_string(key)}: {value}" for key, value in fields) + "\n" + " " * depth + "}"


def json_array(values: Sequence[str], depth: int) -> str:
    if not values:
        return "[]"
    inner = "\n" + " " * (depth + 1)
    return "[" + inner + ("," + inner).join(values) + "\n" + " " * depth + "]"


@functools.lru_cache(maxsize=1024)
def category(slug: str, name: str) -> tuple[str, str, str]:
    """A topic as an item's RSS <category>, Atom <category> and JSON Feed tag: the same few for every item."""
    return "\n   " + leaf("category", xml_text(name)), f"\n  <category term={xml_attribute(slug)} label={xml_attribute(name)} />", json_string(name)


def serialize(item: FeedItem) -> Fragments:
    """The item's RSS <item>, Atom <entry> and JSON Feed object, each indented for its place in its document."""
    title, url, body, date = xml_text(item.title), xml_text(item.url), xml_text(item.html), rfc3339(item.date)
    rss = [f"\n  <item>\n   {leaf('title', title)}\n   {leaf('link', url)}\n   {leaf('description', body)}"]
    atom = [
        f"\n <entry>\n  {leaf('title', title, TEXT_TYPE)}\n  {leaf('id', xml_text(item.id))}"
        f'\n  <link href={xml_attribute(item.url)} rel="alternate" type="text/html" />\n  <published>{date}</published>\n  <updated>{date}</updated>'
    ]
    json = [
        f'\n  {{\n   "id": {json_string(item.id)},\n   "url": {json_string(item.url)},\n   "title": {json_string(item.title)},'
        f'\n   "content_html": {json_string(item.html)},\n   "date_published": "{date}"'
    ]
    if item.authors:
        # One escape for all the names: none holds a line break, so one stands between them until the markup replaces it.
        names = xml_text("\n".join(item.authors))
        rss.append("\n   <dc:creator>" + names.replace("\n", "</dc:creator>\n   <dc:creator>") + "</dc:creator>")
        atom.append("\n  <author>\n   <name>" + names.replace("\n", "</name>\n  </author>\n  <author>\n   <name>") + "</name>\n  </author>")
        json.append(',\n   "authors": [\n    {\n     "name": ' + '\n    },\n    {\n     "name": '.join(map(json_string, item.authors)) + "\n    }\n   ]")
    if item.categories:
        rss_categories, atom_categories, tags = zip(*(category(slug, name) for slug, name in item.categories), strict=True)
        rss.extend(rss_categories)
        atom.extend(atom_categories)
        json.append(',\n   "tags": [\n    ' + ",\n    ".join(tags) + "\n   ]")
    rss.append(f'\n   <guid isPermaLink="false">{xml_text(item.id)}</guid>\n   <pubDate>{rfc822(item.date)}</pubDate>\n  </item>')
    atom.append(f"\n  {leaf('content', body, HTML_TYPE)}\n </entry>")
    json.append("\n  }")
    return Fragments(
        id=item.id,
        date=item.date,
        rss="".join(rss).encode("utf-8"),
        atom="".join(atom).encode("utf-8"),
        json="".join(json).encode("utf-8"),
        has_authors=bool(item.authors),
    )


def channels(site: Site, settings: FeedSettings, memo: Memo) -> tuple[Channel, ...]:
    """Every feed of the site: the whole digest, the daily digest, then one per topic."""
    link = site_urls(site)
    title = one_line(site.title) or GENERATOR
    description = one_line(site.description) or title
    home = link.absolute("")
    limit = max(settings.limit, 0)
    topic_names = {topic.slug: one_line(topic.name) for topic in site.topics}
    topics = topic_anchors(link, topic_names)
    # A paper's fragments depend on the paper, the base URL and the topics' names alone; a day's, on the day, its papers and the base URL.
    paper_fragments = memo.table("feed-paper", (link.base_url, tuple(topic_names.items())))
    day_fragments = memo.table("feed-day", link.base_url)

    # Ids are unique in a feed: the first paper with an id stands for it everywhere.
    papers: dict[str, Paper] = {}
    for paper in site.papers:
        if paper.appearances:
            papers.setdefault(paper.id, paper)
    in_topic: dict[str, list[Paper]] = {slug: [] for slug in topic_names}
    for paper in papers.values():
        for match in paper.topics:
            found = in_topic.get(match.slug)
            if found is not None and len(found) < limit and (not found or found[-1] is not paper):
                found.append(paper)

    def paper_items(chosen: Iterable[Paper]) -> tuple[Fragments, ...]:
        return tuple(paper_fragments.get(paper, lambda p: serialize(paper_item(p, link, topics))) for paper in chosen)

    days: list[Fragments] = []
    dates: set[dt.date] = set()
    for day in site.days:
        if len(days) >= limit:
            break
        if day.new and day.date not in dates:
            dates.add(day.date)
            new = tuple(papers[i] for i in day.new if i in papers)
            days.append(day_fragments.get((day, new), lambda key: serialize(day_item(key[0], key[1], link))))

    result = [
        Channel("all", title, description, home, MAIN_PATHS, paper_items(list(papers.values())[:limit])),
        Channel("daily", f"{title}: daily digest", f"One item a day listing that day's new papers. {description}", home, DAILY_PATHS, tuple(days)),
    ]
    for topic in site.topics:
        name = one_line(topic.name) or topic.slug
        result.append(
            Channel(
                "topic/" + topic.slug,
                f"{title}: {name}",
                one_line(topic.description) or f"Papers about {name}. {description}",
                absolute(link, urls.topic_dir(topic.slug)),
                topic_paths(topic.slug),
                paper_items(in_topic[topic.slug]),
            )
        )
    return tuple(result)


def document(head: str, items: Iterable[bytes], tail: str) -> bytes:
    return b"".join([head.encode("utf-8"), *items, tail.encode("utf-8")])


def rss(channel: Channel, link: urls.Urls) -> bytes:
    namespaces = f" xmlns:atom={xml_attribute(ATOM_NS)}"
    if any(item.has_authors for item in channel.items):
        namespaces += f" xmlns:dc={xml_attribute(DC_NS)}"
    head = [
        element("title", channel.title),
        element("link", channel.home),
        element("description", channel.description),
        element("atom:link", href=absolute(link, channel.paths.rss), rel="self", type="application/rss+xml"),
        element("generator", GENERATOR),
        element("docs", "https://www.rssboard.org/rss-specification"),
    ]
    if channel.updated:
        head += [element("pubDate", rfc822(channel.updated)), element("lastBuildDate", rfc822(channel.updated))]
    start = f'{XML_DECLARATION}<rss{namespaces} version="2.0">\n <channel>\n  ' + "\n  ".join(head)
    return document(start, (item.rss for item in channel.items), "\n </channel>\n</rss>\n")


def atom(channel: Channel, link: urls.Urls, settings: FeedSettings) -> bytes:
    head = [
        element("title", channel.title, type="text"),
        element("subtitle", channel.description, type="text"),
        element("id", feed_id(link, channel.key)),
        element("updated", rfc3339(channel.updated or EPOCH)),
        element("link", href=absolute(link, channel.paths.atom), rel="self", type="application/atom+xml"),
        element("link", href=channel.home, rel="alternate", type="text/html"),
        parent("author", [element("name", one_line(settings.author) or GENERATOR)], 1),
        element("generator", GENERATOR),
    ]
    start = f"{XML_DECLARATION}<feed xmlns={xml_attribute(ATOM_NS)}>\n " + "\n ".join(head)
    return document(start, (item.atom for item in channel.items), "\n</feed>\n")


def json_feed(channel: Channel, link: urls.Urls, settings: FeedSettings) -> bytes:
    fields = [
        ("version", json_string(JSON_FEED_VERSION)),
        ("title", json_string(channel.title)),
        ("home_page_url", json_string(channel.home)),
        ("feed_url", json_string(absolute(link, channel.paths.json))),
        ("description", json_string(channel.description)),
        ("authors", json_array([json_object([("name", json_string(one_line(settings.author) or GENERATOR))], 2)], 1)),
    ]
    start = "{\n " + ",\n ".join(f"{json_string(key)}: {value}" for key, value in fields) + ',\n "items": '
    if not channel.items:
        return document(start + "[]\n}\n", (), "")
    return document(start + "[", [b",".join(item.json for item in channel.items)], "\n ]\n}\n")


def opml(feeds: Sequence[Channel], link: urls.Urls, site: Site, settings: FeedSettings) -> bytes:
    """One outline per feed, in RSS only: importing it subscribes to each feed once, topics in a folder."""
    head = [
        element("title", f"{one_line(site.title) or GENERATOR}: feeds"),
        element("ownerName", one_line(settings.author) or GENERATOR),
        element("docs", "http://opml.org/spec2.opml"),
    ]
    topics = [channel for channel in feeds if channel.key.startswith("topic/")]
    outlines = [outline(channel, link) for channel in feeds if channel not in topics]
    if topics:
        folder = f" text={xml_attribute('Topics')} title={xml_attribute('Topics')}"
        outlines.append(parent("outline", [outline(channel, link) for channel in topics], 2, folder))
    root = parent("opml", [parent("head", head, 1), parent("body", outlines, 1)], 0, ' version="2.0"')
    return (XML_DECLARATION + root + "\n").encode("utf-8")


def outline(channel: Channel, link: urls.Urls) -> str:
    return element(
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
    feeds = channels(site, settings, memo if memo is not None else Memo())
    files: dict[str, bytes] = {}
    for channel in feeds:
        files[channel.paths.rss] = rss(channel, link)
        files[channel.paths.atom] = atom(channel, link, settings)
        files[channel.paths.json] = json_feed(channel, link, settings)
    files["feeds.opml"] = opml(feeds, link, site, settings)
    return files
