"""The `{% cache %}` template tag: one rendering per key and block, escaping kept, stale fragments dropped between builds."""

from __future__ import annotations

from pathlib import Path

from generator.site.render import PageSpec, Renderer, SiteInfo, theme_dirs

TEMPLATE = """{% for item in items %}{% cache item %}[{{ item }}|{{ calls.append(item) or '' }}]{% endcache %}{% endfor %}
{% for item in items %}{% cache item %}<{{ item }}>{% endcache %}{% endfor %}
"""


def renderer_with(tmp_path: Path, name: str, text: str) -> Renderer:
    theme = tmp_path / "themes" / "t"
    (theme / "templates").mkdir(parents=True, exist_ok=True)
    (theme / "templates" / name).write_text(text, encoding="utf-8")
    info = SiteInfo(title="T", description="", base_url="https://example.org/", author="", nav=())
    return Renderer(theme_dirs("t", tmp_path), info)


def test_a_fragment_renders_once_per_key_and_block(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, "list.txt", TEMPLATE)
    calls: list[str] = []
    spec = PageSpec("list.txt", "list.txt", (("items", ("a", "b", "a")), ("calls", calls)))
    assert renderer.render(spec) == b"[a|][b|][a|]<a><b><a>"  # trim_blocks eats the newline after a tag
    assert calls == ["a", "b"]  # the second "a" of the first block was reused
    assert (renderer.fragments.rendered, renderer.fragments.reused) == (4, 2)  # the second block keeps its own markup


def test_cached_markup_is_escaped_once(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, "page.html", "{% for t in titles %}{% cache t %}<i>{{ t }}</i>{% endcache %}{% endfor %}")
    spec = PageSpec("page.html", "page.html", (("titles", ("<b>", "<b>")),))
    assert renderer.render(spec) == b"<i>&lt;b&gt;</i><i>&lt;b&gt;</i>"


def test_next_build_keeps_only_what_the_last_build_used(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, "list.txt", TEMPLATE)
    first = PageSpec("list.txt", "list.txt", (("items", ("a", "b")), ("calls", [])))
    renderer.render(first)
    renderer.fragments.next_build()
    calls: list[str] = []
    renderer.render(PageSpec("list.txt", "list.txt", (("items", ("b", "c")), ("calls", calls))))
    assert calls == ["c"]  # "b" came from the last build
    renderer.fragments.next_build()
    renderer.fragments.next_build()  # a build that rendered nothing: the fragments of "b" and "c" are gone
    calls.clear()
    renderer.render(PageSpec("list.txt", "list.txt", (("items", ("b",)), ("calls", calls))))
    assert calls == ["b"]


def test_a_clean_builds_store_keeps_the_most_recently_used_fragments_only(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, "list.txt", TEMPLATE)
    renderer.fragments.limit = 4
    calls: list[str] = []
    items = ("a", "b", "a", "c", "a", "d", "a", "e", "b")  # "a" stays hot; "b" is dropped once the store holds 4
    spec = PageSpec("list.txt", "list.txt", (("items", items), ("calls", calls)))
    assert renderer.render(spec).startswith(b"[a|][b|][a|][c|][a|][d|][a|][e|][b|]")
    assert calls == ["a", "b", "c", "d", "e", "b"]


def test_templates_compiled_under_other_code_are_not_reused(tmp_path: Path) -> None:
    """What a template compiles to changes with fragments.py (the tag) and render.py (filters Jinja may fold):
    a compiled template kept from another version would call what is gone, or hold another site's URLs."""
    import hashlib

    from generator.site import fragments, render

    renderer = renderer_with(tmp_path, "page.html", "{% cache 'x' %}<i>{{ 'archive/' | url }}</i>{% endcache %}")
    cache = renderer.env.bytecode_cache
    code = Path(fragments.__file__).read_bytes() + Path(render.__file__).read_bytes()
    assert hashlib.sha256(code).hexdigest()[:12] == render.TEMPLATE_CODE_VERSION
    assert cache is not None and cache.pattern == f"__paper_digest_{render.TEMPLATE_CODE_VERSION}_%s.cache"  # type: ignore[attr-defined]
    assert renderer.render(PageSpec("page.html", "page.html", ())) == b"<i>/archive/</i>"
    info = SiteInfo(title="T", description="", base_url="https://example.org/repo/", author="", nav=())
    elsewhere = Renderer(theme_dirs("t", tmp_path), info)  # the same template, compiled and cached above
    assert elsewhere.render(PageSpec("page.html", "page.html", ())) == b"<i>/repo/archive/</i>"  # never folded into the code


OUTPUTS = (
    "{{ v }}|{{ v ~ '&' }}|{{ v | upper }}|{% set x %}<{{ v }}>{% endset %}{{ x }}|{{ m(v) }}|"
    "{% cache v %}{{ v }}{% endcache %}|{{ v | safe }}|{{ n }}|{{ markup }}"
)
MACRO = "{% macro m(value) %}[{{ value }}]{% endmacro %}"


def test_output_escaping_is_markupsafes(tmp_path: Path) -> None:
    """Our templates write `{{ ... }}` through a faster escape than Jinja's: every kind of value,
    in every place a template outputs one, gives what plain Jinja2 with autoescape gives."""
    import jinja2
    import markupsafe

    from generator.site.fragments import FragmentCacheExtension

    text = MACRO + OUTPUTS
    renderer = renderer_with(tmp_path, "page.html", text)
    plain = jinja2.Environment(autoescape=True, extensions=[FragmentCacheExtension]).from_string(text)
    for value in ("<b>\"Tom\" & 'Jerry'</b>", "plain", "", "é ü 😀 &amp;", 42, 3.5, markupsafe.Markup("<i>kept</i>")):
        values = {"v": value, "n": 7, "markup": markupsafe.Markup("<br>")}
        ours = renderer.render(PageSpec("page.html", "page.html", tuple(values.items()))).decode("utf-8")
        assert ours == plain.render(values), value
    assert "&lt;b&gt;&#34;Tom&#34; &amp; &#39;Jerry&#39;&lt;/b&gt;" in renderer.render(
        PageSpec("page.html", "page.html", (("v", "<b>\"Tom\" & 'Jerry'</b>"), ("n", 0), ("markup", "")))
    ).decode("utf-8")
