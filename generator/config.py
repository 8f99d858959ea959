"""digest.yaml: load, validate and merge with command-line overrides."""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from generator.pipeline.watches import Watch
from generator.problems import Problem, did_you_mean, error

CONFIG_NAME = "digest.yaml"
# Where a theme is looked for: the project's themes/, then the themes shipped with paper-digest
# (beside the package in a source checkout, inside it when installed).
SOURCE_THEMES = Path(__file__).parent.parent / "themes"
PACKAGE_THEMES = Path(__file__).parent / "themes"
BUILT_IN_THEMES = (SOURCE_THEMES, PACKAGE_THEMES)
THEME_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
NOT_IN_URL = re.compile(r"[\s<>\"'`{}|\\^]|[^\x21-\x7e]")  # would need escaping in links and feeds: not a URL as written


@dataclass(frozen=True, slots=True)
class DedupeSettings:
    """Match thresholds (0-100, rapidfuzz scores); docs/dedupe.md explains each rule."""

    title_threshold: float = 90.0  # a near title: merges when the abstract is at least a revision of it
    abstract_threshold: float = 90.0  # the same abstract (or a cut one): merges a revised title
    loose_title_threshold: float = 70.0  # how far a revised title may drift
    revised_abstract_threshold: float = 75.0  # how far a near title's abstract may drift (different papers score ~40-55)
    title_only_threshold: float = 96.0  # near titles when one side has no abstract
    distinct_abstract_threshold: float = 60.0  # below this, one title with two abstracts is two papers


DEFAULT_API_URL = "https://huggingface.co/api/daily_papers"


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """`digest fetch`: where the daily papers API is and how patiently it is asked (docs/fetch.md)."""

    api_url: str = DEFAULT_API_URL
    timeout: float = 30.0  # seconds to connect, and between bytes of an answer
    retries: int = 4  # tries after the first, for timeouts, 429 and 5xx answers
    max_wait: float = 60.0  # the longest wait between tries, Retry-After included


@dataclass(frozen=True, slots=True)
class Config:
    title: str = "Paper Digest"
    description: str = "Daily research papers, deduplicated and sorted by topic."
    author: str = "paper-digest"
    base_url: str = "http://127.0.0.1:8000/"
    year: int | None = None
    content_dir: Path = Path("content")
    output_dir: Path = Path("site")
    theme: str = "default"
    feed_limit: int = 50
    feed_days: int | None = None  # the subscription feeds hold the last N days (older ones are in the monthly archives)
    websub_hub: str | None = None  # a WebSub hub the feeds announce (docs/feeds.md); off by default
    watch: tuple[Watch, ...] = ()  # `watch: {authors: [...], orgs: [...], keywords: [...]}`: a page and feeds each
    page_size: int = 50
    thumbnails: bool = True  # cards show the paper's thumbnail (an image from the feed's host) when it has one
    dedupe: DedupeSettings = DedupeSettings()
    fetch: FetchSettings = FetchSettings()
    allow_empty: bool = False  # --allow-empty: a content folder without dumps builds an empty site instead of failing

    @property
    def base_path(self) -> str:
        return base_path_of(self.base_url)


@functools.cache
def base_path_of(base_url: str) -> str:
    """The URL path a site lives under, with a leading and trailing slash; cached, as every link on every page asks for it."""
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


KNOWN_KEYS = {f.name for f in dataclasses.fields(Config)} - {"allow_empty"}  # a flag, not a setting
DEDUPE_KEYS = {f.name for f in dataclasses.fields(DedupeSettings)}
FETCH_KEYS = [f.name for f in dataclasses.fields(FetchSettings)]


def _line_of_keys(text: str) -> dict[str, int]:
    """Map each top-level key to its 1-based line, for messages that point somewhere."""
    lines: dict[str, int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines[str(key_node.value)] = key_node.start_mark.line + 1
    return lines


def line_of_key(config_path: Path, key: str) -> int | None:
    """The line a top-level key of a config file is on, when the file and the key are there."""
    try:
        return _line_of_keys(config_path.read_text(encoding="utf-8-sig")).get(key)
    except (OSError, UnicodeDecodeError):
        return None


def validate_base_url(value: str, path: str, line: int | None) -> Problem | None:
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = urlsplit(""), False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or NOT_IN_URL.search(value):
        return error(
            path,
            line,
            f"base_url {value!r} is not an absolute http(s) URL",
            "write it like https://user.github.io/repo/",
        )
    return None


def parse_config(text: str, path: str, base_dir: Path) -> tuple[Config, list[Problem]]:
    """Parse the YAML text of a config file; paths in it are relative to base_dir."""
    problems: list[Problem] = []
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Config(), [error(path, line, f"invalid YAML: {reason}", "check indentation and quotes")]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return Config(), [error(path, 1, "the config must be a mapping of keys to values", "e.g. 'title: My digest'")]
    lines = _line_of_keys(text)
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = lines.get(str(key))
        key = str(key)
        if key not in KNOWN_KEYS:
            problems.append(error(path, line, f"unknown key {key!r}", did_you_mean(key, sorted(KNOWN_KEYS))))
            continue
        if key == "fetch":
            checked, problem = check_fetch(value, path, line, text)
        elif key == "watch":
            checked, problem = check_watch(value, path, line, text)
        else:
            checked, problem = _check_value(key, value, path, line, base_dir)
        if problem:
            problems.append(problem)
        else:
            values[key] = checked
    return Config(**values), problems


def _check_value(key: str, value: Any, path: str, line: int | None, base_dir: Path) -> tuple[Any, Problem | None]:
    if key == "theme":
        return check_theme(value, path, line, base_dir)
    if key in ("title", "description", "author", "base_url"):
        if not isinstance(value, str) or not value.strip():
            return None, error(path, line, f"{key} must be a non-empty string")
        if key == "base_url":
            problem = validate_base_url(value, path, line)
            if problem:
                return None, problem
            return (value if value.endswith("/") else value + "/"), None
        return value, None
    if key == "year":
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2999:
            return None, error(path, line, f"year must be a four-digit year, not {value!r}", "e.g. 'year: 2025'")
        return value, None
    if key == "websub_hub":
        if not isinstance(value, str) or validate_base_url(value, path, line):
            return None, error(path, line, f"websub_hub {value!r} is not an absolute http(s) URL", "e.g. 'websub_hub: https://pubsubhubbub.appspot.com/'")
        return value, None
    if key in ("feed_limit", "page_size", "feed_days"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return None, error(path, line, f"{key} must be a positive whole number, not {value!r}")
        return value, None
    if key == "thumbnails":
        if not isinstance(value, bool):
            return None, error(path, line, f"thumbnails must be true or false, not {value!r}", "e.g. 'thumbnails: false'")
        return value, None
    if key in ("content_dir", "output_dir"):
        if not isinstance(value, str) or not value.strip():
            return None, error(path, line, f"{key} must be a folder path")
        return (base_dir / value), None
    if key == "dedupe":
        if not isinstance(value, dict):
            return None, error(path, line, "dedupe must be a mapping", "e.g. 'dedupe: {title_threshold: 90}'")
        settings: dict[str, float] = {}
        for sub, number in value.items():
            if sub not in DEDUPE_KEYS:
                return None, error(path, line, f"unknown dedupe key {sub!r}", did_you_mean(str(sub), sorted(DEDUPE_KEYS)))
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number <= 100:
                return None, error(path, line, f"dedupe.{sub} must be a number from 0 to 100")
            settings[sub] = float(number)
        return DedupeSettings(**settings), None
    return value, None


def check_fetch(value: Any, path: str, line: int | None, text: str) -> tuple[FetchSettings | None, Problem | None]:
    """The `fetch:` mapping; each problem points at the line of its own key."""
    if not isinstance(value, dict):
        return None, error(path, line, "fetch must be a mapping", "e.g. 'fetch: {api_url: https://huggingface.co/api/daily_papers}'")
    settings: dict[str, Any] = {}
    for sub, setting in value.items():
        where = sub_key_line(text, "fetch", str(sub)) or line
        if sub not in FETCH_KEYS:
            return None, error(path, where, f"unknown fetch key {sub!r}", did_you_mean(str(sub), FETCH_KEYS))
        if sub == "api_url":
            if not isinstance(setting, str) or validate_base_url(setting, path, where):
                return None, error(path, where, f"fetch.api_url {setting!r} is not an absolute http(s) URL", f"e.g. {DEFAULT_API_URL}")
            settings[sub] = setting
        elif sub == "retries":
            if isinstance(setting, bool) or not isinstance(setting, int) or not 0 <= setting <= 20:
                return None, error(path, where, f"fetch.retries must be a whole number from 0 to 20, not {setting!r}")
            settings[sub] = setting
        else:
            low = 0 if sub == "max_wait" else 0.001
            if isinstance(setting, bool) or not isinstance(setting, (int, float)) or not low <= setting <= 3600:
                return None, error(path, where, f"fetch.{sub} must be a number of seconds ({'0' if low == 0 else 'over 0'} to 3600), not {setting!r}")
            settings[sub] = float(setting)
    return FetchSettings(**settings), None


WATCH_KINDS = {"authors": "author", "orgs": "org", "keywords": "keyword"}


def check_watch(value: Any, path: str, line: int | None, text: str) -> tuple[tuple[Watch, ...] | None, Problem | None]:
    """The `watch:` mapping of lists; each problem points at the line of its own key."""
    example = "e.g. 'watch: {authors: [Yann LeCun], orgs: [deepseek-ai], keywords: [world model]}'"
    if not isinstance(value, dict):
        return None, error(path, line, "watch must be a mapping of authors, orgs and keywords to lists", example)
    watches: dict[str, Watch] = {}
    for sub, names in value.items():
        where = sub_key_line(text, "watch", str(sub)) or line
        if sub not in WATCH_KINDS:
            return None, error(path, where, f"unknown watch key {sub!r}", did_you_mean(str(sub), list(WATCH_KINDS)))
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list):
            return None, error(path, where, f"watch.{sub} must be a list of names", example)
        for name in names:
            if not isinstance(name, (str, int, float)) or isinstance(name, bool) or not str(name).strip():
                return None, error(path, where, f"watch.{sub} holds {name!r}, not a name", "write each as text, e.g. '- Yann LeCun'")
            watch = Watch(WATCH_KINDS[sub], " ".join(str(name).split()))
            if watch.slug in watches:
                return None, error(path, where, f"watch.{sub} lists {name!r} twice (as {watches[watch.slug].value!r})", "keep one of them")
            watches[watch.slug] = watch
    return tuple(watches.values()), None


def sub_key_line(text: str, key: str, sub: str) -> int | None:
    """The 1-based line of `sub` inside the mapping of top-level `key`, when it can be found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key and isinstance(value_node, yaml.MappingNode):
            for sub_node, _ in value_node.value:
                if isinstance(sub_node, yaml.ScalarNode) and sub_node.value == sub:
                    return sub_node.start_mark.line + 1
    return None


def theme_roots(project_root: Path) -> tuple[Path, ...]:
    return (project_root / "themes", *BUILT_IN_THEMES)


def available_themes(project_root: Path) -> list[str]:
    return sorted({folder.name for root in theme_roots(project_root) if root.is_dir() for folder in root.iterdir() if (folder / "templates").is_dir()})


def check_theme(value: Any, path: str, line: int | None, project_root: Path) -> tuple[str | None, Problem | None]:
    """A theme is a folder name in themes/ (the project's or paper-digest's own), never a path."""
    name = value if isinstance(value, str) else ""
    if THEME_NAME.fullmatch(name) and any((root / name / "templates").is_dir() for root in theme_roots(project_root)):
        return name, None
    themes = available_themes(project_root)
    return None, error(path, line, f"unknown theme {value!r}", "the themes are: " + ", ".join(themes) + f"; a theme is a folder in {project_root / 'themes'}")


def load_config(config_path: Path | None, root: Path) -> tuple[Config, list[Problem]]:
    """Load the config file if any: an explicit path must exist, the default may not."""
    if config_path is None:
        candidate = root / CONFIG_NAME
        if not candidate.is_file():
            return Config(content_dir=root / "content", output_dir=root / "site"), []
        config_path = candidate
    if not config_path.is_file():
        return Config(), [error(str(config_path), None, "config file not found", "check the --config path")]
    try:
        text = config_path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return Config(), [error(str(config_path), None, f"cannot read config: {exc.strerror}", "check the --config path")]
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        return Config(), [error(str(config_path), line, f"the config is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x})", "save it as UTF-8")]
    base_dir = config_path.parent
    config, problems = parse_config(text, str(config_path), base_dir)
    if "content_dir" not in _explicit_keys(text):
        config = dataclasses.replace(config, content_dir=base_dir / "content")
    if "output_dir" not in _explicit_keys(text):
        config = dataclasses.replace(config, output_dir=base_dir / "site")
    return config, problems


def _explicit_keys(text: str) -> set[str]:
    return set(_line_of_keys(text))


def with_overrides(config: Config, **overrides: Any) -> Config:
    """Command-line flags beat the config file: apply the ones that were given."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(config, **given) if given else config
