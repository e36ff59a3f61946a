"""GitHub Classroom's autograding result: what a test runner step gives the
reporter (``classroom-resources/autograding-grading-reporter``), in the
schema its own runners (``autograding-command-grader``,
``autograding-io-grader``) write: a JSON object, base64-encoded, in the
step's ``result`` output, which the reporter reads from the environment
variable ``<RUNNER>_RESULTS``:

    {"version": 1, "status": "pass" | "fail" | "error", "max_score": 10,
     "tests": [{"name", "status", "score", "max_score", "message",
                "test_code", "filename", "line_no", "duration"}]}

The reporter adds up ``tests[].score`` against ``max_score`` and sends the
points to Classroom ("Points 7.5/10"); it fails the job when ``status`` is
``fail`` or ``error``. One test per rubric part, so the student sees the
points of each part; the message is the student's feedback (never the
references). A part flagged for review is ``fail`` with the reason: its
points are provisional until a person looks.
"""

from __future__ import annotations

import base64
import json

from grader.report._common import format_score, full_marks, part_spans, review_reasons
from grader.report.models import GradeReport, PartReport

SCHEMA_VERSION = 1


def _message(part: PartReport) -> str:
    lines = [f"{format_score(part.score)} / {format_score(part.max_score)}"]
    lines += [*part.feedback]
    for check in part.checks:
        lines += [line for line in check.feedback if line not in part.feedback]
    if part.answer is not None and not part.answer.found:
        lines.append("No answer was found for this part.")
    if part.needs_review:
        reasons = review_reasons(part)
        lines.append(
            "A person will check this part" + (": " + "; ".join(reasons) if reasons else ".")
        )
    return "\n".join(lines)


def to_dict(report: GradeReport, *, sheet: str | None = None) -> dict:
    """The result object for one graded submission; ``sheet`` is the answer
    sheet's path shown as each test's ``filename`` (the lines are the part's)."""
    tests = []
    for part in report.parts:
        spans = part_spans(part)
        passed = full_marks(part.score, part.max_score) and not part.needs_review
        tests.append(
            {
                "name": f"{part.id}: {part.title}" if part.title else part.id,
                "status": "pass" if passed else "fail",
                "score": part.score,
                "max_score": part.max_score,
                "message": _message(part),
                "test_code": "",
                "filename": (spans[0].path if spans and spans[0].path else sheet) or "",
                "line_no": spans[0].start if spans else 0,
                "duration": 0,
            }
        )
    every_pass = all(test["status"] == "pass" for test in tests)
    return {
        "version": SCHEMA_VERSION,
        "status": "pass" if every_pass else "fail",
        "max_score": report.max_score,
        "tests": tests,
    }


def error_dict(reason: str, *, max_score: float = 0.0) -> dict:
    """The result when the submission could not be graded at all: status
    ``error`` and the reason, so the student sees what to fix."""
    return {
        "version": SCHEMA_VERSION,
        "status": "error",
        "max_score": max_score,
        "tests": [
            {
                "name": "grading",
                "status": "error",
                "score": 0,
                "max_score": max_score,
                "message": f"The autograder could not grade this submission: {reason}",
                "test_code": "",
                "filename": "",
                "line_no": 0,
                "duration": 0,
            }
        ],
    }


def encode(result: dict) -> str:
    """The result as the reporter reads it: compact JSON, UTF-8, base64."""
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode(encoded: str) -> dict:
    """Back from ``encode`` (as the reporter does: base64, then JSON)."""
    return json.loads(base64.b64decode(encoded).decode("utf-8"))
