"""Site pages: content pages from Markdown, the archive, search index, sitemap and theme overrides."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.pipeline.pages import load_pages, parse_page
from tests.tools.site_under_test import REPO_ROOT, build_project, make_project

ABOUT = (
    "---\ntitle: About us\ndescription: Who we are.\nnav: 1\n---\n\nSee [the archive](/archive/) or [arXiv](https://arxiv.org/).\n\n<script>alert(1)</script>\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(make_project(tmp_path_factory.mktemp("pages"), "https://example.org/repo/"))


def run_digest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "build", *args], cwd=project, capture_output=True, text=True, timeout=120, check=False)


def test_a_content_page_renders_markdown_without_raw_html_and_links_under_the_base_path() -> None:
    page, problems = parse_page(ABOUT, "pages/about.md", "/repo/")
    assert problems == []
    assert page is not None
    assert (page.slug, page.title, page.description, page.nav) == ("about", "About us", "Who we are.", 1)
    assert '<a href="/repo/archive/">the archive</a>' in page.body_html
    assert '<a href="https://arxiv.org/">arXiv</a>' in page.body_html
    assert "<script>" not in page.body_html and "&lt;script&gt;" in page.body_html


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no front matter\n", 1, "must start with YAML front matter"),
        ("---\ndescription: x\n---\nbody\n", 1, "needs a title"),
        ("---\ntitle: A\nlayout: wide\n---\n", 3, "unknown front matter key 'layout'"),
        ("---\ntitle: A\nslug: Not A Slug\n---\n", 3, "not usable in a URL"),
        ("---\ntitle: A\nslug: papers\n---\n", 3, "used by the generator"),
        ("---\ntitle: A\nnav: first\n---\n", 3, "nav must be a whole number"),
        ("---\ntitle: [unclosed\n---\n", 2, "invalid YAML front matter"),
    ],
)
def test_a_broken_page_is_a_problem_at_its_file_and_line(text: str, line: int, message: str) -> None:
    page, problems = parse_page(text, "pages/x.md", "/")
    assert page is None
    assert len(problems) == 1
    assert (problems[0].path, problems[0].line) == ("pages/x.md", line)
    assert message in problems[0].message
    assert problems[0].hint or "YAML" in message


def test_two_pages_with_one_slug_are_reported(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.md").write_text("---\ntitle: A\nslug: same\n---\n", encoding="utf-8")
    (tmp_path / "pages" / "b.md").write_text("---\ntitle: B\nslug: same\n---\n", encoding="utf-8")
    pages, problems = load_pages(tmp_path, "/")
    assert [p.source for p in pages] == ["pages/a.md"]
    assert [p.format() for p in problems] == ["pages/b.md:1: error: slug 'same' is already used by pages/a.md (hint: give one of them another slug)"]


def test_the_cli_fails_on_a_broken_page_with_file_and_line(sample_project: Path) -> None:
    pages = sample_project / "content" / "pages"
    pages.mkdir()
    (pages / "about.md").write_text("---\ntitle: About\nnav: top\n---\n", encoding="utf-8")
    completed = run_digest(sample_project)
    assert completed.returncode == 1
    assert "pages/about.md:3: error: nav must be a whole number" in completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
    assert not (sample_project / "site").exists()


def test_about_page_is_built_and_in_the_navigation(site: Path) -> None:
    about = (site / "about" / "index.html").read_text(encoding="utf-8")
    assert "<h1>About</h1>" in about
    home = (site / "index.html").read_text(encoding="utf-8")
    nav = re.search(r'<ul class="nav-links">(.*?)</ul>', home, re.S)
    assert nav is not None
    links = re.findall(r'href="([^"]+)"', nav.group(1))
    assert links[-3:] == ["/repo/archive/", "/repo/search/", "/repo/about/"]  # content pages come after the built-in ones
    assert 'aria-current="page"' in about.split('href="/repo/about/"', 1)[1].split(">", 1)[0]


def test_archive_lists_every_day_grouped_by_year_and_month_newest_first(site: Path) -> None:
    archive = (site / "archive" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<h2 id="year-(\d{4})">', archive) == ["2025"]
    months = re.findall(r'href="/repo/months/(\d{4}-\d{2})/"', archive)
    assert months == ["2025-08", "2025-07", "2025-03"]
    assert archive.count('<details class="month" open>') == 1  # the newest month; the others fold, so a phone scrolls little
    days = re.findall(r'href="/repo/days/(\d{4}-\d{2}-\d{2})/"', archive)
    built_days = sorted((p.name for p in (site / "days").iterdir() if p.is_dir()), reverse=True)
    assert days == built_days
    march = archive.split('href="/repo/months/2025-03/"', 1)[1]
    assert re.findall(r"days/(2025-03-\d\d)/", march) == ["2025-03-17", "2025-03-14", "2025-03-13"]


def test_home_is_the_newest_day_and_links_the_search_page(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    newest = max(p.name for p in (site / "days").iterdir() if p.is_dir())
    assert f'<ol class="cards" data-day="{newest}">' in home
    assert 'href="/repo/search/"' in home


def test_search_page_knows_where_the_index_and_papers_are(site: Path) -> None:
    page = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert 'data-index="/repo/search/index.json"' in page
    assert 'data-papers="/repo/papers/"' in page
    assert '<script src="/repo/static/search.js" defer></script>' in page


def test_builds_are_byte_for_byte_identical(tmp_path: Path, site: Path) -> None:
    again = build_project(make_project(tmp_path, "https://example.org/repo/"))
    for name in ("index.html", "archive/index.html", "search/index.json", "sitemap.xml", "robots.txt", "about/index.html"):
        assert (again / name).read_bytes() == (site / name).read_bytes(), name


def test_every_page_has_favicon_landmarks_and_one_h1(site: Path) -> None:
    assert (site / "static" / "favicon.svg").read_bytes().startswith(b"<svg")
    assert (site / ".nojekyll").is_file()
    for page in [site / "index.html", site / "404.html", site / "archive" / "index.html", *sorted(site.glob("papers/*/index.html"))[:20]]:
        html = page.read_text(encoding="utf-8")
        assert '<link rel="icon" href="/repo/static/favicon.svg" type="image/svg+xml">' in html
        for landmark in ("<header", "<main", "<footer", '<nav aria-label="Site">'):
            assert landmark in html, (page, landmark)
        assert html.count("<h1") == 1, page


def test_paper_page_links_to_arxiv_search_without_an_id(site: Path) -> None:
    papers = json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]
    paper = papers[0]
    assert paper["arxiv_id"] is None
    html = (site / "papers" / paper["id"] / "index.html").read_text(encoding="utf-8")
    assert 'href="https://arxiv.org/search/?searchtype=title&amp;query=' in html


def test_paper_page_links_to_arxiv_and_daily_papers_with_an_id(corpus_dir: Path, tmp_path: Path) -> None:
    project = tmp_path
    dumps = project / "content" / "dumps"
    dumps.mkdir(parents=True)
    day = sorted(corpus_dir.rglob("*.json"))[0]
    (dumps / day.name).write_bytes(day.read_bytes())
    (project / "digest.yaml").write_text("base_url: https://example.org/\n", encoding="utf-8")
    built = build_project(project)
    paper = json.loads((built / "papers.json").read_text(encoding="utf-8"))["papers"][0]
    html = (built / "papers" / paper["id"] / "index.html").read_text(encoding="utf-8")
    assert f'href="https://arxiv.org/abs/{paper["arxiv_id"]}"' in html
    assert f'href="https://huggingface.co/papers/{paper["arxiv_id"]}"' in html


def test_a_theme_overrides_one_template_and_one_static_file(tmp_path: Path) -> None:
    project = make_project(tmp_path, "https://example.org/")
    theme = project / "themes" / "plain"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "base.html").write_text(
        '{% extends "default/base.html" %}{% block head %}<meta name="theme" content="plain">{% endblock %}', encoding="utf-8"
    )
    (theme / "static" / "style.css").write_text("body { color: teal; }\n", encoding="utf-8")
    with (project / "digest.yaml").open("a", encoding="utf-8") as config:
        config.write("theme: plain\n")
    built = build_project(project)
    home = (built / "index.html").read_text(encoding="utf-8")
    assert '<meta name="theme" content="plain">' in home
    assert '<nav aria-label="Site">' in home  # the rest still comes from the default theme
    assert (built / "static" / "style.css").read_text(encoding="utf-8") == "body { color: teal; }\n"
    assert (built / "static" / "search.js").read_bytes() == (REPO_ROOT / "themes" / "default" / "static" / "search.js").read_bytes()


def test_the_pages_workflow_builds_at_the_pages_url_and_deploys_site() -> None:
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8"))
    build_steps = workflow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in build_steps]
    assert "actions/configure-pages" in uses and "actions/upload-pages-artifact" in uses
    run = next(step["run"] for step in build_steps if "digest build" in step.get("run", ""))
    pages_step = next(step["id"] for step in build_steps if step.get("uses", "").startswith("actions/configure-pages"))
    assert f'--base-url "${{{{ steps.{pages_step}.outputs.base_url }}}}/"' in run
    assert next(step for step in build_steps if step.get("uses", "").startswith("actions/upload-pages-artifact"))["with"]["path"] == "site/"
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages")
    assert workflow["permissions"] == {"contents": "read"}  # each job asks for what it needs (tests/test_new.py)
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


CARD = re.compile(r'<li class="card"[^>]*>\s*<h3 class="t"><a href="/repo/papers/([^/"]+)/">(.*?)</li>\s*(?=<li class="card"|</ol>)', re.S)
CHIP = re.compile(r'<li><a tabindex="-1" href="/repo/topics/([^/"]+)/">')


def test_each_card_on_a_topic_page_shows_its_own_papers_topics(site: Path) -> None:
    """The cards' topic chips are rendered once per paper and reused across topics: each card shows its own."""
    papers = json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]
    topics_of = {paper["id"]: [topic["slug"] for topic in paper["topics"]][:3] for paper in papers}
    cards = 0
    for page in sorted((site / "topics").glob("**/index.html")):
        for paper_id, body in CARD.findall(page.read_text(encoding="utf-8")):
            assert CHIP.findall(body) == topics_of[paper_id], (page, paper_id)
            cards += 1
    assert cards > len(topics_of)  # papers in several topics are on several pages


def test_a_day_page_shows_its_date_in_each_of_its_formats(site: Path) -> None:
    """strftime is remembered per date and pattern: one date in three formats on one page stays three formats."""
    import datetime as dt

    days = sorted(p for p in (site / "days").iterdir() if p.is_dir())
    assert days
    for folder in days:
        date = dt.date.fromisoformat(folder.name)
        page = (folder / "index.html").read_text(encoding="utf-8")
        assert f"<title>{date.day} {date:%B %Y} · " in page
        assert f'<a href="/repo/months/{date:%Y-%m}/">{date:%B %Y}</a>' in page
        assert f'<h1><time datetime="{date.isoformat()}">{date:%A} {date.day} {date:%B %Y}</time></h1>' in page
