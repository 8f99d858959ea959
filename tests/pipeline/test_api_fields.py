"""Every field the daily papers API gives a reader to triage by is read into the entry, as served."""

from __future__ import annotations

import json
from pathlib import Path

from generator.model import Account
from generator.pipeline.readers.hf_json import read_json_dump
from generator.problems import Severity


def read_day(sample_2026_dir: Path, day: str):
    data = (sample_2026_dir / f"{day}.json").read_bytes()
    return json.loads(data), read_json_dump(data, f"dumps/{day}.json", None)


def test_every_api_field_reaches_the_entry(sample_2026_dir: Path) -> None:
    raw, result = read_day(sample_2026_dir, "2026-08-17")
    assert result.problems == ()
    assert len(result.entries) == len(raw) == 23
    item, entry = raw[0], result.entries[0]
    paper = item["paper"]
    assert entry.arxiv_id == paper["id"] == "2608.14391"
    assert entry.upvotes == paper["upvotes"] and entry.comments == item["numComments"] == 1
    assert entry.thumbnail == item["thumbnail"]
    assert entry.organization == Account("huggingface", "Hugging Face", item["organization"]["avatar"])
    assert entry.submitted_by is not None and (entry.submitted_by.name, entry.submitted_by.fullname) == ("heisejiasuo", "Wangbo Zhao")
    assert entry.ai_summary == paper["ai_summary"] and entry.ai_summary != entry.abstract
    assert entry.ai_keywords == tuple(paper["ai_keywords"])
    assert (entry.github_repo, entry.github_stars) == (paper["githubRepo"], paper["githubStars"])
    assert entry.project_page == paper["projectPage"]
    assert entry.published == "2026-08-14"  # arXiv's date, not the day it was listed
    assert entry.listed_at == "2026-08-17T00:00:00Z"
    assert entry.abstract == " ".join(paper["summary"].split())  # the authors' abstract, never the AI summary


def test_fields_the_api_leaves_out_stay_empty(sample_2026_dir: Path) -> None:
    raw, result = read_day(sample_2026_dir, "2026-08-18")
    for item, entry in zip(raw, result.entries, strict=True):
        paper = item["paper"]
        assert (entry.github_repo is None) == ("githubRepo" not in paper)
        assert (entry.project_page is None) == ("projectPage" not in paper)
        assert (entry.ai_summary == "") == ("ai_summary" not in paper)
        assert (entry.organization is None) == ("organization" not in item and "organization" not in paper)


def test_the_2024_shape_gives_comments_thumbnail_and_listing_time(corpus_dir: Path) -> None:
    data = (corpus_dir / "2024-05-27.json").read_bytes()
    raw = json.loads(data)
    first = read_json_dump(data, "dumps/2024-05-27.json", None).entries[0]
    assert first.comments == raw[0]["numComments"]
    assert first.listed_at == raw[0]["publishedAt"][:19] + "Z"  # on the dump's own day: the moment it was listed
    assert first.ai_summary == "" and first.github_repo is None


def test_a_link_that_is_not_http_is_dropped_with_a_warning_at_its_line() -> None:
    item = {
        "paper": {
            "id": "2608.00001",
            "title": "A Paper",
            "summary": "An abstract.",
            "githubRepo": "javascript:alert(1)",
            "projectPage": "ftp://example.org/x",
        },
        "thumbnail": "https://cdn.example.org/t.png",
    }
    text = json.dumps([item], indent=1)
    result = read_json_dump(text.encode(), "dumps/2026-08-03.json", None)
    (entry,) = result.entries
    assert entry.github_repo is None and entry.project_page is None
    assert entry.thumbnail == "https://cdn.example.org/t.png"
    assert [(p.severity, p.line) for p in result.problems] == [(Severity.WARNING, 2), (Severity.WARNING, 2)]
    assert "code repository is not an http(s) URL" in result.problems[0].message
    assert "project page" in result.problems[1].message
