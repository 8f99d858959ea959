"""Problems found in user input: values, never exceptions thrown across stages."""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file, located to a line when possible."""

    path: str
    line: int | None
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.severity.value}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


def as_seen_from(problem: Problem, cwd: Path, content_dir: Path | None = None) -> Problem:
    """The problem with a path the user can open from cwd.

    Problems in content files carry paths relative to the content folder (as papers.json does);
    a flag ('--out') stays as it is.
    """
    if not problem.path or problem.path.startswith("-"):
        return problem
    path = Path(problem.path)
    if not path.is_absolute():
        if content_dir is None:
            return problem
        path = content_dir / path
    path, here = Path(os.path.abspath(path)), Path(os.path.abspath(cwd))
    shown = path.relative_to(here).as_posix() if path.is_relative_to(here) else str(path)
    return dataclasses.replace(problem, path=shown)


def error(path: str, line: int | None, message: str, hint: str = "") -> Problem:
    return Problem(path, line, message, hint, Severity.ERROR)


def warning(path: str, line: int | None, message: str, hint: str = "") -> Problem:
    return Problem(path, line, message, hint, Severity.WARNING)


class UserError(Exception):
    """Raised only at the CLI boundary to stop with a message and an exit code."""

    def __init__(self, problems: list[Problem] | Problem, exit_code: int = 1) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.exit_code = exit_code
        super().__init__("; ".join(p.format() for p in self.problems))


class ThemeError(Exception):
    """A template failed: where and why as a Problem, worked out in the process that rendered the
    page (a forked renderer's traceback stays in the fork; this crosses the pipe whole)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.format())
        self.problem = problem

    def __reduce__(self) -> tuple[type[ThemeError], tuple[Problem]]:
        return ThemeError, (self.problem,)


def did_you_mean(word: str, known: Sequence[str]) -> str:
    """A hint for a mistyped name: the closest known one, else the known ones in the order given."""
    close = difflib.get_close_matches(word, known, n=1)
    return f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(known)
