"""A user in headless Chromium: home -> day -> paper -> topic, and search, on a site served under /repo/.

Screenshots land in tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tools.site_under_test import CHROMIUM, REPO_ROOT, ServedSite, missing_tool, served_sample

ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    with served_sample(tmp_path_factory.mktemp("browser")) as site:
        yield site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        missing_tool(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_tool("the playwright Python package is missing (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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


def test_user_goes_from_home_to_a_day_to_a_paper(visit: Visit) -> None:
    page, base = visit.page, visit.served.base_url
    response = page.goto(base)
    assert response is not None and response.status == 200
    assert "Test Digest" in page.title()
    visit.screenshot("home.png")

    day_link = page.locator(".day-heading a").first
    day_iso = day_link.locator("time").get_attribute("datetime")
    day_link.click()
    page.wait_for_url(f"{base}days/{day_iso}/")
    assert page.locator("h1 time").get_attribute("datetime") == day_iso
    visit.screenshot("day.png")

    paper_link = page.locator("main .papers .paper-title a").first
    title = paper_link.inner_text()
    paper_link.click()
    page.wait_for_url(re.compile(re.escape(base) + r"papers/[^/]+/$"))
    assert page.locator("h1").inner_text() == title
    assert page.locator(f".appearances a[href$='/days/{day_iso}/']").count() >= 1
    assert page.locator(".links a").count() >= 1
    visit.screenshot("paper.png")
    assert visit.errors == []


def test_returning_papers_are_collapsed_and_link_to_their_first_day(visit: Visit) -> None:
    page, base = visit.page, visit.served.base_url
    day = next(p for p in sorted(Path(visit.served.folder, "days").iterdir()) if p.is_dir() and "returning" in (p / "index.html").read_text())
    page.goto(f"{base}days/{day.name}/")
    details = page.locator("details.returning")
    first_seen = details.locator(".meta a").first
    assert not first_seen.is_visible()
    details.locator("summary").click()
    assert first_seen.is_visible()
    target = first_seen.locator("time").get_attribute("datetime")
    assert target is not None and target < day.name
    first_seen.click()
    page.wait_for_url(f"{base}days/{target}/")


def test_user_follows_a_topic(visit: Visit) -> None:
    page, base = visit.page, visit.served.base_url
    page.goto(base)
    topics = page.locator(".topic-list a")
    if topics.count() == 0:
        pytest.skip("this build has no topics yet (Site.topics is empty), so there is no topic to follow")
    name = topics.first.inner_text()
    topics.first.click()
    page.wait_for_url(re.compile(re.escape(base) + r"topics/[^/]+/$"))
    assert name in page.locator("h1").inner_text()
    visit.screenshot("topic.png")
    page.locator("main .paper-title a, main .papers a").first.click()
    page.wait_for_url(re.compile(re.escape(base) + r"papers/[^/]+/$"))


def test_user_finds_a_paper_by_search(visit: Visit) -> None:
    page, base = visit.page, visit.served.base_url
    wanted = next(p for p in papers_json(visit.served) if len(p["title"].split()) >= 5)
    query = " ".join(w.lower() for w in re.findall(r"[A-Za-z]{5,}", wanted["title"])[:3])
    page.goto(base)
    page.get_by_role("searchbox").first.fill(query)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(base) + r"search/\?q="))
    page.wait_for_selector("#search-results li")
    results = page.locator("#search-results .paper-title a")
    assert wanted["title"] in results.all_inner_texts()
    assert "match" in page.locator("#search-status").inner_text()
    visit.screenshot("search.png")

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
