"""`digest serve` for real: a child process on a free loopback port, its event stream, its files and its refusals."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from generator.preview.serve import EVENTS_PATH, Outcome, host_allowed, inject_reload, resolve_in_build, resolve_request
from tests.tools.processes import read_until

REPO_ROOT = Path(__file__).parents[2]
BASE = "/digest/"


class Preview:
    """A running `digest serve` child and a way to talk to it."""

    def __init__(self, project: Path, *flags: str) -> None:
        self.project = project
        self.child = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--port", "0", *flags],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        line = read_until(self.child.stdout, "serving")
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        self.port = int(match.group(1))
        read_until(self.child.stdout, "watching for changes")

    def request(self, method: str, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
        """One request; `host` replaces the Host header http.client would send (127.0.0.1:port)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            if host is None:
                connection.request(method, path)  # http.client sends the path as is: no `..` clean-up
            else:
                connection.putrequest(method, path, skip_host=True)
                connection.putheader("Host", host)
                connection.endheaders()
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path)

    def stop(self) -> tuple[int, str]:
        self.child.send_signal(signal.SIGINT)
        try:
            code = self.child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
            code = -1
        return code, self.child.stderr.read()  # type: ignore[union-attr]


class EventStream:
    """The server-sent events of the preview, collected in a background thread."""

    def __init__(self, port: int) -> None:
        self.events: queue.Queue[tuple[str, str]] = queue.Queue()
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connection.request("GET", BASE + EVENTS_PATH)
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = ""
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[len("event: ") :]
                elif line.startswith("data: "):
                    self.events.put((name, line[len("data: ") :]))
        except (OSError, ValueError):
            pass

    def next(self, wanted: str, timeout: float = 30.0) -> str:
        while True:
            name, data = self.events.get(timeout=timeout)
            if name == wanted:
                return data

    def close(self) -> None:
        self.connection.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("preview")
    dumps = root / "content" / "dumps"
    dumps.mkdir(parents=True)
    for seed in sorted((REPO_ROOT / "tests" / "data" / "seeds").iterdir())[:2]:
        (dumps / seed.name).write_bytes(seed.read_bytes())
    (root / "themes" / "preview" / "templates").mkdir(parents=True)  # falls back to the default theme
    (root / "themes" / "preview" / "static").mkdir()
    (root / "themes" / "preview" / "static" / "app.js").write_text("console.log('preview');\n", encoding="utf-8")
    (root / "digest.yaml").write_text(f"title: Preview\nbase_url: https://example.org{BASE}\nyear: 2025\ntheme: preview\n", encoding="utf-8")
    (root / "secret.txt").write_text("TOP-SECRET-BYTES\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def preview(project: Path) -> Iterator[Preview]:
    server = Preview(project)
    yield server
    code, errors = server.stop()
    assert code == 0 and "Traceback" not in errors, errors


def test_pages_are_served_under_the_base_path_with_the_reload_script(preview: Preview) -> None:
    status, headers, body = preview.get(BASE)
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert int(headers["content-length"]) == len(body)
    assert b"EventSource" in body and (BASE + EVENTS_PATH).encode() in body
    assert body.rstrip().endswith(b"</html>") and body.index(b"EventSource") < body.rindex(b"</body>")
    on_disk = (preview.project / "site" / "index.html").read_bytes()
    assert b"EventSource" not in on_disk and on_disk != body
    assert preview.get("/")[0] == 301 and preview.get("/")[1]["location"] == BASE
    status, headers, _ = preview.get(BASE + "topics")
    assert status == 301 and headers["location"] == BASE + "topics/"
    assert preview.get(BASE + "days")[0] == 404  # a folder without an index page
    assert preview.get("/elsewhere/index.html")[0] == 404


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("static/style.css", "text/css; charset=utf-8"),
        ("static/app.js", "text/javascript; charset=utf-8"),
        ("feed.xml", "application/xml; charset=utf-8"),
        ("papers.json", "application/json"),
        ("days/2025-08-05.md", "text/markdown; charset=utf-8"),
    ],
)
def test_content_types(preview: Preview, path: str, kind: str) -> None:
    status, headers, body = preview.get(BASE + path)
    assert status == 200 and headers["content-type"] == kind
    if not kind.startswith("text/html"):
        assert body == (preview.project / "site" / path).read_bytes()  # only HTML responses get the script


def test_head_answers_headers_only_and_other_methods_get_405(preview: Preview) -> None:
    _, get_headers, get_body = preview.get(BASE + "papers.json")
    status, headers, body = preview.request("HEAD", BASE + "papers.json")
    assert status == 200 and body == b""
    assert headers["content-length"] == get_headers["content-length"] == str(len(get_body))
    for method in ("POST", "PUT", "DELETE"):
        status, headers, _ = preview.request(method, BASE + "index.html")
        assert status == 405 and headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        BASE + "../digest.yaml",
        BASE + "../secret.txt",
        BASE + "%2e%2e/digest.yaml",
        BASE + "%2E%2E%2Fsecret.txt",
        BASE + "static/..%2f..%2fdigest.yaml",
        BASE + "static/%2e%2e/%2e%2e/secret.txt",
        "/../digest.yaml",
    ],
)
def test_path_traversal_is_refused(preview: Preview, path: str) -> None:
    status, _, body = preview.get(path)
    assert status in (403, 404)
    assert b"TOP-SECRET-BYTES" not in body and b"base_url" not in body


def test_a_symlink_planted_in_the_output_is_never_followed(preview: Preview) -> None:
    """The server answers from the build it holds, so what appears in site/ behind its back is not served."""
    site = preview.project / "site"
    (site / "leak.txt").symlink_to(preview.project / "secret.txt")
    (site / "leak-dir").symlink_to(preview.project, target_is_directory=True)
    try:
        for path in ("leak.txt", "leak-dir/digest.yaml", "leak-dir/", "leak-dir/secret.txt"):
            status, _, body = preview.get(BASE + path)
            assert status == 404 and b"TOP-SECRET-BYTES" not in body and b"base_url" not in body, path
        assert preview.get(BASE + "index.html")[0] == 200
    finally:
        (site / "leak.txt").unlink()
        (site / "leak-dir").unlink()


def test_missing_pages_get_the_sites_404_page(preview: Preview) -> None:
    status, headers, body = preview.get(BASE + "no/such/page/")
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert body.startswith((preview.project / "site" / "404.html").read_bytes()[:200])


def test_live_reload_error_overlay_and_recovery(preview: Preview) -> None:
    dumps = preview.project / "content" / "dumps"
    dump = sorted(dumps.iterdir())[0]
    original = dump.read_text(encoding="utf-8")
    title = "A Freshly Saved Paper About Live Preview"
    stream = EventStream(preview.port)
    try:
        build = stream.next("hello")
        page = sorted(p for p in (preview.project / "site" / "days").iterdir() if p.is_dir())[-1].name

        with ThreadPoolExecutor(max_workers=16) as pool:  # a burst of readers while the rebuild runs
            dump.write_text(original.replace("\nAug 5\n", f"\nAug 5\n\n{title}\n\nIts abstract.\n", 1), encoding="utf-8")
            statuses = list(pool.map(lambda i: preview.get(BASE + ("", "papers.json", "static/style.css", f"days/{page}/")[i % 4])[0], range(120)))
        assert statuses == [200] * 120
        reload = stream.next("reload")
        assert reload != build
        status, _, body = preview.get(BASE)
        assert status == 200 and title.encode() in body

        (dumps / "zz-broken.txt").write_text("not a dump: no day line\n", encoding="utf-8")
        problem = stream.next("problem")
        assert "dumps/zz-broken.txt:1: error" in problem
        status, _, body = preview.get(BASE)
        assert status == 200 and title.encode() in body  # the last good site, still served

        (dumps / "zz-broken.txt").unlink()
        dump.write_text(original, encoding="utf-8")
        stream.next("reload")
        status, _, body = preview.get(BASE)
        assert status == 200 and title.encode() not in body
        assert '"problems"' not in EventStream(preview.port).next("hello")  # new pages open without an overlay
    finally:
        stream.close()
        dump.write_text(original, encoding="utf-8")


def test_a_template_error_shows_file_and_line_and_recovers(preview: Preview) -> None:
    templates = preview.project / "themes" / "preview" / "templates"
    stream = EventStream(preview.port)
    try:
        stream.next("hello")
        (templates / "404.html").write_text('{% extends "base.html" %}\n{% block main %}\n{% for %}\n{% endblock %}\n', encoding="utf-8")
        problem = stream.next("problem")
        assert "themes/preview/templates/404.html:3: error: template error" in problem
        assert preview.get(BASE)[0] == 200
        (templates / "404.html").write_text('{% extends "base.html" %}\n{% block main %}<p>Lost here.</p>{% endblock %}\n', encoding="utf-8")
        stream.next("reload")
        status, _, body = preview.get(BASE + "missing")
        assert status == 404 and b"Lost here." in body
    finally:
        stream.close()
        (templates / "404.html").unlink(missing_ok=True)


def test_no_reload_serves_the_files_as_they_are_and_ctrl_c_exits_0(project: Path, preview: Preview) -> None:
    other = Preview(project, "--no-reload", "--out", str(project / "plain-site"))
    try:
        status, _, body = other.get(BASE)
        assert status == 200 and body == (project / "plain-site" / "index.html").read_bytes()
        assert other.get(BASE + EVENTS_PATH)[0] == 404
    finally:
        code, errors = other.stop()
    assert code == 0 and "Traceback" not in errors, (code, errors)


def test_only_loopback_host_names_are_answered(preview: Preview) -> None:
    """A DNS-rebinding page asks with its own name: neither the site nor the event stream answers it; local names get the site."""
    refusal = b"403 forbidden: this preview answers requests for localhost, 127.0.0.1 and [::1] only\n"
    for host in ("evil.example", f"evil.example:{preview.port}", "127.0.0.1.evil.example", f"localhost.evil.example:{preview.port}"):
        for method, path in (("GET", BASE), ("GET", BASE + "papers.json"), ("GET", BASE + EVENTS_PATH), ("GET", "/"), ("POST", BASE), ("HEAD", BASE)):
            status, headers, body = preview.request(method, path, host)
            assert status == 403 and headers["content-type"] == "text/plain; charset=utf-8", (host, method, path)
            assert body == (b"" if method == "HEAD" else refusal), (host, method, path)
    port = preview.port
    for host in ("localhost", f"localhost:{port}", f"LOCALHOST:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "[::1]", "localhost.:80"):
        status, _, body = preview.request("GET", BASE, host)
        assert status == 200 and b"EventSource" in body, host


def test_a_server_bound_to_another_address_answers_any_host() -> None:
    """Bound to 0.0.0.0 or a LAN address the preview was exposed on purpose: names cannot be listed, so any is answered."""
    assert host_allowed("evil.example", "0.0.0.0") and host_allowed("my-laptop.local:8000", "192.168.1.20")
    assert not host_allowed("evil.example", "127.0.0.1") and not host_allowed("evil.example:80", "127.0.0.2")
    assert host_allowed("127.0.0.2:8000", "127.0.0.2") and host_allowed(None, "127.0.0.1")


def test_resolve_request_stays_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "site"
    (root / "days").mkdir(parents=True)
    (root / "index.html").write_text("home", encoding="utf-8")
    (root / "days" / "index.html").write_text("days", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("secret", encoding="utf-8")
    assert resolve_request("/repo/", "/repo/", root, True).file == (root / "index.html").resolve()
    assert resolve_request("/repo/days/?x=1", "/repo/", root, True).file == (root / "days" / "index.html").resolve()
    assert resolve_request("/repo/days?x=1", "/repo/", root, True).location == "/repo/days/?x=1"
    assert resolve_request("/repo", "/repo/", root, True).location == "/repo/"
    assert resolve_request("/repo/" + EVENTS_PATH, "/repo/", root, True).outcome is Outcome.EVENTS
    assert resolve_request("/repo/" + EVENTS_PATH, "/repo/", root, False).outcome is Outcome.NOT_FOUND
    for bad in ("/repo/../outside.txt", "/repo/%2e%2e/outside.txt", "/repo/days/..%2F..%2Foutside.txt", "/repo/days%5c..%5c..%5coutside.txt"):
        assert resolve_request(bad, "/repo/", root, True).outcome is Outcome.FORBIDDEN, bad
    (root / "out").symlink_to(tmp_path / "outside.txt")
    assert resolve_request("/repo/out", "/repo/", root, True).outcome is Outcome.FORBIDDEN
    assert resolve_request("/repo/nothing", "/repo/", root, True).outcome is Outcome.NOT_FOUND


def test_resolve_in_build_answers_like_the_folder_would() -> None:
    files = {"index.html": b"home", "days/index.html": b"days", "days/2025-08-05.md": b"md", "static/style.css": b"css"}
    assert resolve_in_build("/repo/", "/repo/", files, True).data == b"home"
    assert resolve_in_build("/repo/days/?x=1", "/repo/", files, True).data == b"days"
    assert resolve_in_build("/repo/days//2025-08-05.md", "/repo/", files, True).site_path == "days/2025-08-05.md"
    assert resolve_in_build("/repo/days?x=1", "/repo/", files, True).location == "/repo/days/?x=1"
    assert resolve_in_build("/repo", "/repo/", files, True).location == "/repo/"
    assert resolve_in_build("/repo/" + EVENTS_PATH, "/repo/", files, True).outcome is Outcome.EVENTS
    for bad in ("/repo/../index.html", "/repo/%2e%2e/index.html", "/repo/days/..%2F..%2Findex.html", "/repo/days%5c..%5cindex.html"):
        assert resolve_in_build(bad, "/repo/", files, True).outcome is Outcome.FORBIDDEN, bad
    for missing in ("/repo/static/", "/repo/nothing", "/elsewhere/index.html"):
        assert resolve_in_build(missing, "/repo/", files, True).outcome is Outcome.NOT_FOUND, missing


def test_inject_reload_places_the_script_before_the_last_body_close() -> None:
    page = b"<html><body><p>x</p></body></html>\n"
    injected = inject_reload(page, "/b/", 3)
    assert injected.startswith(b"<html><body><p>x</p><script>") and injected.endswith(b"</script>\n</body></html>\n")
    assert b'"/b/__digest/events"' in injected and b"const served = 3;" in injected
    assert inject_reload(b"<p>fragment</p>", "/", 0).startswith(b"<p>fragment</p><script>")
