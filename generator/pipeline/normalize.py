"""Text normalization shared by dedupe, ids and slugs."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

from anyascii import anyascii

DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032"), "'") | dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033"), '"')
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
UNICODE_PUNCTUATION = DASHES | QUOTES | INVISIBLE
NON_WORD = re.compile(r"[\W_]+")  # letters and digits of every script are words: "Большие модели" is not an empty key
NOT_LATIN = re.compile(r"[^0-9a-z]+")
LATEX_REMNANTS = dict.fromkeys(map(ord, "$\\^{}"))  # `$E^{2}$` reads as `E2`
# NON_WORD and LATEX_REMNANTS as one bytes.translate of ASCII text: letters and digits kept (lowercased),
# LaTeX remnants deleted, the rest spaces. A bytes table is a lookup per byte; str.translate's is a dict's.
ASCII_BYTE_FOLD = bytes(ord(chr(code).lower()) if code < 128 and chr(code).isalnum() else 32 for code in range(256))
LATEX_BYTES = bytes(LATEX_REMNANTS)


def normalize_title(title: str) -> str:
    """A comparison key: case, accents, punctuation, LaTeX remnants and spacing folded away."""
    if "&" in title:
        title = html.unescape(html.unescape(title))  # double-escaped entities (&amp;amp;) occur in scraped feeds
    if title.isascii():  # the common case: one bytes.translate does what the regex does
        return b" ".join(title.encode().translate(ASCII_BYTE_FOLD, LATEX_BYTES).split()).decode()
    text = _fold_unicode(title).casefold().translate(LATEX_REMNANTS)
    return NON_WORD.sub(" ", text).strip()


def _fold_unicode(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(UNICODE_PUNCTUATION)
    text = unicodedata.normalize("NFKD", text.casefold())
    if text.isascii():
        return text
    marks = {ord(char): None for char in set(text) if unicodedata.combining(char)}  # a text's few distinct characters, not its every one
    return text.translate(marks) if marks else text


def normalize_text(text: str) -> str:
    """An abstract folded like a title: entities, Unicode, case, LaTeX and punctuation gone, one space between words."""
    return normalize_title(text)


def compact(normalized: str) -> str:
    """A normalized text without spaces, so `E^2-LLM`, `E 2 -LLM` and `E2-LLM` meet."""
    return normalized.replace(" ", "")


def latin_words(text: str) -> list[str]:
    """The words of the normalized text that are Latin letters and digits: the key ids were always made from."""
    return NOT_LATIN.sub(" ", normalize_title(text)).split()


def slugify(text: str, limit: int = 60) -> str:
    """ASCII, lowercase, dash-separated, or "" when the text has no letter or digit; never a path component like '..'.

    Latin words as they are; a text without any is transliterated ("Большие модели" -> "bolshie-modeli").
    """
    words = latin_words(text) or latin_words(anyascii(text).replace("'", ""))  # a soft sign is an apostrophe
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or (words[0][:limit] if words else "")


def short_hash(text: str, length: int = 6) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def paper_id_for(title: str, arxiv_id: str | None = None) -> str:
    """A paper's id: a readable slug plus a hash of the title's key; never one shared by titles of different words.

    A title with Latin letters or digits keeps the id it has always had (its Latin key hashed), so no URL changes;
    any other title hashes its full key, or, with no letter at all ("!!!"), its text.
    """
    latin = " ".join(latin_words(title))
    if latin:
        return f"{slugify(title, 50)}-{short_hash(latin)}"
    key = normalize_title(title) or title.strip()
    slug = slugify(title, 50) or (arxiv_id or "").replace(".", "-") or "paper"
    return f"{slug}-{short_hash(key)}"
