"""The `digest` command line, run as a user runs it: a real subprocess in a project folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator import __version__


def digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_version(tmp_path: Path) -> None:
    result = digest("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"paper-digest {__version__}"


def command_names() -> list[str]:
    """The commands `digest --help` lists (read from the help text: argparse has no public list of subcommands)."""
    import re

    from generator.cli import make_parser

    return sorted(re.findall(r"^    (\w+) {2,}\S", make_parser().format_help(), flags=re.MULTILINE))


@pytest.mark.parametrize("command", [[]] + [[name] for name in command_names()])
def test_help_for_every_command(tmp_path: Path, command: list[str]) -> None:
    result = digest(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "usage: digest" in result.stdout
    if command == ["build"]:
        for flag in ("--config", "--content", "--out", "--base-url", "--strict", "--quiet"):
            assert flag in result.stdout


def test_build_uses_the_config_file(sample_project: Path) -> None:
    result = digest("build", cwd=sample_project)
    assert result.returncode == 0, result.stderr
    assert "5 dumps" in result.stdout
    home = (sample_project / "site" / "index.html").read_text(encoding="utf-8")
    assert "<title>Test Digest</title>" in home
    assert 'href="/digest/days/2025-03-14/"' in home  # base path from the config's base_url


def test_flags_beat_the_config_file(sample_project: Path, tmp_path: Path) -> None:
    content = sample_project / "content"
    moved = sample_project / "elsewhere"
    content.rename(moved)
    out = sample_project / "public"
    result = digest("build", "--content", str(moved), "--out", str(out), "--base-url", "https://user.github.io/repo", cwd=sample_project)
    assert result.returncode == 0, result.stderr
    papers = json.loads((out / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert papers and all(p["url"].startswith("https://user.github.io/repo/papers/") for p in papers)
    assert not (sample_project / "site").exists()


def test_explicit_config_file_and_defaults(sample_project: Path, tmp_path: Path) -> None:
    config = tmp_path / "other" / "my.yaml"
    config.parent.mkdir()
    config.write_text(f"year: 2025\ncontent_dir: {sample_project / 'content'}\n", encoding="utf-8")
    result = digest("build", "--config", str(config), cwd=sample_project)
    assert result.returncode == 0, result.stderr
    home = (config.parent / "site" / "index.html").read_text(encoding="utf-8")  # output_dir defaults beside the config
    assert "<title>Paper Digest</title>" in home


def test_quiet_prints_nothing_on_success(sample_project: Path) -> None:
    result = digest("build", "--quiet", cwd=sample_project)
    assert result.returncode == 0
    assert result.stdout == "" and result.stderr == ""


def test_missing_year_fails_with_file_and_line(sample_project: Path) -> None:
    (sample_project / "digest.yaml").write_text("title: No Year\n", encoding="utf-8")
    result = digest("build", cwd=sample_project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "dumps/000_5550a00ef71bc00d.txt:11: error: cannot tell the year of 'Aug 5'" in result.stderr
    assert "year: 2025" in result.stderr
    assert not (sample_project / "site").exists()


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    result = digest("build", "--config", "nope.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "nope.yaml: error: config file not found" in result.stderr


def test_bad_base_url_flag_is_a_usage_error(sample_project: Path) -> None:
    result = digest("build", "--base-url", "example.org/x", cwd=sample_project)
    assert result.returncode == 2
    assert "--base-url: error: base_url 'example.org/x' is not an absolute http(s) URL" in result.stderr


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = digest("publish", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_console_script_is_declared() -> None:
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"]["digest"] == "generator.entry:run"  # cli.run: main(), then a fast exit
    assert pyproject["project"]["name"] == "paper-digest"


INTERRUPTED_WHILE_IMPORTING = """
import sys
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "generator.cli":
            raise KeyboardInterrupt
sys.meta_path.insert(0, CtrlC())
from generator.entry import run
run()
"""


def test_ctrl_c_while_the_command_is_still_importing_ends_without_a_traceback(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", INTERRUPTED_WHILE_IMPORTING], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 130
    assert finished.stderr == "digest: interrupted\n"


@pytest.mark.parametrize("command", ["topics", "dupes"])
def test_report_commands_show_problems_as_openable_paths_and_write_nothing(sample_project: Path, command: str) -> None:
    (sample_project / "content" / "dumps" / "broken.json").write_text('[{"title": "A paper"', encoding="utf-8")
    result = digest(command, cwd=sample_project)
    assert result.returncode == 0, result.stderr
    assert "content/dumps/broken.json:1:" in result.stderr and "this dump was skipped" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (sample_project / "site").exists()


@pytest.mark.parametrize(
    ("template", "line", "message"),
    [
        ('{% extends "default/paper.html" %}\n{% block main %}\n{{ paper.no_such_field }}{% endblock %}\n', 3, "has no attribute 'no_such_field'"),
        ('{% extends "default/paper.html" %}\n{% block main %}{% if %}{% endblock %}\n', 2, "template error"),
    ],
)
def test_a_broken_theme_template_is_reported_where_it_is_and_the_site_is_left_as_it_was(sample_project: Path, template: str, line: int, message: str) -> None:
    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    site = sample_project / "site"
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    theme = sample_project / "themes" / "mine" / "templates"
    theme.mkdir(parents=True)
    (theme / "paper.html").write_text(template, encoding="utf-8")
    config = sample_project / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "theme: mine\n", encoding="utf-8")
    finished = digest("build", cwd=sample_project)  # the sample's pages render in forks: the error crosses from one
    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert f"themes/mine/templates/paper.html:{line}: error: " in finished.stderr and message in finished.stderr
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert not list(sample_project.glob(".site.new-*"))  # the staged folder did not stay behind


def site_snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("mistake", ["typo", "empty dumps", "no dumps folder", "only other files"])
def test_a_build_that_finds_no_dump_fails_and_leaves_the_site_as_it_was(sample_project: Path, mistake: str) -> None:
    assert digest("build", "--quiet", cwd=sample_project).returncode == 0
    before = site_snapshot(sample_project / "site")
    args = ["build"]
    dumps = sample_project / "content" / "dumps"
    if mistake == "typo":
        args += ["--content", "contnet"]
    else:
        for dump in dumps.iterdir():
            dump.unlink()
        if mistake == "no dumps folder":
            dumps.rmdir()
        elif mistake == "only other files":
            (dumps / "notes.md").write_text("not a dump\n", encoding="utf-8")
    result = digest(*args, cwd=sample_project)
    assert result.returncode == 1
    assert "build failed" in result.stderr and "--allow-empty" in result.stderr and "Traceback" not in result.stderr
    assert ("contnet: error: the content folder does not exist" in result.stderr) == (mistake == "typo")
    assert site_snapshot(sample_project / "site") == before
    empty = digest(*args, "--allow-empty", "--quiet", cwd=sample_project)
    assert empty.returncode == 0, empty.stderr
    assert json.loads((sample_project / "site" / "papers.json").read_text(encoding="utf-8")) == {"papers": []}


@pytest.mark.parametrize("theme", ["nope", "../../../../etc", "default/../default"])
def test_an_unknown_theme_is_an_error_naming_its_line_and_the_themes_there_are(sample_project: Path, theme: str) -> None:
    config = sample_project / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"theme: {json.dumps(theme)}\n", encoding="utf-8")
    result = digest("build", cwd=sample_project)
    assert result.returncode == 1
    assert f"digest.yaml:4: error: unknown theme {theme!r} (hint: the themes are: default;" in result.stderr
    assert not (sample_project / "site").exists()


def test_a_theme_of_the_project_is_found(sample_project: Path) -> None:
    (sample_project / "themes" / "mine" / "templates").mkdir(parents=True)
    (sample_project / "digest.yaml").write_text("year: 2025\ntheme: mine\n", encoding="utf-8")
    result = digest("build", "--quiet", cwd=sample_project)
    assert result.returncode == 0, result.stderr


def test_links_out_of_the_content_folder_are_reported_and_not_read(sample_project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "2025-08-05.txt"
    secret.write_text("Aug 5, 2025\n\nZyzzyvax title\n\nZyzzyvax abstract that must not be published.\n", encoding="utf-8")
    (outside / "about.md").write_text("---\ntitle: Zyzzyvax page\n---\nZyzzyvax page text.\n", encoding="utf-8")
    content = sample_project / "content"
    (content / "dumps" / "linked.txt").symlink_to(secret)
    (content / "pages").mkdir()
    (content / "pages" / "about.md").symlink_to(outside / "about.md")
    result = digest("build", cwd=sample_project)
    assert result.returncode == 0, result.stderr
    assert "content/dumps/linked.txt: warning: a link to a file outside the content folder, skipped" in result.stderr
    assert "content/pages/about.md: warning: a link to a file outside the content folder, skipped" in result.stderr
    published = b"".join(site_snapshot(sample_project / "site").values())
    assert b"Zyzzyvax" not in published
    (content / "topics.yaml").symlink_to(secret)
    result = digest("build", cwd=sample_project)
    assert result.returncode == 1 and "topics.yaml: error: a link to a file outside the content folder" in result.stderr
    assert "Zyzzyvax" not in result.stderr


def test_a_link_inside_the_content_folder_is_read(sample_project: Path) -> None:
    dumps = sample_project / "content" / "dumps"
    first = sorted(dumps.iterdir())[0]
    (sample_project / "content" / "kept").mkdir()
    first.rename(sample_project / "content" / "kept" / first.name)
    first.symlink_to(sample_project / "content" / "kept" / first.name)
    result = digest("build", cwd=sample_project)
    assert result.returncode == 0 and "outside the content folder" not in result.stderr


def test_check_prints_every_problem_and_writes_nothing(sample_project: Path) -> None:
    ok = digest("check", cwd=sample_project)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("checked 5 dumps:") and "0 errors" in ok.stdout
    (sample_project / "content" / "dumps" / "broken.json").write_text('[{"title": "A paper"', encoding="utf-8")
    failed = digest("check", cwd=sample_project)
    assert failed.returncode == 1
    assert "content/dumps/broken.json:1: error:" in failed.stderr and "1 errors" in failed.stdout
    assert not (sample_project / "site").exists()
