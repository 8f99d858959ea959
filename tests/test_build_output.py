"""What a build writes: pages, Markdown mirrors, papers.json, links, traceability."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.build import build_site
from generator.config import load_config
from generator.site.output import write_atomic
from tests.conftest import REPO_ROOT, SEEDS


class LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def build(project: Path) -> Path:
    config, problems = load_config(None, project)
    assert problems == []
    result = build_site(config, project)
    assert result.errors == ()
    write_atomic(config.output_dir, result.files)
    return config.output_dir


def internal_targets(site: Path, base_path: str) -> list[tuple[Path, str]]:
    """Every root-relative link in every HTML page, as (page, link)."""
    found = []
    for page in sorted(site.rglob("*.html")):
        collector = LinkCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        found.extend((page, link) for link in collector.links if link.startswith("/"))
    return found


def resolve(site: Path, base_path: str, link: str) -> Path | None:
    path = urlsplit(link).path
    if not path.startswith(base_path):
        return None
    relative = path[len(base_path) :]
    target = site / relative
    return target / "index.html" if relative == "" or relative.endswith("/") else target


@pytest.fixture
def built_sample(sample_project: Path) -> Path:
    return build(sample_project)


def test_day_pages_and_markdown_mirrors(built_sample: Path) -> None:
    days = sorted(p.name for p in (built_sample / "days").iterdir() if p.is_dir())
    assert days == ["2025-03-13", "2025-03-14", "2025-03-17", "2025-07-29", "2025-08-05"]
    for day in days:
        assert (built_sample / "days" / day / "index.html").is_file()
        markdown = (built_sample / "days" / f"{day}.md").read_text(encoding="utf-8")
        assert markdown.startswith("# ")


def test_papers_json_traces_every_seed_entry_to_its_file_and_line(built_sample: Path) -> None:
    papers = json.loads((built_sample / "papers.json").read_text(encoding="utf-8"))["papers"]
    appearances = [(a["source"], a["line"], a["title"]) for p in papers for a in p["appearances"]]
    seed_lines = {f"dumps/{s.name}": s.read_text(encoding="utf-8").splitlines() for s in SEEDS.iterdir()}

    assert len(appearances) == 398  # every seed entry, none lost, none counted twice
    assert len(set(appearances)) == len(appearances)
    for source, line, title in appearances:
        assert seed_lines[source][line - 1].strip() == title
    assert len({p["id"] for p in papers}) == len(papers)
    for paper in papers:
        assert paper["first_seen"] == min(a["date"] for a in paper["appearances"])
        assert paper["url"] == f"https://example.org/digest/papers/{paper['id']}/"
        assert set(paper) >= {"id", "title", "abstract", "topics", "first_seen", "url", "appearances"}


def test_a_paper_page_per_paper(built_sample: Path) -> None:
    papers = json.loads((built_sample / "papers.json").read_text(encoding="utf-8"))["papers"]
    pages = {p.parent.name for p in (built_sample / "papers").glob("*/index.html")}
    assert pages == {p["id"] for p in papers}
    repeated = next(p for p in papers if len({a["date"] for a in p["appearances"]}) > 1)
    page = (built_sample / "papers" / repeated["id"] / "index.html").read_text(encoding="utf-8")
    for appearance in repeated["appearances"]:
        assert f'href="/digest/days/{appearance["date"]}/"' in page


def test_every_internal_link_resolves_under_the_base_path(built_sample: Path) -> None:
    links = internal_targets(built_sample, "/digest/")
    assert len(links) > 500
    broken = []
    for page, link in links:
        target = resolve(built_sample, "/digest/", link)
        if target is None or not target.is_file():
            broken.append((page.relative_to(built_sample).as_posix(), link))
    assert broken == []


def test_returning_papers_are_listed_after_new_ones(built_sample: Path) -> None:
    papers = json.loads((built_sample / "papers.json").read_text(encoding="utf-8"))["papers"]
    returning = [p for p in papers if any(a["date"] != p["first_seen"] for a in p["appearances"])]
    assert returning, "the seeds repeat papers across days"
    paper = returning[0]
    later_day = next(a["date"] for a in paper["appearances"] if a["date"] != paper["first_seen"])
    page = (built_sample / "days" / later_day / "index.html").read_text(encoding="utf-8")
    seen_before = page.index('class="returning"')
    assert page.index(f"/digest/papers/{paper['id']}/") > seen_before
    assert f"/digest/days/{paper['first_seen']}/" in page[seen_before:]


def test_several_dumps_of_one_day_make_one_day_page(sample_project: Path) -> None:
    before = build_site(load_config(None, sample_project)[0], sample_project)
    dumps = sample_project / "content" / "dumps"
    (dumps / "extra").mkdir()
    shutil.copy(dumps / "001_cb0039ef6a4fb844.txt", dumps / "extra" / "second-export.txt")
    config, _ = load_config(None, sample_project)
    result = build_site(config, sample_project)
    [day] = [d for d in result.site.days if d.date.isoformat() == "2025-03-14"]
    assert day.sources == ("dumps/001_cb0039ef6a4fb844.txt", "dumps/extra/second-export.txt")
    assert sum(1 for path in result.files if path.startswith("days/2025-03-14")) == 3  # the page, its .md and its .bib
    assert len(result.site.papers) == len(before.site.papers)  # the copy adds appearances, not papers
    assert result.stats.entries == before.stats.entries + 61


def test_unknown_files_in_dumps_are_reported_and_skipped(sample_project: Path) -> None:
    dumps = sample_project / "content" / "dumps"
    (dumps / "notes.md").write_text("# my notes\n", encoding="utf-8")
    (dumps / ".gitkeep").write_text("", encoding="utf-8")
    config, _ = load_config(None, sample_project)
    result = build_site(config, sample_project)
    assert [p.format() for p in result.problems] == ["dumps/notes.md: warning: not a dump: unknown file type '.md', skipped (hint: dumps end in .txt or .json)"]
    assert result.stats.dumps == 5


def test_json_corpus_builds_with_arxiv_links(corpus_project: Path) -> None:
    config, _ = load_config(None, corpus_project)
    result = build_site(config, corpus_project)
    assert result.problems == ()
    assert result.stats.entries == 2202
    assert len(result.site.days) == 157
    paper = next(p for p in result.site.papers if p.arxiv_id == "2405.15738")
    page = result.files[f"papers/{paper.id}/index.html"].decode()
    assert 'href="https://arxiv.org/abs/2405.15738"' in page
    assert 'href="https://huggingface.co/papers/2405.15738"' in page
    assert "Chunjiang Ge" in page


def test_a_project_theme_overrides_a_feed_template_and_keeps_the_others(sample_project: Path) -> None:
    import subprocess
    import sys

    feeds_folder = sample_project / "themes" / "mine" / "templates" / "feeds"
    feeds_folder.mkdir(parents=True)
    rss = (REPO_ROOT / "themes" / "default" / "templates" / "feeds" / "rss.xml").read_text(encoding="utf-8")
    (feeds_folder / "rss.xml").write_text(rss.replace("{% block head %}{% endblock %}", "<language>en-x-mine</language>"), encoding="utf-8")
    (sample_project / "digest.yaml").write_text("year: 2025\ntheme: mine\n", encoding="utf-8")
    built = subprocess.run([sys.executable, "-m", "generator", "build", "--quiet"], cwd=sample_project, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    assert "<language>en-x-mine</language>" in (sample_project / "site" / "feed.xml").read_text(encoding="utf-8")
    assert "en-x-mine" not in (sample_project / "site" / "atom.xml").read_text(encoding="utf-8")
