"""`digest fetch`: days of the daily papers API into content/dumps/YYYY-MM-DD.json.

A stage of its own: dates and settings in, a report per day out, and the one
writer of fetched dumps. Each day is asked for page by page (`limit`, `p`)
until a short page, its papers kept as a set by paper id in served order, and
written atomically beside the old file; an answer that would lose papers a
dump holds is reported, never written, unless forced. Validators (ETag,
Last-Modified) of each page are kept in a state file outside the content
folder, so an unchanged day costs a 304 and touches no file. docs/fetch.md
tells the whole behaviour.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx

from generator import __version__
from generator.config import FetchSettings
from generator.pipeline.ingest import DUMPS_FOLDER, is_ignored_name
from generator.pipeline.readers.common import date_from_file_name
from generator.problems import Problem, error, warning
from generator.progress import Progress, no_progress

USER_AGENT = f"paper-digest/{__version__} (digest fetch: a static-site generator for the daily papers)"
PAGE_LIMIT = 100  # the most the API gives in one page
MAX_PAGES = 50  # a day never has this many pages: an API that keeps answering full pages is broken
DAYS_WITHOUT_DUMPS = 7  # the default range when there is no dated dump yet
DAYS_AGAIN = 3  # the default range starts this many days before the newest dump: upvotes and late additions change
STATE_FILE = Path(".digest-cache") / "fetch-state.json"
STATE_VERSION = 1
BACKOFF_SECONDS = 1.0  # the first wait between tries; it doubles, capped by fetch.max_wait


class Outcome(StrEnum):
    WRITTEN = "written"  # a new dump
    UPDATED = "updated"  # the dump changed
    UNCHANGED = "unchanged"  # the answer is the dump's bytes
    NOT_MODIFIED = "not modified"  # the API answered 304 to every page: nothing was transferred
    EMPTY = "no papers"  # no file is written for a day without papers
    KEPT = "kept"  # an answer that would lose papers the dump holds: the dump stays, reported
    FAILED = "failed"  # the dump stays as it was


@dataclass(frozen=True, slots=True)
class DayReport:
    date: dt.date
    outcome: Outcome
    papers: int = 0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FetchResult:
    days: list[DayReport]
    requests: int  # HTTP requests sent, retries included

    @property
    def failed(self) -> list[DayReport]:
        return [day for day in self.days if day.outcome is Outcome.FAILED]


class FetchError(Exception):
    """A day could not be fetched: why, in words for the user."""


@dataclass(slots=True)
class Page:
    items: list[Any] | None  # None: 304, the body is the one fetched before
    validators: dict[str, Any]


@dataclass(slots=True)
class DayAnswer:
    items: list[Any] | None  # None: every page answered 304
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # state key -> validators and count


# --- which days ------------------------------------------------------------------------------


def newest_dump_date(dumps_dir: Path) -> dt.date | None:
    """The newest real day a dump's file name holds (any dump, fetched or not); hidden and editor files do not count."""
    newest = None
    if not dumps_dir.is_dir():
        return None
    for path in dumps_dir.rglob("*"):
        if not path.is_file() or any(is_ignored_name(part) for part in path.relative_to(dumps_dir).parts):
            continue
        _, date = date_from_file_name(path.name)
        if date is not None and (newest is None or date > newest):
            newest = date
    return newest


def plan_days(
    today: dt.date,
    newest: dt.date | None,
    days: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dt.date]:
    """The days to fetch, oldest first.

    `since` [`until`] is a range; `days` is the last N days up to `until` (default today); with neither,
    the days from DAYS_AGAIN before the newest dump up to today, or the last DAYS_WITHOUT_DUMPS days.
    """
    last = until or today
    if since is not None:
        first = since
    elif days is not None:
        first = last - dt.timedelta(days=days - 1)
    elif newest is not None:
        first = min(newest, last) - dt.timedelta(days=DAYS_AGAIN)
    else:
        first = last - dt.timedelta(days=DAYS_WITHOUT_DUMPS - 1)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


# --- asking the API ----------------------------------------------------------------------------


def paper_id(item: Any) -> str | None:
    """A served item's paper id (`paper.id`), the key a day's papers are a set by."""
    if isinstance(item, dict):
        paper = item.get("paper")
        if isinstance(paper, dict) and isinstance(paper.get("id"), str):
            return paper["id"]
    return None


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After as seconds to wait: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)


class DailyPapersClient:
    """The daily papers API over one HTTP connection pool: retries with backoff, Retry-After, conditional requests."""

    def __init__(
        self,
        settings: FetchSettings,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.http = http or httpx.Client(timeout=httpx.Timeout(settings.timeout), headers={"User-Agent": USER_AGENT}, follow_redirects=True)
        self.sleep = sleep
        self.clock = clock
        self.requests = 0

    def close(self) -> None:
        self.http.close()

    def day_key(self, date: dt.date) -> str:
        """The start of the keys of a day's pages."""
        return f"{self.settings.api_url}?date={date.isoformat()}&limit={PAGE_LIMIT}&p="

    def key(self, date: dt.date, page: int) -> str:
        """Where a page's validators are kept: the request's own URL, so another api_url starts afresh."""
        return f"{self.day_key(date)}{page}"

    def get_page(self, date: dt.date, page: int, known: dict[str, Any] | None) -> Page:
        """One page of a day; with `known` validators a 304 answer gives items None."""
        headers = {}
        if known:
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        params = {"date": date.isoformat(), "limit": PAGE_LIMIT, "p": page}
        tries = self.settings.retries + 1
        for attempt in range(tries):
            wait = min(self.settings.max_wait, BACKOFF_SECONDS * 2**attempt)
            try:
                self.requests += 1
                response = self.http.get(self.settings.api_url, params=params, headers=headers)
            except httpx.TimeoutException:
                reason = f"no answer within {self.settings.timeout:g} s"
            except httpx.TransportError as exc:
                reason = f"could not reach {self.settings.api_url} ({type(exc).__name__})"
            else:
                status = response.status_code
                if status == 304 and headers:
                    return Page(None, dict(known or {}))
                if status == 200:
                    try:
                        data = json.loads(response.content)
                    except ValueError:
                        reason = "the answer was not JSON"
                    else:
                        if not isinstance(data, list):
                            raise FetchError(f"the API answered {summary_of(data)}, not a list of papers")
                        validators = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
                        return Page(data, {k: v for k, v in validators.items() if v})
                elif status in (429, 503):
                    reason = f"HTTP {status}"
                    asked = retry_after_seconds(response.headers.get("Retry-After"), self.clock())
                    if asked is not None:
                        wait = min(self.settings.max_wait, asked)
                elif status >= 500 or status == 408:
                    reason = f"HTTP {status}"
                else:
                    raise FetchError(f"HTTP {status} for {response.request.url}")
            if attempt + 1 < tries:
                self.sleep(wait)
        raise FetchError(f"{reason} ({tries} {'try' if tries == 1 else 'tries'})")

    def fetch_day(self, date: dt.date, state: dict[str, dict[str, Any]], conditional: bool) -> DayAnswer:
        """Every page of a day until a short one; items None when every page answered 304."""
        pages: list[tuple[str, int, Page]] = []
        seen: set[str] = set()
        for number in range(MAX_PAGES):
            key = self.key(date, number)
            known = state.get(key) if conditional else None
            page = self.get_page(date, number, known)
            count = len(page.items) if page.items is not None else int((known or {}).get("count", 0))
            pages.append((key, number, page))
            if count < PAGE_LIMIT:
                break
            if page.items is not None:
                new = {pid for item in page.items if (pid := paper_id(item)) is not None} - seen
                if not new:  # an API that ignores `p` serves page 0 again: the day is complete
                    break
                seen |= new
        else:
            raise FetchError(f"more than {MAX_PAGES} full pages for one day")
        if all(page.items is None for _, _, page in pages):
            return DayAnswer(None, {key: page.validators for key, _, page in pages})
        # Some page changed: a page that answered 304 is asked again for its body, as the dump holds the day whole.
        answered: list[tuple[str, Page]] = []
        for key, number, page in pages:
            answered.append((key, page if page.items is not None else self.get_page(date, number, None)))
        items: list[Any] = []
        ids: set[str] = set()
        for _, page in answered:
            for item in page.items or ():
                pid = paper_id(item)
                if pid is not None:
                    if pid in ids:
                        continue
                    ids.add(pid)
                items.append(item)
        return DayAnswer(items, {key: {**page.validators, "count": len(page.items or ())} for key, page in answered})


def summary_of(data: Any) -> str:
    """A short, printable account of an unexpected JSON answer."""
    if isinstance(data, dict):
        message = data.get("error")
        if isinstance(message, str):
            return f"an error, {message[:200]!r}"
        return "an object with keys " + ", ".join(repr(str(key)[:40]) for key in list(data)[:5])
    return f"a JSON {type(data).__name__}"


# --- writing the dumps -------------------------------------------------------------------------


def serialize(items: Sequence[Any]) -> bytes:
    """A day's dump: the items as served, in served order, two-space indented so a day's changes diff line by line."""
    return json.dumps(list(items), ensure_ascii=False, indent=2).encode("utf-8")


def ids_in_dump(data: bytes) -> tuple[set[str], int] | None:
    """The paper ids and item count of a dump in the API's shapes; None when it is not one."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(value, dict) and isinstance(value.get("data"), list):
        value = value["data"]
    if not isinstance(value, list):
        return None
    return {pid for item in value if (pid := paper_id(item)) is not None}, len(value)


def write_atomically(path: Path, data: bytes) -> None:
    """The whole file or the old one: a hidden temp file beside it (which no build reads), then one rename."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def store_day(dumps_dir: Path, date: dt.date, items: Sequence[Any], force: bool) -> DayReport:
    """Write a day's answer as its dump, unless that would lose papers the dump holds (then only with force)."""
    path = dumps_dir / f"{date.isoformat()}.json"
    old = path.read_bytes() if path.is_file() else None
    if not items:
        if old is None:
            return DayReport(date, Outcome.EMPTY)
        return DayReport(date, Outcome.KEPT, 0, "the API now lists no papers for this day; the dump was kept (an empty answer never removes a dump)")
    data = serialize(items)
    if old == data:
        return DayReport(date, Outcome.UNCHANGED, len(items))
    if old is not None and not force:
        held = ids_in_dump(old)
        if held is None:
            return DayReport(date, Outcome.KEPT, len(items), "the dump is not a list of papers to compare the answer with; --force replaces it")
        old_ids, old_count = held
        new_ids = {pid for item in items if (pid := paper_id(item)) is not None}
        lost = len(old_ids - new_ids)
        if lost or len(items) < old_count:
            why = f"{lost} of its {old_count} papers are not in the answer" if lost else f"the answer has {len(items)} papers, the dump {old_count}"
            return DayReport(date, Outcome.KEPT, len(items), f"the dump was kept: {why}; --force replaces it")
    dumps_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    return DayReport(date, Outcome.WRITTEN if old is None else Outcome.UPDATED, len(items))


# --- the validators kept between runs ----------------------------------------------------------


def load_state(path: Path) -> dict[str, dict[str, Any]]:
    """The pages' validators from the last runs; a missing or unreadable state only costs full downloads."""
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(value, dict) or value.get("version") != STATE_VERSION or not isinstance(value.get("pages"), dict):
        return {}
    return {key: entry for key, entry in value["pages"].items() if isinstance(entry, dict)}


def save_state(path: Path, pages: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps({"version": STATE_VERSION, "pages": pages}, sort_keys=True, indent=1).encode("utf-8") + b"\n")


# --- the whole run -----------------------------------------------------------------------------


def fetch_days(
    client: DailyPapersClient,
    dumps_dir: Path,
    state_path: Path,
    days: Iterable[dt.date],
    force: bool = False,
    progress: Progress = no_progress,
) -> FetchResult:
    """Fetch each day and store it; a failed day is reported and the others go on."""
    state = load_state(state_path)
    reports: list[DayReport] = []
    planned = list(days)
    progress("fetch", 0, len(planned))
    for done, date in enumerate(planned, 1):
        path = dumps_dir / f"{date.isoformat()}.json"
        was_empty = state.get(client.key(date, 0), {}).get("count") == 0
        # A 304 only says the answer is what it was: it stands for the dump only while that dump is there.
        conditional = path.is_file() or (was_empty and not path.exists())
        try:
            answer = client.fetch_day(date, state, conditional)
        except FetchError as exc:
            reports.append(DayReport(date, Outcome.FAILED, 0, str(exc)))
        else:
            if answer.items is None:
                reports.append(DayReport(date, Outcome.NOT_MODIFIED))
            else:
                report = store_day(dumps_dir, date, answer.items, force)
                reports.append(report)
                for key in [key for key in state if key.startswith(client.day_key(date))]:
                    del state[key]
                if report.outcome is not Outcome.KEPT:  # a kept day is asked in full next time
                    state.update(answer.pages)
        progress("fetch", done, len(planned))
    save_state(state_path, state)
    return FetchResult(reports, client.requests)


# --- what the user is told ---------------------------------------------------------------------


def problems_of(result: FetchResult) -> list[Problem]:
    """Failed days as errors, kept dumps as warnings, at the dump's path (relative to the content folder)."""
    problems = []
    for day in result.days:
        source = f"{DUMPS_FOLDER}/{day.date.isoformat()}.json"
        if day.outcome is Outcome.FAILED:
            problems.append(error(source, None, f"could not fetch {day.date}: {day.detail}", "the dump was left as it was; the next digest fetch tries again"))
        elif day.outcome is Outcome.KEPT:
            problems.append(warning(source, None, f"{day.date}: {day.detail}"))
    return problems


def summary_lines(result: FetchResult, dumps_shown: str) -> list[str]:
    """A line per dump written (under dumps_shown, the folder as the user reaches it), then
    `fetched N days (FIRST to LAST) in R requests: ...` with a count per outcome."""
    written = (Outcome.WRITTEN, Outcome.UPDATED)
    lines = [f"{dumps_shown}/{day.date}.json: {day.outcome}, {day.papers} papers" for day in result.days if day.outcome in written]
    if not result.days:
        return [*lines, "fetched no day"]
    counts = {outcome: sum(day.outcome is outcome for day in result.days) for outcome in Outcome}
    parts = [f"{counts[outcome]} {outcome}" for outcome in Outcome if counts[outcome]]
    first, last = result.days[0].date, result.days[-1].date
    span = f"{first}" if first == last else f"{first} to {last}"
    count = len(result.days)
    lines.append(f"fetched {count} {'day' if count == 1 else 'days'} ({span}) in {result.requests} requests: " + ", ".join(parts))
    return lines
