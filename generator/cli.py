"""The `digest` command line. User mistakes end as `file:line: message` and an exit code."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from generator import __version__
from generator.build import NothingWritten, build_failed, build_model, read_entries, write_site
from generator.config import CONFIG_NAME, DEFAULT_API_URL, Config, line_of_key, load_config, validate_base_url, with_overrides
from generator.pipeline import ingest, topics
from generator.problems import Problem, Severity, UserError, as_seen_from
from generator.progress import build_progress
from generator.site import output

if TYPE_CHECKING:
    from generator.preview.incremental import RebuildSession

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_build_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (default: ./digest.yaml if present)")
    parser.add_argument("--content", type=Path, metavar="DIR", help="content folder (default: content/)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: site/)")
    parser.add_argument("--base-url", metavar="URL", help="absolute URL the site is served at, e.g. https://user.github.io/repo/")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    parser.add_argument("--force", action="store_true", help="replace an output folder that paper-digest did not make")
    parser.add_argument("--allow-empty", action="store_true", help="build an empty site when there is no dump (by default that fails)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest", description="Build a static site and feeds from research-paper feed dumps.")
    parser.add_argument("--version", action="version", version=f"paper-digest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    build = commands.add_parser("build", help="build the site into the output folder", description="Build the site from the content folder.")
    add_build_flags(build)
    build.set_defaults(handler=command_build)
    check_command = commands.add_parser(
        "check",
        help="read and check every input without writing anything",
        description="Read the config, dumps, topics and pages, dedupe and classify, and print every problem and every "
        "place a dump was ambiguous (papers that could have been merged or split); nothing is written.",
    )
    add_build_flags(check_command)
    check_command.set_defaults(handler=command_check)
    topics_command = commands.add_parser(
        "topics",
        help="print how the topic rules cover the papers",
        description="Classify every paper with topics.yaml and print papers per topic, the share in Other and the unclassified titles.",
    )
    add_build_flags(topics_command)
    topics_command.add_argument("--evaluate", type=Path, metavar="FILE", help="score the rules against labelled papers (JSON lines; docs/topics.md)")
    topics_command.add_argument("--explain", metavar="ID", help="print how one paper (its id or arXiv id) was scored")
    topics_command.add_argument("--suggest", action="store_true", help="list frequent title phrases and ai_keywords no topic covers")
    topics_command.set_defaults(handler=command_topics)
    serve_command = commands.add_parser(
        "serve",
        help="build, serve the site locally and rebuild and reload on every change",
        description="Build, serve the output folder under its base path, watch content/, the theme and the config, rebuild and reload.",
    )
    add_build_flags(serve_command)
    serve_command.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_command.add_argument("--port", type=port_number, default=8000, help="port to listen on; 0 picks a free one (default: 8000)")
    serve_command.add_argument("--no-reload", action="store_true", help="do not inject the live-reload script into pages")
    serve_command.set_defaults(handler=command_serve)
    dupes_command = commands.add_parser(
        "dupes",
        help="print which entries were merged into one paper, and why",
        description="Read the dumps, dedupe them and print every paper that appeared more than once, each merge with its rule and score.",
    )
    add_build_flags(dupes_command)
    dupes_command.add_argument("--json", action="store_true", help="print JSON for machines instead of text")
    dupes_command.set_defaults(handler=command_dupes)
    watch_command = commands.add_parser("watch", help="build, then rebuild on every change", description="Like serve, without the server.")
    add_build_flags(watch_command)
    watch_command.set_defaults(handler=command_watch)
    add_fetch_commands(commands.add_parser)
    return parser


def add_fetch_commands(add_parser: Callable[..., argparse.ArgumentParser]) -> None:
    """`digest fetch` and `digest new` (docs/fetch.md, docs/deploy.md)."""
    fetch_command = add_parser(
        "fetch",
        help="download days of the daily papers API into content/dumps/",
        description="Download days from the daily papers API into content/dumps/YYYY-MM-DD.json. By default: the days since "
        "the newest dump and the 3 before it again (the last 7 days when there is no dump). A dump is never replaced by an "
        "answer with fewer papers unless --force.",
    )
    fetch_command.add_argument("--config", type=Path, metavar="FILE", help="config file (default: ./digest.yaml if present)")
    fetch_command.add_argument("--content", type=Path, metavar="DIR", help="content folder (default: content/)")
    fetch_command.add_argument("--api-url", metavar="URL", help="the daily papers API (default: the config's fetch.api_url)")
    days = fetch_command.add_mutually_exclusive_group()
    days.add_argument("--days", type=day_count, metavar="N", help="the last N days, up to --until or today")
    days.add_argument("--since", type=iso_date, metavar="DATE", help="the first day to fetch (YYYY-MM-DD)")
    fetch_command.add_argument("--until", type=iso_date, metavar="DATE", help="the last day to fetch (YYYY-MM-DD; default: today, UTC)")
    fetch_command.add_argument("--force", action="store_true", help="replace a dump even by an answer with fewer papers")
    fetch_command.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    fetch_command.set_defaults(handler=command_fetch, out=None, base_url=None, allow_empty=False)
    new_command = add_parser(
        "new",
        help="create a new digest folder: digest.yaml, content/dumps/ and the GitHub Pages workflow",
        description="Create a digest project in DIR (made if missing). Nothing is written over an existing file.",
    )
    new_command.add_argument("dir", type=Path, metavar="DIR", help="the folder of the new digest")
    new_command.set_defaults(handler=command_new)


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-08-17") from None


def day_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 3660:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days (1-3660)")
    return int(text)


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def resolve_config(args: argparse.Namespace) -> Config:
    """Defaults, then the config file, then command-line flags."""
    root = Path.cwd()
    config, problems = load_config(args.config, root)
    if problems:
        raise UserError(problems, EXIT_FAILED)
    if args.base_url is not None:
        problem = validate_base_url(args.base_url, "--base-url", None)
        if problem:
            raise UserError(problem, EXIT_USAGE)
        args.base_url = args.base_url if args.base_url.endswith("/") else args.base_url + "/"
    return with_overrides(config, content_dir=args.content, output_dir=args.out, base_url=args.base_url, allow_empty=args.allow_empty or None)


def project_root_of(args: argparse.Namespace) -> Path:
    return args.config.parent if args.config else Path.cwd()


def report(problems: Sequence[Problem], quiet: bool, content_dir: Path | None = None) -> None:
    """Print problems, content files' paths shown from the current folder so they can be opened as printed."""
    for problem in problems:
        if quiet and problem.severity is not Severity.ERROR:
            continue
        print(as_seen_from(problem, Path.cwd(), content_dir).format(), file=sys.stderr)


def as_skipped(problems: Sequence[Problem]) -> list[Problem]:
    """When the build goes ahead, a dump with errors was skipped and the rest built: a warning, saying so."""
    return [
        dataclasses.replace(p, severity=Severity.WARNING, hint="; ".join(filter(None, (p.hint, "this dump was skipped"))))
        if p.severity is Severity.ERROR and ingest.is_dump_source(p.path)
        else p
        for p in problems
    ]


def refuse_unsafe_output(config: Config, args: argparse.Namespace, root: Path) -> None:
    """Stop before building into a folder whose replacement would destroy the user's files.

    The message points at where the folder was chosen: a flag (a usage error) or the config line.
    """
    problem = output.check_output_dir(config.output_dir, config.content_dir, root, args.force)
    if problem is None:
        return
    message = f"{problem.message}: {config.output_dir}"
    for flag, given in (("--out", args.out), ("--content", args.content)):
        if given is not None:
            raise UserError(Problem(flag, None, message, problem.hint), EXIT_USAGE)
    config_file = args.config or root / CONFIG_NAME
    for key in ("output_dir", "content_dir"):
        if line := line_of_key(config_file, key):
            raise UserError(Problem(str(config_file), line, message, problem.hint), EXIT_FAILED)
    raise UserError(problem, EXIT_FAILED)


def command_build(args: argparse.Namespace) -> int:
    config = resolve_config(args)
    root = project_root_of(args)
    refuse_unsafe_output(config, args, root)
    try:
        with build_progress(args.quiet) as progress:
            result = write_site(config, root, args.strict, progress)
    except NothingWritten as failed:
        report(failed.problems, args.quiet, config.content_dir)
        print("digest: build failed; the output folder was left as it was", file=sys.stderr)
        return EXIT_FAILED
    report(as_skipped(result.problems), args.quiet, config.content_dir)
    if not args.quiet:
        s = result.stats
        print(
            f"built {s.files} files from {s.dumps} dumps: {s.papers} papers "
            f"({s.entries} entries) over {s.days} days in {sum(s.seconds.values()):.2f}s -> {config.output_dir}"
        )
    return EXIT_OK


def command_check(args: argparse.Namespace) -> int:
    config = resolve_config(args)
    model = build_model(config)
    failed = build_failed(model.problems, model.fatal, model.entries, args.strict) or any(p.severity is Severity.ERROR for p in model.problems)
    report(model.problems, args.quiet, config.content_dir)
    if not args.quiet:
        counts = {severity: sum(p.severity is severity for p in model.problems) for severity in Severity}
        print(
            f"checked {model.dumps} dumps: {model.entries} entries, {len(model.site.papers)} papers; "
            f"{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings"
        )
    return EXIT_FAILED if failed else EXIT_OK


def command_topics(args: argparse.Namespace) -> int:
    config = resolve_config(args)
    if args.evaluate is not None:
        return command_topics_evaluate(args, config)
    model = build_model(config)  # the model is all a coverage report needs: nothing is rendered
    if build_failed(model.problems, model.fatal, model.entries, args.strict):
        report(model.problems, args.quiet, config.content_dir)
        return EXIT_FAILED
    report(as_skipped(model.problems), args.quiet, config.content_dir)
    if args.explain is None and not args.suggest:
        print(topics.format_coverage(topics.coverage(model.site.papers, model.site.topics)), end="")
        return EXIT_OK
    taxonomy, _ = topics.load_taxonomy(config.content_dir)
    assert taxonomy is not None  # the model was built with it
    classifier = topics.Classifier(taxonomy)
    if args.suggest:
        print(topics.format_suggestions(topics.suggest(classifier, model.site.papers)), end="")
    if args.explain is not None:
        found = [p for p in model.site.papers if args.explain in (p.id, p.arxiv_id)]
        if not found:
            print(f"digest topics: no paper with the id or arXiv id {args.explain!r} (hint: ids are in papers.json)", file=sys.stderr)
            return EXIT_FAILED
        print(topics.format_explain(classifier, found[0]), end="")
    return EXIT_OK


def command_topics_evaluate(args: argparse.Namespace, config: Config) -> int:
    """`digest topics --evaluate FILE`: the rules (the content folder's topics.yaml, else the default) against labelled papers."""
    taxonomy, problems = topics.load_taxonomy(config.content_dir)
    labelled, label_problems = topics.read_labels(args.evaluate)
    report([*problems, *label_problems], args.quiet, config.content_dir)
    if taxonomy is None or label_problems:
        return EXIT_FAILED
    print(topics.format_evaluation(topics.evaluate(topics.Classifier(taxonomy), labelled)), end="")
    return EXIT_OK


def command_dupes(args: argparse.Namespace) -> int:
    from generator import dedupe_report
    from generator.pipeline.dedupe import dedupe

    config = resolve_config(args)
    _, entries, problems = read_entries(config)
    report(as_skipped(problems), args.quiet, config.content_dir)
    if args.strict and problems:
        return EXIT_FAILED
    result = dedupe(entries, config.dedupe)
    render = dedupe_report.as_json if args.json else dedupe_report.format_text
    print(render(result.papers, len(entries), result.candidate_pairs), end="")
    return EXIT_OK


def preview_session(args: argparse.Namespace) -> tuple[RebuildSession, Path]:
    """The rebuild session of `serve` and `watch`, after the same checks `build` makes."""
    # Imported here, with serve and watch below: `digest build` never loads the server and watcher.
    from generator.preview.incremental import RebuildSession

    config = resolve_config(args)
    root = project_root_of(args)
    refuse_unsafe_output(config, args, root)
    return RebuildSession(lambda: resolve_config(args), root, args.strict), args.config or root / CONFIG_NAME


def command_serve(args: argparse.Namespace) -> int:
    from generator.preview import serve

    session, config_file = preview_session(args)
    return serve.run_preview(session, config_file, args.host, args.port, not args.no_reload, args.quiet)


def command_watch(args: argparse.Namespace) -> int:
    from generator.preview import watch

    session, config_file = preview_session(args)
    return watch.run_watch(session, config_file, args.quiet)


def command_fetch(args: argparse.Namespace) -> int:
    from generator import fetch

    config = resolve_config(args)
    settings = config.fetch
    if args.api_url is not None:
        if validate_base_url(args.api_url, "--api-url", None):
            raise UserError(Problem("--api-url", None, f"{args.api_url!r} is not an absolute http(s) URL", f"e.g. {DEFAULT_API_URL}"), EXIT_USAGE)
        settings = dataclasses.replace(settings, api_url=args.api_url)
    if args.since and args.until and args.since > args.until:
        raise UserError(Problem("--since", None, f"--since {args.since} is after --until {args.until}", "swap them"), EXIT_USAGE)
    if not config.content_dir.is_dir():
        hint = "digest new DIR creates a digest folder; or check --content and content_dir"
        raise UserError(Problem(str(config.content_dir), None, "the content folder does not exist", hint), EXIT_FAILED)
    dumps_dir = config.content_dir / ingest.DUMPS_FOLDER
    today = dt.datetime.now(dt.UTC).date()
    days = fetch.plan_days(today, fetch.newest_dump_date(dumps_dir), args.days, args.since, args.until)
    client = fetch.DailyPapersClient(settings)
    try:
        with build_progress(args.quiet) as progress:
            result = fetch.fetch_days(client, dumps_dir, project_root_of(args) / fetch.STATE_FILE, days, args.force, progress)
    finally:
        client.close()
    report(fetch.problems_of(result), args.quiet, config.content_dir)
    if not args.quiet:
        shown = as_seen_from(Problem(ingest.DUMPS_FOLDER, None, ""), Path.cwd(), config.content_dir).path
        for line in fetch.summary_lines(result, shown):
            print(line)
    if result.failed:
        names = ", ".join(day.date.isoformat() for day in result.failed)
        print(f"digest: fetch failed for {names}; {'its dump was' if len(result.failed) == 1 else 'their dumps were'} left as they were", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def command_new(args: argparse.Namespace) -> int:
    from generator import scaffold

    existing = scaffold.existing_files(args.dir)
    if existing:
        hint = "digest new writes nothing over a file: pick a new folder, or move these files away"
        report([Problem(str(path), None, "already exists", hint) for path in existing], quiet=False)
        print("digest: nothing was written", file=sys.stderr)
        return EXIT_FAILED
    for path in scaffold.create(args.dir):
        print(f"created {path}")
    print(f"next: cd {args.dir} && digest fetch && digest build   (publishing with GitHub Pages: docs/deploy.md)")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except UserError as exc:
        report(exc.problems, quiet=False)
        return exc.exit_code
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return 130


def run() -> NoReturn:
    """The `digest` command: main(), then exit without tearing the heap down object by object.

    Freeing a built site's model one object at a time at interpreter exit costs a
    noticeable share of a small build. Every file is closed by then; the standard
    streams are flushed here.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a closed pipe (`digest dupes | head`): nothing more can be said there
            stream.flush()
    os._exit(code)
