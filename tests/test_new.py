"""`digest new` and the scheduled GitHub Pages workflow it writes (the repository's own, but for the install line)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from generator import __version__
from tests.tools.fake_daily_papers import FakeDailyPapers, extract_sample

REPO_ROOT = Path(__file__).parent.parent
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "pages.yml"
SCAFFOLD_WORKFLOW = REPO_ROOT / "generator" / "scaffold" / "pages.yml"
SCAFFOLD_FILES = [".github/workflows/pages.yml", ".gitignore", "content/dumps/.gitkeep", "digest.yaml", "requirements.txt"]


def digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def files_under(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", port=0, threaded=True) as running:
        yield running


def test_new_fetch_build_ends_with_the_fetched_papers_in_papers_json(tmp_path: Path, server: HTTPServer) -> None:
    sample = extract_sample(tmp_path / "sample")
    days = {path.stem: json.loads(path.read_bytes()) for path in sorted(sample.glob("*.json"))}
    api = FakeDailyPapers(server, days=days).install()

    created = digest("new", "mine", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    project = tmp_path / "mine"
    assert files_under(project) == SCAFFOLD_FILES
    config = project / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"fetch:\n  api_url: {api.url}\n", encoding="utf-8")

    fetched = digest("fetch", "--since", "2026-08-17", "--until", "2026-08-23", cwd=project)
    assert fetched.returncode == 0, fetched.stderr
    assert "5 written, 2 no papers" in fetched.stdout
    built = digest("build", cwd=project)
    assert built.returncode == 0, built.stderr
    papers = json.loads((project / "site" / "papers.json").read_text(encoding="utf-8"))["papers"]
    served = {item["paper"]["id"] for items in days.values() for item in items}
    assert len(served) == 110
    assert {paper["arxiv_id"] for paper in papers} == served
    assert {appearance["source"] for paper in papers for appearance in paper["appearances"]} == {f"dumps/{day}.json" for day in days}


def test_new_writes_nothing_over_an_existing_file(tmp_path: Path) -> None:
    project = tmp_path / "mine"
    (project / "content").mkdir(parents=True)
    (project / "digest.yaml").write_text("title: Mine\n", encoding="utf-8")
    (project / "content" / "dumps").write_text("a file where a folder goes", encoding="utf-8")
    result = digest("new", "mine", cwd=tmp_path)
    assert result.returncode == 1
    assert "mine/digest.yaml: error: already exists (hint: digest new writes nothing over a file" in result.stderr
    assert "mine/content/dumps: error: already exists" in result.stderr
    assert files_under(project) == ["content/dumps", "digest.yaml"]
    assert (project / "digest.yaml").read_text(encoding="utf-8") == "title: Mine\n"


def test_new_into_an_existing_folder_keeps_its_other_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("mine\n", encoding="utf-8")
    result = digest("new", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert files_under(tmp_path) == sorted([*SCAFFOLD_FILES, "README.md"])


def test_the_new_config_is_valid_and_all_defaults(tmp_path: Path) -> None:
    from generator.config import Config, load_config

    assert digest("new", "p", cwd=tmp_path).returncode == 0
    config, problems = load_config(tmp_path / "p" / "digest.yaml", tmp_path / "p")
    assert problems == []
    assert config == Config(content_dir=tmp_path / "p" / "content", output_dir=tmp_path / "p" / "site")
    assert (tmp_path / "p" / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == f"paper-digest=={__version__}"
    assert "/site/" in (tmp_path / "p" / ".gitignore").read_text(encoding="utf-8").split()
    assert "/.digest-cache/" in (tmp_path / "p" / ".gitignore").read_text(encoding="utf-8").split()


def test_the_scaffold_workflow_is_the_repositorys_but_for_what_it_installs() -> None:
    ours = WORKFLOW.read_text(encoding="utf-8").splitlines()
    theirs = SCAFFOLD_WORKFLOW.read_text(encoding="utf-8").splitlines()
    differ = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    assert differ == [("        run: python -m pip install .", "        run: python -m pip install -r requirements.txt")]


def actionlint() -> str:
    found = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("actionlint is missing: pip install -e '.[test]' installs it")
    return found


@pytest.mark.parametrize("workflow", [WORKFLOW, SCAFFOLD_WORKFLOW], ids=["repository", "scaffold"])
def test_the_workflow_passes_actionlint(workflow: Path) -> None:
    result = subprocess.run([actionlint(), "-no-color", str(workflow)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("steps.pages.outputs.base_url", "steps.pagez.outputs.base_url"), encoding="utf-8")
    result = subprocess.run([actionlint(), "-no-color", str(broken)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "pagez" in result.stdout


def load_workflow() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_the_workflow_runs_daily_and_on_demand_fetches_commits_builds_and_deploys() -> None:
    workflow = load_workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert re.fullmatch(r"\d+ \d+ \* \* \*", triggers["schedule"][0]["cron"])
    assert "workflow_dispatch" in triggers
    build = workflow["jobs"]["build"]
    runs = [step.get("run", "") for step in build["steps"]]
    order = [next(n for n, run in enumerate(runs) if needle in run) for needle in ("pip install", "digest fetch", "git push", "digest build")]
    assert order == sorted(order)
    assert build["permissions"] == {"contents": "write", "pages": "read"}  # to push the new dumps; to read the Pages URL
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"] is False
    fetch_step = next(step for step in build["steps"] if "digest fetch" in step.get("run", ""))
    assert fetch_step["continue-on-error"] is True  # a failed day never stops the publishing of the others
    cache = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == ".digest-cache"


def workflow_commands() -> list[str]:
    """Every command line of the workflow's `run:` steps, GitHub's expressions as written."""
    steps = [step for job in load_workflow()["jobs"].values() for step in job["steps"]]
    return [line.strip() for step in steps for line in step.get("run", "").splitlines() if line.strip()]


def test_every_command_the_workflow_runs_is_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [command for command in workflow_commands() if command not in readme]
    assert missing == []
