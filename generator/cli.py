"""The `digest` command line. User mistakes end as `file:line: message` and an exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, output
from .build import BuildResult, build_site
from .config import Config, load_config, validate_base_url, with_overrides
from .problems import Problem, Severity, UserError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_build_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file (default: ./digest.yaml if present)")
    parser.add_argument("--content", type=Path, metavar="DIR", help="content folder (default: content/)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: site/)")
    parser.add_argument("--base-url", metavar="URL", help="absolute URL the site is served at, e.g. https://user.github.io/repo/")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--quiet", "-q", action="store_true", help="print errors only")
    parser.add_argument("--force", action="store_true", help="replace an output folder that paper-digest did not make")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digest", description="Build a static site and feeds from research-paper feed dumps.")
    parser.add_argument("--version", action="version", version=f"paper-digest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    build = commands.add_parser("build", help="build the site into the output folder", description="Build the site from the content folder.")
    add_build_flags(build)
    build.set_defaults(handler=command_build)
    return parser


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
    return with_overrides(config, content_dir=args.content, output_dir=args.out, base_url=args.base_url)


def project_root_of(args: argparse.Namespace) -> Path:
    return args.config.parent if args.config else Path.cwd()


def report(problems: Sequence[Problem], quiet: bool) -> None:
    for problem in problems:
        if quiet and problem.severity is not Severity.ERROR:
            continue
        print(problem.format(), file=sys.stderr)


def build_failed(result: BuildResult, strict: bool) -> bool:
    if strict and result.problems:
        return True
    return bool(result.errors) and result.stats.entries == 0


def command_build(args: argparse.Namespace) -> int:
    config = resolve_config(args)
    root = project_root_of(args)
    problem = output.check_output_dir(config.output_dir, config.content_dir, root, args.force)
    if problem:
        raise UserError(problem, EXIT_FAILED)
    result = build_site(config, root)
    report(result.problems, args.quiet)
    if build_failed(result, args.strict):
        print("digest: build failed; the output folder was left as it was", file=sys.stderr)
        return EXIT_FAILED
    output.write_atomic(config.output_dir, result.files)
    if not args.quiet:
        s = result.stats
        print(
            f"built {s.files} files from {s.dumps} dumps: {s.papers} papers "
            f"({s.entries} entries) over {s.days} days in {sum(s.seconds.values()):.2f}s -> {config.output_dir}"
        )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except UserError as exc:
        for problem in exc.problems:
            print(problem.format(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("digest: interrupted", file=sys.stderr)
        return 130
