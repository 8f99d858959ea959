"""`python -m bench.search`: size of the search index and query speed in headless Chromium.

Builds the 157-day JSON corpus (tests/data/hf-daily-2024.tar.xz), serves it on
127.0.0.1 and, in the system Chromium, times loading the index and answering
queries through the real search page (input event -> search -> results in the DOM).
"""

from __future__ import annotations

import gzip
import json
import shutil
import statistics
import tarfile
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from generator.build import build_site
from generator.config import load_config
from generator.site.output import write_atomic

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "tests" / "data" / "hf-daily-2024.tar.xz"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"),
    *("--disable-component-update", "--disable-sync", "--no-first-run"),
]
QUERIES = ("diffusion", "video generation", "llm agent", "retrieval augmented", "mixture of experts", "di", "tr", "quantization", "zzzznomatch")
REPEATS = 15

TIME_QUERIES = """
async ([queries, repeats]) => {
  const input = document.getElementById('search-q');
  const timings = {};
  for (const query of queries) {
    const runs = [];
    for (let i = 0; i < repeats; i++) {
      input.value = '';
      input.dispatchEvent(new Event('input'));
      const started = performance.now();
      input.value = query;
      input.dispatchEvent(new Event('input'));
      runs.push(performance.now() - started);
    }
    timings[query] = [runs, document.querySelectorAll('#search-results > li').length, document.getElementById('search-status').textContent];
  }
  return timings;
}
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def kib(data: bytes) -> str:
    return f"{len(data) / 1024:.0f}"


def build_corpus_site(workdir: Path, base_url: str) -> tuple[Path, int, float]:
    with tarfile.open(CORPUS) as archive:
        archive.extractall(workdir / "unpacked", filter="data")
    project = workdir / "project"
    shutil.copytree(workdir / "unpacked" / "hf-daily-2024", project / "content" / "dumps")
    (project / "digest.yaml").write_text(f"title: Corpus\nbase_url: {base_url}\n", encoding="utf-8")
    config, _ = load_config(None, project)
    started = time.perf_counter()
    result = build_site(config, project)
    seconds = time.perf_counter() - started
    write_atomic(config.output_dir, result.files)
    return config.output_dir, len(result.site.papers), seconds


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as temp:
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(Path(temp) / "project" / "site")))
        base_url = f"http://127.0.0.1:{server.server_address[1]}/"
        site, papers, build_seconds = build_corpus_site(Path(temp), base_url)
        index = (site / "search" / "index.json").read_bytes()
        print(f"corpus: {papers} papers; whole build {build_seconds:.2f} s")
        script = (site / "static" / "search.js").stat().st_size
        print(f"index: {kib(index)} KiB raw, {kib(gzip.compress(index, 9))} KiB gzipped; search.js {script / 1024:.1f} KiB")
        naive = json.dumps([[p["id"], p["title"], p["abstract"]] for p in json.loads((site / "papers.json").read_bytes())["papers"]]).encode()
        print(f"for comparison, every title and abstract as is: {kib(naive)} KiB raw, {kib(gzip.compress(naive, 9))} KiB gzipped")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(base_url + "search/")
                page.wait_for_selector("#search[data-ready=true]")
                print(f"open search page and load the index: {(time.perf_counter() - started) * 1000:.0f} ms (localhost, no network latency)")
                timings = page.evaluate(TIME_QUERIES, [list(QUERIES), REPEATS])
                print(f"{'query':<22} {'median ms':>10} {'max ms':>8}  results")
                for query, (runs, shown, status) in timings.items():
                    print(f"{query!r:<22} {statistics.median(runs):>10.2f} {max(runs):>8.2f}  {status} ({shown} shown)")
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
