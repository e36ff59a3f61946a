"""What a course tool's gradebook column can hold: a question's score
(``q1``), a part's (``q1.b``) or the total (``total``), read from reports.

The Canvas and Moodle exports and the Gradescope leaderboard name their
columns by these item ids (``--canvas-assignment q1=12345``,
``--leaderboard total``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from grader.errors import InputError
from grader.report.models import GradeReport

TOTAL = "total"


@dataclass(frozen=True)
class GradeItem:
    """One gradebook column: which item, its header, and its maximum."""

    item: str
    header: str
    max_score: float


def item_titles(reports: Iterable[GradeReport]) -> dict[str, tuple[str, float]]:
    """item id -> (title, max score): the total, then questions and their
    parts in the order the reports list them."""
    found: dict[str, tuple[str, float]] = {}
    for report in reports:
        if TOTAL not in found:
            found[TOTAL] = (report.rubric.title or report.rubric.id or "Total", report.max_score)
        for question in report.questions:
            found.setdefault(question.id, (question.title, question.max_score))
            for part in report.parts:
                if part.question_id == question.id:
                    found.setdefault(part.id, (part.title, part.max_score))
    return found


def check_items(names: Iterable[str], known: dict[str, tuple[str, float]], option: str) -> None:
    """Every name must be an item of the reports (bad input otherwise, listing them)."""
    for name in names:
        if name not in known:
            raise InputError(
                f"{option}: no question or part {name!r} in the reports "
                f"(one of {', '.join(known) or 'none: no graded reports'})"
            )


def item_score(report: GradeReport, item: str) -> float | None:
    """The report's score for ``item``; None when the report does not have it."""
    if item == TOTAL:
        return report.score
    for question in report.questions:
        if question.id == item:
            return question.score
    for part in report.parts:
        if part.id == item:
            return part.score
    return None
