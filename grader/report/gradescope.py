"""Gradescope's ``results.json`` for one submission, per the autograder
specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications", "Output format").

One Gradescope test per rubric part:

- ``name``: ``"q1.b: <part title>"``; ``number``: the part id (``"q1.b"``),
  so Gradescope orders and groups them as the rubric does.
- ``score`` / ``max_score``: the part's points; ``status``: ``"passed"`` at
  full marks, else ``"failed"``.
- ``output``: the part's feedback, the lines it refers to and, when the part
  needs a human, why (Markdown, ``output_format: "md"``).
- ``tags``: the question id and the check kinds; ``extra_data``: needs_review,
  review reasons, per-check verdicts.

Top level: ``score`` (the total; Gradescope uses it over the tests' sum),
``execution_time`` (seconds, when known), ``output`` (a short summary, Markdown),
``visibility``, ``stdout_visibility`` ("hidden": stdout is for instructors),
``extra_data`` (schema, rubric and submission hashes, grader version) and,
when asked, a ``leaderboard``: the total and any questions or parts named
(``leaderboard=["total", "q2"]``; ``True`` is the total alone).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Literal

from grader.report._common import (
    decided_by,
    format_score,
    format_spans,
    full_marks,
    part_spans,
    review_reasons,
)
from grader.report.models import GradeReport, PartReport

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]


def _text(text: str) -> str:
    """Text in ``output`` (Markdown, which Gradescope shows as HTML): markup
    escaped, so text a student's code chose (an exception message) stays text."""
    return html.escape(text, quote=False)


def _part_output(part: PartReport) -> str:
    lines: list[str] = []
    person = decided_by(part)
    if person:
        lines.append(f"{_text(person)}.\n")
    for feedback in part.feedback:
        lines.append(f"- {_text(feedback)}")
    for check in part.checks:
        for feedback in check.feedback:
            if feedback not in part.feedback:
                lines.append(f"- {_text(feedback)}")
    spans = part_spans(part)
    if spans:
        lines.append(f"\nRefers to {format_spans(spans)} of your sheet.")
    if part.needs_review:
        reasons = review_reasons(part)
        lines.append(
            "\nThis part will be checked by a person"
            + (": " + _text("; ".join(reasons)) if reasons else ".")
        )
    if part.answer is not None and not part.answer.found:
        lines.append("\nNo answer was found for this part.")
    return "\n".join(lines).strip()


def to_dict(
    report: GradeReport,
    *,
    execution_time: float | None = None,
    visibility: Visibility = "visible",
    stdout_visibility: Visibility = "hidden",
    leaderboard: bool | Sequence[str] = False,
) -> dict:
    """The ``results.json`` content as a dict (see the module docstring)."""
    titles = {question.id: question.title for question in report.questions}
    tests = []
    for part in report.parts:
        name = f"{part.id}: {part.title}" if part.title else part.id
        kinds = sorted({check.kind for check in part.checks})
        tests.append(
            {
                "name": name,
                "name_format": "text",
                "number": part.id,
                "score": part.score,
                "max_score": part.max_score,
                "status": "passed" if full_marks(part.score, part.max_score) else "failed",
                "output": _part_output(part),
                "output_format": "md",
                "tags": [part.question_id, *kinds],
                "visibility": part.visibility or visibility,
                "extra_data": {
                    "question": part.question_id,
                    "question_title": titles.get(part.question_id, ""),
                    "needs_review": part.needs_review,
                    "review_reasons": review_reasons(part),
                    "checks": [
                        {
                            "id": check.id,
                            "kind": check.kind,
                            "verdict": check.verdict,
                            "score": check.score,
                            "max_score": check.max_score,
                        }
                        for check in part.checks
                    ],
                },
            }
        )
    summary = [f"**Score: {format_score(report.score)} / {format_score(report.max_score)}**"]
    for question in report.questions:
        label = f"{question.id} {question.title}".strip()
        summary.append(
            f"- {label}: {format_score(question.score)} / {format_score(question.max_score)}"
        )
    review = [part.id for part in report.parts if part.needs_review]
    if review:
        summary.append(
            f"\nParts {', '.join(review)} will be checked by a person; their scores may change."
        )
    for warning in report.warnings:
        summary.append(f"\nNote: {_text(warning)}")
    results: dict = {
        "score": report.score,
        "output": "\n".join(summary),
        "output_format": "md",
        "test_output_format": "md",
        "test_name_format": "text",
        "visibility": visibility,
        "stdout_visibility": stdout_visibility,
        "extra_data": {
            "schema": report.schema_id,
            "submission_id": report.submission.id,
            "submission_sha256": report.submission.sha256,
            "rubric_id": report.rubric.id,
            "rubric_sha256": report.rubric.sha256,
            "grader_version": report.grader_version,
            "needs_review": report.needs_review,
            "max_score": report.max_score,
        },
        "tests": tests,
    }
    if execution_time is not None:
        # The spec gives seconds as an integer in its example; keep it whole.
        results["execution_time"] = max(0, round(execution_time))
    if leaderboard:
        results["leaderboard"] = leaderboard_entries(
            report, ["total"] if leaderboard is True else leaderboard
        )
    return results


def leaderboard_entries(report: GradeReport, items: Sequence[str]) -> list[dict]:
    """Gradescope's ``leaderboard``: one ``{"name", "value", "order"}`` per
    item (``total``, a question ``q1`` or a part ``q1.b``), higher first.
    The total is named ``Score``; a question or part by its id and title."""
    from grader.report.grade_items import TOTAL, check_items, item_score, item_titles

    known = item_titles([report])
    check_items(items, known, "--leaderboard")
    entries = []
    for item in items:
        title = known[item][0]
        name = "Score" if item == TOTAL else (f"{item}: {title}" if title else item)
        entries.append({"name": name, "value": item_score(report, item), "order": "desc"})
    return entries


def render(report: GradeReport, **options) -> str:
    """``results.json`` text for one submission (options as for ``to_dict``)."""
    return json.dumps(to_dict(report, **options), indent=2, ensure_ascii=False) + "\n"


def render_failure(reason: str, *, execution_time: float | None = None) -> str:
    """``results.json`` for a submission the grader could not read: score 0 and
    the reason, so the student sees what to fix instead of a silent failure."""
    results: dict = {
        "score": 0.0,
        "output": f"The autograder could not grade this submission: {reason}",
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": [],
    }
    if execution_time is not None:
        results["execution_time"] = max(0, round(execution_time))
    return json.dumps(results, indent=2, ensure_ascii=False) + "\n"
