"""Problems found in user input: values, never exceptions thrown across stages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
