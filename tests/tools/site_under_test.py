"""Build the sample site under a project subpath and serve it the way GitHub Pages does.

Shared by the browser, HTML and link tests: the sample dumps, the repo's
content/pages and topics, built with a base_url like http://127.0.0.1:PORT/repo/
and served by a real HTTP server on 127.0.0.1 that maps /repo/ to the site folder.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from generator.build import build_site
from generator.config import load_config
from generator.site.output import write_atomic

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = REPO_ROOT / "tests" / "data" / "seeds"
SUBPATH = "/repo/"
CHROMIUM = Path("/usr/bin/chromium")
VNU_JAR = REPO_ROOT / ".test-tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL_HINT = "run tests/tools/install-test-tools.sh (as root) to install it"


def missing_tool(reason: str) -> None:
    """Skip locally when a system tool is absent; under CI the tools are installed, so absence is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} in CI; {INSTALL_HINT}")
    pytest.skip(f"{reason}; {INSTALL_HINT}")


def make_project(folder: Path, base_url: str) -> Path:
    """A project with the seed dumps plus the repo's own pages and topics (when it has them)."""
    dumps = folder / "content" / "dumps"
    dumps.mkdir(parents=True)
    for seed in sorted(SEEDS.iterdir()):
        shutil.copy(seed, dumps / seed.name)
    for extra in ("pages",):
        if (REPO_ROOT / "content" / extra).is_dir():
            shutil.copytree(REPO_ROOT / "content" / extra, folder / "content" / extra)
    if (REPO_ROOT / "content" / "topics.yaml").is_file():
        shutil.copy(REPO_ROOT / "content" / "topics.yaml", folder / "content" / "topics.yaml")
    (folder / "digest.yaml").write_text(f"title: Test Digest\nbase_url: {base_url}\nyear: 2025\n", encoding="utf-8")
    return folder


def build_project(project: Path) -> Path:
    config, problems = load_config(None, project)
    assert problems == [], [p.format() for p in problems]
    result = build_site(config, project)
    assert result.errors == (), [p.format() for p in result.errors]
    write_atomic(config.output_dir, result.files)
    return config.output_dir


class SubpathHandler(SimpleHTTPRequestHandler):
    """Serves the site folder at SUBPATH only, and 404.html for anything missing, as GitHub Pages does."""

    def __init__(self, *args: object, site: Path, **kwargs: object) -> None:
        self.site = site
        super().__init__(*args, directory=str(site), **kwargs)  # type: ignore[arg-type]

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if not clean.startswith(SUBPATH):
            return str(self.site / "does-not-exist")
        return super().translate_path("/" + clean[len(SUBPATH) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass(frozen=True)
class ServedSite:
    folder: Path
    base_url: str  # http://127.0.0.1:PORT/repo/


@contextmanager
def served_project(prepare: Callable[[str], Path]) -> Iterator[ServedSite]:
    """Bind a port first (the build needs it in base_url), let `prepare(base_url)` write the project, build it, serve it."""
    site_holder: dict[str, Path] = {}

    def handler(*args: object, **kwargs: object) -> SubpathHandler:
        return SubpathHandler(*args, site=site_holder["site"], **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}{SUBPATH}"
    site_holder["site"] = build_project(prepare(base_url))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ServedSite(site_holder["site"], base_url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def served_sample(folder: Path) -> AbstractContextManager[ServedSite]:
    """The sample dumps with the repo's pages and topics, served under SUBPATH."""
    return served_project(lambda base_url: make_project(folder, base_url))


CHROMIUM_ARGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"),
    *("--disable-component-update", "--disable-sync", "--no-first-run"),
]


@contextmanager
def chromium() -> Iterator[Any]:
    """The system's Chromium through Playwright (never a downloaded browser); skipped, or failed under CI, without it."""
    if not CHROMIUM.exists():
        missing_tool(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_tool("the playwright Python package is missing (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
