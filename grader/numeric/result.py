"""What a code check found: per test, passed or not, marks, one diagnostic."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["CodeCheckResult", "CodeTestResult"]


@dataclass
class CodeTestResult:
    """One test of a code check.

    ``status``: passed | failed (wrong values or properties) | error (the
    student's code raised or did not import) | timeout | crashed (killed, no
    result) | not_run (no file, no function) | sandbox_error (not the
    student's fault: see the check's review reasons).
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
