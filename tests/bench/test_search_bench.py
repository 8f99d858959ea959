"""bench.search_bench times, in Chromium, a query's first result and whole page, cold and keystroke by keystroke."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench import search_bench
from tests.tools.site_under_test import chromium, served_sample


def test_each_query_is_timed_to_its_first_result_and_to_its_whole_page(tmp_path: Path) -> None:
    with chromium() as browser, served_sample(tmp_path) as site:
        papers = json.loads((site.folder / "papers.json").read_text(encoding="utf-8"))["papers"]
        word = next(w.lower() for w in re.findall(r"[A-Za-z]{6,}", papers[0]["title"]))
        found = search_bench.measure_browser(browser, site.base_url, [word], cold=2)[word]
    assert found["results"] >= 1 and found["bytes_kb"] > 0
    assert 0 < found["first_ms"] <= found["page_ms"]
    # Each keystroke's first result comes no later than its whole page, so do their median and worst.
    assert 0 <= found["key_median_ms"] <= found["key_page_median_ms"]
    assert found["key_max_ms"] <= found["key_page_max_ms"]
    # Each keystroke's median over the two typings is no worse than the worst single keystroke.
    assert found["key_max_ms"] <= found["key_worst_single_ms"]
