"""Topics: matching rules, the default taxonomy's coverage, topic pages, `digest topics` and topics.yaml errors."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import build_site
from generator.config import load_config
from generator.memo import Memo
from generator.model import Paper
from generator.pipeline.topics import (
    DEFAULT_TAXONOMY,
    OTHER,
    Classifier,
    PhraseIndex,
    classify_papers,
    coverage,
    parse_taxonomy,
)
from tests.conftest import REPO_ROOT, SEEDS

RULES = """
max_topics: 5
topics:
  - name: Long context
    slug: long-context
    description: Longer inputs.
    include: [long-context, context window]
  - name: Efficient inference
    slug: efficient-inference
    include: [mixture-of-experts, MoE, speculative decoding, quantiz*]
    exclude: [survey]
  - name: Pretraining
    slug: pretraining
    include: [pre-training]
  - name: Evaluation
    slug: evaluation
    include: [evaluation suite]
    title_only: [benchmark]
"""


def classifier(text: str = RULES) -> Classifier:
    taxonomy, problems = parse_taxonomy(text, "topics.yaml")
    assert problems == [] and taxonomy is not None
    return Classifier(taxonomy)


def slugs(title: str, abstract: str = "", rules: str = RULES) -> list[str]:
    return [match.slug for match in classifier(rules).classify(title, abstract)[0]]


# ---------------------------------------------------------------- matching


@pytest.mark.parametrize(
    "title",
    [
        "Long-Context Language Models",
        "Long Context Language Models",
        "LONG CONTEXT language models",
        "Growing Context Windows",  # plural of "context window"
    ],
)
def test_spelling_variants_match(title: str) -> None:
    assert slugs(title) == ["long-context"]


@pytest.mark.parametrize("title", ["Pre-training at scale", "Pre training at scale", "Pretraining at scale", "Pretrainings"])
def test_hyphen_space_and_closed_up_forms_are_one_phrase(title: str) -> None:
    assert slugs(title) == ["pretraining"]


@pytest.mark.parametrize("title", ["Sparse Mixture-of-Experts", "Mixture of Experts made simple", "Scaling MoE models", "MoEs everywhere"])
def test_aliases_match_the_same_topic(title: str) -> None:
    assert slugs(title) == ["efficient-inference"]


def test_a_trailing_star_still_matches_any_ending() -> None:
    for word in ("Quantized", "Quantization", "Quantizing", "quantizers"):
        assert slugs(f"{word} transformers") == ["efficient-inference"], word
    assert slugs("Quantum transformers") == [OTHER.slug]


def test_a_hyphenated_compound_is_one_word() -> None:
    rules = "topics:\n  - {name: Scaling, slug: scaling, include: [scale, scaling]}\n  - {name: Time, slug: time, include: [time]}\n"
    assert slugs("Large-Scale Test-Time Compute", rules=rules) == [OTHER.slug]  # neither "scale" nor "time" alone
    assert slugs("Models at scale over time", rules=rules) == ["scaling", "time"]
    assert slugs("Diffusion-based scaling", rules=rules) == ["scaling"]


def test_a_head_with_a_modifier_suffix_still_matches() -> None:
    rules = "topics:\n  - {name: CLIP, slug: clip, include: [CLIP]}\n"
    assert slugs("CLIP-style encoders", rules=rules) == ["clip"]  # "-style", "-based", "-guided" keep the head
    assert slugs("CLIP-Adapter tuning", rules=rules) == [OTHER.slug]


def test_acronyms_match_case_sensitively() -> None:
    rules = "topics:\n  - {name: Vision, slug: vision, include: [CLIP, VLM]}\n"
    assert slugs("CLIP models", rules=rules) == ["vision"]
    assert slugs("VLMs as judges", rules=rules) == ["vision"]  # an acronym's plural
    assert slugs("Gradient clipping", "Clip the gradients; we clip twice.", rules=rules) == [OTHER.slug]
    assert slugs("Clip art", rules=rules) == [OTHER.slug]


def test_context_keeps_an_ambiguous_acronym_out() -> None:
    rules = "topics:\n  - name: Speech\n    slug: speech\n    include: [{phrase: ASR, without: [attack success rate, jailbreak]}]\n"
    assert slugs("Robust ASR for accents", rules=rules) == ["speech"]
    assert slugs("Jailbreak prompts", "A higher ASR: the attack success rate rises.", rules=rules) == [OTHER.slug]
    rules = "topics:\n  - name: Speech\n    slug: speech\n    include: [{phrase: ASR, with: [speech, audio]}]\n"
    assert slugs("ASR models", rules=rules) == [OTHER.slug]
    assert slugs("ASR models", "Spoken audio.", rules=rules) == ["speech"]


def test_no_open_prefix_unless_asked() -> None:
    rules = "topics:\n  - {name: Facts, slug: facts, include: [fact, facts, factual]}\n"
    assert slugs("Factorized Dreamer", rules=rules) == [OTHER.slug]
    assert slugs("A factory of models", rules=rules) == [OTHER.slug]
    assert slugs("Factual recall", rules=rules) == ["facts"]


def test_support_words_never_make_a_topic_alone() -> None:
    rules = "topics:\n  - name: World models\n    slug: world-models\n    include: [world model]\n    support: [world, dynamics]\n"
    assert slugs("Recovering the 4D World", "Scene dynamics over the world.", rules=rules) == [OTHER.slug]
    assert slugs("World models", "Latent dynamics of the world.", rules=rules) == ["world-models"]


def test_a_topic_min_score_overrides_the_file_default() -> None:
    rules = "topics:\n  - {name: Agents, slug: agents, include: [agent], min_score: 4}\n"
    assert slugs("An agent", rules=rules) == [OTHER.slug]  # 2 points in the title
    assert slugs("An agent", "The agent acts.", rules=rules) == [OTHER.slug]  # 3
    assert slugs("An agent", "The agent acts; the agent sees.", rules=rules) == ["agents"]  # 4


def test_a_paper_keeps_its_strongest_topics_first_and_at_most_max_topics() -> None:
    rules = "max_topics: 2\nrelative_min: 50\ntopics:\n" + "".join(f"  - {{name: T{n}, slug: t{n}, include: [w{n}]}}\n" for n in range(4))
    matches, _ = classifier(rules).classify("w2 w1", "w1 w1 w3 w3 w0")
    assert [(m.slug, m.score) for m in matches] == [("t1", 4), ("t2", 2)]  # t3 also scores 2: a tie keeps taxonomy order, cut at two
    matches, _ = classifier(rules).classify("w1", "w1 w1 w1 w0 w0")
    assert [m.slug for m in matches] == ["t1"]  # t0 scores 2, under half of t1's 5


def test_evidence_says_which_words_were_found_and_where() -> None:
    matches, _ = classifier().classify(
        "Speculative Decoding for Long-Context Models",
        "We extend the context window and use speculative decoding; speculative decoding is fast.",
    )
    assert [m.slug for m in matches] == ["efficient-inference", "long-context"]
    assert matches[0].evidence == (("title", ("Speculative Decoding",)), ("abstract", ("speculative decoding",)))
    assert matches[0].score == 2 + 2
    assert matches[1].evidence == (("title", ("Long-Context",)), ("abstract", ("context window",)))
    assert matches[1].phrases == ("Long-Context", "context window")


def test_keywords_add_evidence_with_their_weight() -> None:
    rules = "keyword_weight: 2\nmin_score: 3\ntopics:\n  - {name: Agents, slug: agents, include: [agent]}\n"
    assert slugs("An agent", rules=rules) == [OTHER.slug]
    matches, _ = classifier(rules).classify("An agent", "", ("LLM agent", "tools"))
    assert [(m.slug, m.score) for m in matches] == [("agents", 4)]
    assert dict(matches[0].evidence)["keywords"] == ("agent",)


def test_paper_types_are_a_facet_apart_from_topics() -> None:
    rules = RULES + "paper_types:\n  - {name: Survey, slug: survey, include: [this survey], title_only: [survey]}\n"
    topics, kind = classifier(rules).classify("Long context: a survey", "In this survey we review context windows.")
    assert [m.slug for m in topics] == ["long-context"] and kind == "survey"
    assert classifier(rules).classify("Long context", "")[1] is None


def test_the_title_weighs_more_than_the_abstract() -> None:
    assert slugs("A study of transformers", "We extend the context window.") == [OTHER.slug]  # one abstract mention is incidental
    assert slugs("A study of transformers", "We extend the context window. A long context helps.") == ["long-context"]
    assert slugs("Context windows", "Nothing more.") == ["long-context"]


def test_title_only_phrases_do_not_count_in_the_abstract() -> None:
    assert slugs("A new benchmark for agents") == ["evaluation"]
    assert slugs("Agents", "Our benchmark results beat every benchmark baseline on the benchmark.") == [OTHER.slug]


def test_an_exclude_phrase_keeps_the_topic_out() -> None:
    assert slugs("Mixture of experts") == ["efficient-inference"]
    assert slugs("Mixture of experts: a survey") == [OTHER.slug]
    assert slugs("Long-context models", "A mixture of experts, a speculative decoding and a survey.") == ["long-context"]  # only that topic is excluded


def test_an_exclude_phrase_in_the_abstract_does_not_unsay_the_title() -> None:
    # The title names the topic: a word of the abstract does not take it away; the same word in the title does.
    assert slugs("Mixture of experts for long context", "We survey routing.") == ["long-context", "efficient-inference"]
    assert slugs("Mixture of experts, a survey", "Routing.") == [OTHER.slug]


def test_a_title_only_word_weighs_less_than_an_include_phrase() -> None:
    rules = "title_weight: 3\ntitle_only_weight: 2\nmin_score: 3\ntopics:\n  - name: Video\n"
    rules += "    include: [video generation]\n    title_only: [animation]\n    support: [diffusion]\n"
    assert slugs("Video Generation at last", rules=rules) == ["video"]  # an include phrase in the title is enough alone
    assert slugs("Animation at last", rules=rules) == [OTHER.slug]  # a generic title word is not
    assert slugs("Animation at last", "With diffusion.", rules=rules) == ["video"]  # with a supporting word it is


def test_a_topic_named_in_the_title_is_kept_however_weak_beside_the_best() -> None:
    rules = "relative_min: 80\ntopics:\n  - name: A\n    include: [alpha]\n  - name: B\n    include: [beta]\n"
    abstract = "alpha alpha alpha alpha."
    assert slugs("Beta things", abstract, rules) == ["a", "b"]  # B: 2 points against A's 3 (the abstract's cap), but in the title
    assert slugs("Things", abstract + " beta beta", rules) == ["a"]  # B only in the abstract, under 80% of A: a tool, not a subject


def test_fallback_min_gives_a_paper_its_best_title_word_rather_than_other() -> None:
    rules = "fallback_min: 3\ntopics:\n  - name: A\n    include: [alpha]\n    support: [generic]\n    min_score: 5\n"
    rules += "  - name: B\n    include: [beta]\n    min_score: 5\n"
    assert slugs("Generic things", "generic generic alpha", rules) == ["a"]  # below min_score, but 3 points with a word in the title
    assert slugs("Things", "generic alpha alpha", rules) == [OTHER.slug]  # nothing of it in the title
    assert slugs("Generic things", "beta", rules.replace("fallback_min: 3", "fallback_min: 0")) == [OTHER.slug]  # 0: off


def test_papers_matching_nothing_land_in_other_with_no_phrases() -> None:
    [match], kind = classifier().classify("Protein folding with graphs", "Nothing about the rules here.")
    assert match.slug == "other" and match.phrases == () and kind is None


def test_words_only_match_whole_words() -> None:
    assert slugs("Demoed models", "The demoes moe.") == [OTHER.slug]
    assert slugs("Contextual windows") == [OTHER.slug]


def test_the_index_finds_every_occurrence_as_written() -> None:
    index = PhraseIndex(["long context", "context", "KV cache"])
    assert index.scan("Long-context KV caches; the context of KV-cache reuse, not KV-cache-free decoding") == [
        (0, "Long-context"),
        (2, "KV caches"),
        (1, "context"),
        (2, "KV-cache"),
    ]  # "KV-cache-free": a compound that continues past the phrase is no match


# ---------------------------------------------------------------- the memo: reuse across a preview session's rebuilds


def papers_about(*titles: str) -> list[Paper]:
    return [Paper(id=f"p{n}", title=title, abstract=f"We study {title.lower()} with a context window.", appearances=()) for n, title in enumerate(titles)]


def test_a_rebuild_classifies_only_the_papers_whose_text_changed() -> None:
    taxonomy, _ = parse_taxonomy(RULES, "topics.yaml")
    assert taxonomy is not None
    papers = papers_about("Long-context models", "Quantized transformers", "A survey of mixture of experts", "Protein folding")
    memo = Memo()
    first = classify_papers(papers, taxonomy, memo)
    assert memo.counts() == {"topics-classifier": (1, 0), "topics": (4, 0), "topics-paper": (4, 0)}
    memo.commit()

    again = classify_papers(papers, taxonomy, memo)
    assert again == first == classify_papers(papers, taxonomy)  # the same as a clean build's
    assert memo.counts() == {"topics-classifier": (0, 1), "topics": (0, 0), "topics-paper": (0, 4)}  # the very same papers back
    memo.commit()

    edited = [papers[0], dataclasses.replace(papers[1], abstract="Speculative decoding, quantized."), *papers[2:]]
    moved = [dataclasses.replace(paper, id=paper.id + "-moved") for paper in edited]  # not the text: nothing to classify
    result = classify_papers(moved, taxonomy, memo)
    assert memo.counts() == {"topics-classifier": (0, 1), "topics": (1, 3), "topics-paper": (4, 0)}
    assert result == classify_papers(moved, taxonomy)
    assert [p.topics for p in result] != [p.topics for p in first]
    memo.commit()

    stricter = dataclasses.replace(taxonomy, min_score=3)
    result = classify_papers(moved, stricter, memo)
    assert memo.counts() == {"topics-classifier": (1, 0), "topics": (4, 0), "topics-paper": (4, 0)}  # other rules: everything again
    assert result == classify_papers(moved, stricter)


def test_classifying_leaves_everything_but_topics_alone() -> None:
    taxonomy, _ = parse_taxonomy(RULES, "topics.yaml")
    assert taxonomy is not None
    papers = papers_about("Long-context models", "Protein folding")
    result = classify_papers(papers, taxonomy, None)
    assert [dataclasses.replace(p, topics=()) for p in result] == papers
    assert [[m.slug for m in p.topics] for p in result] == [["long-context"], [OTHER.slug]]


# ---------------------------------------------------------------- the default taxonomy on real content


@pytest.mark.xfail(reason="issue 30: the sample's general-LLM surveys and time-series papers fit no topic of the default taxonomy; 86% covered", strict=False)
def test_default_taxonomy_covers_the_sample(sample_project: Path) -> None:
    assert not (sample_project / "content" / "topics.yaml").exists()  # the packaged default applies
    result = build_site(load_config(None, sample_project)[0], sample_project)
    assert result.problems == () and not result.fatal
    report = coverage(result.site.papers, result.site.topics)
    assert report.total == 286
    assert report.classified_share >= 0.90
    assert report.largest_share <= 1 / 3
    assert result.site.topics[-1] == OTHER and len(result.site.topics) >= 16


def test_default_taxonomy_covers_the_json_corpus(corpus_project: Path) -> None:
    result = build_site(load_config(None, corpus_project)[0], corpus_project)
    report = coverage(result.site.papers, result.site.topics)
    assert report.total == len(result.site.papers) > 2000
    assert report.classified_share >= 0.90
    assert report.largest_share <= 1 / 3
    assert sum(len(p.topics) for p in result.site.papers) / report.total < 4  # multi-label, not everything everywhere


def test_the_shipped_sample_taxonomy_is_the_packaged_default() -> None:
    assert (REPO_ROOT / "content" / "topics.yaml").read_bytes() == DEFAULT_TAXONOMY.read_bytes()
    assert DEFAULT_TAXONOMY.parent == REPO_ROOT / "generator" / "pipeline"  # inside the package, so wheels carry it
    taxonomy, problems = parse_taxonomy(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), "default")
    assert problems == [] and taxonomy is not None


def test_changing_the_rules_never_changes_ids_or_guids(sample_project: Path) -> None:
    def built() -> tuple[list[str], list[str], set[str]]:
        config = load_config(None, sample_project)[0]
        files = build_site(config, sample_project).files
        ids = [p["id"] for p in json.loads(files["papers.json"])["papers"]]
        guids = [item["id"] for item in json.loads(files["feed.json"])["items"]]
        return ids, guids, {path for path in files if path.startswith("papers/")}

    before = built()
    (sample_project / "content" / "topics.yaml").write_text(
        "topics:\n  - name: Anything\n    slug: anything\n    include: [language model, the]\n", encoding="utf-8"
    )
    after = built()
    assert after == before
    assert len(before[0]) == 286


# ---------------------------------------------------------------- pages


@pytest.fixture
def small_pages_site(sample_project: Path) -> dict[str, bytes]:
    (sample_project / "digest.yaml").write_text("title: Test Digest\nbase_url: https://example.org/digest/\nyear: 2025\npage_size: 7\n", encoding="utf-8")
    result = build_site(load_config(None, sample_project)[0], sample_project)
    assert not result.errors
    return result.files


def test_topics_index_lists_every_topic_with_its_count(small_pages_site: dict[str, bytes]) -> None:
    index = small_pages_site["topics/index.html"].decode()
    papers = json.loads(small_pages_site["papers.json"])["papers"]
    taxonomy, _ = parse_taxonomy(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), "default")
    assert taxonomy is not None
    for topic in taxonomy.site_topics:
        count = sum(topic.slug in {m["slug"] for m in p["topics"]} for p in papers)
        assert f'href="/digest/topics/{topic.slug}/">{topic.name}</a>' in index
        assert f'<td class="num count">{count}</td>' in index


def test_topic_pages_are_paginated_newest_day_first(small_pages_site: dict[str, bytes]) -> None:
    papers = json.loads(small_pages_site["papers.json"])["papers"]
    in_topic = [p for p in papers if "long-context" in {m["slug"] for m in p["topics"]}]
    pages = [small_pages_site["topics/long-context/index.html"].decode()]
    number = 2
    while f"topics/long-context/page/{number}/index.html" in small_pages_site:
        pages.append(small_pages_site[f"topics/long-context/page/{number}/index.html"].decode())
        number += 1
    assert len(pages) > 1  # how many papers a page takes is the site's (tests/site)
    shown = [p for page in pages for p in in_topic if f'href="/digest/papers/{p["id"]}/"' in page]
    assert sorted(p["id"] for p in shown) == sorted(p["id"] for p in in_topic)  # each paper on exactly one page
    dates = [p["first_seen"] for page in pages for p in sorted((q for q in in_topic if f'/papers/{q["id"]}/"' in page), key=lambda q: page.index(q["id"]))]
    assert dates == sorted(dates, reverse=True)
    assert 'href="/digest/topics/long-context/page/2/"' in pages[0]
    assert 'href="/digest/topics/long-context/"' in pages[1]
    assert 'href="/digest/topics/long-context/feed.xml"' in pages[0]
    assert "topics/long-context/feed.xml" in small_pages_site


def test_topic_markdown_lists_every_paper_and_links_day_mirrors(small_pages_site: dict[str, bytes]) -> None:
    papers = json.loads(small_pages_site["papers.json"])["papers"]
    markdown = small_pages_site["topics/long-context.md"].decode()
    assert markdown.startswith("# Long context and memory\n")
    for paper in (p for p in papers if "long-context" in {m["slug"] for m in p["topics"]}):
        assert f"(https://example.org/digest/papers/{paper['id']}/)" in markdown
    day_links = [line.split("](")[1].rstrip(")") for line in markdown.splitlines() if line.startswith("## [")]
    assert day_links
    for link in day_links:  # relative to topics/, as GitHub resolves them
        assert link.startswith("../days/") and ("days/" + link.removeprefix("../days/")) in small_pages_site


def test_paper_page_shows_why_each_topic_applies(small_pages_site: dict[str, bytes]) -> None:
    papers = json.loads(small_pages_site["papers.json"])["papers"]
    paper = next(p for p in papers if p["title"] == "Giraffe: Adventures in Expanding Context Lengths in LLMs")
    page = small_pages_site[f"papers/{paper['id']}/index.html"].decode()
    assert 'href="/digest/topics/long-context/">Long context and memory</a>' in page
    assert "<q>context length</q>" in page


# ---------------------------------------------------------------- the CLI: `digest topics` and broken topics.yaml


def digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_digest_topics_prints_the_coverage_table(sample_project: Path) -> None:
    (sample_project / "content" / "topics.yaml").write_text(RULES, encoding="utf-8")
    result = digest("topics", cwd=sample_project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    config = load_config(None, sample_project)[0]
    site = build_site(config, sample_project).site
    report = coverage(site.papers, site.topics)
    for topic, count in report.counts:
        assert any(line.startswith(topic.name) and line.split()[-2] == str(count) for line in lines), topic
    other = len(report.unclassified)
    assert f"{other} ({other / report.total:.1%}) in Other" in result.stdout
    assert "Unclassified (in Other):" in lines
    for title in report.unclassified:
        assert f"  {title}" in lines
    assert not (sample_project / "site").exists()  # it reports, it does not build


def test_digest_topics_takes_the_content_flag(sample_project: Path) -> None:
    moved = sample_project / "elsewhere"
    (sample_project / "content").rename(moved)
    result = digest("topics", "--content", str(moved), cwd=sample_project)
    assert result.returncode == 0, result.stderr
    assert "286 papers:" in result.stdout


BROKEN = {
    "bad YAML": ("topics:\n  - name: Long context\n    include: [long context\n  - name: x\n", "topics.yaml:4: error: invalid YAML"),
    "no name": ("topics:\n  - name: Long\n    include: [long]\n  - slug: agents\n    include: [agent]\n", "topics.yaml:4: error: topic has no name"),
    "duplicate slug": (
        "topics:\n  - name: Agents\n    slug: agents\n    include: [agent]\n  - name: Agentic\n    slug: agents\n    include: [agentic]\n",
        "topics.yaml:6: error: duplicate slug 'agents' (hint: the topic on line 2 has it",
    ),
    "unknown key": (
        "topics:\n  - name: Agents\n    includes: [agent]\n    include: [agent]\n",
        "topics.yaml:3: error: unknown key 'includes' in a topic (hint: did you mean 'include'?)",
    ),
    "unsafe slug": ("topics:\n  - name: Agents\n    slug: ../x\n    include: [agent]\n", "topics.yaml:3: error: slug '../x' is not URL-safe"),
    "reserved slug": ("topics:\n  - name: Misc\n    slug: other\n    include: [misc]\n", "topics.yaml:3: error: slug 'other' is reserved"),
    "no include": ("topics:\n  - name: Agents\n    slug: agents\n", "topics.yaml:2: error: topic 'Agents' has no include phrases"),
    "unknown top key": ("topic:\n  - name: Agents\n", "topics.yaml:1: error: unknown key 'topic' in topics.yaml (hint: did you mean 'topics'?)"),
    "empty": ("# nothing yet\n", "topics.yaml:1: error: the topics file is empty"),
}


@pytest.fixture
def one_dump_project(tmp_path: Path) -> Path:
    """A small project (one seed dump) so that each CLI run stays quick."""
    dumps = tmp_path / "content" / "dumps"
    dumps.mkdir(parents=True)
    shutil.copy(SEEDS / "000_5550a00ef71bc00d.txt", dumps)
    (tmp_path / "digest.yaml").write_text("year: 2025\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_topics_yaml_is_a_located_message_not_a_traceback(one_dump_project: Path, case: str) -> None:
    text, expected = BROKEN[case]
    (one_dump_project / "content" / "topics.yaml").write_text(text, encoding="utf-8")
    result = digest("build", cwd=one_dump_project)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (one_dump_project / "site").exists()  # a failed build writes nothing


@pytest.mark.parametrize("case", ["bad YAML", "duplicate slug"])
def test_digest_topics_reports_a_broken_topics_yaml(one_dump_project: Path, case: str) -> None:
    text, expected = BROKEN[case]
    (one_dump_project / "content" / "topics.yaml").write_text(text, encoding="utf-8")
    result = digest("topics", cwd=one_dump_project)
    assert result.returncode == 1
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("topics:\n\t- name: x\n", (2, "invalid YAML: found character '\\t' that cannot start any token")),
        ("topics:\n  - name: A\n    include: *phrases\n", (3, "invalid YAML: found undefined alias 'phrases'")),
    ],
)
def test_invalid_yaml_is_explained_by_the_detailed_parser(text: str, expected: tuple[int, str]) -> None:
    taxonomy, problems = parse_taxonomy(text, "topics.yaml")  # libyaml parses valid files; its messages name no character or alias
    assert taxonomy is None and [(p.line, p.message) for p in problems] == [expected]


def test_yaml_anchors_and_aliases_still_work() -> None:
    taxonomy, problems = parse_taxonomy("topics:\n  - name: A\n    include: &shared [agent]\n  - name: B\n    include: *shared\n", "topics.yaml")
    assert problems == [] and taxonomy is not None
    assert [t.include for t in taxonomy.topics] == [("agent",), ("agent",)]


def test_every_problem_in_topics_yaml_is_reported_at_once() -> None:
    text = "topics:\n  - name: A\n    slug: Bad Slug\n    include: [a]\n  - slug: b\n    include: [b]\n    colour: red\nmin_score: lots\n"
    taxonomy, problems = parse_taxonomy(text, "topics.yaml")
    assert taxonomy is None
    assert sorted((p.line, p.message) for p in problems) == [
        (3, "slug 'Bad Slug' is not URL-safe"),
        (5, "topic has no name"),
        (7, "unknown key 'colour' in a topic"),
        (8, "min_score must be a positive whole number, not 'lots'"),
    ]
