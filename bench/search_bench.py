"""`python -m bench.search_bench`: the search index's size and build cost, and search as a reader feels it in Chromium.

For each corpus (the 2024 JSON corpus, and generated sets of --sizes entries
from bench/corpus.py) it builds the site as `digest build` does, rendered
and written, and times the index alone (`search.index_files` on the built
model, best of --repeats, with its tracemalloc peak) against the build's
time and CPU time (the build makes the index in a worker while pages render,
so its share of the CPU is its share of the work). It serves the site on
127.0.0.1. Then, in the system Chromium through Playwright, each query is
opened cold (a fresh browser context: empty cache) as `search/?q=...`:

- bytes: what the page downloaded (document, CSS, JS and index files) up to
  the moment the first result is in the DOM (Resource Timing's body sizes);
- first: milliseconds from navigation start to the first result in the DOM
  (search.js's `search:first`), and to the whole first page (`search:rendered`),
  each the median of --cold cold loads;
- then the query is typed again a character at a time into each warm page,
  and each keystroke's input-event-to-first-result and input-event-to-whole-page
  times are taken, each keystroke's the median over the --cold typings; the
  table gives the median and the worst keystroke, and the single worst time
  any typing saw ("1 worst").

Results are printed as a table; docs/search.md holds the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tarfile
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "tests" / "data" / "hf-daily-2024.tar.xz"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"),
    *("--disable-component-update", "--disable-sync", "--no-first-run"),
]
QUERIES = ("diffusion", "reinforcement learning", "difusion", "video generation model")

# Records each search:first (the first result shown) and search:rendered (the whole page of results) event of
# search.js, with the bytes fetched so far.
RECORDER = """
window.__first = [];
window.__rendered = [];
function fetched() {
  var bytes = 0;
  performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).forEach(function (entry) {
    bytes += entry.encodedBodySize || 0;
  });
  return bytes;
}
document.addEventListener("search:first", function (event) {
  window.__first.push({ at: performance.now(), bytes: fetched(), query: event.detail.query });
}, true);
document.addEventListener("search:rendered", function (event) {
  window.__rendered.push({ at: performance.now(), bytes: fetched(), count: event.detail.count, query: event.detail.query });
  console.debug("search:rendered");  // what the bench waits for: polling from Playwright would run scripts in the page
}, true);
"""

# Per keystroke: [ms to its first result (to its whole page when it shows none), ms to its whole page of results].
# Each keystroke waits for the previous one's search:rendered event, not by polling, which would run in the page.
TYPE_QUERY = """
async (query) => {
  const input = document.getElementById('search-q');
  const times = [];
  for (let i = 1; i <= query.length; i++) {
    const seen = window.__rendered.length, firsts = window.__first.length;
    const rendered = new Promise(resolve => {
      document.addEventListener('search:rendered', resolve, { once: true, capture: true });
      setTimeout(resolve, 10000);
    });
    const started = performance.now();
    input.value = query.slice(0, i);
    input.dispatchEvent(new Event('input'));
    await rendered;
    const whole = window.__rendered.length > seen ? window.__rendered[seen].at - started : performance.now() - started;
    const first = window.__first.length > firsts ? window.__first[firsts].at - started : whole;
    times.push([first, whole]);
  }
  return times;
}
"""


class QuietHandler(SimpleHTTPRequestHandler):
    # Connections kept open between files, as every static host (GitHub Pages speaks HTTP/2) keeps them; the
    # handler's default, HTTP/1.0, opens one per file, which no reader's browser meets. Without TCP_NODELAY (which
    # static servers set) a kept-open connection waits out the client's delayed ACK, 40 ms, on every file.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def make_project(workdir: Path, size: int | None) -> Path:
    project = workdir / f"project-{size or 'corpus'}"
    shutil.rmtree(project, ignore_errors=True)
    dumps = project / "content" / "dumps"
    if size is None:
        with tarfile.open(CORPUS) as archive:
            archive.extractall(workdir / "unpacked", filter="data")
        shutil.copytree(workdir / "unpacked" / "hf-daily-2024", dumps)
    else:
        from bench.corpus import make_entries, write_text_dumps

        write_text_dumps(make_entries(size), dumps)
    (project / "digest.yaml").write_text("title: Search Bench\nbase_url: http://127.0.0.1:8000/\nyear: 2025\n", encoding="utf-8")
    return project


def cpu_seconds() -> float:
    """CPU time of this process and of its children that ended (the build's forked workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def measure_index(size: int | None, workdir: Path, repeats: int) -> tuple[Path, dict[str, Any]]:
    from generator.build import write_site
    from generator.config import load_config
    from generator.heap import cycle_collector_paused
    from generator.site import search

    project = make_project(workdir, size)
    config, _ = load_config(project / "digest.yaml", project)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = write_site(config, project)  # what `digest build` does: the site rendered and written
    build_seconds, build_cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    site = result.site
    del result
    index_seconds = []
    for _ in range(repeats):
        with cycle_collector_paused():  # as the build runs it
            started = time.perf_counter()
            files = search.index_files(site)
            index_seconds.append(time.perf_counter() - started)
    tracemalloc.start()
    search.index_files(site)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    total = sum(map(len, files.values()))
    return config.output_dir, {
        "corpus": "2024 corpus" if size is None else f"{size:,} entries",
        "papers": len(site.papers),
        "build_s": build_seconds,
        "build_cpu_s": build_cpu,
        "index_s": min(index_seconds),
        "index_peak_mb": peak / 1e6,
        "index_files": len(files),
        "index_bytes": total,
        "bytes_per_paper": total / max(1, len(site.papers)),
        "dictionary_bytes": len(files[search.INDEX_PATH]),
    }


def measure_browser(browser: Any, base_url: str, queries: Sequence[str], cold: int = 1) -> dict[str, dict[str, float]]:
    """Each query opened `cold` times in fresh contexts and typed again in each; a load's figures and each
    keystroke's are the medians over those runs, as a single load or typing swings with what else the machine does."""
    found: dict[str, dict[str, float]] = {}
    for query in queries:
        loads: list[tuple[dict[str, Any], dict[str, Any]]] = []
        typings: list[list[list[float]]] = []
        heap = 0.0
        for _ in range(max(1, cold)):
            context = browser.new_context()
            page = context.new_page()
            page.add_init_script(RECORDER)
            with page.expect_console_message(lambda message: message.text == "search:rendered", timeout=60_000):
                page.goto(f"{base_url}search/?q={query}", wait_until="commit")
            loads.append((page.evaluate("window.__first[0] || window.__rendered[0]"), page.evaluate("window.__rendered[0]")))
            typings.append(page.evaluate(TYPE_QUERY, query))
            heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
            context.close()
        # Per keystroke, its median over the typings: [to its first result, to its whole page].
        keys = [[statistics.median(typed[key][part] for typed in typings) for part in (0, 1)] for key in range(len(query))]
        found[query] = {
            "results": loads[0][1]["count"],
            "first_ms": statistics.median(first["at"] for first, _ in loads),
            "page_ms": statistics.median(whole["at"] for _, whole in loads),
            "bytes_kb": statistics.median(first["bytes"] for first, _ in loads) / 1024,
            "key_median_ms": statistics.median(t[0] for t in keys),
            "key_max_ms": max(t[0] for t in keys),
            "key_page_median_ms": statistics.median(t[1] for t in keys),
            "key_page_max_ms": max(t[1] for t in keys),
            "key_worst_single_ms": max(t[0] for typed in typings for t in typed),
            "heap_mb": heap / 1e6,
        }
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000", help="generated sets, in entries (comma separated; '' for the corpus only)")
    parser.add_argument("--repeats", type=int, default=3, help="index builds timed per corpus (best is kept)")
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument("--cold", type=int, default=3, help="cold loads (each then typed again) per query; the medians are reported")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    sizes: list[int | None] = [None, *(int(s) for s in args.sizes.split(",") if s)]
    queries = [q for q in args.queries.split(",") if q]
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="search-bench-") as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size in sizes:
            site, row = measure_index(size, Path(folder), args.repeats)
            with serving(site) as base_url:
                row["queries"] = measure_browser(browser, base_url, queries, args.cold)
            rows.append(row)
            shutil.rmtree(site.parent, ignore_errors=True)
        browser.close()
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for row in rows:
        print(
            f"{row['corpus']}: {row['papers']:,} papers; build {row['build_s']:.2f} s ({row['build_cpu_s']:.1f} s CPU), "
            f"index {row['index_s']:.2f} s ({100 * row['index_s'] / row['build_s']:.0f}% of the build's time, "
            f"{100 * row['index_s'] / row['build_cpu_s']:.0f}% of its CPU), peak {row['index_peak_mb']:.0f} MB; {row['index_files']:,} files, "
            f"{row['index_bytes'] / 1e6:.1f} MB = {row['bytes_per_paper']:.0f} B/paper; dictionary {row['dictionary_bytes'] / 1024:.1f} KB"
        )
        print(
            f"  {'query':<26} {'results':>8} {'KB first':>9} {'ms first':>9} {'ms page':>8} "
            f"{'ms/key med':>11} {'ms/key max':>11} {'1 worst':>8} {'page/key med':>13} {'page/key max':>13} {'heap MB':>8}"
        )
        for query, q in row["queries"].items():
            cold = f"{q['first_ms']:>9.0f} {q['page_ms']:>8.0f}"
            keys = (
                f"{q['key_median_ms']:>11.1f} {q['key_max_ms']:>11.1f} {q['key_worst_single_ms']:>8.0f} "
                f"{q['key_page_median_ms']:>13.1f} {q['key_page_max_ms']:>13.1f}"
            )
            print(f"  {query:<26} {q['results']:>8,} {q['bytes_kb']:>9.0f} {cold} {keys} {q['heap_mb']:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
