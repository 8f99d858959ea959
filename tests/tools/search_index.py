"""The search index's postings decoded the way search.js decodes them, for the tests of the index and of the page."""

from __future__ import annotations

import json
from pathlib import Path

from generator.site import search


def decoded(files: dict[str, bytes]) -> dict[str, list[tuple[int, int]]]:
    """term -> [(paper number, strong)], from every postings shard of the index files (site path -> bytes)."""
    found: dict[str, list[tuple[int, int]]] = {}
    dictionary = json.loads(files[search.INDEX_PATH])
    for number in range(len(dictionary["postings"])):
        for term, code in json.loads(files[f"search/p/{number}.json"]).items():
            x, pairs = 0, []
            for gap in search.decode(code):
                assert gap > 0 or not pairs, term
                x += gap
                pairs.append((x >> 1, x & 1))
            found[term] = pairs
    return found


def decoded_in(site: Path) -> dict[str, list[tuple[int, int]]]:
    """decoded() of the index a built site holds."""
    return decoded({path.relative_to(site).as_posix(): path.read_bytes() for path in (site / "search").rglob("*.json")})
