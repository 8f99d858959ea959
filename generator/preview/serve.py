"""The preview server: the output folder over HTTP under the site's base path, with live reload.

GET and HEAD only; a request never reaches a file outside the output folder
(`..`, encoded or not, and symlinks that lead out are refused). HTML responses
get a small script that listens on an event stream ({base}__digest/events) and
reloads the page after a rebuild or shows an overlay with the build's errors;
the script is added to the response only, never to the files on disk.

Bound to a loopback address (the default), it answers only requests whose Host
is localhost, 127.0.0.1, [::1] or its own address, any port: a page of another
site whose name was made to resolve to 127.0.0.1 (DNS rebinding) gets a 403,
not the site or its event stream. Bound to any other address on purpose
(--host 0.0.0.0, a LAN address), it answers any Host.
"""

from __future__ import annotations

import ipaddress
import json
import mimetypes
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePath, PurePosixPath
from urllib.parse import unquote, urlsplit

from generator.preview import watch
from generator.preview.incremental import RebuildOutcome, RebuildSession

EVENTS_PATH = "__digest/events"
KEEPALIVE_SECONDS = 15.0
HISTORY = 64  # events kept for subscribers that fall behind

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}


def content_type(path: PurePath) -> str:
    """Fixed types for what a site holds (the system's mime table varies by machine), a guess otherwise."""
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class Outcome(Enum):
    FILE = "file"
    REDIRECT = "redirect"
    EVENTS = "events"
    NOT_FOUND = "not found"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True, slots=True)
class Resolution:
    outcome: Outcome
    file: Path | None = None  # a file of the output folder
    location: str = ""
    site_path: str = ""  # a file of the last good build, served from memory
    data: bytes = b""


def _request_in_site(raw_path: str, base_path: str, events: bool) -> Resolution | tuple[list[str], str, str]:
    """The request's path segments below the base path (with the path and query), or the answer when there is none."""
    path = urlsplit(raw_path).path or "/"
    query = urlsplit(raw_path).query
    if not path.startswith(base_path):
        if path in ("/", base_path.rstrip("/")):
            return Resolution(Outcome.REDIRECT, location=base_path)
        return Resolution(Outcome.NOT_FOUND)
    relative = unquote(path[len(base_path) :], errors="strict") if "%" in path else path[len(base_path) :]
    if events and relative == EVENTS_PATH:
        return Resolution(Outcome.EVENTS)
    parts = relative.split("/")
    if any(part in ("..", ".") for part in parts) or "\\" in relative or "\x00" in relative or relative.startswith("/"):
        return Resolution(Outcome.FORBIDDEN)
    return [p for p in parts if p], path, query


def _folder_redirect(path: str, query: str) -> Resolution:
    return Resolution(Outcome.REDIRECT, location=path + "/" + (f"?{query}" if query else ""))


def resolve_in_build(raw_path: str, base_path: str, files: Mapping[str, bytes], events: bool) -> Resolution:
    """Map a request path onto a file of a build held in memory (site path -> bytes), or say why not."""
    found = _request_in_site(raw_path, base_path, events)
    if isinstance(found, Resolution):
        return found
    parts, path, query = found
    site_path = "/".join(parts)
    if site_path in files:
        return Resolution(Outcome.FILE, site_path=site_path, data=files[site_path])
    index = f"{site_path}/index.html" if site_path else "index.html"
    if index not in files:
        return Resolution(Outcome.NOT_FOUND)
    if not path.endswith("/"):
        return _folder_redirect(path, query)
    return Resolution(Outcome.FILE, site_path=index, data=files[index])


def resolve_request(raw_path: str, base_path: str, root: Path, events: bool) -> Resolution:
    """Map a request path onto a file inside `root`, or say why not. Pure but for reading the folder."""
    found = _request_in_site(raw_path, base_path, events)
    if isinstance(found, Resolution):
        return found
    parts, path, query = found
    site_root = root.resolve()
    candidate = site_root.joinpath(*parts)
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return Resolution(Outcome.NOT_FOUND)
    if real != site_root and not real.is_relative_to(site_root):
        return Resolution(Outcome.FORBIDDEN)
    if real.is_dir():
        if not path.endswith("/"):
            return _folder_redirect(path, query)
        index = candidate / "index.html"
        try:
            real = index.resolve(strict=True)
        except (OSError, RuntimeError):
            return Resolution(Outcome.NOT_FOUND)
        if not real.is_relative_to(site_root):
            return Resolution(Outcome.FORBIDDEN)
    if not real.is_file():
        return Resolution(Outcome.NOT_FOUND)
    return Resolution(Outcome.FILE, file=real)


class Broadcaster:
    """Build events for every open event stream, plus the current error state for new ones."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._events: list[tuple[int, str, str]] = []  # (sequence, event name, JSON data)
        self._sequence = 0
        self._closed = False
        self.build = 0  # number of the site being served; pages carry it to notice missed reloads
        self.problems: tuple[str, ...] = ()

    def publish(self, name: str, data: dict[str, object]) -> None:
        with self._condition:
            self._sequence += 1
            self._events.append((self._sequence, name, json.dumps(data, sort_keys=True)))
            del self._events[:-HISTORY]
            self._condition.notify_all()

    def reloaded(self, changed: list[str]) -> None:
        with self._condition:
            self.build += 1
            self.problems = ()
        self.publish("reload", {"build": self.build, "changed": changed[:50]})

    def failed(self, problems: list[str]) -> None:
        with self._condition:
            self.problems = tuple(problems)
        self.publish("problem", {"build": self.build, "problems": problems})

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def subscribe(self) -> Iterator[tuple[str, str] | None]:
        """Events as (name, data) from now on; None when a keep-alive is due. Ends on close()."""
        with self._condition:
            seen = self._sequence
            hello = {"build": self.build}
            current = list(self.problems)
        yield "hello", json.dumps(hello)
        if current:
            yield "problem", json.dumps({"build": hello["build"], "problems": current}, sort_keys=True)
        while True:
            with self._condition:
                self._condition.wait_for(lambda after=seen: self._closed or self._sequence > after, timeout=KEEPALIVE_SECONDS)
                if self._closed:
                    return
                pending = [(name, data) for number, name, data in self._events if number > seen]
                seen = self._sequence
            if not pending:
                yield None
            yield from pending


RELOAD_SCRIPT = """<script>
(() => {
  const served = %(build)d;
  const stream = new EventSource(%(events)s);
  const show = (problems) => {
    let box = document.getElementById("digest-overlay");
    if (!box) {
      box = document.createElement("pre");
      box.id = "digest-overlay";
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;margin:0;padding:1em;" +
        "background:#2b0b0b;color:#ffd7d7;font:13px/1.4 monospace;white-space:pre-wrap;z-index:2147483647;border-top:3px solid #e5484d";
      document.body.appendChild(box);
    }
    box.textContent = "digest: the last change broke the build; showing the last good site.\\n\\n" + problems.join("\\n");
  };
  stream.addEventListener("hello", (e) => { if (JSON.parse(e.data).build !== served) location.reload(); });
  stream.addEventListener("reload", () => location.reload());
  stream.addEventListener("problem", (e) => show(JSON.parse(e.data).problems));
})();
</script>
"""


def inject_reload(html: bytes, base_path: str, build: int) -> bytes:
    """The page with the live-reload script before its last </body> (or at its end)."""
    script = (RELOAD_SCRIPT % {"build": build, "events": json.dumps(base_path + EVENTS_PATH)}).encode()
    position = html.lower().rfind(b"</body>")
    if position < 0:
        return html + script
    return html[:position] + script + html[position:]


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def host_name(header: str) -> str:
    """The name in a Host header, without its port or brackets, lower case: `[::1]:8000` -> `::1`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


def host_allowed(header: str | None, bound: str) -> bool:
    """Whether a server bound to `bound` answers a request with this Host header (see the module's comment).

    No Host at all (an HTTP/1.0 tool) is answered: a browser, the only way in for DNS rebinding, always sends one.
    """
    if header is None or not is_loopback(bound):
        return True
    return host_name(header).removesuffix(".") in LOOPBACK_NAMES | {bound.lower()}


FALLBACK_404 = b"<!doctype html><html><head><meta charset=utf-8><title>Not found</title></head><body><h1>Not found</h1></body></html>\n"


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # event streams never block shutdown
    allow_reuse_address = True
    request_queue_size = 128  # bursts of parallel requests from a browser (or a test)

    def __init__(
        self,
        address: tuple[str, int],
        root: Path,
        base_path: str,
        live_reload: bool,
        broadcaster: Broadcaster,
        build_files: Callable[[], Mapping[str, bytes] | None] = lambda: None,
    ) -> None:
        self.root = root
        self.build_files = build_files  # the last good build in memory, when there is one; else the folder is served
        self.base_path = base_path
        self.live_reload = live_reload
        self.broadcaster = broadcaster
        super().__init__(address, PreviewHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{self.base_path}"


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "paper-digest-preview"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        pass  # the terminal is for build output; a preview's request log is noise

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _method_not_allowed(self) -> None:
        message = b"405 method not allowed: this preview server answers GET and HEAD\n"
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, message, "text/plain; charset=utf-8", True, {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _method_not_allowed

    def parse_request(self) -> bool:
        """The request line and headers; a request for a name the server does not answer gets its 403 here, whatever its method and path."""
        if not super().parse_request():
            return False
        if host_allowed(self.headers.get("Host"), str(self.server.server_address[0])):
            return True
        message = b"403 forbidden: this preview answers requests for localhost, 127.0.0.1 and [::1] only\n"
        self.close_connection = True
        self._send(HTTPStatus.FORBIDDEN, message, "text/plain; charset=utf-8", self.command != "HEAD")
        return False

    def _respond(self, send_body: bool) -> None:
        server = self.server
        files = server.build_files()
        try:
            if files is not None:
                found = resolve_in_build(self.path, server.base_path, files, server.live_reload)
            else:
                found = resolve_request(self.path, server.base_path, server.root, server.live_reload)
        except UnicodeDecodeError:
            found = Resolution(Outcome.NOT_FOUND)
        if found.outcome is Outcome.EVENTS:
            self._stream_events(send_body)
        elif found.outcome is Outcome.REDIRECT:
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain; charset=utf-8", send_body, {"Location": found.location})
        elif found.outcome is Outcome.FORBIDDEN:
            self._send(HTTPStatus.FORBIDDEN, b"403 forbidden: outside the site\n", "text/plain; charset=utf-8", send_body)
        elif found.outcome is Outcome.FILE and found.site_path:
            self._send(HTTPStatus.OK, found.data, content_type(PurePosixPath(found.site_path)), send_body)
        elif found.outcome is Outcome.FILE and found.file is not None:
            try:
                data = found.file.read_bytes()
            except OSError:  # removed by a rebuild between resolving and reading
                self._not_found(send_body)
                return
            self._send(HTTPStatus.OK, data, content_type(found.file), send_body)
        else:
            self._not_found(send_body)

    def _not_found(self, send_body: bool) -> None:
        files = self.server.build_files()
        if files is not None:
            self._send(HTTPStatus.NOT_FOUND, files.get("404.html", FALLBACK_404), "text/html; charset=utf-8", send_body)
            return
        page = self.server.root / "404.html"
        try:
            data = page.read_bytes() if page.is_file() and not page.is_symlink() else FALLBACK_404
        except OSError:
            data = FALLBACK_404
        self._send(HTTPStatus.NOT_FOUND, data, "text/html; charset=utf-8", send_body)

    def _send(self, status: HTTPStatus, data: bytes, kind: str, send_body: bool, headers: dict[str, str] | None = None) -> None:
        if self.server.live_reload and kind.startswith("text/html"):
            data = inject_reload(data, self.server.base_path, self.server.broadcaster.build)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _stream_events(self, send_body: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not send_body:
            return
        try:
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            for event in self.server.broadcaster.subscribe():
                message = b": keep-alive\n\n" if event is None else f"event: {event[0]}\ndata: {event[1]}\n\n".encode()
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the page went away
        self.close_connection = True


def start_server(
    host: str,
    port: int,
    root: Path,
    base_path: str,
    live_reload: bool,
    broadcaster: Broadcaster,
    build_files: Callable[[], Mapping[str, bytes] | None] = lambda: None,
) -> tuple[PreviewServer, threading.Thread]:
    """Bind (port 0 picks a free port) and serve in a background thread."""
    server = PreviewServer((host, port), root, base_path, live_reload, broadcaster, build_files)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True, name="preview-server")
    thread.start()
    return server, thread


def run_preview(session: RebuildSession, config_file: Path, host: str, port: int, live_reload: bool, quiet: bool) -> int:
    """`digest serve`: build, serve, rebuild on every change and reload open pages, until Ctrl-C."""
    watch.stop_on_signals()
    broadcaster = Broadcaster()
    stop = threading.Event()
    server: PreviewServer | None = None
    try:
        first = session.rebuild()
        watch.print_outcome(first, quiet)
        config = session.config or session.config_now()[0]
        if config is None:
            return 1  # the config itself is broken and there is no site to fall back on
        if not first.ok:
            broadcaster.failed([p.format() for p in first.errors or first.problems])
        try:
            server, _ = start_server(host, port, config.output_dir, config.base_path, live_reload, broadcaster, lambda: session.last_good_files)
        except OSError as exc:
            print(f"{host}:{port}: error: cannot listen: {exc.strerror or exc} (hint: pick another --port)", file=sys.stderr, flush=True)
            return 1
        print(f"serving {config.output_dir} at {server.url} (Ctrl-C to stop)", flush=True)

        def report(changes: tuple[watch.FileChange, ...], outcome: RebuildOutcome) -> None:
            if not quiet:
                print(watch.describe_changes(changes, session.project_root), flush=True)
            watch.print_outcome(outcome, quiet)
            if not outcome.ok:
                broadcaster.failed([p.format() for p in outcome.errors or outcome.problems])
                return
            if session.config is not None and server is not None:
                server.base_path = session.config.base_path  # base_url may have been edited
            if outcome.written or outcome.removed or broadcaster.problems:
                broadcaster.reloaded([*outcome.written, *outcome.removed])

        # Pages are served from memory, so open pages reload before the output folder is written.
        watch.rebuild_on_changes(session, config_file, stop, report, lambda: watch.announce_watching(quiet), report_before_writing=True)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        broadcaster.close()
        session.close()
        if server is not None:
            server.shutdown()
            server.server_close()
    if not quiet:
        print("stopped", flush=True)
    return 0
