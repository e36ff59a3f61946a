"""What a code check found: per test, passed or not, marks, one diagnostic."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["CodeCheckResult", "CodeTestResult", "plain_text", "to_plain_text"]


@dataclass
class CodeTestResult:
    """One test of a code check.

    ``status``: passed | partial (right only in a way worth part of the
    marks: ``score`` is its share) | failed (wrong values or properties) |
    undetermined (the comparison could not be decided: the check is flagged
    for review) | error (the
    student's code raised or did not import) | timeout | over_limit (went
    past the output, file, memory or process limit: no marks, whatever it
    returned) | crashed (killed, no result) | not_run (no file, no function)
    | sandbox_error (not the student's fault: see the check's review reasons).
    """

    id: str
    passed: bool
    score: float  # fraction of the test's marks, 0..1
    max_marks: float
    marks: float
    status: str
    diagnostic: str = ""  # what to fix, without the answer
    notes: list[str] = field(default_factory=list)  # non-scoring observations
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CodeCheckResult:
    id: str
    file: str
    function: str
    tests: list[CodeTestResult]
    score: float
    max_score: float
    needs_review: bool = False
    review_reasons: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # check-level (missing file, ...)
    printed: str = ""  # what the student's code printed (first test that printed), untrusted
    metadata: dict[str, Any] = field(default_factory=dict)  # isolation, timings

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.tests)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        return data


# ----------------------------------------------------------------- plain text
# Terminal escape sequences (colours, cursor moves, window titles) go whole;
# then every other control character, and the invisible Unicode that reorders
# or hides text (bidi overrides, zero-width characters).
_ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-_])")
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
MAX_LINE_CHARS = 2000  # a diagnostic, a message, a review reason
MAX_PRINTED_CHARS = 4096  # what the code printed
MAX_DETAIL_CHARS = 500  # a string inside a test's details


def plain_text(text: str, *, limit: int = MAX_LINE_CHARS, lines: bool = False) -> str:
    """``text`` (which student code may control) as plain text: no escape
    sequences or control characters, newlines kept only when ``lines``,
    at most ``limit`` characters. Markup is left to each renderer to escape."""
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\t", " ")
    if not lines:
        text = text.replace("\n", " ")
    text = _INVISIBLE.sub("", text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _plain_data(value: Any) -> Any:
    if isinstance(value, str):
        return plain_text(value, limit=MAX_DETAIL_CHARS)
    if isinstance(value, dict):
        return {_plain_data(k): _plain_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain_data(v) for v in value)
    return value


def to_plain_text(result: CodeCheckResult) -> CodeCheckResult:
    """Every text of ``result`` as plain text (``plain_text``), in place: done
    once, where the result leaves the numeric engine, so that every report
    format gets clean text (diagnostics quote exception messages, printed
    output, names the student chose)."""
    result.messages = [plain_text(m) for m in result.messages]
    result.review_reasons = [plain_text(r) for r in result.review_reasons]
    result.printed = plain_text(result.printed, limit=MAX_PRINTED_CHARS, lines=True)
    for test in result.tests:
        test.diagnostic = plain_text(test.diagnostic)
        test.notes = [plain_text(n) for n in test.notes]
        test.details = _plain_data(test.details)
    return result
