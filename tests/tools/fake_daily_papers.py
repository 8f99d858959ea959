"""A fake daily papers API on 127.0.0.1 for `digest fetch` tests: real HTTP through pytest-httpserver.

It serves `?date=YYYY-MM-DD&limit=N&p=P` pages of the days it holds (compact JSON, as the API does),
with ETag and Last-Modified and 304 answers to conditional requests, and takes scripted trouble per
day: a list of answers (429, 500, a slow answer, malformed JSON) served before the real one.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DATA = Path(__file__).parent.parent / "data" / "fetch"
SAMPLE_ARCHIVE = DATA / "hf-daily-2026-sample.tar.xz"
API_PATH = "/api/daily_papers"
LAST_MODIFIED = "Sat, 22 Aug 2026 06:00:00 GMT"


def extract_sample(target: Path) -> Path:
    """The five days of the 2026 sample (today's API shape, every field), extracted under target."""
    with tarfile.open(SAMPLE_ARCHIVE) as archive:
        archive.extractall(target, filter="data")
    return target / "hf-daily-2026-sample"


@dataclass
class Trouble:
    """One scripted answer served instead of the real one."""

    status: int = 500
    body: str = "oops"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a timeout test)


@dataclass
class FakeDailyPapers:
    server: HTTPServer
    days: dict[str, list[Any]] = field(default_factory=dict)
    trouble: dict[str, list[Trouble]] = field(default_factory=dict)  # date -> answers served first, one per request
    requests: list[dict[str, Any]] = field(default_factory=list)  # every request: query and conditional headers
    validators: bool = True  # send ETag and Last-Modified

    @property
    def url(self) -> str:
        return self.server.url_for(API_PATH)

    def install(self) -> FakeDailyPapers:
        self.server.expect_request(API_PATH).respond_with_handler(self.handle)
        return self

    def statuses(self) -> list[int]:
        return [request["status"] for request in self.requests]

    def handle(self, request: Request) -> Response:
        date = request.args.get("date", "")
        limit = int(request.args.get("limit", "50"))
        page = int(request.args.get("p", "0"))
        seen = {"date": date, "p": page, "limit": limit, "if_none_match": request.headers.get("If-None-Match")}
        seen["if_modified_since"] = request.headers.get("If-Modified-Since")
        seen["user_agent"] = request.headers.get("User-Agent")
        self.requests.append(seen)
        if self.trouble.get(date):
            trouble = self.trouble[date].pop(0)
            if trouble.delay:
                time.sleep(trouble.delay)
            seen["status"] = trouble.status
            return Response(trouble.body, status=trouble.status, headers=trouble.headers, content_type="application/json")
        items = self.days.get(date, [])[page * limit : (page + 1) * limit]
        body = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        if self.validators and request.headers.get("If-None-Match") == etag:
            seen["status"] = 304
            return Response(status=304, headers={"ETag": etag})
        seen["status"] = 200
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED} if self.validators else {}
        return Response(body, status=200, headers=headers, content_type="application/json")
