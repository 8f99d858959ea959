"""Watches: which papers a watch matches, and how digest.yaml's watch: section is checked."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.config import parse_config
from generator.model import Account, Appearance, Paper
from generator.pipeline.watches import Watch, author_matches, matching

DAY = dt.date(2026, 8, 17)


def paper(
    pid: str, authors: tuple[str, ...] = (), title: str = "A title", abstract: str = "", org: Account | None = None, keywords: tuple[str, ...] = ()
) -> Paper:
    return Paper(pid, title, abstract, (Appearance(DAY, "dumps/x.json", 1, 1, title),), authors=authors, organization=org, ai_keywords=keywords)


@pytest.mark.parametrize(
    ("watched", "author"),
    [
        ("Yann LeCun", "Yann LeCun"),
        ("LeCun, Yann", "Yann LeCun"),
        ("Y. LeCun", "Yann LeCun"),
        ("Yann LeCun", "Y. LeCun"),
        ("yann lecun", "Yann A. LeCun"),
        ("Chloé Dupont", "Chloe Dupont"),
        ("Chloe Dupont", "CHLOÉ DUPONT"),
        ("Łukasz Kaiser", "Lukasz Kaiser"),
        ("LeCun Yann", "Yann LeCun"),
        ("Jean-Pierre Martin", "J. P. Martin"),
    ],
)
def test_author_names_match_across_accents_initials_and_order(watched: str, author: str) -> None:
    assert author_matches(watched, author)


@pytest.mark.parametrize(
    ("watched", "author"),
    [
        ("Yann LeCun", "Yann Dauphin"),
        ("Yann LeCun", "Xavier LeCun"),
        ("Y. LeCun", "X. LeCun"),
        ("Yann LeCun", "LeCun"),
        ("Li Wang", "Lin Wang"),
        ("Yann LeCun", ""),
    ],
)
def test_other_people_do_not_match(watched: str, author: str) -> None:
    assert not author_matches(watched, author)


def test_each_kind_matches_exactly_its_papers_in_order() -> None:
    papers = (
        paper("a", authors=("Yann LeCun", "Other One")),
        paper("b", authors=("Y. LeCun",), title="World-Models for agents"),
        paper("c", org=Account("deepseek-ai", "DeepSeek"), abstract="We train a world model."),
        paper("d", authors=("Yann Dauphin",), keywords=("World Models",)),
        paper("e", title="Worldwide modelling", org=Account("other", "Other")),
    )
    assert matching(Watch("author", "LeCun, Yann"), papers) == ("a", "b")
    assert matching(Watch("org", "DeepSeek-AI"), papers) == ("c",)
    assert matching(Watch("org", "deepseek"), papers) == ("c",)  # the shown name, too
    assert matching(Watch("keyword", "world model"), papers) == ("b", "c", "d")


def test_slugs_name_the_kind_and_stay_in_one_folder() -> None:
    assert Watch("author", "LeCun, Yann").slug == "author-lecun-yann"
    assert Watch("keyword", "../../etc").slug == "keyword-etc"
    assert Watch("keyword", "世界模型").slug.startswith("keyword-")
    assert "/" not in Watch("org", "a/b").slug


def test_the_watch_section_is_read_and_its_mistakes_point_at_their_line() -> None:
    text = "title: x\nwatch:\n  authors: [\"LeCun, Yann\"]\n  orgs: deepseek-ai\n  keywords: [world model]\n"
    config, problems = parse_config(text, "digest.yaml", Path("."))
    assert problems == []
    assert config.watch == (Watch("author", "LeCun, Yann"), Watch("org", "deepseek-ai"), Watch("keyword", "world model"))

    _, problems = parse_config("watch:\n  authors: [a]\n  author: [x]\n", "digest.yaml", Path("."))
    assert [(p.line, p.message, p.hint) for p in problems] == [(3, "unknown watch key 'author'", "did you mean 'authors'?")]
    _, problems = parse_config("title: t\nwatch: [a, b]\n", "digest.yaml", Path("."))
    assert problems[0].line == 2 and "mapping" in problems[0].message
    _, problems = parse_config("watch:\n  keywords:\n    - world model\n    - World  Model\n", "digest.yaml", Path("."))
    assert problems[0].line == 2 and "twice" in problems[0].message
    _, problems = parse_config("watch:\n  orgs: [\"\"]\n", "digest.yaml", Path("."))
    assert problems[0].line == 2 and "not a name" in problems[0].message


def test_cards_of_watched_papers_carry_the_watch_and_no_other_card_does(sample_2026_project: Path) -> None:
    config = sample_2026_project / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8") + 'watch:\n  authors: ["Yijiang Li"]\n  orgs: [google]\n', encoding="utf-8")
    subprocess.run([sys.executable, "-m", "generator", "build", "--quiet"], cwd=sample_2026_project, check=True)
    site = sample_2026_project / "site"
    papers = json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]
    expected = {p["id"] for p in papers if "Yijiang Li" in p["authors"] or (p["organization"] or {}).get("name") == "google"}
    assert len(expected) >= 5
    watched = set()
    for page in (site / "days").glob("*/index.html"):
        for card in re.findall(r'<li class="card[^"]*"[^>]*>.*?</li>\n', page.read_text(encoding="utf-8"), re.S):
            paper_id = re.search(r'href="/daily/papers/([^/]+)/"', card)[1]
            if 'class="card watched"' in card:
                watched.add(paper_id)
                assert "Author: Yijiang Li" in card or "Organization: google" in card
    assert watched == expected
