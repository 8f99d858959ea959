"""Hostile input is inert: markup, template syntax, path tricks and odd characters end up as text everywhere.

One real build (subprocess CLI) of a text dump and a JSON dump full of hostile strings, then every output
format is parsed with a real parser: HTML (html.parser), Markdown (rendered with markdown-it, raw HTML on,
as GitHub would), RSS/Atom/OPML (ElementTree, so XML-forbidden characters would fail), JSON.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.conftest import SEEDS

# (title as written in the dump, abstract as written): text dumps are HTML-unescaped, like real exports.
TEXT_ENTRIES = [
    ('<script>alert("t1")</script> Scripted Title', 'Abstract with <script>alert("a1")</script> inside. It ends here.'),
    ('"><img src=x onerror=alert(2)> Broken Out Title', "Abstract '><img src=x onerror=alert(3)> breaking out. It ends."),
    ("Template {{ 7*7 }} Injection", "Abstract {{ 7*7 }} and {% include 'base.html' %} here. It ends."),
    ("Include {% include 'base.html' %}{% raw %} Title", "An abstract with {# a comment #} in it. It ends."),
    ("../../etc/passwd", "A path traversal attempt as a title. It ends."),
    ("Evil\u202etxt.exe\u200b Mirrored Title", "Zero\u200bwidth and \u202eoverride characters. It ends."),
    ("Entity &lt;script&gt;alert(4)&lt;/script&gt; Title", "Entities &lt;b onmouseover=alert(5)&gt;hover&lt;/b&gt; here. It ends."),
    ("[Click](javascript:alert(6)) *bold* _x_ `code` # Heading <b>Title</b>", "![img](http://evil.example/x.png) and <!-- comment --> text. It ends."),
    ("Close ]]> CDATA & Ampersand Title", "Comment --> closes and <![CDATA[ opens. It ends."),
    ("Bell\x07 and Escape\x1b Control Title", "Form\x0cfeed and\x01 start of heading. It ends."),
]
JSON_ITEMS = [
    {
        "paper": {
            "id": "../../etc/passwd",
            "title": "Null\u0000 Byte \ud800 Surrogate \uffff Title",
            "summary": "A summary with <script>alert(7)</script> and {{ 7*7 }}.",
            "authors": [{"name": "<img src=x onerror=alert(8)>"}, {"name": "{{ config }}"}],
        }
    }
]
TOPICS_YAML = """\
topics:
  - name: "../../etc/passwd <script>alert(9)</script>"
    description: "<img src=x onerror=alert(10)> {{ 7*7 }}"
    include: [scripted, passwd, traversal, "<img src=x onerror=alert(2)>"]  # a phrase the mirrors show: escaped or an image
  - name: "{{ 7*7 }} {% include 'base.html' %}"
    include: [template, injection]
"""
UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def shown(title: str) -> str:
    """What a reader keeps of a title: entities decoded, characters no format can carry dropped, spaces folded."""
    import html

    return " ".join(UNSHOWABLE.sub("", html.unescape(title)).split())


EXPECTED_TITLES = [shown(title) for title, _ in TEXT_ENTRIES] + ["Null Byte Surrogate Title"]


def digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "build", *args], cwd=cwd, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("hostile")
    dumps = project / "content" / "dumps"
    dumps.mkdir(parents=True)
    shutil.copy(SEEDS / "000_5550a00ef71bc00d.txt", dumps)
    body = "\n\n".join(f"{title}\n\n{abstract}" for title, abstract in TEXT_ENTRIES)
    (dumps / "hostile.txt").write_text(f"Daily Papers\n\nMar 14\n\n{body}\n", encoding="utf-8")
    (dumps / "2025-03-15.json").write_text(json.dumps(JSON_ITEMS), encoding="utf-8")  # ensure_ascii: \u0000 and \ud800 escapes
    (project / "content" / "topics.yaml").write_text(TOPICS_YAML, encoding="utf-8")
    config = "title: Hostile <b>Digest</b> {{ 7*7 }}\nbase_url: https://example.org/x/\nyear: 2025\nfeed_limit: 500\n"
    (project / "digest.yaml").write_text(config, encoding="utf-8")
    before = {p for p in project.rglob("*")}
    result = digest(cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    site = project / "site"
    assert {p for p in project.rglob("*") if site not in p.parents and p != site} == before  # nothing written beside it
    return site


def output_files(site: Path, *suffixes: str) -> Iterator[Path]:
    return (p for p in sorted(site.rglob("*")) if p.is_file() and p.name.endswith(suffixes))


class Elements(HTMLParser):
    """Every element with its attributes, the script bodies and the visible text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        (self.scripts if self._open and self._open[-1] == "script" else self.text).append(data)


def assert_inert_html(document: str, where: str) -> str:
    """No element or attribute came from the input; returns the visible text, whitespace folded."""
    parser = Elements()
    parser.feed(document)
    parser.close()
    for tag, attrs in parser.elements:
        assert not [name for name in attrs if name.startswith("on")], f"{where}: event handler on <{tag}>"
        assert not (tag == "img" and attrs.get("src") == "x"), f"{where}: injected <img>"
        assert tag not in ("b", "base", "iframe", "object", "embed"), f"{where}: injected <{tag}>"
        for name in ("href", "src", "action", "formaction"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), f"{where}: javascript: URL"
    assert not [s for s in parser.scripts if "alert(" in s], f"{where}: injected script"
    return " ".join("".join(parser.text).split())


def test_html_pages_show_hostile_strings_as_text(hostile_site: Path) -> None:
    pages = {p.relative_to(hostile_site).as_posix(): p.read_text(encoding="utf-8") for p in output_files(hostile_site, ".html")}
    texts = {path: assert_inert_html(page, path) for path, page in pages.items()}
    home = texts["index.html"]
    day = texts["days/2025-03-14/index.html"]
    for title in EXPECTED_TITLES[:-1]:
        assert title in day, f"{title!r} is not shown as text on its day page"
    assert "Hostile <b>Digest</b> {{ 7*7 }}" in home
    assert "Null Byte Surrogate Title" in texts["days/2025-03-15/index.html"]
    paper_pages = [text for path, text in texts.items() if path.startswith("papers/")]
    for title in EXPECTED_TITLES:
        assert any(title in text for text in paper_pages), f"no paper page shows {title!r}"


def test_template_syntax_is_never_evaluated(hostile_site: Path) -> None:
    for path in output_files(hostile_site, ""):
        data = path.read_text(encoding="utf-8", errors="replace")
        assert "Template 49 Injection" not in data and "Digest</b> 49" not in data and "Digest 49" not in data, path
        assert "Abstract 49 and" not in data, path


def test_markdown_mirrors_render_hostile_strings_as_text(hostile_site: Path) -> None:
    markdown = MarkdownIt("commonmark")  # raw HTML passes through, as on GitHub: escaping must be in the file
    mirrors = list(output_files(hostile_site, ".md"))
    assert mirrors
    for path in mirrors:
        rendered = markdown.render(path.read_text(encoding="utf-8"))
        text = assert_inert_html(rendered, path.name)
        parser = Elements()
        parser.feed(rendered)
        assert not [attrs for tag, attrs in parser.elements if tag == "img"], f"{path.name}: an image came from the input"
        if path.name == "2025-03-14.md":
            for title in EXPECTED_TITLES[:-1]:
                assert title in text, f"{title!r} is not shown as text in {path.name}"


def xml_text(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def test_feeds_are_well_formed_and_carry_hostile_strings_as_text(hostile_site: Path) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    titles: set[str] = set()
    for path in output_files(hostile_site, ".xml", ".opml"):
        root = ET.parse(path).getroot()  # fails on any character XML forbids
        for item in root.iter("item"):
            titles.add(xml_text(item.find("title")))
            assert_inert_html(item.findtext("description") or "", path.name)
        for entry in root.iter(f"{atom}entry"):
            titles.add(xml_text(entry.find(f"{atom}title")))
            assert_inert_html(entry.findtext(f"{atom}content") or entry.findtext(f"{atom}summary") or "", path.name)
        for outline in root.iter("outline"):
            assert not [name for name in outline.attrib if name.startswith("on")]
    for path in output_files(hostile_site, "feed.json", "daily.json"):
        feed = json.loads(path.read_text(encoding="utf-8"))
        for item in feed["items"]:
            titles.add(item.get("title", ""))
            assert_inert_html(item.get("content_html", ""), path.name)
    for title in EXPECTED_TITLES:
        assert any(title in shown_title for shown_title in titles), f"no feed item titled {title!r}"


def test_papers_json_keeps_the_exact_strings(hostile_site: Path) -> None:
    papers = json.loads((hostile_site / "papers.json").read_text(encoding="utf-8"))["papers"]
    titles = {paper["title"] for paper in papers}
    assert set(EXPECTED_TITLES) <= titles
    [from_json] = [paper for paper in papers if paper["title"] == "Null Byte Surrogate Title"]
    assert from_json["arxiv_id"] is None  # '../../etc/passwd' is no arXiv id: no link is built from it
    assert from_json["authors"] == ["<img src=x onerror=alert(8)>", "{{ config }}"]


def test_no_slug_or_path_leaves_the_output_folder(hostile_site: Path) -> None:
    root = os.path.realpath(hostile_site)
    for path in hostile_site.rglob("*"):
        relative = path.relative_to(hostile_site).as_posix()
        assert os.path.realpath(path).startswith(root + os.sep)
        assert re.fullmatch(r"[A-Za-z0-9._/-]+", relative), f"unexpected characters in output path {relative!r}"
        assert ".." not in relative.split("/")
    papers = json.loads((hostile_site / "papers.json").read_text(encoding="utf-8"))["papers"]
    for paper in papers:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", paper["id"]), paper["id"]
        assert paper["url"].startswith("https://example.org/x/papers/")
    topic_dirs = sorted(p.name for p in (hostile_site / "topics").iterdir() if p.is_dir())
    assert "etc-passwd-script-alert-9-script" in topic_dirs  # the hostile topic name became a plain slug
    topic_page = (hostile_site / "topics" / "etc-passwd-script-alert-9-script" / "index.html").read_text(encoding="utf-8")
    text = assert_inert_html(topic_page, "topic page")
    assert "../../etc/passwd <script>alert(9)</script>" in text


def test_a_topic_slug_that_escapes_is_refused(tmp_path: Path) -> None:
    dumps = tmp_path / "content" / "dumps"
    dumps.mkdir(parents=True)
    shutil.copy(SEEDS / "000_5550a00ef71bc00d.txt", dumps)
    (tmp_path / "digest.yaml").write_text("year: 2025\n", encoding="utf-8")
    (tmp_path / "content" / "topics.yaml").write_text("topics:\n  - name: Escape\n    slug: ../../etc\n    include: [model]\n", encoding="utf-8")
    result = digest(cwd=tmp_path)
    assert result.returncode == 1
    assert "content/topics.yaml:3: error: slug '../../etc' is not URL-safe" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists() and not (tmp_path.parent / "etc").exists()
