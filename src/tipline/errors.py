"""Named errors shared across Tipline, so callers can map them to exit codes and HTTP answers."""

from __future__ import annotations


class TiplineError(Exception):
    """Base of every error Tipline raises on purpose."""


class CaseFileError(TiplineError):
    """A case file that cannot be used; the message names file, line, field and problem."""

    def __init__(
        self, problem: str, *, source: str = "<case>", line: int | None = None, field: str = ""
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {field}{self.problem}"
