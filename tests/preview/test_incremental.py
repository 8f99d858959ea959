"""The rebuild session gives exactly the files a clean build gives, whatever changed, and keeps the last good site on errors."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import build_site
from generator.config import SOURCE_THEMES, Config, load_config
from generator.preview.incremental import RebuildOutcome, RebuildSession
from generator.site import output

KEPT_SEEDS = 2  # two days of the sample keep every rebuild fast; the mutations below add and remove more


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def load(project: Path) -> Callable[[], Config]:
    def loader() -> Config:
        config, problems = load_config(project / "digest.yaml", project)
        assert not problems
        return config

    return loader


def clean_build(project: Path, into: Path) -> dict[str, bytes]:
    """What `digest build` would write: a fresh pipeline, no caches, into a folder of its own."""
    result = build_site(load(project)(), project)
    assert not result.errors, [p.format() for p in result.errors]
    output.write_atomic(into, result.files)
    return folder_bytes(into)


@pytest.fixture
def project(sample_project: Path) -> Path:
    dumps = sorted((sample_project / "content" / "dumps").iterdir())
    for extra in dumps[KEPT_SEEDS:]:
        extra.rename(sample_project / extra.name)  # parked beside the content, for the add/rename steps
    config = sample_project / "digest.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "theme: custom\n", encoding="utf-8")
    (sample_project / "themes" / "custom" / "templates").mkdir(parents=True)  # empty: every template falls back to default
    return sample_project


def assert_same_as_clean(project: Path, tmp_path: Path, outcome: RebuildOutcome, step: str) -> None:
    assert outcome.ok, (step, [p.format() for p in outcome.problems])
    clean = clean_build(project, tmp_path / f"clean-{step}")
    served = folder_bytes(project / "site")
    assert sorted(served) == sorted(clean), step
    different = [path for path in clean if served[path] != clean[path]]
    assert different == [], (step, different[:5])


def test_rebuilds_match_a_clean_build_after_every_kind_of_change(project: Path, tmp_path: Path) -> None:
    session = RebuildSession(load(project), project)
    dumps = project / "content" / "dumps"
    first = session.rebuild()
    assert_same_as_clean(project, tmp_path, first, "first")
    pages_total = first.rendered

    # Edit one dump: drop its last paper. Only pages that show what changed are rendered again.
    edited = sorted(dumps.iterdir())[0]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.rstrip("\n").rsplit("\n\n", 2)[0] + "\n", encoding="utf-8")
    outcome = session.rebuild()
    assert_same_as_clean(project, tmp_path, outcome, "edit")
    assert 0 < outcome.rendered < pages_total / 2 and outcome.reused > 0
    assert outcome.written and len(outcome.written) < len(folder_bytes(project / "site"))

    parked = sorted(project.glob("*.txt"))
    shutil.copy(parked[0], dumps / parked[0].name)
    assert_same_as_clean(project, tmp_path, session.rebuild(), "add")

    (dumps / parked[0].name).rename(dumps / "renamed-day.txt")
    assert_same_as_clean(project, tmp_path, session.rebuild(), "rename")

    (dumps / "renamed-day.txt").unlink()
    outcome = session.rebuild()
    assert_same_as_clean(project, tmp_path, outcome, "delete")
    assert outcome.removed

    (project / "content" / "topics.yaml").write_text("topics:\n  - slug: agents\n    name: Agents\n    include: [agent, agents]\n", encoding="utf-8")
    assert_same_as_clean(project, tmp_path, session.rebuild(), "topics")

    theme = project / "themes" / "custom" / "templates"
    day_template = (SOURCE_THEMES / "default" / "templates" / "day.html").read_text(encoding="utf-8")
    (theme / "day.html").write_text(day_template.replace("{% block main %}", "{% block main %}<p>edited template</p>", 1), encoding="utf-8")
    outcome = session.rebuild()
    assert_same_as_clean(project, tmp_path, outcome, "template")
    day_pages = [path for path in outcome.written if path.startswith("days/") and path.endswith(".html")]
    assert day_pages and b"edited template" in (project / "site" / day_pages[0]).read_bytes()

    (project / "digest.yaml").write_text("title: Renamed\nbase_url: https://example.org/other/\nyear: 2025\ntheme: custom\n", encoding="utf-8")
    outcome = session.rebuild()
    assert_same_as_clean(project, tmp_path, outcome, "config")
    assert outcome.reused == 0  # title and base path are on every page


def test_nothing_changed_writes_nothing_and_renders_nothing(project: Path) -> None:
    session = RebuildSession(load(project), project)
    assert session.rebuild().ok
    before = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file() and p.name != output.MARKER}
    again = session.rebuild()
    assert again.ok and again.written == () and again.removed == () and again.rendered == 0
    assert {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file() and p.name != output.MARKER} == before


def test_a_bad_dump_keeps_the_last_good_site_and_recovers(project: Path, tmp_path: Path) -> None:
    session = RebuildSession(load(project), project)
    assert session.rebuild().ok
    good = folder_bytes(project / "site")
    bad = project / "content" / "dumps" / "zz-broken.txt"
    bad.write_text("hello world\n\nno day line here\n", encoding="utf-8")
    broken = session.rebuild()
    assert not broken.ok and broken.written == ()
    assert [p.format().split(": ")[0] for p in broken.errors] == ["dumps/zz-broken.txt:1"]
    assert folder_bytes(project / "site") == good
    bad.write_text("Mar 20\n\nA fixed paper title\n\nIts abstract, now that the dump has a day.\n", encoding="utf-8")
    assert_same_as_clean(project, tmp_path, session.rebuild(), "fixed")
    assert "A fixed paper title" in (project / "site" / "papers.json").read_text(encoding="utf-8")


def test_a_template_syntax_error_is_reported_with_file_and_line_and_recovers(project: Path, tmp_path: Path) -> None:
    session = RebuildSession(load(project), project)
    assert session.rebuild().ok
    good = folder_bytes(project / "site")
    templates = project / "themes" / "custom" / "templates"
    source = (SOURCE_THEMES / "default" / "templates" / "paper.html").read_text(encoding="utf-8")
    lines = source.split("\n")
    lines.insert(3, "{% if %}")
    (templates / "paper.html").write_text("\n".join(lines), encoding="utf-8")
    broken = session.rebuild()
    assert not broken.ok
    assert [p.format().split(": ")[0] for p in broken.errors] == ["themes/custom/templates/paper.html:4"]
    assert folder_bytes(project / "site") == good
    (templates / "paper.html").write_text(source.replace("{% block main %}", "{% block main %}<p>fixed</p>", 1), encoding="utf-8")
    assert_same_as_clean(project, tmp_path, session.rebuild(), "fixed-template")


def test_a_broken_config_keeps_the_site_and_says_where(project: Path) -> None:
    from generator.cli import make_parser, resolve_config

    args = make_parser().parse_args(["build", "--config", str(project / "digest.yaml")])
    session = RebuildSession(lambda: resolve_config(args), project)
    assert session.rebuild().ok
    (project / "digest.yaml").write_text("title: T\nyear: 2025\nbase_ulr: https://example.org/\n", encoding="utf-8")
    broken = session.rebuild()
    assert not broken.ok
    assert broken.errors[0].format().startswith(f"{project / 'digest.yaml'}:3: error: unknown key 'base_ulr'")


def test_writes_in_the_background_land_in_order_and_match_a_clean_build(project: Path, tmp_path: Path) -> None:
    """As `digest serve` runs it: announce each build, queue its files for the writer thread, go on."""
    session = RebuildSession(load(project), project)
    dumps = project / "content" / "dumps"
    assert session.rebuild(write=False).ok  # the first build is written at once
    parked = sorted(project.glob("*.txt"))
    edited = sorted(dumps.iterdir())[0]
    original = edited.read_text(encoding="utf-8")
    for step, change in enumerate(
        (
            lambda: edited.write_text(original.rstrip("\n").rsplit("\n\n", 2)[0] + "\n", encoding="utf-8"),
            lambda: shutil.copy(parked[0], dumps / parked[0].name),
            lambda: edited.write_text(original, encoding="utf-8"),
            lambda: (dumps / parked[0].name).unlink(),
            lambda: shutil.copy(parked[1], dumps / parked[1].name),  # ends unlike it began: nothing written would show
        )
    ):
        change()
        outcome = session.rebuild(write=False)
        assert outcome.ok and outcome.written, step
        session.write_output(background=True)
    session.close()
    assert_same_as_clean(project, tmp_path, outcome, "background")
