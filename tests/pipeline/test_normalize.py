"""Keys and ids: letters of every script are kept, an empty key matches nothing, and no two titles share an id."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from generator.cli import main
from generator.model import Entry
from generator.pipeline.dedupe import dedupe
from generator.pipeline.normalize import normalize_title, paper_id_for, slugify

NON_LATIN = [
    ("Большие языковые модели", "Первая статья о моделях."),
    ("Диффузионные модели", "Вторая статья о диффузии."),
    ("大型语言模型", "第一篇文章。"),
    ("扩散模型", "第二篇文章。"),
    ("!!!", "A paper whose title has no letter at all."),
    ("???", "Another paper whose title has no letter at all."),
]


def entry(title: str, abstract: str, rank: int, arxiv_id: str | None = None) -> Entry:
    return Entry(date=dt.date(2024, 4, 20), rank=rank, title=title, abstract=abstract, source="dumps/2024-04-20.json", line=rank, arxiv_id=arxiv_id)


def test_letters_of_every_script_are_kept() -> None:
    assert normalize_title("Большие Языковые Модели!") == "большие языковые модели"
    assert normalize_title("大型语言模型") == "大型语言模型"
    assert normalize_title("!!!") == ""


def test_titles_without_latin_letters_stay_separate_papers() -> None:
    papers = dedupe([entry(title, abstract, rank) for rank, (title, abstract) in enumerate(NON_LATIN, start=1)]).papers
    assert [p.title for p in papers] == [title for title, _ in NON_LATIN]
    assert len({p.id for p in papers}) == len(NON_LATIN)


def test_an_empty_key_never_matches_even_with_the_same_abstract_opening() -> None:
    abstract = "We study a problem at length. " * 10
    papers = dedupe([entry("!!!", abstract + "First.", 1), entry("???", abstract + "Second.", 2)]).papers
    assert len(papers) == 2


def test_ids_are_readable_and_never_a_shared_untitled() -> None:
    assert paper_id_for("Большие языковые модели").startswith("bolshie-yazykovye-modeli-")
    assert paper_id_for("大型语言模型").startswith("da")
    assert paper_id_for("!!!", "2405.20541").startswith("2405-20541-")
    assert paper_id_for("!!!") != paper_id_for("???")
    assert "untitled" not in paper_id_for("!!!")


@pytest.mark.parametrize(
    ("title", "known_id"),
    [
        # ids made before letters of other scripts were kept: a published URL never changes
        ("α-Diffusion: A Study", "diffusion-a-study-ae0ccb"),
        ("LLM$\\times$MapReduce: Simplified Long-Sequence Processing", "llmtimesmapreduce-simplified-long-sequence-ef562a"),
        ("Café “Quotes” — Dashes", "cafe-quotes-dashes-547af3"),
    ],
)
def test_ids_of_titles_with_latin_letters_do_not_change(title: str, known_id: str) -> None:
    assert paper_id_for(title) == known_id


def test_slugs_are_ascii() -> None:
    assert slugify("Модели и данные") == "modeli-i-dannye"
    assert slugify("!!!") == ""


def test_a_json_dump_of_non_latin_titles_builds_every_paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dumps = tmp_path / "content" / "dumps"
    dumps.mkdir(parents=True)
    items = [{"title": title, "summary": abstract} for title, abstract in NON_LATIN]
    (dumps / "2024-04-20.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--quiet"]) == 0
    papers = json.loads((tmp_path / "site" / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert sorted(p["title"] for p in papers) == sorted(title for title, _ in NON_LATIN)
    for paper in papers:
        assert (tmp_path / "site" / "papers" / paper["id"] / "index.html").is_file()
