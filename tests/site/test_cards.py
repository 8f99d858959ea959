"""Cards show every field the feed gives and nothing a reader should not see; the `thumbnails` setting."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.build import build_site
from generator.config import load_config

CARD = re.compile(r'<li class="card"[^>]*>.*?</li>\n(?=<li class="card"|</ol>)', re.S)


def build(project: Path) -> dict[str, bytes]:
    config, problems = load_config(None, project)
    assert problems == [], [p.format() for p in problems]
    result = build_site(config, project)
    assert result.errors == (), [p.format() for p in result.errors]
    return result.files


@pytest.fixture
def sample_2026(sample_2026_project: Path) -> dict[str, bytes]:
    return build(sample_2026_project)


def cards_of(page: str) -> list[str]:
    return CARD.findall(page)


def tab_stops(card: str) -> int:
    """Links and controls a Tab reaches in a card as it first shows: what a closed <details> holds is skipped."""
    shown = re.sub(r"<details>.*?</details>", "<details><summary></summary></details>", card, flags=re.S)
    links = [tag for tag in re.findall(r"<a\b[^>]*>", shown) if 'tabindex="-1"' not in tag]
    return len(links) + shown.count("<summary") + shown.count("<button")


def test_a_2026_card_shows_every_field_the_feed_gives(sample_2026: dict[str, bytes]) -> None:
    papers = {p["id"]: p for p in json.loads(sample_2026["papers.json"])["papers"]}
    day = sample_2026["days/2026-08-20/index.html"].decode("utf-8")
    cards = cards_of(day)
    assert len(cards) == 15
    for card in cards:
        paper_id = re.search(r'href="/daily/papers/([^/"]+)/"', card)[1]  # type: ignore[index]
        paper = papers[paper_id]
        authors = paper["authors"]
        shown = ", ".join(f"<bdi>{name}</bdi>" for name in authors[:3])
        assert shown in card
        if len(authors) > 3:
            assert f"+{len(authors) - 3}" in card and f"<bdi>{authors[-1]}</bdi>" in card.split("<details>", 1)[1]
        if paper.get("organization"):
            assert f'<span class="org"><bdi>{paper["organization"]["fullname"]}</bdi></span>' in card
        assert f'{paper["upvotes"]} upvote' in card
        if paper.get("comments"):
            assert f'{paper["comments"]} comment' in card
        arxiv = paper["arxiv_id"]
        for link in (f"https://arxiv.org/abs/{arxiv}", f"https://arxiv.org/pdf/{arxiv}", f"https://huggingface.co/papers/{arxiv}"):
            assert f'href="{link}"' in card
        if paper.get("github_repo"):
            assert f'href="{paper["github_repo"]}"' in card
        if paper.get("project_page"):
            assert f'href="{paper["project_page"]}">Project</a>' in card
        if paper.get("thumbnail"):
            img = re.search(r"<img [^>]*>", card)[0]  # type: ignore[index]
            for attribute in (f'src="{paper["thumbnail"]}"', 'alt=""', 'width="160"', 'height="90"', 'loading="lazy"', 'referrerpolicy="no-referrer"'):
                assert attribute in img
        if paper.get("ai_summary"):
            assert '<p class="ai"><span class="lbl">AI summary</span> ' in card
        assert "<details><summary>Abstract</summary>" in card
        chips = re.findall(r'<li><a tabindex="-1" href="/daily/topics/([^/"]+)/">([^<]+)</a>', card)
        assert [slug for slug, _ in chips] == [t["slug"] for t in paper["topics"]][:3]
        assert all(name != slug for slug, name in chips if slug != "other")  # topics by name, not by slug
        assert tab_stops(card) <= 2, card


def test_every_card_everywhere_has_at_most_two_tab_stops(sample_2026: dict[str, bytes]) -> None:
    counted = 0
    for path, data in sample_2026.items():
        if path.endswith(".html"):
            for card in cards_of(data.decode("utf-8")):
                assert tab_stops(card) <= 2, (path, card)
                counted += 1
    assert counted > 300


def test_cards_of_text_dumps_show_no_empty_fields(sample_project: Path) -> None:
    files = build(sample_project)
    day = files["days/2025-03-14/index.html"].decode("utf-8")
    cards = cards_of(day)
    assert cards
    for card in cards:
        assert "upvote" not in card and "<img" not in card and 'class="by"' not in card and "AI summary" not in card
        assert '<span class="n"></span>' in card  # no counts: the line holds no stray separator
        assert "Search arXiv" not in card


def test_thumbnails_can_be_turned_off(sample_2026_project: Path) -> None:
    config = sample_2026_project / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "thumbnails: false\n", encoding="utf-8")
    files = build(sample_2026_project)
    assert not any(b"<img" in data for path, data in files.items() if path.endswith(".html"))


def test_a_thumbnails_setting_that_is_not_true_or_false_is_a_located_error(sample_2026_project: Path) -> None:
    config = sample_2026_project / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "thumbnails: maybe\n", encoding="utf-8")
    _, problems = load_config(None, sample_2026_project)
    assert [p.format() for p in problems] == [f"{config}:3: error: thumbnails must be true or false, not 'maybe' (hint: e.g. 'thumbnails: false')"]


INTERNALS = re.compile(r"dumps/|\.(?:json|txt):?\d*\b(?! ?[Ff]eed)| line \d|Matched|\bfuzzy\b|exact-title|arxiv-id|score[:= ]+\d|\w\*")


def assert_no_internals(files: dict[str, bytes]) -> None:
    for path, data in files.items():
        if path.endswith((".html", ".md")) and path != "how/index.html":
            text = re.sub(r"<details>.*?</details>|<p>.*?</p>", "", data.decode("utf-8"), flags=re.S)  # abstracts may say anything
            found = INTERNALS.findall(re.sub(r"<[^>]*>", " ", text))  # what a reader reads: our own file links are attributes
            assert found == [], (path, found)


def test_readers_of_the_2026_sample_see_no_build_internals_outside_the_how_page(sample_2026: dict[str, bytes]) -> None:
    assert_no_internals(sample_2026)


def test_readers_of_text_dumps_see_no_build_internals_outside_the_how_page(sample_project: Path) -> None:
    assert_no_internals(build(sample_project))


def test_card_filters_give_what_their_template_forms_gave() -> None:
    """other_days is `paper.days | reject('equalto', date) | list`; topic_name is `dict(names).get(slug, slug)`."""
    import datetime as dt

    from generator.model import Appearance, Paper
    from generator.site.render import other_days, topic_namer

    days = [dt.date(2025, 3, d) for d in (4, 1, 4, 2)]
    listed = tuple(Appearance(day, "d.json", 1, 1, "T") for day in days)
    for appearances in (listed, listed[:1]):
        paper = Paper(id="p", title="T", abstract="", appearances=appearances)
        for date in (*days, dt.date(2025, 3, 9)):
            assert other_days(paper, date) == tuple(day for day in paper.days if day != date)
    topic_name = topic_namer()
    names = (("nlp", "Language"), ("cv", "Vision"))
    assert [topic_name(slug, names) for slug in ("cv", "gone", "nlp")] == ["Vision", "gone", "Language"]
    assert topic_name("cv", (("cv", "Seeing"),)) == "Seeing"  # other pairs: their own names
