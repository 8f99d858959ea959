"""The dedupe rules one by one, stable ids, provenance, `digest dupes` and the report page."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from generator.config import DedupeSettings, parse_config
from generator.memo import Memo
from generator.model import Entry, Paper
from generator.pipeline.dedupe import dedupe
from generator.pipeline.normalize import compact, normalize_title

DAY = dt.date(2025, 3, 10)
ABSTRACT = (
    "Long-context language models are expensive to train because attention cost grows with the sequence length. "
    "We propose a recipe that extends the context window of a pretrained model from 4K to 128K tokens with a single short "
    "fine-tuning stage on synthetic retrieval data. Our models match full-length training on needle-in-a-haystack and "
    "long-document question answering while using one tenth of the compute, and we release code, data and checkpoints."
)
OTHER_ABSTRACT = (
    "Diffusion models generate images by iteratively denoising Gaussian noise. We study how the noise schedule interacts "
    "with image resolution and show that shifting the schedule towards higher noise levels is essential at large resolutions. "
    "With this single change, a standard U-Net reaches state-of-the-art FID on ImageNet at 512 pixels without cascades."
)


def entry(title: str, abstract: str = ABSTRACT, day: int = 0, rank: int = 1, source: str = "", arxiv_id: str | None = None) -> Entry:
    date = DAY + dt.timedelta(days=day)
    return Entry(date, rank, title, abstract, source or f"dumps/{date.isoformat()}.txt", 3 + 4 * rank, arxiv_id)


def papers_of(*entries: Entry) -> tuple[Paper, ...]:
    return dedupe(list(entries), DedupeSettings()).papers


def test_normalization_folds_entities_unicode_latex_dashes_quotes_case_and_punctuation() -> None:
    same = ["E^2-LLM: Efficient Extension", "E 2 -LLM: efficient extension.", "$E^{2}$–LLM: Efficient&nbsp;Extension", "E2-LLM:  EFFICIENT EXTENSION!"]
    assert len({compact(normalize_title(t)) for t in same}) == 1
    assert normalize_title("Caf\u00e9 \u201cQuotes\u201d &amp;amp; Dashes\u2014") == "cafe quotes dashes"
    assert normalize_title("\uff21\uff22\uff23 \u00bd") == normalize_title("ABC 1/2")  # NFKC


def test_same_arxiv_id_merges_whatever_the_title_and_different_ids_never_do() -> None:
    merged = papers_of(entry("A Title", arxiv_id="2401.00001"), entry("A Completely Renamed Paper", OTHER_ABSTRACT, day=1, arxiv_id="2401.00001"))
    assert len(merged) == 1 and merged[0].merges[0].rule == "arxiv-id"
    apart = papers_of(entry("Same Title", arxiv_id="2401.00001"), entry("Same Title", day=1, arxiv_id="2401.00002"))
    assert len(apart) == 2
    assert len({p.id for p in apart}) == 2


def test_an_entry_with_an_id_joins_the_paper_seen_without_one_while_other_papers_have_ids() -> None:
    diffusion = entry("Shifted Noise Schedules for High-Resolution Diffusion", OTHER_ABSTRACT, arxiv_id="2401.00009")
    title = "LongRecipe: Extending Context Windows Cheaply"
    found = papers_of(diffusion, entry(title), entry(title, day=1, arxiv_id="2401.00001"))
    assert len(found) == 2
    assert [len(p.appearances) for p in found] == [1, 2] and found[1].arxiv_id == "2401.00001"


def test_a_memoized_rebuild_undoes_an_id_given_to_a_paper_and_merges_as_a_clean_build() -> None:
    """Build 1: the id-less paper gets an id from its second appearance. Build 2 drops that appearance: the paper
    is id-less again, so a third entry with another id still joins it by wording."""
    no_id = entry("LongRecipe: Extending Context Windows Cheaply")
    with_id = entry("LongRecipe: Extending Context Windows Cheaply", day=1, arxiv_id="2401.00001")
    later = entry("LongRecipe: Extending Context Windows Cheaply", day=2, arxiv_id="2401.00002")
    other = entry("Shifted Noise Schedules for High-Resolution Diffusion", OTHER_ABSTRACT, day=2, rank=2, arxiv_id="2401.00009")
    for memo in (Memo(carried=True), Memo()):  # a preview session's, rolled back; a one-off build's, reused by mistake
        dedupe([no_id, with_id, other], DedupeSettings(), memo)
        memo.commit()
        again = dedupe([no_id, later, other], DedupeSettings(), memo)
        assert again.papers == dedupe([no_id, later, other], DedupeSettings()).papers
        assert len(again.papers) == 2 and len(again.papers[0].appearances) == 2


def test_a_revised_title_with_the_same_abstract_is_one_paper() -> None:
    for revised in (
        "LongRecipe: Extending Context Windows Cheaply: A Unified Framework",  # subtitle added
        "LongRecipe: Extending Context Window Cheaply",  # a word changed
        "LongRecipe: Extendnig Context Windows Cheaply",  # a typo
        "Extending Context Windows Cheaply",  # the name dropped
    ):
        papers = papers_of(entry("LongRecipe: Extending Context Windows Cheaply"), entry(revised, day=2))
        assert len(papers) == 1, revised
        assert papers[0].merges[0].rule == "fuzzy"


def test_the_same_title_with_a_cut_abstract_is_one_paper_and_shows_the_complete_abstract() -> None:
    cut = ABSTRACT[:260].rsplit(" ", 1)[0] + "..."
    papers = papers_of(entry("Context Extension with One Short Stage", cut), entry("Context Extension With One Short Stage.", ABSTRACT, day=3))
    assert len(papers) == 1
    assert papers[0].abstract == ABSTRACT


def test_near_titles_alone_are_not_enough() -> None:
    pairs = [
        ("Sparse Probing for Large Models", "Sparse Probing for Small Models"),
        ("Scaling Data Mixtures, Part 1", "Scaling Data Mixtures, Part 2"),
        ("Data Mixtures Revisited: Part I", "Data Mixtures Revisited: Part II"),
        ("Orca 2 Technical Report", "Orca 3 Technical Report"),
        ("A Survey of Retrieval-Augmented Generation", "A Survey on Retrieval-Augmented Generation for Code"),
    ]
    for first, second in pairs:
        assert len(papers_of(entry(first), entry(second, OTHER_ABSTRACT, day=1))) == 2, (first, second)
    # Even with one shared abstract, a title that differs where papers differ names another paper.
    for first, second in pairs[:4]:
        assert len(papers_of(entry(first), entry(second, day=1))) == 2, (first, second)


def test_ids_are_fixed_by_the_first_appearance_whatever_later_dumps_bring() -> None:
    early = [entry("LongRecipe: Extending Context Windows Cheaply", rank=1), entry("Noise Schedules for Large Images", OTHER_ABSTRACT, rank=2)]
    later = [entry("LongRecipe: Extending Context Windows Cheaply, Revisited", day=4), entry("Noise Schedules for Large Images", OTHER_ABSTRACT, day=5)]
    before = {p.appearances[0].line: p.id for p in papers_of(*early)}
    for extra in (later, later[::-1], later[:1], [*later, entry("A Brand New Paper", OTHER_ABSTRACT[::-1], day=6)]):
        after = papers_of(*early, *extra)
        assert {p.appearances[0].line: p.id for p in after if p.first_seen == DAY} == before
    assert papers_of(*later[::-1], *early) == papers_of(*early, *later)  # input order never matters


def test_colliding_titles_of_two_papers_get_distinct_deterministic_ids() -> None:
    first, second = entry("Attention Is Not All You Need"), entry("Attention Is Not All You Need", OTHER_ABSTRACT, day=1)
    papers = papers_of(first, second)
    assert len(papers) == 2
    assert papers[1].id == papers[0].id + "-2"
    assert [p.id for p in papers_of(second, first)] == [p.id for p in papers]
    with_third = papers_of(first, second, entry("Attention Is Not All You Need", OTHER_ABSTRACT[::-1], day=2))
    assert [p.id for p in with_third][:2] == [p.id for p in papers] and with_third[2].id == papers[0].id + "-3"


def test_provenance_keeps_every_appearance_and_the_earliest_day() -> None:
    papers = papers_of(entry("Title One", day=3, rank=2), entry("Title One", day=1, rank=5), entry("TITLE ONE", day=2, rank=1, source="dumps/b.txt"))
    (paper,) = papers
    assert [(a.date, a.rank) for a in paper.appearances] == [(DAY + dt.timedelta(days=1), 5), (DAY + dt.timedelta(days=2), 1), (DAY + dt.timedelta(days=3), 2)]
    assert paper.first_seen == DAY + dt.timedelta(days=1)
    assert [(m.source, m.line, m.rule) for m in paper.merges] == [("dumps/b.txt", 7, "exact-title"), ("dumps/2025-03-13.txt", 11, "exact-title")]
    assert paper.title == "Title One"  # the title most appearances show


def test_thresholds_come_from_the_config_and_are_validated(tmp_path: Path) -> None:
    config, problems = parse_config("dedupe:\n  abstract_threshold: 100\n  revised_abstract_threshold: 100\n", "digest.yaml", tmp_path)
    assert not problems and config.dedupe.abstract_threshold == 100.0
    revised = [entry("LongRecipe: Extending Context Windows"), entry("Extending Context Windows", ABSTRACT.replace("tenth", "fifth"), day=1)]
    assert len(dedupe(revised, config.dedupe).papers) == 2
    assert len(dedupe(revised).papers) == 1
    _, problems = parse_config("dedupe:\n  abstract_treshold: 99\n", "digest.yaml", tmp_path)
    assert problems and "abstract_threshold" in problems[0].format()


def test_digest_dupes_prints_groups_with_reasons_and_json(sample_project: Path) -> None:
    later = sample_project / "content" / "dumps" / "later.txt"
    later.write_text(
        "Aug 6\n\nE 2 -LLM: Efficient and Extreme Length Extension of LLMs\n\n"
        + next(p for p in (sample_project / "content" / "dumps").glob("000_*")).read_text(encoding="utf-8").split("E^2-LLM")[1].split("\n\n")[1]
        + "\n",
        encoding="utf-8",
    )
    text = subprocess.run([sys.executable, "-m", "generator", "dupes"], cwd=sample_project, capture_output=True, text=True, timeout=60)
    assert text.returncode == 0, text.stderr
    assert "[fuzzy " in text.stdout and "dumps/later.txt:3" in text.stdout and "candidate pairs scored" in text.stdout
    machine = subprocess.run([sys.executable, "-m", "generator", "dupes", "--json"], cwd=sample_project, capture_output=True, text=True, timeout=60)
    report = json.loads(machine.stdout)
    group = next(g for g in report["groups"] if any(a["source"] == "dumps/later.txt" for a in g["appearances"]))
    assert group["appearances"][0]["rule"] is None and group["appearances"][-1]["rule"] == "fuzzy"
    assert group["appearances"][-1]["abstract_score"] == 100.0
    assert report["rules"]["fuzzy"] == 1 and report["entries"] > report["papers"]


def test_the_site_says_how_many_papers_repeat_and_each_paper_page_lists_every_listing(sample_project: Path) -> None:
    """Readers see merges in plain words (the how page, each paper's listings); the rules and scores are `digest dupes`'s."""
    built = subprocess.run([sys.executable, "-m", "generator", "build", "--quiet"], cwd=sample_project, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    how = (sample_project / "site" / "how" / "index.html").read_text(encoding="utf-8")
    papers = json.loads((sample_project / "site" / "papers.json").read_text(encoding="utf-8"))["papers"]
    repeated = [p for p in papers if len(p["appearances"]) > 1]
    assert repeated
    assert f"{len(repeated)} papers were listed more than once" in how
    for paper in repeated:
        page = (sample_project / "site" / "papers" / paper["id"] / "index.html").read_text(encoding="utf-8")
        listings = page.split('<ol class="appearances">', 1)[1].split("</ol>", 1)[0]
        assert listings.count("<li>") == len(paper["appearances"])
        for appearance in paper["appearances"]:
            assert f'datetime="{appearance["date"]}"' in listings
            assert appearance["source"] not in page


