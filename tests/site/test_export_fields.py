"""papers.json carries every API field of the 2026 sample, per paper, as the latest listing gives it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def build(project: Path) -> dict[str, dict]:
    subprocess.run([sys.executable, "-m", "generator", "build"], cwd=project, check=True, capture_output=True)
    papers = json.loads((project / "site" / "papers.json").read_text(encoding="utf-8"))["papers"]
    return {paper["arxiv_id"]: paper for paper in papers}


def test_each_api_field_reaches_papers_json(sample_2026_project: Path, sample_2026_dir: Path) -> None:
    exported = build(sample_2026_project)
    items = [item for path in sorted(sample_2026_dir.glob("*.json")) for item in json.loads(path.read_text(encoding="utf-8"))]
    assert len(exported) == len({item["paper"]["id"] for item in items}) == 110
    seen = {"comments": 0, "organization": 0, "ai_summary": 0, "ai_keywords": 0, "code": 0, "project": 0, "thumbnail": 0}
    for item in items:
        paper, record = item["paper"], exported[item["paper"]["id"]]
        assert record["upvotes"] == paper["upvotes"] and record["comments"] == item["numComments"]
        assert record["thumbnail"] == item.get("thumbnail")
        assert record["ai_summary"] == paper.get("ai_summary") and record["ai_keywords"] == paper.get("ai_keywords", [])
        assert record["abstract"] == " ".join(paper["summary"].split())
        organization = item.get("organization") or paper.get("organization")
        if organization:
            fullname = " ".join(organization["fullname"].split())
            assert record["organization"] == {"name": organization["name"], "fullname": fullname, "avatar": organization.get("avatar")}
        else:
            assert record["organization"] is None
        links = record["links"]
        assert links["arxiv"] == f"https://arxiv.org/abs/{paper['id']}" and links["pdf"] == f"https://arxiv.org/pdf/{paper['id']}"
        assert links["huggingface"] == f"https://huggingface.co/papers/{paper['id']}"
        assert links.get("code") == paper.get("githubRepo") and links.get("project") == paper.get("projectPage")
        if "githubRepo" in paper:
            assert links["code_stars"] == paper.get("githubStars")
        assert record["published"] == paper["publishedAt"][:10] and record["listed_at"] == paper["submittedOnDailyAt"][:19] + "Z"
        seen["comments"] += record["comments"] > 0
        seen["organization"] += record["organization"] is not None
        seen["ai_summary"] += bool(record["ai_summary"])
        seen["ai_keywords"] += bool(record["ai_keywords"])
        seen["code"] += "code" in links
        seen["project"] += "project" in links
        seen["thumbnail"] += bool(record["thumbnail"])
    assert all(count > 10 for count in seen.values()), seen  # each field is really there, not vacuously equal
