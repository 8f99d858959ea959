"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the digest, the daily, weekly and monthly digests, each topic
and each watch, the monthly archives of the digest (RFC 5005), plus the OPML lists.

A Site in, {output path: bytes} out. Python prepares the data: each feed is a
Channel of FeedItems (text, absolute URLs, times, the body as an HTML string).
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
rules and a move from http to https. The digest, topic and archive feeds share
a paper's id (readers hold them); a watch's items have ids of their own, so a
reader that files an id under one feed shows a watch whole beside the digest.
An item shows the title as first seen and is dated when it was first listed,
so new dumps leave published items as they were.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import html
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import markupsafe

from generator.config import Config
from generator.memo import Memo
from generator.model import Day, Paper, Site
from generator.pipeline.readers.common import drop_unshowable
from generator.pipeline.watches import Watch, watched_papers
from generator.problems import ThemeError
from generator.site import urls
from generator.site.export import paper_links
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
    days: int | None = None  # the digest and daily feeds hold the last N days when set, else the last `limit` items
    watches: tuple[Watch, ...] = ()
    hub: str | None = None  # a WebSub hub announced in every feed
    digest_size: int = 10  # papers in each weekly and monthly digest item


@dataclass(frozen=True, slots=True)
class FeedPaths:
    rss: str
    atom: str
    json: str


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str  # may be empty: a topic name of nothing but control characters


@functools.lru_cache(maxsize=8192)
def escaped_body(content_html: str) -> markupsafe.Markup:
    return markupsafe.escape(content_html)


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str  # urn:uuid:..., the same in RSS, Atom and JSON Feed
    title: str  # plain text
    url: str  # absolute
    published: dt.datetime  # UTC; when the paper was first listed (or the digest's period closed)
    content_html: str  # the body, only absolute links
    categories: tuple[Category, ...]
    authors: tuple[str, ...]  # each on one line, none empty
    thumbnail: str | None = None  # an http(s) image URL
    summary: str = ""  # plain text: the abstract's first words, for readers that list items with a preview
    revised: dt.datetime | None = None  # when a later listing brought the longer abstract the item now shows

    @property
    def updated(self) -> dt.datetime:
        # An item shows its first title and no changing counts: only a longer abstract, listed later, revises it.
        return self.revised or self.published

    @property
    def date(self) -> dt.datetime:
        # The name templates made before times existed use.
        return self.published

    @property
    def creator(self) -> str:
        """All the authors as one line: RSS readers show one dc:creator (newsboat the last of several)."""
        return ", ".join(self.authors)

    @property
    def content_xml(self) -> markupsafe.Markup:
        """The body escaped for XML text, once for RSS and Atom (templates print it as it is)."""
        return escaped_body(self.content_html)

    def with_id(self, item_id: str) -> FeedItem:
        return dataclasses.replace(self, id=item_id)


@dataclass(frozen=True, slots=True)
class Archive:
    """RFC 5005 links: a subscription feed names its newest archive; an archive names its neighbours and the feed."""

    current: str | None = None  # set on archive documents: the subscription feed (same format)
    prev: str | None = None
    next: str | None = None


@dataclass(frozen=True, slots=True)
class Channel:
    key: str  # names the feed in its Atom id: "all", "daily", "weekly", "monthly", "topic/<slug>", "watch/<slug>", "archive/<YYYY-MM>"
    id: str  # the Atom feed id
    title: str
    description: str
    home: str  # absolute URL of the page the feed follows
    paths: FeedPaths  # relative to the site root
    links: FeedPaths  # the same files' absolute URLs
    items: tuple[FeedItem, ...]
    archive: tuple[Archive, Archive] = (Archive(), Archive())  # the RSS document's links, the Atom document's
    hub: str | None = None

    @property
    def updated(self) -> dt.datetime | None:
        return max((item.updated for item in self.items), default=None)

    @property
    def has_authors(self) -> bool:
        return any(item.authors for item in self.items)

    @property
    def has_thumbnails(self) -> bool:
        return any(item.thumbnail for item in self.items)

    @property
    def is_archive(self) -> bool:
        return self.key.startswith("archive/")


def feed_settings(config: Config, theme_folders: tuple[Path, ...]) -> FeedSettings:
    return FeedSettings(config.author, config.feed_limit, theme_folders, config.feed_days, config.watch, config.websub_hub)


MAIN_PATHS = FeedPaths("feed.xml", "atom.xml", "feed.json")
DAILY_PATHS = FeedPaths("daily.xml", "daily.atom.xml", "daily.json")
WEEKLY_PATHS = FeedPaths("weekly.xml", "weekly.atom.xml", "weekly.json")
MONTHLY_PATHS = FeedPaths("monthly.xml", "monthly.atom.xml", "monthly.json")
OPML_PATHS = {"everything": "feeds.opml", "watches": "watches.opml", "digests": "digests.opml"}
# Each paper's offset into its day when the source gives no time of listing: rank 1 the latest, all before 00:17.
RANK_SECONDS = 1000


def topic_paths(slug: str) -> FeedPaths:
    folder = urls.topic_dir(slug)
    return FeedPaths(folder + "feed.xml", folder + "atom.xml", folder + "feed.json")


def watch_dir(slug: str) -> str:
    return f"watch/{slug}/"


def watch_paths(slug: str) -> FeedPaths:
    folder = watch_dir(slug)
    return FeedPaths(folder + "feed.xml", folder + "atom.xml", folder + "feed.json")


def archive_paths(month: dt.date) -> FeedPaths:
    name = f"feeds/archive/{month.year:04d}-{month.month:02d}"
    return FeedPaths(name + ".xml", name + ".atom.xml", name + ".json")


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


def watch_item_id(watch_slug: str, paper_id: str) -> str:
    return stable_id(f"watch:{watch_slug}:paper:{paper_id}")


def day_item_id(date: dt.date) -> str:
    return stable_id("day:" + date.isoformat())


def period_item_id(kind: str, name: str) -> str:
    return stable_id(f"{kind}:{name}")


def feed_id(link: urls.Urls, channel_key: str) -> str:
    """A feed's Atom id: its site's host and path without the scheme, so http -> https keeps it."""
    base = link.base_url.split("://", 1)[-1]
    return stable_id(f"feed:{base}{channel_key}")


def as_moment(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


@functools.cache
def rfc822(value: dt.date | dt.datetime) -> str:
    """RFC 822 time in UTC, as email.utils.format_datetime writes it (English names whatever the locale)."""
    moment = as_moment(value)
    return f"{WEEKDAYS[moment.weekday()]}, {moment.day:02d} {MONTHS[moment.month - 1]} {moment.year:04d} {moment:%H:%M:%S} +0000"


@functools.lru_cache(maxsize=16384)
def rfc3339(value: dt.date | dt.datetime) -> str:
    moment = as_moment(value)
    return f"{moment.date().isoformat()}T{moment:%H:%M:%S}Z"


def listed_moment(text: str | None) -> dt.datetime | None:
    """A listing time YYYY-MM-DDTHH:MM:SSZ as UTC; None for none, or for midnight (a day without its time)."""
    if not text:
        return None
    try:
        moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    return None if moment.time() == dt.time(0) else moment


def paper_times(papers: Sequence[Paper]) -> dict[str, dt.datetime]:
    """When each paper was listed: the source's time where it gives one (on the paper's first day), else the first
    day plus a stable offset by rank. Each time is unique: one taken already moves a second later, in the order the
    papers were first seen, so a new day never moves an earlier paper's time."""
    chosen: dict[str, dt.datetime] = {}
    taken: set[dt.datetime] = set()
    ordered = sorted((p for p in papers if p.appearances), key=lambda p: (p.first_seen, p.appearances[0].rank, p.id))
    for paper in ordered:
        if paper.id in chosen:
            continue
        first = paper.appearances[0]
        moment = listed_moment(paper.listed_at)
        if moment is None or moment.date() != first.date:
            moment = as_moment(first.date) + dt.timedelta(seconds=max(RANK_SECONDS - first.rank, 0))
        while moment in taken:
            moment += dt.timedelta(seconds=1)
        taken.add(moment)
        chosen[paper.id] = moment
    return chosen


def revision_times(papers: Sequence[Paper], published: dict[str, dt.datetime]) -> dict[str, dt.datetime]:
    """When each paper whose shown abstract came from a later listing was revised: that listing's day plus the
    offset by its rank, after the paper's own time and unique among all the items' times, as paper_times makes them."""
    chosen: dict[str, dt.datetime] = {}
    taken = set(published.values())
    revised = [(p.appearances[p.abstract_from], p) for p in papers if p.abstract_from and p.id in published]
    for listing, paper in sorted(revised, key=lambda pair: (pair[0].date, pair[0].rank, pair[1].id)):
        moment = max(as_moment(listing.date) + dt.timedelta(seconds=max(RANK_SECONDS - listing.rank, 0)), published[paper.id] + dt.timedelta(seconds=1))
        while moment in taken:
            moment += dt.timedelta(seconds=1)
        taken.add(moment)
        chosen[paper.id] = moment
    return chosen


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
def paragraphs_html(text: str, printable: bool | None = None) -> str:
    """`printable`: text.isprintable(), when the caller knows it (a scan of the whole abstract)."""
    if text.isprintable() if printable is None else printable:  # one paragraph, nothing to clean: see one_line
        text = text if "  " not in text and text[:1] != " " and text[-1:] != " " else " ".join(text.split())
        return f"<p>{html.escape(text)}</p>" if text else ""
    parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", clean(text))]
    return "".join(f"<p>{html.escape(p)}</p>" for p in parts if p)


def anchor(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def labelled_anchor(href: str, label: str) -> str:
    """anchor() for a label of this file's, which holds nothing to escape."""
    return f'<a href="{html.escape(href)}">{label}</a>'


def is_web_url(value: str | None) -> bool:
    return bool(value) and str(value).startswith(("https://", "http://"))


@functools.lru_cache(maxsize=4096)
def day_anchor(link: urls.Urls, date: dt.date) -> str:
    return anchor(absolute(link, urls.day_dir(date)), date.isoformat())


def topic_anchors(link: urls.Urls, topic_names: dict[str, str]) -> dict[str, tuple[Category, str]]:
    """Each topic as a category and the link to its page, made once for all the items that name it."""
    return {slug: (Category(slug, name), anchor(absolute(link, urls.topic_dir(slug)), name)) for slug, name in topic_names.items()}


# Labels are shown as they are (labelled_anchor): none holds a character HTML escapes.
LINK_LABELS = (("arxiv", "arXiv"), ("pdf", "PDF"), ("huggingface", "Hugging Face"), ("code", "Code"), ("project", "Project page"))


def summary_text(text: str, words: int = 60, printable: bool | None = None) -> str:
    # Printable text holds nothing `clean` drops (see one_line); splitting stops once the words shown are found.
    parts = (text if (text.isprintable() if printable is None else printable) else clean(text)).split(maxsplit=words)
    if len(parts) > words:  # a rest after the words shown: there are more
        return " ".join(parts[:words]) + " …"
    return " ".join(parts)


def paper_item(paper: Paper, published: dt.datetime, link: urls.Urls, topics: dict[str, tuple[Category, str]], revised: dt.datetime | None = None) -> FeedItem:
    """A paper as its card: thumbnail, authors, organization, links, the labelled AI summary, the abstract, topics.

    Counts that change from listing to listing (upvotes, comments, stars) are left out: showing them would make
    readers mark a published item as changed every day it is listed again."""
    url = absolute(link, urls.paper_dir(paper.id))
    matched = [topics[match.slug] for match in paper.topics if match.slug in topics]
    authors = tuple(filter(None, map(one_line, paper.authors)))
    thumbnail = paper.thumbnail if is_web_url(paper.thumbnail) else None
    body = []
    if thumbnail:
        body.append(f'<p><img src="{html.escape(thumbnail)}" alt=""></p>')
    if authors:
        body.append(f"<p>{html.escape(', '.join(authors))}</p>")
    if paper.organization is not None:
        org = one_line(paper.organization.fullname) or one_line(paper.organization.name)
        body.append(f"<p>Organization: {anchor('https://huggingface.co/' + quote(paper.organization.name, safe=''), org)}</p>")
    if paper.ai_summary:
        body.append(f"<p><strong>AI summary</strong> (machine-written, not by the authors): {html.escape(one_line(paper.ai_summary))}</p>")
    printable = paper.abstract.isprintable()  # a scan of the whole abstract, for the body and the summary
    body.append(paragraphs_html(paper.abstract, printable))
    if matched:
        body.append(f"<p>Topics: {', '.join(topic_link for _, topic_link in matched)}</p>")
    links = [labelled_anchor(url, "Paper page"), "first seen " + day_anchor(link, paper.first_seen)]
    found = paper_links(paper)
    links += [labelled_anchor(found[kind], label) for kind, label in LINK_LABELS if is_web_url(found.get(kind))]
    body.append("<p>" + " · ".join(links) + "</p>")
    return FeedItem(
        id=paper_item_id(paper.id),
        title=item_title(paper),
        url=url,
        published=published,
        content_html="".join(body),
        categories=tuple(category for category, _ in matched),
        authors=authors,
        thumbnail=thumbnail,
        summary=summary_text(paper.abstract, printable=printable),
        revised=revised,
    )


def day_item(day: Day, new: Sequence[Paper], published: dt.datetime, link: urls.Urls, author: str) -> FeedItem:
    entries = "".join(f"<li>{anchor(absolute(link, urls.paper_dir(p.id)), first_title(p))}</li>" for p in new)
    count = f"{len(new)} new paper" + ("" if len(new) == 1 else "s")
    url = absolute(link, urls.day_dir(day.date))
    return FeedItem(
        id=day_item_id(day.date),
        title=f"{day.date.isoformat()}: {count}",
        url=url,
        published=published,
        content_html=f"<ul>{entries}</ul><p>{anchor(url, 'The day on the site')}</p>",
        categories=(),
        authors=(author,),
    )


# Email clients drop <style> and scripts: a digest's body styles each element inline, in a single column.
DIGEST_STYLES = {
    "body": "font-family:Georgia,serif;width:100%;margin:0 auto;color:#1a1a1a;line-height:1.5",
    "h2": "font-size:18px;margin:24px 0 4px 0",
    "meta": "font-size:13px;color:#555;margin:0 0 8px 0",
    "p": "font-size:15px;margin:0 0 8px 0",
    "a": "color:#0b57d0",
    "img": "height:auto;border:0",
}


def digest_item(kind: str, name: str, title: str, url: str, papers: Sequence[Paper], published: dt.datetime, link: urls.Urls, author: str) -> FeedItem:
    """One week's or month's top papers by upvotes, as email-friendly HTML: inline styles, no scripts, no <style>."""
    style = DIGEST_STYLES
    parts = [f'<div style="{style["body"]}">']
    for position, paper in enumerate(papers, start=1):
        page = absolute(link, urls.paper_dir(paper.id))
        parts.append(f'<h2 style="{style["h2"]}">{position}. <a style="{style["a"]}" href="{html.escape(page)}">{html.escape(first_title(paper))}</a></h2>')
        authors = ", ".join(filter(None, map(one_line, paper.authors)))
        meta = [html.escape(authors)] if authors else []
        meta.append("first seen " + paper.first_seen.isoformat())
        parts.append(f'<p style="{style["meta"]}">{" · ".join(meta)}</p>')
        if is_web_url(paper.thumbnail):
            parts.append(f'<p style="{style["p"]}"><img style="{style["img"]}" src="{html.escape(str(paper.thumbnail))}" alt="" width="600"></p>')
        if paper.ai_summary:
            parts.append(f'<p style="{style["p"]}"><strong>AI summary</strong> (machine-written): {html.escape(one_line(paper.ai_summary))}</p>')
        else:
            parts.append(f'<p style="{style["p"]}">{html.escape(summary_text(paper.abstract))}</p>')
    parts.append(f'<p style="{style["meta"]}"><a style="{style["a"]}" href="{html.escape(url)}">More on the site</a></p></div>')
    return FeedItem(
        id=period_item_id(kind, name),
        title=title,
        url=url,
        published=published,
        content_html="".join(parts),
        categories=(),
        authors=(author,),
    )


def top_papers(papers: Iterable[Paper], size: int) -> list[Paper]:
    """The most upvoted first; without upvotes, as listed (first seen, rank)."""
    return sorted(papers, key=lambda p: (-(p.upvotes or 0), p.first_seen, p.appearances[0].rank, p.id))[:size]


def week_of(date: dt.date) -> tuple[str, dt.date]:
    year, week, _ = date.isocalendar()
    return f"{year:04d}-W{week:02d}", date - dt.timedelta(days=date.weekday())


def digest_channels_items(
    site: Site, papers: Sequence[Paper], times: dict[str, dt.datetime], link: urls.Urls, settings: FeedSettings, author: str
) -> tuple[tuple[FeedItem, ...], tuple[FeedItem, ...]]:
    """The weekly and the monthly digest items, newest first. A period's item appears once the site has a later day:
    an item that grew every day of its week would reach email readers half made."""
    newest = max((day.date for day in site.days), default=None)
    weeks: dict[str, list[Paper]] = {}
    months: dict[dt.date, list[Paper]] = {}
    for paper in papers:
        weeks.setdefault(week_of(paper.first_seen)[0], []).append(paper)
        months.setdefault(paper.first_seen.replace(day=1), []).append(paper)
    title = one_line(site.title) or GENERATOR
    weekly, monthly = [], []
    for name, chosen in weeks.items():
        monday = week_of(chosen[0].first_seen)[1]
        if newest is None or newest <= monday + dt.timedelta(days=6):
            continue
        published = max(times[p.id] for p in chosen)
        top = top_papers(chosen, settings.digest_size)
        heading = f"{title}: week {name}, the top {len(top)} of {len(chosen)} papers"
        weekly.append(digest_item("week", name, heading, absolute(link, urls.day_dir(max(p.first_seen for p in chosen))), top, published, link, author))
    for first, chosen in months.items():
        name = f"{first.year:04d}-{first.month:02d}"
        if newest is None or (newest.year, newest.month) <= (first.year, first.month):
            continue
        published = max(times[p.id] for p in chosen)
        top = top_papers(chosen, settings.digest_size)
        heading = f"{title}: {MONTHS[first.month - 1]} {first.year}, the top {len(top)} of {len(chosen)} papers"
        monthly.append(digest_item("month", name, heading, absolute(link, "archive/"), top, published, link, author))
    weekly.sort(key=lambda item: item.published, reverse=True)
    monthly.sort(key=lambda item: item.published, reverse=True)
    return tuple(weekly[: settings.limit]), tuple(monthly[: settings.limit])


def recent(papers: Sequence[Paper], settings: FeedSettings, dates: Sequence[dt.date]) -> list[Paper]:
    """The subscription feed's papers: those of the last `days` days when set, else the last `limit`."""
    if settings.days:
        kept = set(dates[: settings.days])
        return [paper for paper in papers if paper.first_seen in kept]
    return list(papers[: max(settings.limit, 0)])


def channels(site: Site, settings: FeedSettings, memo: Memo) -> tuple[Channel, ...]:
    """Every feed of the site: the digest, the daily, weekly and monthly digests, each topic, each watch, each month's archive."""
    link = site_urls(site)
    title = one_line(site.title) or GENERATOR
    description = one_line(site.description) or title
    author = one_line(settings.author) or GENERATOR
    home = link.absolute("")
    limit = max(settings.limit, 0)
    topic_names = {topic.slug: one_line(topic.name) for topic in site.topics}
    topics = topic_anchors(link, topic_names)
    # A paper's item depends on the paper, its time, the base URL and the topics' names alone; a day's, on the day, its papers and the base URL.
    paper_items_made = memo.table("feed-paper", (link.base_url, tuple(topic_names.items())))

    # Ids are unique in a feed: the first paper with an id stands for it everywhere.
    papers: dict[str, Paper] = {}
    for paper in site.papers:
        if paper.appearances:
            papers.setdefault(paper.id, paper)
    listed = list(papers.values())
    times = paper_times(listed)
    revisions = revision_times(listed, times)
    in_topic: dict[str, list[Paper]] = {slug: [] for slug in topics}
    for paper in listed:
        for match in paper.topics:
            found = in_topic.get(match.slug)
            if found is not None and len(found) < limit and (not found or found[-1] is not paper):
                found.append(paper)

    made: dict[str, FeedItem] = {}  # each paper looked up once, however many feeds show it

    def item(paper: Paper) -> FeedItem:
        found = made.get(paper.id)
        if found is None:
            key = (paper, times[paper.id], revisions.get(paper.id))
            found = made[paper.id] = paper_items_made.get(key, lambda key: paper_item(key[0], key[1], link, topics, key[2]))
        return found

    def paper_items(chosen: Iterable[Paper]) -> tuple[FeedItem, ...]:
        return tuple(item(paper) for paper in chosen)

    dates = sorted({day.date for day in site.days if day.new}, reverse=True)
    kept_days = set(dates[: settings.days]) if settings.days else set(dates[:limit])
    days: list[FeedItem] = []
    seen_dates: set[dt.date] = set()
    for day in site.days:
        if day.new and day.date in kept_days and day.date not in seen_dates:
            seen_dates.add(day.date)
            new = tuple(papers[i] for i in day.new if i in papers)
            published = max((times[p.id] for p in new), default=as_moment(day.date))
            days.append(day_item(day, new, published, link, author))

    def channel(key: str, title: str, description: str, home: str, paths: FeedPaths, items: tuple[FeedItem, ...], **more: Any) -> Channel:
        links = FeedPaths(absolute(link, paths.rss), absolute(link, paths.atom), absolute(link, paths.json))
        return Channel(key, feed_id(link, key), title, description, home, paths, links, items, hub=settings.hub, **more)

    # One archive per month, newest first; the newest grows until its month ends. A site of one month has none: an
    # archive with neither an older nor a newer one would stand alone, not a part of the feed's history.
    months = sorted({paper.first_seen.replace(day=1) for paper in listed}, reverse=True)
    months = months if len(months) > 1 else []
    month_links = [FeedPaths(*(absolute(link, path) for path in (p.rss, p.atom, p.json))) for p in map(archive_paths, months)]
    main_links = FeedPaths(absolute(link, MAIN_PATHS.rss), absolute(link, MAIN_PATHS.atom), absolute(link, MAIN_PATHS.json))
    newest_archive = (Archive(prev=month_links[0].atom), Archive(prev=month_links[0].atom)) if months else (Archive(), Archive())
    weekly, monthly = digest_channels_items(site, listed, times, link, settings, author)
    result = [
        channel("all", title, description, home, MAIN_PATHS, paper_items(recent(listed, settings, dates)), archive=newest_archive),
        channel("daily", f"{title}: daily digest", f"One item a day listing that day's new papers. {description}", home, DAILY_PATHS, tuple(days)),
        channel("weekly", f"{title}: weekly digest", f"One item a week: its top papers by upvotes. {description}", home, WEEKLY_PATHS, weekly),
        channel("monthly", f"{title}: monthly digest", f"One item a month: its top papers by upvotes. {description}", home, MONTHLY_PATHS, monthly),
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
    for watch, ids in watched_papers(settings.watches, listed).items():
        items = tuple(item(papers[i]).with_id(watch_item_id(watch.slug, i)) for i in ids[:limit])
        label = one_line(watch.label)
        result.append(
            channel(
                "watch/" + watch.slug,
                f"{title}: {label}",
                f"Papers matching the watch {label}. {description}",
                absolute(link, watch_dir(watch.slug)),
                watch_paths(watch.slug),
                items,
            )
        )
    by_month: dict[dt.date, list[Paper]] = {}
    for paper in listed:
        by_month.setdefault(paper.first_seen.replace(day=1), []).append(paper)
    for position, month in enumerate(months):
        older = month_links[position + 1] if position + 1 < len(months) else None
        newer = month_links[position - 1] if position > 0 else None
        archive = tuple(
            Archive(current=getattr(main_links, kind), prev=older and getattr(older, kind), next=newer and getattr(newer, kind)) for kind in ("rss", "atom")
        )
        name = f"{MONTHS[month.month - 1]} {month.year}"
        result.append(
            channel(
                f"archive/{month.year:04d}-{month.month:02d}",
                f"{title}: archive {name}",
                f"Every paper first seen in {name}. {description}",
                absolute(link, "archive/"),
                archive_paths(month),
                paper_items(by_month[month]),
                archive=(archive[0], archive[1]),
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
        "date_published": rfc3339(item.published),
        "date_modified": rfc3339(item.updated),
    }
    if item.summary:
        fields["summary"] = item.summary
    if item.thumbnail:
        fields["image"] = item.thumbnail
    if item.authors:
        fields["authors"] = [{"name": name} for name in item.authors]
    if item.categories:
        fields["tags"] = [category.name for category in item.categories]
    return fields


def json_feed(channel: Channel, author: str) -> bytes:
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.home,
        "feed_url": channel.links.json,
        "description": channel.description,
        "authors": [{"name": author}],
        "language": "en",
    }
    if channel.hub:
        document["hubs"] = [{"type": "WebSub", "url": channel.hub}]
    document["items"] = [json_item(item) for item in channel.items]
    # The document is a tree made here, never a cycle: the check for one is skipped. Compact, so the C encoder writes it.
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":"), check_circular=False) + "\n").encode("utf-8")


def opml_lists(feeds: Sequence[Channel], link: urls.Urls) -> dict[str, dict[str, Any]]:
    """The OPML lists, each subscribing to feeds that share no item id, so each paper arrives once (docs/feeds.md).

    feeds.opml: the digest (one item per paper) and the daily digest (one per day); it names the other lists in
    text outlines, which importers leave alone (newsboat would subscribe to an include outline's url).
    watches.opml, digests.opml: subscribe on their own. Topics have no list: their items keep the digest's ids
    (readers hold them) and a paper is in several topics."""
    by_kind: dict[str, list[Channel]] = {"watch": [], "digest": []}
    for channel in feeds:
        kind = channel.key.split("/", 1)[0]
        if kind in ("weekly", "monthly"):
            by_kind["digest"].append(channel)
        elif kind in by_kind:
            by_kind[kind].append(channel)
    others = {
        "watches": ("Watches", by_kind["watch"]),
        "digests": ("Weekly and monthly digests", by_kind["digest"]),
    }
    main = tuple(channel for channel in feeds if channel.key in ("all", "daily"))
    includes = tuple(
        (f"{label}: {', '.join(channel.title for channel in chosen)}", absolute(link, OPML_PATHS[name])) for name, (label, chosen) in others.items() if chosen
    )
    lists: dict[str, dict[str, Any]] = {"everything": {"label": "Everything, each paper once", "channels": main, "includes": includes}}
    for name, (label, chosen) in others.items():
        if chosen:
            lists[name] = {"label": label, "channels": tuple(chosen), "includes": ()}
    return lists


def feed_files(site: Site, settings: FeedSettings, memo: Memo | None = None) -> dict[str, bytes]:
    """Every feed file of the site, keyed by its path relative to the site root.

    A memo kept between builds (a preview session's) makes only the items and documents that changed.
    """
    memo = memo if memo is not None else Memo()
    folders = settings.theme_folders or tuple(theme_dirs("default", None))
    env = environment(folders)
    feeds = channels(site, settings, memo)
    author = one_line(settings.author) or GENERATOR
    # An empty feed is as new as the site's newest day (a date from the data, not the clock); 1970 without one.
    newest = max((day.date for day in site.days), default=EPOCH)
    common = {"author": author, "generator": GENERATOR, "epoch": newest}

    def documents(channel: Channel) -> tuple[bytes, bytes, bytes]:
        if channel.is_archive:
            return b"", render(env, ATOM_TEMPLATE, channel=channel, **common), b""
        return render(env, RSS_TEMPLATE, channel=channel, **common), render(env, ATOM_TEMPLATE, channel=channel, **common), json_feed(channel, author)

    # A channel's documents depend on it, the author and the templates alone.
    made = memo.table("feed-documents", (template_sources(folders), author))
    files: dict[str, bytes] = {}
    for channel in feeds:
        rss, atom, json_document = made.get(channel, documents)
        if channel.is_archive:  # RFC 5005 archives are Atom documents (RFC 5005 is Atom's); the RSS feed links to them too
            files[channel.paths.atom] = atom
        else:
            files[channel.paths.rss], files[channel.paths.atom], files[channel.paths.json] = rss, atom, json_document
    site_title = one_line(site.title) or GENERATOR
    link = site_urls(site)
    for name, listed in opml_lists(feeds, link).items():
        title = f"{site_title}: {listed['label']}"
        files[OPML_PATHS[name]] = render(env, OPML_TEMPLATE, title=title, channels=listed["channels"], includes=listed["includes"], **common)
    return files
