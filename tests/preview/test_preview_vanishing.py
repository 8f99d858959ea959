"""`digest serve` for real while its input folders are deleted and made again: the last good site stands meanwhile, and the new inputs are built."""

from __future__ import annotations

import queue
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.preview.test_serve import BASE, EventStream, Preview

SEEDS = Path(__file__).parents[1] / "data" / "seeds"
TITLE = "A Paper Saved After Its Folder Came Back"


def new_day_dump() -> str:
    """A seed dump moved to Aug 9, with a paper no seed has."""
    text = sorted(SEEDS.iterdir())[0].read_text(encoding="utf-8")
    assert "\nAug 5\n" in text
    return text.replace("\nAug 5\n", f"\nAug 9\n\n{TITLE}\n\nIts abstract.\n", 1)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dumps = tmp_path / "content" / "dumps"
    dumps.mkdir(parents=True)
    for seed in sorted(SEEDS.iterdir())[:2]:
        shutil.copy(seed, dumps / seed.name)
    (tmp_path / "themes" / "preview" / "templates").mkdir(parents=True)
    (tmp_path / "themes" / "preview" / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block main %}<p>Lost here.</p>{% endblock %}\n', encoding="utf-8"
    )
    (tmp_path / "digest.yaml").write_text(f"title: Preview\nbase_url: https://example.org{BASE}\nyear: 2025\ntheme: preview\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def preview(project: Path) -> Iterator[Preview]:
    server = Preview(project)
    yield server
    code, errors = server.stop()
    assert code == 0 and "Traceback" not in errors, errors


def next_event(stream: EventStream, timeout: float = 30.0) -> tuple[str, str]:
    """The next event after the stream's greeting, whatever its name."""
    while True:
        name, data = stream.events.get(timeout=timeout)
        if name != "hello":
            return name, data


def served_after_reloads(preview: Preview, stream: EventStream, path: str, needle: bytes, status: int = 200, timeout: float = 60.0) -> bytes:
    """The page once a rebuild has made it hold `needle` (recreating a folder, then its files, may take more than one rebuild)."""
    deadline = time.monotonic() + timeout
    while True:
        answer, _, body = preview.get(path)
        if answer == status and needle in body:
            return body
        try:
            stream.next("reload", timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"{path}: still {answer} without {needle!r} after {timeout}s of rebuilds")


def test_the_content_folder_deleted_keeps_the_site_and_made_again_is_built(project: Path, preview: Preview) -> None:
    day_page = project / "site" / "days" / "2025-08-05" / "index.html"
    assert preview.get(BASE + "days/2025-08-05/")[0] == 200 and day_page.is_file()
    stream = EventStream(preview.port)
    try:
        stream.next("hello")
        shutil.rmtree(project / "content")
        name, data = next_event(stream)
        assert name == "problem" and "content" in data and "does not exist" in data, (name, data)
        assert preview.get(BASE + "days/2025-08-05/")[0] == 200  # the last good site, still served
        assert day_page.is_file()  # and still on disk

        (project / "content").mkdir()
        (project / "content" / "dumps").mkdir()
        (project / "content" / "dumps" / "2025-08-09.txt").write_text(new_day_dump(), encoding="utf-8")
        served_after_reloads(preview, stream, BASE + "days/2025-08-09/", TITLE.encode())
        assert preview.get(BASE + "days/2025-08-05/")[0] == 404  # the day went with its dumps

        (project / "content" / "dumps" / "2025-08-09.txt").write_text(new_day_dump().replace(TITLE, "An Edit Once Rewatched"), encoding="utf-8")
        served_after_reloads(preview, stream, BASE + "days/2025-08-09/", b"An Edit Once Rewatched")
    finally:
        stream.close()


def test_a_content_folder_missing_at_start_is_built_once_made(project: Path) -> None:
    shutil.move(project / "content", project / "content-later")
    preview = Preview(project)
    stream = EventStream(preview.port)
    try:
        stream.next("hello")
        shutil.move(project / "content-later", project / "content")
        (project / "content" / "dumps" / "2025-08-09.txt").write_text(new_day_dump(), encoding="utf-8")
        served_after_reloads(preview, stream, BASE + "days/2025-08-09/", TITLE.encode())
    finally:
        stream.close()
        code, errors = preview.stop()
    assert code == 0 and "Traceback" not in errors, errors


def test_the_theme_folder_deleted_and_made_again_is_watched_again(project: Path, preview: Preview) -> None:
    assert b"Lost here." in preview.get(BASE + "missing")[2]
    stream = EventStream(preview.port)
    try:
        stream.next("hello")
        shutil.rmtree(project / "themes" / "preview")
        next_event(stream)  # the default theme's pages, or an unknown theme: either way the build noticed

        (project / "themes" / "preview" / "templates").mkdir(parents=True)
        template = project / "themes" / "preview" / "templates" / "404.html"
        template.write_text('{% extends "base.html" %}\n{% block main %}<p>Found again.</p>{% endblock %}\n', encoding="utf-8")
        served_after_reloads(preview, stream, BASE + "missing", b"Found again.", status=404)
        template.write_text('{% extends "base.html" %}\n{% block main %}<p>Edited again.</p>{% endblock %}\n', encoding="utf-8")
        served_after_reloads(preview, stream, BASE + "missing", b"Edited again.", status=404)
    finally:
        stream.close()
