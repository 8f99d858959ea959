"""Shared fixtures: the sample dumps and the JSON corpus, extracted once per run."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SEEDS = DATA / "seeds"
CORPUS_ARCHIVE = DATA / "hf-daily-2024.tar.xz"
SAMPLE_2026_ARCHIVE = DATA / "hf-daily-2026-sample.tar.xz"
REPO_ROOT = Path(__file__).parent.parent


def extracted(archive: Path, into: Path) -> Path:
    """The one folder a tests/data archive holds, extracted into `into`."""
    with tarfile.open(archive) as opened:
        opened.extractall(into, filter="data")
    return into / archive.name.removesuffix(".tar.xz")


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 157 days of daily papers API JSON (2024-05-27 to 2024-12-31), read-only by convention."""
    return extracted(CORPUS_ARCHIVE, tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def sample_2026_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five days of the daily papers API in today's shape, every field (2026-08-17 to 2026-08-21), read-only by convention."""
    return extracted(SAMPLE_2026_ARCHIVE, tmp_path_factory.mktemp("sample-2026"))


@pytest.fixture
def sample_2026_project(tmp_path: Path, sample_2026_dir: Path) -> Path:
    """A project whose content/dumps holds the five days of the 2026 sample."""
    shutil.copytree(sample_2026_dir, tmp_path / "content" / "dumps")
    (tmp_path / "digest.yaml").write_text("title: Sample 2026\nbase_url: https://example.org/daily/\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """A fresh project folder: the seed dumps in content/dumps and a digest.yaml with year 2025."""
    dumps = tmp_path / "content" / "dumps"
    dumps.mkdir(parents=True)
    for seed in sorted(SEEDS.iterdir()):
        shutil.copy(seed, dumps / seed.name)
    (tmp_path / "digest.yaml").write_text("title: Test Digest\nbase_url: https://example.org/digest/\nyear: 2025\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def corpus_project(tmp_path: Path, corpus_dir: Path) -> Path:
    """A project whose content/dumps holds the whole JSON corpus."""
    dumps = tmp_path / "content" / "dumps"
    shutil.copytree(corpus_dir, dumps)
    (tmp_path / "digest.yaml").write_text("title: Corpus Digest\nbase_url: https://example.org/\n", encoding="utf-8")
    return tmp_path
