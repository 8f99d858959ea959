"""Topics: the classifier gives exactly the stored results on every text of the 2024 corpus, the 2026 sample and the evaluation set.

The fixture (tests/data/topics_eval/expected_classifications.json.xz) holds, for each text, its topics (slug,
score, phrases, evidence), its paper type and every topic's and paper type's score with anything found
(what `digest topics --explain` prints), under the default taxonomy and under STRESS_RULES (prefixes,
acronyms, hyphen forms, context, every setting). It guards the matcher and the scoring against any change
of results. When the rules or the default taxonomy change on purpose, regenerate it and review the diff
of `digest topics` coverage:

    .venv/bin/python -m tests.pipeline.test_topics_equivalence
"""

from __future__ import annotations

import hashlib
import json
import lzma
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from generator.build import read_entries
from generator.config import Config
from generator.pipeline.topics import DEFAULT_TAXONOMY, Classifier, Scored, parse_taxonomy
from tests.conftest import CORPUS_ARCHIVE, DATA, SAMPLE_2026_ARCHIVE

EXPECTED = DATA / "topics_eval" / "expected_classifications.json.xz"
EVAL_PAPERS = DATA / "topics_eval" / "papers.jsonl"

# Every rule form the matcher knows, on words frequent in the corpus: trailing-star prefixes (also on hyphenated
# and acronym-ending phrases), acronyms with plurals, hyphen/space/closed-up forms, modifier suffixes, accents,
# digits, with/without context, title_only, support and exclude, and every setting away from its default.
STRESS_RULES = """
min_score: 2
title_weight: 3
title_only_weight: 1
max_topics: 4
relative_min: 30
keyword_weight: 2
abstract_min: 3
fallback_min: 2
topics:
  - name: Prefixes
    include: [quantiz*, pre-train*, distill*, multi-modal*, token*, self-supervis*, generat*, a*, x*]
    support: [model, data*]
    exclude: [survey]
  - name: Acronyms
    include: [LLM, VLM, LoRA, GPT-4, GPT4, CLIP, MLLM*, {phrase: RL, with: [reward, policy]}, {phrase: ASR, without: [attack success rate, jailbreak]}]
    title_only: [AI, 3D]
    support: [SOTA, large language model]
  - name: Hyphens
    include: [test-time scaling, chain-of-thought, state-of-the-art, real-world, fine-tuning, long-context, mixture-of-experts,
      text-to-image, vision-language model, in-context learning]
    title_only: [scale, world, time, large]
    support: [diffusion]
    exclude: [{phrase: text-to-speech, without: [image]}]
  - name: Suffixes and plurals
    include: [diffusion model, transformer, agent, study, policy, bias, class, analysis, process, gas]
    support: [based, style, level]
    min_score: 4
  - name: Accents and digits
    include: [naïve, café, résumé, 2D, 4k, GPT 4o, o1, Qwen2.5, 7B, top-k]
    title_only: [benchmark, dataset]
  - name: Broad words
    include: [learning, language, image, video, reasoning, the model, of the, method]
    exclude: [benchmark]
paper_types:
  - name: Survey
    include: [this survey, a survey of, survey*]
    title_only: [review, overview]
  - name: Resource
    include: [we release, open-source, publicly available]
    support: [code, github]
"""


def default_classifier() -> Classifier:
    taxonomy, problems = parse_taxonomy(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), "default")
    assert problems == [] and taxonomy is not None
    return Classifier(taxonomy)


def stress_classifier() -> Classifier:
    taxonomy, problems = parse_taxonomy(STRESS_RULES, "stress")
    assert problems == [] and taxonomy is not None
    return Classifier(taxonomy)


CLASSIFIERS = {"default": default_classifier, "stress": stress_classifier}

Text = tuple[str, str, tuple[str, ...]]


def corpus_texts(dumps: Path) -> list[tuple[str, Text]]:
    """(arXiv id, (title, abstract, ai_keywords)) of every entry the build reads from a folder of dumps, in reading order."""
    _dumps, entries, problems = read_entries(Config(content_dir=dumps.parent, allow_empty=False))
    assert not [p for p in problems if p.severity.name == "ERROR"]
    return [(entry.arxiv_id or f"{entry.source}:{entry.line}", (entry.title, entry.abstract, entry.ai_keywords)) for entry in entries]


def eval_texts() -> list[tuple[str, Text]]:
    items = [json.loads(line) for line in EVAL_PAPERS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(str(item["arxiv_id"]), (str(item["title"]), str(item.get("abstract") or ""), tuple(item.get("ai_keywords") or ()))) for item in items]


def extracted(archive: Path, into: Path) -> Path:
    """The archive's one top folder, extracted as content/dumps of a project under `into`."""
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
        top = {member.name.split("/", 1)[0] for member in tar.getmembers()}
    (folder,) = top
    content = into / "content"
    content.mkdir()
    return (into / folder).rename(content / "dumps")


def text_sets(corpus: Path, sample: Path) -> dict[str, list[tuple[str, Text]]]:
    return {"corpus-2024": corpus_texts(corpus), "sample-2026": corpus_texts(sample), "eval": eval_texts()}


def distinct(texts: Sequence[tuple[str, Text]]) -> Iterator[tuple[str, Text]]:
    seen: set[Text] = set()
    for key, text in texts:
        if text not in seen:
            seen.add(text)
            yield key, text


def digest_of(text: Text) -> str:
    return hashlib.sha1(json.dumps(text, ensure_ascii=False).encode("utf-8")).hexdigest()[:12]


def scored_row(s: Scored) -> list[Any]:
    return [s.slug, s.score, s.strong, s.in_title, s.named, s.vetoed, list(s.excluded_by), [[p, list(w)] for p, w in s.evidence], list(s.unmet)]


def record(classifier: Classifier, text: Text) -> dict[str, Any]:
    """What the classifier makes of one text, as plain JSON values."""
    matches, kind = classifier.classify(*text)
    topic_scores, type_scores = classifier.score_all(*text)
    return {
        "text": digest_of(text),
        "topics": [[m.slug, m.score, list(m.phrases), [[p, list(w)] for p, w in m.evidence]] for m in matches],
        "type": kind,
        "scores": [scored_row(s) for s in (*topic_scores, *type_scores) if s.score or s.excluded_by or s.unmet or s.evidence],
    }


def classifications(sets: dict[str, list[tuple[str, Text]]]) -> dict[str, dict[str, dict[str, list[dict[str, Any]]]]]:
    """taxonomy -> text set -> arXiv id -> a record per distinct text of that id, in reading order."""
    result: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = {}
    for name, make in CLASSIFIERS.items():
        classifier = make()
        result[name] = {}
        for set_name, texts in sets.items():
            by_id: dict[str, list[dict[str, Any]]] = {}
            for key, text in distinct(texts):
                by_id.setdefault(key, []).append(record(classifier, text))
            result[name][set_name] = by_id
    return result


def load_expected() -> dict[str, Any]:
    return json.loads(lzma.decompress(EXPECTED.read_bytes()))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def actual(corpus_dir: Path, sample_2026_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    projects = tmp_path_factory.mktemp("equivalence")
    corpus = projects / "corpus" / "content" / "dumps"
    sample = projects / "sample" / "content" / "dumps"
    for source, target in ((corpus_dir, corpus), (sample_2026_dir, sample)):
        target.parent.mkdir(parents=True)
        target.symlink_to(source, target_is_directory=True)
    return classifications(text_sets(corpus, sample))


@pytest.mark.parametrize("taxonomy", list(CLASSIFIERS))
@pytest.mark.parametrize("text_set", ["corpus-2024", "sample-2026", "eval"])
def test_every_text_is_classified_exactly_as_stored(actual: dict[str, Any], taxonomy: str, text_set: str) -> None:
    expected = load_expected()[taxonomy][text_set]
    found = actual[taxonomy][text_set]
    assert found.keys() == expected.keys(), "the texts read differ from the fixture's: regenerate it only if the readers changed on purpose"
    differing = [key for key in expected if found[key] != expected[key]]
    details = [(key, expected[key], found[key]) for key in differing[:3]]
    assert not differing, f"{len(differing)} of {len(expected)} papers classified differently, e.g. {details}"


def test_the_fixture_covers_every_text_and_real_variety() -> None:
    expected = load_expected()
    counts = {(name, text_set): sum(len(records) for records in by_id.values()) for name, sets in expected.items() for text_set, by_id in sets.items()}
    assert counts[("default", "corpus-2024")] > 2200 and counts[("default", "sample-2026")] >= 110 and counts[("default", "eval")] == 410
    records = [r for by_id in expected["stress"].values() for rs in by_id.values() for r in rs]
    slugs = {row[0] for r in records for row in r["scores"]}
    assert {"prefixes", "acronyms", "hyphens", "suffixes-and-plurals", "accents-and-digits", "broad-words", "survey", "resource"} <= slugs
    assert any(row[8] for r in records for row in r["scores"]), "no with/without context left a phrase unmet"
    assert any(row[5] for r in records for row in r["scores"]), "no exclude phrase vetoed a topic"


def main() -> int:
    """Regenerate the fixture from the classifier as it is now."""
    with tempfile.TemporaryDirectory() as temp:
        corpus = extracted(CORPUS_ARCHIVE, Path(temp) / "corpus")
        sample = extracted(SAMPLE_2026_ARCHIVE, Path(temp) / "sample")
        result = classifications(text_sets(corpus, sample))
    data = json.dumps(result, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    EXPECTED.write_bytes(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    sizes = {name: {text_set: sum(len(r) for r in by_id.values()) for text_set, by_id in sets.items()} for name, sets in result.items()}
    print(f"wrote {EXPECTED} ({EXPECTED.stat().st_size:,} bytes; {len(data):,} uncompressed): texts {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
