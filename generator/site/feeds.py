"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the digest, each topic and the daily digest, plus OPML.

A Site in, {output path: bytes} out. Python prepares the data: each feed is a
Channel of FeedItems (text, absolute URLs, dates, the body as an HTML string).
The theme's templates feeds/rss.xml, feeds/atom.xml and feeds/opml.xml write
the XML, escaped by Jinja's autoescape alone; a theme overrides any of them as
it overrides a page template. JSON Feed is json.dumps of the same data.

Text is cleaned before it reaches a template: escaping cannot make the
characters XML 1.0 forbids legal, so `clean` drops them.

A memo kept between builds (a preview session's) holds each paper's and day's
item and each document, keyed by all they depend on (a document's by the
theme's template files too): a rebuild makes again only the items that changed
and the documents that show them.

Identity: every item id is a urn:uuid derived (uuid5) from the paper id or the
day alone, never from a URL, so it survives new dumps, revised titles, new
rules and a move from http to https. An item shows the title as first seen
and is dated its first day, so new dumps leave published items as they were
and readers do not show them as unread again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from generator.memo import Memo
from generator.model import Day, Paper, Site
from generator.pipeline.readers.common import drop_unshowable
from generator.problems import ThemeError
from generator.site import urls
from generator.site.render import isolated, template_problem, theme_dirs

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "paper-digest"
# A fixed namespace: the ids below are reproducible by anyone, forever.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:paper-digest:feed-ids")
EPOCH = dt.date(1970, 1, 1)
RSS_TEMPLATE, ATOM_TEMPLATE, OPML_TEMPLATE = "feeds/rss.xml", "feeds/atom.xml", "feeds/opml.xml"
# What a template compiles to depends on the environment this file sets up: compiled templates kept between runs
# are named by this code too, so one compiled under other settings is never reused.
TEMPLATE_CODE_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class FeedSettings:
    author: str
    limit: int = 50
    theme_folders: tuple[Path, ...] = ()  # the theme, then the default theme (render.theme_dirs); () is the built-in default


@dataclass(frozen=True, slots=True)
class FeedPaths:
    rss: str
    atom: str
    json: str


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str  # may be empty: a topic name of nothing but control characters


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str  # urn:uuid:..., the same in RSS, Atom and JSON Feed
    title: str  # plain text
    url: str  # absolute
    date: dt.date
    content_html: str  # the body, only absolute links
    categories: tuple[Category, ...]
    authors: tuple[str, ...]  # each on one line, none empty


@dataclass(frozen=True, slots=True)
class Channel:
    key: str  # names the feed in its Atom id: "all", "daily", "topic/<slug>"
    id: str  # the Atom feed id
    title: str
    description: str
    home: str  # absolute URL of the page the feed follows
    paths: FeedPaths  # relative to the site root
    links: FeedPaths  # the same files' absolute URLs
    items: tuple[FeedItem, ...]

    @property
    def updated(self) -> dt.date | None:
        return max((item.date for item in self.items), default=None)

    @property
    def has_authors(self) -> bool:
        return any(item.authors for item in self.items)


MAIN_PATHS = FeedPaths("feed.xml", "atom.xml", "feed.json")
DAILY_PATHS = FeedPaths("daily.xml", "daily.atom.xml", "daily.json")


def topic_paths(slug: str) -> FeedPaths:
    folder = urls.topic_dir(slug)
    return FeedPaths(folder + "feed.xml", folder + "atom.xml", folder + "feed.json")


def clean(text: str) -> str:
    """Text XML 1.0 can carry: the characters no page, feed or export shows removed (text from templates and
    settings never went through a reader)."""
    return drop_unshowable(text)


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


# An item's body is HTML the feed carries as text (RSS description, Atom content, JSON content_html), which the
# templates escape once more. It is made here with html.escape, whose escapes published items hold: readers see no change.
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


def topic_anchors(link: urls.Urls, topic_names: dict[str, str]) -> dict[str, tuple[Category, str]]:
    """Each topic as a category and the link to its page, made once for all the items that name it."""
    return {slug: (Category(slug, name), anchor(absolute(link, urls.topic_dir(slug)), name)) for slug, name in topic_names.items()}


def paper_item(paper: Paper, link: urls.Urls, topics: dict[str, tuple[Category, str]]) -> FeedItem:
    url = absolute(link, urls.paper_dir(paper.id))
    matched = [topics[match.slug] for match in paper.topics if match.slug in topics]
    body = [paragraphs_html(paper.abstract)]
    if matched:
        body.append(f"<p>Topics: {', '.join(topic_link for _, topic_link in matched)}</p>")
    links = [anchor(url, "Paper page"), "first seen " + day_anchor(link, paper.first_seen)]
    if paper.arxiv_id:
        links.append(anchor("https://arxiv.org/abs/" + quote(paper.arxiv_id, safe="/."), "arXiv:" + paper.arxiv_id))
    body.append("<p>" + " · ".join(links) + "</p>")
    return FeedItem(
        id=paper_item_id(paper.id),
        title=item_title(paper),
        url=url,
        date=paper.first_seen,
        content_html="".join(body),
        categories=tuple(category for category, _ in matched),
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
        content_html=f"<ul>{entries}</ul><p>{anchor(url, 'The day on the site')}</p>",
        categories=(),
        authors=(),
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
    # A paper's item depends on the paper, the base URL and the topics' names alone; a day's, on the day, its papers and the base URL.
    paper_items_made = memo.table("feed-paper", (link.base_url, tuple(topic_names.items())))
    day_items_made = memo.table("feed-day", link.base_url)

    # Ids are unique in a feed: the first paper with an id stands for it everywhere.
    papers: dict[str, Paper] = {}
    for paper in site.papers:
        if paper.appearances:
            papers.setdefault(paper.id, paper)
    in_topic: dict[str, list[Paper]] = {slug: [] for slug in topics}
    for paper in papers.values():
        for match in paper.topics:
            found = in_topic.get(match.slug)
            if found is not None and len(found) < limit and (not found or found[-1] is not paper):
                found.append(paper)

    def paper_items(chosen: Sequence[Paper]) -> tuple[FeedItem, ...]:
        return tuple(paper_items_made.get(paper, lambda p: paper_item(p, link, topics)) for paper in chosen)

    days: list[FeedItem] = []
    dates: set[dt.date] = set()
    for day in site.days:
        if len(days) >= limit:
            break
        if day.new and day.date not in dates:
            dates.add(day.date)
            new = tuple(papers[i] for i in day.new if i in papers)
            days.append(day_items_made.get((day, new), lambda key: day_item(key[0], key[1], link)))

    def channel(key: str, title: str, description: str, home: str, paths: FeedPaths, items: tuple[FeedItem, ...]) -> Channel:
        links = FeedPaths(absolute(link, paths.rss), absolute(link, paths.atom), absolute(link, paths.json))
        return Channel(key, feed_id(link, key), title, description, home, paths, links, items)

    result = [
        channel("all", title, description, home, MAIN_PATHS, paper_items(list(papers.values())[:limit])),
        channel("daily", f"{title}: daily digest", f"One item a day listing that day's new papers. {description}", home, DAILY_PATHS, tuple(days)),
    ]
    for topic in site.topics:
        name = one_line(topic.name) or topic.slug
        result.append(
            channel(
                "topic/" + topic.slug,
                f"{title}: {name}",
                one_line(topic.description) or f"Papers about {name}. {description}",
                absolute(link, urls.topic_dir(topic.slug)),
                topic_paths(topic.slug),
                paper_items(in_topic[topic.slug]),
            )
        )
    return tuple(result)


def environment(theme_folders: Sequence[Path]) -> jinja2.Environment:
    """The feed templates as pages find theirs: the theme's first, then the default theme's (also as default/...).

    Made for each build, so that a template a theme adds or edits while a preview runs is the one used.
    """
    if not theme_folders:
        raise FileNotFoundError("no theme folder with templates/ found")
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(folder / "templates")) for folder in theme_folders]
    loaders.append(jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(theme_folders[-1] / "templates"))}))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["xml"], default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # an environment lives for one build
        # Compiled templates kept between runs in the user's temp folder, keyed by source checksum, as pages' are.
        bytecode_cache=jinja2.FileSystemBytecodeCache(pattern=f"__paper_digest_feeds_{TEMPLATE_CODE_VERSION}_%s.cache"),
    )
    env.filters.update(rfc822=rfc822, rfc3339=rfc3339)
    return env


def template_sources(theme_folders: Sequence[Path]) -> tuple[tuple[str, bytes], ...]:
    """Every template of the theme folders, with its bytes: a feed template may extend, include or import any of them."""
    return tuple((path.as_posix(), path.read_bytes()) for folder in theme_folders for path in sorted((folder / "templates").rglob("*")) if path.is_file())


def render(env: jinja2.Environment, template: str, **context: Any) -> bytes:
    """The template's document as UTF-8; a template that fails raises ThemeError, located."""
    try:
        return env.get_template(template).render(context).encode("utf-8")
    except jinja2.TemplateError as exc:
        raise ThemeError(template_problem(exc)) from exc


def json_item(item: FeedItem) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": item.id,
        "url": item.url,
        "title": item.title,
        "content_html": item.content_html,
        "date_published": rfc3339(item.date),
    }
    if item.authors:
        fields["authors"] = [{"name": name} for name in item.authors]
    if item.categories:
        fields["tags"] = [category.name for category in item.categories]
    return fields


def json_feed(channel: Channel, author: str) -> bytes:
    document = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.home,
        "feed_url": channel.links.json,
        "description": channel.description,
        "authors": [{"name": author}],
        "items": [json_item(item) for item in channel.items],
    }
    # The document is a tree made here, never a cycle: the check for one is skipped. Compact, so the C encoder writes it.
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":"), check_circular=False) + "\n").encode("utf-8")


def feed_files(site: Site, settings: FeedSettings, memo: Memo | None = None) -> dict[str, bytes]:
    """Every feed file of the site, keyed by its path relative to the site root.

    A memo kept between builds (a preview session's) makes only the items and documents that changed.
    """
    memo = memo if memo is not None else Memo()
    folders = settings.theme_folders or tuple(theme_dirs("default", None))
    env = environment(folders)
    feeds = channels(site, settings, memo)
    author = one_line(settings.author) or GENERATOR
    common = {"author": author, "generator": GENERATOR, "epoch": EPOCH}

    def documents(channel: Channel) -> tuple[bytes, bytes, bytes]:
        return render(env, RSS_TEMPLATE, channel=channel, **common), render(env, ATOM_TEMPLATE, channel=channel, **common), json_feed(channel, author)

    # A channel's documents depend on it, the author and the templates alone.
    made = memo.table("feed-documents", (template_sources(folders), author))
    files: dict[str, bytes] = {}
    for channel in feeds:
        files[channel.paths.rss], files[channel.paths.atom], files[channel.paths.json] = made.get(channel, documents)
    # One outline per feed, in RSS only: importing it subscribes to each feed once, topics in a folder.
    topics = tuple(channel for channel in feeds if channel.key.startswith("topic/"))
    others = tuple(channel for channel in feeds if not channel.key.startswith("topic/"))
    files["feeds.opml"] = render(env, OPML_TEMPLATE, title=f"{one_line(site.title) or GENERATOR}: feeds", channels=others, topics=topics, **common)
    return files
