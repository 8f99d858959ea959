"""BibTeX field values from input text: the text as written, made safe to stand inside `{...}`."""

from __future__ import annotations

import re
from collections.abc import Iterable

# LaTeX characters that would end a field or turn the rest into a comment or an alignment tab when
# typeset, unless a backslash already escapes them as written (`Q\&A`).
UNESCAPED_SPECIAL = re.compile(r"(?<!\\)([&%#])")
UNESCAPED_UNDERSCORE = re.compile(r"(?<!\\)_")
WHITESPACE = re.compile(r"\s+")
PLAIN = re.compile(r"[^\s&%#_${}\\]+(?: [^\s&%#_${}\\]+)*")


def balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def bibtex_text(text: str) -> str:
    """Text for a BibTeX field, as written: on one line; & % # escaped; _ escaped outside $math$ (inside it
    is a subscript); braces kept when they balance (`{BERT}` protects case) and escaped when they do not,
    so no title can end its field early or leave the .bib unparseable."""
    text = str(text)
    return text if PLAIN.fullmatch(text) else escaped(text)  # most names and titles: nothing to escape, one space between words


def bibtex_names(names: Iterable[str]) -> str:
    """Names for an author field: each as bibtex_text gives it, joined by ` and `. One filter call per
    entry where `map('bibtex')` would be a filter call per name."""
    return " and ".join(map(bibtex_text, names))


def escaped(text: str) -> str:
    text = WHITESPACE.sub(" ", text).strip()
    text = UNESCAPED_SPECIAL.sub(r"\\\1", text)
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an odd number of $: no math, every $ is a character
        text = UNESCAPED_UNDERSCORE.sub(r"\\_", text).replace("$", r"\$")
    else:
        text = "$".join(part if index % 2 else UNESCAPED_UNDERSCORE.sub(r"\\_", part) for index, part in enumerate(parts))
    if not balanced(text):
        text = text.replace("{", r"\{").replace("}", r"\}")
    return text


def bibtex_key(paper_id: str) -> str:
    """A citation key: the paper's id, which is ASCII letters, digits and hyphens and never changes."""
    return re.sub(r"[^A-Za-z0-9-]", "-", paper_id)
