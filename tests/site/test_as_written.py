"""Titles and abstracts are shown as written: text, never Markdown, in every page, mirror, feed and export.

The 2024 corpus holds the cases that went wrong (`384*384` in italics, ``quotes'' as code, `**C**hinese` in
bold, `LLM$\\times$MapReduce` shown as `LLMtimesMapReduce`); hostile titles check the Markdown mirrors
with a CommonMark parser; a right-to-left override in a title must not turn the text after it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator.build import build_site
from generator.config import load_config
from generator.pipeline.normalize import paper_id_for
from generator.pipeline.readers.hf_json import read_json_dump
from generator.site.render import isolated, markdown_escape, text_html

COMMONMARK = MarkdownIt("commonmark")  # raw HTML on, as GitHub renders it: escaping must be in the file
FSI, PDI, RLO = "\u2068", "\u2069", "\u202e"
ATOM = "{http://www.w3.org/2005/Atom}"
# The only <code> the templates write: a dump's file name (and line) on paper and dedupe pages.
OWN_CODE = re.compile(r"<code>[^<]*\.(?:json|txt)(?::\d+)?</code>")
INPUT_MARKUP = re.compile(r"<(?:em|strong|code)>|&lt;(?:em|strong|code)&gt;")
# Corpus abstracts that Markdown used to turn into <em>, <strong> or <code>, with what they must show.
MARKDOWN_VICTIMS = {
    "tokenflow-unified-image-tokenizer-for-multimodal-5860c0": "FID score of 0.63 at 384*384 resolution",
    "can-mllms-understand-the-deep-implication-behind-b31b28": "the **C**hinese **I**mage **I**mplication understanding **Bench**mark",
    "explanatory-instructions-towards-unified-vision-e8a1f1": "(\\eg, ``image segmentation''), which",
    "wildbench-benchmarking-llms-with-challenging-tasks-cc8ceb": "``slightly better/worse'' to ``tie''",
}
# Corpus titles written with LaTeX, and the copy with the LaTeX stripped that the API's paper.title holds.
LATEX_TITLES = {
    "LLM$\\times$MapReduce: Simplified Long-Sequence Processing using Large Language Models": (
        "LLMtimesMapReduce: Simplified Long-Sequence Processing using Large Language Models"
    ),
    "$\\nabla^2$DFT: A Universal Quantum Chemistry Dataset of Drug-Like Molecules and a Benchmark for Neural Network Potentials": (
        "nabla^2DFT: A Universal Quantum Chemistry Dataset of Drug-Like Molecules and a Benchmark for Neural Network Potentials"
    ),
}


def build(project: Path) -> dict[str, bytes]:
    config, problems = load_config(None, project)
    assert not problems, [p.format() for p in problems]
    result = build_site(config, project)
    assert not result.errors, [p.format() for p in result.errors]
    return result.files


class Page(HTMLParser):
    """A page's <title>, its abstract section's text and elements, and every element's text by tag."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.abstract: list[str] = []
        self.abstract_tags: list[str] = []
        self.h1 = ""
        self._open: list[tuple[str, dict[str, str | None]]] = []
        self.feed(document)
        self.close()

    def _inside(self, tag: str, **attrs: str) -> bool:
        return any(name == tag and all(found.get(k) == v for k, v in attrs.items()) for name, found in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._inside("section", **{"class": "abstract"}):
            self.abstract_tags.append(tag)
        if tag not in ("meta", "link", "br", "input", "img"):
            self._open.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self._inside("title"):
            self.title += data
        elif self._inside("h1"):
            self.h1 += data
        elif self._inside("p") and self._inside("section", **{"class": "abstract"}):
            self.abstract.append(data)


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The JSON corpus built once, every paper in the main feeds."""
    project = tmp_path_factory.mktemp("as-written")
    shutil.copytree(corpus_dir, project / "content" / "dumps")
    (project / "digest.yaml").write_text("title: Corpus Digest\nbase_url: https://example.org/\nfeed_limit: 5000\n", encoding="utf-8")
    return build(project)


def test_no_page_feed_mirror_or_export_of_the_corpus_has_markup_made_from_input(corpus: dict[str, bytes]) -> None:
    marked = []
    for path, data in corpus.items():
        if path.endswith((".html", ".xml", ".json", ".md")):
            text = OWN_CODE.sub("", data.decode("utf-8"))
            if path.endswith(".md"):
                text = COMMONMARK.render(text)
            if INPUT_MARKUP.search(text):
                marked.append(path)
    assert marked == []


def test_every_corpus_abstract_is_shown_as_written(corpus: dict[str, bytes]) -> None:
    papers = json.loads(corpus["papers.json"])["papers"]
    assert len(papers) == 2202
    for paper in papers:
        page = Page(corpus[f"papers/{paper['id']}/index.html"].decode("utf-8"))
        assert "".join(page.abstract) == paper["abstract"], paper["id"]
        assert set(page.abstract_tags) <= {"h2", "p", "a"}, paper["id"]
    abstracts = {paper["id"]: paper["abstract"] for paper in papers}
    for paper_id, words in MARKDOWN_VICTIMS.items():
        assert words in abstracts[paper_id]
        assert html.escape(words, quote=False).replace('"', "&quot;") in corpus[f"papers/{paper_id}/index.html"].decode("utf-8")


def test_latex_titles_are_shown_as_written_everywhere_and_keep_their_ids(corpus: dict[str, bytes]) -> None:
    papers = {paper["title"]: paper for paper in json.loads(corpus["papers.json"])["papers"]}
    search_titles = {line[1] for path, data in corpus.items() if path.startswith("search/d/") for line in json.loads(data)}
    rss_titles = {item.findtext("title") for item in ET.fromstring(corpus["feed.xml"]).iter("item")}
    atom_titles = {entry.findtext(f"{ATOM}title") for entry in ET.fromstring(corpus["atom.xml"]).iter(f"{ATOM}entry")}
    json_titles = {item["title"] for item in json.loads(corpus["feed.json"])["items"]}
    for title, stripped in LATEX_TITLES.items():
        paper = papers[title]
        assert paper["id"] == paper_id_for(stripped)  # the id the stripped title always gave
        page = Page(corpus[f"papers/{paper['id']}/index.html"].decode("utf-8"))
        assert page.h1 == title and page.title == f"{title} · Corpus Digest"
        assert title in search_titles and title in rss_titles and title in atom_titles and title in json_titles
        mirror = COMMONMARK.parse(corpus[f"days/{paper['first_seen']}.md"].decode("utf-8"))
        assert title in link_texts(mirror)


def link_texts(tokens: list[Token]) -> list[str]:
    """The text of every link in the parsed Markdown."""
    texts = []
    for token in tokens:
        inside: list[str] | None = None
        for child in token.children or ():
            if child.type == "link_open":
                inside = []
            elif child.type == "link_close" and inside is not None:
                texts.append("".join(inside))
                inside = None
            elif inside is not None:
                inside.append(child.content)
    return texts


def markup_in(tokens: list[Token]) -> set[str]:
    """Every inline token type but plain text and line breaks: what Markdown made of the text."""
    return {child.type for token in tokens for child in token.children or () if child.type not in ("text", "softbreak")}


# (title, abstract) as a JSON dump gives them: each title is also markup in CommonMark or GitHub's Markdown.
HOSTILE = [
    ("Stars *alpha* emphasis and **bold**", "An abstract about stars."),
    ("Underscores _bravo_ emphasis", "An abstract about underscores and snakes."),
    ("Ticks `charlie` code", "An abstract about backticks in the middle."),
    ("Brackets [delta](echo) link", "An abstract about brackets."),
    ("Tag <b>foxtrot</b> html", "An abstract about tags in titles."),
    ("# Golf heading at the start", "An abstract about number signs."),
    ("1. Hotel ordered list at the start", "An abstract about numbers at the start."),
    ("- Oscar bullet at the start", "An abstract about dashes at the start."),
    ("Backslash \\ india \\* juliet", "An abstract about backslashes."),
    ("Pipe | kilo | table", "An abstract about pipes."),
    ("Tilde ~~lima~~ strike", "An abstract about tildes."),
    ("Entity &amp;amp; mike", "An abstract about entities that stay."),
    ("Dollar $\\times$ november math", "An abstract about dollars."),
    ("Autolink <http://papa.example> and https://quebec.example", "An abstract about autolinks."),
    ("Bang ![romeo](x.png) image", "An abstract about images."),
]
HOSTILE_TOPICS = """\
topics:
  - name: "# Heading *topic* _name_ 1. [x](y)"
    slug: heading-topic
    description: "1. Not a list, `not code`, [not](a-link), &amp; ~~not struck~~ <i>not html</i>"
    include: [emphasis, start]
  - name: "- Bullet topic"
    slug: bullet-topic
    description: "# Not a heading \\\\ | table"
    include: [abstract]
"""


def json_dump(items: list[tuple[str, str]], arxiv_start: int = 1) -> str:
    return json.dumps(
        [
            {"title": title, "paper": {"id": f"2401.{arxiv_start + n:05d}", "title": title, "summary": abstract, "authors": [{"name": "A. Author"}]}}
            for n, (title, abstract) in enumerate(items)
        ]
    )


def test_markdown_mirrors_show_hostile_titles_and_topics_as_written(tmp_path: Path) -> None:
    dumps = tmp_path / "content" / "dumps"
    dumps.mkdir(parents=True)
    (dumps / "2025-03-14.json").write_text(json_dump(HOSTILE), encoding="utf-8")
    (tmp_path / "content" / "topics.yaml").write_text(HOSTILE_TOPICS, encoding="utf-8")
    (tmp_path / "digest.yaml").write_text("title: Mirror Digest\nbase_url: https://example.org/\n", encoding="utf-8")
    files = build(tmp_path)
    titles = [paper["title"] for paper in json.loads(files["papers.json"])["papers"]]
    assert sorted(titles) == sorted(html.unescape(title) for title, _ in HOSTILE)  # the reader decodes entities, once

    day = COMMONMARK.parse(files["days/2025-03-14.md"].decode("utf-8"))
    assert sorted(link_texts(day)) == sorted(titles)
    assert markup_in(day) <= {"link_open", "link_close"}
    assert {t.attrGet("href") for token in day for t in token.children or () if t.type == "link_open"} <= {
        f"https://example.org/papers/{paper['id']}/" for paper in json.loads(files["papers.json"])["papers"]
    }

    topics = yaml_topics()
    for slug in ("heading-topic", "bullet-topic"):
        tokens = COMMONMARK.parse(files[f"topics/{slug}.md"].decode("utf-8"))
        # heading_open, inline, heading_close, paragraph_open, inline (the description), paragraph_close
        assert (tokens[0].tag, tokens[3].type) == ("h1", "paragraph_open")
        assert (inline_text(tokens[1]), inline_text(tokens[4])) == (topics[slug]["name"], topics[slug]["description"])
        assert markup_in(tokens[:6]) == set() and markup_in(tokens) <= {"link_open", "link_close"}
    listed = link_texts(COMMONMARK.parse(files["topics/heading-topic.md"].decode("utf-8")))
    assert "Stars *alpha* emphasis and **bold**" in listed and "# Golf heading at the start" in listed


def inline_text(inline: Token) -> str:
    return "".join(child.content for child in inline.children or ())


def yaml_topics() -> dict[str, dict[str, str]]:
    import yaml

    return {topic["slug"]: topic for topic in yaml.safe_load(HOSTILE_TOPICS)["topics"]}


MIRRORED = f"Mirrored {RLO}Evil Title"
MIRRORED_AUTHOR = f"{RLO}Reversed Author"


def test_a_right_to_left_override_in_a_title_cannot_turn_the_text_after_it(tmp_path: Path) -> None:
    dumps = tmp_path / "content" / "dumps"
    dumps.mkdir(parents=True)
    authors = [{"name": MIRRORED_AUTHOR}, {"name": "Plain Author"}]
    first = [{"title": MIRRORED, "paper": {"id": "2401.00001", "title": MIRRORED, "summary": "A mirrored abstract.", "authors": authors}}]
    (dumps / "2025-03-14.json").write_text(json.dumps(first + json.loads(json_dump([("Plain Title", "A plain abstract.")], 2))), encoding="utf-8")
    revised = [{"title": MIRRORED + " Revised", "paper": {"id": "2401.00001", "title": MIRRORED + " Revised", "summary": "A mirrored abstract."}}]
    (dumps / "2025-03-15.json").write_text(json.dumps(revised), encoding="utf-8")
    (tmp_path / "digest.yaml").write_text("title: RTL Digest\nbase_url: https://example.org/\n", encoding="utf-8")
    files = build(tmp_path)
    papers = {paper["arxiv_id"]: paper for paper in json.loads(files["papers.json"])["papers"]}
    mirrored, plain = papers["2401.00001"], papers["2401.00002"]
    other_title = ({MIRRORED, MIRRORED + " Revised"} - {mirrored["title"]}).pop()

    page = files[f"papers/{mirrored['id']}/index.html"].decode("utf-8")
    assert Page(page).title == f"{FSI}{mirrored['title']}{PDI} · RTL Digest"
    assert f"<bdi>{MIRRORED_AUTHOR}</bdi>, <bdi>Plain Author</bdi>" in page
    assert f"as “<bdi>{other_title}</bdi>”" in page
    assert Page(files[f"papers/{plain['id']}/index.html"].decode("utf-8")).title == "Plain Title · RTL Digest"  # nothing to isolate
    assert f"<bdi>{MIRRORED_AUTHOR}</bdi>, <bdi>Plain Author</bdi>" in files["days/2025-03-14/index.html"].decode("utf-8")  # a card's authors

    shown = f"{FSI}{MIRRORED}{PDI}"  # a feed item keeps the title it was first published with
    rss = {item.findtext("title") for item in ET.fromstring(files["feed.xml"]).iter("item")}
    atom = {entry.findtext(f"{ATOM}title") for entry in ET.fromstring(files["atom.xml"]).iter(f"{ATOM}entry")}
    feed = {item["title"] for item in json.loads(files["feed.json"])["items"]}
    assert rss == atom == feed == {shown, "Plain Title"}
    assert f"[{FSI}{mirrored['title']}{PDI}](https://example.org/papers/{mirrored['id']}/)" in files["days/2025-03-14.md"].decode("utf-8")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Plain title", "Plain title"),
        ("Über naïve 学习 😀", "Über naïve 学习 😀"),  # left to right: nothing to isolate
        (f"Evil{RLO}txt", f"{FSI}Evil{RLO}txt{PDI}"),
        ("عنوان عربي", f"{FSI}عنوان عربي{PDI}"),
        (f"x{PDI}{RLO}y", f"{FSI}x{RLO}y{PDI}"),  # a stray PDI would close our isolate before the override
        (f"{RLO}x\u2067y", f"{FSI}{RLO}x\u2067y{PDI}{PDI}"),  # an isolate left open is closed before ours
        (f"\u2066a{PDI}{PDI}b\u202b", f"{FSI}\u2066a{PDI}b\u202b{PDI}"),
    ],
)
def test_isolated_text_cannot_turn_what_follows(text: str, shown: str) -> None:
    assert isolated(text) == shown


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        ("*a* _b_ **c** `d` [e](f) <b>g</b> &amp; \\* # 1.", "<p>*a* _b_ **c** `d` [e](f) &lt;b&gt;g&lt;/b&gt; &amp;amp; \\* # 1.</p>\n"),
        ("  padded  ", "<p>padded</p>\n"),
        ("One.\n\nTwo\nlines.\n \n\nThree.", "<p>One.</p>\n<p>Two\nlines.</p>\n<p>Three.</p>\n"),
        (
            "Code at https://github.com/a/b_c. See (https://x.org/a_(b)) or http://y.org/?q=1&r=2, then.",
            '<p>Code at <a href="https://github.com/a/b_c" rel="nofollow noopener">https://github.com/a/b_c</a>. '
            'See (<a href="https://x.org/a_(b)" rel="nofollow noopener">https://x.org/a_(b)</a>) or '
            '<a href="http://y.org/?q=1&amp;r=2" rel="nofollow noopener">http://y.org/?q=1&amp;r=2</a>, then.</p>\n',
        ),
        (
            "<https://a.org/x> javascript:alert(1) ftp://b.org/ http:// .",
            '<p>&lt;<a href="https://a.org/x" rel="nofollow noopener">https://a.org/x</a>&gt; javascript:alert(1) ftp://b.org/ http:// .</p>\n',
        ),
        ("\"https://a.org/'x'\"", '<p>&quot;<a href="https://a.org/&#x27;x" rel="nofollow noopener">https://a.org/\'x</a>\'&quot;</p>\n'),
        ("", ""),
    ],
)
def test_text_html_escapes_the_text_and_links_only_web_urls(text: str, markup: str) -> None:
    assert text_html(text) == markup


class Shown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


TEXT_PIECES = st.sampled_from(
    [
        *list("aZ09 .,;:()%/'\"\\`*_[]<>&!~|#-+=$^{}\n\t"),
        *("é", "\xa0", "∇_t", "&amp;", "&#12;", "1. ", "# ", "```", "***", "a_b", "[a](b)", "![a](b)", "<a:b>", "<b>", "``x''"),
        *("http://", "https://a.org/x", "HTTPS://B.ORG", "http://a.b/c?d=e&f=g", "javascript:", "www.c.org", "\n\n"),
    ]
)


@settings(max_examples=1500, deadline=None)
@example("``image segmentation''")
@example("at 384*384 resolution")
@example("see https://a.org/x).")
@given(st.lists(TEXT_PIECES, max_size=20).map("".join))
def test_text_html_shows_any_text_as_written(text: str) -> None:
    parser = Shown()
    parser.feed(str(text_html(text)))
    parser.close()
    assert {tag for tag, _ in parser.tags} <= {"p", "a"}
    assert "".join(parser.text).split() == text.split()
    for tag, attrs in parser.tags:
        if tag == "a":
            assert attrs["rel"] == "nofollow noopener" and (attrs["href"] or "").lower().startswith(("http://", "https://"))


MARKDOWN_PIECES = st.sampled_from(
    [
        *list("aZ09 .,;:()%/'\"\\`*_[]<>&!~|#-+=$^{}\t"),
        *("é", "\xa0", "&amp;", "&copy;", "&#12;", "1. ", "3) ", "# ", "- ", "+ ", "> ", "    ", "~~~", "```", "***", "---", "==="),
        *("a_b", "_a", "a_", "__", "\\*", "\\\\", "\\", "[a](b)", "![a](b)", "<a:b>", "<http://a.b>", "<b>", "[a]: b", "~~a~~", "$x$", "|a|"),
    ]
)


@settings(max_examples=2000, deadline=None)
@example("*a*")
@example("_a_")
@example("`a`")
@example("[x](y)")
@example("<b>")
@example("# a")
@example("1. a")
@example("\\")
@example("|")
@example("~~a~~")
@example("&amp;")
@given(st.lists(MARKDOWN_PIECES, max_size=20).map("".join))
def test_markdown_escape_renders_as_the_text_itself(text: str) -> None:
    escaped = markdown_escape(text)
    alone = COMMONMARK.parse(escaped)
    assert markup_in(alone) == set() and [t.type for t in alone if t.nesting == 1] in ([], ["paragraph_open"])
    assert "".join(child.content for token in alone for child in token.children or ()).split() == text.split()
    in_link = COMMONMARK.parse(f"- [{escaped}](https://example.org/)")  # as the mirrors list titles
    assert markup_in(in_link) == {"link_open", "link_close"}
    assert [text.split()] == [found.split() for found in link_texts(in_link)]


def test_the_json_reader_shows_the_title_as_written_when_it_is_the_api_title_unstripped() -> None:
    cases = [
        ("LLM$\\times$MapReduce: Simplified", "LLMtimesMapReduce: Simplified", "LLM$\\times$MapReduce: Simplified"),
        ("$\\nabla^2$DFT: A Dataset", "nabla^2DFT: A Dataset", "$\\nabla^2$DFT: A Dataset"),
        ("Free$^2$Guide: Gradient-Free", "Free^2Guide: Gradient-Free\n  Control", "Free^2Guide: Gradient-Free Control"),  # other words: not one title
        ("A Revised Title", "The First Title", "The First Title"),
        ("AutoCoder with \\textsc{AIEV-Instruct}", "AutoCoder with\n  AIEV-Instruct", "AutoCoder with AIEV-Instruct"),  # another key, another id
        ("Only As Written", None, "Only As Written"),
    ]
    items = [{"title": written, "paper": {"id": f"2401.{n:05d}", "title": api, "summary": "An abstract."}} for n, (written, api, _) in enumerate(cases, 1)]
    result = read_json_dump(json.dumps(items).encode(), "dumps/2025-03-14.json", None)
    assert result.problems == ()
    assert [entry.title for entry in result.entries] == [shown for _, _, shown in cases]
