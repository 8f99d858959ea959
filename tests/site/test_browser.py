"""A user in headless Chromium: home -> day -> paper -> topic, and search, on a site served under /repo/.

Screenshots land in tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import json
import re
import tarfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from tests.tools.site_under_test import REPO_ROOT, ServedSite, chromium, missing_tool, served_project, served_sample

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    with served_sample(tmp_path_factory.mktemp("browser")) as site:
        yield site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class Visit:
    """A page plus what it asked the network for and what it complained about."""

    def __init__(self, browser: Any, served: ServedSite, **context: Any) -> None:
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.served = served

    def screenshot(self, name: str, full_page: bool = True) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, served: ServedSite) -> Iterator[Visit]:
    session = Visit(browser, served, viewport={"width": 1200, "height": 900})
    yield session
    session.close()
    outside = [url for url in session.requests if not url.startswith(served.base_url)]
    assert outside == [], f"requests outside the site (CDN or wrong base path): {outside}"


def papers_json(served: ServedSite) -> list[dict[str, Any]]:
    return json.loads((served.folder / "papers.json").read_text(encoding="utf-8"))["papers"]


def test_user_goes_from_home_to_a_paper_and_to_the_day(visit: Visit) -> None:
    page, base = visit.page, visit.served.base_url
    response = page.goto(base)
    assert response is not None and response.status == 200
    assert "Test Digest" in page.title()
    day_iso = page.locator("ol.cards").first.get_attribute("data-day")  # home is the newest day

    paper_link = page.locator("main .card .t a").first
    title = paper_link.inner_text()
    paper_link.click()
    page.wait_for_url(re.compile(re.escape(base) + r"papers/[^/]+/$"))
    assert page.locator("h1").inner_text() == title
    assert page.locator(f".appearances a[href$='/days/{day_iso}/']").count() >= 1
    assert page.locator(".links a").count() >= 1
    page.locator(f".crumbs a[href$='/days/{day_iso}/']").click()
    page.wait_for_url(f"{base}days/{day_iso}/")
    assert page.locator("h1 time").get_attribute("datetime") == day_iso
    assert visit.errors == []


def test_returning_papers_are_collapsed_and_link_to_their_first_day(visit: Visit) -> None:
    page, base = visit.page, visit.served.base_url
    day = next(p for p in sorted(Path(visit.served.folder, "days").iterdir()) if p.is_dir() and "returning" in (p / "index.html").read_text())
    page.goto(f"{base}days/{day.name}/")
    details = page.locator("details.returning")
    first_seen = details.locator(".also a").first
    assert not first_seen.is_visible()
    details.locator("> summary").click()
    assert first_seen.is_visible()
    target = first_seen.locator("time").get_attribute("datetime")
    assert target is not None and target < day.name
    first_seen.click()
    page.wait_for_url(f"{base}days/{target}/")


def test_user_follows_a_topic(visit: Visit) -> None:
    page, base = visit.page, visit.served.base_url
    page.goto(base + "topics/")
    topics = page.locator(".topics-table tbody th a")
    if topics.count() == 0:
        pytest.skip("this build has no topics yet (Site.topics is empty), so there is no topic to follow")
    name = topics.first.inner_text()
    topics.first.click()
    page.wait_for_url(re.compile(re.escape(base) + r"topics/[^/]+/$"))
    assert name in page.locator("h1").inner_text()
    page.locator("main .card .t a").first.click()
    page.wait_for_url(re.compile(re.escape(base) + r"papers/[^/]+/$"))


def test_user_finds_a_paper_by_search(visit: Visit) -> None:
    page, base = visit.page, visit.served.base_url
    wanted = next(p for p in papers_json(visit.served) if len(p["title"].split()) >= 5)
    query = " ".join(w.lower() for w in re.findall(r"[A-Za-z]{5,}", wanted["title"])[:3])
    page.goto(base)
    page.get_by_role("link", name="Search").first.click()
    page.wait_for_url(f"{base}search/")
    page.get_by_role("searchbox").first.fill(query)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(base) + r"search/\?q="))
    page.wait_for_selector("#search-results li")
    page.wait_for_selector("#search-results:not([aria-busy])")  # results come in one by one; the list is busy until the last
    results = page.locator("#search-results .paper-title a")
    assert wanted["title"] in results.all_inner_texts()
    assert "match" in page.locator("#search-status").inner_text()

    page.locator("#search-q").fill(query[:-2])  # typing narrows live, prefixes match too
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 0")
    results.filter(has_text=wanted["title"]).first.click()
    page.wait_for_url(f"{base}papers/{wanted['id']}/")

    page.goto(f"{base}search/?q=zzzqqxnotaword")
    page.wait_for_function("document.getElementById('search-status').textContent.includes('No paper')")
    assert page.locator("#search-results li").count() == 0
    assert visit.errors == []


def test_keyboard_user_can_skip_to_content_and_reach_the_nav(visit: Visit) -> None:
    page = visit.page
    page.goto(visit.served.base_url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.goto(visit.served.base_url)
    labels = []
    for _ in range(6):
        page.keyboard.press("Tab")
        labels.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert "Archive" in labels and "Search" in labels
    assert page.locator("header, main, footer, nav").count() >= 4


def test_dark_mode_and_phone_layout(browser: Any, served: ServedSite) -> None:
    light = Visit(browser, served, viewport={"width": 1200, "height": 900}, color_scheme="light")
    dark = Visit(browser, served, viewport={"width": 390, "height": 844}, color_scheme="dark", device_scale_factor=2)
    try:
        backgrounds = []
        for session in (light, dark):
            session.page.goto(served.base_url + "archive/")
            backgrounds.append(session.page.evaluate("getComputedStyle(document.body).backgroundColor"))
        assert backgrounds[0] != backgrounds[1]
        dark.screenshot("archive-dark-phone.png", full_page=False)
        for location in ("", "archive/", "search/", "about/"):
            dark.page.goto(served.base_url + location)
            overflow = dark.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{location or 'home'} scrolls sideways on a phone by {overflow}px"
        paper = papers_json(served)[0]
        dark.page.goto(f"{served.base_url}papers/{paper['id']}/")
        dark.screenshot("paper-dark-phone.png", full_page=False)
    finally:
        light.close()
        dark.close()


def test_missing_page_shows_the_404_page_with_working_links(visit: Visit) -> None:
    page, base = visit.page, visit.served.base_url
    response = page.goto(f"{base}papers/no-such-paper/")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    page.get_by_role("link", name="the archive").click()
    page.wait_for_url(f"{base}archive/")
    assert page.locator(".month-days a").count() >= 1


# The morning read (issue 29): the 2026 sample, every API field, served under /repo/ like the sample.

AXE_JS = REPO_ROOT / ".test-tools" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Each violation with the first few elements it was found on; the rules run are counted, so a check that ran none fails.
AXE_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r =>
  r.passes.length ? r.violations.map(v => [v.id, v.nodes.map(n => n.target.join(' ')).slice(0, 3)]) : [['no rule ran', []]])"""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# A 1x1 PNG: what the thumbnails' host answers in these tests, which never reach the internet.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d494441"
    "5478da63f8cfc0f01f0005000201a3a3b5a70000000049454e44ae426082"
)


def served_2026(folder: Path) -> AbstractContextManager[ServedSite]:
    """The 2026 sample (today's API shape, every field) served under SUBPATH."""

    def prepare(base_url: str) -> Path:
        with tarfile.open(REPO_ROOT / "tests" / "data" / "hf-daily-2026-sample.tar.xz") as archive:
            archive.extractall(folder, filter="data")
        (folder / "content").mkdir()
        (folder / "hf-daily-2026-sample").rename(folder / "content" / "dumps")
        (folder / "digest.yaml").write_text(f"title: Morning Read\nbase_url: {base_url}\n", encoding="utf-8")
        return folder

    return served_project(prepare)


@pytest.fixture(scope="module")
def served26(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    with served_2026(tmp_path_factory.mktemp("morning")) as site:
        yield site


class Reader(Visit):
    """A visit to the 2026 sample; thumbnails (the one thing a page asks another host for) get a local pixel."""

    def __init__(self, browser: Any, served: ServedSite, **context: Any) -> None:
        super().__init__(browser, served, **context)
        self.thumbnails: list[str] = []
        self.context.route(re.compile(r"^https://cdn-thumbnails\.huggingface\.co/"), self.thumbnail)

    def thumbnail(self, route: Any) -> None:
        self.thumbnails.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=PIXEL)

    def outside(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.served.base_url) and url not in self.thumbnails]


@pytest.fixture
def reader(browser: Any, served26: ServedSite) -> Iterator[Reader]:
    session = Reader(browser, served26, viewport=DESKTOP)
    yield session
    session.close()
    assert session.outside() == []
    assert session.errors == []


def newest_day(served: ServedSite) -> str:
    return max(p.name for p in (served.folder / "days").iterdir() if p.is_dir())


def a_paper_with_neighbours(served: ServedSite) -> str:
    page = (served.folder / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<h2 class="t"><a href="[^"]*/papers/([^/"]+)/">', page)[1]


def test_the_view_is_remembered_across_pages(reader: Reader) -> None:
    page, base = reader.page, reader.served.base_url
    page.goto(base)
    summary = page.locator(".card .ai").first
    assert summary.is_visible()
    toggle = page.get_by_role("button", name="Compact view")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert not summary.is_visible()
    assert page.locator(".card .t").first.is_visible() and page.locator(".card .n").first.is_visible()  # titles and counts stay
    page.locator(".pager a[rel=prev]").click()  # the day before, a page load
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.dataset.view") == "compact"
    assert not page.locator(".card .ai").first.is_visible()
    assert page.get_by_role("button", name="Compact view").get_attribute("aria-pressed") == "true"
    page.get_by_role("button", name="Compact view").click()
    page.goto(base)
    assert page.locator(".card .ai").first.is_visible()


def test_sorting_by_upvotes_and_back_to_listing_order(reader: Reader) -> None:
    page = reader.page
    page.goto(reader.served.base_url)
    listing = page.eval_on_selector_all("ol.cards[data-day] > .card .t a", "links => links.map(a => a.textContent)")
    page.locator("select.sort").select_option("up")
    votes = page.eval_on_selector_all("ol.cards[data-day] > .card", "cards => cards.map(c => Number(c.dataset.up))")
    assert votes == sorted(votes, reverse=True)
    page.reload()  # remembered
    assert page.eval_on_selector_all("ol.cards[data-day] > .card", "cards => cards.map(c => Number(c.dataset.up))") == votes
    page.locator("select.sort").select_option("listing")
    assert page.eval_on_selector_all("ol.cards[data-day] > .card .t a", "links => links.map(a => a.textContent)") == listing


def test_j_and_k_move_between_cards_x_expands_and_o_opens(reader: Reader) -> None:
    page = reader.page
    page.goto(reader.served.base_url)
    titles = page.eval_on_selector_all("ol.cards[data-day] > .card .t a", "links => links.map(a => a.textContent)")
    focused = "document.activeElement.textContent"
    page.keyboard.press("j")
    assert page.evaluate(focused) == titles[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate(focused) == titles[2]
    page.keyboard.press("k")
    assert page.evaluate(focused) == titles[1]
    abstract = page.locator(".card").nth(1).locator("details")
    assert abstract.get_attribute("open") is None
    page.keyboard.press("x")
    assert abstract.get_attribute("open") is not None
    page.keyboard.press("x")
    assert abstract.get_attribute("open") is None
    page.keyboard.press("o")
    page.wait_for_url(re.compile(r".*/papers/[^/]+/$"))
    assert page.locator("h1").inner_text() == titles[1]


def test_bibtex_is_copied_from_the_paper_page(browser: Any, served26: ServedSite) -> None:
    session = Reader(browser, served26, viewport=DESKTOP)
    try:
        session.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served26.base_url.split("/repo/")[0])
        page = session.page
        paper_id = a_paper_with_neighbours(served26)
        page.goto(f"{served26.base_url}papers/{paper_id}/")
        shown = page.locator("#bibtex").inner_text()
        assert shown.startswith(f"@misc{{{paper_id},")
        page.get_by_role("button", name="Copy BibTeX").click()
        page.wait_for_function("document.querySelector('button.copy').textContent === 'Copied'")
        assert page.evaluate("navigator.clipboard.readText()") == page.evaluate("document.getElementById('bibtex').textContent")
        file = (served26.folder / "papers" / paper_id / "cite.bib").read_text(encoding="utf-8")
        assert file.strip() == page.evaluate("document.getElementById('bibtex').textContent").strip()
        # previous and next paper of the day
        page.locator(".pager a[rel=next]").click()
        page.wait_for_url(re.compile(r".*/papers/[^/]+/$"))
        page.locator(".pager a[rel=prev]").click()
        page.wait_for_url(f"{served26.base_url}papers/{paper_id}/")
        assert session.errors == []
    finally:
        session.close()


def test_papers_new_since_the_last_visit_are_marked(browser: Any, served26: ServedSite) -> None:
    session = Reader(browser, served26, viewport=DESKTOP)
    try:
        base = served26.base_url
        first = session.page
        first.goto(f"{base}days/2026-08-19/")
        assert first.locator(".card.is-new").count() == 0  # a first visit marks nothing
        later = session.context.new_page()  # a new tab: a new session of the same reader
        later.goto(base)
        newest = newest_day(served26)
        marked = later.eval_on_selector_all(".card.is-new", "cards => cards.map(c => c.dataset.d)")
        assert marked and all(day > "2026-08-19" for day in marked)
        assert later.locator(".card").count() == len(marked)  # every card of the newest day is new
        later.goto(f"{base}days/2026-08-19/")
        assert later.locator(".card.is-new").count() == 0
        assert newest > "2026-08-19"
    finally:
        session.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_home_shows_its_first_card_above_the_fold(browser: Any, served26: ServedSite, viewport: dict[str, int]) -> None:
    session = Reader(browser, served26, viewport=viewport)
    try:
        session.page.goto(served26.base_url)
        box = session.page.locator(".card").first.locator(".t").bounding_box()
        assert box is not None and box["y"] + box["height"] <= viewport["height"], box
    finally:
        session.close()


def test_touch_targets_are_at_least_24px_tall(browser: Any, served26: ServedSite) -> None:
    for viewport in (DESKTOP, PHONE):
        session = Reader(browser, served26, viewport=viewport)
        try:
            session.page.goto(served26.base_url)
            small = session.page.eval_on_selector_all(
                "header a, .crumbs a, .lede a, .tools button, .tools select, .card .t a, .card .m a, .card summary, .chips a, .also a, .pager a, footer a",
                "els => els.filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 24).map(e => e.outerHTML)",
            )
            assert small == [], (viewport, small[:5])
        finally:
            session.close()


def test_a_card_has_at_most_two_tab_stops(reader: Reader) -> None:
    page = reader.page
    page.goto(reader.served.base_url)
    first_title = page.locator(".card .t a").first
    first_title.focus()
    stops = []
    for _ in range(6):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("[...document.querySelectorAll('.card')].indexOf(document.activeElement.closest('.card'))"))
    assert stops[:4] == [0, 1, 1, 2]  # the first card's <summary>, then each card's title and <summary>


PAGE_KINDS = {
    "home": "",
    "day": "days/2026-08-19/",
    "paper": None,  # a paper of the newest day
    "topic": None,  # the first topic
    "search": "search/?q=agent",
    "archive": "archive/",
    "week": "weeks/2026-W34/",
    "month": "months/2026-08/",
    "how": "how/",
}


def location_of(kind: str, served: ServedSite) -> str:
    if kind == "paper":
        return f"papers/{a_paper_with_neighbours(served)}/"
    if kind == "topic":
        topics = (served.folder / "topics" / "index.html").read_text(encoding="utf-8")
        return re.findall(r'href="/repo/(topics/[^/"]+/)"', topics)[0]
    return PAGE_KINDS[kind] or ""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_axe_finds_no_violation_on_any_page_kind(browser: Any, served26: ServedSite, viewport: dict[str, int], scheme: str) -> None:
    if not AXE_JS.is_file():
        missing_tool(f"axe-core is not installed at {AXE_JS}")
    session = Reader(browser, served26, viewport=viewport, color_scheme=scheme)
    try:
        found = {}
        for kind in PAGE_KINDS:
            session.page.goto(served26.base_url + location_of(kind, served26))
            if kind == "search":
                session.page.wait_for_selector("#search-results li")
                session.page.wait_for_selector("#search-results:not([aria-busy])")
            session.page.add_script_tag(path=str(AXE_JS))
            result = session.page.evaluate(AXE_RUN, AXE_TAGS)
            if result:
                found[kind] = result
        assert found == {}
    finally:
        session.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_screenshots_of_each_page_kind(browser: Any, served26: ServedSite, viewport: dict[str, int]) -> None:
    """For a person to look at: home, day, paper, topic and search at both widths (tests/artifacts/home.png is the README's)."""
    session = Reader(browser, served26, viewport=viewport, device_scale_factor=1)
    suffix = "" if viewport is DESKTOP else "-phone"
    try:
        for kind in ("home", "day", "paper", "topic", "search"):
            session.page.goto(served26.base_url + location_of(kind, served26))
            if kind == "search":
                session.page.wait_for_selector("#search-results li")
                session.page.wait_for_selector("#search-results:not([aria-busy])")
            session.page.evaluate("document.fonts.ready")
            session.screenshot(f"{kind}{suffix}.png", full_page=False)
        assert session.errors == []
    finally:
        session.close()
