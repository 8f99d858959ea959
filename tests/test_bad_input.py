"""The bad-input catalogue (tests/fixtures/bad/cases.yaml), run through the real `digest build` in a subprocess.

Every case must end in one-line `path:line: severity: message (hint: ...)` output and the right exit code,
never a traceback; a bad dump is skipped and the rest of the site still builds unless --strict.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

CATALOGUE = Path(__file__).parent / "fixtures" / "bad"
CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load((CATALOGUE / "cases.yaml").read_text(encoding="utf-8"))
SEED = Path(__file__).parent / "data" / "seeds" / "000_5550a00ef71bc00d.txt"
SEED_DAY_PAGE = Path("site/days/2025-08-05/index.html")
PROBLEM_LINE = re.compile(r"^(?P<where>\S+?(?::\d+)?): (?P<severity>error|warning): (?P<message>.+?) \(hint: (?P<hint>[^()]*(?:\([^()]*\)[^()]*)*)\)$")
SUMMARY_LINE = re.compile(r"^digest: [^\n]+$")


def digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "build", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def project_with_one_seed(root: Path) -> Path:
    dumps = root / "content" / "dumps"
    dumps.mkdir(parents=True)
    shutil.copy(SEED, dumps / SEED.name)
    (root / "digest.yaml").write_text("year: 2025\nbase_url: https://example.org/\n", encoding="utf-8")
    return root


def problem_lines(stderr: str) -> list[re.Match[str]]:
    """Every line of stderr is a located problem with a hint or a `digest:` summary; returns the problems."""
    assert "Traceback" not in stderr
    problems = []
    for line in stderr.splitlines():
        assert len(line) < 600, f"not a one-line message: {line[:200]}..."
        match = PROBLEM_LINE.match(line)
        assert match or SUMMARY_LINE.match(line), f"not a `path:line: severity: message (hint: ...)` line: {line!r}"
        if match:
            problems.append(match)
    return problems


def the_problem_at(stderr: str, where: str) -> re.Match[str]:
    [problem] = [p for p in problem_lines(stderr) if p["where"] == where]
    return problem


def titles_built(project: Path) -> list[str]:
    return [paper["title"] for paper in json.loads((project / "site" / "papers.json").read_text(encoding="utf-8"))["papers"]]


def case_id(case: dict[str, Any]) -> str:
    return case.get("file") or " ".join(case["args"])


Run = tuple[Path, subprocess.CompletedProcess[str]]


def build_with_every_bad_dump(root: Path, *flags: str) -> Run:
    """One build over the seed plus the whole catalogue of bad dumps; each case then checks its own lines."""
    project = project_with_one_seed(root)
    for case in CASES["dumps"]:
        shutil.copy(CATALOGUE / case["file"], project / "content" / "dumps")
    return project, digest(*flags, cwd=project)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return build_with_every_bad_dump(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def strict_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return build_with_every_bad_dump(tmp_path_factory.mktemp("strict"), "--strict")


@pytest.mark.parametrize("case", CASES["dumps"], ids=case_id)
def test_a_bad_dump_is_skipped_with_a_warning_and_the_rest_builds(default_run: Run, case: dict[str, Any]) -> None:
    project, result = default_run
    assert result.returncode == case["exit"], result.stderr
    problem = the_problem_at(result.stderr, case["where"])
    assert problem["severity"] == "warning"
    assert case["message"] in problem["message"]
    if case["severity"] == "error":
        assert problem["hint"].endswith("this dump was skipped")
    assert (project / SEED_DAY_PAGE).is_file()  # the good dump's pages exist
    assert len(titles_built(project)) >= 79


@pytest.mark.parametrize("case", CASES["dumps"], ids=case_id)
def test_strict_makes_every_catalogued_problem_fatal(strict_run: Run, case: dict[str, Any]) -> None:
    project, result = strict_run
    assert result.returncode == 1
    problem = the_problem_at(result.stderr, case["where"])
    assert problem["severity"] == case["severity"] and case["message"] in problem["message"]
    assert "left as it was" in result.stderr
    assert not (project / "site").exists()


def test_strict_fails_on_a_warning_alone(tmp_path: Path) -> None:
    project = project_with_one_seed(tmp_path)
    shutil.copy(CATALOGUE / "dumps" / "title-without-abstract.txt", project / "content" / "dumps")
    strict = digest("--strict", cwd=project)  # without --strict the same input builds: see default_run
    assert strict.returncode == 1
    assert the_problem_at(strict.stderr, "content/dumps/title-without-abstract.txt:5")["severity"] == "warning"


def test_only_bad_dumps_fail_the_build_and_keep_the_old_site(tmp_path: Path) -> None:
    project = project_with_one_seed(tmp_path)
    assert digest(cwd=project).returncode == 0
    before = (project / SEED_DAY_PAGE).read_bytes()
    (project / "content" / "dumps" / SEED.name).unlink()
    for name in ("empty.txt", "binary.txt", "impossible-day.txt"):
        shutil.copy(CATALOGUE / "dumps" / name, project / "content" / "dumps")
    result = digest(cwd=project)
    assert result.returncode == 1
    assert {p["severity"] for p in problem_lines(result.stderr)} == {"error"}
    assert (project / SEED_DAY_PAGE).read_bytes() == before


@pytest.mark.parametrize("case", CASES["fine"], ids=case_id)
def test_unusual_but_fine_input_is_read_as_normal(tmp_path: Path, case: dict[str, Any]) -> None:
    project = project_with_one_seed(tmp_path)
    shutil.copy(CATALOGUE / case["file"], project / "content" / "dumps")
    result = digest("--strict", cwd=project)
    assert result.returncode == 0, result.stderr
    assert problem_lines(result.stderr) == []
    assert case["read_as"] in titles_built(project)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b"" for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("case", CASES["config"], ids=case_id)
def test_a_broken_config_or_topics_file_fails_with_its_line(tmp_path: Path, case: dict[str, Any]) -> None:
    project = project_with_one_seed(tmp_path)
    shutil.copy(CATALOGUE / case["file"], project / case["into"])
    before = tree(project)
    result = digest(cwd=project)
    assert result.returncode == case["exit"]
    problem = the_problem_at(result.stderr, case["where"])
    assert problem["severity"] == "error" and case["message"] in f"{problem['message']} (hint: {problem['hint']})"
    assert tree(project) == before  # nothing written, nothing deleted


@pytest.mark.parametrize("case", CASES["flags"], ids=case_id)
def test_a_wrong_flag_is_a_usage_error(tmp_path: Path, case: dict[str, Any]) -> None:
    project = project_with_one_seed(tmp_path)
    before = tree(project)
    result = digest(*case["args"], cwd=project)
    assert result.returncode == case["exit"]
    problem = the_problem_at(result.stderr, case["where"])
    assert problem["severity"] == "error" and case["message"] in problem["message"]
    assert tree(project) == before


def test_the_catalogue_names_only_files_that_exist_and_every_fixture_is_used() -> None:
    named = {case["file"] for cases in CASES.values() for case in cases if "file" in case}
    on_disk = {p.relative_to(CATALOGUE).as_posix() for p in CATALOGUE.rglob("*") if p.is_file() and p.parent != CATALOGUE}
    assert named == on_disk


TEN_MB = 10 * 1024 * 1024


def test_a_ten_megabyte_single_line_is_reported_clipped(tmp_path: Path) -> None:
    project = project_with_one_seed(tmp_path)
    dumps = project / "content" / "dumps"
    (dumps / "one-line.txt").write_bytes(b"Mar 14 " + b"x" * TEN_MB)  # no newline at all
    (dumps / "huge-abstract.txt").write_bytes(b"Daily Papers\n\nMar 15\n\nA Title Over A Huge Line\n\n" + b"word " * (TEN_MB // 5) + b"\n")
    result = digest(cwd=project)
    assert result.returncode == 0, result.stderr[:2000]
    assert "expected the day line" in the_problem_at(result.stderr, "content/dumps/one-line.txt:1")["message"]
    assert "is not a title or an abstract" in the_problem_at(result.stderr, "content/dumps/huge-abstract.txt:7")["message"]
    assert max(p.stat().st_size for p in (project / "site").rglob("*") if p.is_file()) < TEN_MB // 10  # the huge line went nowhere
