"""`digest fetch` against a fake daily papers API on 127.0.0.1: real HTTP, real files, the real command."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from generator import __version__, fetch
from generator.config import FetchSettings, load_config
from tests.tools.fake_daily_papers import FakeDailyPapers, Trouble, extract_sample

SAMPLE_DAYS = ["2026-08-17", "2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"]


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract_sample(tmp_path_factory.mktemp("fetch-sample"))


@pytest.fixture(scope="session")
def sample(sample_dir: Path) -> dict[str, list[Any]]:
    return {day: json.loads((sample_dir / f"{day}.json").read_bytes()) for day in SAMPLE_DAYS}


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as running:
        yield running


@pytest.fixture
def api(server: HTTPServer, sample: dict[str, list[Any]]) -> FakeDailyPapers:
    return FakeDailyPapers(server, days={day: list(items) for day, items in sample.items()}).install()


@pytest.fixture
def project(tmp_path: Path, api: FakeDailyPapers) -> Path:
    """A digest folder whose fetch asks the fake API, patiently but never for long."""
    (tmp_path / "content" / "dumps").mkdir(parents=True)
    (tmp_path / "digest.yaml").write_text(f"fetch:\n  api_url: {api.url}\n  timeout: 0.5\n  retries: 2\n  max_wait: 0.05\n", encoding="utf-8")
    return tmp_path


def digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def dumps_of(project: Path) -> dict[str, bytes]:
    """Every file in content/dumps, hidden ones included (a temp file left behind would show here)."""
    folder = project / "content" / "dumps"
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def stats_of(project: Path) -> dict[str, tuple[int, int]]:
    return {path.name: (path.stat().st_mtime_ns, path.stat().st_ino) for path in sorted((project / "content" / "dumps").iterdir())}


def test_days_3_writes_three_dumps_as_served_then_a_second_run_transfers_nothing(project: Path, api: FakeDailyPapers, sample_dir: Path) -> None:
    first = digest("fetch", "--days", "3", "--until", "2026-08-21", cwd=project)
    assert first.returncode == 0, first.stderr
    assert dumps_of(project) == {f"{day}.json": (sample_dir / f"{day}.json").read_bytes() for day in SAMPLE_DAYS[2:]}
    assert "fetched 3 days (2026-08-19 to 2026-08-21) in 3 requests: 3 written" in first.stdout
    assert all(request["if_none_match"] is None for request in api.requests)
    before = stats_of(project)
    api.requests.clear()

    second = digest("fetch", "--days", "3", "--until", "2026-08-21", cwd=project)
    assert second.returncode == 0, second.stderr
    assert api.statuses() == [304, 304, 304]
    assert all(request["if_none_match"] and request["if_modified_since"] for request in api.requests)
    assert stats_of(project) == before  # not even rewritten with the same bytes
    assert "3 not modified" in second.stdout
    assert not (project / "content" / ".digest-cache").exists()  # the validators are not content
    assert (project / ".digest-cache" / "fetch-state.json").is_file()


def test_a_changed_day_is_rewritten_and_the_others_cost_a_304(project: Path, api: FakeDailyPapers) -> None:
    assert digest("fetch", "--since", "2026-08-20", "--until", "2026-08-21", cwd=project).returncode == 0
    api.days["2026-08-21"][0]["paper"]["upvotes"] += 7  # upvotes change during the day
    api.requests.clear()
    result = digest("fetch", "--since", "2026-08-20", "--until", "2026-08-21", cwd=project)
    assert result.returncode == 0, result.stderr
    assert api.statuses() == [304, 200]
    assert json.loads(dumps_of(project)["2026-08-21.json"]) == api.days["2026-08-21"]
    assert "content/dumps/2026-08-21.json: updated, 17 papers" in result.stdout  # a path the user can open from here


def test_a_day_of_more_than_a_page_is_asked_page_by_page_and_kept_as_a_set_by_id(project: Path, api: FakeDailyPapers, sample: dict[str, list[Any]]) -> None:
    every = [item for day in SAMPLE_DAYS for item in sample[day]]
    assert len(every) == 110
    served = [*every[:100], every[99], every[5], *every[100:]]  # page 1 repeats two papers of page 0
    api.days = {"2026-08-22": served}
    result = digest("fetch", "--since", "2026-08-22", "--until", "2026-08-22", cwd=project)
    assert result.returncode == 0, result.stderr
    assert [(r["p"], r["limit"]) for r in api.requests] == [(0, 100), (1, 100)]
    written = json.loads(dumps_of(project)["2026-08-22.json"])
    assert written == every  # served order, each paper once
    assert "110 papers" in result.stdout


def test_a_page_that_adds_no_paper_ends_the_day(server: HTTPServer, sample: dict[str, list[Any]]) -> None:
    """An API that ignores `p` serves page 0 again and again: the day ends instead of looping."""
    full = [item for day in SAMPLE_DAYS for item in sample[day]][:100]
    server.expect_request("/api/daily_papers").respond_with_json(full)
    client = fetch.DailyPapersClient(FetchSettings(api_url=server.url_for("/api/daily_papers"), retries=0))
    answer = client.fetch_day(dt.date(2026, 8, 22), {}, conditional=False)
    assert answer.items == full and client.requests == 2


def test_429_waits_as_long_as_retry_after_says_then_gets_the_day(server: HTTPServer, api: FakeDailyPapers) -> None:
    api.trouble["2026-08-17"] = [Trouble(429, "slow down", {"Retry-After": "2"})]
    waits: list[float] = []
    client = fetch.DailyPapersClient(FetchSettings(api_url=api.url, retries=3, max_wait=30), sleep=waits.append)
    answer = client.fetch_day(dt.date(2026, 8, 17), {}, conditional=False)
    assert waits == [2.0]
    assert api.statuses() == [429, 200] and answer.items == api.days["2026-08-17"]


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("3600", 30.0), ("Sat, 22 Aug 2026 06:00:05 GMT", 5.0), ("soon", 1.0)],  # capped; an HTTP date; unreadable: the backoff
)
def test_retry_after_is_capped_by_max_wait_and_read_as_a_date_too(api: FakeDailyPapers, retry_after: str, expected: float) -> None:
    api.trouble["2026-08-17"] = [Trouble(503, "busy", {"Retry-After": retry_after})]
    waits: list[float] = []
    now = dt.datetime(2026, 8, 22, 6, 0, 0, tzinfo=dt.UTC).timestamp()
    client = fetch.DailyPapersClient(FetchSettings(api_url=api.url, max_wait=30), sleep=waits.append, clock=lambda: now)
    client.fetch_day(dt.date(2026, 8, 17), {}, conditional=False)
    assert waits == [expected]


def test_500_then_success_writes_the_day(project: Path, api: FakeDailyPapers) -> None:
    api.trouble["2026-08-18"] = [Trouble(500), Trouble(502)]
    result = digest("fetch", "--since", "2026-08-18", "--until", "2026-08-18", cwd=project)
    assert result.returncode == 0, result.stderr
    assert api.statuses() == [500, 502, 200]
    assert json.loads(dumps_of(project)["2026-08-18.json"]) == api.days["2026-08-18"]


def test_backoff_doubles_between_tries_up_to_max_wait(api: FakeDailyPapers) -> None:
    api.trouble["2026-08-18"] = [Trouble(500)] * 5
    waits: list[float] = []
    client = fetch.DailyPapersClient(FetchSettings(api_url=api.url, retries=5, max_wait=6), sleep=waits.append)
    client.fetch_day(dt.date(2026, 8, 18), {}, conditional=False)
    assert waits == [1.0, 2.0, 4.0, 6.0, 6.0]


def test_a_timeout_is_retried(project: Path, api: FakeDailyPapers) -> None:
    api.trouble["2026-08-19"] = [Trouble(200, "[]", delay=1.5)]  # answers after the 0.5 s timeout: never read
    result = digest("fetch", "--since", "2026-08-19", "--until", "2026-08-19", cwd=project)
    assert result.returncode == 0, result.stderr
    assert len(api.requests) == 2
    assert json.loads(dumps_of(project)["2026-08-19.json"]) == api.days["2026-08-19"]


def test_a_day_that_keeps_failing_leaves_its_dump_and_the_others_go_on(project: Path, api: FakeDailyPapers) -> None:
    old = b'[{"paper": {"id": "2608.00001", "title": "Kept"}}]'
    (project / "content" / "dumps" / "2026-08-20.json").write_bytes(old)
    api.trouble["2026-08-20"] = [Trouble(200, '[{"paper": {"id": ')] * 3  # malformed JSON, every try (retries: 2)
    api.trouble["2026-08-21"] = [Trouble(200, "", delay=1.5)] * 3  # a timeout, every try
    result = digest("fetch", "--since", "2026-08-19", "--until", "2026-08-21", cwd=project)
    assert result.returncode == 1
    dumps = dumps_of(project)
    assert dumps["2026-08-20.json"] == old
    assert "2026-08-21.json" not in dumps
    assert json.loads(dumps["2026-08-19.json"]) == api.days["2026-08-19"]
    assert set(dumps) == {"2026-08-19.json", "2026-08-20.json"}  # no temp file left either
    assert "content/dumps/2026-08-20.json: error: could not fetch 2026-08-20: the answer was not JSON (3 tries)" in result.stderr
    assert "content/dumps/2026-08-21.json: error: could not fetch 2026-08-21: no answer within 0.5 s (3 tries)" in result.stderr
    assert "digest: fetch failed for 2026-08-20, 2026-08-21" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_client_error_is_not_retried(project: Path, api: FakeDailyPapers) -> None:
    api.trouble["2026-08-19"] = [Trouble(404, '{"error": "no such date"}')]
    result = digest("fetch", "--since", "2026-08-19", "--until", "2026-08-19", cwd=project)
    assert result.returncode == 1
    assert len(api.requests) == 1
    assert "could not fetch 2026-08-19: HTTP 404" in result.stderr


def test_an_answer_that_is_not_a_list_fails_the_day_saying_what_it_was(project: Path, api: FakeDailyPapers) -> None:
    api.trouble["2026-08-19"] = [Trouble(200, '{"error": "Invalid date"}')]
    result = digest("fetch", "--since", "2026-08-19", "--until", "2026-08-19", cwd=project)
    assert result.returncode == 1
    assert "the API answered an error, 'Invalid date', not a list of papers" in result.stderr


def test_a_day_without_papers_writes_no_file_and_is_not_a_failure(project: Path, api: FakeDailyPapers) -> None:
    result = digest("fetch", "--since", "2026-08-22", "--until", "2026-08-23", cwd=project)  # a weekend
    assert result.returncode == 0, result.stderr
    assert dumps_of(project) == {}
    assert "2 no papers" in result.stdout
    api.requests.clear()
    again = digest("fetch", "--since", "2026-08-22", "--until", "2026-08-23", cwd=project)
    assert again.returncode == 0 and api.statuses() == [304, 304]  # an empty day is remembered too


def test_a_shrunken_day_is_kept_and_reported_unless_forced(project: Path, api: FakeDailyPapers, sample_dir: Path) -> None:
    dump = project / "content" / "dumps" / "2026-08-17.json"
    dump.write_bytes((sample_dir / "2026-08-17.json").read_bytes())
    api.days["2026-08-17"] = api.days["2026-08-17"][:20]
    before = dump.stat().st_mtime_ns
    result = digest("fetch", "--since", "2026-08-17", "--until", "2026-08-17", cwd=project)
    assert result.returncode == 0, result.stderr
    assert dump.read_bytes() == (sample_dir / "2026-08-17.json").read_bytes() and dump.stat().st_mtime_ns == before
    kept = "the dump was kept: 3 of its 23 papers are not in the answer; --force replaces it"
    assert f"content/dumps/2026-08-17.json: warning: 2026-08-17: {kept}" in result.stderr
    forced = digest("fetch", "--since", "2026-08-17", "--until", "2026-08-17", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert json.loads(dump.read_bytes()) == api.days["2026-08-17"]


def test_an_empty_answer_never_removes_a_dump(project: Path, api: FakeDailyPapers, sample_dir: Path) -> None:
    dump = project / "content" / "dumps" / "2026-08-17.json"
    dump.write_bytes((sample_dir / "2026-08-17.json").read_bytes())
    api.days["2026-08-17"] = []
    for flags in ((), ("--force",)):
        result = digest("fetch", "--since", "2026-08-17", "--until", "2026-08-17", *flags, cwd=project)
        assert result.returncode == 0
        assert "the API now lists no papers for this day; the dump was kept" in result.stderr
        assert dump.read_bytes() == (sample_dir / "2026-08-17.json").read_bytes()


def test_a_dump_deleted_by_hand_is_fetched_again_not_answered_304(project: Path, api: FakeDailyPapers) -> None:
    assert digest("fetch", "--since", "2026-08-17", "--until", "2026-08-17", cwd=project).returncode == 0
    (project / "content" / "dumps" / "2026-08-17.json").unlink()
    api.requests.clear()
    assert digest("fetch", "--since", "2026-08-17", "--until", "2026-08-17", cwd=project).returncode == 0
    assert api.requests[0]["if_none_match"] is None
    assert "2026-08-17.json" in dumps_of(project)


def test_requests_name_the_project_in_their_user_agent(project: Path, api: FakeDailyPapers) -> None:
    assert digest("fetch", "--since", "2026-08-17", "--until", "2026-08-17", cwd=project).returncode == 0
    assert api.requests[0]["user_agent"].startswith(f"paper-digest/{__version__} ")


def test_api_url_flag_beats_the_config(tmp_path: Path, api: FakeDailyPapers) -> None:
    (tmp_path / "content").mkdir()
    result = digest("fetch", "--api-url", api.url, "--since", "2026-08-17", "--until", "2026-08-17", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "content" / "dumps" / "2026-08-17.json").is_file()  # dumps/ is made when missing


def test_content_flag_picks_the_folder_and_a_missing_one_is_an_error(project: Path, api: FakeDailyPapers) -> None:
    other = project / "other"
    other.mkdir()
    assert digest("fetch", "--content", "other", "--since", "2026-08-17", "--until", "2026-08-17", cwd=project).returncode == 0
    assert (other / "dumps" / "2026-08-17.json").is_file()
    missing = digest("fetch", "--content", "typo", "--days", "1", cwd=project)
    assert missing.returncode == 1
    assert "the content folder does not exist" in missing.stderr and "digest new DIR" in missing.stderr
    assert not (project / "typo").exists()
    assert {request["date"] for request in api.requests} == {"2026-08-17"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--api-url", "ftp://example.org/"], "--api-url: error: 'ftp://example.org/' is not an absolute http(s) URL"),
        (["--since", "2026-08-21", "--until", "2026-08-17"], "--since 2026-08-21 is after --until 2026-08-17"),
        (["--since", "2026-02-30"], "'2026-02-30' is not a date like 2026-08-17"),
        (["--days", "0"], "'0' is not a number of days"),
        (["--days", "2", "--since", "2026-08-17"], "not allowed with argument"),
    ],
)
def test_bad_flags_are_usage_errors(project: Path, api: FakeDailyPapers, args: list[str], message: str) -> None:
    result = digest("fetch", *args, cwd=project)
    assert result.returncode == 2
    assert message in result.stderr
    assert api.requests == []


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("fetch:\n  api_url: not a url\n", "digest.yaml:2: error: fetch.api_url 'not a url' is not an absolute http(s) URL"),
        (
            "title: x\nfetch:\n  retries: 2\n  api_ulr: https://example.org/\n",
            "digest.yaml:4: error: unknown fetch key 'api_ulr' (hint: did you mean 'api_url'?)",
        ),
        ("fetch:\n  timeout: 0\n", "digest.yaml:2: error: fetch.timeout must be a number of seconds (over 0 to 3600)"),
        ("fetch:\n  retries: -1\n", "digest.yaml:2: error: fetch.retries must be a whole number from 0 to 20, not -1"),
        ("fetch: https://example.org/\n", "digest.yaml:1: error: fetch must be a mapping"),
    ],
)
def test_bad_fetch_settings_are_reported_at_their_line(tmp_path: Path, yaml_text: str, message: str) -> None:
    (tmp_path / "digest.yaml").write_text(yaml_text, encoding="utf-8")
    (tmp_path / "content").mkdir()
    result = digest("fetch", "--days", "1", cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_fetch_settings_default_to_the_daily_papers_api(tmp_path: Path) -> None:
    config, problems = load_config(None, tmp_path)
    assert not problems and config.fetch.api_url == "https://huggingface.co/api/daily_papers"


def test_default_days_are_since_the_newest_dump_and_three_before_it_again(tmp_path: Path) -> None:
    today = dt.date(2026, 8, 24)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    for name in ("2026-08-17.json", "notes/2026-08-20.txt", ".2026-08-23.json.tmp-12", "2026-08-21.json~", "x.txt"):
        (dumps / name).parent.mkdir(exist_ok=True)
        (dumps / name).write_text("[]", encoding="utf-8")
    newest = fetch.newest_dump_date(dumps)
    assert newest == dt.date(2026, 8, 20)  # hidden and editor files do not count
    assert fetch.plan_days(today, newest) == [dt.date(2026, 8, 17) + dt.timedelta(days=n) for n in range(8)]
    assert fetch.plan_days(today, None) == [dt.date(2026, 8, 18) + dt.timedelta(days=n) for n in range(7)]
    assert fetch.plan_days(today, None, days=2) == [dt.date(2026, 8, 23), today]
    assert fetch.plan_days(today, None, days=1, until=dt.date(2026, 8, 1)) == [dt.date(2026, 8, 1)]
    assert fetch.plan_days(today, newest, since=dt.date(2026, 8, 23)) == [dt.date(2026, 8, 23), today]


def test_default_days_from_the_command(project: Path, api: FakeDailyPapers) -> None:
    """No flag: from 3 days before the newest dump up to today (UTC); the fake API has no papers for most."""
    newest = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
    (project / "content" / "dumps" / f"{newest}.json").write_text("[]", encoding="utf-8")
    result = digest("fetch", cwd=project)
    assert result.returncode == 0, result.stderr
    assert [r["date"] for r in api.requests] == [str(newest + dt.timedelta(days=n)) for n in range(-3, 3)]


def test_a_failed_write_leaves_the_old_dump_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "2026-08-17.json"
    dump.write_bytes(b"[]")

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        fetch.write_atomically(dump, b'[{"paper": {"id": "1"}}]')
    assert [path.name for path in tmp_path.iterdir()] == ["2026-08-17.json"] and dump.read_bytes() == b"[]"


def test_the_temp_file_is_a_name_no_build_reads() -> None:
    from generator.pipeline.ingest import is_ignored_name

    assert is_ignored_name(f".2026-08-17.json.tmp-{os.getpid()}")
