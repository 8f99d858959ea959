"""The `cached` filter: a `_macros` macro rendered once per arguments, escaping kept, stale fragments dropped between builds;
pages render through plain Jinja2 with markupsafe's escaping."""

from __future__ import annotations

from pathlib import Path

import jinja2
import markupsafe
import pytest

from generator.memo import Memo
from generator.problems import ThemeError
from generator.site.plan import PageSpec
from generator.site.render import Renderer, SiteInfo, theme_dirs

MACROS = "{% macro item(x) %}[{{ x }}{{ x | count }}]{% endmacro %}"
LIST = "{% for x in items %}{{ 'item' | cached(x) }}{% endfor %}"


def renderer_with(tmp_path: Path, templates: dict[str, str], calls: list[str] | None = None) -> Renderer:
    folder = tmp_path / "themes" / "t" / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in templates.items():
        (folder / name).write_text(text, encoding="utf-8")
    info = SiteInfo(title="T", description="", base_url="https://example.org/", author="", nav=())
    renderer = Renderer(theme_dirs("t", tmp_path), info)
    if calls is not None:  # a filter that records each rendering of a fragment it is in
        renderer.env.filters["count"] = lambda value: calls.append(value) or ""
    return renderer


def render(renderer: Renderer, template: str, **values: object) -> str:
    return renderer.render(PageSpec(template, template, tuple(values.items()))).decode("utf-8")


def test_a_fragment_renders_once_per_macro_and_arguments(tmp_path: Path) -> None:
    calls: list[str] = []
    macros = MACROS + "{% macro other(x) %}<{{ x }}>{% endmacro %}"
    renderer = renderer_with(tmp_path, {"_macros.txt": macros, "list.txt": LIST + "|{{ 'other' | cached('a') }}"}, calls)
    assert render(renderer, "list.txt", items=("a", "b", "a")) == "[a][b][a]|<a>"
    assert calls == ["a", "b"]  # the second "a" was reused
    assert (renderer.fragments.computed, renderer.fragments.reused) == (3, 1)  # another macro with the same arguments keeps its own markup


def test_keyword_arguments_are_part_of_the_key(tmp_path: Path) -> None:
    macros = "{% macro card(x, big=false) %}{{ x | count }}{% if big %}<b>{% endif %}{{ x }}{% endmacro %}"
    page = "{{ 'card' | cached('a') }}|{{ 'card' | cached('a', big=true) }}|{{ 'card' | cached('a', big=true) }}|{{ 'card' | cached('a', big=false) }}"
    calls: list[str] = []
    renderer = renderer_with(tmp_path, {"_macros.html": macros, "page.html": page}, calls)
    assert render(renderer, "page.html") == "a|<b>a|<b>a|a"
    assert calls == ["a", "a", "a"]  # big=false said out loud is a key of its own: the same markup, made again


def test_cached_markup_is_escaped_once(tmp_path: Path) -> None:
    macros = "{% macro em(t) %}<i>{{ t }}</i>{% endmacro %}"
    renderer = renderer_with(tmp_path, {"_macros.html": macros, "page.html": "{% for t in titles %}{{ 'em' | cached(t) }}{% endfor %}"})
    assert render(renderer, "page.html", titles=("<b>", "<b>")) == "<i>&lt;b&gt;</i><i>&lt;b&gt;</i>"


def test_a_page_draws_on_the_macros_of_its_own_kind(tmp_path: Path) -> None:
    renderer = renderer_with(
        tmp_path,
        {
            "_macros.html": "{% macro line(t) %}<li>{{ t }}</li>{% endmacro %}",
            "_macros.md": "{% macro line(t) %}- {{ t }}{% endmacro %}",
            "page.html": "{{ 'line' | cached('a & b') }}",
            "page.md": "{{ 'line' | cached('a & b') }}",
        },
    )
    assert render(renderer, "page.html") == "<li>a &amp; b</li>"
    assert render(renderer, "page.md") == "- a & b"  # Markdown is not HTML-escaped, and never gets the HTML fragment


def test_a_named_library_shares_its_fragment_across_page_kinds(tmp_path: Path) -> None:
    """`library:macro` draws on another library: an HTML page shows the very entry a .bib page made, escaped by the page."""
    calls: list[str] = []
    renderer = renderer_with(
        tmp_path,
        {
            "_macros.bib": "{% macro entry(t) %}@misc{ {{- t | count }}{{ t }}}{% endmacro %}",
            "list.bib": "{{ 'entry' | cached('a&b') }}",
            "page.html": "<pre>{{ '_macros.bib:entry' | cached('a&b') }}</pre>",
        },
        calls,
    )
    assert render(renderer, "list.bib") == "@misc{a&b}"
    assert render(renderer, "page.html") == "<pre>@misc{a&amp;b}</pre>"
    assert calls == ["a&b"]  # made once, for the .bib page


def test_a_cached_macro_sees_its_arguments_and_the_globals_only(tmp_path: Path) -> None:
    """So its arguments name everything it shows: a page's own values cannot leak into markup another page reuses."""
    macros = "{% macro title() %}{{ site.title }}{% endmacro %}{% macro leaky() %}{{ page_path }}{% endmacro %}"
    renderer = renderer_with(tmp_path, {"_macros.html": macros, "a.html": "{{ 'title' | cached }}", "b.html": "{{ 'leaky' | cached }}"})
    assert render(renderer, "a.html") == "T"
    with pytest.raises(ThemeError, match="'page_path' is undefined"):
        render(renderer, "b.html")


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("{{ 'nothing' | cached }}", "_macros.html has no macro 'nothing'"),
        ("{{ '_macros.bib:nothing' | cached }}", "_macros.bib has no macro 'nothing'"),
        ("{{ 'item' | cached(['a list']) }}", "must be hashable"),
    ],
)
def test_a_wrong_call_is_a_template_error(tmp_path: Path, page: str, message: str) -> None:
    renderer = renderer_with(tmp_path, {"_macros.html": MACROS, "page.html": "\n" + page})
    with pytest.raises(ThemeError) as raised:
        render(renderer, "page.html")
    assert message in raised.value.problem.message and raised.value.problem.line == 2


def test_an_error_in_a_page_is_placed_on_its_template_line(tmp_path: Path) -> None:
    page = '{% extends "base.html" %}\n{% block main %}\n{{ missing.x }}{% endblock %}'
    renderer = renderer_with(tmp_path, {"base.html": "<main>\n{% block main %}{% endblock %}\n</main>", "page.html": page})
    with pytest.raises(ThemeError) as raised:
        render(renderer, "page.html")
    problem = raised.value.problem
    assert (Path(problem.path).name, problem.line) == ("page.html", 3) and "'missing' is undefined" in problem.message


def test_a_carried_memo_keeps_only_the_fragments_the_last_good_build_used(tmp_path: Path) -> None:
    calls: list[str] = []
    renderer = renderer_with(tmp_path, {"_macros.txt": MACROS, "list.txt": LIST}, calls)
    memo = Memo(carried=True)

    def build(*items: str, ok: bool = True) -> list[str]:
        calls.clear()
        renderer.fragments = memo.table("fragment")
        render(renderer, "list.txt", items=items)
        memo.commit() if ok else memo.abandon()
        return list(calls)

    assert build("a", "b") == ["a", "b"]
    assert build("b", "c") == ["c"]  # "b" came from the last build
    assert build("a", ok=False) == ["a"]  # a failed build: its fragments are not kept
    assert build("c") == []  # the last good build's stand
    build()  # a build that rendered nothing: the fragments of "b" and "c" are gone
    assert build("b", "c") == ["b", "c"]


def test_a_clean_builds_store_keeps_the_most_recently_used_fragments_only(tmp_path: Path) -> None:
    calls: list[str] = []
    renderer = renderer_with(tmp_path, {"_macros.txt": MACROS, "list.txt": LIST}, calls)
    renderer.fragments.limit = 12  # characters: four fragments of three ("[a]")
    items = ("a", "b", "a", "c", "a", "d", "a", "e", "b")  # "a" stays in use; "b" is dropped once the store holds four
    assert render(renderer, "list.txt", items=items) == "".join(f"[{x}]" for x in items)
    assert calls == ["a", "b", "c", "d", "e", "b"]
    assert renderer.fragments.size <= 12


def test_templates_compiled_under_other_code_are_not_reused(tmp_path: Path) -> None:
    """What a template compiles to changes with Jinja's version and with render.py and fragments.py (filters Jinja may
    fold): a compiled template kept from another version would call what is gone, or hold another site's URLs."""
    import hashlib
    import importlib.metadata

    from generator.site import fragments
    from generator.site import render as render_module

    renderer = renderer_with(tmp_path, {"page.html": "<i>{{ 'archive/' | url }}</i>"})
    cache = renderer.env.bytecode_cache
    code = importlib.metadata.version("jinja2").encode() + Path(fragments.__file__).read_bytes() + Path(render_module.__file__).read_bytes()
    assert hashlib.sha256(code).hexdigest()[:12] == render_module.TEMPLATE_CODE_VERSION
    assert cache is not None and cache.pattern == f"__paper_digest_{render_module.TEMPLATE_CODE_VERSION}_%s.cache"  # type: ignore[attr-defined]
    assert render(renderer, "page.html") == "<i>/archive/</i>"
    info = SiteInfo(title="T", description="", base_url="https://example.org/repo/", author="", nav=())
    elsewhere = Renderer(theme_dirs("t", tmp_path), info)  # the same template, compiled and cached above
    assert render(elsewhere, "page.html") == "<i>/repo/archive/</i>"  # never folded into the code


OUTPUTS = "{{ v }}|{{ v ~ '&' }}|{{ v | upper }}|{% set x %}<{{ v }}>{% endset %}{{ x }}|{{ m(v) }}|{{ CACHED }}|{{ v | safe }}|{{ n }}|{{ markup }}"
MACRO = "{% macro m(value) %}[{{ value }}]{% endmacro %}"


def test_output_escaping_is_markupsafes(tmp_path: Path) -> None:
    """Every kind of value, in every place a template outputs one, gives what plain Jinja2 with autoescape gives;
    a cached macro gives what calling it gives."""
    ours = OUTPUTS.replace("{{ CACHED }}", "{{ 'm' | cached(v) }}")
    renderer = renderer_with(tmp_path, {"_macros.html": MACRO, "page.html": MACRO + ours})
    plain = jinja2.Environment(autoescape=True).from_string(MACRO + OUTPUTS.replace("{{ CACHED }}", "{{ m(v) }}"))
    for value in ("<b>\"Tom\" & 'Jerry'</b>", "plain", "", "é ü 😀 &amp;", 42, 3.5, markupsafe.Markup("<i>kept</i>")):
        values = {"v": value, "n": 7, "markup": markupsafe.Markup("<br>")}
        assert render(renderer, "page.html", **values) == plain.render(values), value
    assert "&lt;b&gt;&#34;Tom&#34; &amp; &#39;Jerry&#39;&lt;/b&gt;" in render(renderer, "page.html", v="<b>\"Tom\" & 'Jerry'</b>", n=0, markup="")


@pytest.mark.parametrize("authors", [(), ("Ada",), ("A<b>", 'C"d', "E'f & g"), ("nul\0inside", "x"), ("\u05e9\u05dc\u05d5\u05dd", "Bob")])
def test_bdi_join_escapes_each_item_in_a_bdi_of_its_own(authors: tuple[str, ...]) -> None:
    from generator.site.render import bdi_join

    expected = "</bdi>, <bdi>".join(str(markupsafe.escape(name)) for name in authors)
    assert bdi_join(authors, ", ") == (f"<bdi>{expected}</bdi>" if authors else "")
    assert isinstance(bdi_join(authors, ", "), markupsafe.Markup)
