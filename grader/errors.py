"""The grader's own failures, each with an exit code and a one-line message.

A student's mistake is never an exception: engines return verdicts. These
errors are for input the grader cannot work with (a broken rubric, an
unreadable file) and are caught once, at the edge (``grader.cli``), which
prints ``error: <message>`` and exits with ``exit_code``.

    GraderError (exit 2)
    ├── RubricError        a rubric file that does not load or validate
    ├── SubmissionError    an answer sheet or code file that cannot be read
    ├── ContextError       a math context (symbols, aliases, ...) that is invalid
    └── InputError         any other bad command-line or API input
"""

from __future__ import annotations


class GraderError(Exception):
    """Base class: bad input the grader cannot work with (exit code 2)."""

    exit_code: int = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.format())

    def format(self) -> str:
        """``file:line: message`` when a location is known, else the message."""
        if self.path and self.line:
            return f"{self.path}:{self.line}: {self.message}"
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message


class RubricError(GraderError):
    """A rubric that does not load or validate."""


class SubmissionError(GraderError):
    """An answer sheet or code file that cannot be read."""


class ContextError(GraderError):
    """A math context (symbols, shapes, aliases, definitions) that is invalid."""


class InputError(GraderError):
    """Any other bad input (command-line options, JSON lines, API arguments)."""
