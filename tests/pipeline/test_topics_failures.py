"""Each failure issue 30 named, pinned on a real paper (tests/data/topics_eval/pins.jsonl: title and abstract as the API gave them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.pipeline.topics import DEFAULT_TAXONOMY, Classifier, parse_taxonomy

PINS = Path(__file__).resolve().parent.parent / "data" / "topics_eval" / "pins.jsonl"


@pytest.fixture(scope="module")
def default() -> Classifier:
    taxonomy, problems = parse_taxonomy(DEFAULT_TAXONOMY.read_text(encoding="utf-8"), "default")
    assert problems == [] and taxonomy is not None
    return Classifier(taxonomy)


@pytest.fixture(scope="module")
def pins() -> dict[str, dict[str, str]]:
    return {item["arxiv_id"]: item for item in map(json.loads, PINS.read_text(encoding="utf-8").splitlines())}


def topics_of(classifier: Classifier, paper: dict[str, str]) -> list[str]:
    matches, _ = classifier.classify(paper["title"], paper["abstract"])
    return [m.slug for m in matches]


@pytest.mark.parametrize(
    ("arxiv_id", "wanted", "unwanted", "why"),
    [
        ("2407.02855", {"security"}, {"speech-audio"}, "ASR is the attack success rate of a jailbreak paper, not speech recognition"),
        ("2406.11654", set(), {"speech-audio"}, "ASR (attack success rate) in a red-teaming paper"),
        ("2412.05271", {"multimodal"}, {"evaluation", "scaling-laws"}, "Test-Time Scaling is one word: neither evaluation nor scaling laws"),
        ("2406.02523", {"robotics"}, {"scaling-laws"}, "Large-Scale is not a scaling-laws paper"),
        ("2406.12045", {"agents"}, {"world-models", "safety"}, "Real-World says nothing of the world or of behaviour"),
        ("2408.12590", {"video-generation"}, {"vision-representation"}, "clipping is not CLIP"),
        ("2408.10119", {"video-generation"}, {"hallucination"}, "Factorized is not fact-checking"),
        ("2411.16681", set(), {"hallucination"}, "Factorized is not factuality"),
        ("2408.16245", {"biology-chemistry"}, set(), "biomolecular and biosequence papers are biology"),
        ("2406.06282", {"efficient-inference"}, {"interpretability"}, "caching and neurons in a serving paper: efficient inference, not interpretability"),
        ("2405.18426", {"3d-reconstruction"}, {"world-models"}, "'World' alone in a title is no world model"),
        ("2405.15613", set(), {"safety", "human-ai-interaction"}, "'Self' alone in a title is nothing"),
        ("2405.20340", {"human-motion"}, {"human-ai-interaction", "safety"}, "'Human' in a title is human motion here, nothing else"),
        ("2406.17758", {"video-generation"}, {"robotics", "image-generation"}, "manipulation in a video-generation paper is not robotics"),
        ("2411.13807", {"video-generation"}, {"robotics"}, "driving video generation is not robotics"),
        ("2406.09162", {"image-generation"}, {"security", "human-ai-interaction"}, "prompts of a text-to-image model are conditioning"),
        ("2409.01199", {"video-generation"}, {"quantization-compression"}, "compressing latents is not model compression"),
        ("2608.16393", {"security"}, set(), "prompt injection is security"),
    ],
)
def test_named_failure_stays_fixed(default: Classifier, pins: dict[str, dict[str, str]], arxiv_id: str, wanted: set[str], unwanted: set[str], why: str) -> None:
    found = set(topics_of(default, pins[arxiv_id]))
    assert wanted <= found, why
    assert not unwanted & found, why


def test_every_pin_gets_at_most_three_topics_strongest_first(default: Classifier, pins: dict[str, dict[str, str]]) -> None:
    for paper in pins.values():
        matches, _ = default.classify(paper["title"], paper["abstract"])
        assert 1 <= len(matches) <= 3
        assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
