"""Topics: the phrase scanner. An ASCII text is scanned by the automaton; any other text word by word; both must agree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.pipeline.topics import PhraseIndex, joined_words, words_of
from tests.pipeline.test_topics import classifier

# The rule forms the matcher knows: prefixes, acronyms and their plurals, hyphen forms, suffixes, digits.
PHRASES = [
    "quantiz*", "pre-train*", "stud*", "token*", "a*", "LLM", "LoRA", "GPT-4", "MLLM*", "3D", "test-time scaling", "chain-of-thought",
    "state-of-the-art", "long context", "long-context window", "context", "KV cache", "diffusion model", "study", "class", "gas",
    "top-k", "Qwen2.5", "7B", "the model", "of the", "in context learning", "model",
]
WORDS = [
    "quantized", "Quantization", "pre", "train", "training", "pretraining", "studies", "study", "Study", "tokens", "a", "A", "an",
    "LLM", "LLMs", "llm", "Llms", "LoRA", "lora", "LORA", "GPT", "4", "MLLM", "MLLMs", "3D", "3d", "test", "time", "Test",
    "scaling", "chain", "of", "thought", "state", "the", "art", "long", "Long", "context", "contexts", "window", "windows", "KV",
    "cache", "caches", "diffusion", "models", "model", "classes", "class", "gas", "gases", "top", "k", "Qwen2", "5", "7B", "in",
    "learning", "based", "style", "free", "x",
]
SEPARATORS = [" ", " ", " ", "-", "-", "--", ", ", " - ", "\u2010", "(", ") ", "_", ". ", "\n", "- "]


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), max_size=14))
    separators = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words) + 1, max_size=len(words) + 1))
    return "".join(separator + word for separator, word in zip(separators, [*words, ""], strict=False))


INDEX = PhraseIndex(PHRASES)


@settings(max_examples=400, deadline=None)
@given(texts())
def test_the_automaton_finds_what_matching_word_by_word_finds(text: str) -> None:
    # A word that is not ASCII (and starts no phrase) sends the same text down the word-by-word path.
    assert joined_words(text).isascii()  # its Unicode hyphens made "-": the automaton scans it
    assert INDEX.scan(text) == INDEX.scan(text + " \u00f8"), words_of(text)


def test_a_phrase_never_spans_two_places() -> None:
    found = classifier().found("Scaling to a long", "context windows for speculative", ["decoding"])
    assert found == {"title": {}, "abstract": {1: (1, ("context windows",))}, "keywords": {}}
    found = classifier().found("Scaling to a long context", "", ["speculative decoding"])
    assert [list(hits) for hits in found.values()] == [[0], [], [4]]


def test_a_hyphen_at_a_compound_edge_separates_like_any_sign() -> None:
    index = PhraseIndex(["long context", "KV cache"])
    assert index.scan("long -context; KV-- cache; -long context-") == [(0, "long context"), (1, "KV cache"), (0, "long context")]
    assert index.scan("long-context-free") == []  # a compound that goes on past the phrase with more than a suffix


def test_phrases_spelled_alike_count_for_each_of_their_rules() -> None:
    rules = "min_score: 4\ntopics:\n  - {name: Data, slug: data, include: [dataset, datasets]}\n"
    matches, _ = classifier(rules).classify("A dataset", "")
    assert [(m.slug, m.score, m.phrases) for m in matches] == [("data", 4, ("dataset",))]  # 2 points in the title for each phrase
