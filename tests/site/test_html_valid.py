"""Every page of the built site passes the Nu HTML checker (vnu-jar) with zero errors.

All files go through one java invocation: the JVM start dominates the cost. A
deliberately broken page rides along to prove the checker really reports errors.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.tools.site_under_test import VNU_JAR, build_project, make_project, missing_tool

BROKEN_PAGE = '<!DOCTYPE html>\n<html lang="en"><head><title>x</title></head><body><p><div>block in p</p></body></html>\n'
GNU_LINE = re.compile(r'^"?file:(?P<path>[^"]+)"?:(?P<where>[\d.-]+): (?P<kind>error|info warning|warning|info): (?P<message>.*)$')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(make_project(tmp_path_factory.mktemp("valid"), "https://example.org/repo/"))


def run_vnu(files: list[Path]) -> dict[str, list[str]]:
    """{file path: [error messages]} for the files the checker found errors in."""
    if shutil.which("java") is None:
        missing_tool("java is not installed (the Nu HTML checker needs it)")
    if not VNU_JAR.is_file():
        missing_tool(f"the Nu HTML checker is not at {VNU_JAR}")
    args = ["java", "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "gnu", "--also-check-css", "--also-check-svg"]
    completed = subprocess.run([*args, *map(str, files)], capture_output=True, text=True, timeout=240, check=False)
    errors: dict[str, list[str]] = {}
    for line in (completed.stdout + completed.stderr).splitlines():
        found = GNU_LINE.match(line)
        if found and found["kind"] == "error":
            errors.setdefault(found["path"], []).append(f"{found['where']}: {found['message']}")
        elif line.strip() and not found:
            errors.setdefault("(checker)", []).append(line)
    return errors


def test_every_page_stylesheet_and_icon_passes_the_nu_html_checker(site: Path, tmp_path: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    kinds = {page.relative_to(site).parts[0] for page in pages}
    assert {"index.html", "404.html", "days", "papers", "archive", "search", "about"} <= kinds
    broken = tmp_path / "broken.html"
    broken.write_text(BROKEN_PAGE, encoding="utf-8")
    assets = sorted(site.glob("static/*.css")) + sorted(site.glob("static/*.svg"))

    errors = run_vnu([*pages, *assets, broken])

    assert str(broken) in errors, f"the checker did not flag a broken page: is it running? {errors}"
    del errors[str(broken)]
    report = "\n".join(f"{path.removeprefix(str(site) + '/')}:{message}" for path, messages in errors.items() for message in messages)
    assert errors == {}, f"{len(errors)} files with HTML errors:\n{report}"
