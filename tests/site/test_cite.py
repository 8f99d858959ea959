"""BibTeX field values: the fast path for plain text gives what the full escaping gives."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from generator.site.cite import PLAIN, bibtex_names, bibtex_text, escaped

PIECES = ["a", "Zoë", " ", "  ", "\t", "\n", "&", "%", "#", "_", "$", "{", "}", "\\", "x_1", "$x_1$", "{BERT}", "Q\\&A", "\u00a0", "\u2003"]


@given(st.lists(st.sampled_from(PIECES), max_size=10).map("".join))
@example("Yann LeCun")
@example("Attention Is All You Need")
def test_plain_text_is_its_own_escaping(text: str) -> None:
    if PLAIN.fullmatch(text):
        assert escaped(text) == text
    assert bibtex_text(text) == escaped(text)


def test_specials_are_escaped_and_unbalanced_braces_too() -> None:
    assert bibtex_text("Q&A at 50% #1") == r"Q\&A at 50\% \#1"
    assert bibtex_text("a_b and $x_1$") == r"a\_b and $x_1$"
    assert bibtex_text("{BERT} }{") == r"\{BERT\} \}\{"


def test_names_are_each_escaped_and_joined_by_and() -> None:
    assert bibtex_names(["Zoë Q&A", "a_b"]) == r"Zoë Q\&A and a\_b"
    assert bibtex_names([]) == ""
